#!/usr/bin/python3
"""A misbehaving DNS upstream for tundra's DNS64 end-to-end tests (tests/dns64_e2e/).

Listens on UDP and TCP (RFC 7766 framing) on --host:--port and answers every query as
--mode says. Modes that relay do so to --forward HOST:PORT (the test's NSD), over the
transport the query came in on.

  forward        relay every query unchanged (use with --log to see what tundra asked)
  silent         never answer (TCP connections are accepted and held open)
  garbage        answer every query with random bytes (2 to 120 of them)
  wrong-id       send spoofed replies that carry a bad address (2001:db8:bad::1 for AAAA,
                 203.0.113.66 for A): from another source port with the right ID, with a
                 wrong ID, with the right ID but another name, with the right ID but
                 another type; then, with --forward, the real reply after --delay-ms
                 (default 200) with its question name in flipped case (RFC 5452 matching
                 is case-insensitive); without --forward nothing more
  slow           relay after --delay-ms
  refused        answer REFUSED (question echoed)
  servfail       answer SERVFAIL (question echoed)
  aaaa-servfail  AAAA queries get SERVFAIL, everything else is relayed
  aaaa-silent    AAAA queries are dropped, everything else is relayed
  a-servfail-once  the first A query for each name gets SERVFAIL, everything else is relayed
  strip-soa      relay, with the authority section removed from every reply
  truncate       UDP queries get an empty reply with TC=1; TCP queries are relayed
  set-ad         relay, with the AD bit set on every reply

--log FILE appends one line per query received: "udp|tcp QNAME QTYPE" (name lower-case,
with its trailing dot). Runs until killed (SIGTERM).
"""

import argparse
import os
import random
import socket
import socketserver
import struct
import sys
import threading
import time

import dns.flags
import dns.message
import dns.name
import dns.rdataclass
import dns.rcode
import dns.rdatatype
import dns.rrset

BAD_AAAA = "2001:db8:bad::1"
BAD_A = "203.0.113.66"

args = None
log_lock = threading.Lock()
failed_once = set()  # names whose A query a-servfail-once has failed already


def log_query(transport, wire):
    if not args.log:
        return
    try:
        q = dns.message.from_wire(wire)
        qn = q.question[0].name.to_text().lower() if q.question else "-"
        qt = dns.rdatatype.to_text(q.question[0].rdtype) if q.question else "-"
    except Exception:  # noqa: BLE001 - a query we cannot parse is still logged
        qn, qt = "unparsable", "-"
    with log_lock:
        with open(args.log, "a", encoding="ascii") as f:
            f.write(f"{transport} {qn} {qt}\n")


def parse(wire):
    try:
        return dns.message.from_wire(wire)
    except Exception:  # noqa: BLE001
        return None


def qtype_of(q):
    return q.question[0].rdtype if q is not None and q.question else None


def forward(wire, transport):
    """The upstream's reply to `wire`, or None."""
    host, _, port = args.forward.rpartition(":")
    port = int(port)
    try:
        if transport == "udp":
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.settimeout(3)
                s.sendto(wire, (host, port))
                return s.recv(65535)
        with socket.create_connection((host, port), timeout=3) as s:
            s.sendall(struct.pack("!H", len(wire)) + wire)
            hdr = recv_exact(s, 2)
            if hdr is None:
                return None
            return recv_exact(s, struct.unpack("!H", hdr)[0])
    except OSError:
        return None


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return buf


def rcode_reply(q, rcode):
    r = dns.message.make_response(q)
    r.set_rcode(rcode)
    return r.to_wire()


def spoofed(q, *, id_delta=0, name=None, rdtype=None):
    """A reply to q with a bad address in it, optionally with another ID, name or type."""
    r = dns.message.make_response(q)
    qname = q.question[0].name
    qt = q.question[0].rdtype
    if name is not None:
        qname = dns.name.from_text(name)
        r.question[0] = dns.rrset.RRset(qname, dns.rdataclass.IN, qt)
    if rdtype is not None:
        qt = rdtype
        r.question[0] = dns.rrset.RRset(qname, dns.rdataclass.IN, qt)
    if qt == dns.rdatatype.A:
        r.answer.append(dns.rrset.from_text(qname, 300, "IN", "A", BAD_A))
    else:
        r.answer.append(dns.rrset.from_text(qname, 300, "IN", "AAAA", BAD_AAAA))
    r.id = (q.id + id_delta) & 0xFFFF
    return r.to_wire()


def flip_case(wire):
    """The reply with its question name's letters in flipped case (the name is at offset 12)."""
    b = bytearray(wire)
    i = 12
    while i < len(b) and b[i] != 0 and b[i] < 64:
        n = b[i]
        for j in range(i + 1, min(i + 1 + n, len(b))):
            c = b[j]
            if 65 <= c <= 90 or 97 <= c <= 122:
                b[j] = c ^ 0x20
        i += n + 1
    return bytes(b)


