#!/usr/bin/env bash
# Out of file descriptors is tundra's own trouble, not the upstream's. tundra runs with
# `prlimit --nofile=40`, its only upstream a relay that answers after 0.5 s; 150 queries for
# distinct names at once need more sockets than tundra may open. Those it cannot ask about
# get SERVFAIL, but the upstream is not marked down (no "is down" in the log, and
# /metrics still says tundra_dns64_upstream_up 1 while the burst is being answered), and
# the next query is answered.
source "$(dirname "$0")/lib.sh"
d64_need prlimit
d64_init
d64_nsd_start
port=$(d64_port) || exit 1
d64_fake_start slow "$port" slow --delay-ms 500 --forward "127.0.0.1:$D64_NSD_PORT"
D64_UPSTREAMS=("127.0.0.1:$port")
D64_UPSTREAM_TIMEOUT_MS=2000
D64_QUERY_TIMEOUT_MS=3000
d64_tundra_start prlimit --nofile=40 --

"$D64_PYTHON" - "$D64_PORT" >"$D64_WORK/burst.txt" 2>&1 <<'PY' &
import collections, socket, sys, time
import dns.message, dns.rcode
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(150):
    s.sendto(dns.message.make_query(f"n{i}.dns64.test.", "AAAA").to_wire(), ("127.0.0.1", port))
s.settimeout(5)
rcodes = collections.Counter()
try:
    while sum(rcodes.values()) < 150:
        rcodes[dns.rcode.to_text(dns.message.from_wire(s.recv(4096)).rcode())] += 1
except socket.timeout:
    pass
print(dict(rcodes))
PY
burst=$!
sleep 0.25
up=$(d64_http /metrics | grep '^tundra_dns64_upstream_up' || true)
wait "$burst"
d64_log "replies to the burst: $(cat "$D64_WORK/burst.txt"); during it: $up"
grep -q 'SERVFAIL' "$D64_WORK/burst.txt" || d64_skip "no query ran out of file descriptors (the limit did not bite): $(cat "$D64_WORK/burst.txt")"
[[ $up == *" 1" ]] || d64_fail "the upstream was marked down while tundra ran out of file descriptors: '$up'"
if grep -q 'is down' "$D64_WORK/tundra.log"; then
  d64_fail "the log blames the upstream: $(grep 'is down' "$D64_WORK/tundra.log" | head -n 2)"
fi
out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA after the burst"
d64_pass
