#!/usr/bin/env python3
"""Cross-checks tundra's DNS wire codec (dns64/wire.cpp) against dnspython, both ways.

    wire_crosscheck.py DNS_WIRE_SAMPLES WORK_DIR

1. Ours → dnspython: `dns_wire_samples write` writes messages made by write_message
   (compression, truncation, OPT with DO, extended RCODE, CNAME chains, SOA, MX, PTR, SRV,
   DNAME, long and escaped names, messages past 16 KiB); dnspython parses each and this
   script checks what it finds against expectations written out here by hand.
2. Both readers agree: each of those files is also read by `dns_wire_samples read`, and its
   dump must equal the dump of dnspython's reading of the same bytes.
3. dnspython → ours: messages built and compressed by dnspython are read by our parser and
   must dump the same as dnspython's own reading of them.

Exits 77 (CTest's SKIP_RETURN_CODE) when dnspython cannot be imported.
"""

import os
import subprocess
import sys

SKIP = 77


def import_dnspython():
    try:
        import dns.message  # noqa: F401
        return True
    except ImportError:
        pass
    # A python3 from pyenv or a venv may come first on PATH while Debian's
    # python3-dnspython lives with /usr/bin/python3: try that one before skipping.
    system = "/usr/bin/python3"
    if os.path.exists(system) and os.path.realpath(sys.executable) != os.path.realpath(system) \
            and not os.environ.get("TUNDRA_CROSSCHECK_REEXEC"):
        os.environ["TUNDRA_CROSSCHECK_REEXEC"] = "1"
        os.execv(system, [system] + sys.argv)
    return False


if not import_dnspython():
    print("SKIP: dnspython is not installed (Debian: python3-dnspython)")
    sys.exit(SKIP)

import dns.edns  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.opcode  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdataclass  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print("FAIL:", what)


def equal(actual, expected, what):
    check(actual == expected, f"{what}: got {actual!r}, expected {expected!r}")


# --- The neutral dump (the same format wire_samples.cpp prints) --------------------------

def options_wire(msg):
    out = b""
    for opt in msg.options:
        data = opt.to_wire()
        out += int(opt.otype).to_bytes(2, "big") + len(data).to_bytes(2, "big") + data
    return out


def hx(data):
    return data.hex() if data else "-"


def dump(file, wire):
    lines = [f"file {file}"]
    try:
        msg = dns.message.from_wire(wire, one_rr_per_rrset=True)
    except Exception as e:  # noqa: BLE001 - any refusal is a line to compare
        return lines + [f"error dnspython: {type(e).__name__}"]
    sections = [msg.answer, msg.authority, msg.additional]
    count = [len(msg.question)] + [sum(len(r) for r in s) for s in sections]
    count[3] += 1 if msg.edns >= 0 else 0
    lines.append(f"header {msg.id} {msg.flags & 0xFFF0:04x} {msg.rcode()} "
                 + " ".join(str(c) for c in count))
    for q in msg.question:
        lines.append(f"question {hx(q.name.to_wire())} {int(q.rdtype)} {int(q.rdclass)}")
    for label, section in zip(("answer", "authority", "additional"), sections):
        for rrset in section:
            for rd in rrset:
                lines.append(f"{label} {hx(rrset.name.to_wire())} {int(rrset.rdtype)} "
                             f"{int(rrset.rdclass)} {rrset.ttl} {hx(rd.to_wire())}")
    if msg.edns >= 0:
        do = 1 if msg.ednsflags & dns.flags.DO else 0
        lines.append(f"edns {msg.payload} {msg.edns} {do} {hx(options_wire(msg))}")
    return lines


def ours_dump(samples_exe, paths):
    out = subprocess.run([samples_exe, "read", *paths], check=True, capture_output=True,
                         text=True).stdout
    return out.splitlines()


