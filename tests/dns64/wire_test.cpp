// The DNS wire codec (dns64/wire.h): names, parsing hand-built messages (RFC 1035 §4.1,
// §4.1.4 compression, RFC 6891 §6.1 OPT), writing with compression and truncation
// (RFC 3597 §4, RFC 2181 §9), and round trips.
#include "dns64/wire.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace tundra::dns {
namespace {

using Bytes = std::vector<std::uint8_t>;

Name name(std::string_view text) {
  auto n = Name::from_text(text);
  REQUIRE(n.has_value());
  return *n;
}

// Appends values given as ints (so that hand-built arrays read like a hex dump).
void add(Bytes& b, std::initializer_list<int> values) {
  for (int v : values) b.push_back(static_cast<std::uint8_t>(v));
}
void add_name(Bytes& b, std::string_view text) {
  const Name n = name(text);
  b.insert(b.end(), n.wire.begin(), n.wire.end());
}
void add16(Bytes& b, unsigned v) { add(b, {static_cast<int>(v >> 8), static_cast<int>(v & 0xFF)}); }
void add32(Bytes& b, std::uint32_t v) {
  add16(b, v >> 16);
  add16(b, v & 0xFFFF);
}

// A 12-byte header: ID 0x1234, QR and RD, with the given counts.
Bytes header(unsigned qd, unsigned an, unsigned ns, unsigned ar, unsigned flags = 0x8100) {
  Bytes b;
  add16(b, 0x1234);
  add16(b, flags);
  add16(b, qd);
  add16(b, an);
  add16(b, ns);
  add16(b, ar);
  return b;
}

// Type, class, TTL and RDLENGTH (RFC 1035 §4.1.3).
void add_rr_fixed(Bytes& b, unsigned type, unsigned cls, std::uint32_t ttl, unsigned rdlength) {
  add16(b, type);
  add16(b, cls);
  add32(b, ttl);
  add16(b, rdlength);
}

unsigned count_at(const Bytes& b, std::size_t off) { return (b.at(off) << 8) | b.at(off + 1); }

ParseError parse(const Bytes& b, Message* m) { return parse_message(b, m); }

Message parsed(const Bytes& b) {
  Message m;
  REQUIRE(parse_message(b, &m) == ParseError::kOk);
  return m;
}

Message query(std::string_view qname, std::uint16_t qtype) {
  Message m;
  m.id = 0xBEEF;
  m.rd = true;
  m.questions.push_back({name(qname), qtype, kClassIN});
  return m;
}

Bytes soa_rdata(std::string_view mname, std::string_view rname) {
  Bytes d;
  add_name(d, mname);
  add_name(d, rname);
  for (std::uint32_t v : {2024010101u, 7200u, 3600u, 1209600u, 300u}) add32(d, v);
  return d;
}

void check_same_records(const std::vector<Record>& a, const std::vector<Record>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO("record " << i);
    CHECK(a[i].owner.wire == b[i].owner.wire);
    CHECK(a[i].type == b[i].type);
    CHECK(a[i].cls == b[i].cls);
    CHECK(a[i].ttl == b[i].ttl);
    CHECK(a[i].rdata == b[i].rdata);
  }
}

// --- Names --------------------------------------------------------------------------------

TEST_CASE("A name in text becomes length-prefixed labels ending with the root", "[dns-wire]") {
  CHECK(name("www.example.com").wire == std::string("\3www\7example\3com\0", 17));
  CHECK(name("www.example.com.").wire == std::string("\3www\7example\3com\0", 17));
  CHECK(name(".").wire == std::string(1, '\0'));
  CHECK(name(".").is_root());
  CHECK(name("a").wire == std::string("\1a\0", 3));
}

TEST_CASE("Escapes in text names give dots inside labels and arbitrary bytes (RFC 1035 §5.1)",
          "[dns-wire]") {
  CHECK(name(R"(a\.b.c)").wire == std::string("\3a.b\1c\0", 7));
  CHECK(name(R"(\065\000z.)").wire == std::string("\3A\0z\0", 5));
  CHECK(name(R"(back\\slash)").wire == std::string("\12back\\slash\0", 12));
  CHECK(name(R"(\255)").wire == std::string("\1\377\0", 3));
}

TEST_CASE("Malformed text names are refused", "[dns-wire]") {
  for (const std::string& text :
       {std::string(), std::string(".."), std::string(".a"), std::string("a..b"),
        std::string(R"(a\)"), std::string(R"(\256)"), std::string(R"(\12)"),
        std::string(R"(\1a)"), std::string(64, 'x'), std::string(64, 'x') + ".com"}) {
    INFO(text);
    CHECK_FALSE(Name::from_text(text).has_value());
  }
  CHECK(Name::from_text(std::string(63, 'x')).has_value());
}

