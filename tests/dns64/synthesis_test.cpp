// RFC 6147 DNS64 decisions and reply building (dns64/synthesis.h), RFC 8880 ipv4only.arpa.
#include "dns64/synthesis.h"

#include <catch2/catch.hpp>

#include <cctype>
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace tundra::dns64 {
namespace {

using dns::Message;
using dns::Name;
using dns::Record;

Name name(const std::string& text) { return *Name::from_text(text); }
Ipv4Address v4(const char* text) { return *Ipv4Address::parse(text); }
Ipv6Address v6(const std::string& text) { return *Ipv6Address::parse(text); }

std::uint16_t type_of(const std::string& text) {
  if (text == "A") return dns::kTypeA;
  if (text == "AAAA") return dns::kTypeAAAA;
  if (text == "CNAME") return dns::kTypeCNAME;
  if (text == "DNAME") return dns::kTypeDNAME;
  if (text == "SOA") return dns::kTypeSOA;
  if (text == "PTR") return dns::kTypePTR;
  if (text == "NS") return dns::kTypeNS;
  if (text == "MX") return dns::kTypeMX;
  if (text == "RRSIG") return dns::kTypeRRSIG;
  FAIL("unknown type in test data: " << text);
  return 0;
}

void append_name(std::vector<std::uint8_t>& rdata, const Name& n) {
  rdata.insert(rdata.end(), n.wire.begin(), n.wire.end());
}
void append_u32(std::vector<std::uint8_t>& rdata, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) rdata.push_back(std::uint8_t(v >> shift));
}

// One record from "owner TTL TYPE data", data as in a zone file for A, AAAA, CNAME, DNAME,
// PTR and NS; "SOA" takes no data (a fixed example SOA); "RRSIG <covered type>" makes a
// signature stub whose RDATA starts with the covered type.
Record rr(const std::string& text) {
  std::istringstream in(text);
  std::string owner, type, data;
  std::uint32_t ttl = 0;
  in >> owner >> ttl >> type >> data;
  const Name o = name(owner);
  const std::uint16_t t = type_of(type);
  switch (t) {
    case dns::kTypeA:
      return dns::make_a(o, ttl, v4(data.c_str()));
    case dns::kTypeAAAA:
      return dns::make_aaaa(o, ttl, v6(data));
    case dns::kTypeSOA: {
      Record r{.owner = o, .type = t, .ttl = ttl};
      append_name(r.rdata, name("ns1." + owner));
      append_name(r.rdata, name("hostmaster." + owner));
      for (std::uint32_t v : {1u, 3600u, 600u, 86400u, 60u}) append_u32(r.rdata, v);
      return r;
    }
    case dns::kTypeRRSIG: {
      Record r{.owner = o, .type = t, .ttl = ttl};
      const std::uint16_t covered = type_of(data);
      r.rdata = {std::uint8_t(covered >> 8), std::uint8_t(covered), 13, 3};
      for (int i = 0; i < 16; ++i) r.rdata.push_back(0);  // TTL, dates, tag: stub values
      append_name(r.rdata, name("example."));
      r.rdata.push_back(0xab);  // signature stub
      return r;
    }
    default:
      return dns::make_name_record(o, t, ttl, name(data));
  }
}

// A record in "owner TTL TYPE data" form, for comparisons (SOA and RRSIG without data).
std::string show(const Record& r) {
  std::string s = r.owner.to_text() + " " + std::to_string(r.ttl) + " " + dns::type_name(r.type);
  if (auto a = r.a()) return s + " " + a->to_string();
  if (auto a = r.aaaa()) return s + " " + a->to_string();
  if (r.type == dns::kTypeRRSIG && r.rdata.size() >= 2) {
    return s + " " + dns::type_name(std::uint16_t(r.rdata[0] << 8 | r.rdata[1]));
  }
  if (auto t = r.target()) return s + " " + t->to_text();
  return s;
}

std::vector<std::string> show(const std::vector<Record>& records) {
  std::vector<std::string> out;
  for (const Record& r : records) out.push_back(show(r));
  return out;
}

std::vector<Record> rrs(std::initializer_list<const char*> texts) {
  std::vector<Record> out;
  for (const char* t : texts) out.push_back(rr(t));
  return out;
}

// A client query: ID 0x1234, RD set, one question.
Message query(const std::string& qname, std::uint16_t qtype, std::uint16_t qclass = dns::kClassIN) {
  Message q;
  q.id = 0x1234;
  q.rd = true;
  q.questions.push_back({name(qname), qtype, qclass});
  return q;
}

// An upstream reply to `qname`/`qtype` with the given sections.
Message reply(const std::string& qname, std::uint16_t qtype, std::uint16_t rcode,
              std::vector<Record> answer, std::vector<Record> authority = {},
              std::vector<Record> additional = {}) {
  Message m = query(qname, qtype);
  m.id = 0x9999;
  m.qr = true;
  m.ra = true;
  m.rcode = rcode;
  m.answer = std::move(answer);
  m.authority = std::move(authority);
  m.additional = std::move(additional);
  return m;
}

SynthesisSettings wkp_settings() { return SynthesisSettings{}; }

SynthesisSettings settings_with_default_exclude() {
  SynthesisSettings s;
  s.exclude = {*Ipv6Prefix::parse("::ffff:0:0/96")};
  return s;
}

// What the server does for a kSynthesize query (dns64/server.h): the AAAA lookup, then the
// A lookup only when decide_after_aaaa() asks for it.
Message run_pipeline(const Message* aaaa_reply, const Message* a_reply,
                     const SynthesisSettings& settings) {
  Message out;
  if (decide_after_aaaa(aaaa_reply, settings, &out) == AaaaDecision::kReturnReply) return out;
  if (auto synthesized = synthesize(aaaa_reply, a_reply, settings)) return *synthesized;
  return fallback_reply(aaaa_reply, settings);
}

// The ip6.arpa name of an IPv6 address (RFC 3596 §2.5), nibbles in lower case.
std::string ip6_arpa(const std::string& address) {
  const Ipv6Address a = v6(address);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 15; i >= 0; --i) {
    s += kHex[a.bytes[i] & 0xf];
    s += '.';
    s += kHex[a.bytes[i] >> 4];
    s += '.';
  }
  return s + "ip6.arpa.";
}

// Messages compare by their wire form (every field and every byte of every record).
bool same(const Message& a, const Message& b) { return dns::write_message(a) == dns::write_message(b); }