def compare_dumps(samples_exe, paths):
    mine = ours_dump(samples_exe, paths)
    theirs = []
    for p in paths:
        with open(p, "rb") as f:
            theirs += dump(os.path.basename(p), f.read())
    for a, b in zip(mine, theirs):
        equal(a, b, "tundra's reading vs dnspython's")
    equal(len(mine), len(theirs), "dump lengths")


# --- 1. Ours → dnspython, checked against expectations written by hand -------------------

def header_counts(wire):
    return tuple(int.from_bytes(wire[i:i + 2], "big") for i in (4, 6, 8, 10))


def texts(section):
    """(owner, type, ttl, rdata text) for every record, in order."""
    return [(r.name.to_text(), dns.rdatatype.to_text(r.rdtype), r.ttl, rd.to_text())
            for r in section for rd in r]


def check_ours(work, name, check_fn):
    path = os.path.join(work, "ours", name + ".bin")
    with open(path, "rb") as f:
        wire = f.read()
    try:
        msg = dns.message.from_wire(wire, one_rr_per_rrset=True)
    except Exception as e:  # noqa: BLE001
        check(False, f"{name}: dnspython refuses our message: {e!r}")
        return
    counts = (len(msg.question), sum(len(r) for r in msg.answer),
              sum(len(r) for r in msg.authority),
              sum(len(r) for r in msg.additional) + (1 if msg.edns >= 0 else 0))
    equal(header_counts(wire), counts, f"{name}: header counts vs records")
    check_fn(name, wire, msg)


def flags_of(msg):
    return dns.flags.to_text(msg.flags).split()


def expect_cname_chain(name, wire, msg):
    equal(msg.id, 0x1001, f"{name}: id")
    equal(sorted(flags_of(msg)), ["QR", "RA", "RD"], f"{name}: flags")
    equal(msg.rcode(), dns.rcode.NOERROR, f"{name}: rcode")
    equal(msg.question[0].name.to_text(), "www.Example.COM.", f"{name}: question keeps its case")
    equal(msg.question[0].rdtype, dns.rdatatype.A, f"{name}: qtype")
    # Later names are compressed against the question's spelling, case-insensitively.
    equal(texts(msg.answer), [
        ("www.Example.COM.", "CNAME", 300, "a.example.net."),
        ("a.example.net.", "CNAME", 200, "b.Example.org."),
        ("b.Example.org.", "A", 60, "192.0.2.1"),
        ("b.Example.org.", "A", 60, "192.0.2.2"),
    ], f"{name}: answer")
    equal(texts(msg.additional), [("b.Example.org.", "AAAA", 60, "64:ff9b::c000:201")],
          f"{name}: additional")
    equal(msg.edns, -1, f"{name}: no EDNS")
    # dnspython compresses the same message no smaller than we do.
    check(len(wire) <= len(msg.to_wire()), f"{name}: compressed at least as well as dnspython")


def expect_nxdomain_soa(name, wire, msg):
    equal(sorted(flags_of(msg)), ["AA", "QR", "RA", "RD"], f"{name}: flags")
    equal(msg.rcode(), dns.rcode.NXDOMAIN, f"{name}: rcode")
    equal(msg.answer, [], f"{name}: no answer")
    equal(texts(msg.authority), [
        ("example.net.", "SOA", 900,
         "ns1.example.net. hostmaster.example.net. 2024010101 7200 3600 1209600 300")],
        f"{name}: authority")
    check(len(wire) <= len(msg.to_wire()), f"{name}: compressed at least as well as dnspython")


def expect_mx_ns_ptr(name, wire, msg):
    equal(texts(msg.answer), [
        ("example.net.", "MX", 3600, "10 mail.example.net."),
        ("example.net.", "MX", 3600, "20 mail2.example.net."),
    ], f"{name}: answer")
    equal(texts(msg.authority), [
        ("example.net.", "NS", 86400, "ns1.example.net."),
        ("example.net.", "NS", 86400, "ns2.example.net."),
    ], f"{name}: authority")
    equal(texts(msg.additional), [
        ("mail.example.net.", "A", 3600, "198.51.100.25"),
        ("ns1.example.net.", "AAAA", 86400, "2001:db8::53"),
        ("25.100.51.198.in-addr.arpa.", "PTR", 600, "mail.example.net."),
    ], f"{name}: additional")
    check(len(wire) <= len(msg.to_wire()), f"{name}: compressed at least as well as dnspython")