TEST_CASE("A name of 255 bytes is the longest accepted (RFC 1035 §2.3.4)", "[dns-wire]") {
  const std::string l63(63, 'a');
  // 3 × (1 + 63) + (1 + 61) + 1 = 255 bytes.
  const std::string longest = l63 + "." + l63 + "." + l63 + "." + std::string(61, 'b');
  auto n = Name::from_text(longest);
  REQUIRE(n.has_value());
  CHECK(n->wire.size() == 255);
  CHECK_FALSE(Name::from_text(longest + "b").has_value());
  CHECK_FALSE(Name::from_text(longest + ".c").has_value());
}

TEST_CASE("Names print with a trailing dot and escape dots, backslashes and odd bytes",
          "[dns-wire]") {
  CHECK(name("www.Example.com").to_text() == "www.Example.com.");
  CHECK(name(".").to_text() == ".");
  CHECK(name(R"(a\.b.c)").to_text() == R"(a\046b.c.)");
  CHECK(name(R"(\000\032\127\\x)").to_text() == R"(\000\032\127\092x.)");
  for (const char* text : {"a.b.c.", R"(a\046b.c.)", R"(\000\255\092.)", "_srv._tcp.x."}) {
    INFO(text);
    CHECK(name(text).to_text() == text);
  }
}

TEST_CASE("Names compare, lower and nest without regard to ASCII case (RFC 4343)",
          "[dns-wire]") {
  CHECK(name("WWW.Example.COM").equals(name("www.example.com")));
  CHECK_FALSE(name("www.example.com").equals(name("www.example.org")));
  CHECK_FALSE(name("a.example.com").equals(name("example.com")));
  CHECK(name("WWW.Example.COM").lowered().wire == name("www.example.com").wire);
  CHECK(name(R"(\200A)").lowered().wire == std::string("\2\310a\0", 4));  // only ASCII

  CHECK(name("a.b.Example.").is_under(name("example")));
  CHECK(name("example").is_under(name("EXAMPLE.")));
  CHECK(name("example").is_under(name(".")));
  CHECK(name(".").is_under(name(".")));
  CHECK_FALSE(name("xexample").is_under(name("example")));
  CHECK_FALSE(name("example").is_under(name("a.example")));
  CHECK_FALSE(name(".").is_under(name("example")));
  // A label that ends in "\7example\0" is still not a label boundary.
  CHECK_FALSE(name(std::string(R"(x\007example)")).is_under(name("example")));

  // A malformed hand-built wire form is never read past its end.
  const Name broken{std::string("\5ab", 3)};
  CHECK_FALSE(broken.is_under(name(".")));
  CHECK_FALSE(broken.is_under(name("ab")));

  CHECK(name(".").label_count() == 0);
  CHECK(name("www.example.com").label_count() == 3);
}

// --- Parsing ------------------------------------------------------------------------------

// RFC 1035 §4.1.4: F.ISI.ARPA, then FOO.F.ISI.ARPA as "FOO" and a pointer to it, then ARPA
// as a pointer into the first name, then the root. Laid out as four questions, so the
// offsets are those of the RFC's figure less 8 (F.ISI.ARPA starts at 12, not 20).
Bytes rfc1035_compression_example() {
  Bytes b = header(4, 0, 0, 0, 0x0000);
  add(b, {1, 'F', 3, 'I', 'S', 'I', 4, 'A', 'R', 'P', 'A', 0});  // 12: F.ISI.ARPA
  add(b, {0, 1, 0, 1});
  add(b, {3, 'F', 'O', 'O', 0xC0, 12});  // 28: FOO + pointer to F.ISI.ARPA
  add(b, {0, 1, 0, 1});
  add(b, {0xC0, 18});  // 38: pointer to ARPA (12 + 6)
  add(b, {0, 1, 0, 1});
  add(b, {0});  // 44: the root
  add(b, {0, 1, 0, 1});
  return b;
}

TEST_CASE("The compression example of RFC 1035 §4.1.4 reads as four names",
          "[dns-wire][rfc1035-4.1.4]") {
  const Message m = parsed(rfc1035_compression_example());
  REQUIRE(m.questions.size() == 4);
  CHECK(m.questions[0].name.to_text() == "F.ISI.ARPA.");
  CHECK(m.questions[1].name.to_text() == "FOO.F.ISI.ARPA.");
  CHECK(m.questions[2].name.to_text() == "ARPA.");
  CHECK(m.questions[3].name.is_root());
}

TEST_CASE("Writing the names of RFC 1035 §4.1.4 gives the RFC's compressed layout",
          "[dns-wire][rfc1035-4.1.4]") {
  Message m;
  m.id = 0x1234;
  for (const char* text : {"F.ISI.ARPA", "FOO.F.ISI.ARPA", "ARPA", "."}) {
    m.questions.push_back({name(text), kTypeA, kClassIN});
  }
  CHECK(write_message(m) == rfc1035_compression_example());
}

