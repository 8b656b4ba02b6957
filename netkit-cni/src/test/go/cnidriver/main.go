// cnidriver drives CNI plugins through the reference client library libcni, as container engines do.
//
//	cnidriver MODE CONFLIST CACHEDIR CNIPATH [ID NETNS]...
//
// The container with ID ctr0 asks for port mapping 18080->80 (capability portMappings). CNIDRIVER_IPS="ID=IP,IP;..."
// asks for fixed addresses (capability ips) for the containers it names; CNIDRIVER_PORTS="ID=HOSTIP/HOSTPORT/PORT;..."
// for port mappings on one host address (capability portMappings with hostIP).
// MODE: add (validates each result against the spec's fields), check, del, gc (netkit plugin only, with
// cni.dev/valid-attachments = the given IDs with ifname eth0), status (netkit plugin only). One JSON line per
// container (or one for gc/status) on stdout: {"id":..,"ok":true,"result":{..}} or {"id":..,"ok":false,"error":{code,msg,details}}.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/ioutil"
	"net"
	"os"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/invoke"
	"github.com/containernetworking/cni/pkg/types"
	current "github.com/containernetworking/cni/pkg/types/100"
)

type line struct {
	ID     string          `json:"id"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *types.Error    `json:"error,omitempty"`
	Ms     float64         `json:"ms,omitempty"`
}

func emit(l line) {
	b, _ := json.Marshal(l)
	fmt.Println(string(b))
}

func fail(id string, err error) {
	var e *types.Error
	if errors.As(err, &e) {
		emit(line{ID: id, OK: false, Error: &types.Error{Code: e.Code, Msg: e.Msg, Details: e.Details}})
		return
	}
	emit(line{ID: id, OK: false, Error: &types.Error{Code: 0, Msg: err.Error()}})
}

// validate checks an ADD result against the spec: interfaces (host side without sandbox, container side with
// sandbox = netns), IPs with an interface index pointing at the container interface and a gateway inside the
// address's subnet, a default route.
func validate(r *current.Result, netns, ifname string) error {
	var sandboxIdx = -1
	hostSide := false
	for i, itf := range r.Interfaces {
		if itf.Name == "" {
			return fmt.Errorf("interface %d has no name", i)
		}
		if _, err := net.ParseMAC(itf.Mac); err != nil {
			return fmt.Errorf("interface %s: bad mac %q", itf.Name, itf.Mac)
		}
		if itf.Sandbox == netns && itf.Name == ifname {
			sandboxIdx = i
		}
		if itf.Sandbox == "" && strings.HasPrefix(itf.Name, "nkc") {
			hostSide = true
		}
	}
	if sandboxIdx < 0 {
		return fmt.Errorf("no interface %s with sandbox %s in %v", ifname, netns, r.Interfaces)
	}
	if !hostSide {
		return fmt.Errorf("no host-side veth (nkc...) without sandbox")
	}
	if len(r.IPs) == 0 {
		return fmt.Errorf("no IPs")
	}
	for _, ip := range r.IPs {
		if ip.Interface == nil || *ip.Interface != sandboxIdx {
			return fmt.Errorf("ip %v: interface index is not the container interface %d", ip.Address, sandboxIdx)
		}
		if ip.Gateway == nil || !ip.Address.Contains(ip.Gateway) {
			return fmt.Errorf("ip %v: gateway %v missing or outside the subnet", ip.Address, ip.Gateway)
		}
	}
	def := false
	for _, rt := range r.Routes {
		if ones, _ := rt.Dst.Mask.Size(); ones == 0 {
			def = true
		}
	}
	if !def {
		return fmt.Errorf("no default route in %v", r.Routes)
	}
	return nil
}

func pluginConf(list *libcni.NetworkConfigList, typ string) map[string]interface{} {
	for _, p := range list.Plugins {
		if p.Network.Type == typ {
			var m map[string]interface{}
			_ = json.Unmarshal(p.Bytes, &m)
			return m
		}
	}
	return nil
}

func main() {
	if len(os.Args) < 5 {
		fmt.Fprintln(os.Stderr, "usage: cnidriver MODE CONFLIST CACHEDIR CNIPATH [ID NETNS]...")
		os.Exit(2)
	}
	mode, confFile, cacheDir, paths := os.Args[1], os.Args[2], os.Args[3], strings.Split(os.Args[4], ":")
	pairs := os.Args[5:]
	bytes, err := ioutil.ReadFile(confFile)
	if err != nil {
		panic(err)
	}
	list, err := libcni.ConfListFromBytes(bytes)
	if err != nil {
		fail("conflist", err)
		os.Exit(0)
	}
	cni := libcni.NewCNIConfigWithCacheDir(paths, cacheDir, nil)
	ctx := context.Background()
	exec := &invoke.DefaultExec{RawExec: &invoke.RawExec{Stderr: os.Stderr}}

	if mode == "gc" || mode == "status" {
		conf := pluginConf(list, "netkit")
		conf["cniVersion"] = "1.1.0"
		conf["name"] = list.Name
		if mode == "gc" {
			var valid []map[string]string
			for i := 0; i+1 < len(pairs); i += 2 {
				valid = append(valid, map[string]string{"containerID": pairs[i], "ifname": "eth0"})
			}
			conf["cni.dev/valid-attachments"] = valid
		}
		b, _ := json.Marshal(conf)
		plugin, err := invoke.FindInPath("netkit", paths)
		if err != nil {
			panic(err)
		}
		args := &invoke.Args{Command: strings.ToUpper(mode), Path: strings.Join(paths, ":")}
		if err := invoke.ExecPluginWithoutResult(ctx, plugin, b, args, exec); err != nil {
			fail(mode, err)
		} else {
			emit(line{ID: mode, OK: true})
		}
		return
	}

	for i := 0; i+1 < len(pairs); i += 2 {
		id, netns := pairs[i], pairs[i+1]
		rt := &libcni.RuntimeConf{ContainerID: id, NetNS: netns, IfName: "eth0",
			CapabilityArgs: map[string]interface{}{}}
		for _, spec := range strings.Split(os.Getenv("CNIDRIVER_IPS"), ";") {
			if kv := strings.SplitN(spec, "=", 2); len(kv) == 2 && kv[0] == id {
				rt.CapabilityArgs["ips"] = strings.Split(kv[1], ",")
			}
		}
		for _, spec := range strings.Split(os.Getenv("CNIDRIVER_PORTS"), ";") {
			if kv := strings.SplitN(spec, "=", 2); len(kv) == 2 && kv[0] == id {
				if p := strings.Split(kv[1], "/"); len(p) == 3 {
					var hp, cp int
					fmt.Sscan(p[1], &hp)
					fmt.Sscan(p[2], &cp)
					rt.CapabilityArgs["portMappings"] = []map[string]interface{}{
						{"hostIP": p[0], "hostPort": hp, "containerPort": cp, "protocol": "tcp"}}
				}
			}
		}
		if id == "ctr0" {
			rt.CapabilityArgs["portMappings"] = []map[string]interface{}{
				{"hostPort": 18080, "containerPort": 80, "protocol": "tcp"}}
		}
		switch mode {
		case "add":
			res, err := cni.AddNetworkList(ctx, list, rt)
			if err != nil {
				fail(id, err)
				continue
			}
			r, err := current.NewResultFromResult(res)
			if err != nil {
				fail(id, err)
				continue
			}
			if err := validate(r, netns, "eth0"); err != nil {
				fail(id, fmt.Errorf("result violates the spec: %v", err))
				continue
			}
			b, _ := json.Marshal(r)
			emit(line{ID: id, OK: true, Result: b})
		case "check":
			if err := cni.CheckNetworkList(ctx, list, rt); err != nil {
				fail(id, err)
				continue
			}
			emit(line{ID: id, OK: true})
		case "del":
			if err := cni.DelNetworkList(ctx, list, rt); err != nil {
				fail(id, err)
				continue
			}
			emit(line{ID: id, OK: true})
		default:
			panic("unknown mode " + mode)
		}
	}
}
