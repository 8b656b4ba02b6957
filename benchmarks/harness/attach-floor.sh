#!/bin/sh
# Kernel floor of a warm attach (issue 14): attachfloor.c sends netkit's attach requests from C. As root, from the
# repository root:   benchmarks/harness/attach-floor.sh [N] [PAUSE_MS]
# Makes a bench host namespace with bridge nkbbr0 (172.16.0.1/24) and N container namespaces (lo up, IPv6 DAD off by
# default, as netkit's spare), untimed; then times the N attaches; removes everything (also on failure).
set -e
N=${1:-100}; PAUSE=${2:-30}
P=nkaf-$$
cleanup() {
  for i in $(seq 0 $((N - 1))); do ip netns del "$P-c$i" 2>/dev/null || true; done
  ip netns del "$P-host" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
gcc -O2 -o "/tmp/$P-attachfloor" benchmarks/harness/attachfloor.c
ip netns add "$P-host"
ip -n "$P-host" link add nkbbr0 type bridge
ip -n "$P-host" addr add 172.16.0.1/24 brd + dev nkbbr0
ip -n "$P-host" link set nkbbr0 up
for i in $(seq 0 $((N - 1))); do
  ip netns add "$P-c$i"
  ip netns exec "$P-c$i" sh -c 'echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad' 2>/dev/null || true
  ip -n "$P-c$i" link set lo up
done
ip netns exec "$P-host" "/tmp/$P-attachfloor" nkbbr0 77 "$P-c" "$N" "$PAUSE"
rm -f "/tmp/$P-attachfloor"
