#!/usr/bin/env bash
# Serving and forwarding: a bounded per-query timeout ending in SERVFAIL, and failover
# between upstreams with health tracking. (1) The only upstream never answers (UDP
# dropped, TCP accepted and left hanging): AAAA and A queries get SERVFAIL no later than
# query-timeout-ms (2000) plus a margin (the first one not before upstream-timeout-ms, 500).
# (2) Upstreams [dead, NSD]: the first query is answered through NSD within the query
# timeout; then the dead one is skipped, so later queries (new names, nothing cached) are
# answered well within one upstream-timeout-ms (1000). Times are the clients' own
# ("Query time"), which leave out their start-up.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
dead_port=$(d64_port) || exit 1
d64_fake_start dead "$dead_port" silent --log "$D64_WORK/dead-asked.txt"

D64_UPSTREAMS=("127.0.0.1:$dead_port")
D64_UPSTREAM_TIMEOUT_MS=500
D64_QUERY_TIMEOUT_MS=2000
d64_tundra_start
first=1
for q in "v4only.dns64.test AAAA" "v4only.dns64.test A" "dual.dns64.test AAAA"; do
  # shellcheck disable=SC2086
  set -- $q
  out=$(timeout 20 dig @127.0.0.1 -p "$D64_PORT" +time=8 +tries=1 "$1" "$2" 2>&1)
  d64_expect_rcode "$out" SERVFAIL "$q with a dead upstream"
  ms=$(d64_query_ms "$out")
  ((ms <= 2000 + 1000)) || d64_fail "$q with a dead upstream: SERVFAIL after $ms ms, query-timeout-ms is 2000"
  if ((first && ms < 400)); then
    d64_fail "$q with a dead upstream: SERVFAIL after only $ms ms, before upstream-timeout-ms (500) passed"
  fi
  first=0
  d64_log "$q: SERVFAIL after $ms ms"
done
out=$(timeout 20 kdig @127.0.0.1 -p "$D64_PORT" +tcp +timeout=8 +retry=0 v4short.dns64.test AAAA 2>&1)
d64_expect_rcode "$out" SERVFAIL "v4short AAAA over TCP (kdig) with a dead upstream"
ms=$(d64_query_ms "$out")
((ms <= 3000)) || d64_fail "v4short AAAA over TCP with a dead upstream: SERVFAIL after $ms ms"
[[ -s $D64_WORK/dead-asked.txt ]] || d64_fail "tundra never asked the configured upstream"

D64_UPSTREAMS=("127.0.0.1:$dead_port" "127.0.0.1:$D64_NSD_PORT")
D64_UPSTREAM_TIMEOUT_MS=1000
D64_QUERY_TIMEOUT_MS=3000
d64_tundra_restart
out=$(timeout 20 dig @127.0.0.1 -p "$D64_PORT" +time=8 +tries=1 v4only.dns64.test AAAA 2>&1)
ms=$(d64_query_ms "$out")
d64_expect_rcode "$out" NOERROR "v4only AAAA with upstreams [dead, NSD] (after $ms ms)"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA with upstreams [dead, NSD]"
((ms <= 3000 + 500)) || d64_fail "v4only AAAA with upstreams [dead, NSD]: answered after $ms ms, query-timeout-ms is 3000"
d64_log "first query through [dead, NSD]: $ms ms"

slow="" times=""
for i in 1 2 3 4 5 6; do
  out=$(timeout 20 dig @127.0.0.1 -p "$D64_PORT" +time=8 +tries=1 "nx$i-$$.dns64.test" AAAA 2>&1)
  d64_expect_rcode "$out" NXDOMAIN "nx$i-$$.dns64.test AAAA through [dead, NSD]"
  ms=$(d64_query_ms "$out")
  times+=" $ms"
  ((ms < 600)) || slow+=" nx$i:${ms}ms"
done
out=$(d64_dig big.dns64.test AAAA)
(($(d64_count "$out" AAAA) == 40)) || d64_fail "big AAAA through [dead, NSD]: expected 40 AAAA records
$out"
ms=$(d64_query_ms "$out")
times+=" $ms"
((ms < 600)) || slow+=" big:${ms}ms"
d64_log "later queries through [dead, NSD]:$times ms"
[[ -z $slow ]] || d64_fail "after the first failure the dead upstream must be skipped, but these queries took most of an upstream timeout (1000 ms):$slow"
d64_pass