TEST_CASE("A pointer to itself or into its own name is a loop and a bad name",
          "[dns-wire][rfc1035-4.1.4]") {
  Bytes self = header(1, 0, 0, 0);
  add(self, {0xC0, 12, 0, 1, 0, 1});
  Message m;
  CHECK(parse(self, &m) == ParseError::kBadName);

  Bytes two_step = header(1, 0, 0, 0);
  add(two_step, {1, 'a', 0xC0, 12, 0, 1, 0, 1});  // "a" then back to "a"
  CHECK(parse(two_step, &m) == ParseError::kBadName);

  // Question 2 points at question 1's pointer, which points at question 2.
  Bytes mutual = header(2, 0, 0, 0);
  add(mutual, {1, 'a', 0, 0, 1, 0, 1});                // 12: "a."
  add(mutual, {1, 'b', 0xC0, 21, 0, 1, 0, 1});        // 19: "b" + pointer to 21 (itself)
  CHECK(parse(mutual, &m) == ParseError::kBadName);
}

TEST_CASE("A pointer forward in the message is a bad name", "[dns-wire][rfc1035-4.1.4]") {
  Bytes b = header(2, 0, 0, 0);
  add(b, {0xC0, 18, 0, 1, 0, 1});  // 12: pointer to 18, where question 2 begins
  add(b, {1, 'a', 0, 0, 1, 0, 1});
  Message m;
  CHECK(parse(b, &m) == ParseError::kBadName);
}

TEST_CASE("Label types 01 and 10 (a 64-byte label) are bad names", "[dns-wire][rfc1035-4.1.4]") {
  Bytes b = header(1, 0, 0, 0);
  add(b, {64});
  b.insert(b.end(), 64, 'x');
  add(b, {0, 0, 1, 0, 1});
  Message m;
  CHECK(parse(b, &m) == ParseError::kBadName);

  Bytes ten = header(1, 0, 0, 0);
  add(ten, {0x80, 'x', 0, 0, 1, 0, 1});
  CHECK(parse(ten, &m) == ParseError::kBadName);
}

TEST_CASE("A name of 256 bytes is a bad name, whether or not it is compressed",
          "[dns-wire][rfc1035-2.3.4]") {
  // 3 × 64 + 63 + 1 = 256 bytes.
  auto labels = [](Bytes& b, std::size_t last) {
    for (int i = 0; i < 3; ++i) {
      add(b, {63});
      b.insert(b.end(), 63, 'a');
    }
    b.push_back(static_cast<std::uint8_t>(last));
    b.insert(b.end(), last, 'b');
  };
  Bytes flat = header(1, 0, 0, 0);
  labels(flat, 62);
  add(flat, {0, 0, 1, 0, 1});
  Message m;
  CHECK(parse(flat, &m) == ParseError::kBadName);

  Bytes fits = header(1, 0, 0, 0);
  labels(fits, 61);
  add(fits, {0, 0, 1, 0, 1});
  REQUIRE(parse(fits, &m) == ParseError::kOk);
  CHECK(m.questions[0].name.wire.size() == 255);

  // Question 2 is "b" + a pointer to the 255-byte question 1: 257 bytes.
  Bytes compressed = fits;
  compressed[5] = 2;
  add(compressed, {1, 'b', 0xC0, 12, 0, 1, 0, 1});
  CHECK(parse(compressed, &m) == ParseError::kBadName);
}

TEST_CASE("Every cut of a message short of its end is refused as truncated",
          "[dns-wire][rfc1035-4.1]") {
  Message reply = query("www.example.com", kTypeA);
  reply.qr = true;
  reply.answer.push_back(make_name_record(name("www.example.com"), kTypeCNAME, 300, name("web.example.net")));
  reply.answer.push_back(make_a(name("web.example.net"), 60, Ipv4Address{0xC0000201}));
  reply.edns = Edns{};
  const Bytes full = write_message(reply);
  REQUIRE(parsed(full).answer.size() == 2);
  for (std::size_t len = 0; len < full.size(); ++len) {
    INFO("length " << len);
    Message m;
    const Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
    const ParseError e = parse(cut, &m);
    CHECK(e == (len < kHeaderSize ? ParseError::kShortHeader : ParseError::kTruncated));
  }
}

TEST_CASE("Bytes after the last counted record are refused", "[dns-wire][rfc1035-4.1]") {
  Bytes b = write_message(query("example.com", kTypeA));
  b.push_back(0);
  Message m;
  CHECK(parse(b, &m) == ParseError::kTrailingBytes);
}

TEST_CASE("A second OPT is refused (RFC 6891 §6.1.1)", "[dns-wire][rfc6891-6.1.1]") {
  Bytes b = header(0, 0, 0, 2);
  for (int i = 0; i < 2; ++i) {
    add(b, {0});
    add_rr_fixed(b, kTypeOPT, 1232, 0, 0);
  }
  Message m;
  CHECK(parse(b, &m) == ParseError::kTwoOpt);
}

