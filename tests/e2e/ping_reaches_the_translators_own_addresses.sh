#!/usr/bin/env bash
# The translator answers Echo Requests sent to its own addresses: ipv6-addr from the IPv6
# side and ipv4-addr from the IPv4 side (Tayga's behaviour, which tundra keeps).
source "$(dirname "$0")/lib.sh"
e2e_need ping
e2e_setup

out=$(c6 timeout 15 ping -6 -n -c 3 -i 0.2 -W 2 "$XLAT6" 2>&1) || e2e_fail "client: ping -6 $XLAT6 (ipv6-addr) failed: $out"
grep -q "from $(e2e_canon6 "$XLAT6")" <<<"$out" || e2e_fail "replies did not come from $XLAT6: $out"
e2e_log "client → ipv6-addr $XLAT6: $(grep -m1 'packets transmitted' <<<"$out")"

out=$(s4 timeout 15 ping -4 -n -c 3 -i 0.2 -W 2 "$XLAT4" 2>&1) || e2e_fail "server: ping $XLAT4 (ipv4-addr) failed: $out"
grep -q "from $XLAT4" <<<"$out" || e2e_fail "replies did not come from $XLAT4: $out"
e2e_log "server → ipv4-addr $XLAT4: $(grep -m1 'packets transmitted' <<<"$out")"
e2e_pass