Message parse(const std::vector<std::uint8_t>& bytes) {
  Message m;
  REQUIRE(dns::parse_message(bytes, &m) == dns::ParseError::kOk);
  return m;
}

const Name kV4only = name("v4only.example.");

}  // namespace

// ---------------------------------------------------------------------------------------
// plan_query: which queries are ours.

TEST_CASE("An AAAA query in class IN is intercepted for synthesis", "[rfc6147-5.1]") {
  CHECK(plan_query(query("v4only.example.", dns::kTypeAAAA), wkp_settings()) == Plan::kSynthesize);
}

TEST_CASE("A, MX, TXT and ANY queries are forwarded unchanged", "[rfc6147-5.3.3]") {
  for (std::uint16_t type : {dns::kTypeA, dns::kTypeMX, std::uint16_t{16}, dns::kTypeANY}) {
    INFO(dns::type_name(type));
    CHECK(plan_query(query("v4only.example.", type), wkp_settings()) == Plan::kForward);
  }
}

TEST_CASE("An AAAA query in a class other than IN is forwarded as if no DNS64 were configured",
          "[rfc6147-5]") {
  for (std::uint16_t cls : {std::uint16_t{3}, std::uint16_t{4}, std::uint16_t{255}}) {
    INFO(cls);
    CHECK(plan_query(query("v4only.example.", dns::kTypeAAAA, cls), wkp_settings()) ==
          Plan::kForward);
  }
  CHECK(plan_query(query("ipv4only.arpa.", dns::kTypeAAAA, 3), wkp_settings()) == Plan::kForward);
}

TEST_CASE("A query with CD=1 is forwarded without synthesis", "[rfc6147-5.5]") {
  for (const char* qname : {"v4only.example.", "ipv4only.arpa."}) {
    INFO(qname);
    Message q = query(qname, dns::kTypeAAAA);
    q.cd = true;
    CHECK(plan_query(q, wkp_settings()) == Plan::kForward);
  }
  Message ptr = query(ip6_arpa("64:ff9b::192.0.2.1"), dns::kTypePTR);
  ptr.cd = true;
  CHECK(plan_query(ptr, wkp_settings()) == Plan::kForward);
}

TEST_CASE("A query whose opcode is not QUERY is forwarded", "[rfc6147-5.3.3]") {
  Message q = query("v4only.example.", dns::kTypeAAAA);
  q.opcode = 4;  // NOTIFY
  CHECK(plan_query(q, wkp_settings()) == Plan::kForward);
}

TEST_CASE("A query without exactly one question is forwarded", "[rfc6147-5.3.3]") {
  Message none = query("v4only.example.", dns::kTypeAAAA);
  none.questions.clear();
  CHECK(plan_query(none, wkp_settings()) == Plan::kForward);
  Message two = query("v4only.example.", dns::kTypeAAAA);
  two.questions.push_back(two.questions.front());
  CHECK(plan_query(two, wkp_settings()) == Plan::kForward);
}

TEST_CASE("A PTR query under the prefix or the WKP is answered by reverse mapping",
          "[rfc6147-5.3.1]") {
  SynthesisSettings s;
  s.prefix = *Rfc6052Prefix::parse("2001:db8:64::/96");
  CHECK(plan_query(query(ip6_arpa("2001:db8:64::192.0.2.1"), dns::kTypePTR), s) ==
        Plan::kReversePtr);
  CHECK(plan_query(query(ip6_arpa("64:ff9b::192.0.2.1"), dns::kTypePTR), s) == Plan::kReversePtr);
}

TEST_CASE("A PTR query outside the prefixes and an in-addr.arpa PTR query are forwarded",
          "[rfc6147-5.3.1]") {
  CHECK(plan_query(query(ip6_arpa("2001:db8::1"), dns::kTypePTR), wkp_settings()) ==
        Plan::kForward);
  CHECK(plan_query(query("1.2.0.192.in-addr.arpa.", dns::kTypePTR), wkp_settings()) ==
        Plan::kForward);
  // A non-PTR query for a name under the prefix is not ours either.
  CHECK(plan_query(query(ip6_arpa("64:ff9b::192.0.2.1"), 16), wkp_settings()) == Plan::kForward);
}

TEST_CASE("Every query type at or under ipv4only.arpa is answered locally", "[rfc8880-7.2]") {
  for (std::uint16_t type : {dns::kTypeA, dns::kTypeAAAA, dns::kTypeMX, dns::kTypeSOA}) {
    INFO(dns::type_name(type));
    CHECK(plan_query(query("ipv4only.arpa.", type), wkp_settings()) == Plan::kIpv4OnlyArpa);
    CHECK(plan_query(query("IPv4Only.ARPA.", type), wkp_settings()) == Plan::kIpv4OnlyArpa);
    CHECK(plan_query(query("www.ipv4only.arpa.", type), wkp_settings()) == Plan::kIpv4OnlyArpa);
  }
  CHECK(plan_query(query("xipv4only.arpa.", dns::kTypeAAAA), wkp_settings()) == Plan::kSynthesize);
}

// ---------------------------------------------------------------------------------------
// decide_after_aaaa: what the AAAA reply decides.

