#!/bin/bash
# Reproduces the Tayga-written fixtures of this folder (see README.md) with Debian's tayga
# 0.9.2 in a scratch network namespace. Needs root and `apt-get install tayga`. Touches
# nothing outside the namespace and a temporary directory.
#
#   sudo tests/cli/data/dynamic-map/make-fixtures.sh OUTDIR
#
# Writes OUTDIR/tayga-assigned.map and OUTDIR/tayga-rewritten.map. The last-use times differ
# from the committed files, as they are the times of the run.
set -euo pipefail
out=$(realpath "${1:?usage: make-fixtures.sh OUTDIR}")
here=$(dirname "$(realpath "$0")")
ns=tundra-dynmap-$$
work=$(mktemp -d)
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$out"

# One Tayga run in the namespace: $1 = data-dir (may hold a dynamic.map), $2 = what to send.
run_tayga() {
  local data=$1 traffic=$2
  cat > "$work/tayga.conf" <<CONF
tun-device nat64
ipv4-addr 172.16.0.1
prefix 2001:db8:64::/96
dynamic-pool 172.16.0.0/24
data-dir $data
CONF
  ip netns add "$ns"
  ip netns exec "$ns" bash -euo pipefail -c "
    ip link set lo up
    for a in 2001:db8::1 2001:db8::2 2001:db8:1::abcd 2001:db8:ffff::1234:5678; do ip -6 addr add \$a/128 dev lo; done
    ip addr add 198.51.100.1/32 dev lo
    tayga -c $work/tayga.conf -d > $work/tayga.log 2>&1 &
    pid=\$!
    sleep 1
    ip link set nat64 up
    ip route add 172.16.0.0/24 dev nat64
    ip -6 route add 2001:db8:64::/96 dev nat64
    $traffic
    kill -TERM \$pid
    wait \$pid
  "
  ip netns del "$ns"
  cat "$work/tayga.log"
}

ping6_from() { echo "ping -6 -c1 -W1 -I $1 2001:db8:64::203.0.113.7 >/dev/null || true;"; }
ping4_to() { echo "ping -c1 -W1 -I 198.51.100.1 $1 >/dev/null && echo '$1 answered' || echo '$1 not answered';"; }

# 1. Tayga assigns four clients and writes dynamic.map at SIGTERM.
mkdir -p "$work/assign"
run_tayga "$work/assign" "$(ping6_from 2001:db8::1) $(ping6_from 2001:db8::2) $(ping6_from 2001:db8:1::abcd) \
  $(ping6_from 2001:db8:ffff::1234:5678) $(ping4_to 172.16.0.231)"
cp "$work/assign/dynamic.map" "$out/tayga-assigned.map"

# 2. Tayga loads tundra-written-mixed.map, re-dated to now (same offsets as when it was
#    written), and rewrites it at SIGTERM.
mkdir -p "$work/load"
now=$(date +%s)
written=$(awk -F'\t' '/^[0-9]/ { if ($3 > max) max = $3 } END { print max + 60 }' "$here/tundra-written-mixed.map")
awk -F'\t' -v shift=$((now - written)) 'BEGIN { OFS = "\t" } /^[0-9]/ { $3 += shift } { print }' \
  "$here/tundra-written-mixed.map" > "$work/load/dynamic.map"
run_tayga "$work/load" "$(ping4_to 172.16.0.231) $(ping4_to 172.16.0.50) $(ping6_from 2001:db8::2) $(ping4_to 172.16.0.50)"
cp "$work/load/dynamic.map" "$out/tayga-rewritten.map"
echo "wrote $out/tayga-assigned.map and $out/tayga-rewritten.map"
