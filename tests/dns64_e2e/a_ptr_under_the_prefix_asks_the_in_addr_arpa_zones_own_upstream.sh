#!/usr/bin/env bash
# RFC 6147 §5.3.1 with a [[dns64.zone]] for the reverse zone: the PTR under the prefix is
# answered from the in-addr.arpa name, and that lookup goes where a query for the
# in-addr.arpa name would go: here a second NSD (the home router's, say) that alone serves
# 2.0.192.in-addr.arpa, named by a zone block, not the global upstream, which does not
# serve it.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start nsd "$D64_NSD_PORT" dns64.test 8.b.d.0.1.0.0.2.ip6.arpa
home_port=$(d64_port) || exit 1
d64_nsd_start home "$home_port" 2.0.192.in-addr.arpa
D64_ZONES_TOML="[[dns64.zone]]
name = \"2.0.192.in-addr.arpa\"
upstream = [\"127.0.0.1:$home_port\"]"
d64_tundra_start

arpa=$(d64_ip6_arpa 64:ff9b::c000:201)
out=$(d64_dig -x 64:ff9b::c000:201)
d64_expect_rcode "$out" NOERROR "PTR $arpa"
chain=$(d64_section "$out" ANSWER | awk '{print $1, $4, $5}' | xargs)
[[ $chain == "$arpa CNAME 1.2.0.192.in-addr.arpa. 1.2.0.192.in-addr.arpa. PTR v4only.dns64.test." ]] \
  || d64_fail "PTR for 64:ff9b::c000:201: expected the CNAME and the home NSD's PTR, got '$chain'
$out"
d64_pass
