// The C++ half of the DNS wire cross-check (tests/dns64/wire_crosscheck.py runs it).
//
//   dns_wire_samples write DIR     writes one DIR/<sample>.bin per message below, made by
//                                  write_message, for dnspython to read and check
//   dns_wire_samples read FILE...  parses each file with parse_message and prints it in the
//                                  neutral dump format below, for comparison with
//                                  dnspython's reading of the same bytes
//
// Dump format, one line each (names and RDATA as lowercase hex of their uncompressed wire
// form, so that no presentation-format quirk of either side is compared):
//   file <basename>
//   header <id> <flags without the RCODE bits, hex> <full rcode> <qd> <an> <ns> <ar>
//   question <name> <type> <class>
//   answer|authority|additional <owner> <type> <class> <ttl> <rdata>
//   edns <udp size> <version> <do 0/1> <options>
//   error <ParseError text>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "dns64/wire.h"

namespace {

using namespace tundra;
using namespace tundra::dns;
using Bytes = std::vector<std::uint8_t>;

Name name(const std::string& text) {
  auto n = Name::from_text(text);
  if (!n) {
    std::cerr << "bad sample name: " << text << "\n";
    std::exit(2);
  }
  return *n;
}

Ipv4Address v4(const char* text) { return *Ipv4Address::parse(text); }
Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }

void append_name(Bytes& b, const std::string& text) {
  const Name n = name(text);
  b.insert(b.end(), n.wire.begin(), n.wire.end());
}
void append16(Bytes& b, std::uint16_t v) {
  b.push_back(static_cast<std::uint8_t>(v >> 8));
  b.push_back(static_cast<std::uint8_t>(v & 0xFF));
}
void append32(Bytes& b, std::uint32_t v) {
  append16(b, static_cast<std::uint16_t>(v >> 16));
  append16(b, static_cast<std::uint16_t>(v & 0xFFFF));
}

Message reply_to(const std::string& qname, std::uint16_t qtype, std::uint16_t id) {
  Message m;
  m.id = id;
  m.qr = true;
  m.rd = true;
  m.ra = true;
  m.questions.push_back({name(qname), qtype, kClassIN});
  return m;
}

Record rr(const std::string& owner, std::uint16_t type, std::uint32_t ttl, Bytes rdata) {
  return Record{.owner = name(owner), .type = type, .cls = kClassIN, .ttl = ttl,
                .rdata = std::move(rdata)};
}

Bytes soa(const std::string& mname, const std::string& rname, std::uint32_t serial,
          std::uint32_t minimum) {
  Bytes d;
  append_name(d, mname);
  append_name(d, rname);
  for (std::uint32_t v : {serial, 7200u, 3600u, 1209600u, minimum}) append32(d, v);
  return d;
}

Bytes mx(std::uint16_t preference, const std::string& exchange) {
  Bytes d;
  append16(d, preference);
  append_name(d, exchange);
  return d;
}

// A 63-byte label made of one repeated letter.
std::string label63(char c) { return std::string(63, c); }

struct Sample {
  std::string name;
  Message message;
  std::size_t limit = 65535;
};

