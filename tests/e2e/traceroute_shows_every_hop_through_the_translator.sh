#!/usr/bin/env bash
# traceroute -6 from the client to the IPv4-only server lists every hop:
#   1 the router (ICMPv6 Time Exceeded, native)
#   2 the translator itself (hop limit 1 on arrival: Time Exceeded from ipv6-addr)
#   3 the router's IPv4 side (ICMPv4 Time Exceeded translated to ICMPv6, RFC 7915 §4.2,
#     its source embedded in the prefix)
#   4 the server (ICMPv4 Port Unreachable translated to ICMPv6 Port Unreachable)
source "$(dirname "$0")/lib.sh"
e2e_need traceroute
e2e_setup

out=$(c6 timeout 60 traceroute -6 -n -q 1 -w 2 -m 8 "$SERVER6" 2>&1) || e2e_fail "traceroute failed: $out"
printf '%s\n' "$out" | sed 's/^/#   /'
hop() { awk -v n="$1" '$1 == n { print $2 }' <<<"$out"; }
router4_6=$(e2e_embed "$ROUTER4")
[[ $(hop 1) == "$(e2e_canon6 "$ROUTER6")" ]] || e2e_fail "hop 1 is '$(hop 1)', expected the router $ROUTER6"
[[ $(hop 2) == "$(e2e_canon6 "$XLAT6")" ]] || e2e_fail "hop 2 is '$(hop 2)', expected the translator $XLAT6"
[[ $(hop 3) == "$router4_6" ]] || e2e_fail "hop 3 is '$(hop 3)', expected the router's IPv4 side as $router4_6 (translated Time Exceeded)"
[[ $(hop 4) == "$SERVER6" ]] || e2e_fail "hop 4 is '$(hop 4)', expected the server $SERVER6 (translated Port Unreachable)"
[[ -z $(hop 5) ]] || e2e_fail "traceroute went on past the server"
e2e_pass "4 hops"
