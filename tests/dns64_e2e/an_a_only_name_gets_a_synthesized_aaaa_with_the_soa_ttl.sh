#!/usr/bin/env bash
# RFC 6147 §5.1.6, §5.1.7: a name with A records and no AAAA gets AAAA records synthesized
# under the prefix (64:ff9b::/96: 192.0.2.1 -> 64:ff9b::c000:201), with the A records'
# owner, no A record left in the answer, and TTL = min(A TTL, TTL of the SOA in the
# negative AAAA reply). The zone's negative TTL is 60: v4only (A TTL 300) -> 60, v4short
# (A TTL 30) -> 30, v4multi (A TTLs 120 and 900) -> two AAAAs, each 60. Over UDP and TCP,
# on 127.0.0.1 and ::1, with dig and kdig.
source "$(dirname "$0")/lib.sh"
d64_setup

out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "v4only AAAA"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA (A 192.0.2.1)"
d64_expect_ttls_between "$out" AAAA 50 60 "v4only AAAA: min(A TTL 300, SOA negative TTL 60)"
[[ $(d64_section "$out" ANSWER | awk '$4 == "AAAA" {print $1}') == v4only.dns64.test. ]] \
  || d64_fail "the synthesized AAAA must have the A record's owner v4only.dns64.test.
$out"
(($(d64_count "$out" A) == 0)) || d64_fail "the A records must be removed from a synthesized answer
$out"
d64_expect_no_flag "$out" aa "a synthesized answer is not authoritative data"

out=$(d64_dig v4short.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "v4short AAAA"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:202" "v4short AAAA (A 192.0.2.2)"
d64_expect_ttls_between "$out" AAAA 20 30 "v4short AAAA: min(A TTL 30, SOA negative TTL 60)"

out=$(d64_kdig +tcp v4multi.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "v4multi AAAA over TCP (kdig)"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:20a 64:ff9b::c000:20b" "v4multi AAAA (A 192.0.2.10 TTL 120, 192.0.2.11 TTL 900)"
d64_expect_ttls_between "$out" AAAA 50 60 "v4multi AAAA: each min(A TTL, SOA negative TTL 60)"

# The same over IPv6 transport, UDP (kdig) and TCP (dig), and v4long (A TTL 3600) fresh.
out=$(d64_kdig_at ::1 v4long.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "v4long AAAA over [::1] UDP (kdig)"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:203" "v4long AAAA (A 192.0.2.3)"
d64_expect_ttls_between "$out" AAAA 50 60 "v4long AAAA: min(A TTL 3600, SOA negative TTL 60)"
out=$(d64_dig_at ::1 +tcp v4only.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "v4only AAAA over [::1] TCP (dig)"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA over [::1] TCP"
d64_expect_ttls_between "$out" AAAA 1 60 "v4only AAAA over [::1] TCP"

d64_pass