TEST_CASE("Real AAAA records are returned as they are", "[rfc6147-5.1.1]") {
  const Message aaaa = reply("dual.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"dual.example. 300 AAAA 2001:db8::20"}));
  Message out;
  REQUIRE(decide_after_aaaa(&aaaa, settings_with_default_exclude(), &out) ==
          AaaaDecision::kReturnReply);
  CHECK(same(out, aaaa));
}

TEST_CASE("With translate-all a reply with real AAAA records still leads to the A lookup",
          "[rfc6147-5.1.1]") {
  const Message aaaa = reply("dual.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"dual.example. 300 AAAA 2001:db8::20"}));
  SynthesisSettings s;
  s.translate_all = true;
  Message out;
  CHECK(decide_after_aaaa(&aaaa, s, &out) == AaaaDecision::kLookupA);
}

TEST_CASE("An AAAA RRset of only excluded addresses counts as an empty answer",
          "[rfc6147-5.1.4]") {
  const Message aaaa = reply("mapped.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"mapped.example. 300 AAAA ::ffff:192.0.2.40"}));
  Message out;
  CHECK(decide_after_aaaa(&aaaa, settings_with_default_exclude(), &out) == AaaaDecision::kLookupA);
  // Without an exclusion list it is an ordinary AAAA.
  CHECK(decide_after_aaaa(&aaaa, wkp_settings(), &out) == AaaaDecision::kReturnReply);
}

TEST_CASE("A mixed AAAA RRset loses only its excluded records and their signature",
          "[rfc6147-5.1.4]") {
  Message aaaa = reply("mixed.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                       rrs({"mixed.example. 300 AAAA ::ffff:192.0.2.40",
                            "mixed.example. 300 AAAA 2001:db8::40",
                            "mixed.example. 300 RRSIG AAAA"}));
  aaaa.ad = true;
  SynthesisSettings s = settings_with_default_exclude();
  s.exclude.push_back(*Ipv6Prefix::parse("2001:db8:bad::/48"));
  Message out;
  REQUIRE(decide_after_aaaa(&aaaa, s, &out) == AaaaDecision::kReturnReply);
  CHECK(show(out.answer) == std::vector<std::string>{"mixed.example. 300 AAAA 2001:db8::40"});
  CHECK_FALSE(out.ad);  // the remaining RRset can no longer be validated
}

TEST_CASE("NXDOMAIN is returned unchanged, also with a CNAME chain in the answer",
          "[rfc6147-5.1.2]") {
  const Message plain = reply("nx.example.", dns::kTypeAAAA, dns::kRcodeNxDomain, {},
                              rrs({"example. 60 SOA"}));
  const Message chained = reply("alias.example.", dns::kTypeAAAA, dns::kRcodeNxDomain,
                                rrs({"alias.example. 300 CNAME gone.example."}),
                                rrs({"example. 60 SOA"}));
  for (bool translate_all : {false, true}) {
    SynthesisSettings s;
    s.translate_all = translate_all;
    for (const Message* m : {&plain, &chained}) {
      INFO("translate_all " << translate_all << " answer records " << m->answer.size());
      Message out;
      REQUIRE(decide_after_aaaa(m, s, &out) == AaaaDecision::kReturnReply);
      CHECK(same(out, *m));
    }
  }
}

TEST_CASE("An NXDOMAIN that carries excluded AAAA records is returned without them",
          "[rfc6147-5.1.2][rfc6147-5.1.4]") {
  // Nonsense from a real server, but an upstream may send anything (found by
  // fuzz/dns64_synthesis_fuzz): the excluded AAAA must not reach the client.
  const Message nx = reply("mapped.example.", dns::kTypeAAAA, dns::kRcodeNxDomain,
                           rrs({"mapped.example. 300 AAAA ::ffff:192.0.2.40",
                                "mapped.example. 300 AAAA 2001:db8::40"}),
                           rrs({"example. 60 SOA"}));
  Message out;
  REQUIRE(decide_after_aaaa(&nx, settings_with_default_exclude(), &out) == AaaaDecision::kReturnReply);
  CHECK(out.rcode == dns::kRcodeNxDomain);
  CHECK(show(out.answer) == std::vector<std::string>{"mapped.example. 300 AAAA 2001:db8::40"});
  CHECK(show(out.authority) == show(nx.authority));
}

TEST_CASE("SERVFAIL, REFUSED, NOTIMP and FORMERR lead to the A lookup", "[rfc6147-5.1.2]") {
  for (std::uint16_t rcode : {dns::kRcodeServFail, dns::kRcodeRefused, dns::kRcodeNotImp,
                              dns::kRcodeFormErr}) {
    INFO(dns::rcode_name(rcode));
    const Message aaaa = reply("v4only.example.", dns::kTypeAAAA, rcode, {});
    Message out;
    CHECK(decide_after_aaaa(&aaaa, wkp_settings(), &out) == AaaaDecision::kLookupA);
  }
}

TEST_CASE("A timeout of the AAAA lookup leads to the A lookup", "[rfc6147-5.1.3]") {
  Message out;
  CHECK(decide_after_aaaa(nullptr, wkp_settings(), &out) == AaaaDecision::kLookupA);
}

TEST_CASE("NODATA leads to the A lookup", "[rfc6147-5.1.6]") {
  const Message aaaa = reply("v4only.example.", dns::kTypeAAAA, dns::kRcodeNoError, {},
                             rrs({"example. 60 SOA"}));
  CHECK(decide_after_aaaa(&aaaa, wkp_settings(), nullptr) == AaaaDecision::kLookupA);
}

TEST_CASE("An AAAA record at the end of a CNAME chain counts as real AAAA", "[rfc6147-5.1.5]") {
  const Message aaaa = reply("www.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"www.example. 300 CNAME cdn.example.",
                                  "cdn.example. 300 CNAME edge.cdn.example.",
                                  "edge.cdn.example. 60 AAAA 2001:db8::80"}));
  Message out;
  REQUIRE(decide_after_aaaa(&aaaa, wkp_settings(), &out) == AaaaDecision::kReturnReply);
  CHECK(same(out, aaaa));
}

TEST_CASE("A CNAME chain that ends without AAAA leads to the A lookup", "[rfc6147-5.1.5]") {
  const Message aaaa = reply("www.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"www.example. 300 CNAME v4only.example."}),
                             rrs({"example. 60 SOA"}));
  CHECK(decide_after_aaaa(&aaaa, wkp_settings(), nullptr) == AaaaDecision::kLookupA);
}

TEST_CASE("An AAAA record for a name off the chain does not count as the answer",
          "[rfc6147-5.1.5]") {
  const Message aaaa = reply("www.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"www.example. 300 CNAME v4only.example.",
                                  "other.example. 300 AAAA 2001:db8::1"}));
  CHECK(decide_after_aaaa(&aaaa, wkp_settings(), nullptr) == AaaaDecision::kLookupA);
}

TEST_CASE("A DNAME in the answer is followed to the AAAA records", "[rfc6147-5.1.5]") {
  // RFC 6672: www.old.example. is rewritten to www.new.example. by the DNAME.
  const Message aaaa = reply("www.old.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"old.example. 300 DNAME new.example.",
                                  "www.new.example. 300 AAAA 2001:db8::53"}));
  CHECK(decide_after_aaaa(&aaaa, wkp_settings(), nullptr) == AaaaDecision::kReturnReply);
}

TEST_CASE("Chain owners are compared without regard to case", "[rfc6147-5.1.5][rfc4343]") {
  const Message aaaa = reply("WWW.Example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"www.example. 300 CNAME CDN.example.",
                                  "cdn.EXAMPLE. 60 AAAA 2001:db8::80"}));
  CHECK(decide_after_aaaa(&aaaa, wkp_settings(), nullptr) == AaaaDecision::kReturnReply);
}

