#!/usr/bin/env bash
# Cache: positive and negative answers are cached and their TTLs count down. The answers
# are fetched once (synthesized v4only AAAA, TTL <= 60; real dual AAAA, TTL <= 300;
# NXDOMAIN for nothere, SOA TTL <= 60), then NSD is stopped: 3 s later the same questions
# are still answered, from the cache, with the same records and TTLs lower by the time that
# really passed (measured around the queries, +-1 s for the whole-second TTLs; at least
# 2 s). A question never asked before now gets SERVFAIL (proof that NSD is really gone).
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
nsd_pid=$D64_LAST_PID
D64_UPSTREAM_TIMEOUT_MS=500
D64_QUERY_TIMEOUT_MS=1500
d64_tundra_start

ttl_of() { d64_ttls "$1" "$2" "${3:-ANSWER}" | sort -n | head -n1; }

t_first_start=$(d64_now_ms)
a1=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$a1" AAAA "64:ff9b::c000:201" "v4only AAAA (first)"
d1=$(d64_dig dual.dns64.test AAAA)
d64_expect_rdata "$d1" AAAA "2001:db8::20" "dual AAAA (first)"
n1=$(d64_dig nothere.dns64.test AAAA)
d64_expect_rcode "$n1" NXDOMAIN "nothere AAAA (first)"
c1=$(d64_dig alias.dns64.test AAAA)
d64_expect_rdata "$c1" AAAA "64:ff9b::c000:201" "alias AAAA (first)"
t_first_end=$(d64_now_ms)
t_a1=$(ttl_of "$a1" AAAA); t_d1=$(ttl_of "$d1" AAAA); t_n1=$(ttl_of "$n1" SOA AUTHORITY); t_c1=$(ttl_of "$c1" AAAA)
[[ -n $t_n1 ]] || d64_fail "nothere AAAA: no SOA in the authority section
$n1"

d64_stop_pid "$nsd_pid" 3
sleep 3

t_second_start=$(d64_now_ms)
a2=$(d64_dig v4only.dns64.test AAAA)
d2=$(d64_kdig +tcp dual.dns64.test AAAA)
n2=$(d64_dig nothere.dns64.test AAAA)
c2=$(d64_dig alias.dns64.test AAAA)
t_second_end=$(d64_now_ms)
# Between the two rounds at least min_s and at most max_s seconds passed.
min_s=$(((t_second_start - t_first_end) / 1000))
max_s=$(((t_second_end - t_first_start + 999) / 1000))
d64_log "between the two rounds: ${min_s} to ${max_s} s"
d64_expect_rdata "$a2" AAAA "64:ff9b::c000:201" "v4only AAAA from the cache (NSD stopped)"
d64_expect_rdata "$d2" AAAA "2001:db8::20" "dual AAAA from the cache over TCP (NSD stopped)"
d64_expect_rcode "$n2" NXDOMAIN "nothere AAAA from the negative cache (NSD stopped)"
d64_expect_rdata "$c2" CNAME "v4only.dns64.test." "alias AAAA from the cache (NSD stopped)"
d64_expect_rdata "$c2" AAAA "64:ff9b::c000:201" "alias AAAA from the cache (NSD stopped)"

down() {  # WHAT BEFORE AFTER
  [[ -n $3 ]] || d64_fail "$1: no TTL in the cached answer"
  local lo=$((min_s - 1)) hi=$((max_s + 1))
  ((lo < 2)) && lo=2
  (($2 - $3 >= lo && $2 - $3 <= hi)) || d64_fail "$1: TTL $2, then $3 after ${min_s} to ${max_s} s (expected $lo to $hi lower)"
  d64_log "$1: TTL $2 -> $3"
}
down "v4only AAAA" "$t_a1" "$(ttl_of "$a2" AAAA)"
down "dual AAAA" "$t_d1" "$(ttl_of "$d2" AAAA)"
down "nothere AAAA (SOA in the negative answer)" "$t_n1" "$(ttl_of "$n2" SOA AUTHORITY)"
down "alias AAAA" "$t_c1" "$(ttl_of "$c2" AAAA)"

out=$(d64_dig v4short.dns64.test A)
d64_expect_rcode "$out" SERVFAIL "v4short A, never asked before, with NSD stopped"
d64_pass
