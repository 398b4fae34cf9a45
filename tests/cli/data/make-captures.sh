#!/bin/sh
# Regenerates the Wireshark-written captures that tests/cli/pcap_io_test.cpp reads, so the
# reader is checked against files an independent writer produced (text2pcap, mergecap from
# Wireshark 4.0). The expected IP packets are spelled out in the test.
#
#   wireshark-mixed.pcapng: one section, two interfaces:
#     0: Ethernet, nanosecond if_tsresol: IPv4 in a frame padded to 60 bytes, IPv6 behind
#        an 802.1Q tag, an ARP request;
#     1: Linux SLL2, microseconds: IPv6.
#   wireshark-raw-nsec.pcap: classic nanosecond pcap, LINKTYPE_RAW: one IPv4 packet.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cat > "$tmp/eth.txt" <<'EOF'
1700000000.250000
0000  02 00 00 00 00 01 02 00 00 00 00 02 08 00 45 00
0010  00 1c 00 01 00 00 40 11 00 00 c0 00 02 01 c6 33
0020  64 01 13 88 00 35 00 08 00 00 00 00 00 00 00 00
0030  00 00 00 00 00 00 00 00 00 00 00 00
1700000001.500000
0000  02 00 00 00 00 01 02 00 00 00 00 02 81 00 00 64
0010  86 dd 60 00 00 00 00 08 11 40 20 01 0d b8 00 00
0020  00 00 00 00 00 00 00 00 00 01 00 64 ff 9b 00 00
0030  00 00 00 00 00 00 c6 33 64 01 13 88 00 35 00 08
0040  00 00
1700000002.000001
0000  ff ff ff ff ff ff 02 00 00 00 00 02 08 06 00 01
0010  08 00 06 04 00 01 02 00 00 00 00 02 c0 00 02 01
0020  00 00 00 00 00 00 c0 00 02 02
EOF
cat > "$tmp/sll2.txt" <<'EOF'
1700000001.750000
0000  86 dd 00 00 00 00 00 03 00 01 00 06 02 00 00 00
0010  00 01 00 00 60 00 00 00 00 08 11 40 20 01 0d b8
0020  00 00 00 00 00 00 00 00 00 00 00 01 00 64 ff 9b
0030  00 00 00 00 00 00 00 00 c6 33 64 01 13 88 00 35
0040  00 08 00 00
EOF
cat > "$tmp/raw.txt" <<'EOF'
1700000003.000000007
0000  45 00 00 1c 00 01 00 00 40 11 00 00 c0 00 02 01
0010  c6 33 64 01 13 88 00 35 00 08 00 00
EOF

text2pcap -q -t "%s.%f" -F pcapng -l 1 "$tmp/eth.txt" "$tmp/eth.pcapng"
text2pcap -q -t "%s.%f" -F pcap -l 276 "$tmp/sll2.txt" "$tmp/sll2.pcap"
mergecap -F pcapng -w wireshark-mixed.pcapng "$tmp/eth.pcapng" "$tmp/sll2.pcap"
text2pcap -q -t "%s.%f" -F nsecpcap -l 101 "$tmp/raw.txt" wireshark-raw-nsec.pcap
