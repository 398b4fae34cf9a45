#!/usr/bin/env bash
# A dynamic pool with room for exactly two clients: the first two IPv6 clients get an
# IPv4 address each, the third is refused with ICMPv6 Destination Unreachable (code 5,
# "source address failed ingress/egress policy", from Tayga and tundra alike), and the
# first two keep working.
#
# Pool 192.168.255.0/30 with ipv4-addr 192.168.255.3: neither Tayga nor tundra lends the
# network address .0, and .3 is the translator's own, which leaves .1 and .2.
source "$(dirname "$0")/lib.sh"
e2e_need ping socat tcpdump
POOL4=192.168.255.0/30
XLAT4=192.168.255.3
e2e_init
e2e_topology
clients=("$CLIENT6" 2001:db8:1::3 2001:db8:1::4)
c6 ip addr add "${clients[1]}/64" dev eth0 nodad
c6 ip addr add "${clients[2]}/64" dev eth0 nodad
e2e_translator_start

declare -A seen
for c in "${clients[@]:0:2}"; do
  out=$(c6 timeout 10 ping -6 -n -c 2 -i 0.2 -W 2 -I "$c" "$SERVER6" 2>&1) || e2e_fail "client $c could not reach the server: $out"
  v4=$(e2e_client_ipv4 "$c") || e2e_fail "the server never saw client $c"
  e2e_in4 "$v4" "$POOL4" || e2e_fail "client $c got $v4, outside $POOL4"
  [[ -z ${seen[$v4]:-} ]] || e2e_fail "clients ${seen[$v4]} and $c share $v4"
  seen[$v4]=$c
  e2e_log "client $c is $v4"
done

# The third client sends a UDP datagram and an Echo Request; the translator must answer
# with ICMPv6 Destination Unreachable (type 1) from its own address. tcpdump on the client's
# link is the witness: a translator may rightly stay silent about the Echo Request alone
# (no errors about ICMPv6 messages), so the UDP datagram is the probe that must be answered.
third=${clients[2]}
e2e_bg "$E2E_NS_CLIENT" unreach tcpdump -n -l -v -c 1 -i eth0 "icmp6 and ip6[40] == 1 and src $(e2e_canon6 "$XLAT6")"
sleep 1   # tcpdump opens its socket
printf 'third client\n' | c6 timeout 5 socat -u - "UDP6-SENDTO:[$SERVER6]:5009,bind=[$third]" || e2e_fail "socat could not send"
out=$(c6 timeout 10 ping -6 -n -c 2 -i 0.2 -W 2 -I "$third" "$SERVER6" 2>&1) && e2e_fail "the third client $third got through: $out"
printf '%s\n' "$out" | sed 's/^/#   ping: /'
e2e_wait_until 5 "an ICMPv6 Destination Unreachable from $XLAT6 to the third client" grep -q 'destination unreachable' "$E2E_WORK/unreach.log"
grep -i 'unreachable' "$E2E_WORK/unreach.log" | sed 's/^/#   tcpdump: /'

for c in "${clients[@]:0:2}"; do
  c6 timeout 10 ping -6 -n -c 1 -W 2 -I "$c" "$SERVER6" >/dev/null 2>&1 || e2e_fail "client $c lost its mapping after the refusal"
done
e2e_pass "third client refused; the first two still work"
