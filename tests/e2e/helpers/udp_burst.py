#!/usr/bin/env python3
"""Bursts of numbered UDP datagrams whose contents the receiver can check (standard library only).

  udp_burst.py send DEST PORT COUNT SOURCE_PORT   send COUNT datagrams as fast as possible
  udp_burst.py receive ADDR PORT COUNT SECONDS    count them; print a summary line, exit 0
                                                  when all COUNT arrived intact, 1 otherwise

Datagram i carries i (4 bytes) and then bytes that depend on i and their position; its
size follows runs of 40 datagrams of one size (8, 64, 512, 1200, 1400 bytes in turn), the
last of each run shorter: the shapes a coalescing translator merges and cuts.
The receiver stops at COUNT distinct datagrams, or after SECONDS without one.
"""
import socket
import struct
import sys

SIZES = (8, 64, 512, 1200, 1400)
RUN = 40


def size_of(i: int) -> int:
    size = SIZES[(i // RUN) % len(SIZES)]
    return size // 2 + 4 if i % RUN == RUN - 1 else size


def datagram(i: int) -> bytes:
    n = size_of(i)
    return struct.pack("!I", i) + bytes((i * 31 + k) & 0xFF for k in range(n - 4))


def family(addr: str) -> int:
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def send(dest: str, port: int, count: int, source_port: int) -> int:
    s = socket.socket(family(dest), socket.SOCK_DGRAM)
    s.bind(("::" if ":" in dest else "0.0.0.0", source_port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 22)
    for i in range(count):
        s.sendto(datagram(i), (dest, port))
    return 0


def receive(addr: str, port: int, count: int, seconds: float) -> int:
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    try:
        s.setsockopt(socket.SOL_SOCKET, 33, 1 << 26)  # SO_RCVBUFFORCE (root): no drops here
    except OSError:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 26)
    s.bind((addr, port))
    s.settimeout(seconds)
    seen, corrupt, duplicate = set(), 0, 0
    while len(seen) < count:
        try:
            data = s.recv(65536)
        except socket.timeout:
            break
        i = struct.unpack("!I", data[:4])[0] if len(data) >= 4 else -1
        if i < 0 or i >= count or data != datagram(i):
            corrupt += 1
        elif i in seen:
            duplicate += 1
        else:
            seen.add(i)
    print(f"intact {len(seen)} of {count}, corrupt {corrupt}, duplicate {duplicate}", flush=True)
    return 0 if len(seen) == count and corrupt == 0 and duplicate == 0 else 1


if __name__ == "__main__":
    a = sys.argv
    if len(a) == 6 and a[1] == "send":
        sys.exit(send(a[2], int(a[3]), int(a[4]), int(a[5])))
    if len(a) == 6 and a[1] == "receive":
        sys.exit(receive(a[2], int(a[3]), int(a[4]), float(a[5])))
    sys.exit(__doc__)