TEST_CASE("An OPT owned by a name other than the root, or outside additional, is refused",
          "[dns-wire][rfc6891-6.1.1]") {
  Bytes b = header(0, 0, 0, 1);
  add_name(b, "example");
  add_rr_fixed(b, kTypeOPT, 1232, 0, 0);
  Message m;
  CHECK(parse(b, &m) == ParseError::kOptNotRoot);

  Bytes in_answer = header(0, 1, 0, 0);
  add(in_answer, {0});
  add_rr_fixed(in_answer, kTypeOPT, 1232, 0, 0);
  CHECK(parse(in_answer, &m) == ParseError::kOptNotRoot);
}

TEST_CASE("The OPT gives the payload size, version, DO bit, options and extended RCODE",
          "[dns-wire][rfc6891-6.1.3]") {
  Bytes b = header(0, 0, 0, 1, 0x8000 | 0x0);  // header RCODE 0
  add(b, {0});
  // EXTENDED-RCODE 1, VERSION 0, DO set, Z otherwise clear → RCODE 16 (BADVERS).
  add_rr_fixed(b, kTypeOPT, 4096, 0x01008000, 6);
  add(b, {0, 10, 0, 2, 0xAB, 0xCD});  // a COOKIE-like option, copied as it is
  const Message m = parsed(b);
  REQUIRE(m.edns.has_value());
  CHECK(m.edns->udp_size == 4096);
  CHECK(m.edns->version == 0);
  CHECK(m.edns->dnssec_ok);
  CHECK(m.edns->options == Bytes{0, 10, 0, 2, 0xAB, 0xCD});
  CHECK(m.rcode == kRcodeBadVers);
  CHECK(m.additional.empty());

  Bytes plain = header(0, 0, 0, 1, 0x8003);  // NXDOMAIN, no extended bits, DO clear
  add(plain, {0});
  add_rr_fixed(plain, kTypeOPT, 1232, 0x00007FFF, 0);
  const Message p = parsed(plain);
  CHECK(p.rcode == kRcodeNxDomain);
  CHECK_FALSE(p.edns->dnssec_ok);
}

TEST_CASE("A and AAAA records of the wrong length in class IN are bad RDATA",
          "[dns-wire][rfc1035-3.4.1]") {
  auto one_record = [](unsigned type, unsigned cls, std::size_t len) {
    Bytes b = header(0, 1, 0, 0);
    add_name(b, "x");
    add_rr_fixed(b, type, cls, 60, static_cast<unsigned>(len));
    b.insert(b.end(), len, 1);
    return b;
  };
  Message m;
  CHECK(parse(one_record(kTypeA, kClassIN, 4), &m) == ParseError::kOk);
  CHECK(parse(one_record(kTypeA, kClassIN, 5), &m) == ParseError::kBadRdata);
  CHECK(parse(one_record(kTypeA, kClassIN, 0), &m) == ParseError::kBadRdata);
  CHECK(parse(one_record(kTypeAAAA, kClassIN, 16), &m) == ParseError::kOk);
  CHECK(parse(one_record(kTypeAAAA, kClassIN, 4), &m) == ParseError::kBadRdata);
  CHECK(parse(one_record(kTypeA, 3, 5), &m) == ParseError::kOk);  // class CH: opaque
}

TEST_CASE("Compressed names inside NS, CNAME, SOA, PTR, MX, DNAME and SRV RDATA are expanded",
          "[dns-wire][rfc3597-4]") {
  Bytes b = header(1, 7, 0, 0);
  add_name(b, "example.com");  // 12
  add(b, {0, 1, 0, 1});
  const int q = 12;       // example.com
  const int com = 12 + 8;  // com
  auto rr = [&](unsigned type, std::initializer_list<int> rdata) {
    add(b, {0xC0, q});
    add_rr_fixed(b, type, kClassIN, 3600, static_cast<unsigned>(rdata.size()));
    add(b, rdata);
  };
  rr(kTypeNS, {3, 'n', 's', '1', 0xC0, q});
  rr(kTypeCNAME, {0xC0, com});
  rr(kTypeSOA, {3, 'n', 's', '1', 0xC0, q, 0xC0, q,  // mname, rname
                0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5});
  rr(kTypePTR, {1, 'p', 0xC0, com});
  rr(kTypeMX, {0, 10, 2, 'm', 'x', 0xC0, q});
  rr(kTypeDNAME, {1, 'd', 0xC0, q});
  rr(kTypeSRV, {0, 1, 0, 2, 0, 53, 1, 's', 0xC0, q});
  const Message m = parsed(b);
  REQUIRE(m.answer.size() == 7);
  for (const Record& r : m.answer) CHECK(r.owner.to_text() == "example.com.");
  CHECK(m.answer[0].target()->to_text() == "ns1.example.com.");
  CHECK(m.answer[1].target()->to_text() == "com.");
  Bytes soa;
  add_name(soa, "ns1.example.com");
  add_name(soa, "example.com");
  add(soa, {0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 5});
  CHECK(m.answer[2].rdata == soa);
  CHECK(m.answer[3].target()->to_text() == "p.com.");
  Bytes mx = {0, 10};
  add_name(mx, "mx.example.com");
  CHECK(m.answer[4].rdata == mx);
  CHECK(m.answer[5].target()->to_text() == "d.example.com.");
  Bytes srv = {0, 1, 0, 2, 0, 53};
  add_name(srv, "s.example.com");
  CHECK(m.answer[6].rdata == srv);
}

