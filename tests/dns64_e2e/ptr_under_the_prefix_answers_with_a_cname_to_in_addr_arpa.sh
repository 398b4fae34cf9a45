#!/usr/bin/env bash
# RFC 6147 §5.3.1 (option 2, as BIND does): a PTR query for an ip6.arpa name inside the
# prefix gets a CNAME to the matching in-addr.arpa name plus that name's PTR:
# 64:ff9b::c000:201 -> CNAME 1.2.0.192.in-addr.arpa. -> PTR v4only.dns64.test. An address
# in the prefix whose IPv4 address has no PTR (192.0.2.99) gives the CNAME and NXDOMAIN. A
# PTR outside the prefix (2001:db8::20) is forwarded and returned unchanged, no CNAME.
source "$(dirname "$0")/lib.sh"
d64_setup

arpa=$(d64_ip6_arpa 64:ff9b::c000:201)
for client in "dig UDP" "kdig TCP" "dig [::1] TCP"; do
  case $client in
    "dig UDP") out=$(d64_dig -x 64:ff9b::c000:201) ;;
    "kdig TCP") out=$(d64_kdig +tcp -x 64:ff9b::c000:201) ;;
    "dig [::1] TCP") out=$(d64_dig_at ::1 +tcp -x 64:ff9b::c000:201) ;;
  esac
  d64_expect_rcode "$out" NOERROR "PTR $arpa ($client)"
  chain=$(d64_section "$out" ANSWER | awk '{print $1, $4, $5}' | xargs)
  [[ $chain == "$arpa CNAME 1.2.0.192.in-addr.arpa. 1.2.0.192.in-addr.arpa. PTR v4only.dns64.test." ]] \
    || d64_fail "PTR for 64:ff9b::c000:201 ($client): expected '$arpa CNAME 1.2.0.192.in-addr.arpa.' then '1.2.0.192.in-addr.arpa. PTR v4only.dns64.test.', got '$chain'
$out"
done

out=$(d64_dig -x 64:ff9b::c000:263)
d64_expect_rcode "$out" NXDOMAIN "PTR for 64:ff9b::c000:263 (99.2.0.192.in-addr.arpa has no PTR)"
d64_expect_rdata "$out" CNAME "99.2.0.192.in-addr.arpa." "PTR for 64:ff9b::c000:263: the CNAME to the in-addr.arpa name"

direct=$(d64_dig_nsd -x 2001:db8::20)
out=$(d64_dig -x 2001:db8::20)
d64_expect_rcode "$out" NOERROR "PTR for 2001:db8::20 (outside the prefix)"
[[ $(d64_records "$out" ANSWER) == "$(d64_records "$direct" ANSWER)" ]] \
  || d64_fail "PTR for 2001:db8::20 (outside the prefix) must be NSD's answer unchanged
--- via tundra
$out
--- NSD directly
$direct"
d64_expect_rdata "$out" PTR "dual.dns64.test." "PTR for 2001:db8::20"

out=$(d64_dig -x 192.0.2.1)
d64_expect_rdata "$out" PTR "v4only.dns64.test." "PTR for 192.0.2.1 (in-addr.arpa, forwarded)"
d64_pass
