#!/usr/bin/env bash
# Hairpinning (RFC 7757 §4) with real sockets: an IPv6 client writes to its own IPv4
# address under the NAT64 prefix, so the translator turns the datagram around. It arrives
# from that prefix form, and when nobody listens, the client's own ICMPv6 Port Unreachable
# is turned around too and must quote the datagram as it was sent: the client's connected
# UDP socket then reports ECONNREFUSED (tests/e2e/helpers/hairpin_probe.py). Once for a
# client mapped by an EAM (map 192.0.2.2 <-> the client), once for a second address of
# the client that borrows from the dynamic pool.
source "$(dirname "$0")/lib.sh"
e2e_tundra_only "hairpinning of EAM and pool addresses"
EAM4=192.0.2.2
POOLED6=2001:db8:1::3
TUNDRA_EXTRA_TOML="map = [\"$EAM4 $CLIENT6\"]"
e2e_init
e2e_topology
c6 ip addr add "$POOLED6/64" dev eth0 nodad
e2e_translator_start

hairpinned() { e2e_tundra_ctl show stats --json | "$E2E_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["total"]["hairpinned"])'; }

hairpinned_rose() { (($(hairpinned) - HAIRPINNED_BEFORE >= $1)); }

probe() {   # $1: the client's IPv6 source, $2: its IPv4 address
  local via out
  via=$(e2e_embed "$2")
  HAIRPINNED_BEFORE=$(hairpinned)
  out=$(c6 timeout 20 "$E2E_PYTHON" "$E2E_DIR/helpers/hairpin_probe.py" "$1" "$via" 2>&1) \
    || e2e_fail "$1 → $via: $out"
  # The datagram, the probe that drew the Port Unreachable, and the error: 3 at least.
  e2e_wait_until 5 "tundra's hairpinned counter to rise by 3" hairpinned_rose 3
  while read -r line; do e2e_log "$1 → $via: $line"; done <<<"$out"
}

probe "$CLIENT6" "$EAM4"
pooled4=$(e2e_client_ipv4 "$POOLED6") || e2e_fail "the server never saw $POOLED6"
e2e_in4 "$pooled4" "$POOL4" || e2e_fail "$POOLED6 got $pooled4, outside $POOL4"
probe "$POOLED6" "$pooled4"
e2e_pass
