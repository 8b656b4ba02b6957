/*
 * cnifloor: the cheapest CNI plugin there can be, the floor of CniBenchmark. It reads the network configuration
 * from stdin (as every plugin must), does no network work, and answers ADD with a fixed, valid CNI 1.0.0 result
 * (one interface, one address) and every other command with nothing. What libcni measures for it is libcni's own
 * work, the fork/exec of a static executable and the pipes: what no plugin can go below.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char buf[65536];
    while (read(0, buf, sizeof buf) > 0) {
    }
    const char *cmd = getenv("CNI_COMMAND");
    if (cmd != NULL && strcmp(cmd, "ADD") == 0) {
        static const char result[] = "{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"eth0\",\"sandbox\":\"/x\"}],"
                                     "\"ips\":[{\"address\":\"10.123.0.2/16\",\"gateway\":\"10.123.0.1\",\"interface\":0}]}\n";
        if (write(1, result, sizeof result - 1) < 0) return 1;
    } else if (cmd != NULL && strcmp(cmd, "VERSION") == 0) {
        static const char v[] = "{\"cniVersion\":\"1.0.0\",\"supportedVersions\":[\"0.4.0\",\"1.0.0\"]}\n";
        if (write(1, v, sizeof v - 1) < 0) return 1;
    }
    return 0;
}