TEST_CASE("A CNAME loop ends the chain without an answer", "[rfc6147-5.1.5]") {
  const Message aaaa = reply("a.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"a.example. 300 CNAME b.example.",
                                  "b.example. 300 CNAME a.example.",
                                  "a.example. 300 AAAA 2001:db8::1"}));
  CHECK(decide_after_aaaa(&aaaa, wkp_settings(), nullptr) == AaaaDecision::kLookupA);
  const Message a = reply("a.example.", dns::kTypeA, dns::kRcodeNoError,
                          rrs({"a.example. 300 CNAME b.example.", "b.example. 300 CNAME a.example.",
                               "a.example. 300 A 192.0.2.1"}));
  CHECK_FALSE(synthesize(&aaaa, &a, wkp_settings()));
}

// ---------------------------------------------------------------------------------------
// synthesize and fallback_reply.

TEST_CASE("Each A record becomes an AAAA record under the prefix with the same owner",
          "[rfc6147-5.1.7][rfc6052-2.2]") {
  const Message aaaa = reply("v4only.example.", dns::kTypeAAAA, dns::kRcodeNoError, {},
                             rrs({"example. 3600 SOA"}));
  const Message a = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError,
                          rrs({"v4only.example. 300 A 192.0.2.33", "v4only.example. 300 A 192.0.2.34"}));
  SynthesisSettings s;
  s.prefix = *Rfc6052Prefix::parse("2001:db8::/32");  // RFC 6052 §2.4 example
  auto out = synthesize(&aaaa, &a, s);
  REQUIRE(out);
  CHECK(show(out->answer) == std::vector<std::string>{"v4only.example. 300 AAAA 2001:db8:c000:221::",
                                                      "v4only.example. 300 AAAA 2001:db8:c000:222::"});
  REQUIRE(out->questions.size() == 1);
  CHECK(out->questions.front().type == dns::kTypeAAAA);
  CHECK(out->questions.front().name.equals(kV4only));
  CHECK(out->rcode == dns::kRcodeNoError);
}

TEST_CASE("The synthesized TTL is capped by the SOA TTL of the negative AAAA reply",
          "[rfc6147-5.1.7]") {
  const Message aaaa = reply("v4multi.example.", dns::kTypeAAAA, dns::kRcodeNoError, {},
                             rrs({"example. 60 SOA"}));
  const Message a = reply("v4multi.example.", dns::kTypeA, dns::kRcodeNoError,
                          rrs({"v4multi.example. 900 A 192.0.2.10", "v4multi.example. 30 A 192.0.2.11"}));
  auto out = synthesize(&aaaa, &a, wkp_settings());
  REQUIRE(out);
  CHECK(show(out->answer) == std::vector<std::string>{"v4multi.example. 60 AAAA 64:ff9b::c000:20a",
                                                      "v4multi.example. 30 AAAA 64:ff9b::c000:20b"});
}

TEST_CASE("Without an SOA the synthesized TTL is capped at 600 seconds", "[rfc6147-5.1.7]") {
  const Message a = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError,
                          rrs({"v4only.example. 86400 A 192.0.2.1"}));
  const Message aaaa_without_soa = reply("v4only.example.", dns::kTypeAAAA, dns::kRcodeNoError, {});
  for (const Message* aaaa : {&aaaa_without_soa, static_cast<const Message*>(nullptr)}) {
    auto out = synthesize(aaaa, &a, wkp_settings());
    REQUIRE(out);
    CHECK(show(out->answer) ==
          std::vector<std::string>{"v4only.example. 600 AAAA 64:ff9b::c000:201"});
  }
  const Message short_a = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError,
                                rrs({"v4only.example. 20 A 192.0.2.1"}));
  CHECK(synthesize(nullptr, &short_a, wkp_settings())->answer.front().ttl == 20);
}

TEST_CASE("The CNAME chain of the A reply is kept and only the terminal A RRset converted",
          "[rfc6147-5.1.5][rfc6147-5.1.6]") {
  const Message aaaa = reply("alias.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"alias.example. 300 CNAME v4only.example."}),
                             rrs({"example. 60 SOA"}));
  const Message a = reply("alias.example.", dns::kTypeA, dns::kRcodeNoError,
                          rrs({"alias.example. 300 CNAME v4only.example.",
                               "v4only.example. 300 A 192.0.2.1",
                               "stray.example. 300 A 192.0.2.99"}));
  auto out = synthesize(&aaaa, &a, wkp_settings());
  REQUIRE(out);
  CHECK(show(out->answer) == std::vector<std::string>{"alias.example. 300 CNAME v4only.example.",
                                                      "v4only.example. 60 AAAA 64:ff9b::c000:201"});
}

TEST_CASE("Authority comes from the A reply and additional is passed unchanged",
          "[rfc6147-5.4][rfc6147-5.3.2]") {
  const Message aaaa = reply("v4only.example.", dns::kTypeAAAA, dns::kRcodeNoError, {},
                             rrs({"example. 60 SOA"}));
  const Message a = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError,
                          rrs({"v4only.example. 300 A 192.0.2.1"}),
                          rrs({"example. 300 NS ns1.example."}),
                          rrs({"ns1.example. 300 A 192.0.2.53"}));
  auto out = synthesize(&aaaa, &a, wkp_settings());
  REQUIRE(out);
  CHECK(show(out->authority) == std::vector<std::string>{"example. 300 NS ns1.example."});
  CHECK(show(out->additional) == std::vector<std::string>{"ns1.example. 300 A 192.0.2.53"});
}

TEST_CASE("RRSIGs covering A are removed and AD and AA are cleared", "[rfc6147-5.5]") {
  const Message aaaa = reply("alias.example.", dns::kTypeAAAA, dns::kRcodeNoError, {},
                             rrs({"example. 60 SOA"}));
  Message a = reply("alias.example.", dns::kTypeA, dns::kRcodeNoError,
                    rrs({"alias.example. 300 CNAME v4only.example.", "alias.example. 300 RRSIG CNAME",
                         "v4only.example. 300 A 192.0.2.1", "v4only.example. 300 RRSIG A"}));
  a.ad = true;
  a.aa = true;
  auto out = synthesize(&aaaa, &a, wkp_settings());
  REQUIRE(out);
  CHECK(show(out->answer) == std::vector<std::string>{"alias.example. 300 CNAME v4only.example.",
                                                      "alias.example. 300 RRSIG CNAME",
                                                      "v4only.example. 60 AAAA 64:ff9b::c000:201"});
  CHECK_FALSE(out->ad);
  CHECK_FALSE(out->aa);
}