// Each sample's expected content is written out again, independently, in
// wire_crosscheck.py; keep the two in step.
std::vector<Sample> samples() {
  std::vector<Sample> out;

  {  // A CNAME chain ending in two A records and one AAAA; the question's case is kept.
    Message m = reply_to("www.Example.COM", kTypeA, 0x1001);
    m.answer.push_back(make_name_record(name("www.example.com"), kTypeCNAME, 300, name("a.example.net")));
    m.answer.push_back(make_name_record(name("a.example.net"), kTypeCNAME, 200, name("b.Example.org")));
    m.answer.push_back(make_a(name("b.example.org"), 60, v4("192.0.2.1")));
    m.answer.push_back(make_a(name("b.example.org"), 60, v4("192.0.2.2")));
    m.additional.push_back(make_aaaa(name("b.example.org"), 60, v6("64:ff9b::c000:201")));
    out.push_back({"cname_chain", m});
  }
  {  // NXDOMAIN with the zone's SOA in authority.
    Message m = reply_to("nope.example.net", kTypeAAAA, 0x1002);
    m.aa = true;
    m.rcode = kRcodeNxDomain;
    m.authority.push_back(rr("example.net", kTypeSOA, 900,
                             soa("ns1.example.net", "hostmaster.example.net", 2024010101, 300)));
    out.push_back({"nxdomain_soa", m});
  }
  {  // MX answers, NS authority, glue and a PTR in additional.
    Message m = reply_to("example.net", kTypeMX, 0x1003);
    m.answer.push_back(rr("example.net", kTypeMX, 3600, mx(10, "mail.example.net")));
    m.answer.push_back(rr("example.net", kTypeMX, 3600, mx(20, "mail2.example.net")));
    m.authority.push_back(make_name_record(name("example.net"), kTypeNS, 86400, name("ns1.example.net")));
    m.authority.push_back(make_name_record(name("example.net"), kTypeNS, 86400, name("ns2.example.net")));
    m.additional.push_back(make_a(name("mail.example.net"), 3600, v4("198.51.100.25")));
    m.additional.push_back(make_aaaa(name("ns1.example.net"), 86400, v6("2001:db8::53")));
    m.additional.push_back(make_name_record(name("25.100.51.198.in-addr.arpa"), kTypePTR, 600,
                                            name("mail.example.net")));
    out.push_back({"mx_ns_ptr", m});
  }
  {  // 40 A records cut to 512 bytes: TC, 29 answers, the OPT with DO kept.
    Message m = reply_to("many.example.com", kTypeA, 0x1004);
    for (std::uint32_t i = 0; i < 40; ++i) {
      m.answer.push_back(make_a(name("many.example.com"), 30, Ipv4Address{0xC6336400u + i}));
    }
    m.authority.push_back(make_name_record(name("example.com"), kTypeNS, 60, name("ns.example.com")));
    m.edns = Edns{.udp_size = 4096, .dnssec_ok = true};
    out.push_back({"truncated_do", m, kClassicUdpLimit});
  }
  {  // BADVERS: the extended RCODE split between the header and the OPT.
    Message m = reply_to("example.com", kTypeA, 0x1005);
    m.rcode = kRcodeBadVers;
    m.edns = Edns{.udp_size = 1232};
    out.push_back({"badvers", m});
  }
  {  // An RCODE over 15 without EDNS: only its low four bits are sent (REFUSED).
    Message m = reply_to("example.com", kTypeA, 0x1006);
    m.rcode = 16 + kRcodeRefused;
    out.push_back({"rcode_without_edns", m});
  }
  {  // Names of 255 and 254 bytes sharing a long suffix.
    const std::string suffix = label63('a') + "." + label63('b') + "." + label63('c');
    const std::string longest = std::string(61, 'd') + "." + suffix;  // 255 bytes
    const std::string other = std::string(60, 'e') + "." + suffix;   // 254 bytes
    Message m = reply_to(longest, kTypeA, 0x1007);
    m.answer.push_back(make_name_record(name(longest), kTypeCNAME, 10, name(other)));
    m.answer.push_back(make_a(name(other), 10, v4("203.0.113.7")));
    out.push_back({"long_names", m});
  }
  {  // Escaped dots, binary bytes and mixed case in labels.
    Message m = reply_to(R"(dot\.inside.\000\255bin.MiXeD.example)", kTypeAAAA, 0x1008);
    m.answer.push_back(make_aaaa(name(R"(dot\.inside.\000\255bin.mixed.example)"), 5, v6("2001:db8::1")));
    out.push_back({"escapes", m});
  }
  {  // SRV and DNAME (names never compressed on writing) and a TXT.
    Message m = reply_to("_sip._udp.example.com", kTypeSRV, 0x1009);
    Bytes srv;
    for (int v : {0, 5, 5060}) append16(srv, static_cast<std::uint16_t>(v));
    append_name(srv, "sip.example.com");
    m.answer.push_back(rr("_sip._udp.example.com", kTypeSRV, 120, srv));
    m.answer.push_back(make_name_record(name("example.com"), kTypeDNAME, 120, name("example.net")));
    m.additional.push_back(rr("example.com", 16, 120, {5, 'h', 'e', 'l', 'l', 'o', 5, 'w', 'o', 'r', 'l', 'd'}));
    out.push_back({"srv_dname_txt", m});
  }
  {  // An additional record too big for the limit is dropped without TC.
    Message m = reply_to("example.org", kTypeA, 0x100A);
    m.answer.push_back(make_a(name("example.org"), 300, v4("192.0.2.80")));
    Bytes big;
    for (int i = 0; i < 4; ++i) {
      big.push_back(50);
      big.insert(big.end(), 50, 'x');
    }
    m.additional.push_back(rr("big.example.org", 16, 300, big));
    m.additional.push_back(make_a(name("ns.example.org"), 300, v4("192.0.2.53")));
    m.edns = Edns{.udp_size = 1232};
    out.push_back({"additional_dropped", m, 120});
  }
  {  // EDNS options copied as they are: a client COOKIE (RFC 7873 §4, option code 10).
    Message m = reply_to("example.com", kTypeA, 0x100B);
    m.rd = false;
    m.ad = true;
    m.cd = true;
    m.edns = Edns{.udp_size = 1400, .dnssec_ok = false,
                  .options = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8}};
    out.push_back({"edns_options", m});
  }
  {  // Beyond 16 KiB: names written after offset 0x4000 cannot be pointer targets.
    Message m = reply_to("bulk.example.com", 16, 0x100C);
    for (int i = 0; i < 100; ++i) {
      m.answer.push_back(rr("r" + std::to_string(i) + ".bulk.example.com", 16, 7, Bytes(201, 'y')));
      m.answer.back().rdata[0] = 200;  // one 200-byte TXT string
    }
    m.answer.push_back(rr("late.example.org", 16, 7, {1, 'z'}));
    m.answer.push_back(rr("late.example.org", 16, 8, {1, 'z'}));
    out.push_back({"bulk", m});
  }
  return out;
}