def expect_truncated_do(name, wire, msg):
    check(len(wire) <= 512, f"{name}: {len(wire)} bytes fit in 512")
    check("TC" in flags_of(msg), f"{name}: TC set")
    # 12 header + 22 question + 11 OPT leave 467 bytes: 29 records of 16 bytes.
    equal(len(texts(msg.answer)), 29, f"{name}: answers kept")
    equal([t[3] for t in texts(msg.answer)], [f"198.51.100.{i}" for i in range(29)],
          f"{name}: the first 29 answers, in order")
    equal(msg.authority, [], f"{name}: authority dropped after the cut")
    equal(msg.edns, 0, f"{name}: OPT kept")
    equal(msg.payload, 4096, f"{name}: payload size")
    check(msg.ednsflags & dns.flags.DO, f"{name}: DO bit")


def expect_badvers(name, wire, msg):
    equal(msg.rcode(), dns.rcode.BADVERS, f"{name}: rcode")
    equal(wire[3] & 0xF, 0, f"{name}: header keeps the low four bits (0)")
    equal(msg.edns, 0, f"{name}: EDNS version")


def expect_rcode_without_edns(name, wire, msg):
    equal(msg.rcode(), dns.rcode.REFUSED, f"{name}: rcode & 0xF")
    equal(msg.edns, -1, f"{name}: no EDNS")


def expect_long_names(name, wire, msg):
    suffix = ".".join(c * 63 for c in "abc") + "."
    longest = dns.name.from_text("d" * 61 + "." + suffix)
    other = dns.name.from_text("e" * 60 + "." + suffix)
    equal(len(longest.to_wire()), 255, f"{name}: the longest name is 255 bytes")
    equal(msg.question[0].name, longest, f"{name}: question")
    equal(texts(msg.answer), [
        (longest.to_text(), "CNAME", 10, other.to_text()),
        (other.to_text(), "A", 10, "203.0.113.7"),
    ], f"{name}: answer")
    check(len(wire) < 12 + 4 + 3 * 255, f"{name}: the shared suffix is compressed")


def expect_escapes(name, wire, msg):
    qname = msg.question[0].name
    equal(qname.labels, (b"dot.inside", b"\x00\xffbin", b"MiXeD", b"example", b""),
          f"{name}: labels")
    equal(qname.to_text(), r"dot\.inside.\000\255bin.MiXeD.example.", f"{name}: text")
    equal(texts(msg.answer), [(qname.to_text(), "AAAA", 5, "2001:db8::1")], f"{name}: answer")


def expect_srv_dname_txt(name, wire, msg):
    equal(texts(msg.answer), [
        ("_sip._udp.example.com.", "SRV", 120, "0 5 5060 sip.example.com."),
        ("example.com.", "DNAME", 120, "example.net."),
    ], f"{name}: answer")
    equal(texts(msg.additional), [("example.com.", "TXT", 120, '"hello" "world"')],
          f"{name}: additional")
    # RFC 3597 §4: names in SRV and DNAME RDATA are written out in full.
    check(b"\x03sip\x07example\x03com\x00" in wire, f"{name}: SRV target not compressed")
    check(b"\x07example\x03net\x00" in wire, f"{name}: DNAME target not compressed")


def expect_additional_dropped(name, wire, msg):
    check(len(wire) <= 120, f"{name}: {len(wire)} bytes fit in 120")
    check("TC" not in flags_of(msg), f"{name}: no TC for dropped additional records")
    equal(texts(msg.answer), [("example.org.", "A", 300, "192.0.2.80")], f"{name}: answer")
    equal(texts(msg.additional), [("ns.example.org.", "A", 300, "192.0.2.53")],
          f"{name}: the big TXT dropped, the A kept")
    equal(msg.edns, 0, f"{name}: OPT kept")