TEST_CASE("Name RDATA with bytes missing or left over is bad RDATA", "[dns-wire][rfc3597-4]") {
  auto one_record = [](unsigned type, const Bytes& rdata) {
    Bytes b = header(0, 1, 0, 0);
    add_name(b, "x");
    add_rr_fixed(b, type, kClassIN, 60, static_cast<unsigned>(rdata.size()));
    b.insert(b.end(), rdata.begin(), rdata.end());
    return b;
  };
  Message m;
  CHECK(parse(one_record(kTypeCNAME, {1, 'a', 0, 0}), &m) == ParseError::kBadRdata);
  CHECK(parse(one_record(kTypeCNAME, {1, 'a'}), &m) == ParseError::kBadRdata);
  CHECK(parse(one_record(kTypeCNAME, {}), &m) == ParseError::kBadRdata);
  CHECK(parse(one_record(kTypeMX, {0}), &m) == ParseError::kBadRdata);
  CHECK(parse(one_record(kTypeSRV, {0, 1, 0, 2, 0}), &m) == ParseError::kBadRdata);
  Bytes soa = soa_rdata("a", "b");
  soa.pop_back();
  CHECK(parse(one_record(kTypeSOA, soa), &m) == ParseError::kBadRdata);
  // A pointer inside RDATA that points forward is a bad name, not bad RDATA.
  CHECK(parse(one_record(kTypeCNAME, {0xC0, 40}), &m) == ParseError::kBadName);
}

TEST_CASE("Empty RDATA of class ANY or NONE is kept for dynamic updates (RFC 2136 §2.5)",
          "[dns-wire][rfc2136-2.5]") {
  Bytes b = header(0, 0, 2, 0, 0x2800);  // opcode UPDATE
  add_name(b, "x");
  add_rr_fixed(b, kTypeCNAME, 255, 0, 0);
  add_name(b, "x");
  add_rr_fixed(b, kTypeA, 254, 0, 0);
  const Message m = parsed(b);
  CHECK(m.opcode == 5);
  REQUIRE(m.authority.size() == 2);
  CHECK(m.authority[0].rdata.empty());
  CHECK(m.authority[1].rdata.empty());
}

TEST_CASE("The header and first question are read alone without the rest",
          "[dns-wire][rfc1035-4.1.1]") {
  Bytes b = write_message(query("Www.Example.com", kTypeAAAA));
  b.push_back(0xFF);  // junk that parse_message would refuse
  Message m;
  REQUIRE(parse_header_and_question(b, &m) == ParseError::kOk);
  CHECK(m.id == 0xBEEF);
  CHECK(m.rd);
  REQUIRE(m.questions.size() == 1);
  CHECK(m.questions[0].name.to_text() == "Www.Example.com.");
  CHECK(m.questions[0].type == kTypeAAAA);

  CHECK(parse_header_and_question(header(0, 0, 0, 0), &m) == ParseError::kTruncated);
  CHECK(parse_header_and_question(Bytes(11, 0), &m) == ParseError::kShortHeader);
}

TEST_CASE("Every header flag is read and written in its place", "[dns-wire][rfc1035-4.1.1]") {
  for (unsigned bit = 0; bit < 16; ++bit) {
    const unsigned flags = 1u << bit;
    INFO("flags " << flags);
    const Message m = parsed(header(0, 0, 0, 0, flags));
    CHECK(write_message(m) == header(0, 0, 0, 0, flags));
  }
  const Message m = parsed(header(0, 0, 0, 0, 0xFFFF));
  CHECK((m.qr && m.aa && m.tc && m.rd && m.ra && m.z && m.ad && m.cd));
  CHECK(m.opcode == 15);
  CHECK(m.rcode == 15);
}

// --- Writing ------------------------------------------------------------------------------

