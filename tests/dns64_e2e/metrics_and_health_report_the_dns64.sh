#!/usr/bin/env bash
# Operating it: GET /health answers 200; GET /metrics (Prometheus text) has tundra_dns64_*
# counters that move with the traffic: queries (at least as many as sent), synthesized
# answers, cache hits (a repeated query), and NXDOMAIN among the rcodes. Names are matched
# loosely (they are not final): a sample whose name or labels contain the word.
source "$(dirname "$0")/lib.sh"
d64_setup

resp=$(d64_http /health)
[[ $(head -n1 <<<"$resp") == 200 ]] || d64_fail "GET /health: expected 200, got: $resp"
resp=$(d64_http /metrics)
[[ $(head -n1 <<<"$resp") == 200 ]] || d64_fail "GET /metrics: expected 200, got: $(head -n5 <<<"$resp")"
before=$(tail -n +2 <<<"$resp")
d64_metric_exists "$before" '^tundra_dns64_' || d64_fail "GET /metrics has no tundra_dns64_* sample:
$before"
q0=$(d64_metric_sum "$before" '^tundra_dns64_queries_total')
s0=$(d64_metric_sum "$before" '^tundra_dns64_[^ ]*synth')
h0=$(d64_metric_sum "$before" '^tundra_dns64_[^ ]*cache[^ ]*hit')

n=0
for name in v4only v4short v4multi; do d64_dig $name.dns64.test AAAA >/dev/null; n=$((n + 1)); done
for i in 1 2 3; do d64_dig v4only.dns64.test AAAA >/dev/null; n=$((n + 1)); done
d64_dig dual.dns64.test AAAA >/dev/null; n=$((n + 1))
d64_kdig +tcp nothere.dns64.test AAAA >/dev/null; n=$((n + 1))
d64_dig v4only.dns64.test A >/dev/null; n=$((n + 1))

resp=$(d64_http /metrics)
after=$(tail -n +2 <<<"$resp")
q1=$(d64_metric_sum "$after" '^tundra_dns64_queries_total')
s1=$(d64_metric_sum "$after" '^tundra_dns64_[^ ]*synth')
h1=$(d64_metric_sum "$after" '^tundra_dns64_[^ ]*cache[^ ]*hit')
dns_lines=$(grep '^tundra_dns64_' <<<"$after")
d64_log "queries $q0 -> $q1, synthesized $s0 -> $s1, cache hits $h0 -> $h1"
((q1 - q0 >= n)) || d64_fail "tundra_dns64_queries_total went from $q0 to $q1 after $n queries:
$dns_lines"
((s1 - s0 >= 3)) || d64_fail "no synthesized counter (tundra_dns64_*synth*) counted the 3+ synthesized answers ($s0 -> $s1):
$dns_lines"
((h1 - h0 >= 3)) || d64_fail "no cache-hit counter (tundra_dns64_*cache*hit*) counted the 3 repeated queries ($h0 -> $h1):
$dns_lines"
(($(d64_metric_sum "$after" '^tundra_dns64_[^ ]*(NXDOMAIN|nxdomain)') >= 1)) \
  || d64_fail "no tundra_dns64_* sample (name or label with nxdomain) counted the NXDOMAIN reply (per-rcode counters):
$dns_lines"
resp=$(d64_http /health)
[[ $(head -n1 <<<"$resp") == 200 ]] || d64_fail "GET /health after the queries: expected 200, got: $resp"
d64_pass
