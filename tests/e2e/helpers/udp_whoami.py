#!/usr/bin/env python3
"""A UDP "who am I" pair for the e2e harness (standard library only).

  udp_whoami.py serve ADDR PORT         answer each datagram with the sender's address
  udp_whoami.py ask DEST PORT [SOURCE]  send from SOURCE (IPv6), print the answer, exit 0;
                                        exit 1 when no answer came (3 tries, 1 s each)

Run behind a translator, the server's answer is the client's address as IPv4 hosts see it.
"""
import socket
import sys


def serve(addr: str, port: int) -> None:
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(2048)
        print(f"{peer[0]} {data[:64]!r}", flush=True)
        s.sendto(peer[0].encode(), peer)


def ask(dest: str, port: int, source: str | None) -> int:
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    if source:
        s.bind((source, 0))
    s.settimeout(1.0)
    for attempt in range(3):
        s.sendto(b"who am I %d" % attempt, (dest, port))
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            continue
        print(data.decode())
        return 0
    return 1


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "ask":
        sys.exit(ask(sys.argv[2], int(sys.argv[3]), sys.argv[4] if len(sys.argv) > 4 else None))
    else:
        sys.exit(__doc__)