Message rich_reply() {
  Message m = query("WWW.Example.COM", kTypeA);
  m.qr = true;
  m.ra = true;
  m.ad = true;
  m.answer.push_back(make_name_record(name("www.example.com"), kTypeCNAME, 300, name("a.Example.com")));
  m.answer.push_back(make_name_record(name("a.example.com"), kTypeCNAME, 200, name("b.example.net")));
  m.answer.push_back(make_a(name("b.example.net"), 60, Ipv4Address{0xC0000201}));
  m.answer.push_back(make_aaaa(name("b.example.net"), 60, *Ipv6Address::parse("64:ff9b::c000:201")));
  m.authority.push_back(Record{.owner = name("example.net"), .type = kTypeSOA, .ttl = 900,
                               .rdata = soa_rdata("ns1.example.net", "hostmaster.example.net")});
  Bytes mx = {0, 10};
  add_name(mx, "mail.example.net");
  m.authority.push_back(Record{.owner = name("example.net"), .type = kTypeMX, .ttl = 900, .rdata = mx});
  m.additional.push_back(make_name_record(name("example.net"), kTypeNS, 900, name("ns1.example.net")));
  m.additional.push_back(make_name_record(name("1.2.0.192.in-addr.arpa"), kTypePTR, 5, name("b.example.net")));
  m.additional.push_back(Record{.owner = name("txt.example.net"), .type = 16, .ttl = 1,
                                .rdata = {5, 'h', 'e', 'l', 'l', 'o'}});
  m.edns = Edns{.udp_size = 1232, .version = 0, .dnssec_ok = true, .options = {0, 8, 0, 0}};
  return m;
}

TEST_CASE("A message survives writing and reading back unchanged", "[dns-wire][round-trip]") {
  const Message m = rich_reply();
  const Bytes wire = write_message(m);
  const Message back = parsed(wire);
  CHECK(back.id == m.id);
  CHECK((back.qr && back.rd && back.ra && back.ad));
  CHECK_FALSE((back.aa || back.tc || back.cd || back.z));
  REQUIRE(back.questions.size() == 1);
  CHECK(back.questions[0].name.wire == m.questions[0].name.wire);
  CHECK(back.questions[0].type == kTypeA);
  // Owners and RDATA names compressed against an earlier spelling take its case.
  REQUIRE(back.answer.size() == 4);
  CHECK(back.answer[0].owner.to_text() == "WWW.Example.COM.");
  CHECK(back.answer[0].target()->to_text() == "a.Example.COM.");
  CHECK(back.answer[2].a() == Ipv4Address{0xC0000201});
  CHECK(back.answer[3].aaaa() == Ipv6Address::parse("64:ff9b::c000:201"));
  check_same_records(back.authority, m.authority);
  check_same_records(back.additional, m.additional);
  REQUIRE(back.edns.has_value());
  CHECK(back.edns->dnssec_ok);
  CHECK(back.edns->udp_size == 1232);
  CHECK(back.edns->options == m.edns->options);
  CHECK(write_message(back) == wire);
}

TEST_CASE("The question keeps its case and later names point at it case-insensitively",
          "[dns-wire][rfc1035-4.1.4]") {
  Message m = query("wWw.ExAmPlE.cOm", kTypeA);
  m.answer.push_back(make_a(name("www.example.com"), 60, Ipv4Address{1}));
  const Bytes wire = write_message(m);
  // Header, question name (17), type and class, then the owner as a pointer to offset 12.
  REQUIRE(wire.size() > 12 + 17 + 4 + 2);
  CHECK(wire[12 + 17 + 4] == 0xC0);
  CHECK(wire[12 + 17 + 5] == 12);
  const Message back = parsed(wire);
  CHECK(back.questions[0].name.to_text() == "wWw.ExAmPlE.cOm.");
  CHECK(back.answer[0].owner.to_text() == "wWw.ExAmPlE.cOm.");
}

TEST_CASE("Names in SRV and DNAME RDATA are never compressed on writing", "[dns-wire][rfc3597-4]") {
  Message m = query("example.com", kTypeSRV);
  Bytes srv = {0, 1, 0, 2, 0, 53};
  add_name(srv, "example.com");
  m.answer.push_back(Record{.owner = name("example.com"), .type = kTypeSRV, .ttl = 1, .rdata = srv});
  m.answer.push_back(make_name_record(name("example.com"), kTypeDNAME, 1, name("example.com")));
  const Bytes wire = write_message(m);
  // Question 17 bytes; each record: pointer owner (2) + 10 + full RDATA.
  CHECK(wire.size() == 12 + 17 + 2 * (2 + 10) + srv.size() + 13);
  const Message back = parsed(wire);
  CHECK(back.answer[0].rdata == srv);
  CHECK(back.answer[1].target()->to_text() == "example.com.");
}

TEST_CASE("Names in NS, CNAME, SOA, PTR and MX RDATA are compressed on writing",
          "[dns-wire][rfc3597-4]") {
  const Message m = rich_reply();
  const Bytes wire = write_message(m);
  std::size_t uncompressed = 12 + 4 + m.questions[0].name.wire.size() + 11 + m.edns->options.size();
  for (const auto* section : {&m.answer, &m.authority, &m.additional}) {
    for (const Record& r : *section) uncompressed += r.owner.wire.size() + 10 + r.rdata.size();
  }
  CHECK(wire.size() < uncompressed - 150);
  // Pointers only point backwards: parsing proves it (forward pointers are refused).
  CHECK(parsed(wire).answer.size() == 4);
}