TEST_CASE("A truncated A reply gives a synthesized reply with TC set", "[rfc6147-5.4]") {
  Message a = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError,
                    rrs({"v4only.example. 300 A 192.0.2.1"}));
  a.tc = true;
  auto out = synthesize(nullptr, &a, wkp_settings());
  REQUIRE(out);
  CHECK(out->tc);
}

TEST_CASE("An A lookup that failed, timed out or found nothing gives no synthesis",
          "[rfc6147-5.1.6]") {
  const Message aaaa = reply("v4only.example.", dns::kTypeAAAA, dns::kRcodeNoError, {},
                             rrs({"example. 60 SOA"}));
  CHECK_FALSE(synthesize(&aaaa, nullptr, wkp_settings()));
  for (std::uint16_t rcode : {dns::kRcodeServFail, dns::kRcodeNxDomain, dns::kRcodeRefused}) {
    INFO(dns::rcode_name(rcode));
    const Message a = reply("v4only.example.", dns::kTypeA, rcode, {});
    CHECK_FALSE(synthesize(&aaaa, &a, wkp_settings()));
  }
  const Message nodata = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError, {},
                               rrs({"example. 60 SOA"}));
  CHECK_FALSE(synthesize(&aaaa, &nodata, wkp_settings()));
  const Message chain_only = reply("alias.example.", dns::kTypeA, dns::kRcodeNoError,
                                   rrs({"alias.example. 300 CNAME v6only.example."}));
  CHECK_FALSE(synthesize(&aaaa, &chain_only, wkp_settings()));
}

TEST_CASE("The fallback is the AAAA reply with its rcode, or SERVFAIL after a timeout",
          "[rfc6147-5.1.6][rfc6147-5.4]") {
  const Message nodata = reply("v4only.example.", dns::kTypeAAAA, dns::kRcodeNoError, {},
                               rrs({"example. 60 SOA"}));
  CHECK(same(fallback_reply(&nodata, wkp_settings()), nodata));
  const Message refused = reply("v4only.example.", dns::kTypeAAAA, dns::kRcodeRefused, {});
  CHECK(fallback_reply(&refused, wkp_settings()).rcode == dns::kRcodeRefused);
  const Message timeout = fallback_reply(nullptr, wkp_settings());
  CHECK(timeout.rcode == dns::kRcodeServFail);
  CHECK(timeout.answer.empty());
}

TEST_CASE("The fallback never returns excluded AAAA records", "[rfc6147-5.1.4]") {
  const Message aaaa = reply("mapped.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"mapped.example. 300 AAAA ::ffff:192.0.2.40"}));
  const Message a = reply("mapped.example.", dns::kTypeA, dns::kRcodeServFail, {});
  const Message out = run_pipeline(&aaaa, &a, settings_with_default_exclude());
  CHECK(out.rcode == dns::kRcodeNoError);
  CHECK(out.answer.empty());
}

TEST_CASE("Excluded AAAA records in the A reply's answer are not passed on", "[rfc6147-5.1.4]") {
  const Message aaaa = reply("v4only.example.", dns::kTypeAAAA, dns::kRcodeNoError, {});
  const Message a = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError,
                          rrs({"v4only.example. 300 A 192.0.2.1",
                               "v4only.example. 300 AAAA ::ffff:192.0.2.9"}));
  const auto out = synthesize(&aaaa, &a, settings_with_default_exclude());
  REQUIRE(out.has_value());
  CHECK(show(out->answer) == std::vector<std::string>{"v4only.example. 300 AAAA 64:ff9b::c000:201"});
}

TEST_CASE("With translate-all a name with AAAA but no A gets its real AAAA back",
          "[rfc6147-5.1.1][rfc6147-5.1.6]") {
  SynthesisSettings s;
  s.translate_all = true;
  const Message aaaa = reply("v6only.example.", dns::kTypeAAAA, dns::kRcodeNoError,
                             rrs({"v6only.example. 300 AAAA 2001:db8::30"}));
  const Message a = reply("v6only.example.", dns::kTypeA, dns::kRcodeNoError, {},
                          rrs({"example. 60 SOA"}));
  REQUIRE(decide_after_aaaa(&aaaa, s, nullptr) == AaaaDecision::kLookupA);
  REQUIRE_FALSE(synthesize(&aaaa, &a, s));
  CHECK(show(fallback_reply(&aaaa, s).answer) ==
        std::vector<std::string>{"v6only.example. 300 AAAA 2001:db8::30"});
}

