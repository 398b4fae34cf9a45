#!/usr/bin/env bash
# Serving and forwarding: one upstream answering random bytes, another never answering,
# must not hold up anything else. Zone blocks send garbage.example and silent.example to
# those two fakes; everything else goes to NSD. While 16 queries for the bad zones are in
# flight, queries for dns64.test (new names each time, no cache) are answered fast
# (< 700 ms each); the bad queries end in SERVFAIL within query-timeout-ms (1500) plus a
# margin; and tundra still answers afterwards.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
garbage_port=$(d64_port) || exit 1
d64_fake_start garbage "$garbage_port" garbage --log "$D64_WORK/garbage-asked.txt"
silent_port=$(d64_port) || exit 1
d64_fake_start silent "$silent_port" silent --log "$D64_WORK/silent-asked.txt"
D64_UPSTREAM_TIMEOUT_MS=500
D64_QUERY_TIMEOUT_MS=1500
D64_ZONES_TOML="[[dns64.zone]]
name = \"garbage.example\"
upstream = [\"127.0.0.1:$garbage_port\"]

[[dns64.zone]]
name = \"silent.example\"
upstream = [\"127.0.0.1:$silent_port\"]"
d64_tundra_start

pids=()
for i in $(seq 1 8); do
  for z in garbage silent; do
    type=AAAA; ((i % 2)) && type=A
    tcp=""; ((i % 4 == 0)) && tcp=+tcp
    ( out=$(timeout 20 dig @127.0.0.1 -p "$D64_PORT" +time=6 +tries=1 $tcp "n$i.$z.example" $type 2>&1)
      ms=$(d64_query_ms "$out")
      echo "$(d64_rcode "$out") ${ms:--} n$i.$z.example $type $tcp" >"$D64_WORK/bad-$z-$i.txt" ) &
    pids+=($!)
  done
done
# Let the bad queries reach the bad upstreams first.
lines() { wc -l 2>/dev/null <"$1" || echo 0; }
busy() { (($(lines "$D64_WORK/garbage-asked.txt") >= 4 && $(lines "$D64_WORK/silent-asked.txt") >= 4)); }
d64_wait_until 10 "tundra to ask the garbage and the silent upstream" busy
slow=""
for name in v4only v4short v4multi dual mapped alias; do
  out=$(d64_dig $name.dns64.test AAAA)
  ms=$(d64_query_ms "$out")
  d64_expect_rcode "$out" NOERROR "$name AAAA while the bad upstreams are busy"
  (($(d64_count "$out" AAAA) >= 1)) || d64_fail "$name AAAA while the bad upstreams are busy: no AAAA
$out"
  ((ms < 700)) || slow+=" $name:${ms}ms"
done
[[ -z $slow ]] || d64_fail "queries to a good upstream were held up by the bad ones:$slow"
for pid in "${pids[@]}"; do wait "$pid"; done
while read -r rcode ms what; do
  [[ $rcode == SERVFAIL ]] || d64_fail "$what: expected SERVFAIL from a garbage or silent upstream, got $rcode (none: no reply within 6 s)"
  ((ms <= 1500 + 1000)) || d64_fail "$what: SERVFAIL after $ms ms, query-timeout-ms is 1500"
done < <(cat "$D64_WORK"/bad-*.txt)
d64_log "bad-zone queries: $(awk '{print $2}' "$D64_WORK"/bad-*.txt | sort -n | xargs) ms"
kill -0 "$D64_TUNDRA_PID" 2>/dev/null || d64_fail "tundra died"
out=$(d64_kdig +tcp nothere.dns64.test AAAA)
d64_expect_rcode "$out" NXDOMAIN "nothere AAAA afterwards (kdig TCP)"
d64_pass