TEST_CASE("Pointers are only made to offsets below 0x4000", "[dns-wire][rfc1035-4.1.4]") {
  Message m = query("example.com", 16);
  for (int i = 0; i < 100; ++i) {
    m.answer.push_back(Record{.owner = name("r" + std::to_string(i) + ".example.com"), .type = 16,
                              .ttl = 1, .rdata = Bytes(200, 'x')});
  }
  // Both written past 0x4000: the second must spell the name out again.
  m.answer.push_back(Record{.owner = name("late.example.org"), .type = 16, .ttl = 1});
  m.answer.push_back(Record{.owner = name("late.example.org"), .type = 16, .ttl = 2});
  const Bytes wire = write_message(m);
  REQUIRE(wire.size() > 0x4000 + 100);
  const std::size_t last_owner = wire.size() - 10 - 18;
  CHECK(wire[last_owner] == 4);  // the "late" label, not a pointer
  const Message back = parsed(wire);
  check_same_records(back.answer, m.answer);
}

TEST_CASE("A reply over the limit is cut at the first answer that does not fit, with TC set",
          "[dns-wire][rfc2181-9]") {
  Message m = query("example.com", kTypeA);
  m.qr = true;
  for (std::uint32_t i = 0; i < 40; ++i) m.answer.push_back(make_a(name("example.com"), 60, Ipv4Address{i}));
  m.authority.push_back(make_name_record(name("example.com"), kTypeNS, 60, name("ns.example.com")));
  m.additional.push_back(make_a(name("ns.example.com"), 60, Ipv4Address{7}));
  m.edns = Edns{.udp_size = 512, .dnssec_ok = true};
  const Bytes wire = write_message(m, kClassicUdpLimit);
  CHECK(wire.size() <= kClassicUdpLimit);
  const Message back = parsed(wire);
  CHECK(back.tc);
  // 12 header + 17 question + 11 OPT leave 472 bytes: 29 records of 16 bytes.
  CHECK(back.answer.size() == 29);
  CHECK(back.authority.empty());
  CHECK(back.additional.empty());
  REQUIRE(back.edns.has_value());
  CHECK(back.edns->dnssec_ok);
  CHECK(count_at(wire, 6) == 29);
  CHECK(count_at(wire, 8) == 0);
  CHECK(count_at(wire, 10) == 1);  // the OPT
  for (std::size_t i = 0; i < back.answer.size(); ++i) CHECK(back.answer[i].a() == Ipv4Address{static_cast<std::uint32_t>(i)});
}

TEST_CASE("An authority record that does not fit sets TC and drops additional",
          "[dns-wire][rfc2181-9]") {
  Message m = query("example.com", kTypeA);
  m.answer.push_back(make_a(name("example.com"), 60, Ipv4Address{1}));
  m.authority.push_back(Record{.owner = name("example.com"), .type = 16, .ttl = 1, .rdata = Bytes(100, 'x')});
  m.authority.push_back(Record{.owner = name("example.com"), .type = 16, .ttl = 1, .rdata = Bytes(1, 'x')});
  m.additional.push_back(make_a(name("example.com"), 60, Ipv4Address{2}));
  // 12 + 17 + 16 = 45 bytes without the authority.
  const Bytes wire = write_message(m, 100);
  const Message back = parsed(wire);
  CHECK(back.tc);
  CHECK(back.answer.size() == 1);
  CHECK(back.authority.empty());  // cut at the first that does not fit, even if a later one would
  CHECK(back.additional.empty());
  CHECK(wire.size() == 45);
}

TEST_CASE("Additional records that do not fit are dropped without TC", "[dns-wire][rfc2181-9]") {
  Message m = query("example.com", kTypeA);
  m.answer.push_back(make_a(name("example.com"), 60, Ipv4Address{1}));
  m.additional.push_back(Record{.owner = name("example.com"), .type = 16, .ttl = 1, .rdata = Bytes(100, 'x')});
  m.additional.push_back(make_a(name("example.com"), 60, Ipv4Address{2}));
  m.edns = Edns{};
  // 12 + 17 + 16 + 16 + 11 = 72 bytes without the big TXT.
  const Bytes wire = write_message(m, 80);
  CHECK(wire.size() == 72);
  const Message back = parsed(wire);
  CHECK_FALSE(back.tc);
  CHECK(back.answer.size() == 1);
  REQUIRE(back.additional.size() == 1);
  CHECK(back.additional[0].a() == Ipv4Address{2});
  CHECK(back.edns.has_value());
  CHECK(count_at(wire, 10) == 2);
}

TEST_CASE("The OPT is kept even when nothing else fits (RFC 6891 §7)", "[dns-wire][rfc6891-7]") {
  Message m = query("example.com", kTypeA);
  m.answer.push_back(make_a(name("example.com"), 60, Ipv4Address{1}));
  m.edns = Edns{.udp_size = 1232, .options = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}};
  const Bytes wire = write_message(m, 12 + 17 + 11 + 12);
  CHECK(wire.size() == 12 + 17 + 11 + 12);
  const Message back = parsed(wire);
  CHECK(back.tc);
  CHECK(back.answer.empty());
  REQUIRE(back.edns.has_value());
  CHECK(back.edns->options == m.edns->options);
}