// Cases modelled on the CoreDNS dns64 unit tests (our own data): one upstream AAAA reply,
// one upstream A reply, what the client gets.
TEST_CASE("The DNS64 pipeline gives the expected answer for each upstream situation",
          "[rfc6147-5.1][rfc6147-5.4]") {
  struct Case {
    const char* what;
    bool translate_all;
    bool aaaa_timeout;
    std::uint16_t aaaa_rcode;
    std::vector<const char*> aaaa_answer;
    std::vector<const char*> aaaa_authority;
    std::uint16_t a_rcode;
    std::vector<const char*> a_answer;
    std::uint16_t want_rcode;
    std::vector<std::string> want_answer;
  };
  const std::vector<Case> cases = {
      {"IPv4-only name: synthesized with the negative TTL", false, false, 0, {},
       {"example. 60 SOA"}, 0, {"x.example. 300 A 192.0.2.1"},
       0, {"x.example. 60 AAAA 64:ff9b::c000:201"}},
      {"dual-stack name: the real AAAA", false, false, 0,
       {"x.example. 300 AAAA 2001:db8::1"}, {}, 0, {"x.example. 300 A 192.0.2.1"},
       0, {"x.example. 300 AAAA 2001:db8::1"}},
      {"dual-stack name with translate-all: synthesized", true, false, 0,
       {"x.example. 300 AAAA 2001:db8::1"}, {}, 0, {"x.example. 300 A 192.0.2.1"},
       0, {"x.example. 300 AAAA 64:ff9b::c000:201"}},
      {"IPv6-only name with translate-all: the real AAAA", true, false, 0,
       {"x.example. 300 AAAA 2001:db8::1"}, {}, 0, {},
       0, {"x.example. 300 AAAA 2001:db8::1"}},
      {"nonexistent name: NXDOMAIN", false, false, 3, {}, {"example. 60 SOA"}, 0, {}, 3, {}},
      {"alias of an IPv4-only name: chain and synthesized AAAA", false, false, 0,
       {"x.example. 300 CNAME y.example."}, {"example. 60 SOA"}, 0,
       {"x.example. 300 CNAME y.example.", "y.example. 120 A 192.0.2.7"},
       0, {"x.example. 300 CNAME y.example.", "y.example. 60 AAAA 64:ff9b::c000:207"}},
      {"mapped AAAA only: excluded, synthesized from A", false, false, 0,
       {"x.example. 300 AAAA ::ffff:192.0.2.40"}, {}, 0, {"x.example. 300 A 192.0.2.40"},
       0, {"x.example. 300 AAAA 64:ff9b::c000:228"}},
      {"AAAA SERVFAIL, A with data: synthesized", false, false, 2, {}, {}, 0,
       {"x.example. 30 A 192.0.2.1"}, 0, {"x.example. 30 AAAA 64:ff9b::c000:201"}},
      {"AAAA timeout, A with data: synthesized", false, true, 0, {}, {}, 0,
       {"x.example. 900 A 192.0.2.1"}, 0, {"x.example. 600 AAAA 64:ff9b::c000:201"}},
      {"AAAA SERVFAIL, A SERVFAIL: the AAAA reply's SERVFAIL", false, false, 2, {}, {}, 2, {},
       2, {}},
      {"NODATA, A SERVFAIL: the NODATA, not a fabricated answer", false, false, 0, {},
       {"example. 60 SOA"}, 2, {}, 0, {}},
      {"NODATA, A NXDOMAIN: the NODATA", false, false, 0, {}, {"example. 60 SOA"}, 3, {}, 0, {}},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    SynthesisSettings s = settings_with_default_exclude();
    s.translate_all = c.translate_all;
    std::vector<Record> aaaa_answer, aaaa_authority, a_answer;
    for (const char* t : c.aaaa_answer) aaaa_answer.push_back(rr(t));
    for (const char* t : c.aaaa_authority) aaaa_authority.push_back(rr(t));
    for (const char* t : c.a_answer) a_answer.push_back(rr(t));
    const Message aaaa = reply("x.example.", dns::kTypeAAAA, c.aaaa_rcode, aaaa_answer, aaaa_authority);
    const Message a = reply("x.example.", dns::kTypeA, c.a_rcode, a_answer);
    const Message out = run_pipeline(c.aaaa_timeout ? nullptr : &aaaa, &a, s);
    CHECK(out.rcode == c.want_rcode);
    CHECK(show(out.answer) == c.want_answer);
  }
}

// ---------------------------------------------------------------------------------------
// ipv4only.arpa (RFC 8880, RFC 7050).

TEST_CASE("ipv4only.arpa A is answered with 192.0.0.170 and 192.0.0.171", "[rfc8880-7.2]") {
  const Message out = answer_ipv4only_arpa(query("ipv4only.arpa.", dns::kTypeA), wkp_settings());
  CHECK(out.rcode == dns::kRcodeNoError);
  CHECK(out.aa);
  CHECK(show(out.answer) == std::vector<std::string>{"ipv4only.arpa. 86400 A 192.0.0.170",
                                                     "ipv4only.arpa. 86400 A 192.0.0.171"});
  CHECK(out.authority.empty());
  // ANY gets the A RRset (RFC 8482 §4.1 allows answering ANY with one RRset).
  const Message any = answer_ipv4only_arpa(query("ipv4only.arpa.", dns::kTypeANY), wkp_settings());
  CHECK(show(any.answer) == show(out.answer));
}

TEST_CASE("ipv4only.arpa AAAA is synthesized under the prefix even when exclude covers it",
          "[rfc8880-7.2][rfc7050-3]") {
  SynthesisSettings s;
  s.prefix = *Rfc6052Prefix::parse("2001:db8:122:300::/56");
  s.exclude = {*Ipv6Prefix::parse("2001:db8::/32"), *Ipv6Prefix::parse("::ffff:0:0/96")};
  const Message out = answer_ipv4only_arpa(query("IPv4Only.Arpa.", dns::kTypeAAAA), s);
  CHECK(out.rcode == dns::kRcodeNoError);
  CHECK(show(out.answer) ==
        std::vector<std::string>{"IPv4Only.Arpa. 86400 AAAA 2001:db8:122:3c0:0:aa::",
                                 "IPv4Only.Arpa. 86400 AAAA 2001:db8:122:3c0:0:ab::"});
  const Message wkp = answer_ipv4only_arpa(query("ipv4only.arpa.", dns::kTypeAAAA), wkp_settings());
  CHECK(show(wkp.answer) == std::vector<std::string>{"ipv4only.arpa. 86400 AAAA 64:ff9b::c000:aa",
                                                     "ipv4only.arpa. 86400 AAAA 64:ff9b::c000:ab"});
}

TEST_CASE("Other types at ipv4only.arpa get NOERROR without data and the zone's SOA",
          "[rfc8880-7.2][rfc2308-2.2]") {
  for (std::uint16_t type : {dns::kTypeMX, dns::kTypePTR, std::uint16_t{16}}) {
    INFO(dns::type_name(type));
    const Message out = answer_ipv4only_arpa(query("ipv4only.arpa.", type), wkp_settings());
    CHECK(out.rcode == dns::kRcodeNoError);
    CHECK(out.answer.empty());
    REQUIRE(out.authority.size() == 1);
    const Record& soa = out.authority.front();
    CHECK(soa.type == dns::kTypeSOA);
    CHECK(soa.owner.equals(name("ipv4only.arpa.")));
    CHECK(soa.ttl == 86400);
    // MNAME ipv4only.arpa., RNAME nobody.invalid., then the five counters.
    const Name mname = name("ipv4only.arpa.");
    const Name rname = name("nobody.invalid.");
    REQUIRE(soa.rdata.size() == mname.wire.size() + rname.wire.size() + 20);
    CHECK(std::string(soa.rdata.begin(), soa.rdata.begin() + mname.wire.size()) == mname.wire);
  }
}

TEST_CASE("Names below ipv4only.arpa get NXDOMAIN with the zone's SOA", "[rfc8880-7.2]") {
  const Message out = answer_ipv4only_arpa(query("www.ipv4only.arpa.", dns::kTypeA), wkp_settings());
  CHECK(out.rcode == dns::kRcodeNxDomain);
  CHECK(out.answer.empty());
  REQUIRE(out.authority.size() == 1);
  CHECK(out.authority.front().type == dns::kTypeSOA);
}

