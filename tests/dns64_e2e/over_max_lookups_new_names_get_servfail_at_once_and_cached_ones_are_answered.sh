#!/usr/bin/env bash
# `max-lookups` bounds the client queries waiting for upstream answers at once, so that a
# flood of uncached names cannot take every socket the process may open. With
# `max-lookups = 10` and an upstream that answers after 2 s, 40 queries for distinct
# names at once: 10 are looked up (NXDOMAIN after 2 s), 30 get SERVFAIL at once and are
# counted in tundra_dns64_overloaded_total. Meanwhile a cached name is still answered, and
# /metrics, read after that answer, still shows 10 lookups in flight; afterwards the slots
# are free again.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
port=$(d64_port) || exit 1
d64_fake_start slow "$port" slow --delay-ms 2000 --forward "127.0.0.1:$D64_NSD_PORT"
D64_UPSTREAMS=("127.0.0.1:$port")
D64_UPSTREAM_TIMEOUT_MS=4000
D64_QUERY_TIMEOUT_MS=5000
D64_EXTRA_TOML="max-lookups = 10"
d64_tundra_start

out=$(d64_dig v4only.dns64.test AAAA)  # into the cache
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA (before the burst)"

"$D64_PYTHON" - "$D64_PORT" "$D64_WORK/sent" >"$D64_WORK/burst.txt" 2>&1 <<'PY' &
import socket, sys, time
import dns.message, dns.rcode
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
queries = [dns.message.make_query(f"n{i}.dns64.test.", "AAAA").to_wire() for i in range(40)]
start = time.monotonic()
for q in queries:
    s.sendto(q, ("127.0.0.1", port))
open(sys.argv[2], "w").close()  # the shell goes on from here
s.settimeout(8)
late = {}
try:
    while sum(late.get(k, (0, 0))[0] for k in late) < 40:
        rcode = dns.rcode.to_text(dns.message.from_wire(s.recv(4096)).rcode())
        n, slowest = late.get(rcode, (0, 0.0))
        late[rcode] = (n + 1, max(slowest, time.monotonic() - start))
except socket.timeout:
    pass
for rcode, (n, slowest) in sorted(late.items()):
    print(rcode, n, f"{slowest:.3f}")
PY
burst=$!
d64_wait_until 10 "the burst to be sent" test -e "$D64_WORK/sent"
sleep 0.1  # for tundra to read them all
cached=$(d64_dig v4only.dns64.test AAAA)
metrics=$(d64_http /metrics)
wait "$burst"
d64_log "replies (rcode, count, last after s): $(tr '\n' ';' <"$D64_WORK/burst.txt")"

read -r _ servfails servfail_last < <(grep '^SERVFAIL ' "$D64_WORK/burst.txt") || d64_fail "no SERVFAIL: $(cat "$D64_WORK/burst.txt")"
read -r _ nxdomains _ < <(grep '^NXDOMAIN ' "$D64_WORK/burst.txt") || d64_fail "no NXDOMAIN: $(cat "$D64_WORK/burst.txt")"
((servfails == 30 && nxdomains == 10)) || d64_fail "expected 10 NXDOMAIN and 30 SERVFAIL: $(cat "$D64_WORK/burst.txt")"
awk -v t="$servfail_last" 'BEGIN { exit !(t < 1.5) }' || d64_fail "the SERVFAILs took up to ${servfail_last}s (they need no lookup; the lookups take 2 s)"
in_flight=$(d64_metric_sum "$metrics" '^tundra_dns64_lookups$')
((in_flight == 10)) || d64_fail "tundra_dns64_lookups during the burst, after the cached answer: $in_flight, expected 10"
d64_expect_rdata "$cached" AAAA "64:ff9b::c000:201" "v4only AAAA from the cache during the burst"

metrics=$(d64_http /metrics)
overloaded=$(d64_metric_sum "$metrics" '^tundra_dns64_overloaded_total')
((overloaded == 30)) || d64_fail "tundra_dns64_overloaded_total: $overloaded, expected 30"
in_flight=$(d64_metric_sum "$metrics" '^tundra_dns64_lookups$')
((in_flight == 0)) || d64_fail "tundra_dns64_lookups after the burst: $in_flight, expected 0"
out=$(d64_dig v4short.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:202" "v4short AAAA after the burst (the slots were given back)"
grep -q 'overloaded' "$D64_WORK/tundra.log" || d64_fail "no query log line ends in 'overloaded'"
d64_pass "$servfails SERVFAIL within ${servfail_last}s, $nxdomains looked up"