TEST_CASE("A message that fits exactly is not truncated", "[dns-wire][rfc2181-9]") {
  Message m = query("example.com", kTypeA);
  m.answer.push_back(make_a(name("example.com"), 60, Ipv4Address{1}));
  const Bytes full = write_message(m);
  CHECK(write_message(m, full.size()) == full);
  const Message cut = parsed(write_message(m, full.size() - 1));
  CHECK(cut.tc);
  CHECK(cut.answer.empty());
}

TEST_CASE("An extended RCODE is split between the header and the OPT (RFC 6891 §6.1.3)",
          "[dns-wire][rfc6891-6.1.3]") {
  Message m = query("example.com", kTypeA);
  m.qr = true;
  m.rcode = kRcodeBadVers;
  m.edns = Edns{};
  const Bytes wire = write_message(m);
  CHECK((count_at(wire, 2) & 0xF) == 0);
  // The OPT's TTL is the 4 bytes after root owner, type and class at the end.
  const std::size_t ttl = wire.size() - 11 + 5;
  CHECK(wire[ttl] == 1);
  CHECK(parsed(wire).rcode == kRcodeBadVers);

  m.rcode = 0x123;  // EXTENDED-RCODE 0x12, header 3
  const Message back = parsed(write_message(m));
  CHECK(back.rcode == 0x123);
}

TEST_CASE("Without EDNS only the low four RCODE bits are written", "[dns-wire][rfc6891-6.1.3]") {
  Message m = query("example.com", kTypeA);
  m.rcode = 16 + kRcodeRefused;
  const Bytes wire = write_message(m);
  CHECK((count_at(wire, 2) & 0xF) == kRcodeRefused);
  CHECK(parsed(wire).rcode == kRcodeRefused);
}

TEST_CASE("A TC bit already set on the message is kept", "[dns-wire][rfc1035-4.1.1]") {
  Message m = query("example.com", kTypeA);
  m.tc = true;
  CHECK(parsed(write_message(m)).tc);
}

// --- Records and names for logs -----------------------------------------------------------

TEST_CASE("Record helpers build and read A, AAAA and name records", "[dns-wire]") {
  const Record a = make_a(name("x"), 5, Ipv4Address{0xC0000201});
  CHECK(a.rdata == Bytes{192, 0, 2, 1});
  CHECK(a.cls == kClassIN);
  CHECK(a.a() == Ipv4Address{0xC0000201});
  CHECK_FALSE(a.aaaa().has_value());
  CHECK_FALSE(a.target().has_value());
  Record chaos = a;
  chaos.cls = 3;
  CHECK_FALSE(chaos.a().has_value());

  const auto v6 = Ipv6Address::parse("2001:db8::1");
  const Record aaaa = make_aaaa(name("x"), 5, *v6);
  CHECK(aaaa.aaaa() == v6);
  CHECK(aaaa.rdata.size() == 16);

  for (std::uint16_t type : {kTypeCNAME, kTypeDNAME, kTypePTR, kTypeNS}) {
    const Record r = make_name_record(name("x"), type, 5, name("Target.example"));
    REQUIRE(r.target().has_value());
    CHECK(r.target()->to_text() == "Target.example.");
  }
  Record broken = make_name_record(name("x"), kTypeCNAME, 5, name("t"));
  broken.rdata.push_back(0);
  CHECK_FALSE(broken.target().has_value());
}

TEST_CASE("Types and rcodes have their mnemonics, others their numbers (RFC 3597 §5)",
          "[dns-wire]") {
  CHECK(type_name(kTypeA) == "A");
  CHECK(type_name(kTypeAAAA) == "AAAA");
  CHECK(type_name(16) == "TXT");
  CHECK(type_name(43) == "DS");
  CHECK(type_name(47) == "NSEC");
  CHECK(type_name(48) == "DNSKEY");
  CHECK(type_name(64) == "SVCB");
  CHECK(type_name(65) == "HTTPS");
  CHECK(type_name(kTypeANY) == "ANY");
  CHECK(type_name(99) == "TYPE99");
  CHECK(type_name(65535) == "TYPE65535");
  CHECK(rcode_name(kRcodeNoError) == "NOERROR");
  CHECK(rcode_name(kRcodeNxDomain) == "NXDOMAIN");
  CHECK(rcode_name(10) == "NOTZONE");
  CHECK(rcode_name(11) == "RCODE11");
  CHECK(rcode_name(kRcodeBadVers) == "BADVERS");
  CHECK(rcode_name(17) == "RCODE17");
  CHECK(to_string(ParseError::kTwoOpt) != to_string(ParseError::kOptNotRoot));
}

}  // namespace
}  // namespace tundra::dns