TEST_CASE("The local ipv4only.arpa answers survive finish_reply and the codec", "[rfc8880-7.2]") {
  const Message q = query("ipv4only.arpa.", dns::kTypeMX);
  const Message out = parse(finish_reply(q, answer_ipv4only_arpa(q, wkp_settings()), true));
  CHECK(out.id == 0x1234);
  CHECK(out.aa);
  REQUIRE(out.authority.size() == 1);
  CHECK(out.authority.front().type == dns::kTypeSOA);
}

// ---------------------------------------------------------------------------------------
// Reverse mapping (RFC 6147 §5.3.1).

TEST_CASE("An ip6.arpa name inside the prefix maps to the in-addr.arpa name of the embedded IPv4",
          "[rfc6147-5.3.1][rfc6052-2.2]") {
  for (const char* prefix : {"2001:db8::/32", "2001:db8:100::/40", "2001:db8:122::/48",
                             "2001:db8:122:300::/56", "2001:db8:122:344::/64",
                             "2001:db8:122:344::/96"}) {
    INFO(prefix);
    SynthesisSettings s;
    s.prefix = *Rfc6052Prefix::parse(prefix);
    const std::string arpa = ip6_arpa(s.prefix.embed(v4("192.0.2.33")).to_string());
    auto target = reverse_target(name(arpa), s);
    REQUIRE(target);
    CHECK(target->to_text() == "33.2.0.192.in-addr.arpa.");
  }
}

TEST_CASE("An ip6.arpa name in upper case maps too", "[rfc6147-5.3.1][rfc4343]") {
  std::string arpa = ip6_arpa("64:ff9b::c0a8:1fe");
  for (char& c : arpa) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto target = reverse_target(name(arpa), wkp_settings());
  REQUIRE(target);
  CHECK(target->to_text() == "254.1.168.192.in-addr.arpa.");
}

TEST_CASE("An ip6.arpa name inside the WKP maps back even with another prefix configured",
          "[rfc6147-5.3.1]") {
  SynthesisSettings s;
  s.prefix = *Rfc6052Prefix::parse("2001:db8:64::/96");
  auto target = reverse_target(name(ip6_arpa("64:ff9b::198.51.100.7")), s);
  REQUIRE(target);
  CHECK(target->to_text() == "7.100.51.198.in-addr.arpa.");
}

TEST_CASE("Short, malformed or outside ip6.arpa names map to nothing", "[rfc6147-5.3.1]") {
  const std::string full = ip6_arpa("64:ff9b::192.0.2.1");
  const std::vector<std::string> bad = {
      full.substr(2),                          // 31 nibbles
      "0." + full,                             // 33 nibbles
      "g" + full.substr(1),                    // not a hex digit
      "10." + full.substr(4),                  // a two-character label
      ip6_arpa("2001:db8::192.0.2.1"),         // outside both prefixes
      ip6_arpa("64:ff9a::192.0.2.1"),          // just beside the WKP
      full.substr(0, full.size() - 9) + "ip6.int.",
      "ip6.arpa.",
      "1.2.0.192.in-addr.arpa.",
  };
  for (const std::string& text : bad) {
    INFO(text);
    CHECK_FALSE(reverse_target(name(text), wkp_settings()));
  }
}

TEST_CASE("The reverse answer is a CNAME with TTL 600 followed by the PTR reply's records",
          "[rfc6147-5.3.1]") {
  const std::string arpa = ip6_arpa("64:ff9b::192.0.2.1");
  const Message q = query(arpa, dns::kTypePTR);
  const Name target = name("1.2.0.192.in-addr.arpa.");
  const Message ptr = reply("1.2.0.192.in-addr.arpa.", dns::kTypePTR, dns::kRcodeNoError,
                            rrs({"1.2.0.192.in-addr.arpa. 3600 PTR v4only.example."}),
                            rrs({"2.0.192.in-addr.arpa. 3600 NS ns1.example."}));
  const Message out = answer_reverse(q, target, &ptr);
  CHECK(out.rcode == dns::kRcodeNoError);
  CHECK(show(out.answer) ==
        std::vector<std::string>{arpa + " 600 CNAME 1.2.0.192.in-addr.arpa.",
                                 "1.2.0.192.in-addr.arpa. 3600 PTR v4only.example."});
  CHECK(show(out.authority) ==
        std::vector<std::string>{"2.0.192.in-addr.arpa. 3600 NS ns1.example."});
  CHECK_FALSE(out.aa);
  CHECK_FALSE(out.ad);
}

TEST_CASE("The reverse answer keeps the PTR lookup's rcode, and SERVFAIL when it failed",
          "[rfc6147-5.3.1]") {
  const Message q = query(ip6_arpa("64:ff9b::192.0.2.9"), dns::kTypePTR);
  const Name target = name("9.2.0.192.in-addr.arpa.");
  const Message nx = reply("9.2.0.192.in-addr.arpa.", dns::kTypePTR, dns::kRcodeNxDomain, {},
                           rrs({"2.0.192.in-addr.arpa. 60 SOA"}));
  const Message out = answer_reverse(q, target, &nx);
  CHECK(out.rcode == dns::kRcodeNxDomain);
  CHECK(out.answer.size() == 1);
  CHECK(out.authority.size() == 1);
  const Message failed = answer_reverse(q, target, nullptr);
  CHECK(failed.rcode == dns::kRcodeServFail);
  REQUIRE(failed.answer.size() == 1);
  CHECK(failed.answer.front().type == dns::kTypeCNAME);
}

// ---------------------------------------------------------------------------------------
// finish_reply and error_reply.

TEST_CASE("The reply carries the query's ID, opcode, RD, CD and question in the client's case",
          "[rfc1035-4.1.1][rfc4035-3.2.2]") {
  Message q = query("V4Only.Example.", dns::kTypeAAAA);
  q.rd = false;
  const Message a = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError,
                          rrs({"v4only.example. 300 A 192.0.2.1"}));
  Message synthesized = *synthesize(nullptr, &a, wkp_settings());
  synthesized.ra = false;
  synthesized.z = true;
  const Message out = parse(finish_reply(q, synthesized, true));
  CHECK(out.id == 0x1234);
  CHECK(out.qr);
  CHECK(out.ra);
  CHECK_FALSE(out.rd);
  CHECK_FALSE(out.z);
  CHECK(out.opcode == 0);
  REQUIRE(out.questions.size() == 1);
  CHECK(out.questions.front().name.wire == q.questions.front().name.wire);
  CHECK(out.questions.front().type == dns::kTypeAAAA);
  REQUIRE(out.answer.size() == 1);
  CHECK(out.answer.front().owner.equals(kV4only));  // compression may give it the client's case
  CHECK(out.answer.front().aaaa() == v6("64:ff9b::192.0.2.1"));
  CHECK_FALSE(out.cd);
  CHECK_FALSE(out.edns);

  q.cd = true;  // finish_reply also serves forwarded replies
  CHECK(parse(finish_reply(q, synthesized, true)).cd);
}