def expect_edns_options(name, wire, msg):
    equal(sorted(flags_of(msg)), ["AD", "CD", "QR", "RA"], f"{name}: flags")
    equal(msg.payload, 1400, f"{name}: payload")
    check(not msg.ednsflags & dns.flags.DO, f"{name}: DO clear")
    equal([(int(o.otype), o.to_wire()) for o in msg.options],
          [(10, bytes(range(1, 9)))], f"{name}: COOKIE option")


def expect_bulk(name, wire, msg):
    check(len(wire) > 0x4000, f"{name}: past 16 KiB")
    got = texts(msg.answer)
    equal(len(got), 102, f"{name}: answers")
    equal(got[:2], [("r0.bulk.example.com.", "TXT", 7, '"' + "y" * 200 + '"'),
                    ("r1.bulk.example.com.", "TXT", 7, '"' + "y" * 200 + '"')],
          f"{name}: first answers")
    equal(got[-2:], [("late.example.org.", "TXT", 7, '"z"'),
                     ("late.example.org.", "TXT", 8, '"z"')], f"{name}: last answers")


EXPECTATIONS = {
    "cname_chain": expect_cname_chain,
    "nxdomain_soa": expect_nxdomain_soa,
    "mx_ns_ptr": expect_mx_ns_ptr,
    "truncated_do": expect_truncated_do,
    "badvers": expect_badvers,
    "rcode_without_edns": expect_rcode_without_edns,
    "long_names": expect_long_names,
    "escapes": expect_escapes,
    "srv_dname_txt": expect_srv_dname_txt,
    "additional_dropped": expect_additional_dropped,
    "edns_options": expect_edns_options,
    "bulk": expect_bulk,
}


# --- 3. dnspython → ours -----------------------------------------------------------------

