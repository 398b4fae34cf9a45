// Writes seeds for dns64_synthesis_fuzz: a client query and the upstream AAAA and A (or PTR)
// replies for the cases RFC 6147 distinguishes, in the fuzzer's input layout (a settings
// byte, then three chunks of a 2-byte length and a DNS message; an empty chunk is a
// timeout). Each case is written with a few settings bytes (prefix, translate-all, exclude).
//   make_synthesis_corpus OUT_DIR
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "dns64/wire.h"

using namespace tundra;
using namespace tundra::dns;

namespace {

Name name(const char* text) { return *Name::from_text(text); }
Ipv4Address v4(const char* text) { return *Ipv4Address::parse(text); }
Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }

Message query(const char* qname, std::uint16_t type, std::optional<std::uint16_t> edns_size = 1232,
              bool dnssec_ok = false) {
  Message m;
  m.id = 0x1234;
  m.rd = true;
  m.questions = {Question{name(qname), type, kClassIN}};
  if (edns_size) m.edns = Edns{.udp_size = *edns_size, .version = 0, .dnssec_ok = dnssec_ok, .options = {}};
  return m;
}

Message reply(const char* qname, std::uint16_t type, std::uint16_t rcode = kRcodeNoError) {
  Message m;
  m.id = 0x4321;
  m.qr = true;
  m.rd = true;
  m.ra = true;
  m.rcode = rcode;
  m.questions = {Question{name(qname), type, kClassIN}};
  return m;
}

Record soa(const char* zone, std::uint32_t ttl, std::uint32_t minimum) {
  std::vector<std::uint8_t> rdata;
  for (const char* n : {"ns.example.", "hostmaster.example."}) {
    const Name w = name(n);
    rdata.insert(rdata.end(), w.wire.begin(), w.wire.end());
  }
  for (std::uint32_t v : {1u, 3600u, 600u, 86400u, minimum}) {
    for (int shift = 24; shift >= 0; shift -= 8) rdata.push_back(std::uint8_t(v >> shift));
  }
  return Record{name(zone), kTypeSOA, kClassIN, ttl, rdata};
}

Record rrsig(const char* owner, std::uint16_t covered) {
  std::vector<std::uint8_t> rdata = {std::uint8_t(covered >> 8), std::uint8_t(covered), 13, 2, 0, 0, 1, 44};
  rdata.resize(rdata.size() + 8 + 2, 0);
  const Name signer = name("example.");
  rdata.insert(rdata.end(), signer.wire.begin(), signer.wire.end());
  rdata.resize(rdata.size() + 64, 0xab);
  return Record{name(owner), kTypeRRSIG, kClassIN, 300, rdata};
}

std::string ip6_arpa(const char* address) {
  const Ipv6Address a = v6(address);
  std::string s;
  const char* hex = "0123456789abcdef";
  for (int i = 15; i >= 0; --i) {
    s += hex[a.bytes[i] & 15];
    s += '.';
    s += hex[a.bytes[i] >> 4];
    s += '.';
  }
  return s + "ip6.arpa.";
}

struct Case {
  Message query;
  std::optional<Message> aaaa;
  std::optional<Message> a;
};

