#!/usr/bin/env python3
"""Sends one IPv4 UDP datagram built by hand on a raw socket (standard library only;
needs CAP_NET_RAW), with its UDP checksum field either 0 ("no checksum", RFC 768) or the
correct value (a control: the same path, only the checksum differs).

  send_udp_zero_checksum.py [--valid] SRC DST SPORT DPORT PAYLOAD

The kernel fills in the IPv4 total length, identification and header checksum
(IPPROTO_RAW implies IP_HDRINCL); the UDP header is sent exactly as built here.
"""
import socket
import struct
import sys


def ones_complement_sum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    return total


def main(args: list[str]) -> int:
    valid = args[:1] == ["--valid"]
    if valid:
        args = args[1:]
    if len(args) != 5:
        sys.exit(__doc__)
    src, dst, sport, dport, payload = args[0], args[1], int(args[2]), int(args[3]), args[4].encode()
    length = 8 + len(payload)
    checksum = 0
    if valid:
        pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, socket.IPPROTO_UDP, length)
        checksum = 0xFFFF - ones_complement_sum(pseudo + struct.pack("!HHHH", sport, dport, length, 0) + payload)
        checksum = checksum or 0xFFFF  # a computed 0 is sent as all ones (RFC 768)
    udp = struct.pack("!HHHH", sport, dport, length, checksum) + payload
    # version 4, IHL 5; TOS 0; total length; ID 0 (kernel picks); DF clear; TTL 64;
    # protocol 17; header checksum 0 (kernel computes).
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + length, 0, 0, 64, socket.IPPROTO_UDP, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(ip + udp, (dst, 0))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