def dnspython_messages():
    """Messages built and written (with compression) by dnspython."""
    out = {}

    q = dns.message.make_query("www.Example.com", "AAAA", want_dnssec=True, payload=1232)
    q.id = 0x2001
    out["query_do"] = q.to_wire()

    r = dns.message.make_response(dns.message.make_query("www.example.com.", "A"))
    r.id = 0x2002
    r.flags |= dns.flags.RA | dns.flags.AA
    r.answer.append(dns.rrset.from_text("www.example.com.", 300, "IN", "CNAME", "a.example.net."))
    r.answer.append(dns.rrset.from_text("a.example.net.", 200, "IN", "CNAME", "B.example.net."))
    r.answer.append(dns.rrset.from_text("b.example.net.", 60, "IN", "A", "192.0.2.1", "192.0.2.2"))
    r.authority.append(dns.rrset.from_text("example.net.", 86400, "IN", "NS",
                                           "ns1.example.net.", "ns2.example.net."))
    r.additional.append(dns.rrset.from_text("ns1.example.net.", 86400, "IN", "AAAA", "2001:db8::53"))
    out["cname_chain"] = r.to_wire()

    r = dns.message.make_response(dns.message.make_query("nope.example.org.", "AAAA",
                                                         use_edns=0))
    r.id = 0x2003
    r.set_rcode(dns.rcode.NXDOMAIN)
    r.authority.append(dns.rrset.from_text(
        "example.org.", 900, "IN", "SOA",
        "ns1.example.org. hostmaster.example.org. 2024010101 7200 3600 1209600 300"))
    out["nxdomain_soa"] = r.to_wire()

    r = dns.message.make_response(dns.message.make_query("example.org.", "MX"))
    r.id = 0x2004
    r.answer.append(dns.rrset.from_text("example.org.", 3600, "IN", "MX",
                                        "10 mail.example.org.", "20 mail2.example.org."))
    r.additional.append(dns.rrset.from_text("25.100.51.198.in-addr.arpa.", 600, "IN", "PTR",
                                            "mail.example.org."))
    r.additional.append(dns.rrset.from_text("_sip._udp.example.org.", 60, "IN", "SRV",
                                            "0 5 5060 sip.example.org."))
    r.additional.append(dns.rrset.from_text("example.org.", 60, "IN", "DNAME", "example.net."))
    r.additional.append(dns.rrset.from_text("example.org.", 60, "IN", "TXT", '"a b" "c"'))
    out["mx_ptr_srv_dname_txt"] = r.to_wire()

    r = dns.message.make_response(dns.message.make_query("example.com.", "A", use_edns=0))
    r.id = 0x2005
    r.set_rcode(dns.rcode.BADVERS)
    out["badvers"] = r.to_wire()

    suffix = ".".join(c * 63 for c in "abc") + "."
    longest = "d" * 61 + "." + suffix
    r = dns.message.make_response(dns.message.make_query(longest, "A"))
    r.id = 0x2006
    r.answer.append(dns.rrset.from_text(longest, 10, "IN", "CNAME", "e" * 60 + "." + suffix))
    r.answer.append(dns.rrset.from_text("e" * 60 + "." + suffix, 10, "IN", "A", "203.0.113.7"))
    out["long_names"] = r.to_wire()

    r = dns.message.make_response(dns.message.make_query(r"dot\.in.\000\255.MiXeD.example.",
                                                         "AAAA"))
    r.id = 0x2007
    r.use_edns(0, dns.flags.DO, 1400, options=[dns.edns.GenericOption(10, bytes(range(1, 9)))])
    r.flags |= dns.flags.AD | dns.flags.CD
    r.answer.append(dns.rrset.from_text(r"dot\.in.\000\255.mixed.example.", 5, "IN", "AAAA",
                                        "2001:db8::1"))
    out["escapes_cookie"] = r.to_wire()

    r = dns.message.make_response(dns.message.make_query("bulk.example.com.", "TXT"))
    r.id = 0x2008
    for i in range(90):
        r.answer.append(dns.rrset.from_text(f"r{i}.bulk.example.com.", 7, "IN", "TXT",
                                            '"' + "y" * 200 + '"'))
    r.answer.append(dns.rrset.from_text("late.bulk.example.com.", 7, "IN", "CNAME",
                                        "r1.bulk.example.com."))
    out["bulk"] = r.to_wire()
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    samples_exe, work = sys.argv[1], sys.argv[2]
    ours = os.path.join(work, "ours")
    theirs = os.path.join(work, "theirs")
    for d in (ours, theirs):
        os.makedirs(d, exist_ok=True)
        for f in os.listdir(d):
            os.remove(os.path.join(d, f))

    subprocess.run([samples_exe, "write", ours], check=True)
    written = sorted(f[:-4] for f in os.listdir(ours) if f.endswith(".bin"))
    equal(written, sorted(EXPECTATIONS), "samples written")
    for name, fn in EXPECTATIONS.items():
        if name in written:
            check_ours(work, name, fn)
    compare_dumps(samples_exe, [os.path.join(ours, n + ".bin") for n in written])

    paths = []
    for name, wire in dnspython_messages().items():
        path = os.path.join(theirs, name + ".bin")
        with open(path, "wb") as f:
            f.write(wire)
        paths.append(path)
    # dnspython compressed these: make sure there is something to expand.
    for p in paths:
        if not p.endswith(("query_do.bin", "badvers.bin")):  # a name each: nothing to compress
            with open(p, "rb") as f:
                check(b"\xc0" in f.read(), f"{p}: dnspython compressed it")
    compare_dumps(samples_exe, paths)

    total = len(EXPECTATIONS) + len(paths)
    if failures:
        print(f"{len(failures)} failed checks across {total} messages")
        return 1
    print(f"all {total} messages agree with dnspython")
    return 0


if __name__ == "__main__":
    sys.exit(main())