std::vector<Case> cases() {
  std::vector<Case> out;
  // An A-only name: NODATA with an SOA, then one A.
  {
    Message aaaa = reply("v4only.example.", kTypeAAAA);
    aaaa.authority.push_back(soa("example.", 60, 60));
    Message a = reply("v4only.example.", kTypeA);
    a.answer.push_back(make_a(name("v4only.example."), 300, v4("192.0.2.1")));
    out.push_back({query("v4only.example.", kTypeAAAA), aaaa, a});
    out.push_back({query("V4Only.Example.", kTypeAAAA, std::nullopt), aaaa, a});
  }
  // A CNAME chain, a DNAME, RRSIGs over A and the chain, AD set.
  {
    Message aaaa = reply("www.example.", kTypeAAAA);
    aaaa.answer.push_back(make_name_record(name("www.example."), kTypeCNAME, 300, name("web.example.")));
    Message a = reply("www.example.", kTypeA);
    a.ad = true;
    a.answer.push_back(make_name_record(name("www.example."), kTypeCNAME, 300, name("web.example.")));
    a.answer.push_back(rrsig("www.example.", kTypeCNAME));
    a.answer.push_back(make_a(name("web.example."), 30, v4("192.0.2.2")));
    a.answer.push_back(make_a(name("web.example."), 30, v4("192.0.2.3")));
    a.answer.push_back(rrsig("web.example.", kTypeA));
    a.answer.push_back(make_a(name("elsewhere.example."), 30, v4("192.0.2.4")));
    a.additional.push_back(make_aaaa(name("ns.example."), 300, v6("2001:db8::53")));
    out.push_back({query("www.example.", kTypeAAAA, 4096, true), aaaa, a});

    Message dname = reply("x.old.example.", kTypeA);
    dname.answer.push_back(make_name_record(name("old.example."), kTypeDNAME, 300, name("new.example.")));
    dname.answer.push_back(make_name_record(name("x.old.example."), kTypeCNAME, 300, name("x.new.example.")));
    dname.answer.push_back(make_a(name("x.new.example."), 300, v4("198.51.100.7")));
    out.push_back({query("x.old.example.", kTypeAAAA), std::nullopt, dname});
  }
  // Real AAAA records, with and without excluded ones, and only excluded ones.
  {
    Message real = reply("dual.example.", kTypeAAAA);
    real.answer.push_back(make_aaaa(name("dual.example."), 300, v6("2001:db8::20")));
    real.answer.push_back(rrsig("dual.example.", kTypeAAAA));
    Message a = reply("dual.example.", kTypeA);
    a.answer.push_back(make_a(name("dual.example."), 300, v4("192.0.2.20")));
    out.push_back({query("dual.example.", kTypeAAAA), real, a});

    Message mixed = reply("mixed.example.", kTypeAAAA);
    mixed.ad = true;
    mixed.answer.push_back(make_aaaa(name("mixed.example."), 300, v6("::ffff:192.0.2.41")));
    mixed.answer.push_back(make_aaaa(name("mixed.example."), 300, v6("2001:db8::41")));
    mixed.answer.push_back(rrsig("mixed.example.", kTypeAAAA));
    out.push_back({query("mixed.example.", kTypeAAAA), mixed, std::nullopt});

    Message mapped = reply("mapped.example.", kTypeAAAA);
    mapped.answer.push_back(make_aaaa(name("mapped.example."), 300, v6("::ffff:192.0.2.40")));
    mapped.answer.push_back(make_aaaa(name("mapped.example."), 300, v6("fd00::40")));
    Message a40 = reply("mapped.example.", kTypeA);
    a40.answer.push_back(make_a(name("mapped.example."), 300, v4("192.0.2.40")));
    out.push_back({query("mapped.example.", kTypeAAAA), mapped, a40});
    out.push_back({query("mapped.example.", kTypeAAAA), mapped, reply("mapped.example.", kTypeA)});
  }
  // NXDOMAIN (with a CNAME), SERVFAIL, timeouts, an A lookup that finds nothing.
  {
    Message nx = reply("nxalias.example.", kTypeAAAA, kRcodeNxDomain);
    nx.answer.push_back(make_name_record(name("nxalias.example."), kTypeCNAME, 300, name("nothere.example.")));
    nx.authority.push_back(soa("example.", 60, 30));
    out.push_back({query("nxalias.example.", kTypeAAAA), nx, std::nullopt});

    Message fail = reply("broken.example.", kTypeAAAA, kRcodeServFail);
    Message a = reply("broken.example.", kTypeA);
    a.answer.push_back(make_a(name("broken.example."), 5000, v4("203.0.113.9")));
    out.push_back({query("broken.example.", kTypeAAAA), fail, a});
    out.push_back({query("broken.example.", kTypeAAAA), std::nullopt, a});
    out.push_back({query("broken.example.", kTypeAAAA), std::nullopt, std::nullopt});
    out.push_back({query("broken.example.", kTypeAAAA), fail, reply("broken.example.", kTypeA, kRcodeRefused)});
  }
  // Many A records: the synthesized reply must be cut to 512 bytes without EDNS.
  {
    Message a = reply("big.example.", kTypeA);
    for (unsigned i = 1; i <= 40; ++i) {
      a.answer.push_back(make_a(name("big.example."), 300, Ipv4Address{0xc6336400u + i}));
    }
    Message aaaa = reply("big.example.", kTypeAAAA);
    aaaa.authority.push_back(soa("example.", 60, 60));
    out.push_back({query("big.example.", kTypeAAAA, std::nullopt), aaaa, a});
    out.push_back({query("big.example.", kTypeAAAA, 600), aaaa, a});
  }
  // PTR under the WKP and a network-specific prefix, and outside both.
  {
    const std::string wkp = ip6_arpa("64:ff9b::c000:201");
    Message ptr = reply("1.2.0.192.in-addr.arpa.", kTypePTR);
    ptr.answer.push_back(make_name_record(name("1.2.0.192.in-addr.arpa."), kTypePTR, 300, name("v4only.example.")));
    out.push_back({query(wkp.c_str(), kTypePTR), std::nullopt, ptr});
    const std::string nsp = ip6_arpa("2001:db8:1c0:2:1::");
    out.push_back({query(nsp.c_str(), kTypePTR), std::nullopt, ptr});
    const std::string other = ip6_arpa("2001:db8::20");
    out.push_back({query(other.c_str(), kTypePTR), std::nullopt, ptr});
  }
  // ipv4only.arpa (RFC 8880).
  for (std::uint16_t type : {kTypeA, kTypeAAAA, kTypeANY, std::uint16_t{16}}) {
    out.push_back({query("ipv4only.arpa.", type), std::nullopt, std::nullopt});
  }
  out.push_back({query("www.ipv4only.arpa.", kTypeAAAA), std::nullopt, std::nullopt});
  // Queries that are not ours: CD=1, EDNS version 1, two questions, class CH, opcode 2.
  {
    Message aaaa = reply("v4only.example.", kTypeAAAA);
    Message a = reply("v4only.example.", kTypeA);
    a.answer.push_back(make_a(name("v4only.example."), 300, v4("192.0.2.1")));
    Message cd = query("v4only.example.", kTypeAAAA);
    cd.cd = true;
    out.push_back({cd, aaaa, a});
    Message v1 = query("v4only.example.", kTypeAAAA);
    v1.edns->version = 1;
    out.push_back({v1, aaaa, a});
    Message two = query("v4only.example.", kTypeAAAA);
    two.questions.push_back(Question{name("other.example."), kTypeA, kClassIN});
    out.push_back({two, aaaa, a});
    Message chaos = query("version.bind.", 16);
    chaos.questions[0].cls = 3;
    out.push_back({chaos, aaaa, a});
    Message status = query("v4only.example.", kTypeAAAA);
    status.opcode = 2;
    out.push_back({status, aaaa, a});
  }
  return out;
}