std::string hex(const std::string& s) {
  static const char* digits = "0123456789abcdef";
  std::string h;
  for (unsigned char c : s) {
    h.push_back(digits[c >> 4]);
    h.push_back(digits[c & 0xF]);
  }
  return h.empty() ? "-" : h;
}
std::string hex(const Bytes& b) { return hex(std::string(b.begin(), b.end())); }

void dump(const std::string& file, const Bytes& bytes) {
  std::cout << "file " << file << "\n";
  Message m;
  const ParseError e = parse_message(bytes, &m);
  if (e != ParseError::kOk) {
    std::cout << "error " << to_string(e) << "\n";
    return;
  }
  const unsigned flags = (bytes[2] << 8 | bytes[3]) & 0xFFF0u;
  char flags_hex[8];
  std::snprintf(flags_hex, sizeof flags_hex, "%04x", flags);
  std::cout << "header " << m.id << " " << flags_hex << " " << m.rcode << " " << m.questions.size()
            << " " << m.answer.size() << " " << m.authority.size() << " "
            << m.additional.size() + (m.edns ? 1 : 0) << "\n";
  for (const Question& q : m.questions) {
    std::cout << "question " << hex(q.name.wire) << " " << q.type << " " << q.cls << "\n";
  }
  const std::pair<const char*, const std::vector<Record>*> sections[] = {
      {"answer", &m.answer}, {"authority", &m.authority}, {"additional", &m.additional}};
  for (const auto& [label, records] : sections) {
    for (const Record& r : *records) {
      std::cout << label << " " << hex(r.owner.wire) << " " << r.type << " " << r.cls << " "
                << r.ttl << " " << hex(r.rdata) << "\n";
    }
  }
  if (m.edns) {
    std::cout << "edns " << m.edns->udp_size << " " << unsigned{m.edns->version} << " "
              << (m.edns->dnssec_ok ? 1 : 0) << " " << hex(m.edns->options) << "\n";
  }
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 2 && args[0] == "write") {
    for (const Sample& s : samples()) {
      const Bytes wire = write_message(s.message, s.limit);
      std::ofstream f(args[1] + "/" + s.name + ".bin", std::ios::binary);
      f.write(reinterpret_cast<const char*>(wire.data()), static_cast<std::streamsize>(wire.size()));
      if (!f) {
        std::cerr << "cannot write " << args[1] << "/" << s.name << ".bin\n";
        return 1;
      }
    }
    return 0;
  }
  if (args.size() >= 2 && args[0] == "read") {
    for (std::size_t i = 1; i < args.size(); ++i) {
      std::ifstream f(args[i], std::ios::binary);
      if (!f) {
        std::cerr << "cannot read " << args[i] << "\n";
        return 1;
      }
      const Bytes bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      const std::string& path = args[i];
      dump(path.substr(path.find_last_of('/') + 1), bytes);
    }
    return 0;
  }
  std::cerr << "usage: dns_wire_samples write DIR | read FILE...\n";
  return 2;
}
