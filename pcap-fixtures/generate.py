#!/usr/bin/env python3
"""Builds every pcap fixture of tundra's conformance suite.

    python3 pcap-fixtures/generate.py          # rewrite every fixture directory
    python3 pcap-fixtures/generate.py --check  # fail if a checked-in file differs

Each fixture is one small function below, registered with @fixture. Its docstring is the
RFC text it checks; its body builds the input packets and, field by field, the packets
tundra must emit, written by hand from the RFC and docs/rfc-compliance.md. Nothing here
runs tundra: an expected packet is never a recording of what the implementation did.

Scapy supplies only the checksums (scapy.utils.checksum for IPv4 headers and ICMPv4,
in4_chksum/in6_chksum for the pseudo-header checksums of TCP, UDP and ICMPv6), so they
come from an implementation independent of tundra's. Headers are packed with struct so
that every field value is visible here.

Output, per fixture, in pcap-fixtures/<rfc>/<section>-<slug>/:
  input.pcap     what `tundra replay` reads (LINKTYPE_RAW, 101)
  expected.pcap  what it must write, in order (LINKTYPE_RAW, 101)
  tundra.toml    the [translator] configuration
  README.md      the RFC sentences checked and why each expected packet looks as it does
plus pcap-fixtures/README.md, the index. The script is deterministic: running it twice
gives identical bytes.
"""

import inspect
import os
import socket
import struct
import sys
import textwrap

try:
    from scapy.layers.inet import IP, in4_chksum
    from scapy.layers.inet6 import IPv6, in6_chksum
    from scapy.utils import checksum
except ImportError:  # a pyenv python3 does not see Debian's python3-scapy
    sys.path.append("/usr/lib/python3/dist-packages")
    from scapy.layers.inet import IP, in4_chksum
    from scapy.layers.inet6 import IPv6, in6_chksum
    from scapy.utils import checksum

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------------------------------
# Addresses used throughout (documentation ranges: RFC 5737, RFC 3849).

XLAT4 = "192.0.2.1"             # ipv4-addr: the translator's own IPv4 address
XLAT6 = "2001:db8:ffff::1"      # ipv6-addr: the translator's own IPv6 address
WKP = "64:ff9b::/96"            # RFC 6052 Well-Known Prefix

CLIENT6, CLIENT4 = "2001:db8:6::5", "198.51.100.5"      # IPv6 host, mapped by EAM
CLIENT6_B, CLIENT4_B = "2001:db8:6::6", "198.51.100.6"  # a second IPv6 host, same EAM
ROUTER6, ROUTER6_4 = "2001:db8:6::fe", "198.51.100.254"  # an IPv6 router, same EAM
SERVER4, SERVER6 = "203.0.113.10", "64:ff9b::cb00:710a"  # IPv4 host, under the WKP
ROUTER4, ROUTER4_6 = "203.0.113.254", "64:ff9b::cb00:71fe"  # an IPv4 router

EAM_CLIENTS = "198.51.100.0/24 2001:db8:6::/120"

# The SIIT configuration most fixtures use: no dynamic pool, clients mapped by EAM,
# IPv4 hosts embedded in the Well-Known Prefix.
SIIT = {
    "ipv4-addr": XLAT4,
    "ipv6-addr": XLAT6,
    "prefix": WKP,
    "dynamic-pool": "",
    "map": [EAM_CLIENTS],
}

# Classic pcap timestamps: packet i of a capture is stamped BASE_TIME + i seconds.
BASE_TIME = 1700000000

# Protocol numbers.
HOPOPT, ICMP, IGMP, TCP, UDP, ROUTING, FRAGMENT, ICMPV6, NONXT, DSTOPTS = 0, 1, 2, 6, 17, 43, 44, 58, 59, 60


# ---------------------------------------------------------------------------------------
# Addresses and RFC 6052 / RFC 7757 arithmetic (written here from the RFC text, not
# taken from tundra).

def a4(text):
    return socket.inet_pton(socket.AF_INET, text)


def a6(text):
    return socket.inet_pton(socket.AF_INET6, text)


def s6(raw):
    return socket.inet_ntop(socket.AF_INET6, raw)