TEST_CASE("An OPT is sent only when the query had one: version 0, our size, DO echoed",
          "[rfc6891-7][rfc3225-3]") {
  Message q = query("v4only.example.", dns::kTypeAAAA);
  Message upstream = error_reply(q, dns::kRcodeServFail);
  upstream.edns = dns::Edns{.udp_size = 4096, .dnssec_ok = false, .options = {0, 10, 0, 0}};
  CHECK_FALSE(parse(finish_reply(q, upstream, true)).edns);

  q.edns = dns::Edns{.udp_size = 4096, .version = 0, .dnssec_ok = true, .options = {0, 10, 0, 2, 1, 2}};
  const Message out = parse(finish_reply(q, upstream, true));
  REQUIRE(out.edns);
  CHECK(out.edns->version == 0);
  CHECK(out.edns->udp_size == kOurUdpPayloadSize);
  CHECK(out.edns->dnssec_ok);
  CHECK(out.edns->options.empty());
  CHECK(out.rcode == dns::kRcodeServFail);
}

TEST_CASE("A query with EDNS version 1 gets BADVERS", "[rfc6891-6.1.3]") {
  Message q = query("v4only.example.", dns::kTypeAAAA);
  q.edns = dns::Edns{.udp_size = 1232, .version = 1};
  const Message a = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError,
                          rrs({"v4only.example. 300 A 192.0.2.1"}));
  const Message out = parse(finish_reply(q, *synthesize(nullptr, &a, wkp_settings()), true));
  CHECK(out.rcode == dns::kRcodeBadVers);
  CHECK(out.answer.empty());
  REQUIRE(out.edns);
  CHECK(out.edns->version == 0);
}

namespace {
// An A reply with `count` addresses for a 20-byte name: 16 bytes per A record, 28 per AAAA.
Message a_reply_with(int count) {
  std::vector<Record> answer;
  for (int i = 1; i <= count; ++i) {
    answer.push_back(dns::make_a(name("many.example."), 300, Ipv4Address{0xc0000200u + std::uint32_t(i)}));
  }
  return reply("many.example.", dns::kTypeA, dns::kRcodeNoError, answer);
}
}  // namespace

TEST_CASE("A synthesized reply over 512 bytes to a client without EDNS comes back truncated",
          "[rfc6147-5.4][rfc1035-4.2.1]") {
  const Message a = a_reply_with(20);
  REQUIRE(dns::write_message(a).size() <= 512);  // the A reply itself fit
  const Message q = query("many.example.", dns::kTypeAAAA);
  const Message synthesized = *synthesize(nullptr, &a, wkp_settings());

  const std::vector<std::uint8_t> udp = finish_reply(q, synthesized, true);
  CHECK(udp.size() <= 512);
  const Message truncated = parse(udp);
  CHECK(truncated.tc);
  CHECK(truncated.answer.size() < 20);

  const Message tcp = parse(finish_reply(q, synthesized, false));
  CHECK_FALSE(tcp.tc);
  CHECK(tcp.answer.size() == 20);
}

TEST_CASE("The UDP limit follows the client's payload size between 512 and 4096",
          "[rfc6891-6.2.5][rfc6147-5.4]") {
  const Message a = a_reply_with(60);  // 60 AAAA: about 1.7 KB
  const Message synthesized = *synthesize(nullptr, &a, wkp_settings());
  struct Step {
    std::uint16_t client_size;
    std::size_t limit;
  };
  for (Step step : {Step{100, 512}, Step{1232, 1232}, Step{1400, 1400}, Step{65000, 4096}}) {
    INFO(step.client_size);
    Message q = query("many.example.", dns::kTypeAAAA);
    q.edns = dns::Edns{.udp_size = step.client_size};
    const std::vector<std::uint8_t> bytes = finish_reply(q, synthesized, true);
    CHECK(bytes.size() <= step.limit);
    const Message out = parse(bytes);
    CHECK(out.tc == (out.answer.size() < 60));
    if (step.limit >= 4096) CHECK_FALSE(out.tc);
    if (step.limit < 1700) CHECK(out.tc);
  }
}

TEST_CASE("An extended rcode for a client without EDNS becomes SERVFAIL", "[rfc6891-6.1.3]") {
  const Message q = query("v4only.example.", dns::kTypeAAAA);
  const Message out = parse(finish_reply(q, error_reply(q, 23), true));  // BADCOOKIE
  CHECK(out.rcode == dns::kRcodeServFail);
  CHECK_FALSE(out.edns);
}

TEST_CASE("TC already set in the reply is kept even when it fits", "[rfc6147-5.4]") {
  Message a = reply("v4only.example.", dns::kTypeA, dns::kRcodeNoError,
                    rrs({"v4only.example. 300 A 192.0.2.1"}));
  a.tc = true;
  const Message q = query("v4only.example.", dns::kTypeAAAA);
  CHECK(parse(finish_reply(q, *synthesize(nullptr, &a, wkp_settings()), false)).tc);
}

TEST_CASE("An error reply has the query's header and question and the given rcode",
          "[rfc1035-4.1.1]") {
  Message q = query("Some.Example.", dns::kTypeAAAA);
  q.cd = true;
  const Message m = error_reply(q, dns::kRcodeRefused);
  CHECK(m.id == 0x1234);
  CHECK(m.qr);
  CHECK(m.rd);
  CHECK(m.cd);
  CHECK(m.rcode == dns::kRcodeRefused);
  REQUIRE(m.questions.size() == 1);
  CHECK(m.questions.front().name.wire == q.questions.front().name.wire);
  CHECK(m.answer.empty());
  CHECK(m.authority.empty());
  CHECK_FALSE(m.edns);
  const Message out = parse(finish_reply(q, m, true));
  CHECK(out.rcode == dns::kRcodeRefused);
}

}  // namespace tundra::dns64