void put_chunk(std::string& out, const std::optional<Message>& m) {
  const std::vector<std::uint8_t> bytes = m ? write_message(*m) : std::vector<std::uint8_t>{};
  out += static_cast<char>(bytes.size() >> 8);
  out += static_cast<char>(bytes.size() & 0xff);
  out.append(bytes.begin(), bytes.end());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_synthesis_corpus OUT_DIR\n");
    return 1;
  }
  const std::string dir = argv[1];
  int written = 0;
  // Settings bytes: WKP with the default exclude list and repaired replies; translate-all;
  // a /40 prefix with ULA excluded; the same without repair.
  const unsigned char settings[] = {0x40, 0x48, 0x62, 0x22};
  for (const Case& c : cases()) {
    for (unsigned char s : settings) {
      std::string input(1, static_cast<char>(s));
      put_chunk(input, c.query);
      put_chunk(input, c.aaaa);
      put_chunk(input, c.a);
      std::ofstream f(dir + "/synthesis-" + std::to_string(written++), std::ios::binary);
      f.write(input.data(), static_cast<std::streamsize>(input.size()));
      if (!f) {
        std::fprintf(stderr, "make_synthesis_corpus: cannot write in %s\n", dir.c_str());
        return 2;
      }
    }
  }
  std::printf("%d seeds in %s\n", written, dir.c_str());
  return 0;
}
