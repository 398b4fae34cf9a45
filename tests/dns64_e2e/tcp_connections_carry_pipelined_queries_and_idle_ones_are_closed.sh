#!/usr/bin/env bash
# RFC 7766 on the client side: several queries on one TCP connection (kdig +keepopen),
# several queries sent at once on one connection before reading any reply (pipelining: each
# reply is matched by its ID), and a connection left idle is closed by tundra after
# tcp-idle-timeout-ms (1000 here), well before 5 s. Then, with max-tcp-connections = 1, a
# client that pipelines 100000 queries (more answers than the socket buffers hold) and never reads a reply loses its connection soon
# after tcp-idle-timeout-ms (tundra neither queues answers for it without bound nor waits on
# its full window for ever), and the slot it held serves the next client.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
D64_EXTRA_TOML="tcp-idle-timeout-ms = 1000"
d64_tundra_start

out=$(d64_kdig +tcp +keepopen v4only.dns64.test AAAA dual.dns64.test AAAA v4multi.dns64.test A)
n=$(grep -c 'status: NOERROR' <<<"$out")
((n == 3)) || d64_fail "kdig +keepopen: expected 3 NOERROR replies on one connection, got $n
$out"
grep -q '64:ff9b::c000:201' <<<"$out" && grep -q '2001:db8::20' <<<"$out" && grep -q '192.0.2.11' <<<"$out" \
  || d64_fail "kdig +keepopen: missing records
$out"

"$D64_PYTHON" - "$D64_PORT" >"$D64_WORK/pipeline.txt" 2>&1 <<'PY' || d64_fail "pipelined TCP queries: $(cat "$D64_WORK/pipeline.txt")"
import socket, struct, sys, time
import dns.message, dns.rdatatype
port = int(sys.argv[1])
want = [("v4only.dns64.test.", "64:ff9b::c000:201"), ("dual.dns64.test.", "2001:db8::20"),
        ("v4short.dns64.test.", "64:ff9b::c000:202")]
qs = {}
wire = b""
for i, (name, addr) in enumerate(want):
    q = dns.message.make_query(name, "AAAA")
    q.id = 1000 + i
    qs[q.id] = (name, addr)
    w = q.to_wire()
    wire += struct.pack("!H", len(w)) + w
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(wire)                      # all queries at once, in one segment
def recv_exact(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit(f"connection closed after {len(b)} of {n} bytes")
        b += c
    return b
for _ in range(len(qs)):
    r = dns.message.from_wire(recv_exact(struct.unpack("!H", recv_exact(2))[0]))
    if r.id not in qs:
        raise SystemExit(f"a reply with unknown or repeated id {r.id}")
    name, addr = qs.pop(r.id)
    got = sorted(rd.to_text() for rr in r.answer for rd in rr if rr.rdtype == dns.rdatatype.AAAA)
    if got != [addr]:
        raise SystemExit(f"{name}: expected {addr}, got {got} (id {r.id})")
if qs:
    raise SystemExit(f"no reply for {qs}")
# Idle: tundra must close the connection after tcp-idle-timeout-ms.
t0 = time.monotonic()
s.settimeout(6)
try:
    data = s.recv(1)
except socket.timeout:
    raise SystemExit("an idle TCP connection stayed open for 6 s (tcp-idle-timeout-ms = 1000)")
except ConnectionResetError:
    data = b""
waited = time.monotonic() - t0
if data:
    raise SystemExit(f"unexpected data on an idle connection: {data!r}")
if waited > 4:
    raise SystemExit(f"the idle connection was closed only after {waited:.1f} s")
print(f"pipelined 3 queries; idle connection closed after {waited:.1f} s")
PY
d64_log "$(cat "$D64_WORK/pipeline.txt")"

D64_EXTRA_TOML="tcp-idle-timeout-ms = 1000
max-tcp-connections = 1"
d64_tundra_restart
"$D64_PYTHON" - "$D64_PORT" >"$D64_WORK/stalled.txt" 2>&1 <<'PY' || d64_fail "a client that never reads: $(cat "$D64_WORK/stalled.txt")"
import socket, struct, sys, time
import dns.message
port = int(sys.argv[1])
q = dns.message.make_query("v4only.dns64.test.", "AAAA").to_wire()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # fills after a few dozen replies
s.connect(("127.0.0.1", port))
s.settimeout(2)
try:
    s.sendall((struct.pack("!H", len(q)) + q) * 100000)
except (socket.timeout, OSError):
    pass  # tundra stopped reading: what was sent is enough
# Never reading. Once tundra's send buffer is full too (several MiB of answers: that takes
# a while in a sanitizer build), the writer waits tcp-idle-timeout-ms (1000) and closes the
# connection; its slot (max-tcp-connections = 1) then serves the next client.
def next_client_answered():
    c = socket.create_connection(("127.0.0.1", port), timeout=5)
    c.sendall(struct.pack("!H", len(q)) + q)
    try:
        head = c.recv(2, socket.MSG_WAITALL)
    except ConnectionResetError:
        return False
    if len(head) < 2:
        return False
    r = dns.message.from_wire(c.recv(struct.unpack("!H", head)[0], socket.MSG_WAITALL))
    if not r.answer:
        raise SystemExit(f"the next client got no answer: {r}")
    return True
t0 = time.monotonic()
while not next_client_answered():
    if time.monotonic() - t0 > 60:
        raise SystemExit("the next client was turned away for 60 s: the stalled connection still holds the only slot")
    time.sleep(1)
# And the stalled connection is gone: draining what arrived ends in EOF or a reset.
s.settimeout(3)
try:
    while s.recv(65536):
        pass
except ConnectionResetError:
    pass
except socket.timeout:
    raise SystemExit("the stalled connection was still open")
print(f"a client that never read was closed; the next one was answered")
PY
d64_log "$(cat "$D64_WORK/stalled.txt")"
d64_pass
