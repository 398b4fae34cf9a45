#!/usr/bin/env bash
# ping -6 from the IPv6-only client reaches the IPv4-only server through the prefix
# (ICMPv6 Echo ↔ ICMPv4 Echo, RFC 7915 §4.2/§5.2), and once the client holds a pool
# address, ping from the IPv4 server reaches the client.
source "$(dirname "$0")/lib.sh"
e2e_need ping
e2e_setup

out=$(c6 timeout 15 ping -6 -n -c 3 -i 0.2 -W 2 "$SERVER6" 2>&1) || e2e_fail "client → server: ping -6 $SERVER6 failed: $out"
e2e_log "client → server: $(grep -m1 'packets transmitted' <<<"$out")"

client4=$(e2e_client_ipv4) || e2e_fail "the server never saw the client over UDP"
e2e_in4 "$client4" "$POOL4" || e2e_fail "the server saw the client as $client4, which is not in the pool $POOL4"
e2e_log "the client is $client4 to IPv4 hosts"

out=$(s4 timeout 15 ping -4 -n -c 3 -i 0.2 -W 2 "$client4" 2>&1) || e2e_fail "server → client: ping $client4 failed: $out"
e2e_log "server → client: $(grep -m1 'packets transmitted' <<<"$out")"
e2e_pass
