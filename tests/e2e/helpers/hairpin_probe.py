#!/usr/bin/env python3
"""Hairpinning seen from an IPv6 host (standard library only).

  hairpin_probe.py SOURCE SELF_VIA_PREFIX

SOURCE is one of this host's IPv6 addresses; SELF_VIA_PREFIX is the IPv4 address the
translator gives SOURCE, written under the NAT64 prefix. Both probes send from SOURCE to
SELF_VIA_PREFIX, so the translator hairpins them back to this very host (RFC 7757 §4):

  1. a datagram to a listening port arrives, and its sender is SELF_VIA_PREFIX;
  2. a datagram on a connected socket to a port nobody listens on draws this host's own
     ICMPv6 Port Unreachable, which the translator must hairpin back as an error quoting
     the datagram as it was sent, so that the socket reports ECONNREFUSED.

Prints one line per probe; exits 1 at the first that fails.
"""
import socket
import sys


def main(source: str, self_via_prefix: str) -> int:
    listener = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    listener.bind((source, 5003))
    listener.settimeout(3.0)
    sender = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    sender.bind((source, 0))
    sender.sendto(b"hairpin", (self_via_prefix, 5003))
    try:
        data, peer = listener.recvfrom(2048)
    except socket.timeout:
        print("datagram: nothing arrived in 3 s")
        return 1
    if data != b"hairpin" or peer[0] != self_via_prefix:
        print(f"datagram: {data!r} from {peer[0]}, expected b'hairpin' from {self_via_prefix}")
        return 1
    print(f"datagram: arrived from {peer[0]}")

    # The host rate-limits its ICMPv6 errors (net.ipv6.icmp.ratelimit, 1 s): each try
    # waits longer than that.
    for attempt in range(3):
        connected = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        connected.bind((source, 0))
        connected.connect((self_via_prefix, 5004))
        connected.settimeout(2.0)
        connected.send(b"anyone there? %d" % attempt)
        try:
            connected.recv(2048)
            print("error: a datagram came back instead of an error")
            return 1
        except ConnectionRefusedError:
            print(f"error: ECONNREFUSED on the socket connected to [{self_via_prefix}]:5004")
            return 0
        except socket.timeout:
            continue
    print("error: no ECONNREFUSED in 3 tries (the error did not come back, or quoted the datagram "
          "with addresses the socket does not match)")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
