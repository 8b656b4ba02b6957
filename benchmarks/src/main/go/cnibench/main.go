// cnibench: a long-running libcni client for netkit's CNI benchmark. Reads commands on stdin, one per line:
//
//	add ID NETNS [HOSTPORT]   -> libcni AddNetworkList (the plugins are exec'd per call, as engines do)
//	del ID NETNS [HOSTPORT]   -> libcni DelNetworkList
//
// With HOSTPORT, the runtime configuration carries the portMappings capability (tcp HOSTPORT -> 80), as an
// engine's "-p HOSTPORT:80" does; libcni hands it to the plugins that declare the capability.
//
// and answers each with one line: "ok" or "err MESSAGE".
//
//	cnibench CONFLIST CACHEDIR CNIPATH
package main

import (
	"bufio"
	"context"
	"fmt"
	"io/ioutil"
	"os"
	"strconv"
	"strings"

	"github.com/containernetworking/cni/libcni"
)

func main() {
	conf, err := ioutil.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	list, err := libcni.ConfListFromBytes(conf)
	if err != nil {
		panic(err)
	}
	cni := libcni.NewCNIConfigWithCacheDir(strings.Split(os.Args[3], ":"), os.Args[2], nil)
	ctx := context.Background()
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	for in.Scan() {
		f := strings.Fields(in.Text())
		if len(f) != 3 && len(f) != 4 {
			fmt.Fprintln(out, "err bad command")
			out.Flush()
			continue
		}
		rt := &libcni.RuntimeConf{ContainerID: f[1], NetNS: f[2], IfName: "eth0"}
		if len(f) == 4 {
			port, perr := strconv.Atoi(f[3])
			if perr != nil {
				fmt.Fprintln(out, "err bad host port", f[3])
				out.Flush()
				continue
			}
			rt.CapabilityArgs = map[string]interface{}{"portMappings": []map[string]interface{}{
				{"hostPort": port, "containerPort": 80, "protocol": "tcp"}}}
		}
		switch f[0] {
		case "add":
			_, err = cni.AddNetworkList(ctx, list, rt)
		case "del":
			err = cni.DelNetworkList(ctx, list, rt)
		default:
			err = fmt.Errorf("unknown command %s", f[0])
		}
		if err != nil {
			fmt.Fprintln(out, "err", strings.ReplaceAll(err.Error(), "\n", " "))
		} else {
			fmt.Fprintln(out, "ok")
		}
		out.Flush()
	}
}
