#!/usr/bin/env bash
# RFC 6147 §5.1.5: the CNAME chain is part of the answer and only the terminal A RRset is
# converted: alias -> v4only gives CNAME alias.dns64.test. -> v4only.dns64.test. and
# AAAA v4only.dns64.test. 64:ff9b::c000:201; a two-step chain (alias2 -> alias -> v4only)
# keeps both CNAMEs. §5.3.2: nothing in the additional section becomes an AAAA.
source "$(dirname "$0")/lib.sh"
d64_setup

out=$(d64_dig alias.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "alias AAAA"
d64_expect_rdata "$out" CNAME "v4only.dns64.test." "alias AAAA: the CNAME"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "alias AAAA: the synthesized AAAA"
chain=$(d64_section "$out" ANSWER | awk '{print $1, $4}' | xargs)
[[ $chain == "alias.dns64.test. CNAME v4only.dns64.test. AAAA" ]] \
  || d64_fail "alias AAAA: expected the CNAME of alias then the AAAA of v4only, got '$chain'
$out"
d64_expect_ttls_between "$out" AAAA 1 60 "alias AAAA: the AAAA's TTL is at most the SOA negative TTL"

out=$(d64_kdig +tcp alias2.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "alias2 AAAA over TCP (kdig)"
chain=$(d64_section "$out" ANSWER | awk '{print $1, $4, $5}' | xargs)
[[ $chain == "alias2.dns64.test. CNAME alias.dns64.test. alias.dns64.test. CNAME v4only.dns64.test. v4only.dns64.test. AAAA 64:ff9b::c000:201" ]] \
  || d64_fail "alias2 AAAA: expected CNAME alias2->alias, CNAME alias->v4only, AAAA 64:ff9b::c000:201, got '$chain'
$out"
for s in AUTHORITY ADDITIONAL; do
  [[ -z $(d64_rdata "$out" AAAA "$s") ]] || d64_fail "alias2 AAAA: no AAAA may appear in the $s section
$out"
done

d64_pass
