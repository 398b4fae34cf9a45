#!/usr/bin/env bash
# RFC 6052 §2.2 with a /40 network-specific prefix (the IPv4 address is split around the
# reserved octet 8), RFC 6147 §5.2 (the same algorithm as the translator), §5.3.1 (PTR
# inside the prefix) and RFC 7050 (ipv4only.arpa reveals the prefix):
# prefix 2001:db8:100::/40: 192.0.2.1 -> 2001:db8:1c0:2:1::, 192.0.0.170 -> 2001:db8:1c0:0:aa::.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
D64_PREFIX=2001:db8:100::/40
d64_tundra_start

v4only6=$(d64_embed "$D64_PREFIX" 192.0.2.1)
[[ $v4only6 == 2001:db8:1c0:2:1:: ]] || d64_fail "harness: d64_embed gives $v4only6"
out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "$v4only6" "v4only AAAA under 2001:db8:100::/40"
out=$(d64_kdig +tcp v4multi.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "$(d64_embed "$D64_PREFIX" 192.0.2.10) $(d64_embed "$D64_PREFIX" 192.0.2.11)" "v4multi AAAA under 2001:db8:100::/40"
out=$(d64_dig ipv4only.arpa AAAA)
d64_expect_rdata "$out" AAAA "$(d64_embed "$D64_PREFIX" 192.0.0.170) $(d64_embed "$D64_PREFIX" 192.0.0.171)" "ipv4only.arpa AAAA under 2001:db8:100::/40"

arpa=$(d64_ip6_arpa "$v4only6")
out=$(d64_dig -x "$v4only6")
d64_expect_rcode "$out" NOERROR "PTR for $v4only6"
chain=$(d64_section "$out" ANSWER | awk '{print $1, $4, $5}' | xargs)
[[ $chain == "$arpa CNAME 1.2.0.192.in-addr.arpa. 1.2.0.192.in-addr.arpa. PTR v4only.dns64.test." ]] \
  || d64_fail "PTR for $v4only6: expected the CNAME to 1.2.0.192.in-addr.arpa. and its PTR, got '$chain'
$out"
d64_pass
