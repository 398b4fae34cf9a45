#!/usr/bin/env python3
"""Writes examples/demo.pcap: a few packets an IPv6-only client and an IPv4-only server
exchange through tundra on its built-in defaults (prefix 64:ff9b::/96, dynamic pool
192.168.255.0/24, ipv4-addr 192.168.255.1). The client 2001:db8::1 is placed at
192.168.255.231 by the pool's hash (the same address Tayga gives it).
Run: python3 examples/make_demo.py  (needs python3-scapy)."""
import os
from scapy.all import IP, IPv6, ICMP, ICMPv6EchoRequest, UDP, TCP, Raw, wrpcap

CLIENT, SERVER6, SERVER4 = "2001:db8::1", "64:ff9b::198.51.100.7", "198.51.100.7"
POOL_ADDR, SELF6 = "192.168.255.231", "64:ff9b::192.168.255.1"
packets = [
    IPv6(src=CLIENT, dst=SERVER6) / ICMPv6EchoRequest(id=1, seq=1, data=b"hello through NAT64"),
    IP(src=SERVER4, dst=POOL_ADDR, id=7) / ICMP(type=0, id=1, seq=1) / Raw(b"hello through NAT64"),
    IPv6(src=CLIENT, dst=SERVER6) / UDP(sport=40000, dport=53) / Raw(b"\x12\x34" + b"\x00" * 10),
    IPv6(src=CLIENT, dst=SERVER6) / TCP(sport=40001, dport=80, flags="S", seq=1000),
    IP(src=SERVER4, dst=POOL_ADDR, id=8, flags="DF") / TCP(sport=80, dport=40001, flags="SA", seq=5000, ack=1001),
    IPv6(src=CLIENT, dst=SELF6) / ICMPv6EchoRequest(id=2, seq=1, data=b"are you there?"),
    IPv6(src=CLIENT, dst=SERVER6, hlim=1) / UDP(sport=40002, dport=33434) / Raw(b"traceroute"),
    IP(src=SERVER4, dst="192.168.255.77", id=9) / UDP(sport=53, dport=40000) / Raw(b"nobody here"),
]
for i, p in enumerate(packets):
    p.time = 1767225600 + i  # 2026-01-01, fixed so the file is reproducible
wrpcap(os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo.pcap"), packets, linktype=101)
