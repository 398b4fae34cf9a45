#!/usr/bin/env bash
# rate-limit = 20: a client that sends 200 UDP queries at once gets about 20 answers (one
# second's reserve, plus what refills while they go out), the rest are dropped and counted
# (rate_limited), and another client (::1) is answered meanwhile. TCP is not limited. A
# second later the first client is answered again.
source "$(dirname "$0")/lib.sh"
d64_need "$D64_PYTHON"
d64_init
d64_nsd_start
D64_EXTRA_TOML="rate-limit = 20"
d64_tundra_start

# 200 queries from 127.0.0.1 within a few milliseconds, each waiting at most 1 s.
answered=$("$D64_PYTHON" - "$D64_PORT" <<'EOF2'
import socket, struct, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
def query(qid):
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in b"v4only.dns64.test".split(b"."):
        q += bytes([len(label)]) + label
    return q + b"\0" + struct.pack(">HH", 28, 1)
for i in range(200):
    s.sendto(query(i), ("127.0.0.1", port))
s.settimeout(1.0)
ids = set()
try:
    while True:
        ids.add(struct.unpack(">H", s.recv(4096)[:2])[0])
except socket.timeout:
    pass
print(len(ids))
EOF2
) || d64_fail "the query burst failed"
d64_log "127.0.0.1: $answered of 200 queries answered"
((answered >= 20 && answered <= 30)) || d64_fail "expected 20 to 30 of 200 answered at rate-limit = 20, got $answered"

out=$(d64_dig_at ::1 v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "::1 (another client) right after the burst"
out=$(d64_kdig +tcp v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "127.0.0.1 over TCP (not limited)"

metrics=$(d64_http /metrics | tail -n +2)
limited=$(d64_metric_sum "$metrics" '^tundra_dns64_rate_limited')
((limited >= 170)) || d64_fail "tundra_dns64_rate_limited_total is $limited, expected at least 170"
sleep 1.1
out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "127.0.0.1 a second later"
d64_pass "$answered answered, $limited dropped"