def edit_reply(wire, fn):
    r = parse(wire)
    if r is None:
        return wire
    fn(r)
    return r.to_wire()


def strip_soa(r):
    r.authority = []


def set_ad(r):
    r.flags |= dns.flags.AD


def answers(wire, transport, send, send_spoof_from_other_port=None):
    """Calls send(bytes) zero or more times for the query `wire`."""
    log_query(transport, wire)
    mode = args.mode
    q = parse(wire)
    if mode == "silent":
        return
    if mode == "garbage":
        send(os.urandom(random.randint(2, 120)))
        return
    if q is None or not q.question:
        return
    qt = qtype_of(q)
    if mode == "refused":
        send(rcode_reply(q, dns.rcode.REFUSED))
        return
    if mode == "servfail":
        send(rcode_reply(q, dns.rcode.SERVFAIL))
        return
    if mode == "aaaa-servfail" and qt == dns.rdatatype.AAAA:
        send(rcode_reply(q, dns.rcode.SERVFAIL))
        return
    if mode == "aaaa-silent" and qt == dns.rdatatype.AAAA:
        return
    if mode == "a-servfail-once" and qt == dns.rdatatype.A:
        name = q.question[0].name.to_text().lower()
        with log_lock:
            first = name not in failed_once
            failed_once.add(name)
        if first:
            send(rcode_reply(q, dns.rcode.SERVFAIL))
            return
    if mode == "truncate" and transport == "udp":
        r = dns.message.make_response(q)
        r.flags |= dns.flags.TC
        send(r.to_wire())
        return
    if mode == "wrong-id":
        if send_spoof_from_other_port is not None:
            send_spoof_from_other_port(spoofed(q))
        send(spoofed(q, id_delta=0x5A5A))
        send(spoofed(q, name="evil.dns64.test."))
        send(spoofed(q, rdtype=dns.rdatatype.TXT if qt != dns.rdatatype.TXT else dns.rdatatype.MX))
        if not args.forward:
            return
        time.sleep((args.delay_ms if args.delay_ms is not None else 200) / 1000)
    if mode == "slow":
        time.sleep((args.delay_ms or 0) / 1000)
    if not args.forward:
        return
    reply = forward(wire, transport)
    if reply is None:
        return
    if mode == "wrong-id":
        reply = flip_case(reply)
    elif mode == "strip-soa":
        reply = edit_reply(reply, strip_soa)
    elif mode == "set-ad":
        reply = edit_reply(reply, set_ad)
    send(reply)


def serve_udp(sock):
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    other.bind((args.host, 0))
    while True:
        try:
            wire, peer = sock.recvfrom(65535)
        except OSError:
            return

        def work(wire=wire, peer=peer):
            answers(wire, "udp",
                    lambda b: sock.sendto(b, peer),
                    lambda b: other.sendto(b, peer))

        threading.Thread(target=work, daemon=True).start()


class TcpHandler(socketserver.BaseRequestHandler):
    def handle(self):
        s = self.request
        lock = threading.Lock()

        def send(b):
            with lock:
                try:
                    s.sendall(struct.pack("!H", len(b)) + b)
                except OSError:
                    pass

        while True:
            hdr = recv_exact(s, 2)
            if hdr is None:
                return
            wire = recv_exact(s, struct.unpack("!H", hdr)[0])
            if wire is None:
                return
            threading.Thread(target=answers, args=(wire, "tcp", send), daemon=True).start()


class TcpServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def main():
    global args
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--mode", required=True,
                   choices=["forward", "silent", "garbage", "wrong-id", "slow", "refused", "servfail",
                            "aaaa-servfail", "aaaa-silent", "a-servfail-once", "strip-soa", "truncate",
                            "set-ad"])
    p.add_argument("--forward", help="HOST:PORT to relay to")
    p.add_argument("--delay-ms", type=int)
    p.add_argument("--log")
    args = p.parse_args()
    relaying = {"forward", "slow", "aaaa-servfail", "aaaa-silent", "a-servfail-once", "strip-soa", "truncate",
                "set-ad"}
    if args.mode in relaying and not args.forward:
        p.error(f"--mode {args.mode} needs --forward")

    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind((args.host, args.port))
    tcp = TcpServer((args.host, args.port), TcpHandler)
    threading.Thread(target=serve_udp, args=(udp,), daemon=True).start()
    print(f"fake upstream ({args.mode}) on {args.host}:{args.port}", flush=True)
    try:
        tcp.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