def rfc6052_embed(prefix, v4):
    """RFC 6052 §2.2 Figure 1: the IPv4 bits follow the prefix, skipping bits 64..71
    (the u octet, zero); the suffix is zero."""
    base, length = prefix.split("/")
    length = int(length)
    p = bytearray(a6(base))
    v = a4(v4)
    octets = list(range(length // 8, 16))
    octets = [i for i in octets if i != 8]  # bits 64..71 are the u octet
    out = bytearray(16)
    out[: length // 8] = p[: length // 8]
    for i, byte in zip(octets, v):
        out[i] = byte
    return s6(bytes(out))


def eam_ip4_to_ip6(v4_prefix, v6_prefix, v4):
    """RFC 7757 §3.2: the IPv4 suffix goes right after the IPv6 prefix; later bits zero."""
    p4, l4 = v4_prefix.split("/")
    p6, l6 = v6_prefix.split("/")
    l4, l6 = int(l4), int(l6)
    suffix_bits = 32 - l4
    suffix = int.from_bytes(a4(v4), "big") & ((1 << suffix_bits) - 1)
    value = int.from_bytes(a6(p6), "big") | (suffix << (128 - l6 - suffix_bits))
    return s6(value.to_bytes(16, "big"))


# ---------------------------------------------------------------------------------------
# Packet construction. Every header is packed field by field; scapy computes checksums.

def pattern(n, seed=0):
    """n bytes of deterministic payload."""
    return bytes(((seed * 31 + i * 7 + (i >> 8)) & 0xFF) for i in range(n))


def text(n, seed="tundra fixture "):
    """n bytes of readable payload."""
    return (seed.encode() * (n // len(seed) + 1))[:n]


def is6(addr):
    return ":" in addr


def l4_checksum(proto, src, dst, segment):
    """Pseudo-header checksum over `segment` (its checksum field zeroed) by scapy."""
    if is6(src):
        return in6_chksum(proto, IPv6(src=src, dst=dst), segment)
    return in4_chksum(proto, IP(src=src, dst=dst), segment)


def unambiguous(ck, what):
    # 0x0000 and 0xFFFF are the two ones'-complement zeros: a full computation and an
    # incremental update may legitimately pick different ones. Fixtures avoid them except
    # where the choice itself is the rule being checked.
    assert ck not in (0x0000, 0xFFFF), f"{what}: checksum {ck:#06x} is ambiguous, change the payload"
    return ck


def udp(src, dst, sport, dport, payload, cksum=None):
    """A UDP datagram; `cksum` overrides the computed checksum (e.g. 0)."""
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if cksum is None:
        cksum = unambiguous(l4_checksum(UDP, src, dst, seg), "udp")
    return seg[:6] + struct.pack("!H", cksum) + seg[8:]


def tcp(src, dst, sport, dport, payload, seq=1000, ack=2000, flags=0x18, window=65535):
    """A TCP segment with a 20-byte header (flags 0x18 = PSH|ACK, 0x02 = SYN)."""
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, window, 0, 0) + payload
    ck = unambiguous(l4_checksum(TCP, src, dst, seg), "tcp")
    return seg[:16] + struct.pack("!H", ck) + seg[18:]


def icmp4(type_, code, rest=b"\0\0\0\0", body=b"", cksum=None):
    """An ICMPv4 message; `rest` is the second 32-bit word of the header."""
    assert len(rest) == 4
    msg = bytes([type_, code, 0, 0]) + rest + body
    if cksum is None:
        cksum = unambiguous(checksum(msg), "icmpv4")
    return msg[:2] + struct.pack("!H", cksum) + msg[4:]


def icmp6(src, dst, type_, code, rest=b"\0\0\0\0", body=b"", cksum=None):
    """An ICMPv6 message; its checksum covers the IPv6 pseudo-header (src, dst)."""
    assert len(rest) == 4
    msg = bytes([type_, code, 0, 0]) + rest + body
    if cksum is None:
        cksum = unambiguous(l4_checksum(ICMPV6, src, dst, msg), "icmpv6")
    return msg[:2] + struct.pack("!H", cksum) + msg[4:]


def echo(ident, seq):
    return struct.pack("!HH", ident, seq)


def ipv4(src, dst, proto, payload, ttl=64, tos=0, ident=0, df=False, mf=False, offset=0,
         options=b"", total_length=None):
    """An IPv4 packet. `offset` is in 8-byte units. `total_length` overrides the Total
    Length field (for quoted packets whose tail was cut)."""
    assert len(options) % 4 == 0
    ihl = 5 + len(options) // 4
    if total_length is None:
        total_length = ihl * 4 + len(payload)
    flags = (0x4000 if df else 0) | (0x2000 if mf else 0) | offset
    hdr = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, tos, total_length, ident, flags, ttl, proto, 0,
                      a4(src), a4(dst)) + options
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload, hlim=64, tc=0, fl=0, plen=None):
    """An IPv6 packet; `payload` includes any extension headers."""
    if plen is None:
        plen = len(payload)
    word = (6 << 28) | (tc << 20) | fl
    return struct.pack("!IHBB16s16s", word, plen, nh, hlim, a6(src), a6(dst)) + payload


def frag6(nh, offset, m, ident):
    """IPv6 Fragment Header; `offset` in 8-byte units."""
    return struct.pack("!BBHI", nh, 0, (offset << 3) | (1 if m else 0), ident)


def padn_ext(nh, length_units=0, option_type=1):
    """A Hop-by-Hop or Destination Options header holding one PadN option (RFC 8200 §4.2),
    (length_units + 1) * 8 bytes long."""
    size = (length_units + 1) * 8
    return bytes([nh, length_units, option_type, size - 4]) + bytes(size - 4)


def routing_ext(nh, segments_left, addresses, rtype=0):
    """A Routing header of type `rtype` listing `addresses` (RFC 8200 §4.4)."""
    body = b"".join(a6(a) for a in addresses)
    return bytes([nh, 2 * len(addresses), rtype, segments_left]) + bytes(4) + body


def icmp_ext(objects):
    """An RFC 4884 ICMP extension structure: version 2 header with checksum, objects."""
    body = b"".join(objects)
    hdr = bytes([0x20, 0, 0, 0])
    ck = checksum(hdr + body)
    return bytes([0x20, 0]) + struct.pack("!H", ck) + body


def mpls_object(labels):
    """RFC 4950 MPLS Label Stack object (class 1, c-type 1)."""
    entries = b""
    for i, label in enumerate(labels):
        bottom = 1 if i == len(labels) - 1 else 0
        entries += struct.pack("!I", (label << 12) | (bottom << 8) | 1)
    return struct.pack("!HBB", 4 + len(entries), 1, 1) + entries


def pad_to(data, multiple, minimum):
    """Zero-pads `data` to a multiple of `multiple` bytes and at least `minimum` bytes."""
    size = max(minimum, -(-len(data) // multiple) * multiple)
    return data + bytes(size - len(data))


# ---------------------------------------------------------------------------------------
# Packet descriptions for the READMEs (a small decoder written for this purpose).

ICMP4_NAMES = {0: "Echo Reply", 3: "Destination Unreachable", 4: "Source Quench", 5: "Redirect",
               8: "Echo Request", 9: "Router Advertisement", 10: "Router Solicitation",
               11: "Time Exceeded", 12: "Parameter Problem", 13: "Timestamp", 14: "Timestamp Reply",
               15: "Information Request", 16: "Information Reply", 17: "Address Mask Request",
               18: "Address Mask Reply"}
ICMP6_NAMES = {1: "Destination Unreachable", 2: "Packet Too Big", 3: "Time Exceeded",
               4: "Parameter Problem", 128: "Echo Request", 129: "Echo Reply",
               130: "MLD Query", 131: "MLD Report", 132: "MLD Done", 133: "Router Solicitation",
               134: "Router Advertisement", 135: "Neighbor Solicitation",
               136: "Neighbor Advertisement", 137: "Redirect", 143: "MLDv2 Report"}


def describe(pkt, depth=0):
    """One line per packet: addresses, hop count, fragment fields, transport."""
    if not pkt:
        return "(empty)"
    v = pkt[0] >> 4
    if v == 4 and len(pkt) >= 20:
        ihl = (pkt[0] & 15) * 4
        tos, tl, ident, fl, ttl, proto = pkt[1], *struct.unpack("!HHH", pkt[2:8]), pkt[8], pkt[9]
        src, dst = socket.inet_ntop(socket.AF_INET, pkt[12:16]), socket.inet_ntop(socket.AF_INET, pkt[16:20])
        bits = []
        if fl & 0x4000:
            bits.append("DF")
        if fl & 0x2000:
            bits.append("MF")
        off = fl & 0x1FFF
        head = f"IPv4 {src} → {dst} ttl {ttl}"
        if tos:
            head += f" tos {tos:#04x}"
        head += " " + ("+".join(bits) if bits else "DF=0")
        if fl & 0x2000 or off:
            head += f" id {ident:#06x} offset {off * 8}"
        if ihl > 20:
            head += f" options {ihl - 20} bytes"
        head += f", total length {tl}"
        if depth == 0:
            head += f" ({len(pkt)} bytes)"
        rest = pkt[ihl:]
        first = off == 0
        return head + ", " + describe_l4(proto, rest, first, depth, 4)
    if v == 6 and len(pkt) >= 40:
        word, plen, nh, hlim = struct.unpack("!IHBB", pkt[:8])
        tc, fl = (word >> 20) & 0xFF, word & 0xFFFFF
        head = f"IPv6 {s6(pkt[8:24])} → {s6(pkt[24:40])} hlim {hlim}"
        if tc:
            head += f" tc {tc:#04x}"
        if fl:
            head += f" flow {fl:#07x}"
        head += f", payload length {plen}"
        if depth == 0:
            head += f" ({len(pkt)} bytes)"
        rest = pkt[40:]
        first = True
        exts = []
        while nh in (HOPOPT, ROUTING, DSTOPTS, FRAGMENT) and len(rest) >= 8:
            if nh == FRAGMENT:
                nnh, _, offm, ident = struct.unpack("!BBHI", rest[:8])
                exts.append(f"Fragment(id {ident:#010x} offset {(offm >> 3) * 8}{' M' if offm & 1 else ''})")
                first = (offm >> 3) == 0
                nh, rest = nnh, rest[8:]
            else:
                size = (rest[1] + 1) * 8
                name = {HOPOPT: "HopByHop", ROUTING: f"Routing(type {rest[2]} segments left {rest[3]})",
                        DSTOPTS: "DestOpts"}[nh]
                exts.append(name)
                nh, rest = rest[0], rest[size:]
        if exts:
            head += ", " + ", ".join(exts)
        return head + ", " + describe_l4(nh, rest, first, depth, 6)
    return f"{len(pkt)} bytes, version {v}"


def describe_l4(proto, rest, first, depth, family):
    if not first:
        return f"protocol {proto}, {len(rest)} bytes of a later fragment"
    if proto == UDP and len(rest) >= 8:
        sp, dp, ln, ck = struct.unpack("!HHHH", rest[:8])
        return f"UDP {sp} → {dp} length {ln} checksum {ck:#06x}"
    if proto == TCP and len(rest) >= 18:
        sp, dp = struct.unpack("!HH", rest[:4])
        ck = struct.unpack("!H", rest[16:18])[0]
        return f"TCP {sp} → {dp} checksum {ck:#06x}"
    if proto in (ICMP, ICMPV6) and len(rest) >= 8:
        t, c = rest[0], rest[1]
        names = ICMP4_NAMES if proto == ICMP else ICMP6_NAMES
        what = f"{'ICMPv4' if proto == ICMP else 'ICMPv6'} {t}/{c} {names.get(t, 'type ' + str(t))}"
        word = rest[4:8]
        if proto == ICMP and t == 3 and c == 4:
            what += f" next-hop MTU {struct.unpack('!H', word[2:])[0]}"
        elif proto == ICMPV6 and t == 2:
            what += f" MTU {struct.unpack('!I', word)[0]}"
        elif proto == ICMP and t == 12:
            what += f" pointer {word[0]}"
        elif proto == ICMPV6 and t == 4:
            what += f" pointer {struct.unpack('!I', word)[0]}"
        elif t in (0, 8, 128, 129):
            what += f" id {struct.unpack('!H', word[:2])[0]:#06x} seq {struct.unpack('!H', word[2:])[0]}"
        if proto == ICMP and t in (3, 11, 12) and word[1]:
            what += f" length {word[1]} (×4 bytes)"
        if proto == ICMPV6 and t in (1, 3) and word[0]:
            what += f" length {word[0]} (×8 bytes)"
        error = (proto == ICMP and t in (3, 4, 5, 11, 12)) or (proto == ICMPV6 and t < 128)
        if error and depth == 0 and len(rest) > 8:
            what += f"; quoting [{describe(rest[8:], depth + 1)}; {len(rest) - 8} bytes after the ICMP header]"
        return what
    return f"protocol {proto}, {len(rest)} bytes"


# ---------------------------------------------------------------------------------------
# Fixture registry and output.

class Fixture:
    def __init__(self, func, rfc, section, slug, config, title, explain):
        self.func, self.rfc, self.section, self.slug = func, rfc, section, slug
        self.config, self.title, self.explain = config, title, explain

    @property
    def path(self):
        return f"{self.rfc}/{self.section}-{self.slug}"


FIXTURES = []


def fixture(rfc, section, slug, title, config=None, explain=""):
    """Registers a fixture. The decorated function returns (inputs, expected): two lists
    of (packet bytes, one-line note)."""
    def register(func):
        cfg = dict(SIIT if config is None else config)
        FIXTURES.append(Fixture(func, rfc, section, slug, cfg, title, textwrap.dedent(explain).strip()))
        return func
    return register


def cfg(**changes):
    """SIIT with some keys changed (underscores become dashes; None removes a key)."""
    out = dict(SIIT)
    for key, value in changes.items():
        key = key.replace("_", "-")
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


KEY_ORDER = ["ipv4-addr", "ipv6-addr", "prefix", "wkpf-strict", "dynamic-pool", "map", "mtu",
             "lowest-ipv6-mtu", "udp-zero-checksum", "rfc6791-pool4", "rfc6791-pool6"]


def toml_text(config, fx):
    lines = [f"# Fixture {fx.path}: see README.md. Generated by pcap-fixtures/generate.py.",
             "[translator]"]
    for key in KEY_ORDER:
        if key not in config:
            continue
        value = config[key]
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, int):
            lines.append(f"{key} = {value}")
        elif isinstance(value, list):
            lines.append(f"{key} = [")
            lines.extend(f'  "{v}",' for v in value)
            lines.append("]")
        else:
            lines.append(f'{key} = "{value}"')
    unknown = set(config) - set(KEY_ORDER)
    assert not unknown, unknown
    return "\n".join(lines) + "\n"


def pcap_bytes(packets):
    """Classic pcap, microsecond timestamps, LINKTYPE_RAW (101)."""
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)
    for i, pkt in enumerate(packets):
        out += struct.pack("<IIII", BASE_TIME + i, 0, len(pkt), len(pkt)) + pkt
    return out


def rfc_name(rfc):
    return "RFC " + rfc[3:] if rfc.startswith("rfc") else rfc


def quote_lines(doc):
    """The docstring as a Markdown block quote: one paragraph per cited source (a line
    starting with "RFC " or "docs/"), figures (indented lines) as code."""
    lines = inspect.cleandoc(doc or "").splitlines()
    out, in_code = [], False
    for i, line in enumerate(lines):
        code = line.startswith("    ")
        if not line.strip():
            line, code = "", in_code
        elif i and (code != in_code or (not code and (line.startswith("RFC ") or line.startswith("docs/")))):
            line = "\n" + line
        in_code = code
        for piece in line.split("\n"):
            if piece or (out and out[-1] != ">"):
                out.append("> " + piece if piece else ">")
    return out


def readme_text(fx, inputs, expected, config_text):
    out = [f"# {rfc_name(fx.rfc)} §{fx.section}: {fx.title}", ""]
    out.append("## RFC text checked")
    out.append("")
    out.extend(quote_lines(fx.func.__doc__))
    out.append("")
    if fx.explain:
        out.append("## Why the expected packets look as they do")
        out.append("")
        out.append(fx.explain)
        out.append("")
    out.append("## Configuration (`tundra.toml`)")
    out.append("")
    out.append("```toml")
    out.append(config_text.rstrip())
    out.append("```")
    out.append("")
    out.append("## Input (`input.pcap`)")
    out.append("")
    for i, (pkt, note) in enumerate(inputs, 1):
        out.append(f"{i}. {describe(pkt)}" + (f"  \n   *{note}*" if note else ""))
    out.append("")
    out.append("## Expected output (`expected.pcap`)")
    out.append("")
    if not expected:
        out.append("Nothing: every input packet is dropped silently.")
    for i, (pkt, note) in enumerate(expected, 1):
        out.append(f"{i}. {describe(pkt)}" + (f"  \n   *{note}*" if note else ""))
    out.append("")
    out.append("IPv4 Identification and header checksum of every IPv4 header with MF=0 and offset 0")
    out.append("(outer, and inner in an ICMPv4 error) are free (RFC 6864) and are not compared; see")
    out.append("`pcap-fixtures/README.md`. Written by hand from the RFC in `pcap-fixtures/generate.py`")
    out.append(f"(function `{fx.func.__name__}`); never re-record it from tundra's output.")
    return "\n".join(out) + "\n"


def build(fx):
    inputs, expected = fx.func()
    for pkt, _ in inputs + expected:
        assert isinstance(pkt, bytes)
    config_text = toml_text(fx.config, fx)
    return {
        "input.pcap": pcap_bytes([p for p, _ in inputs]),
        "expected.pcap": pcap_bytes([p for p, _ in expected]),
        "tundra.toml": config_text.encode(),
        "README.md": readme_text(fx, inputs, expected, config_text).encode(),
    }


def index_text():
    def order(fx):
        return (fx.rfc, [int(x) for x in fx.section.split(".")], fx.slug)
    rows = []
    for fx in sorted(FIXTURES, key=order):
        summary = fx.title.replace("|", "\\|")
        rows.append(f"| [`{fx.path}`]({fx.path}/README.md) | {rfc_name(fx.rfc)} §{fx.section} | {summary} |")
    return "\n".join(rows)


def main():
    check = "--check" in sys.argv[1:]
    paths = [fx.path for fx in FIXTURES]
    assert len(paths) == len(set(paths)), "two fixtures share a directory"
    stale = []
    for fx in FIXTURES:
        files = build(fx)
        directory = os.path.join(HERE, fx.path)
        os.makedirs(directory, exist_ok=True)
        for name, data in files.items():
            target = os.path.join(directory, name)
            old = open(target, "rb").read() if os.path.exists(target) else None
            if old != data:
                stale.append(os.path.relpath(target, HERE))
                if not check:
                    with open(target, "wb") as f:
                        f.write(data)
    readme = os.path.join(HERE, "README.md")
    if os.path.exists(readme):
        content = open(readme, encoding="utf-8").read()
        begin, end = "<!-- index:begin -->", "<!-- index:end -->"
        if begin in content and end in content:
            head, rest = content.split(begin, 1)
            _, tail = rest.split(end, 1)
            table = "| fixture | RFC section | what is checked |\n|---|---|---|\n" + index_text()
            new = f"{head}{begin}\n{table}\n{end}{tail}"
            if new != content:
                stale.append("README.md")
                if not check:
                    with open(readme, "w", encoding="utf-8") as f:
                        f.write(new)
    if check and stale:
        print("stale fixture files (run python3 pcap-fixtures/generate.py):", *stale, sep="\n  ")
        return 1
    print(f"{len(FIXTURES)} fixtures {'checked' if check else 'written'}"
          + (f", {len(stale)} files changed" if stale and not check else ""))
    return 0


# =======================================================================================
# Fixtures. Conventions: an IPv6 client 2001:db8:6::5 (EAM 198.51.100.5) talks to an IPv4
# server 203.0.113.10 (64:ff9b::cb00:710a); packets the translator emits from IPv4 to IPv6
# have hop limit = TTL - 1 and from IPv6 to IPv4 TTL = hop limit - 1. Drop fixtures end
# with a "canary" packet that must still be translated, so an empty output from a broken
# replay cannot pass.
# =======================================================================================

# ---------------------------------------------------------------------------------------
# Shorthands for whole packets.

def udp4(src, dst, sport, dport, payload, cksum=None, **ip):
    return ipv4(src, dst, UDP, udp(src, dst, sport, dport, payload, cksum), **ip)


def udp6(src, dst, sport, dport, payload, **ip):
    return ipv6(src, dst, UDP, udp(src, dst, sport, dport, payload), **ip)


def tcp4(src, dst, sport, dport, payload, **ip):
    return ipv4(src, dst, TCP, tcp(src, dst, sport, dport, payload), **ip)


def tcp6(src, dst, sport, dport, payload, **ip):
    return ipv6(src, dst, TCP, tcp(src, dst, sport, dport, payload), **ip)


def echo4(src, dst, type_, echo_id, seq, data, **ip):
    return ipv4(src, dst, ICMP, icmp4(type_, 0, echo(echo_id, seq), data), **ip)


def echo6(src, dst, type_, echo_id, seq, data, **ip):
    return ipv6(src, dst, ICMPV6, icmp6(src, dst, type_, 0, echo(echo_id, seq), data), **ip)


def err4(src, dst, type_, code, rest, quote, ttl=64, tos=0, df=False, ident=0, cksum=None):
    """An ICMPv4 error message in its IPv4 packet."""
    return ipv4(src, dst, ICMP, icmp4(type_, code, rest, quote, cksum), ttl=ttl, tos=tos, df=df, ident=ident)


def err6(src, dst, type_, code, rest, quote, hlim=64, tc=0, cksum=None):
    """An ICMPv6 error message in its IPv6 packet."""
    return ipv6(src, dst, ICMPV6, icmp6(src, dst, type_, code, rest, quote, cksum), hlim=hlim, tc=tc)


def self_err4(to, type_, code, rest, offending):
    """An ICMPv4 error the translator originates (docs/rfc-compliance.md §4.4): source
    ipv4-addr, TTL 64, TOS 0, DF 0, the offending packet quoted up to 576 bytes in all."""
    return err4(XLAT4, to, type_, code, rest, offending[:576 - 28], ttl=64, tos=0, df=False)


def self_err6(to, type_, code, rest, offending):
    """An ICMPv6 error the translator originates (docs/rfc-compliance.md §5.4): source
    ipv6-addr, hop limit 64, traffic class 0, the offending packet quoted up to 1280 bytes."""
    return err6(XLAT6, to, type_, code, rest, offending[:1280 - 48], hlim=64, tc=0)


def rest_pointer4(ptr, length=0):
    return struct.pack("!BBH", ptr, length, 0)


def rest_mtu4(mtu, length=0):
    return struct.pack("!BBH", 0, length, mtu)


def rest_length4(length):
    return struct.pack("!BBH", 0, length, 0)


def rest_length6(length):
    return struct.pack("!B3x", length)


def u32(value):
    return struct.pack("!I", value)


def canary_4to6(seq=99):
    """An echo request from the IPv4 server to the client that must be translated."""
    data = text(32, "canary ")
    return ((echo4(SERVER4, CLIENT4, 8, 0xCA7, seq, data), "canary: must still be translated"),
            (echo6(SERVER6, CLIENT6, 128, 0xCA7, seq, data, hlim=63), "canary"))


def canary_6to4(seq=99):
    """An echo request from the IPv6 client to the server that must be translated."""
    data = text(32, "canary ")
    return ((echo6(CLIENT6, SERVER6, 128, 0xCA7, seq, data), "canary: must still be translated"),
            (echo4(CLIENT4, SERVER4, 8, 0xCA7, seq, data, ttl=63), "canary"))


POOL = cfg(**{"dynamic-pool": "192.0.2.0/30", "map": None})
POOL_EXPLAIN = """\
`dynamic-pool = "192.0.2.0/30"` with `ipv4-addr = "192.0.2.1"`: the network (.0) and
broadcast (.3) addresses and ipv4-addr are never lent, so 192.0.2.2 is the pool's only
address and its placement does not depend on the hash."""


# ---------------------------------------------------------------------------------------
# RFC 6052: IPv6 addressing of IPv4/IPv6 translators.

RFC6052_FIGURE1 = """\
RFC 6052 §2.2: IPv4-embedded IPv6 addresses are composed of a variable-length prefix,
the embedded IPv4 address, and a variable-length suffix [...]

    +--+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
    |PL| 0-------------32--40--48--56--64--72--80--88--96--104---------|
    +--+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+
    |32|     prefix    |v4(32)         | u | suffix                    |
    |40|     prefix        |v4(24)     | u |(8)| suffix                |
    |48|     prefix            |v4(16) | u | (16)  | suffix            |
    |56|     prefix                |(8)| u |  v4(24)   | suffix        |
    |64|     prefix                    | u |   v4(32)      | suffix    |
    |96|     prefix                                    |    v4(32)     |
    +--+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+---+

Bits 64 to 71 of the address are reserved for compatibility with the host identifier
format defined in the IPv6 addressing architecture [RFC4291]. These bits MUST be set to
zero.

RFC 6052 §2.3: If the prefix is a /96 prefix, extract the last 32 bits of the IPv6
address; For the other prefixes, strip the "u" octet (i.e., the bits 64 to 71) and then
extract the 32 bits following the prefix."""


def quotes(text_):
    """Sets a fixture's docstring (the RFC text it checks) when several fixtures share it."""
    def set_doc(func):
        func.__doc__ = text_
        return func
    return set_doc


def prefix_round_trip(prefix, server6, client6):
    """UDP from an IPv6 host whose address is IPv4-translatable under `prefix` (SIIT) to
    192.0.2.33, and the answer back."""
    assert rfc6052_embed(prefix, "192.0.2.33") == server6, rfc6052_embed(prefix, "192.0.2.33")
    assert rfc6052_embed(prefix, CLIENT4) == client6, rfc6052_embed(prefix, CLIENT4)
    ask, answer = text(24, "query "), text(40, "answer ")
    inputs = [
        (ipv6(client6, server6, UDP, udp(client6, server6, 40000, 53, ask), hlim=64),
         "IPv6 → IPv4: both addresses are extracted from the prefix"),
        (ipv4("192.0.2.33", CLIENT4, UDP, udp("192.0.2.33", CLIENT4, 53, 40000, answer), ttl=64, ident=0x4242),
         "IPv4 → IPv6: both addresses are embedded in the prefix"),
    ]
    expected = [
        (ipv4(CLIENT4, "192.0.2.33", UDP, udp(CLIENT4, "192.0.2.33", 40000, 53, ask), ttl=63),
         f"{client6} → {CLIENT4}, {server6} → 192.0.2.33"),
        (ipv6(server6, client6, UDP, udp(server6, client6, 53, 40000, answer), hlim=63),
         f"192.0.2.33 → {server6}, {CLIENT4} → {client6}"),
    ]
    return inputs, expected


def prefix_config(prefix):
    # ipv6-addr is left out: it derives from prefix + ipv4-addr, so it cannot clash with
    # the prefix (2001:db8::/32 covers every other documentation address).
    return cfg(prefix=prefix, ipv6_addr=None, map=None)


PREFIX_EXPLAIN = """\
SIIT semantics: both hosts are addressed through the prefix, so each packet exercises
extraction (IPv6 → IPv4) or embedding (IPv4 → IPv6) twice. The addresses of 192.0.2.33 are
those of RFC 6052 §2.4 Figure 2; the IPv6 host 198.51.100.5 is placed by the same figure.
The UDP checksum changes with the pseudo-header; TTL/hop limit are decremented by one."""


@fixture("rfc6052", "2.2", "prefix-32-udp-both-ways", "a /32 prefix, UDP both ways",
         config=prefix_config("2001:db8::/32"), explain=PREFIX_EXPLAIN)
@quotes(RFC6052_FIGURE1)
def rfc6052_prefix_32():
    return prefix_round_trip("2001:db8::/32", "2001:db8:c000:221::", "2001:db8:c633:6405::")


@fixture("rfc6052", "2.2", "prefix-40-udp-both-ways", "a /40 prefix, UDP both ways",
         config=prefix_config("2001:db8:100::/40"), explain=PREFIX_EXPLAIN)
@quotes(RFC6052_FIGURE1)
def rfc6052_prefix_40():
    return prefix_round_trip("2001:db8:100::/40", "2001:db8:1c0:2:21::", "2001:db8:1c6:3364:5::")


@fixture("rfc6052", "2.2", "prefix-48-udp-both-ways", "a /48 prefix, UDP both ways",
         config=prefix_config("2001:db8:122::/48"), explain=PREFIX_EXPLAIN)
@quotes(RFC6052_FIGURE1)
def rfc6052_prefix_48():
    return prefix_round_trip("2001:db8:122::/48", "2001:db8:122:c000:2:2100::", "2001:db8:122:c633:64:500::")


@fixture("rfc6052", "2.2", "prefix-56-udp-both-ways", "a /56 prefix, UDP both ways",
         config=prefix_config("2001:db8:122:300::/56"), explain=PREFIX_EXPLAIN)
@quotes(RFC6052_FIGURE1)
def rfc6052_prefix_56():
    return prefix_round_trip("2001:db8:122:300::/56", "2001:db8:122:3c0:0:221::", "2001:db8:122:3c6:33:6405::")


@fixture("rfc6052", "2.2", "prefix-64-udp-both-ways", "a /64 prefix, UDP both ways",
         config=prefix_config("2001:db8:122:344::/64"), explain=PREFIX_EXPLAIN)
@quotes(RFC6052_FIGURE1)
def rfc6052_prefix_64():
    return prefix_round_trip("2001:db8:122:344::/64", "2001:db8:122:344:c0:2:2100:0",
                             "2001:db8:122:344:c6:3364:500:0")


@fixture("rfc6052", "2.2", "prefix-96-udp-both-ways", "a /96 prefix, UDP both ways",
         config=prefix_config("2001:db8:122:344::/96"), explain=PREFIX_EXPLAIN)
@quotes(RFC6052_FIGURE1)
def rfc6052_prefix_96():
    return prefix_round_trip("2001:db8:122:344::/96", "2001:db8:122:344::c000:221", "2001:db8:122:344::c633:6405")


@fixture("rfc6052", "2.2", "u-octet-and-suffix-ignored-on-extraction",
         "the u octet and the suffix are ignored when extracting",
         config=prefix_config("2001:db8:122:344::/64"),
         explain="""\
With the /64 prefix 2001:db8:122:344::/64, bits 64..71 are the u octet, bits 72..103 the
IPv4 address and bits 104..127 the suffix. Packet 1 is sent to
2001:db8:122:344:ffc0:2:21ab:cdef (u = 0xff, IPv4 c0.00.02.21, suffix 0xabcdef); packet 2
also comes from 2001:db8:122:344:11c6:3364:5ff:ffff (u = 0x11, IPv4 c6.33.64.05, suffix
0xffffff). Ignoring those bits, both are the plain packet 198.51.100.5 → 192.0.2.33 (Tayga
drops them instead; docs/rfc-compliance.md chooses the RFC's SHOULD).""")
def rfc6052_suffix_ignored():
    """RFC 6052 §2.2: Bits 64 to 71 of the address are reserved for compatibility with the
    host identifier format defined in the IPv6 addressing architecture [RFC4291]. These bits
    MUST be set to zero. [...] The suffix bits are reserved for future extensions and SHOULD
    be set to zero. Address translators who receive IPv4-embedded IPv6 addresses where these
    bits are not set to zero SHOULD ignore the bits' value."""
    clean_client = "2001:db8:122:344:c6:3364:500:0"
    dirty_server = "2001:db8:122:344:ffc0:2:21ab:cdef"
    dirty_client = "2001:db8:122:344:11c6:3364:5ff:ffff"
    p1, p2 = text(20, "dirty dst "), text(20, "dirty src ")
    inputs = [
        (ipv6(clean_client, dirty_server, UDP, udp(clean_client, dirty_server, 40000, 53, p1)),
         "destination with u octet 0xff and suffix 0xabcdef"),
        (ipv6(dirty_client, dirty_server, UDP, udp(dirty_client, dirty_server, 40001, 53, p2)),
         "source with u octet 0x11 and suffix 0xffffff as well"),
    ]
    expected = [
        (ipv4(CLIENT4, "192.0.2.33", UDP, udp(CLIENT4, "192.0.2.33", 40000, 53, p1), ttl=63), ""),
        (ipv4(CLIENT4, "192.0.2.33", UDP, udp(CLIENT4, "192.0.2.33", 40001, 53, p2), ttl=63), ""),
    ]
    return inputs, expected


@fixture("rfc6052", "3.1", "wkpf-strict-drops-non-global-ipv4",
         "wkpf-strict: the Well-Known Prefix never carries a non-global IPv4 address",
         config=cfg(wkpf_strict=True),
         explain="""\
With `wkpf-strict = true`, packets 1..7 go to (or packet 8 comes from) an IPv4 address of
RFC 1918 (10/8, 172.16/12, 192.168/16), RFC 6598 (100.64/10) or RFC 5735 §3 (169.254/16,
198.18/15, 203.0.113/24 TEST-NET-3) through 64:ff9b::/96; docs/rfc-compliance.md drops
them silently (`drop_wkpf_strict`). The client's own address is mapped by EAM, which the
rule does not concern. Packets 9 and 10 use the global 8.8.8.8 and are translated.""")
def rfc6052_wkpf_strict():
    """RFC 6052 §3.1: The Well-Known Prefix MUST NOT be used to represent non-global IPv4
    addresses, such as those defined in [RFC1918] or listed in Section 3 of [RFC5735].
    Address translators MUST NOT translate packets in which an address is composed of the
    Well-Known Prefix and a non-global IPv4 address; they MUST drop these packets."""
    inputs = []
    for v4 in ["10.1.2.3", "172.16.0.1", "192.168.0.1", "100.64.0.1", "169.254.1.1", "198.18.0.1", SERVER4]:
        dst6 = rfc6052_embed(WKP, v4)
        inputs.append((ipv6(CLIENT6, dst6, UDP, udp(CLIENT6, dst6, 40000, 53, text(16))), f"to {v4}: dropped"))
    inputs.append((ipv4("10.1.2.3", CLIENT4, UDP, udp("10.1.2.3", CLIENT4, 53, 40000, text(16))),
                   "from 10.1.2.3: dropped"))
    g6 = rfc6052_embed(WKP, "8.8.8.8")
    assert g6 == "64:ff9b::808:808"
    inputs.append((ipv6(CLIENT6, g6, UDP, udp(CLIENT6, g6, 40000, 53, text(16))), "canary: to 8.8.8.8"))
    inputs.append((ipv4("8.8.8.8", CLIENT4, UDP, udp("8.8.8.8", CLIENT4, 53, 40000, text(16))),
                   "canary: from 8.8.8.8"))
    expected = [
        (ipv4(CLIENT4, "8.8.8.8", UDP, udp(CLIENT4, "8.8.8.8", 40000, 53, text(16)), ttl=63), ""),
        (ipv6(g6, CLIENT6, UDP, udp(g6, CLIENT6, 53, 40000, text(16)), hlim=63), ""),
    ]
    return inputs, expected


@fixture("rfc6052", "3.1", "wkpf-strict-spares-network-specific-prefix",
         "wkpf-strict leaves a Network-Specific Prefix alone",
         config=cfg(wkpf_strict=True, prefix="2001:db8:64::/96"),
         explain="""\
The restriction is about the Well-Known Prefix only. With the Network-Specific Prefix
2001:db8:64::/96 and `wkpf-strict = true`, the private 10.1.2.3 is embedded and extracted
as usual.""")
def rfc6052_wkpf_strict_nsp():
    """RFC 6052 §3.1: The Well-Known Prefix MUST NOT be used to represent non-global IPv4
    addresses [...]. Network-Specific Prefixes [...] can be used to represent non-global
    IPv4 addresses."""
    nsp = "2001:db8:64::a01:203"
    assert rfc6052_embed("2001:db8:64::/96", "10.1.2.3") == nsp
    inputs = [
        (ipv6(CLIENT6, nsp, UDP, udp(CLIENT6, nsp, 40000, 53, text(16))), ""),
        (ipv4("10.1.2.3", CLIENT4, UDP, udp("10.1.2.3", CLIENT4, 53, 40000, text(16))), ""),
    ]
    expected = [
        (ipv4(CLIENT4, "10.1.2.3", UDP, udp(CLIENT4, "10.1.2.3", 40000, 53, text(16)), ttl=63), ""),
        (ipv6(nsp, CLIENT6, UDP, udp(nsp, CLIENT6, 53, 40000, text(16)), hlim=63), ""),
    ]
    return inputs, expected


# ---------------------------------------------------------------------------------------
# RFC 7757: Explicit Address Mappings (EAM). The RFC text could not be copied verbatim
# here; the passages below are marked as paraphrases.

@fixture("rfc7757", "3.2", "eam-24-to-72-unequal-suffix-both-ways",
         "a /24 <-> /72 EAM (IPv6 suffix longer than the IPv4 suffix), both ways",
         config=cfg(map=["198.51.100.0/24 2001:db8:6:0:ab00::/72"]),
         explain="""\
The entry 198.51.100.0/24 <-> 2001:db8:6:0:ab00::/72 has an 8-bit IPv4 suffix and a 56-bit
IPv6 suffix. The IPv4 suffix goes into bits 72..79, right after the IPv6 prefix, and the
remaining 48 bits are zero: 198.51.100.5 <-> 2001:db8:6:0:ab05::, 198.51.100.77 <->
2001:db8:6:0:ab4d::, 198.51.100.255 <-> 2001:db8:6:0:abff::. The IPv4 host is embedded in
64:ff9b::/96 as usual.""")
def rfc7757_eam_24_72():
    """RFC 7757 §3.2 (paraphrase): an EAM pairs an IPv4 prefix with an IPv6 prefix; an
    address is translated by replacing the prefix that matches with its counterpart and
    carrying the suffix bits over unchanged, placed right after the other prefix. The
    IPv6 suffix may be longer than the IPv4 suffix (Jool's fixtures use /24 <-> /72)."""
    e = "198.51.100.0/24", "2001:db8:6:0:ab00::/72"
    c5, c77, c255 = "2001:db8:6:0:ab05::", "2001:db8:6:0:ab4d::", "2001:db8:6:0:abff::"
    assert eam_ip4_to_ip6(*e, "198.51.100.5") == c5
    assert eam_ip4_to_ip6(*e, "198.51.100.77") == c77
    assert eam_ip4_to_ip6(*e, "198.51.100.255") == c255
    p1, p2, p3 = text(12, "out "), text(30, "back "), text(10, "tcp ")
    inputs = [
        (ipv6(c5, SERVER6, UDP, udp(c5, SERVER6, 40000, 53, p1)), ""),
        (ipv4(SERVER4, "198.51.100.77", UDP, udp(SERVER4, "198.51.100.77", 53, 40000, p2), ident=7), ""),
        (ipv6(c255, SERVER6, TCP, tcp(c255, SERVER6, 40255, 80, p3)), ""),
    ]
    expected = [
        (ipv4(CLIENT4, SERVER4, UDP, udp(CLIENT4, SERVER4, 40000, 53, p1), ttl=63), f"{c5} → 198.51.100.5"),
        (ipv6(SERVER6, c77, UDP, udp(SERVER6, c77, 53, 40000, p2), hlim=63), f"198.51.100.77 → {c77}"),
        (ipv4("198.51.100.255", SERVER4, TCP, tcp("198.51.100.255", SERVER4, 40255, 80, p3), ttl=63),
         f"{c255} → 198.51.100.255"),
    ]
    return inputs, expected


LONGEST = ["198.51.100.0/24 2001:db8:6::/120",
           "198.51.100.8/29 2001:db8:7::/125",
           "203.0.113.64/26 2001:db8:6::40/122"]


@fixture("rfc7757", "3.3", "eam-longest-match", "overlapping EAMs: the longest prefix wins, both ways",
         config=cfg(map=LONGEST),
         explain="""\
198.51.100.10 is inside both 198.51.100.0/24 and 198.51.100.8/29: the /29 wins, so it
becomes 2001:db8:7::2 (suffix 10 - 8 = 2), while 198.51.100.20 only matches the /24
(2001:db8:6::14). On the IPv6 side 2001:db8:6::45 is inside both 2001:db8:6::/120 and
2001:db8:6::40/122: the /122 wins, so it becomes 203.0.113.69 (64 + 5), while
2001:db8:6::14 only matches the /120 (198.51.100.20). EAMs are consulted before the
RFC 6052 prefix, which only serves the IPv4 host 192.0.2.33 here.""")
def rfc7757_longest_match():
    """RFC 7757 §3.3 (paraphrase): EAM prefixes may overlap; when more than one entry
    matches an address, the translator uses the entry with the longest matching prefix,
    in either direction. RFC 7757 §3.1 (paraphrase): addresses that match no EAM are
    translated with the RFC 6052 algorithm."""
    server4, server6 = "192.0.2.33", "64:ff9b::c000:221"
    assert eam_ip4_to_ip6("198.51.100.8/29", "2001:db8:7::/125", "198.51.100.10") == "2001:db8:7::2"
    assert eam_ip4_to_ip6("198.51.100.0/24", "2001:db8:6::/120", "198.51.100.20") == "2001:db8:6::14"
    assert eam_ip4_to_ip6("203.0.113.64/26", "2001:db8:6::40/122", "203.0.113.69") == "2001:db8:6::45"
    flows = [
        ("4to6", "198.51.100.10", "2001:db8:7::2", "198.51.100.8/29 wins over the /24"),
        ("4to6", "198.51.100.20", "2001:db8:6::14", "only the /24 matches"),
        ("6to4", "2001:db8:6::45", "203.0.113.69", "2001:db8:6::40/122 wins over the /120"),
        ("6to4", "2001:db8:6::14", "198.51.100.20", "only the /120 matches"),
        ("6to4", "2001:db8:7::2", "198.51.100.10", "only the /125 matches"),
    ]
    inputs, expected = [], []
    for i, (direction, given, mapped, note) in enumerate(flows):
        payload = text(16 + i, f"flow {i} ")
        if direction == "4to6":
            inputs.append((ipv4(server4, given, UDP, udp(server4, given, 53, 41000 + i, payload)), note))
            expected.append((ipv6(server6, mapped, UDP, udp(server6, mapped, 53, 41000 + i, payload), hlim=63),
                             f"{given} → {mapped}"))
        else:
            inputs.append((ipv6(given, server6, UDP, udp(given, server6, 41000 + i, 53, payload)), note))
            expected.append((ipv4(mapped, server4, UDP, udp(mapped, server4, 41000 + i, 53, payload), ttl=63),
                             f"{given} → {mapped}"))
    return inputs, expected


@fixture("rfc7757", "3.2", "single-address-map-both-ways", "a single-address map (/32 <-> /128), both ways",
         config=cfg(map=["198.51.100.99 2001:db8:99::1"]),
         explain="""\
`map = ["198.51.100.99 2001:db8:99::1"]` (no lengths: /32 and /128, Tayga's form) maps
exactly one address. Packets 1 and 2 use it. Packet 3 comes from 2001:db8:99::2, which no
EAM, no prefix and no dynamic pool (`dynamic-pool = ""`) covers: docs/rfc-compliance.md
answers ICMPv6 Destination Unreachable code 5 (source address failed ingress/egress
policy) from ipv6-addr, hop limit 64, traffic class 0, quoting the packet
(`drop_source_unmapped_6`).""")
def rfc7757_single_address():
    """RFC 7757 §3.2 (paraphrase): an EAM whose IPv4 prefix is a /32 and whose IPv6 prefix
    is a /128 maps one address to one address (there are no suffix bits to carry over).
    RFC 7915 §5.4: If the IPv6 packet is discarded, then the translator SHOULD send back an
    ICMPv6 error message to the original sender of the packet, unless the discarded packet
    is itself an ICMPv6 message."""
    host6, host4, other6 = "2001:db8:99::1", "198.51.100.99", "2001:db8:99::2"
    p1, p2, p3 = text(20, "single "), text(22, "mapped "), text(14, "unmapped ")
    unmapped = ipv6(other6, SERVER6, UDP, udp(other6, SERVER6, 40002, 53, p3))
    inputs = [
        (ipv6(host6, SERVER6, UDP, udp(host6, SERVER6, 40000, 53, p1)), ""),
        (ipv4(SERVER4, host4, UDP, udp(SERVER4, host4, 53, 40000, p2), ident=99), ""),
        (unmapped, "source matches nothing"),
    ]
    expected = [
        (ipv4(host4, SERVER4, UDP, udp(host4, SERVER4, 40000, 53, p1), ttl=63), ""),
        (ipv6(SERVER6, host6, UDP, udp(SERVER6, host6, 53, 40000, p2), hlim=63), ""),
        (ipv6(XLAT6, other6, ICMPV6, icmp6(XLAT6, other6, 1, 5, body=unmapped), hlim=64),
         "ICMPv6 1/5 from ipv6-addr quoting packet 3"),
    ]
    return inputs, expected


HAIRPIN_MAPS = [EAM_CLIENTS, "192.0.2.64/26 2001:db8:7::/122"]


@fixture("rfc7757", "4", "hairpinning-eam", "hairpinning between two EAM-mapped IPv6 hosts",
         config=cfg(map=HAIRPIN_MAPS),
         explain="""\
Host A 2001:db8:6::5 (EAM 198.51.100.5) sends to 64:ff9b::c000:246, the WKP form of
192.0.2.70, which is the EAM address of host B 2001:db8:7::6 (second map entry).
Translated to IPv4 the packet would be 198.51.100.5 → 192.0.2.70 and belong to the IPv6
side again, so it is translated straight back to IPv6. Following RFC 7757 §4 (and Jool's
test `ga`), the destination goes through the EAM (2001:db8:7::6) and the *source through
the RFC 6052 prefix* (64:ff9b::c633:6405): that is the address B answers to, so B's reply
comes back through the translator and reaches A from the very address A wrote to
(packet 2 is that reply leg). The hop limit is decremented once (64 → 63), the traffic
class survives both legs, the flow label is 0, and the UDP checksum is updated (the two
hosts sit in different EAMs so that the address change is not checksum-neutral).
docs/rfc-compliance.md says "the source through EAM or the prefix" without saying which
comes first; this fixture follows the RFC.""")
def rfc7757_hairpinning():
    """RFC 7757 §4 (paraphrase): an IPv6 packet whose destination translates to an IPv4
    address that an EAM maps back into the IPv6 network is hairpinned: translated to IPv4
    and immediately back to IPv6. On the way back the source address is translated with
    the RFC 6052 prefix, not with the EAM (the "intrinsic" hairpinning of §4.2.2), so that
    the destination's replies take the same path in reverse."""
    a_eam, b_eam = CLIENT6, "2001:db8:7::6"
    assert eam_ip4_to_ip6("192.0.2.64/26", "2001:db8:7::/122", "192.0.2.70") == b_eam
    a_wkp, b_wkp = rfc6052_embed(WKP, CLIENT4), rfc6052_embed(WKP, "192.0.2.70")
    assert (a_wkp, b_wkp) == ("64:ff9b::c633:6405", "64:ff9b::c000:246")
    p1, p2 = text(18, "hairpin "), text(24, "hairpin reply ")
    seg_in1, seg_out1 = udp(a_eam, b_wkp, 40000, 7000, p1), udp(a_wkp, b_eam, 40000, 7000, p1)
    seg_in2, seg_out2 = udp(b_eam, a_wkp, 7000, 40000, p2), udp(b_wkp, a_eam, 7000, 40000, p2)
    assert seg_in1[6:8] != seg_out1[6:8] and seg_in2[6:8] != seg_out2[6:8], "checksum-neutral"
    inputs = [
        (ipv6(a_eam, b_wkp, UDP, seg_in1, hlim=64, tc=0x28), "A → B's WKP address"),
        (ipv6(b_eam, a_wkp, UDP, seg_in2, hlim=64, tc=0x28), "B answers A's WKP address"),
    ]
    expected = [
        (ipv6(a_wkp, b_eam, UDP, seg_out1, hlim=63, tc=0x28), "source via prefix, destination via EAM"),
        (ipv6(b_wkp, a_eam, UDP, seg_out2, hlim=63, tc=0x28), "source via prefix, destination via EAM"),
    ]
    return inputs, expected


@fixture("rfc7757", "4", "hairpinning-icmp-errors",
         "ICMP errors about hairpinned packets go back to the IPv6 sender, as it addressed them",
         config=cfg(map=HAIRPIN_MAPS, udp_zero_checksum="icmp"),
         explain="""\
The hosts of `4-hairpinning-eam`: A 2001:db8:6::5 (EAM 198.51.100.5) wrote to B as
64:ff9b::c000:246, and B 2001:db8:7::6 (EAM 192.0.2.70) received A's datagram from
64:ff9b::c633:6405 (source through the prefix). Packets 1–3 are ICMPv6 errors about that
datagram, quoting it as it was delivered (64:ff9b::c633:6405 → 2001:db8:7::6, hop limit 63,
traffic class 0x28) and addressed to A's prefix form. Translated to IPv4 each is addressed
to 198.51.100.5, which belongs to the IPv6 side, so it is hairpinned like the packet in
error was: translated straight back to ICMPv6 for A, hop limit decremented once (64 → 63).
Its quote becomes the datagram as A sent it (2001:db8:6::5 → 64:ff9b::c000:246, the UDP
checksum A computed): the quoted destination goes through the prefix, as A addressed it,
not through B's EAM, or A's socket could not match the error. The outer source goes
through the prefix like any hairpinned source: B's Port Unreachable (1/4 → 3/3 → 1/4)
comes from 64:ff9b::c000:246; Time Exceeded from B's router 2001:db8:7::3f (EAM
192.0.2.127) from 64:ff9b::c000:27f; No Route from 2001:db8:5::1, which nothing maps, gets
the RFC 6791 source 192.0.2.1 on the IPv4 leg, the translator's own address, which is
2001:db8:ffff::1 (`ipv6-addr`) on the IPv6 side (1/0 → 3/1 → 1/0). Packet 4: A's UDP
datagram with checksum 0 to B's prefix form is refused on the hairpin's IPv4 → IPv6 leg
(`udp-zero-checksum = "icmp"`: ICMPv4 3/13 from 192.0.2.1 to 198.51.100.5); that error too
goes back to A as ICMPv6, 1/1 from ipv6-addr with hop limit 64, quoting A's datagram with
the hop limit it had on the IPv4 leg (63), instead of leaving as IPv4.""")
def rfc7757_hairpinning_icmp_errors():
    """RFC 7757 §4 (paraphrase): hairpinned packets are translated to IPv4 and immediately
    back to IPv6, the source through the RFC 6052 prefix, so that the destination's answers
    take the same path in reverse. ICMP errors are answers too.
    RFC 7915 §5.3: The ICMP error messages containing the packet in error MUST be
    translated just like a normal IP packet (except that the TTL/Hop Limit value of the
    inner IPv4/IPv6 packet are not decremented).
    RFC 6791 §4: the translator uses an address of its own as the source of ICMPv4 errors
    whose IPv6 source cannot be translated."""
    a_eam, b_eam = CLIENT6, "2001:db8:7::6"
    rb_eam, ru = "2001:db8:7::3f", "2001:db8:5::1"
    assert eam_ip4_to_ip6("192.0.2.64/26", "2001:db8:7::/122", "192.0.2.127") == rb_eam
    a_wkp, b_wkp = rfc6052_embed(WKP, CLIENT4), rfc6052_embed(WKP, "192.0.2.70")
    rb_wkp = rfc6052_embed(WKP, "192.0.2.127")
    p1, p4 = text(18, "hairpin "), text(20, "no checksum ")
    as_sent = ipv6(a_eam, b_wkp, UDP, udp(a_eam, b_wkp, 40000, 7000, p1), hlim=63, tc=0x28)
    as_delivered = ipv6(a_wkp, b_eam, UDP, udp(a_wkp, b_eam, 40000, 7000, p1), hlim=63, tc=0x28)
    expired_sent = ipv6(a_eam, b_wkp, UDP, udp(a_eam, b_wkp, 40000, 7000, p1), hlim=1, tc=0x28)
    expired_delivered = ipv6(a_wkp, b_eam, UDP, udp(a_wkp, b_eam, 40000, 7000, p1), hlim=1, tc=0x28)
    no_checksum = udp(a_eam, b_wkp, 40001, 7000, p4, cksum=0)
    inputs = [
        (err6(b_eam, a_wkp, 1, 4, bytes(4), as_delivered), "B: Port Unreachable"),
        (err6(rb_eam, a_wkp, 3, 0, bytes(4), expired_delivered), "B's router: Time Exceeded"),
        (err6(ru, a_wkp, 1, 0, bytes(4), as_delivered), "an unmapped router: No Route"),
        (ipv6(a_eam, b_wkp, UDP, no_checksum), "A → B, UDP checksum 0"),
    ]
    expected = [
        (err6(b_wkp, a_eam, 1, 4, bytes(4), as_sent, hlim=63), "from B's prefix form, quoting A's datagram"),
        (err6(rb_wkp, a_eam, 3, 0, bytes(4), expired_sent, hlim=63), "from the router's prefix form"),
        (err6(XLAT6, a_eam, 1, 0, bytes(4), as_sent, hlim=63), "RFC 6791 source 192.0.2.1 = ipv6-addr"),
        (err6(XLAT6, a_eam, 1, 1, bytes(4), ipv6(a_eam, b_wkp, UDP, no_checksum, hlim=63), hlim=64),
         "the translator's own error, as ICMPv6"),
    ]
    return inputs, expected


# ---------------------------------------------------------------------------------------
# RFC 7915 §4: IPv4 → IPv6.

@fixture("rfc7915", "4.1", "tos-to-traffic-class-and-ttl-decrement",
         "TOS becomes Traffic Class, flow label 0, hop limit = TTL - 1",
         explain="""\
Each IPv4 packet becomes an IPv6 packet with the TOS octet copied whole (DSCP and ECN) into
the traffic class, flow label 0, payload length = total length - 20, next header = the
protocol, hop limit = TTL - 1 (the translator is a router hop), and the checksum updated
for the new pseudo-header. DF and the Identification of a packet that is not a fragment
leave no trace in IPv6 (no Fragment Header).""")
def rfc7915_4_1_tos_ttl():
    """RFC 7915 §4.1: Traffic Class: By default, copied from the IP Type Of Service (TOS)
    octet. [...] Flow Label: 0 (all zero bits). Payload Length: Total length value from
    the IPv4 header, minus the size of the IPv4 header and IPv4 options, if present. Next
    Header: For ICMPv4 (1), it is changed to ICMPv6 (58); otherwise, the protocol field
    MUST be copied from the IPv4 header. Hop Limit: The hop limit is derived from the TTL
    value in the IPv4 header. Since the translator is a router, as part of forwarding the
    packet it needs to decrement either the IPv4 TTL (before the translation) or the IPv6
    Hop Limit (after the translation)."""
    p1, p2, p3 = text(100, "tcp "), text(30, "ttl two "), text(30, "all ones ")
    inputs = [
        (tcp4(SERVER4, CLIENT4, 80, 40000, p1, ttl=64, tos=0xB9, df=True, ident=0x1234), "TOS 0xb9 (EF + ECN 01), DF"),
        (udp4(SERVER4, CLIENT4, 53, 40000, p2, ttl=2, ident=0x2222), "TTL 2: still forwarded with hop limit 1"),
        (udp4(SERVER4, CLIENT4, 53, 40001, p3, ttl=255, tos=0xFF, ident=0x3333), "TOS 0xff, TTL 255"),
    ]
    expected = [
        (tcp6(SERVER6, CLIENT6, 80, 40000, p1, hlim=63, tc=0xB9), ""),
        (udp6(SERVER6, CLIENT6, 53, 40000, p2, hlim=1), ""),
        (udp6(SERVER6, CLIENT6, 53, 40001, p3, hlim=254, tc=0xFF), ""),
    ]
    return inputs, expected


@fixture("rfc7915", "4.1", "ttl-1-becomes-time-exceeded", "TTL 1 is answered with ICMPv4 Time Exceeded",
         explain="""\
The IPv4 packet arrives with TTL 1: forwarding it would take the TTL to 0, so it is
dropped and the translator answers ICMPv4 Time Exceeded in transit (11/0). As every
error the translator originates (docs/rfc-compliance.md §4.4) it comes from ipv4-addr
192.0.2.1 with TTL 64, TOS 0 (the offending packet's TOS 0x10 is not copied), DF 0, and
quotes the packet as received, truncated so that the whole error is 576 bytes: 20 + 8 +
548 bytes of the 1000-byte packet.""")
def rfc7915_4_1_ttl_exceeded():
    """RFC 7915 §4.1: As part of decrementing the TTL or Hop Limit, the translator (as any
    router) MUST check for zero and send the ICMPv4 "TTL Exceeded" or ICMPv6 "Hop Limit
    Exceeded" error.
    RFC 1812 §4.3.2.3: Every ICMP error message includes the Internet header and at least
    the first 8 data bytes of the datagram that triggered the error. More than 8 bytes MAY
    be sent, according to the following rule: the ICMP datagram SHOULD contain as much of
    the original datagram as possible without the length of the ICMP datagram exceeding 576
    bytes."""
    offending = udp4(SERVER4, CLIENT4, 33434, 33435, pattern(972, 1), ttl=1, tos=0x10, ident=0xABCD)
    assert len(offending) == 1000
    inputs = [(offending, "TTL 1, 1000 bytes")]
    expected = [(self_err4(SERVER4, 11, 0, bytes(4), offending), "Time Exceeded from ipv4-addr, 576 bytes")]
    assert len(expected[0][0]) == 576
    return inputs, expected


@fixture("rfc7915", "4.1", "ipv4-options-dropped", "IPv4 options are ignored, the packet translated normally",
         explain="""\
Three packets carry options (Record Route; an *expired* Loose Source Route whose pointer
12 is past its length 11; Stream Identifier and Router Alert). Each becomes the same
plain IPv6 packet it would be without options: no trace of them, payload length = total
length - IHL*4.""")
def rfc7915_4_1_options():
    """RFC 7915 §4.1: If any IPv4 options are present in the IPv4 packet, they MUST be
    ignored and the packet translated normally; there is no attempt to translate the
    options. However, if an unexpired source route option is present, then the packet MUST
    instead be discarded, and an ICMPv4 "Destination Unreachable, Source Route Failed"
    (Type 3, Code 5) error message SHOULD be returned to the sender."""
    record_route = bytes([7, 11, 4]) + bytes(8) + bytes([0])                  # 12 bytes, EOL-padded
    expired_lsrr = bytes([131, 11, 12]) + a4("203.0.113.50") + a4("203.0.113.51") + bytes([0])
    stream_ra = bytes([136, 4, 0x12, 0x34, 148, 4, 0, 0])                   # Stream ID, Router Alert
    inputs, expected = [], []
    for i, (opts, note) in enumerate([(record_route, "Record Route"),
                                      (expired_lsrr, "expired Loose Source and Record Route (pointer 12 > length 11)"),
                                      (stream_ra, "Stream Identifier + Router Alert")]):
        payload = text(24, f"options {i} ")
        inputs.append((udp4(SERVER4, CLIENT4, 53, 40000 + i, payload, options=opts, ident=0x100 + i), note))
        expected.append((udp6(SERVER6, CLIENT6, 53, 40000 + i, payload, hlim=63), "no options"))
    return inputs, expected


@fixture("rfc7915", "4.1", "unexpired-source-route-refused",
         "an unexpired source route is answered with Source Route Failed",
         explain="""\
Packet 1 carries a Loose Source and Record Route option with pointer 4 (no hop of the route
reached yet), packet 2 a Strict Source and Record Route with pointer 8 (one of two hops
left): both are unexpired (pointer <= length), so they are dropped and answered with
ICMPv4 3/5 from ipv4-addr (TTL 64, TOS 0, DF 0), quoting the whole packet with its
options. Packet 3's LSRR is expired (pointer 12 > length 11) and is translated.""")
def rfc7915_4_1_source_route():
    """RFC 7915 §4.1: However, if an unexpired source route option is present, then the
    packet MUST instead be discarded, and an ICMPv4 "Destination Unreachable, Source Route
    Failed" (Type 3, Code 5) error message SHOULD be returned to the sender."""
    lsrr = bytes([131, 11, 4]) + a4("198.51.100.6") + a4("198.51.100.7") + bytes([1])
    ssrr = bytes([137, 11, 8]) + a4("203.0.113.50") + a4("198.51.100.7") + bytes([1])
    expired = bytes([131, 11, 12]) + a4("203.0.113.50") + a4("203.0.113.51") + bytes([0])
    p = [text(20, f"route {i} ") for i in range(3)]
    pk1 = udp4(SERVER4, CLIENT4, 53, 40000, p[0], options=lsrr, ident=0x501)
    pk2 = udp4(SERVER4, CLIENT4, 53, 40001, p[1], options=ssrr, ident=0x502)
    pk3 = udp4(SERVER4, CLIENT4, 53, 40002, p[2], options=expired, ident=0x503)
    inputs = [(pk1, "unexpired LSRR"), (pk2, "unexpired SSRR"), (pk3, "expired LSRR")]
    expected = [
        (self_err4(SERVER4, 3, 5, bytes(4), pk1), "Source Route Failed quoting packet 1"),
        (self_err4(SERVER4, 3, 5, bytes(4), pk2), "Source Route Failed quoting packet 2"),
        (udp6(SERVER6, CLIENT6, 53, 40002, p[2], hlim=63), "translated, option ignored"),
    ]
    return inputs, expected


@fixture("rfc7915", "4.1", "fragment-gets-fragment-header",
         "an IPv4 fragment becomes an IPv6 fragment with the same ID, offset and M flag",
         explain="""\
A 1200-byte UDP datagram arrives as two IPv4 fragments (ID 0xbeef: 800 bytes at offset 0
with MF, 400 bytes at offset 800). Each becomes an IPv6 packet with a Fragment Header:
next header 17, the same offset and M flag, identification 0x0000beef; payload length
= IPv4 payload + 8. The UDP checksum sits in the first fragment and covers the whole
datagram, so it is updated for the IPv6 pseudo-header of the whole datagram (only the
addresses changed); the second fragment's bytes are untouched. Packet 3 is a first
fragment with DF set that fits: it is translated the same way (DF plays no part).""")
def rfc7915_4_1_fragment():
    """RFC 7915 §4.1: If there is a need to add a Fragment Header (the packet is a fragment
    or the DF bit is not set and the packet size is larger than the minimum IPv6 MTU [...])
    the Fragment Header's fields are set as above with the following exceptions: [...]
    Fragment Offset: Copied from the Fragment Offset field of the IPv4 header. M flag:
    Copied from the More Fragments (MF) flag of the IPv4 header. Identification: The
    low-order 16 bits copied from the Identification field in the IPv4 header. The
    high-order 16 bits set to zero."""
    data = pattern(1192, 2)
    d4 = udp(SERVER4, CLIENT4, 53, 40000, data)
    d6 = udp(SERVER6, CLIENT6, 53, 40000, data)
    small = text(52, "first fragment with DF ")
    t4 = tcp(SERVER4, CLIENT4, 80, 40000, small + pattern(28, 3))  # the TCP datagram is 100 bytes
    t6 = tcp(SERVER6, CLIENT6, 80, 40000, small + pattern(28, 3))
    inputs = [
        (ipv4(SERVER4, CLIENT4, UDP, d4[:800], ident=0xBEEF, mf=True, offset=0), "first fragment, MF"),
        (ipv4(SERVER4, CLIENT4, UDP, d4[800:], ident=0xBEEF, offset=100), "last fragment, offset 800"),
        (ipv4(SERVER4, CLIENT4, TCP, t4[:72], ident=0x0101, df=True, mf=True), "first fragment with DF and MF"),
    ]
    expected = [
        (ipv6(SERVER6, CLIENT6, FRAGMENT, frag6(UDP, 0, True, 0xBEEF) + d6[:800], hlim=63), ""),
        (ipv6(SERVER6, CLIENT6, FRAGMENT, frag6(UDP, 100, False, 0xBEEF) + d6[800:], hlim=63), ""),
        (ipv6(SERVER6, CLIENT6, FRAGMENT, frag6(TCP, 0, True, 0x0101) + t6[:72], hlim=63), ""),
    ]
    return inputs, expected


def split_ipv6(src, dst, proto, transport, ident, hlim, mtu, first_offset=0, last_m=False, tc=0):
    """IPv6 fragments of `transport` (bytes from 8 * first_offset of the datagram), each
    at most `mtu` bytes, every fragment but the last as large as possible (a multiple of
    8 bytes of data)."""
    chunk = (mtu - 48) // 8 * 8
    out, pos = [], 0
    while pos < len(transport):
        piece = transport[pos:pos + chunk]
        more = (pos + chunk < len(transport)) or last_m
        out.append(ipv6(src, dst, FRAGMENT, frag6(proto, first_offset + pos // 8, more, ident) + piece,
                        hlim=hlim, tc=tc))
        pos += chunk
    return out


@fixture("rfc7915", "4.1", "df0-split-to-lowest-ipv6-mtu",
         "DF=0 packets that would exceed 1280 bytes are split into IPv6 fragments",
         explain="""\
With `lowest-ipv6-mtu` at its default 1280: packet 1 (1260 bytes, DF=0) becomes a
1280-byte IPv6 packet with no Fragment Header (no atomic fragments, RFC 8021). Packet 2
(1261 bytes) would become 1281 bytes, so it is split: 1232 bytes of UDP (1280 - 40 - 8)
at offset 0 with M, then the remaining 9 bytes at offset 1232 (154 × 8). Packet 3 (1500
bytes) gives 1232 + 248 bytes. Fragment identification = the IPv4 ID zero-extended; the
UDP checksum (in the first fragment) covers the whole datagram with the IPv6
pseudo-header.""")
def rfc7915_4_1_df0_split():
    """RFC 7915 §4.1: If the DF flag is not set and the IPv4 packet will result in an IPv6
    packet larger than a user-defined length (hereinafter referred to as
    "lowest-ipv6-mtu", and which defaults to 1280 bytes), the packet SHOULD be fragmented
    so that the resulting IPv6 packet (with Fragment Header added to each fragment) will be
    less than or equal to lowest-ipv6-mtu [...]
    RFC 7915 §4: When the IPv4 sender does not set the DF bit, the translator MUST NOT
    include the Fragment Header for the non-fragmented IPv6 packets."""
    inputs, expected = [], []
    for i, (total, ident) in enumerate([(1260, 0x1260), (1261, 0x1261), (1500, 0x1500)]):
        data = pattern(total - 28, 10 + i)
        inputs.append((udp4(SERVER4, CLIENT4, 53, 40000 + i, data, ident=ident), f"{total} bytes, DF=0"))
        seg6 = udp(SERVER6, CLIENT6, 53, 40000 + i, data)
        if total + 20 <= 1280:
            expected.append((ipv6(SERVER6, CLIENT6, UDP, seg6, hlim=63), f"{total + 20} bytes, no Fragment Header"))
        else:
            for f in split_ipv6(SERVER6, CLIENT6, UDP, seg6, ident, 63, 1280):
                expected.append((f, f"fragment of packet {i + 1}"))
    return inputs, expected


@fixture("rfc7915", "4.1", "df0-split-to-configured-lowest-ipv6-mtu",
         "lowest-ipv6-mtu raised to 1400 moves the fragmentation threshold",
         config=cfg(**{"lowest-ipv6-mtu": 1400}),
         explain="""\
`lowest-ipv6-mtu = 1400`: a 1380-byte DF=0 packet becomes a 1400-byte IPv6 packet with no
Fragment Header; a 1500-byte one is split into 1352 bytes of UDP (1400 - 48, a multiple
of 8) and the remaining 128 bytes at offset 1352 (169 × 8).""")
def rfc7915_4_1_df0_split_configured():
    """RFC 7915 §4.1: The translator MUST provide a configuration function for the network
    administrator to adjust the threshold of the minimum IPv6 MTU to a value greater than
    1280 bytes if the real value of the minimum IPv6 MTU in the network is known to the
    administrator. The resulting fragments are then translated independently using the
    logic described below."""
    inputs, expected = [], []
    for i, (total, ident) in enumerate([(1380, 0x1380), (1500, 0x1501)]):
        data = pattern(total - 28, 20 + i)
        inputs.append((udp4(SERVER4, CLIENT4, 53, 40000 + i, data, ident=ident), f"{total} bytes, DF=0"))
        seg6 = udp(SERVER6, CLIENT6, 53, 40000 + i, data)
        if total + 20 <= 1400:
            expected.append((ipv6(SERVER6, CLIENT6, UDP, seg6, hlim=63), "1400 bytes, not fragmented"))
        else:
            for f in split_ipv6(SERVER6, CLIENT6, UDP, seg6, ident, 63, 1400):
                expected.append((f, ""))
    return inputs, expected


@fixture("rfc7915", "4.1", "df0-fragment-refragmented",
         "an IPv4 fragment too big for 1280 bytes is split again, offsets adding up",
         explain="""\
Two DF=0 IPv4 fragments (ID 0x7777) of a UDP datagram, too big to fit 1280 bytes once
translated: 1400 bytes of data at offset 1480 with MF, and 1300 bytes at offset 2880
without. Each is split into IPv6 fragments of at most 1280 bytes: 1232 bytes then the rest,
offsets continuing from the IPv4 offset (185 + 154 = 339 units; 360 + 154 = 514), M set on
all but the very last piece of the datagram. The data are not the first bytes of the
datagram, so nothing in them changes.""")
def rfc7915_4_1_refragment():
    """RFC 7915 §4.1: For example, if the packet is fragmented prior to the translation, the
    IPv4 packets should be fragmented so that their length, excluding the IPv4 header, is at
    most 1232 bytes (1280 minus 40 for the IPv6 header and 8 for the Fragment Header). [...]
    The resulting fragments are then translated independently using the logic described
    below."""
    middle, last = pattern(1400, 30), pattern(1300, 31)
    inputs = [
        (ipv4(SERVER4, CLIENT4, UDP, middle, ident=0x7777, mf=True, offset=185), "1400 bytes at offset 1480, MF"),
        (ipv4(SERVER4, CLIENT4, UDP, last, ident=0x7777, offset=360), "1300 bytes at offset 2880, last"),
    ]
    expected = [(f, "") for f in split_ipv6(SERVER6, CLIENT6, UDP, middle, 0x7777, 63, 1280, 185, True)]
    expected += [(f, "") for f in split_ipv6(SERVER6, CLIENT6, UDP, last, 0x7777, 63, 1280, 360, False)]
    assert len(expected) == 4
    return inputs, expected


@fixture("rfc7915", "4.1", "df1-too-big-becomes-frag-needed",
         "DF=1 packets too big for the IPv6 side are answered with Fragmentation Needed",
         explain="""\
`mtu` = 1500. Packet 1 (1480 bytes, DF) becomes exactly 1500 bytes of IPv6 and is
translated. Packet 2 (1481 bytes, DF) would be 1501: it is dropped and answered with
ICMPv4 3/4 from ipv4-addr whose next-hop MTU is 1500 - 20 = 1480 (the largest IPv4 packet
that fits), quoting 548 bytes so that the error is 576 bytes. Packets 3 and 4 are first
fragments (MF) with DF set, which grow by 28 bytes (IPv6 header + Fragment Header): 1468
bytes fit (1496), 1476 bytes do not (1504) and get next-hop MTU 1500 - 28 = 1472
(docs/rfc-compliance.md; Jool's test `ca` #2 refuses such fragments too).""")
def rfc7915_4_1_df1_too_big():
    """RFC 7915 §4.1: If the DF bit is set and the MTU of the next-hop interface is less
    than the total length value of the IPv4 packet plus 20, the translator MUST send an
    ICMPv4 "Fragmentation Needed" error message to the IPv4 source address.
    RFC 1191 §4: the router MUST include the MTU of that next-hop network in the low-order
    16 bits of the ICMP header field that is labelled "unused" in the ICMP specification."""
    d1, d2 = pattern(1440, 40), pattern(1453, 41)
    pk1 = tcp4(SERVER4, CLIENT4, 80, 40000, d1, df=True, ident=0x0001)
    pk2 = udp4(SERVER4, CLIENT4, 53, 40001, d2, df=True, ident=0x0002)
    assert (len(pk1), len(pk2)) == (1480, 1481)
    whole = udp(SERVER4, CLIENT4, 53, 40002, pattern(2000, 42))
    whole6 = udp(SERVER6, CLIENT6, 53, 40002, pattern(2000, 42))
    pk3 = ipv4(SERVER4, CLIENT4, UDP, whole[:1448], ident=0x0F0F, df=True, mf=True)
    pk4 = ipv4(SERVER4, CLIENT4, UDP, whole[:1456], ident=0x0F10, df=True, mf=True)
    assert (len(pk3), len(pk4)) == (1468, 1476)
    inputs = [(pk1, "1480 bytes, DF"), (pk2, "1481 bytes, DF"), (pk3, "first fragment, 1468 bytes, DF"),
              (pk4, "first fragment, 1476 bytes, DF")]
    expected = [
        (tcp6(SERVER6, CLIENT6, 80, 40000, d1, hlim=63), "1500 bytes"),
        (self_err4(SERVER4, 3, 4, rest_mtu4(1480), pk2), "Fragmentation Needed, MTU 1480"),
        (ipv6(SERVER6, CLIENT6, FRAGMENT, frag6(UDP, 0, True, 0x0F0F) + whole6[:1448], hlim=63), "1496 bytes"),
        (self_err4(SERVER4, 3, 4, rest_mtu4(1472), pk4), "Fragmentation Needed, MTU 1472"),
    ]
    return inputs, expected


@fixture("rfc7915", "4.1", "icmp-error-from-illegal-source-translated",
         "the 'illegal' source of an ICMPv4 error is translated; of other packets, dropped",
         explain="""\
ICMPv4 errors from 127.0.0.1 and 0.0.0.0 are translated like any other error: their
sources become 64:ff9b::7f00:1 and 64:ff9b:: (docs/rfc-compliance.md; Jool's test `ha`).
The UDP packet from 127.0.0.1 (packet 3) is not an error: it is dropped silently
(`drop_source_invalid_4`). The inner packets are the client's UDP datagrams; see
4.3-port-unreachable-inner-udp-translated for the inner rules.""")
def rfc7915_4_1_illegal_source():
    """RFC 7915 §4.1: Source Address: [...] If the translator gets an illegal source address
    (e.g., 0.0.0.0, 127.0.0.1, etc.), the translator SHOULD silently drop the packet (as
    discussed in Section 5.3.7 of [RFC1812]). Note that when translating ICMPv4 Error
    Messages into ICMPv6, the "illegal" source address will be translated for the purpose
    of trouble shooting."""
    q = text(12, "probe ")
    inner4 = udp4(CLIENT4, SERVER4, 40000, 53, q, ttl=63, ident=0x0AA0)
    inner6 = udp6(CLIENT6, SERVER6, 40000, 53, q, hlim=63)
    lo6, zero6 = rfc6052_embed(WKP, "127.0.0.1"), rfc6052_embed(WKP, "0.0.0.0")
    assert (lo6, zero6) == ("64:ff9b::7f00:1", "64:ff9b::")
    inputs = [
        (err4("127.0.0.1", CLIENT4, 3, 3, bytes(4), inner4, ttl=64), "Port Unreachable from 127.0.0.1"),
        (err4("0.0.0.0", CLIENT4, 11, 0, bytes(4), inner4, ttl=64), "Time Exceeded from 0.0.0.0"),
        (udp4("127.0.0.1", CLIENT4, 53, 40000, q), "plain UDP from 127.0.0.1: dropped"),
    ]
    expected = [
        (err6(lo6, CLIENT6, 1, 4, bytes(4), inner6, hlim=63), ""),
        (err6(zero6, CLIENT6, 3, 0, bytes(4), inner6, hlim=63), ""),
    ]
    return inputs, expected


@fixture("rfc7915", "4.1", "ipv6-only-protocols-dropped",
         "IPv4 packets carrying IPv6-only protocol numbers are dropped",
         explain="""\
IPv4 packets whose protocol is 58 (ICMPv6), 0 (Hop-by-Hop), 43 (Routing), 44 (Fragment)
or 60 (Destination Options) would become IPv6 packets whose next header claims a header
that is not there. docs/rfc-compliance.md drops them silently (`drop_protocol_4`), as
Tayga does, although the RFC's Next Header rule would copy the number. The last packet is
a canary.""")
def rfc7915_4_1_ipv6_only_protocols():
    """RFC 7915 §4.1: Next Header: For ICMPv4 (1), it is changed to ICMPv6 (58); otherwise,
    the protocol field MUST be copied from the IPv4 header.
    docs/rfc-compliance.md: IPv4 packets carrying protocols that only exist in IPv6 (58
    ICMPv6, 0/43/44/60 extension headers) are dropped (`drop_protocol_4`)."""
    inputs = []
    for proto in (ICMPV6, HOPOPT, ROUTING, FRAGMENT, DSTOPTS):
        inputs.append((ipv4(SERVER4, CLIENT4, proto, pattern(16, proto)), f"protocol {proto}: dropped"))
    c_in, c_out = canary_4to6()
    return inputs + [c_in], [c_out]


@fixture("rfc7915", "4.2", "echo-request-and-reply", "ICMPv4 echo request/reply become ICMPv6 128/129",
         explain="""\
Type 8 becomes 128 and type 0 becomes 129; identifier, sequence number and data are
unchanged; the checksum now covers the IPv6 pseudo-header.""")
def rfc7915_4_2_echo():
    """RFC 7915 §4.2: Echo and Echo Reply (Type 8 and Type 0): Adjust the Type values to 128
    and 129, respectively, and adjust the ICMP checksum both to take the type change into
    account and to include the ICMPv6 pseudo-header."""
    data = text(56, "ping ")
    inputs = [
        (echo4(SERVER4, CLIENT4, 8, 0x04D2, 1, data, ident=0x0101), "echo request"),
        (echo4(SERVER4, CLIENT4, 0, 0x04D3, 7, data, ident=0x0102, tos=0x20), "echo reply"),
    ]
    expected = [
        (echo6(SERVER6, CLIENT6, 128, 0x04D2, 1, data, hlim=63), ""),
        (echo6(SERVER6, CLIENT6, 129, 0x04D3, 7, data, hlim=63, tc=0x20), ""),
    ]
    return inputs, expected


@fixture("rfc7915", "4.2", "informational-and-single-hop-types-dropped",
         "ICMPv4 types with no ICMPv6 counterpart are dropped silently",
         explain="""\
Timestamp (13/14), Information (15/16), Address Mask (17/18), Router Advertisement (9) and
Solicitation (10), Source Quench (4), Redirect (5), Alternate Host Address (6) and an
unknown type (42, Extended Echo Request, which RFC 7915 predates) are all dropped without
an answer (`drop_icmp_type_4`). The canary echo request is translated.""")
def rfc7915_4_2_dropped_types():
    """RFC 7915 §4.2: Information Request/Reply (Type 15 and Type 16): Obsoleted in ICMPv6.
    Silently drop. Timestamp and Timestamp Reply (Type 13 and Type 14): Obsoleted in ICMPv6.
    Silently drop. Address Mask Request/Reply (Type 17 and Type 18): Obsoleted in ICMPv6.
    Silently drop. ICMP Router Advertisement (Type 9): Single-hop message. Silently drop.
    ICMP Router Solicitation (Type 10): Single-hop message. Silently drop. Unknown ICMPv4
    types: Silently drop. [...] ICMP Source Quench (Type 4): Obsoleted in ICMPv6. Silently
    drop. Redirect (Type 5): Single-hop message. Silently drop. Alternative Host Address
    (Type 6): Silently drop."""
    quote = udp4(CLIENT4, SERVER4, 40000, 53, text(8), ttl=63)
    msgs = [
        (13, 0, echo(1, 1), struct.pack("!III", 1000, 0, 0), "Timestamp"),
        (14, 0, echo(1, 1), struct.pack("!III", 1000, 1001, 1002), "Timestamp Reply"),
        (15, 0, echo(2, 1), b"", "Information Request"),
        (16, 0, echo(2, 1), b"", "Information Reply"),
        (17, 0, echo(3, 1), a4("0.0.0.0"), "Address Mask Request"),
        (18, 0, echo(3, 1), a4("255.255.255.0"), "Address Mask Reply"),
        (9, 0, struct.pack("!BBH", 1, 2, 1800), a4("203.0.113.254") + u32(0), "Router Advertisement"),
        (10, 0, bytes(4), b"", "Router Solicitation"),
        (4, 0, bytes(4), quote, "Source Quench"),
        (5, 1, a4("203.0.113.253"), quote, "Redirect for host"),
        (6, 0, bytes(4), b"", "Alternate Host Address"),
        (42, 0, struct.pack("!HBB", 0x1234, 1, 0), struct.pack("!HBB", 8, 3, 1) + a4("198.51.100.5"),
         "Extended Echo Request (unknown to RFC 7915)"),
    ]
    inputs = [(ipv4(SERVER4, CLIENT4, ICMP, icmp4(t, c, rest, body)), f"{t}/{c} {name}: dropped")
              for t, c, rest, body, name in msgs]
    c_in, c_out = canary_4to6()
    return inputs + [c_in], [c_out]


@fixture("rfc7915", "4.2", "igmp-dropped", "IGMP is single-hop and dropped",
         explain="""\
An IGMPv2 Membership Report (protocol 2, with a Router Alert option) is dropped. It is sent
to a unicast address with TTL 64 here so that only the protocol rule can drop it.
docs/rfc-compliance.md says other protocols pass through but also that §4.2 is followed
"as in the RFC"; this fixture follows the RFC sentence.""")
def rfc7915_4_2_igmp():
    """RFC 7915 §4.2: IGMP messages: While the Multicast Listener Discovery (MLD) messages
    [RFC2710] [RFC3590] [RFC3810] are the logical IPv6 counterparts for the IPv4 IGMP
    messages, all the "normal" IGMP messages are single-hop messages and SHOULD be silently
    dropped by the translator."""
    report = bytes([0x16, 0, 0, 0]) + a4("239.1.2.3")
    report = report[:2] + struct.pack("!H", checksum(report)) + report[4:]
    inputs = [(ipv4(SERVER4, CLIENT4, IGMP, report, options=bytes([148, 4, 0, 0])), "IGMPv2 report: dropped")]
    c_in, c_out = canary_4to6()
    return inputs + [c_in], [c_out]


def client_probe4(payload, ttl=62, tos=0, ident=0x1111, sport=40000, dport=53, df=False):
    """The client's UDP datagram as it looks on the IPv4 side (after translation)."""
    return udp4(CLIENT4, SERVER4, sport, dport, payload, ttl=ttl, tos=tos, ident=ident, df=df)


def client_probe6(payload, hlim=62, tc=0, sport=40000, dport=53):
    """The same datagram as the IPv6 client wrote it (the inner packet after translation,
    with the inner hop limit = the quoted TTL, not decremented)."""
    return udp6(CLIENT6, SERVER6, sport, dport, payload, hlim=hlim, tc=tc)


@fixture("rfc7915", "4.2", "error-type-and-code-map", "ICMPv4 error types and codes map to ICMPv6",
         explain="""\
The IPv4 router 203.0.113.254 (64:ff9b::cb00:71fe) reports on the client's UDP datagram
with every Destination Unreachable code and both Time Exceeded codes. The ICMPv6 types
and codes follow RFC 7915 §4.2 exactly; codes 14 and 16 are dropped. Code 2 becomes a
Parameter Problem (4/1) whose pointer 6 designates the IPv6 Next Header field. Each inner
packet is the client's original IPv6 datagram (hop limit copied from the quoted TTL).""")
def rfc7915_4_2_error_codes():
    """RFC 7915 §4.2: Destination Unreachable (Type 3): Translate the Code as described
    below, set the Type to 1, and adjust the ICMP checksum both to take the type/code change
    into account and to include the ICMPv6 pseudo-header. Translate the Code as follows:
    Code 0, 1 (Net Unreachable, Host Unreachable): Set the Code to 0 (No route to
    destination). Code 2 (Protocol Unreachable): Translate to an ICMPv6 Parameter Problem
    (Type 4, Code 1) and make the Pointer point to the IPv6 Next Header field. Code 3 (Port
    Unreachable): Set the Code to 4 (Port unreachable). [...] Code 5 (Source Route
    Failed): Set the Code to 0 (No route to destination). [...] Code 6, 7, 8: Set the Code
    to 0 (No route to destination). Code 9, 10 (Communication with Destination
    Host Administratively Prohibited): Set the Code to 1 (Communication with destination
    administratively prohibited). Code 11, 12: Set the Code to 0 (No route to destination).
    Code 13 (Communication Administratively Prohibited): Set the Code to 1 (Communication
    with destination administratively prohibited). Code 14 (Host Precedence Violation):
    Silently drop. Code 15 (Precedence cutoff in effect): Set the Code to 1 (Communication
    with destination administratively prohibited). Other Code values: Silently drop.
    Time Exceeded (Type 11): Set the Type to 3, and adjust the ICMP checksum both to take
    the type change into account and to include the ICMPv6 pseudo-header. The Code is
    unchanged."""
    table = {0: (1, 0), 1: (1, 0), 2: (4, 1), 3: (1, 4), 5: (1, 0), 6: (1, 0), 7: (1, 0), 8: (1, 0),
             9: (1, 1), 10: (1, 1), 11: (1, 0), 12: (1, 0), 13: (1, 1), 14: None, 15: (1, 1), 16: None}
    inputs, expected = [], []
    for code, result in table.items():
        payload = text(12, f"code {code} ")
        inner4, inner6 = client_probe4(payload, sport=41000 + code), client_probe6(payload, sport=41000 + code)
        inputs.append((err4(ROUTER4, CLIENT4, 3, code, bytes(4), inner4), f"3/{code}" + ("" if result else ": dropped")))
        if result:
            t, c = result
            rest = u32(6) if (t, c) == (4, 1) else bytes(4)
            expected.append((err6(ROUTER4_6, CLIENT6, t, c, rest, inner6, hlim=63), f"3/{code} → {t}/{c}"))
    for code in (0, 1):
        payload = text(12, f"ttl {code} ")
        inner4, inner6 = client_probe4(payload, ttl=1, sport=42000 + code), client_probe6(payload, hlim=1, sport=42000 + code)
        inputs.append((err4(ROUTER4, CLIENT4, 11, code, bytes(4), inner4), f"11/{code}"))
        expected.append((err6(ROUTER4_6, CLIENT6, 3, code, bytes(4), inner6, hlim=63), f"11/{code} → 3/{code}"))
    return inputs, expected


@fixture("rfc7915", "4.2", "parameter-problem-pointer-map", "Parameter Problem pointers follow Figure 3",
         explain="""\
ICMPv4 Parameter Problem with code 0 and every pointer 0..20, then code 2 (bad length)
pointer 2, code 1 (missing option) and an unknown code 3. Pointers map by RFC 7915
Figure 3: 0→0, 1→1, 2,3→4, 8→7, 9→6, 12..15→8, 16..19→24; the others (4..7, 10, 11, and
20 which the figure does not list) are dropped, as are codes 1 and 3. The ICMPv6 pointer is
a 32-bit field.""")
def rfc7915_4_2_pointer_map():
    """RFC 7915 §4.2: Parameter Problem (Type 12): Set the Type to 4, and adjust the ICMP
    checksum both to take the type/code change into account and to include the ICMPv6
    pseudo-header. Translate the Code as follows: Code 0 (Pointer indicates the error): Set
    the Code to 0 (Erroneous header field encountered) and update the pointer as defined in
    Figure 3. (If the Original IPv4 Pointer Value is not listed or the Translated IPv6
    Pointer Value is listed as "n/a", silently drop the packet.) Code 1 (Missing a required
    option): Silently drop. Code 2 (Bad length): Set the Code to 0 (Erroneous header field
    encountered) and update the pointer as defined in Figure 3. Other Code values: Silently
    drop."""
    figure3 = {0: 0, 1: 1, 2: 4, 3: 4, 8: 7, 9: 6, 12: 8, 13: 8, 14: 8, 15: 8, 16: 24, 17: 24, 18: 24, 19: 24}
    cases = [(0, p) for p in range(21)] + [(2, 2), (1, 0), (3, 0)]
    inputs, expected = [], []
    for i, (code, ptr) in enumerate(cases):
        payload = text(12, f"pp {i} ")
        inner4, inner6 = client_probe4(payload, sport=43000 + i), client_probe6(payload, sport=43000 + i)
        mapped = figure3.get(ptr) if code in (0, 2) else None
        inputs.append((err4(ROUTER4, CLIENT4, 12, code, rest_pointer4(ptr), inner4),
                       f"12/{code} pointer {ptr}" + ("" if mapped is not None else ": dropped")))
        if mapped is not None:
            expected.append((err6(ROUTER4_6, CLIENT6, 4, 0, u32(mapped), inner6, hlim=63), f"pointer {ptr} → {mapped}"))
    return inputs, expected


def frag_needed_case(mtu_field, total, quote_len, seed):
    """An ICMPv4 Fragmentation Needed from the IPv4 router about the client's DF datagram of
    `total` bytes, quoting `quote_len` bytes of it; and the inner packet as IPv6."""
    payload = pattern(total - 28, seed)
    inner4 = client_probe4(payload, df=True, ident=0x2000 + seed, sport=44000 + seed)
    inner6 = client_probe6(payload, sport=44000 + seed)
    msg = err4(ROUTER4, CLIENT4, 3, 4, rest_mtu4(mtu_field), inner4[:quote_len])
    return msg, inner6[:quote_len + 20]


@fixture("rfc7915", "4.2", "frag-needed-becomes-packet-too-big",
         "Fragmentation Needed becomes Packet Too Big, MTU + 20, floor 1280, MTU 0 plateaus",
         explain="""\
`mtu` = 1500. docs/rfc-compliance.md: MTU = max(1280, min(MTU + 20, mtu)), and a zero MTU
is first replaced by the greatest RFC 1191 plateau below the quoted packet's Total Length.
FN 1400 → 1420; 1480 → 1500; 1492 → min(1512, 1500) = 1500; 1000 → 1020 → floor 1280;
0 about a 1500-byte packet → plateau 1492 → 1512 → 1500; 0 about a 1400-byte packet →
plateau 1006 → 1026 → 1280. The quoted packet (548 or 28 bytes of the client's 1500- or
1400-byte datagram) becomes the client's IPv6 datagram: payload length from the quoted
Total Length, hop limit = quoted TTL, UDP checksum updated.""")
def rfc7915_4_2_frag_needed():
    """RFC 7915 §4.2: Code 4 (Fragmentation Needed and DF was Set): Translate to an ICMPv6
    Packet Too Big message (Type 2) with Code set to 0. The MTU field MUST be adjusted for
    the difference between the IPv4 and IPv6 header sizes, i.e.,
    minimum(advertised MTU+20, MTU_of_IPv6_nexthop, (MTU_of_IPv4_nexthop)+20). Note that if
    the IPv4 router set the MTU field to zero, i.e., the router does not implement
    [RFC1191], then the translator MUST use the plateau values specified in [RFC1191] to
    determine a likely path MTU and include that path MTU in the ICMPv6 packet. (Use the
    greatest plateau value that is less than the returned Total Length field, but that is
    larger than or equal to 1280.)
    RFC 7915 §5: When translating an ICMPv4 "Fragmentation Needed" packet, the indicated
    MTU in the resulting ICMPv6 "Packet Too Big" will never be set to a value lower than
    1280."""
    cases = [(1400, 1500, 548, 1420), (1480, 1500, 28, 1500), (1492, 1500, 28, 1500),
             (1000, 1500, 28, 1280), (0, 1500, 28, 1500), (0, 1400, 28, 1280)]
    inputs, expected = [], []
    for i, (mtu_field, total, quote_len, ptb) in enumerate(cases):
        msg, inner6 = frag_needed_case(mtu_field, total, quote_len, 50 + i)
        inputs.append((msg, f"MTU {mtu_field} about a {total}-byte packet"))
        expected.append((err6(ROUTER4_6, CLIENT6, 2, 0, u32(ptb), inner6, hlim=63), f"MTU {ptb}"))
    return inputs, expected


@fixture("rfc7915", "4.2", "frag-needed-mtu-plateaus", "RFC 1191 plateaus for an MTU of zero, on a 9000-byte link",
         config=cfg(mtu=9000),
         explain="""\
`mtu` = 9000 so that the plateau shows through the clamp. FN with MTU 0 about a packet of
Total Length 1500 → plateau 1492 → PTB 1512; 2002 → 1492 (the plateau must be *less*
than the Total Length) → 1512; 4000 → 2002 → 2022; 9000 → 8166 → 8186. Non-zero MTUs: 8000
→ 8020; 9000 → min(9020, 9000) = 9000.""")
def rfc7915_4_2_plateaus():
    """RFC 1191 §5: The plateau values [...] 65535, 32000, 17914, 8166, 4352, 2002, 1492,
    1006, 508, 296, 68 [...] the host [...] should use the largest plateau value that is
    less than the returned Total Length field.
    RFC 7915 §4.2: then the translator MUST use the plateau values specified in [RFC1191] to
    determine a likely path MTU and include that path MTU in the ICMPv6 packet."""
    cases = [(0, 1500, 1512), (0, 2002, 1512), (0, 4000, 2022), (0, 9000, 8186), (8000, 9000, 8020), (9000, 9000, 9000)]
    inputs, expected = [], []
    for i, (mtu_field, total, ptb) in enumerate(cases):
        msg, inner6 = frag_needed_case(mtu_field, total, 28, 60 + i)
        inputs.append((msg, f"MTU {mtu_field} about a {total}-byte packet"))
        expected.append((err6(ROUTER4_6, CLIENT6, 2, 0, u32(ptb), inner6, hlim=63), f"MTU {ptb}"))
    return inputs, expected


@fixture("rfc7915", "4.3", "port-unreachable-inner-udp-translated",
         "the packet inside an ICMPv4 error is translated like a normal packet",
         explain="""\
The IPv4 server answers the client's UDP datagram with Port Unreachable (3/3, TOS 0xc0 as
Linux sends). The outer header becomes 64:ff9b::cb00:710a → 2001:db8:6::5 with hop limit
63 and traffic class 0xc0; ICMPv6 1/4; the inner IPv4 header becomes the client's IPv6
header (addresses in the reverse roles, hop limit = the quoted TTL 63, not decremented,
payload length from the quoted Total Length) and the inner UDP checksum is updated. The
IPv6 packet is 20 bytes longer than the IPv4 one for each of the two headers.""")
def rfc7915_4_3_port_unreachable():
    """RFC 7915 §4.3: There are some differences between the ICMPv4 and the ICMPv6 error
    message formats as detailed above. The ICMP error messages containing the packet in
    error MUST be translated just like a normal IP packet (except the TTL value of the
    inner IPv4/IPv6 packet). If the translation of this "packet in error" changes the
    length of the datagram, the Total Length field in the outer IPv6 header MUST be
    updated. The translation of the inner IP header can be done by invoking the function
    that translated the outer IP headers."""
    payload = text(60, "dns query ")
    inner4, inner6 = client_probe4(payload, ttl=63), client_probe6(payload, hlim=63)
    inputs = [(err4(SERVER4, CLIENT4, 3, 3, bytes(4), inner4, tos=0xC0), "Port Unreachable")]
    expected = [(err6(SERVER6, CLIENT6, 1, 4, bytes(4), inner6, hlim=63, tc=0xC0), "")]
    return inputs, expected


@fixture("rfc7915", "4.3", "time-exceeded-inner-tcp-and-echo-translated",
         "inner TCP and inner ICMP echo are translated inside errors",
         explain="""\
Traceroute-style errors from the router 203.0.113.254. Packet 1 quotes a TCP SYN (TTL 1):
the inner header becomes IPv6 with hop limit 1 and the TCP checksum is updated. Packet 2
quotes an echo request: the inner ICMPv4 echo becomes the ICMPv6 echo request the client
sent (type 128, checksum with the IPv6 pseudo-header). Packet 3 is Host Unreachable (3/1 →
1/0) about a UDP probe with TTL 3.""")
def rfc7915_4_3_inner_tcp_echo():
    """RFC 7915 §4.3: The ICMP error messages containing the packet in error MUST be
    translated just like a normal IP packet (except the TTL value of the inner IPv4/IPv6
    packet).
    RFC 7915 §4.2: for ICMPv4 error messages, the included IP header also MUST be
    translated."""
    syn4 = ipv4(CLIENT4, SERVER4, TCP, tcp(CLIENT4, SERVER4, 40000, 80, b"", seq=777, ack=0, flags=0x02), ttl=1, df=True, ident=0x51)
    syn6 = ipv6(CLIENT6, SERVER6, TCP, tcp(CLIENT6, SERVER6, 40000, 80, b"", seq=777, ack=0, flags=0x02), hlim=1)
    data = text(40, "traceroute ")
    ping4 = echo4(CLIENT4, SERVER4, 8, 0x77, 3, data, ttl=1, ident=0x52)
    ping6 = echo6(CLIENT6, SERVER6, 128, 0x77, 3, data, hlim=1)
    probe = text(24, "probe ")
    inputs = [
        (err4(ROUTER4, CLIENT4, 11, 0, bytes(4), syn4), "Time Exceeded about a TCP SYN"),
        (err4(ROUTER4, CLIENT4, 11, 0, bytes(4), ping4), "Time Exceeded about an echo request"),
        (err4(ROUTER4, CLIENT4, 3, 1, bytes(4), client_probe4(probe, ttl=3, dport=33434)), "Host Unreachable"),
    ]
    expected = [
        (err6(ROUTER4_6, CLIENT6, 3, 0, bytes(4), syn6, hlim=63), ""),
        (err6(ROUTER4_6, CLIENT6, 3, 0, bytes(4), ping6, hlim=63), ""),
        (err6(ROUTER4_6, CLIENT6, 1, 0, bytes(4), client_probe6(probe, hlim=3, dport=33434), hlim=63), ""),
    ]
    return inputs, expected


@fixture("rfc7915", "4.3", "error-truncated-to-1280", "translated ICMPv6 errors are cut to 1280 bytes",
         explain="""\
Packet 1: Port Unreachable (DF=0) quoting the client's whole 1400-byte datagram, 1428
bytes in all; translated it would be 40 + 8 + 1420 = 1468 bytes, so it is cut to 1280
bytes: the first 1232 bytes of the client's IPv6 datagram (payload length still 1380,
from the quoted Total Length, and the UDP checksum of the whole datagram). It is not
fragmented although DF=0: lowest-ipv6-mtu does not apply to errors, which are cut
instead. Packet 2 (Jool's test `bc`) is a 1280-byte ICMPv4 error, which also grows past
1280 bytes and is cut.""")
def rfc7915_4_3_truncated():
    """RFC 7915 §4.3: If the translation of this "packet in error" changes the length of the
    datagram, the Total Length field in the outer IPv6 header MUST be updated.
    RFC 4443 §2.4 (c): Every ICMPv6 error message (type < 128) MUST include as much of the
    IPv6 offending (invoking) packet [...] as possible without making the error message
    packet exceed the minimum IPv6 MTU [IPv6]."""
    big = pattern(1372, 70)
    inner4, inner6 = client_probe4(big, ttl=63), client_probe6(big, hlim=63)
    assert len(inner4) == 1400
    p1 = err4(SERVER4, CLIENT4, 3, 3, bytes(4), inner4)
    mid = pattern(1224, 71)
    inner4b, inner6b = client_probe4(mid, ttl=63, sport=40001), client_probe6(mid, hlim=63, sport=40001)
    p2 = err4(SERVER4, CLIENT4, 3, 3, bytes(4), inner4b)
    assert (len(p1), len(p2)) == (1428, 1280)
    e1 = err6(SERVER6, CLIENT6, 1, 4, bytes(4), inner6[:1232], hlim=63)
    e2 = err6(SERVER6, CLIENT6, 1, 4, bytes(4), inner6b[:1232], hlim=63)
    assert len(e1) == len(e2) == 1280
    return [(p1, "1428 bytes"), (p2, "1280 bytes")], [(e1, "cut to 1280"), (e2, "cut to 1280")]


@fixture("rfc7915", "4.3", "rfc4884-extension-length-rescaled",
         "an RFC 4884 extension is kept and the length attribute rescaled",
         explain="""\
Time Exceeded with an RFC 4884 length attribute of 32 (× 4 = 128 bytes: the quoted
datagram is exactly 128 bytes, needing no padding) followed by an extension structure
holding one MPLS Label Stack object. The quoted datagram becomes 148 bytes of IPv6, is
zero-padded to 152 (a multiple of 8, at least 128), the ICMPv6 length attribute (first
octet after the checksum) is 19 (× 8), and the extension structure follows unchanged,
its own checksum included.""")
def rfc7915_4_3_rfc4884():
    """RFC 7915 §4.2: ICMP Error Payload: If the received ICMPv4 packet contains an ICMPv4
    Extension [RFC4884], the translation of the ICMPv4 packet will cause the ICMPv6 packet
    to change length. When this occurs, the ICMPv6 Extension length attribute MUST be
    adjusted accordingly (e.g., longer due to the translation from IPv4 to IPv6). [...] For
    extensions not defined in [RFC4884], the translator passes the extensions as opaque bit
    strings.
    RFC 4884 §4.1: When the ICMP Extension Structure is appended, the "original datagram"
    field MUST contain at least 128 octets. [...] the "original datagram" field MUST be
    zero padded to the nearest 32-bit boundary [ICMPv4] / 64-bit boundary [ICMPv6]."""
    payload = pattern(100, 80)
    inner4, inner6 = client_probe4(payload, ttl=1), client_probe6(payload, hlim=1)
    assert len(inner4) == 128
    ext = icmp_ext([mpls_object([16000])])
    msg = err4(ROUTER4, CLIENT4, 11, 0, rest_length4(32), inner4 + ext)
    body6 = pad_to(inner6, 8, 128)
    assert len(body6) == 152
    out = err6(ROUTER4_6, CLIENT6, 3, 0, rest_length6(len(body6) // 8), body6 + ext, hlim=63)
    return [(msg, "length 32, 12-byte extension")], [(out, "length 19, same extension")]


@fixture("rfc7915", "4.3", "rfc4884-extension-dropped-past-1280",
         "an extension that would push the ICMPv6 error past 1280 bytes is dropped",
         explain="""\
Time Exceeded quoting a 1020-byte datagram (length attribute 255, the largest) followed by
a 244-byte extension (an MPLS stack of 59 labels). Translated: 40 + 8 + 1040 + 244 = 1332
bytes, over 1280. docs/rfc-compliance.md drops the extension and sets the length attribute
to 0; the 1040-byte datagram then fits whole (1088 bytes in all). (Jool instead keeps the
extension and cuts the datagram; RFC 7915 says the extension "SHOULD be simply
truncated".)""")
def rfc7915_4_3_rfc4884_too_big():
    """RFC 7915 §4.2: If the ICMPv4 Extension exceeds the maximum size of an ICMPv6 message
    on the outgoing interface, the ICMPv4 extension SHOULD be simply truncated.
    docs/rfc-compliance.md §4.3: If the message would exceed 1280 bytes, the extension is
    dropped (length attribute 0) and the datagram truncated."""
    payload = pattern(992, 81)
    inner4, inner6 = client_probe4(payload, ttl=1), client_probe6(payload, hlim=1)
    assert len(inner4) == 1020
    ext = icmp_ext([mpls_object(list(range(100, 159)))])
    assert len(ext) == 244
    msg = err4(ROUTER4, CLIENT4, 11, 0, rest_length4(255), inner4 + ext)
    out = err6(ROUTER4_6, CLIENT6, 3, 0, bytes(4), inner6, hlim=63)
    assert len(out) == 1088
    return [(msg, "length 255, 244-byte extension")], [(out, "length 0, no extension")]


@fixture("rfc7915", "4.3", "error-about-error-dropped", "an ICMPv4 error quoting an ICMPv4 error is dropped",
         explain="""\
The router reports Host Unreachable about a packet that was itself an ICMPv4 error (Time
Exceeded): dropped (`drop_icmp_error_in_error_4`). The canary, an error about an echo
request, is translated.""")
def rfc7915_4_3_error_in_error():
    """RFC 7915 §4.3: The translation of the inner IP header can be done by invoking the
    function that translated the outer IP headers. This process MUST stop at the first
    embedded header and drop the packet if it contains more embedded headers.
    RFC 1122 §3.2.2: An ICMP error message MUST NOT be sent as the result of receiving: an
    ICMP error message [...]"""
    deepest = udp4(SERVER4, CLIENT4, 53, 40000, text(8), ttl=1)
    inner_err = err4(CLIENT4, SERVER4, 11, 0, bytes(4), deepest, ttl=63)
    data = text(16, "ping ")
    inputs = [
        (err4(ROUTER4, CLIENT4, 3, 1, bytes(4), inner_err), "error about an error: dropped"),
        (err4(ROUTER4, CLIENT4, 3, 1, bytes(4), echo4(CLIENT4, SERVER4, 8, 5, 5, data, ttl=62)), "canary"),
    ]
    expected = [(err6(ROUTER4_6, CLIENT6, 1, 0, bytes(4), echo6(CLIENT6, SERVER6, 128, 5, 5, data, hlim=62), hlim=63), "canary")]
    return inputs, expected


@fixture("rfc7915", "4.3", "bad-icmp-checksum-dropped", "an ICMPv4 error with a wrong checksum is dropped",
         explain="""\
The ICMPv6 checksum is computed over the whole translated message, so a corrupt ICMPv4
error would come out with a valid checksum. docs/rfc-compliance.md verifies the ICMPv4
checksum first and drops the packet (`drop_bad_icmp_checksum_4`). The canary is the same
error with its checksum intact.""")
def rfc7915_4_3_bad_checksum():
    """RFC 7915 §4.2: All ICMPv4 messages that are to be translated require that the ICMPv6
    checksum field be calculated as part of the translation since ICMPv6, unlike ICMPv4,
    has a pseudo-header checksum just like UDP and TCP.
    docs/rfc-compliance.md §4.3: The ICMPv4 checksum is verified first, because the ICMPv6
    checksum is recomputed over the whole message (`drop_bad_icmp_checksum_4`)."""
    payload = text(20, "bad sum ")
    inner4, inner6 = client_probe4(payload), client_probe6(payload)
    good = icmp4(3, 3, bytes(4), inner4)
    bad_ck = struct.unpack("!H", good[2:4])[0] ^ 0x5555
    inputs = [
        (err4(SERVER4, CLIENT4, 3, 3, bytes(4), inner4, cksum=bad_ck), "checksum off by 0x5555: dropped"),
        (err4(SERVER4, CLIENT4, 3, 3, bytes(4), inner4), "canary: the same error, intact"),
    ]
    expected = [(err6(SERVER6, CLIENT6, 1, 4, bytes(4), inner6, hlim=63), "canary")]
    return inputs, expected


STRICT_ROUTER = "10.0.0.254"


def unmappable_router_error():
    """Time Exceeded from a private router (not embeddable under wkpf-strict) about the
    client's datagram to the global 8.8.8.8."""
    g6 = rfc6052_embed(WKP, "8.8.8.8")
    payload = text(20, "strict ")
    inner4 = udp4(CLIENT4, "8.8.8.8", 40000, 53, payload, ttl=1)
    inner6 = udp6(CLIENT6, g6, 40000, 53, payload, hlim=1)
    return err4(STRICT_ROUTER, CLIENT4, 11, 0, bytes(4), inner4), inner6


@fixture("rfc7915", "4.3", "unmappable-error-source-uses-rfc6791-pool6",
         "an ICMPv4 error from an untranslatable router gets a source from rfc6791-pool6",
         config=cfg(wkpf_strict=True, rfc6791_pool6="2001:db8:6791::/96"),
         explain="""\
Under `wkpf-strict` the private router 10.0.0.254 cannot be embedded in 64:ff9b::/96. The
error is still worth delivering (it is what traceroute shows), so its source comes from
`rfc6791-pool6 = "2001:db8:6791::/96"`: docs/rfc-compliance.md puts the IPv4 source in the
last 32 bits of a /96 pool, giving 2001:db8:6791::a00:fe.""")
def rfc7915_4_3_rfc6791_pool6():
    """RFC 6791 §3 (for IPv6 the same idea, as Jool's rfc6791v6-prefix): the translator
    chooses a source address for an ICMP error whose original source cannot be translated
    from a pool reserved for that purpose.
    docs/rfc-compliance.md §4.3: when it cannot be [mapped], RFC 6791: an address from
    `rfc6791-pool6` (the prefix with the IPv4 source in its last 32 bits when the pool is
    /96 or shorter, else the pool address) or else `ipv6-addr`."""
    msg, inner6 = unmappable_router_error()
    return [(msg, "from 10.0.0.254")], [(err6("2001:db8:6791::a00:fe", CLIENT6, 3, 0, bytes(4), inner6, hlim=63), "")]


@fixture("rfc7915", "4.3", "unmappable-error-source-uses-ipv6-addr",
         "without rfc6791-pool6, an untranslatable error source becomes ipv6-addr",
         config=cfg(wkpf_strict=True),
         explain="""\
As rfc7915/4.3-unmappable-error-source-uses-rfc6791-pool6, but with no `rfc6791-pool6`:
the translated error comes from ipv6-addr 2001:db8:ffff::1.""")
def rfc7915_4_3_rfc6791_fallback():
    """docs/rfc-compliance.md §4.3: outer source of a translated ICMPv4 error: mapped as a
    normal source; when it cannot be (for example a private router address under
    `wkpf-strict`), RFC 6791: an address from `rfc6791-pool6` [...] or else `ipv6-addr`."""
    msg, inner6 = unmappable_router_error()
    return [(msg, "from 10.0.0.254")], [(err6(XLAT6, CLIENT6, 3, 0, bytes(4), inner6, hlim=63), "")]


@fixture("rfc7915", "4.4", "untranslatable-destination-host-unreachable",
         "an IPv4 destination that maps to nothing is answered with Host Unreachable",
         config=POOL,
         explain=POOL_EXPLAIN + """

192.0.2.2 is a pool address with no binding: it maps to no IPv6 host and is never
embedded in the prefix, so a UDP datagram (700 bytes) and an echo request sent to it are
dropped and answered with ICMPv4 3/1 from ipv4-addr, TTL 64, TOS 0, DF 0, quoting up to 576
bytes in all (`drop_dest_unmapped_4`). RFC 7915 §4.4 would default to code 13;
docs/rfc-compliance.md chooses 1 (host unreachable), which is what the situation is. The
canary shows an ordinary destination (198.51.100.5, embedded in 64:ff9b::/96) still works.
""")
def rfc7915_4_4_host_unreachable():
    """RFC 7915 §4.4: If the IPv4 packet is discarded, then the translator SHOULD be able to
    send back an ICMPv4 error message to the original sender of the packet, unless the
    discarded packet is itself an ICMPv4 error message. The ICMPv4 message, if sent, has a
    Type of 3 (Destination Unreachable) and a Code of 13 (Communication Administratively
    Prohibited), unless otherwise specified in this document or in [RFC6146].
    docs/rfc-compliance.md: destination [...] when nothing matches: ICMPv4 3/1 (host
    unreachable), `drop_dest_unmapped_4`. A pool address without an active binding is
    never embedded into the prefix."""
    pk1 = udp4(SERVER4, "192.0.2.2", 53, 40000, pattern(672, 90), ident=0x0444)
    pk2 = echo4(SERVER4, "192.0.2.2", 8, 0x44, 1, text(32, "anyone? "), ident=0x0445)
    assert len(pk1) == 700
    data = text(32, "canary ")
    client_wkp = rfc6052_embed(WKP, CLIENT4)
    inputs = [(pk1, "to an unbound pool address"), (pk2, "echo request to it"),
              (echo4(SERVER4, CLIENT4, 8, 0xCA7, 99, data), "canary")]
    expected = [
        (self_err4(SERVER4, 3, 1, bytes(4), pk1), "Host Unreachable, 576 bytes"),
        (self_err4(SERVER4, 3, 1, bytes(4), pk2), "Host Unreachable"),
        (echo6(SERVER6, client_wkp, 128, 0xCA7, 99, data, hlim=63), "canary"),
    ]
    return inputs, expected


@fixture("rfc7915", "4.4", "no-error-about-errors-or-later-fragments",
         "no ICMPv4 error is sent about an ICMPv4 error or a non-first fragment",
         config=POOL,
         explain=POOL_EXPLAIN + """

An ICMPv4 error and a non-first fragment, both to the unbound pool address 192.0.2.2, are
dropped without an answer. The canary is an ordinary packet to the same address, which is
answered (see 4.4-untranslatable-destination-host-unreachable).""")
def rfc7915_4_4_no_error_about():
    """RFC 7915 §4.4: If the IPv4 packet is discarded, then the translator SHOULD be able to
    send back an ICMPv4 error message to the original sender of the packet, unless the
    discarded packet is itself an ICMPv4 error message.
    RFC 1812 §4.3.2.7: A router MUST NOT originate an ICMP error message in response to
    [...] A packet which is a fragment other than the first fragment."""
    quote = udp4("192.0.2.2", SERVER4, 40000, 53, text(8), ttl=60)
    pk3 = udp4(SERVER4, "192.0.2.2", 53, 40002, text(20, "canary "), ident=0x0452)
    inputs = [
        (err4(SERVER4, "192.0.2.2", 3, 3, bytes(4), quote), "Port Unreachable to the pool address: dropped"),
        (ipv4(SERVER4, "192.0.2.2", UDP, pattern(64, 91), ident=0x0451, offset=185), "later fragment: dropped"),
        (pk3, "canary: answered"),
    ]
    return inputs, [(self_err4(SERVER4, 3, 1, bytes(4), pk3), "canary")]


@fixture("rfc7915", "4.5", "tcp-udp-checksums-updated",
         "TCP and UDP checksums are updated; payload errors pass through",
         explain="""\
Packets 1 and 2: TCP and UDP, checksums recomputed for the IPv6 pseudo-header (scapy's
in6_chksum gives the expected value). Packets 3 and 4 had a payload byte flipped after
their checksum was computed: an incremental update keeps the error, so the expected
checksum is the IPv6 checksum of the *original* payload while the flipped byte is carried
as is; the receiver still sees the corruption (docs/rfc-compliance.md §4.5).""")
def rfc7915_4_5_checksums():
    """RFC 7915 §4.5: If the address translation algorithm is not checksum neutral (see
    Section 4.1 of [RFC6052]), the recalculation and updating of the transport-layer headers
    that contain pseudo-headers need to be performed. Translators MUST do this for TCP and
    ICMP packets and for UDP packets that contain a UDP checksum (i.e., the UDP checksum
    field is not zero).
    docs/rfc-compliance.md §4.5: TCP and UDP checksums are updated incrementally for the
    address change (RFC 1624); payload errors pass through unchanged."""
    t, u = text(64, "tcp data "), text(48, "udp data ")
    def flip(b, i):
        return b[:i] + bytes([b[i] ^ 0x40]) + b[i + 1:]
    seg_t4, seg_t6 = tcp(SERVER4, CLIENT4, 80, 40000, t), tcp(SERVER6, CLIENT6, 80, 40000, t)
    seg_u4, seg_u6 = udp(SERVER4, CLIENT4, 53, 40001, u), udp(SERVER6, CLIENT6, 53, 40001, u)
    inputs = [
        (ipv4(SERVER4, CLIENT4, TCP, seg_t4), "TCP"),
        (ipv4(SERVER4, CLIENT4, UDP, seg_u4), "UDP"),
        (ipv4(SERVER4, CLIENT4, TCP, flip(seg_t4, 30)), "TCP, payload byte 10 corrupted"),
        (ipv4(SERVER4, CLIENT4, UDP, flip(seg_u4, 20)), "UDP, payload byte 12 corrupted"),
    ]
    expected = [
        (ipv6(SERVER6, CLIENT6, TCP, seg_t6, hlim=63), ""),
        (ipv6(SERVER6, CLIENT6, UDP, seg_u6, hlim=63), ""),
        (ipv6(SERVER6, CLIENT6, TCP, flip(seg_t6, 30), hlim=63), "still corrupted"),
        (ipv6(SERVER6, CLIENT6, UDP, flip(seg_u6, 20), hlim=63), "still corrupted"),
    ]
    return inputs, expected


def zero_sum_payload(src6, dst6, sport, dport, n):
    """A payload of n bytes (n even) whose UDP checksum over the IPv6 pseudo-header
    computes to 0x0000 (and must therefore be sent as 0xFFFF)."""
    base = text(n - 2, "zero sum ") + b"\0\0"
    seg = struct.pack("!HHHH", sport, dport, 8 + n, 0) + base
    word = l4_checksum(UDP, src6, dst6, seg)  # = ~sum; adding it makes the sum 0xFFFF
    payload = base[:-2] + struct.pack("!H", word)
    seg = struct.pack("!HHHH", sport, dport, 8 + n, 0) + payload
    assert l4_checksum(UDP, src6, dst6, seg) == 0
    return payload


@fixture("rfc7915", "4.5", "udp-zero-checksum-calc", "udp-zero-checksum = calc computes the missing checksum",
         explain="""\
Default `udp-zero-checksum = "calc"`: an unfragmented IPv4 UDP datagram with checksum 0
(no checksum) gets its IPv6 checksum computed over the whole datagram. Packet 2's payload
is chosen so that the computed checksum is 0x0000, which UDP sends as 0xFFFF.""")
def rfc7915_4_5_zero_calc():
    """RFC 7915 §4.5: For UDP packets that do not contain a UDP checksum (i.e., the UDP
    checksum field is zero), the translator SHOULD provide a configuration function to
    allow: [...] 2. Calculating an IPv6 checksum and forwarding the packet (which has
    performance implications).
    RFC 768: If the computed checksum is zero, it is transmitted as all ones."""
    p1 = text(40, "no checksum ")
    p2 = zero_sum_payload(SERVER6, CLIENT6, 53, 40001, 30)
    inputs = [
        (udp4(SERVER4, CLIENT4, 53, 40000, p1, cksum=0), "UDP checksum 0"),
        (udp4(SERVER4, CLIENT4, 53, 40001, p2, cksum=0), "UDP checksum 0; computed value will be 0"),
    ]
    expected = [
        (udp6(SERVER6, CLIENT6, 53, 40000, p1, hlim=63), "checksum computed"),
        (ipv6(SERVER6, CLIENT6, UDP, udp(SERVER6, CLIENT6, 53, 40001, p2, cksum=0xFFFF), hlim=63), "checksum 0xffff"),
    ]
    return inputs, expected


@fixture("rfc7915", "4.5", "udp-zero-checksum-icmp", "udp-zero-checksum = icmp refuses with 3/13",
         config=cfg(**{"udp-zero-checksum": "icmp"}),
         explain="""\
`udp-zero-checksum = "icmp"`: the zero-checksum datagram is dropped and answered with
ICMPv4 3/13 (communication administratively prohibited, as Jool does) from ipv4-addr;
the datagram with a checksum is translated.""")
def rfc7915_4_5_zero_icmp():
    """RFC 7915 §4.5: 1. Dropping the packet and generating a system management event that
    specifies at least the IP addresses and port numbers of the packet.
    RFC 7915 §4.4: The ICMPv4 message, if sent, has a Type of 3 (Destination Unreachable)
    and a Code of 13 (Communication Administratively Prohibited)."""
    pk1 = udp4(SERVER4, CLIENT4, 53, 40000, text(20, "no checksum "), cksum=0)
    p2 = text(20, "with checksum ")
    inputs = [(pk1, "UDP checksum 0"), (udp4(SERVER4, CLIENT4, 53, 40001, p2), "UDP with a checksum")]
    expected = [(self_err4(SERVER4, 3, 13, bytes(4), pk1), "3/13 from ipv4-addr"),
                (udp6(SERVER6, CLIENT6, 53, 40001, p2, hlim=63), "")]
    return inputs, expected


@fixture("rfc7915", "4.5", "udp-zero-checksum-drop", "udp-zero-checksum = drop drops silently",
         config=cfg(**{"udp-zero-checksum": "drop"}),
         explain="""\
`udp-zero-checksum = "drop"`: the zero-checksum datagram is dropped without an answer
(`drop_udp_zero_checksum`); the datagram with a checksum is translated.""")
def rfc7915_4_5_zero_drop():
    """RFC 7915 §4.5: For UDP packets that do not contain a UDP checksum (i.e., the UDP
    checksum field is zero), the translator SHOULD provide a configuration function to
    allow: 1. Dropping the packet and generating a system management event that specifies
    at least the IP addresses and port numbers of the packet."""
    p2 = text(20, "with checksum ")
    inputs = [(udp4(SERVER4, CLIENT4, 53, 40000, text(20, "no checksum "), cksum=0), "UDP checksum 0: dropped"),
              (udp4(SERVER4, CLIENT4, 53, 40001, p2), "UDP with a checksum")]
    return inputs, [(udp6(SERVER6, CLIENT6, 53, 40001, p2, hlim=63), "")]


@fixture("rfc7915", "4.5", "fragmented-zero-checksum-udp-dropped",
         "a fragmented zero-checksum UDP datagram cannot be fixed and is dropped",
         explain="""\
Default `calc` mode. The first fragment carries a UDP header with checksum 0: the checksum
covers the whole datagram, which a stateless translator never sees, so the fragment is
dropped silently (`drop_udp_zero_checksum_fragment`). The second fragment carries no UDP
header, so nothing tells the translator it belongs to that datagram: it is translated
like any fragment (and the destination will discard it when reassembly times out).""")
def rfc7915_4_5_zero_fragment():
    """RFC 7915 §4.5: A stateless translator cannot compute the UDP checksum of fragmented
    packets, so when a stateless translator receives the first fragment of a fragmented UDP
    IPv4 packet and the checksum field is zero, the translator SHOULD drop the packet and
    generate a system management event that specifies at least the IP addresses and port
    numbers in the packet."""
    data = udp(SERVER4, CLIENT4, 53, 40000, pattern(392, 92), cksum=0)
    inputs = [
        (ipv4(SERVER4, CLIENT4, UDP, data[:200], ident=0x0ABC, mf=True), "first fragment, UDP checksum 0: dropped"),
        (ipv4(SERVER4, CLIENT4, UDP, data[200:], ident=0x0ABC, offset=25), "second fragment: translated"),
    ]
    expected = [(ipv6(SERVER6, CLIENT6, FRAGMENT, frag6(UDP, 25, False, 0x0ABC) + data[200:], hlim=63), "")]
    return inputs, expected


@fixture("rfc7915", "4.5", "unknown-protocol-passed-through", "other transport protocols pass through unchanged",
         explain="""\
SCTP (132; its CRC32c covers no pseudo-header), GRE (47) and the experimental protocol 253
are copied: next header = protocol, payload byte for byte.""")
def rfc7915_4_5_unknown_protocol():
    """RFC 7915 §4.5: Other transport protocols (e.g., the Datagram Congestion Control
    Protocol (DCCP)) are OPTIONAL to support. In order to ease debugging and
    troubleshooting, translators MUST forward all transport protocols as described in the
    "Next Header" step of Section 4.1."""
    payloads = {132: pattern(48, 132), 47: struct.pack("!HH", 0, 0x0800) + pattern(28, 47), 253: pattern(21, 253)}
    inputs = [(ipv4(SERVER4, CLIENT4, proto, data, ident=proto), f"protocol {proto}") for proto, data in payloads.items()]
    expected = [(ipv6(SERVER6, CLIENT6, proto, data, hlim=63), "") for proto, data in payloads.items()]
    return inputs, expected


@fixture("rfc7915", "1.2", "fragmented-icmp-dropped", "fragmented ICMPv4 and ICMPv6 are not translated",
         explain="""\
Both fragments of a 2000-byte ICMPv4 echo request and both fragments of a 2000-byte
ICMPv6 echo request are dropped (`drop_fragmented_icmp_4/6`): the ICMPv6 checksum covers
a pseudo-header carrying the whole message length, unknown to a stateless translator.
Canaries in both directions follow.""")
def rfc7915_1_2_fragmented_icmp():
    """RFC 7915 §1.2: Fragmented ICMP/ICMPv6 packets will not be translated by IP/ICMP
    translators."""
    data = pattern(1992, 93)
    m4 = icmp4(8, 0, echo(0x99, 1), data)
    m6 = icmp6(CLIENT6, SERVER6, 128, 0, echo(0x99, 2), data)
    inputs = [
        (ipv4(SERVER4, CLIENT4, ICMP, m4[:1480], ident=0x0999, mf=True), "ICMPv4 first fragment: dropped"),
        (ipv4(SERVER4, CLIENT4, ICMP, m4[1480:], ident=0x0999, offset=185), "ICMPv4 last fragment: dropped"),
        (ipv6(CLIENT6, SERVER6, FRAGMENT, frag6(ICMPV6, 0, True, 0x99) + m6[:1232]), "ICMPv6 first fragment: dropped"),
        (ipv6(CLIENT6, SERVER6, FRAGMENT, frag6(ICMPV6, 154, False, 0x99) + m6[1232:]), "ICMPv6 last fragment: dropped"),
    ]
    c4_in, c4_out = canary_4to6()
    c6_in, c6_out = canary_6to4()
    return inputs + [c4_in, c6_in], [c4_out, c6_out]


# ---------------------------------------------------------------------------------------
# RFC 7915 §5: IPv6 → IPv4. IPv4 packets the translator builds carry an Identification of
# its own choosing (RFC 6864: free for atomic datagrams); expected packets hold 0 there and
# the comparison ignores it (see pcap-fixtures/README.md).

def df_for(total):
    """RFC 7915 §5.1: DF = 0 up to 1260 bytes, 1 above."""
    return total > 1260


@fixture("rfc7915", "5.1", "traffic-class-to-tos-and-ttl-decrement",
         "Traffic Class becomes TOS, TTL = hop limit - 1, the flow label is lost",
         explain="""\
Each IPv6 packet becomes an IPv4 packet with IHL 5, TOS = traffic class (all 8 bits), total
length = payload length + 20, MF 0, offset 0, DF 0 (all are under 1260 bytes), TTL = hop
limit - 1 and the checksum updated for the IPv4 pseudo-header. The flow label (0x12345 in
packet 1) has no IPv4 counterpart.""")
def rfc7915_5_1_tc_ttl():
    """RFC 7915 §5.1: Version: 4. Internet Header Length: 5 (no IPv4 options). Type of
    Service (TOS) Octet: By default, copied from the IPv6 Traffic Class (all 8 bits). [...]
    Total Length: Payload length value from the IPv6 header, plus the size of the IPv4
    header. [...] Time to Live: Time to Live is derived from Hop Limit value in IPv6 header.
    Since the translator is a router, as part of forwarding the packet it needs to decrement
    either the IPv6 Hop Limit (before the translation) or the IPv4 TTL (after the
    translation)."""
    p1, p2, p3 = text(100, "tcp "), text(30, "hop two "), text(30, "all ones ")
    inputs = [
        (tcp6(CLIENT6, SERVER6, 40000, 80, p1, hlim=64, tc=0xB9, fl=0x12345), "TC 0xb9, flow label 0x12345"),
        (udp6(CLIENT6, SERVER6, 40000, 53, p2, hlim=2), "hop limit 2: forwarded with TTL 1"),
        (udp6(CLIENT6, SERVER6, 40001, 53, p3, hlim=255, tc=0xFF), "TC 0xff, hop limit 255"),
    ]
    expected = [
        (tcp4(CLIENT4, SERVER4, 40000, 80, p1, ttl=63, tos=0xB9), ""),
        (udp4(CLIENT4, SERVER4, 40000, 53, p2, ttl=1), ""),
        (udp4(CLIENT4, SERVER4, 40001, 53, p3, ttl=254, tos=0xFF), ""),
    ]
    return inputs, expected


@fixture("rfc7915", "5.1", "df-set-above-1260-bytes", "DF is 0 up to 1260 bytes of IPv4 and 1 above",
         explain="""\
A 1280-byte IPv6 packet becomes a 1260-byte IPv4 packet with DF 0 (IPv4 routers may
fragment it, as an IPv6 path must carry 1280 bytes anyway); a 1281-byte one becomes 1261
bytes with DF 1, and a 1500-byte one 1480 bytes with DF 1 (path MTU discovery works end to
end). Tayga uses 1300 instead of 1280; docs/rfc-compliance.md follows the RFC.""")
def rfc7915_5_1_df():
    """RFC 7915 §5.1: Flags: The More Fragments flag is set to zero. The Don't Fragment (DF)
    flag is set as follows: If the size of the translated IPv4 packet is less than or equal
    to 1260 bytes, it is set to zero; otherwise, it is set to one.
    RFC 7915 §5: When the resulting IPv4 packet is smaller than or equal to 1260 bytes, the
    translator MUST send the packet with a cleared Don't Fragment bit. Otherwise, the packet
    MUST be sent with the Don't Fragment bit set."""
    inputs, expected = [], []
    for i, size6 in enumerate([1280, 1281, 1500]):
        data = pattern(size6 - 60, 100 + i)
        inputs.append((tcp6(CLIENT6, SERVER6, 40000 + i, 80, data), f"{size6} bytes"))
        out = tcp4(CLIENT4, SERVER4, 40000 + i, 80, data, ttl=63, df=df_for(size6 - 20))
        expected.append((out, f"{size6 - 20} bytes, DF {int(df_for(size6 - 20))}"))
    return inputs, expected


@fixture("rfc7915", "5.1", "hop-limit-1-becomes-time-exceeded", "hop limit 1 is answered with ICMPv6 Time Exceeded",
         explain="""\
Both packets arrive with hop limit 1 and are answered with ICMPv6 Time Exceeded 3/0 from
ipv6-addr 2001:db8:ffff::1, hop limit 64, traffic class 0 (not the 0x20 of packet 2),
quoting the packet as received: all of packet 2, and the first 1232 bytes of the 1400-byte
packet 1 so that the error is 1280 bytes.""")
def rfc7915_5_1_hop_limit():
    """RFC 7915 §5.1: As part of decrementing the TTL or Hop Limit the translator (as any
    router) MUST check for zero and send the ICMPv4 "TTL Exceeded" or ICMPv6 "Hop Limit
    Exceeded" error.
    RFC 4443 §3.3: If a router receives a packet with a Hop Limit of zero, or if a router
    decrements a packet's Hop Limit to zero, it MUST discard the packet and originate an
    ICMPv6 Time Exceeded message with Code 0 to the source of the packet."""
    pk1 = udp6(CLIENT6, SERVER6, 33434, 33435, pattern(1352, 110), hlim=1)
    pk2 = udp6(CLIENT6, SERVER6, 33434, 33436, text(20, "probe "), hlim=1, tc=0x20)
    assert len(pk1) == 1400
    e1 = self_err6(CLIENT6, 3, 0, bytes(4), pk1)
    assert len(e1) == 1280
    return ([(pk1, "hop limit 1, 1400 bytes"), (pk2, "hop limit 1")],
            [(e1, "1280 bytes"), (self_err6(CLIENT6, 3, 0, bytes(4), pk2), "whole packet quoted")])


@fixture("rfc7915", "5.1", "extension-headers-removed",
         "Hop-by-Hop, Destination Options and Routing (Segments Left 0) headers are skipped",
         explain="""\
Hop-by-Hop Options, Destination Options and a Routing header with Segments Left 0, alone and
chained, disappear: protocol = the upper-layer next header, total length = payload length
- extension headers + 20. The transport checksum only changes for the pseudo-header
(Segments Left 0: the IPv6 destination is the final one). Packet 5 has a Hop-by-Hop header
*before* a Fragment Header: the Hop-by-Hop header is skipped and the Fragment Header
becomes IPv4 fragment fields (ID 0x3456, MF, DF 0), the UDP checksum in this first
fragment being updated for the whole 208-byte datagram.""")
def rfc7915_5_1_extension_headers():
    """RFC 7915 §5.1: If any of an IPv6 Hop-by-Hop Options header, Destination Options
    header, or Routing header with the Segments Left field equal to zero are present in the
    IPv6 packet, those IPv6 extension headers MUST be ignored (i.e., there is no attempt to
    translate them). However, the Total Length field and the Protocol field are adjusted to
    "skip" these extension headers."""
    rt_addr = "2001:db8:6::99"
    p = [text(24, f"ext {i} ") for i in range(5)]
    seg = [udp(CLIENT6, SERVER6, 40000 + i, 53, p[i]) for i in range(3)]
    t6 = tcp(CLIENT6, SERVER6, 40003, 80, p[3])
    inputs = [
        (ipv6(CLIENT6, SERVER6, HOPOPT, padn_ext(UDP) + seg[0]), "Hop-by-Hop"),
        (ipv6(CLIENT6, SERVER6, DSTOPTS, padn_ext(UDP, 1) + seg[1]), "Destination Options (16 bytes)"),
        (ipv6(CLIENT6, SERVER6, ROUTING, routing_ext(UDP, 0, [rt_addr]) + seg[2]), "Routing, Segments Left 0"),
        (ipv6(CLIENT6, SERVER6, HOPOPT, padn_ext(DSTOPTS) + padn_ext(ROUTING) + routing_ext(DSTOPTS, 0, [rt_addr])
              + padn_ext(TCP) + t6), "Hop-by-Hop, DestOpts, Routing (SL 0), DestOpts, TCP"),
    ]
    expected = [(udp4(CLIENT4, SERVER4, 40000 + i, 53, p[i], ttl=63), "") for i in range(3)]
    expected.append((tcp4(CLIENT4, SERVER4, 40003, 80, p[3], ttl=63), ""))
    whole6 = udp(CLIENT6, SERVER6, 40004, 53, pattern(200, 111))
    whole4 = udp(CLIENT4, SERVER4, 40004, 53, pattern(200, 111))
    inputs.append((ipv6(CLIENT6, SERVER6, HOPOPT, padn_ext(FRAGMENT) + frag6(UDP, 0, True, 0x00123456) + whole6[:104]),
                   "Hop-by-Hop then Fragment Header (first fragment)"))
    expected.append((ipv4(CLIENT4, SERVER4, UDP, whole4[:104], ttl=63, ident=0x3456, mf=True), "IPv4 first fragment"))
    return inputs, expected


@fixture("rfc7915", "5.1", "segments-left-becomes-parameter-problem",
         "a Routing header with Segments Left != 0 is answered with Parameter Problem",
         explain="""\
Packet 1 has a type-0 Routing header with Segments Left 1 right after the IPv6 header: the
Segments Left octet is byte 40 + 3 = 43. Packet 2 has an 8-byte Hop-by-Hop header first
and a type-4 (segment routing) header with Segments Left 2: byte 40 + 8 + 3 = 51. Both are
dropped and answered with ICMPv6 4/0 from ipv6-addr (hop limit 64, traffic class 0)
pointing there, quoting the packet.""")
def rfc7915_5_1_segments_left():
    """RFC 7915 §5.1: If a Routing header with a non-zero Segments Left field is present,
    then the packet MUST NOT be translated, and an ICMPv6 "parameter problem/erroneous
    header field encountered" (Type 4, Code 0) error message, with the Pointer field
    indicating the first byte of the Segments Left field, SHOULD be returned to the
    sender."""
    hops = ["2001:db8:6::98", "2001:db8:6::99"]
    pk1 = ipv6(CLIENT6, SERVER6, ROUTING, routing_ext(UDP, 1, hops[:1]) + udp(CLIENT6, hops[0], 40000, 53, text(16)))
    srh = bytes([UDP, 4, 4, 2, 1, 0, 0, 0]) + a6(hops[1]) + a6(hops[0])
    pk2 = ipv6(CLIENT6, SERVER6, HOPOPT, padn_ext(ROUTING) + srh + udp(CLIENT6, hops[0], 40001, 53, text(16)))
    assert pk1[43] == 1 and pk2[51] == 2
    return ([(pk1, "Routing type 0, Segments Left 1"), (pk2, "Hop-by-Hop, then Routing type 4, Segments Left 2")],
            [(self_err6(CLIENT6, 4, 0, u32(43), pk1), "pointer 43"),
             (self_err6(CLIENT6, 4, 0, u32(51), pk2), "pointer 51")])


@fixture("rfc7915", "5.1", "fragment-header-becomes-ipv4-fragment",
         "the Fragment Header becomes the IPv4 ID, MF and offset, with DF 0",
         explain="""\
Two IPv6 fragments (ID 0x12345678) of a 1208-byte UDP datagram: 1000 bytes at offset 0
with M, 208 at offset 1000. Each becomes an IPv4 fragment with ID 0x5678 (low 16 bits),
the same offset and MF, DF 0, protocol 17, total length = fragment data + 20; the UDP
checksum in the first fragment is updated for the whole datagram's IPv4 pseudo-header.
Packet 3 is an atomic fragment (offset 0, no M, ID 0xabcd1234) of 1400 bytes: its IPv4
version has MF 0, offset 0 and DF 0, although at 1372 bytes the 1260-byte rule alone
would set DF (an IPv4 Identification can only be masked by the comparison here, since the
packet is not a fragment).""")
def rfc7915_5_1_fragment_header():
    """RFC 7915 §5.1.1: If the IPv6 packet contains a Fragment Header, the header fields
    are set as above with the following exceptions: Total Length: If the Next Header field
    of the Fragment Header is an extension header [...] Identification: Copied from the
    low-order 16 bits in the Identification field in the Fragment Header. Flags: The IPv4
    More Fragments (MF) flag is copied from the M flag in the IPv6 Fragment Header. The
    IPv4 Don't Fragment (DF) flag is cleared (set to zero), allowing this packet to be
    further fragmented by IPv4 routers. Fragment Offset: Copied from the Fragment Offset
    field of the IPv6 Fragment Header. Protocol: For ICMPv6 (58), it is changed to ICMP (1);
    otherwise, extension headers are skipped, and the Next Header field is copied from the
    last IPv6 header."""
    data = pattern(1200, 120)
    d6, d4 = udp(CLIENT6, SERVER6, 40000, 53, data), udp(CLIENT4, SERVER4, 40000, 53, data)
    atomic = pattern(1344, 121)
    a6_, a4_ = udp(CLIENT6, SERVER6, 40001, 53, atomic), udp(CLIENT4, SERVER4, 40001, 53, atomic)
    inputs = [
        (ipv6(CLIENT6, SERVER6, FRAGMENT, frag6(UDP, 0, True, 0x12345678) + d6[:1000]), "first fragment, M"),
        (ipv6(CLIENT6, SERVER6, FRAGMENT, frag6(UDP, 125, False, 0x12345678) + d6[1000:]), "last fragment, offset 1000"),
        (ipv6(CLIENT6, SERVER6, FRAGMENT, frag6(UDP, 0, False, 0xABCD1234) + a6_), "atomic fragment, 1400 bytes"),
    ]
    expected = [
        (ipv4(CLIENT4, SERVER4, UDP, d4[:1000], ttl=63, ident=0x5678, mf=True), "ID 0x5678, MF"),
        (ipv4(CLIENT4, SERVER4, UDP, d4[1000:], ttl=63, ident=0x5678, offset=125), "ID 0x5678, offset 1000"),
        (ipv4(CLIENT4, SERVER4, UDP, a4_, ttl=63, ident=0x1234), "1372 bytes, DF 0"),
    ]
    assert len(inputs[2][0]) == 1400
    return inputs, expected


@fixture("rfc7915", "5.1", "bad-fragment-header-chains-dropped",
         "an extension header after the Fragment Header, or two Fragment Headers, drop the packet",
         explain="""\
Packet 1: a Destination Options header after the Fragment Header. Packet 2: two Fragment
Headers. Removing the later header would shift the offsets of the other fragments, so
docs/rfc-compliance.md drops them silently (`drop_bad_header_6`; Jool answers 1/1
instead, which the RFC's "SHOULD be dropped and logged" does not ask for). The canary
follows.""")
def rfc7915_5_1_bad_fragment_chain():
    """RFC 7915 §5.1.1: Total Length: If the Next Header field of the Fragment Header is an
    extension header (except ESP, but including the Authentication Header (AH)), then the
    packet SHOULD be dropped and logged."""
    seg = udp(CLIENT6, SERVER6, 40000, 53, text(16))
    inputs = [
        (ipv6(CLIENT6, SERVER6, FRAGMENT, frag6(DSTOPTS, 0, False, 0x51) + padn_ext(UDP) + seg), "Fragment, DestOpts: dropped"),
        (ipv6(CLIENT6, SERVER6, FRAGMENT, frag6(FRAGMENT, 0, False, 0x52) + frag6(UDP, 0, False, 0x53) + seg),
         "two Fragment Headers: dropped"),
    ]
    c_in, c_out = canary_6to4()
    return inputs + [c_in], [c_out]


@fixture("rfc7915", "5.1", "icmpv4-in-ipv6-dropped", "IPv6 packets carrying ICMPv4 (protocol 1) are dropped",
         explain="""\
An IPv6 packet whose next header is 1 carries ICMPv4, which has no meaning in IPv6 and
would come out as an IPv4 ICMP message nobody checked. docs/rfc-compliance.md drops it
silently (`drop_protocol_6`), as Tayga does. The canary follows.""")
def rfc7915_5_1_icmpv4_in_ipv6():
    """RFC 7915 §5.1: Protocol: [...] ICMPv6 (58) is changed to ICMPv4 (1), and the payload
    is translated as discussed in Section 5.2.
    docs/rfc-compliance.md §5.5: IPv6 packets carrying protocol 1 are dropped
    (`drop_protocol_6`)."""
    inputs = [(ipv6(CLIENT6, SERVER6, ICMP, icmp4(8, 0, echo(1, 1), text(16))), "next header 1: dropped")]
    c_in, c_out = canary_6to4()
    return inputs + [c_in], [c_out]


@fixture("rfc7915", "5.2", "echo-request-and-reply", "ICMPv6 echo request/reply become ICMPv4 8/0",
         explain="""\
Type 128 becomes 8 and 129 becomes 0; identifier, sequence and data are kept; the ICMPv4
checksum no longer covers a pseudo-header.""")
def rfc7915_5_2_echo():
    """RFC 7915 §5.2: Echo Request and Echo Reply (Type 128 and 129): Adjust the Type values
    to 8 and 0, respectively, and adjust the ICMP checksum both to take the type change
    into account and to exclude the ICMPv6 pseudo-header."""
    data = text(56, "ping6 ")
    inputs = [(echo6(CLIENT6, SERVER6, 128, 0x1234, 1, data), "echo request"),
              (echo6(CLIENT6, SERVER6, 129, 0x1235, 9, data, tc=0x20), "echo reply")]
    expected = [(echo4(CLIENT4, SERVER4, 8, 0x1234, 1, data, ttl=63), ""),
                (echo4(CLIENT4, SERVER4, 0, 0x1235, 9, data, ttl=63, tos=0x20), "")]
    return inputs, expected


@fixture("rfc7915", "5.2", "nd-and-mld-dropped", "MLD, ND and unknown ICMPv6 types are dropped silently",
         explain="""\
MLD (130, 131, 132, 143), Neighbor Discovery (133..137), an unknown informational type
(139, Node Information Query, which RFC 7915 does not translate) and an unknown error type
(100) are dropped without an answer (`drop_icmp_type_6`). They are sent from the client's
global address to a translatable destination with hop limit 64 so that only the type rule
can drop them (see 5.2-nd-and-mld-from-link-local-dropped for realistic ones).""")
def rfc7915_5_2_dropped_types():
    """RFC 7915 §5.2: MLD Multicast Listener Query/Report/Done (Type 130, 131, 132):
    Single-hop message. Silently drop. Neighbor Discover messages (Type 133 through 137):
    Single-hop message. Silently drop. Unknown informational messages: Silently drop. [...]
    Unknown error messages: Silently drop."""
    quote = udp6(SERVER6, CLIENT6, 53, 40000, text(8), hlim=62)
    msgs = [
        (130, 0, struct.pack("!HH", 1000, 0), bytes(16)),
        (131, 0, bytes(4), a6("ff0e::1")),
        (132, 0, bytes(4), a6("ff0e::1")),
        (143, 0, struct.pack("!HH", 0, 0), b""),
        (133, 0, bytes(4), b""),
        (134, 0, struct.pack("!BBH", 64, 0, 1800), bytes(8)),
        (135, 0, bytes(4), a6(SERVER6)),
        (136, 0, struct.pack("!I", 0x60000000), a6(CLIENT6)),
        (137, 0, bytes(4), a6("2001:db8:6::1") + a6(SERVER6)),
        (139, 0, struct.pack("!HH", 3, 0), bytes(8)),
        (100, 0, bytes(4), quote),
    ]
    inputs = [(ipv6(CLIENT6, SERVER6, ICMPV6, icmp6(CLIENT6, SERVER6, t, c, rest, body)), f"type {t}: dropped")
              for t, c, rest, body in msgs]
    c_in, c_out = canary_6to4()
    return inputs + [c_in], [c_out]


@fixture("rfc7915", "5.2", "nd-and-mld-from-link-local-dropped",
         "real Neighbor Discovery and MLD traffic is dropped without an answer",
         explain="""\
What a TUN really sees: a Neighbor Solicitation and a Router Solicitation from fe80::1 to
multicast groups (hop limit 255), an MLDv2 report to ff02::16 (hop limit 1, Hop-by-Hop
Router Alert) and a Neighbor Advertisement to a link-local unicast address. All are dropped
silently: link-local sources are never translated, and no ICMPv6 error may answer an ICMPv6
message (RFC 7915 §5.4) or a packet sent to a multicast address (RFC 4443 §2.4 (e.3)).""")
def rfc7915_5_2_nd_realistic():
    """RFC 7915 §5.2: MLD Multicast Listener Query/Report/Done (Type 130, 131, 132):
    Single-hop message. Silently drop. Neighbor Discover messages (Type 133 through 137):
    Single-hop message. Silently drop.
    RFC 7915 §5.4: If the IPv6 packet is discarded, then the translator SHOULD send back an
    ICMPv6 error message to the original sender of the packet, unless the discarded packet
    is itself an ICMPv6 message."""
    ll, ll2 = "fe80::1", "fe80::2"
    sol = "ff02::1:ff00:5"
    ra_opt = bytes([5, 2, 0, 0, 0, 0])  # Router Alert (MLD)
    hbh = bytes([ICMPV6, 0]) + ra_opt
    mld = icmp6(ll, "ff02::16", 143, 0, struct.pack("!HH", 0, 1), bytes([4, 0]) + struct.pack("!H", 0) + a6("ff0e::1"))
    inputs = [
        (ipv6(ll, sol, ICMPV6, icmp6(ll, sol, 135, 0, bytes(4), a6(CLIENT6)), hlim=255), "Neighbor Solicitation"),
        (ipv6(ll, "ff02::2", ICMPV6, icmp6(ll, "ff02::2", 133, 0, bytes(4)), hlim=255), "Router Solicitation"),
        (ipv6(ll, "ff02::16", HOPOPT, hbh + mld, hlim=1), "MLDv2 report"),
        (ipv6(ll, ll2, ICMPV6, icmp6(ll, ll2, 136, 0, struct.pack("!I", 0x40000000), a6(ll)), hlim=255),
         "Neighbor Advertisement"),
    ]
    c_in, c_out = canary_6to4()
    return inputs + [c_in], [c_out]


def server_reply6(payload, hlim=62, tc=0, sport=53, dport=40000):
    """The server's UDP datagram as the IPv6 side sees it (after translation)."""
    return udp6(SERVER6, CLIENT6, sport, dport, payload, hlim=hlim, tc=tc)


def server_reply4(payload, ttl=62, tos=0, sport=53, dport=40000, df=False):
    """The same datagram as the IPv4 server wrote it, as the inner packet of a translated
    error: TTL = the quoted hop limit, DF by the 1260-byte rule, ID free."""
    return udp4(SERVER4, CLIENT4, sport, dport, payload, ttl=ttl, tos=tos, df=df)


@fixture("rfc7915", "5.2", "error-type-and-code-map", "ICMPv6 error types and codes map to ICMPv4",
         explain="""\
The IPv6 router 2001:db8:6::fe (EAM 198.51.100.254) reports on the server's UDP datagram.
Destination Unreachable codes 0..4 map as the RFC lists; codes 5, 6 and 7 are dropped.
Time Exceeded keeps its code. The outer IPv4 header: TTL 63, DF 0; the inner one: the
server's IPv4 datagram with TTL = the quoted hop limit (62), DF 0, its UDP checksum
updated.""")
def rfc7915_5_2_error_codes():
    """RFC 7915 §5.2: Destination Unreachable (Type 1) Set the Type to 3, and adjust the
    ICMP checksum both to take the type/code change into account and to exclude the ICMPv6
    pseudo-header. Translate the Code as follows: Code 0 (No route to destination): Set the
    Code to 1 (Host unreachable). Code 1 (Communication with destination administratively
    prohibited): Set the Code to 10 (Communication with destination host administratively
    prohibited). Code 2 (Beyond scope of source address): Set the Code to 1 (Host
    unreachable). [...] Code 3 (Address unreachable): Set the Code to 1 (Host unreachable).
    Code 4 (Port unreachable): Set the Code to 3 (Port unreachable). Other Code values:
    Silently drop. [...] Time Exceeded (Type 3): Set the Type to 11, and adjust the ICMPv4
    checksum both to take the type change into account and to exclude the ICMPv6
    pseudo-header. The Code is unchanged."""
    table = {0: 1, 1: 10, 2: 1, 3: 1, 4: 3, 5: None, 6: None, 7: None}
    inputs, expected = [], []
    for code, v4code in table.items():
        p = text(12, f"code {code} ")
        inner6, inner4 = server_reply6(p, dport=41000 + code), server_reply4(p, dport=41000 + code)
        inputs.append((err6(ROUTER6, SERVER6, 1, code, bytes(4), inner6), f"1/{code}" + ("" if v4code else ": dropped")))
        if v4code is not None:
            expected.append((err4(ROUTER6_4, SERVER4, 3, v4code, bytes(4), inner4, ttl=63), f"1/{code} → 3/{v4code}"))
    for code in (0, 1):
        p = text(12, f"hop {code} ")
        inner6, inner4 = server_reply6(p, hlim=1, dport=42000 + code), server_reply4(p, ttl=1, dport=42000 + code)
        inputs.append((err6(ROUTER6, SERVER6, 3, code, bytes(4), inner6), f"3/{code}"))
        expected.append((err4(ROUTER6_4, SERVER4, 11, code, bytes(4), inner4, ttl=63), f"3/{code} → 11/{code}"))
    return inputs, expected


@fixture("rfc7915", "5.2", "packet-too-big-becomes-frag-needed",
         "Packet Too Big becomes Fragmentation Needed with MTU - 20",
         explain="""\
`mtu` = 1500. The IPv6 router 2001:db8:6::fe cannot forward the server's 1400-byte IPv6
datagram (1380 bytes in IPv4, sent with DF). docs/rfc-compliance.md: MTU =
max(68, min(MTU - 20, mtu - 20)): PTB 1280 → 1260; 1400 → 1380; 1500 → 1480; 9000 →
min(8980, 1480) = 1480; 1000 → 980; 80 → 60 → 68. The MTU goes into the low 16 bits of the
second ICMPv4 word. The quoted datagram becomes the server's IPv4 datagram (total length
1380, TTL = quoted hop limit, DF 1 because 1380 > 1260, UDP checksum updated) cut so that
the error is 576 bytes.""")
def rfc7915_5_2_packet_too_big():
    """RFC 7915 §5.2: Packet Too Big (Type 2): Translate to an ICMPv4 Destination
    Unreachable (Type 3) with Code 4, and adjust the ICMPv4 checksum both to take the
    type change into account and to exclude the ICMPv6 pseudo-header. The MTU field MUST
    be adjusted for the difference between the IPv4 and IPv6 header sizes, taking into
    account whether or not the packet in error includes a Fragment Header, i.e.,
    minimum(advertised MTU-20, MTU_of_IPv4_nexthop, (MTU_of_IPv6_nexthop)-20)."""
    data = pattern(1352, 130)
    inner6, inner4 = server_reply6(data), server_reply4(data, df=True)
    assert (len(inner6), len(inner4)) == (1400, 1380)
    inputs, expected = [], []
    for ptb, fn in [(1280, 1260), (1400, 1380), (1500, 1480), (9000, 1480), (1000, 980), (80, 68)]:
        inputs.append((err6(ROUTER6, SERVER6, 2, 0, u32(ptb), inner6[:1232]), f"PTB {ptb}"))
        expected.append((err4(ROUTER6_4, SERVER4, 3, 4, rest_mtu4(fn), inner4[:548], ttl=63), f"next-hop MTU {fn}"))
    return inputs, expected


@fixture("rfc7915", "5.2", "parameter-problem-pointer-map",
         "Parameter Problem pointers follow Figure 6; code 1 becomes Protocol Unreachable",
         explain="""\
Code 0 with pointers 0..8, 23, 24, 39 and 40: by RFC 7915 Figure 6, 0→0, 1→1, 4,5→2,
6→9, 7→8, 8..23→12, 24..39→16; 2 and 3 (flow label) are n/a and 40 is not listed, so
those are dropped. Code 1 (unrecognized next header, pointer 6) becomes Destination
Unreachable, Protocol Unreachable (3/2) with no pointer. Code 2 (unrecognized option) and
the unknown code 3 are dropped. The ICMPv4 pointer is the first octet of the second
word.""")
def rfc7915_5_2_pointer_map():
    """RFC 7915 §5.2: Parameter Problem (Type 4): Translate the Type and Code as follows,
    and adjust the ICMP checksum both to take the type/code change into account and to
    exclude the ICMPv6 pseudo-header. Translate the Code as follows: Code 0 (Erroneous
    header field encountered): Set the Type to 12 (Parameter Problem) and the Code to 0
    (Pointer indicates the error), and update the pointer as defined in Figure 6. (If the
    Original IPv6 Pointer Value is not listed or the Translated IPv4 Pointer Value is listed
    as "n/a", silently drop the packet.) Code 1 (Unrecognized Next Header type
    encountered): Translate this to an ICMPv4 protocol unreachable (Type 3, Code 2). Code 2
    (Unrecognized IPv6 option encountered): Silently drop. Unknown error messages: Silently
    drop."""
    figure6 = {0: 0, 1: 1, 4: 2, 5: 2, 6: 9, 7: 8, 8: 12, 23: 12, 24: 16, 39: 16}
    cases = [(0, p) for p in (0, 1, 2, 3, 4, 5, 6, 7, 8, 23, 24, 39, 40)] + [(1, 6), (2, 40), (3, 0)]
    inputs, expected = [], []
    for i, (code, ptr) in enumerate(cases):
        p = text(12, f"pp {i} ")
        inner6, inner4 = server_reply6(p, dport=43000 + i), server_reply4(p, dport=43000 + i)
        if code == 0 and ptr in figure6:
            out = err4(ROUTER6_4, SERVER4, 12, 0, rest_pointer4(figure6[ptr]), inner4, ttl=63)
            note = f"pointer {ptr} → {figure6[ptr]}"
        elif code == 1:
            out, note = err4(ROUTER6_4, SERVER4, 3, 2, bytes(4), inner4, ttl=63), "Protocol Unreachable"
        else:
            out, note = None, ""
        inputs.append((err6(ROUTER6, SERVER6, 4, code, u32(ptr), inner6),
                       f"4/{code} pointer {ptr}" + ("" if out else ": dropped")))
        if out:
            expected.append((out, note))
    return inputs, expected


@fixture("rfc7915", "5.3", "port-unreachable-inner-packets-translated",
         "the packet inside an ICMPv6 error is translated like a normal packet",
         explain="""\
Packet 1: the client answers the server's UDP datagram with Port Unreachable; it becomes
3/3 from 198.51.100.5 to 203.0.113.10 (TTL 63) whose inner packet is the server's IPv4
datagram (TTL = quoted hop limit 63, DF 0, UDP checksum updated). Packet 2: Address
Unreachable about an echo request becomes Host Unreachable (3/1) whose inner packet is
the ICMPv4 echo request (type 8, checksum without pseudo-header) the server sent. Packet
3: Time Exceeded about a TCP SYN (inner hop limit 1 → TTL 1).""")
def rfc7915_5_3_inner_translated():
    """RFC 7915 §5.3: The ICMP error messages containing the packet in error MUST be
    translated just like a normal IP packet (except that the TTL/Hop Limit value of the
    inner IPv4/IPv6 packet are not decremented). The translation of this "packet in error"
    is likely to change the length of the datagram; thus, the Total Length field in the
    outer IPv4 header MUST be updated."""
    p = text(60, "dns answer ")
    data = text(40, "ping from v4 ")
    syn6 = ipv6(SERVER6, CLIENT6, TCP, tcp(SERVER6, CLIENT6, 80, 40000, b"", seq=5, ack=0, flags=0x02), hlim=1)
    syn4 = ipv4(SERVER4, CLIENT4, TCP, tcp(SERVER4, CLIENT4, 80, 40000, b"", seq=5, ack=0, flags=0x02), ttl=1)
    inputs = [
        (err6(CLIENT6, SERVER6, 1, 4, bytes(4), server_reply6(p, hlim=63)), "Port Unreachable"),
        (err6(ROUTER6, SERVER6, 1, 3, bytes(4), echo6(SERVER6, CLIENT6, 128, 0x42, 1, data, hlim=60)), "Address Unreachable"),
        (err6(ROUTER6, SERVER6, 3, 0, bytes(4), syn6), "Time Exceeded"),
    ]
    expected = [
        (err4(CLIENT4, SERVER4, 3, 3, bytes(4), server_reply4(p, ttl=63), ttl=63), ""),
        (err4(ROUTER6_4, SERVER4, 3, 1, bytes(4), echo4(SERVER4, CLIENT4, 8, 0x42, 1, data, ttl=60), ttl=63), ""),
        (err4(ROUTER6_4, SERVER4, 11, 0, bytes(4), syn4, ttl=63), ""),
    ]
    return inputs, expected


@fixture("rfc7915", "5.3", "error-truncated-to-576", "translated ICMPv4 errors are cut to 576 bytes",
         explain="""\
The client answers Port Unreachable quoting the server's whole 1000-byte datagram (and
Time Exceeded quoting a 660-byte one, Jool's test `be`). Translated, the errors would be 20
+ 8 + 980 and 20 + 8 + 640 bytes; they are cut to 576: 548 bytes of the server's IPv4
datagram, whose Total Length still says 980 (640) and whose UDP checksum covers the whole
datagram.""")
def rfc7915_5_3_truncated():
    """RFC 7915 §5.3: The translation of this "packet in error" is likely to change the
    length of the datagram; thus, the Total Length field in the outer IPv4 header MUST be
    updated.
    RFC 1812 §4.3.2.3: the ICMP datagram SHOULD contain as much of the original datagram as
    possible without the length of the ICMP datagram exceeding 576 bytes."""
    d1, d2 = pattern(952, 140), pattern(612, 141)
    i6a, i4a = server_reply6(d1, hlim=63), server_reply4(d1, ttl=63)
    i6b, i4b = server_reply6(d2, hlim=1, dport=40001), server_reply4(d2, ttl=1, dport=40001)
    assert (len(i6a), len(i6b)) == (1000, 660)
    inputs = [(err6(CLIENT6, SERVER6, 1, 4, bytes(4), i6a), "quoting 1000 bytes"),
              (err6(ROUTER6, SERVER6, 3, 0, bytes(4), i6b), "quoting 660 bytes")]
    expected = [(err4(CLIENT4, SERVER4, 3, 3, bytes(4), i4a[:548], ttl=63), "576 bytes"),
                (err4(ROUTER6_4, SERVER4, 11, 0, bytes(4), i4b[:548], ttl=63), "576 bytes")]
    return inputs, expected


@fixture("rfc7915", "5.3", "inner-df-follows-original-size",
         "the inner IPv4 header's DF follows the 1260-byte rule on the original length",
         explain="""\
The inner packet is translated "just like a normal IP packet", so the 1260-byte DF rule
applies to the datagram it describes: Time Exceeded quoting 1232 bytes of a 1400-byte
datagram gives an inner IPv4 header with Total Length 1380 and DF 1, and quoting a
1280-byte datagram gives Total Length 1260 and DF 0. The rule is applied to the Total
Length, not to the number of bytes quoted (both quotes are cut to 548 bytes anyway).""")
def rfc7915_5_3_inner_df():
    """RFC 7915 §5.3: The ICMP error messages containing the packet in error MUST be
    translated just like a normal IP packet (except that the TTL/Hop Limit value of the
    inner IPv4/IPv6 packet are not decremented).
    RFC 7915 §5.1: The Don't Fragment (DF) flag is set as follows: If the size of the
    translated IPv4 packet is less than or equal to 1260 bytes, it is set to zero;
    otherwise, it is set to one."""
    big, edge = pattern(1352, 142), pattern(1232, 143)
    i6a, i4a = server_reply6(big, hlim=1), server_reply4(big, ttl=1, df=True)
    i6b, i4b = server_reply6(edge, hlim=1, dport=40001), server_reply4(edge, ttl=1, dport=40001, df=False)
    assert (len(i4a), len(i4b)) == (1380, 1260)
    inputs = [(err6(ROUTER6, SERVER6, 3, 0, bytes(4), i6a[:1232]), "quoting a 1400-byte datagram"),
              (err6(ROUTER6, SERVER6, 3, 0, bytes(4), i6b[:1232]), "quoting a 1280-byte datagram")]
    expected = [(err4(ROUTER6_4, SERVER4, 11, 0, bytes(4), i4a[:548], ttl=63), "inner DF 1"),
                (err4(ROUTER6_4, SERVER4, 11, 0, bytes(4), i4b[:548], ttl=63), "inner DF 0")]
    return inputs, expected


@fixture("rfc7915", "5.3", "rfc4884-extension-length-rescaled",
         "an RFC 4884 extension is kept and the length attribute rescaled",
         explain="""\
Time Exceeded with an ICMPv6 length attribute of 16 (× 8 = 128 bytes: the quoted datagram
is exactly 128 bytes) and an extension structure with one MPLS Label Stack object. The
datagram becomes 108 bytes of IPv4, zero-padded to 128 (a multiple of 4, at least 128),
the ICMPv4 length attribute (second octet of the second word) is 32 (× 4), and the
extension follows unchanged.""")
def rfc7915_5_3_rfc4884():
    """RFC 7915 §5.2: ICMP Error Payload: If the received ICMPv6 packet contains an ICMPv6
    Extension [RFC4884], the translation of the ICMPv6 packet will cause the ICMPv4 packet
    to change length. When this occurs, the ICMPv6 Extension length attribute MUST be
    adjusted accordingly (e.g., shorter due to the translation from IPv6 to IPv4). For
    extensions not defined in [RFC4884], the translator passes the extensions as opaque bit
    strings and any IPv6 address literals contained therein will not be translated to IPv4
    address literals."""
    data = pattern(80, 150)
    inner6, inner4 = server_reply6(data, hlim=1), server_reply4(data, ttl=1)
    assert len(inner6) == 128
    ext = icmp_ext([mpls_object([24000])])
    body4 = pad_to(inner4, 4, 128)
    assert len(body4) == 128
    return ([(err6(ROUTER6, SERVER6, 3, 0, rest_length6(16), inner6 + ext), "length 16, 12-byte extension")],
            [(err4(ROUTER6_4, SERVER4, 11, 0, rest_length4(32), body4 + ext, ttl=63), "length 32, same extension")])


@fixture("rfc7915", "5.3", "error-about-error-dropped", "an ICMPv6 error quoting an ICMPv6 error is dropped",
         explain="""\
Destination Unreachable about a packet that is itself an ICMPv6 error: dropped
(`drop_icmp_error_in_error_6`). The canary is the same kind of error about an ordinary
datagram.""")
def rfc7915_5_3_error_in_error():
    """RFC 7915 §5.3: The translation of the inner IP header can be done by invoking the
    function that translated the outer IP headers. This process MUST stop at the first
    embedded header and drop the packet if it contains more embedded headers."""
    deepest = udp6(CLIENT6, SERVER6, 40000, 53, text(8), hlim=60)
    inner_err = err6(SERVER6, CLIENT6, 1, 4, bytes(4), deepest, hlim=62)
    p = text(16, "canary ")
    inputs = [(err6(ROUTER6, SERVER6, 1, 0, bytes(4), inner_err), "error about an error: dropped"),
              (err6(ROUTER6, SERVER6, 1, 0, bytes(4), server_reply6(p)), "canary")]
    expected = [(err4(ROUTER6_4, SERVER4, 3, 1, bytes(4), server_reply4(p), ttl=63), "canary")]
    return inputs, expected


@fixture("rfc7915", "5.3", "bad-icmp-checksum-dropped", "an ICMPv6 error with a wrong checksum is dropped",
         explain="""\
The ICMPv4 checksum is recomputed over the translated message, so the ICMPv6 checksum is
verified first (`drop_bad_icmp_checksum_6`). The canary is the same error with its
checksum intact.""")
def rfc7915_5_3_bad_checksum():
    """RFC 7915 §5: Since the ICMPv6 [RFC4443], TCP [RFC793], UDP [RFC768], and DCCP
    [RFC4340] headers contain checksums that cover the IP header, if the address mapping
    algorithm is not checksum neutral, the checksum MUST be evaluated before translation
    and the ICMP and transport-layer headers MUST be updated."""
    p = text(20, "bad sum ")
    inner6, inner4 = server_reply6(p), server_reply4(p)
    good = icmp6(CLIENT6, SERVER6, 1, 4, bytes(4), inner6)
    bad = struct.unpack("!H", good[2:4])[0] ^ 0x5555
    inputs = [(err6(CLIENT6, SERVER6, 1, 4, bytes(4), inner6, cksum=bad), "checksum off by 0x5555: dropped"),
              (err6(CLIENT6, SERVER6, 1, 4, bytes(4), inner6), "canary: intact")]
    return inputs, [(err4(CLIENT4, SERVER4, 3, 3, bytes(4), inner4, ttl=63), "canary")]


UNMAPPED_ROUTER6 = "2001:db8:aaaa::1"


def unmapped_router_error():
    p = text(20, "far router ")
    inner6, inner4 = server_reply6(p, hlim=1), server_reply4(p, ttl=1)
    return err6(UNMAPPED_ROUTER6, SERVER6, 3, 0, bytes(4), inner6), inner4


@fixture("rfc7915", "5.3", "unmapped-error-source-uses-ipv4-addr",
         "an ICMPv6 error from a router with no IPv4 mapping comes from ipv4-addr",
         explain="""\
The router 2001:db8:aaaa::1 is outside the prefix and every map, and there is no dynamic
pool or rfc6791-pool4: the translated Time Exceeded comes from ipv4-addr 192.0.2.1, so
traceroute still shows a hop.""")
def rfc7915_5_3_rfc6791_fallback():
    """RFC 6791 §3 (paraphrase): when the source of an ICMPv6 error cannot be translated,
    the translator uses an address from a pool configured for the purpose, or its own.
    docs/rfc-compliance.md §5.3: outer source that cannot be translated (a router outside
    the prefix and maps): `rfc6791-pool4` [...] or else `ipv4-addr`."""
    msg, inner4 = unmapped_router_error()
    return [(msg, "from 2001:db8:aaaa::1")], [(err4(XLAT4, SERVER4, 11, 0, bytes(4), inner4, ttl=63), "")]


@fixture("rfc7915", "5.3", "unmapped-error-source-uses-rfc6791-pool4",
         "an ICMPv6 error from a router with no IPv4 mapping takes an rfc6791-pool4 address",
         config=cfg(rfc6791_pool4="203.0.113.200/32"),
         explain="""\
As 5.3-unmapped-error-source-uses-ipv4-addr, with `rfc6791-pool4 = "203.0.113.200/32"`.
docs/rfc-compliance.md picks the pool address at offset hash(IPv6 source) mod pool size;
a one-address pool makes that 203.0.113.200 whatever the hash.""")
def rfc7915_5_3_rfc6791_pool4():
    """RFC 6791 §3 (paraphrase): the translator maintains a pool of IPv4 addresses for the
    sources of translated ICMPv6 errors whose IPv6 source cannot be mapped.
    docs/rfc-compliance.md §5.3: `rfc6791-pool4` (the pool address at offset hash(IPv6
    source) mod pool size, so different routers stay distinguishable in traceroute)."""
    msg, inner4 = unmapped_router_error()
    return [(msg, "from 2001:db8:aaaa::1")], [(err4("203.0.113.200", SERVER4, 11, 0, bytes(4), inner4, ttl=63), "")]


@fixture("rfc7915", "5.4", "untranslatable-destination-no-route",
         "an IPv6 destination outside the prefix and maps is answered with No Route",
         explain="""\
2001:db8:bbbb::1 is outside 64:ff9b::/96 and every map: the packets are dropped and
answered with ICMPv6 Destination Unreachable code 0 (no route to destination), chosen by
docs/rfc-compliance.md over the RFC's default code 1, from ipv6-addr (hop limit 64, traffic
class 0), quoting up to 1280 bytes in all (`drop_dest_unmapped_6`).""")
def rfc7915_5_4_no_route():
    """RFC 7915 §5.4: If the IPv6 packet is discarded, then the translator SHOULD send back
    an ICMPv6 error message to the original sender of the packet, unless the discarded
    packet is itself an ICMPv6 message. The ICMPv6 message MUST have Type 1 (Destination
    Unreachable) and Code 1 (Communication with destination administratively prohibited),
    unless otherwise specified in this document or [RFC6146].
    docs/rfc-compliance.md: destination [...] when nothing matches: dropped, ICMPv6
    Destination Unreachable code 0 (no route), counter `drop_dest_unmapped_6`."""
    nowhere = "2001:db8:bbbb::1"
    pk1 = udp6(CLIENT6, nowhere, 40000, 53, text(20, "nowhere "))
    pk2 = udp6(CLIENT6, nowhere, 40001, 53, pattern(1352, 160))
    return ([(pk1, "to 2001:db8:bbbb::1"), (pk2, "1400 bytes to 2001:db8:bbbb::1")],
            [(self_err6(CLIENT6, 1, 0, bytes(4), pk1), ""), (self_err6(CLIENT6, 1, 0, bytes(4), pk2), "1280 bytes")])


@fixture("rfc7915", "5.4", "pool-exhausted-source-address-failed",
         "a client that cannot get a dynamic-pool address is answered with 1/5",
         config=POOL,
         explain=POOL_EXPLAIN + """

Client 2001:db8:6::5 sends first and is lent 192.0.2.2 (packet 1); the server's answer to
192.0.2.2 reaches it (packet 2). Client 2001:db8:6::6 then finds the pool exhausted: its
packet is dropped and answered with ICMPv6 Destination Unreachable code 5 (source address
failed ingress/egress policy) from ipv6-addr (`drop_pool_exhausted`). The first client
keeps its address (packet 4).""")
def rfc7915_5_4_pool_exhausted():
    """RFC 7915 §5.4: If the IPv6 packet is discarded, then the translator SHOULD send back
    an ICMPv6 error message to the original sender of the packet, unless the discarded
    packet is itself an ICMPv6 message.
    RFC 4443 §3.1: Code 5 - Source address failed ingress/egress policy.
    docs/rfc-compliance.md: source [...] pool full: ICMPv6 1/5, `drop_pool_exhausted`."""
    lent = "192.0.2.2"
    p = [text(20, f"pool {i} ") for i in range(4)]
    second = udp6(CLIENT6_B, SERVER6, 40000, 53, p[2])
    inputs = [
        (udp6(CLIENT6, SERVER6, 40000, 53, p[0]), "client A: gets 192.0.2.2"),
        (udp4(SERVER4, lent, 53, 40000, p[1], ident=0x0D0D), "answer to 192.0.2.2"),
        (second, "client B: pool exhausted"),
        (udp6(CLIENT6, SERVER6, 40000, 53, p[3]), "client A again"),
    ]
    expected = [
        (udp4(lent, SERVER4, 40000, 53, p[0], ttl=63), "source 192.0.2.2"),
        (udp6(SERVER6, CLIENT6, 53, 40000, p[1], hlim=63), "to client A"),
        (self_err6(CLIENT6_B, 1, 5, bytes(4), second), "1/5 from ipv6-addr"),
        (udp4(lent, SERVER4, 40000, 53, p[3], ttl=63), "source 192.0.2.2 again"),
    ]
    return inputs, expected


@fixture("rfc7915", "5.4", "no-error-for-discarded-icmpv6", "a discarded ICMPv6 message is not answered",
         explain="""\
An echo request and a Destination Unreachable, both to the untranslatable 2001:db8:bbbb::1,
are dropped without an answer: RFC 7915 §5.4 excludes every ICMPv6 message, informational
ones included. docs/rfc-compliance.md does not say; this fixture follows the RFC (Tayga
would answer the echo request). The canary, an echo request to a translatable
destination, is translated.""")
def rfc7915_5_4_no_error_for_icmpv6():
    """RFC 7915 §5.4: If the IPv6 packet is discarded, then the translator SHOULD send back
    an ICMPv6 error message to the original sender of the packet, unless the discarded
    packet is itself an ICMPv6 message."""
    nowhere = "2001:db8:bbbb::1"
    inputs = [
        (echo6(CLIENT6, nowhere, 128, 0x55, 1, text(16)), "echo request to nowhere: dropped"),
        (err6(CLIENT6, nowhere, 1, 4, bytes(4), udp6(nowhere, CLIENT6, 53, 40000, text(8))), "error to nowhere: dropped"),
    ]
    c_in, c_out = canary_6to4()
    return inputs + [c_in], [c_out]


@fixture("rfc7915", "5.5", "tcp-udp-checksums-updated",
         "TCP and UDP checksums are updated; payload errors pass through",
         explain="""\
As rfc7915/4.5-tcp-udp-checksums-updated in the other direction: checksums recomputed for
the IPv4 pseudo-header (packets 1, 2), and a corrupted payload keeps its error (packets 3,
4: the expected checksum is that of the uncorrupted payload).""")
def rfc7915_5_5_checksums():
    """RFC 7915 §5.5: If the address translation algorithm is not checksum neutral (see
    Section 4.1 of [RFC6052]), the recalculation and updating of the transport-layer headers
    that contain pseudo-headers need to be performed. Translators MUST do this for TCP, UDP,
    and ICMP."""
    t, u = text(64, "tcp data "), text(48, "udp data ")
    def flip(b, i):
        return b[:i] + bytes([b[i] ^ 0x40]) + b[i + 1:]
    st6, st4 = tcp(CLIENT6, SERVER6, 40000, 80, t), tcp(CLIENT4, SERVER4, 40000, 80, t)
    su6, su4 = udp(CLIENT6, SERVER6, 40001, 53, u), udp(CLIENT4, SERVER4, 40001, 53, u)
    inputs = [
        (ipv6(CLIENT6, SERVER6, TCP, st6), "TCP"),
        (ipv6(CLIENT6, SERVER6, UDP, su6), "UDP"),
        (ipv6(CLIENT6, SERVER6, TCP, flip(st6, 30)), "TCP, payload byte 10 corrupted"),
        (ipv6(CLIENT6, SERVER6, UDP, flip(su6, 20)), "UDP, payload byte 12 corrupted"),
    ]
    expected = [
        (ipv4(CLIENT4, SERVER4, TCP, st4, ttl=63), ""),
        (ipv4(CLIENT4, SERVER4, UDP, su4, ttl=63), ""),
        (ipv4(CLIENT4, SERVER4, TCP, flip(st4, 30), ttl=63), "still corrupted"),
        (ipv4(CLIENT4, SERVER4, UDP, flip(su4, 20), ttl=63), "still corrupted"),
    ]
    return inputs, expected


@fixture("rfc7915", "5.5", "unknown-protocol-passed-through", "other transport protocols pass through unchanged",
         explain="""\
SCTP (132), the experimental 253 and No Next Header (59, empty payload: a 20-byte IPv4
packet, as Jool's test `ad`) are copied: protocol = next header, payload byte for byte.""")
def rfc7915_5_5_unknown_protocol():
    """RFC 7915 §5.5: Other transport protocols (e.g., DCCP) are OPTIONAL to support. In
    order to ease debugging and troubleshooting, translators MUST forward all transport
    protocols as described in the "Protocol" step of Section 5.1."""
    payloads = {132: pattern(48, 232), 253: pattern(21, 253), NONXT: b""}
    inputs = [(ipv6(CLIENT6, SERVER6, proto, data), f"next header {proto}") for proto, data in payloads.items()]
    expected = [(ipv4(CLIENT4, SERVER4, proto, data, ttl=63), "") for proto, data in payloads.items()]
    return inputs, expected


# ---------------------------------------------------------------------------------------
# RFC 1812: IPv4 header validation before translation.

@fixture("rfc1812", "5.2.2", "invalid-ipv4-header-dropped", "IPv4 packets with an invalid header are dropped silently",
         explain="""\
Packet 1's header checksum is wrong; packet 2 has IHL 4 (16 bytes, less than a header);
packet 3's Total Length (16) is smaller than its header; packet 4's Total Length (100)
is larger than the 48 bytes that arrived. All four are dropped without an answer
(`drop_bad_header_4`, `drop_truncated_4`): nothing in them can be trusted, not even the
source to answer. The canary is translated.""")
def rfc1812_bad_header():
    """RFC 1812 §5.2.2: Before a router can process any IP packet, it MUST perform a the
    following basic validity checks on the packet's IP header to ensure that the header is
    meaningful. If the packet fails any of the following tests, it MUST be silently
    discarded, and the error SHOULD be logged. (1) The packet length reported by the Link
    Layer must be large enough to hold the minimum length legal IP datagram (20 bytes).
    (2) The IP checksum must be correct. (3) The IP version number must be 4. [...] (4) The
    IP header length field must be large enough to hold the minimum length legal IP
    datagram (20 bytes = 5 words). (5) The IP total length field must be large enough to
    hold the IP datagram header, whose length is specified in the IP header length
    field."""
    good = udp4(SERVER4, CLIENT4, 53, 40000, text(20, "header "))
    bad_sum = good[:10] + bytes([good[10] ^ 0x12, good[11]]) + good[12:]

    def with_header(ihl_byte, total):
        hdr = bytes([ihl_byte]) + good[1:2] + struct.pack("!H", total) + good[4:10] + b"\0\0" + good[12:20]
        hdr = hdr[:10] + struct.pack("!H", checksum(hdr[: (ihl_byte & 15) * 4])) + hdr[12:]
        return hdr + good[20:]
    ihl4 = with_header(0x44, len(good))
    short_total = with_header(0x45, 16)
    long_total = with_header(0x45, 100)
    inputs = [(bad_sum, "header checksum wrong"), (ihl4, "IHL 4"), (short_total, "Total Length 16"),
              (long_total, "Total Length 100, 48 bytes present")]
    c_in, c_out = canary_4to6()
    return inputs + [c_in], [c_out]


# ---------------------------------------------------------------------------------------
# The translator's own addresses.

@fixture("rfc1122", "3.2.2.6", "echo-to-ipv4-addr-answered", "an echo request to ipv4-addr is answered",
         explain="""\
Echo requests to 192.0.2.1 are answered by the translator itself: source and destination
swapped, type 0, identifier, sequence and data unchanged, TTL 64 (docs/rfc-compliance.md),
TOS 0 and DF 0 (the requests carry TOS 0 and DF 0 so that copying or not makes no
difference).""")
def rfc1122_echo_ipv4_addr():
    """RFC 1122 §3.2.2.6: Every host MUST implement an ICMP Echo server function that
    receives Echo Requests and sends corresponding Echo Replies.
    docs/rfc-compliance.md: Echo requests to `ipv4-addr` or `ipv6-addr` are answered
    (TTL/hop limit 64; as Tayga)."""
    d1, d2 = text(56, "hello translator "), pattern(1000, 170)
    inputs = [(echo4(SERVER4, XLAT4, 8, 0x0101, 1, d1, ttl=50, ident=0x0E01), "echo request to ipv4-addr"),
              (echo4(SERVER4, XLAT4, 8, 0x0101, 2, d2, ttl=50, ident=0x0E02), "1028-byte echo request")]
    expected = [(echo4(XLAT4, SERVER4, 0, 0x0101, 1, d1, ttl=64), "echo reply"),
                (echo4(XLAT4, SERVER4, 0, 0x0101, 2, d2, ttl=64), "echo reply")]
    return inputs, expected


@fixture("rfc4443", "4.2", "echo-to-ipv6-addr-answered", "an echo request to ipv6-addr is answered",
         explain="""\
Echo requests to 2001:db8:ffff::1 are answered by the translator: source and destination
swapped, type 129, identifier, sequence and data unchanged, hop limit 64, traffic class and
flow label 0 (the request carries 0 in both).""")
def rfc4443_echo_ipv6_addr():
    """RFC 4443 §4.2: Every node MUST implement an ICMPv6 Echo responder function that
    receives Echo Requests and originates corresponding Echo Replies. [...] The data
    received in the ICMPv6 Echo Request message MUST be returned entirely and unmodified in
    the ICMPv6 Echo Reply message."""
    d = text(56, "hello translator ")
    return ([(echo6(CLIENT6, XLAT6, 128, 0x0202, 1, d, hlim=50), "echo request to ipv6-addr")],
            [(echo6(XLAT6, CLIENT6, 129, 0x0202, 1, d, hlim=64), "echo reply")])


@fixture("rfc1122", "3.2.2.1", "other-packets-to-ipv4-addr-protocol-unreachable",
         "non-echo packets to ipv4-addr get Protocol Unreachable; errors to it are dropped",
         explain="""\
A UDP datagram to 192.0.2.1 is answered with ICMPv4 3/2 from ipv4-addr (TTL 64, TOS 0, DF
0) quoting it (`drop_to_self_4`); a Port Unreachable sent to 192.0.2.1 is dropped without
an answer.""")
def rfc1122_to_self_ipv4():
    """RFC 1122 §3.2.2.1: A host SHOULD generate Destination Unreachable messages with code:
    2 (Protocol Unreachable), when the designated transport protocol is not supported.
    docs/rfc-compliance.md: Other packets to them are answered with ICMPv4 3/2 (protocol
    unreachable) or ICMPv6 Parameter Problem 4/1 pointing at the Next Header field
    (`drop_to_self_4/6`); ICMP errors sent to them are dropped."""
    pk = udp4(SERVER4, XLAT4, 53, 40000, text(20, "to the translator "), ident=0x0E03)
    quote = udp4(XLAT4, SERVER4, 40000, 53, text(8), ttl=60)
    inputs = [(pk, "UDP to ipv4-addr"), (err4(SERVER4, XLAT4, 3, 3, bytes(4), quote), "Port Unreachable to ipv4-addr: dropped")]
    return inputs, [(self_err4(SERVER4, 3, 2, bytes(4), pk), "Protocol Unreachable")]


@fixture("rfc4443", "3.4", "other-packets-to-ipv6-addr-parameter-problem",
         "non-echo packets to ipv6-addr get Parameter Problem 4/1; errors to it are dropped",
         explain="""\
A UDP datagram to 2001:db8:ffff::1 is answered with ICMPv6 4/1 (unrecognized next header)
pointing at byte 6, the Next Header field, from ipv6-addr (hop limit 64) quoting it
(`drop_to_self_6`); a Destination Unreachable sent to 2001:db8:ffff::1 is dropped.""")
def rfc4443_to_self_ipv6():
    """RFC 4443 §3.4: If an IPv6 node processing a packet finds a problem with a field in
    the IPv6 header or extension headers such that it cannot complete processing the
    packet, it MUST discard the packet and SHOULD originate an ICMPv6 Parameter Problem
    message to the packet's source, indicating the type and location of the problem. [...]
    Code 1 - unrecognized Next Header type encountered.
    docs/rfc-compliance.md: Other packets to them are answered with [...] ICMPv6 Parameter
    Problem 4/1 pointing at the Next Header field (`drop_to_self_4/6`); ICMP errors sent to
    them are dropped."""
    pk = udp6(CLIENT6, XLAT6, 40000, 53, text(20, "to the translator "))
    quote = udp6(XLAT6, CLIENT6, 53, 40000, text(8), hlim=60)
    inputs = [(pk, "UDP to ipv6-addr"), (err6(CLIENT6, XLAT6, 1, 4, bytes(4), quote), "Port Unreachable to ipv6-addr: dropped")]
    return inputs, [(self_err6(CLIENT6, 4, 1, u32(6), pk), "Parameter Problem, pointer 6")]



if __name__ == "__main__":
    sys.exit(main())
