// The DNS64 answer cache (dns64/cache.h) and the plain-query view its fast path reads
// (dns64/query_view.h).
#include <catch2/catch.hpp>

#include "dns64/cache.h"
#include "dns64/query_view.h"
#include "dns64/synthesis.h"

using namespace tundra;
using namespace tundra::dns64;

namespace {

dns::Name name(const char* text) { return *dns::Name::from_text(text); }

dns::Message positive(const char* owner, std::uint32_t ttl) {
  dns::Message m;
  m.qr = true;
  m.ra = true;
  m.questions = {dns::Question{name(owner), dns::kTypeAAAA, dns::kClassIN}};
  m.answer = {dns::make_aaaa(name(owner), ttl, *Ipv6Address::parse("64:ff9b::c000:201"))};
  return m;
}

dns::Record soa(const char* zone, std::uint32_t ttl) {
  dns::Record r;
  r.owner = name(zone);
  r.type = dns::kTypeSOA;
  r.ttl = ttl;
  // mname "." rname "." serial refresh retry expire minimum
  r.rdata = {0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 60};
  return r;
}

CacheKey key_for(const char* owner, std::uint16_t type = dns::kTypeAAAA) {
  return CacheKey{name(owner), type, dns::kClassIN, false, false, true};
}

dns::Message query(const char* qname, std::uint16_t type, bool edns, bool dnssec_ok = false) {
  dns::Message q;
  q.id = 0x1234;
  q.rd = true;
  q.questions = {dns::Question{name(qname), type, dns::kClassIN}};
  if (edns) q.edns = dns::Edns{.udp_size = 4096, .version = 0, .dnssec_ok = dnssec_ok, .options = {}};
  return q;
}

}  // namespace

TEST_CASE("A cached answer comes back with its TTLs lowered by its age", "[dns64-cache]") {
  Cache cache(10);
  REQUIRE(cache.insert(key_for("v4only.dns64.test"), positive("v4only.dns64.test", 300), 1000));
  auto hit = cache.lookup(key_for("V4ONLY.dns64.test"), 1042);
  REQUIRE(hit);
  REQUIRE(hit->answer.size() == 1);
  CHECK(hit->answer[0].ttl == 258);
  CHECK_FALSE(cache.lookup(key_for("v4only.dns64.test"), 1300));  // expired
}

TEST_CASE("DO, CD and the DNS64 view are separate cache entries", "[dns64-cache]") {
  Cache cache(10);
  REQUIRE(cache.insert(key_for("a.test"), positive("a.test", 300), 0));
  CacheKey other = key_for("a.test");
  other.dnssec_ok = true;
  CHECK_FALSE(cache.lookup(other, 1));
  other = key_for("a.test");
  other.checking_disabled = true;
  CHECK_FALSE(cache.lookup(other, 1));
  other = key_for("a.test");
  other.dns64 = false;
  CHECK_FALSE(cache.lookup(other, 1));
  CHECK(cache.lookup(key_for("a.test"), 1));
}

TEST_CASE("Negative answers live for their SOA's TTL and are not cached without one", "[dns64-cache][rfc2308-5]") {
  dns::Message nx = positive("nx.test", 300);
  nx.answer.clear();
  nx.rcode = dns::kRcodeNxDomain;
  CHECK_FALSE(Cache::lifetime(nx));
  nx.authority = {soa("test", 60)};
  CHECK(Cache::lifetime(nx) == 60u);
  dns::Message nodata = nx;
  nodata.rcode = dns::kRcodeNoError;
  CHECK(Cache::lifetime(nodata) == 60u);
}

TEST_CASE("SERVFAIL and truncated answers are not cached", "[dns64-cache]") {
  dns::Message m = positive("a.test", 300);
  m.rcode = dns::kRcodeServFail;
  CHECK_FALSE(Cache::lifetime(m));
  m.rcode = dns::kRcodeNoError;
  m.tc = true;
  CHECK_FALSE(Cache::lifetime(m));
  Cache cache(10);
  CHECK_FALSE(cache.insert(key_for("a.test"), m, 0));
}

TEST_CASE("The cache holds at most its capacity and evicts the least recently used", "[dns64-cache]") {
  Cache cache(2);
  REQUIRE(cache.insert(key_for("a.test"), positive("a.test", 300), 0));
  REQUIRE(cache.insert(key_for("b.test"), positive("b.test", 300), 0));
  REQUIRE(cache.lookup(key_for("a.test"), 1));  // a is now the most recent
  REQUIRE(cache.insert(key_for("c.test"), positive("c.test", 300), 1));
  CHECK(cache.size() == 2);
  CHECK(cache.lookup(key_for("a.test"), 2));
  CHECK_FALSE(cache.lookup(key_for("b.test"), 2));
  CHECK(cache.lookup(key_for("c.test"), 2));
}

TEST_CASE("A cache of size zero stores nothing", "[dns64-cache]") {
  Cache cache(0);
  CHECK_FALSE(cache.insert(key_for("a.test"), positive("a.test", 300), 0));
  CHECK_FALSE(cache.lookup(key_for("a.test"), 0));
}

TEST_CASE("The fast path writes exactly what finish_reply writes for a cached answer", "[dns64-cache]") {
  Cache cache(10);
  const dns::Message stored = positive("v4only.dns64.test", 300);
  REQUIRE(cache.insert(key_for("v4only.dns64.test"), stored, 1000));
  for (bool edns : {false, true}) {
    for (bool over_udp : {false, true}) {
      dns::Message q = query("V4Only.Dns64.Test", dns::kTypeAAAA, edns);
      const std::vector<std::uint8_t> wire = dns::write_message(q);
      QueryView view;
      REQUIRE(parse_plain_query(wire, &view));
      std::vector<std::uint8_t> fast;
      REQUIRE(cache.answer_plain(view, true, over_udp, 1010, &fast));
      dns::Message aged = stored;
      aged.answer[0].ttl = 290;
      CHECK(fast == finish_reply(q, aged, over_udp));
    }
  }
}

TEST_CASE("The fast path declines what it cannot answer exactly", "[dns64-cache]") {
  Cache cache(10);
  dns::Message big = positive("big.test", 300);
  for (int i = 0; i < 40; ++i) big.answer.push_back(big.answer[0]);  // over 512 bytes
  REQUIRE(cache.insert(key_for("big.test"), big, 0));
  std::vector<std::uint8_t> out;
  QueryView view;
  const std::vector<std::uint8_t> no_edns = dns::write_message(query("big.test", dns::kTypeAAAA, false));
  REQUIRE(parse_plain_query(no_edns, &view));
  CHECK_FALSE(cache.answer_plain(view, true, true, 1, &out));  // needs truncation: slow path
  CHECK(cache.answer_plain(view, true, false, 1, &out));       // over TCP it fits
  CHECK_FALSE(cache.answer_plain(view, false, false, 1, &out));  // another view: a miss
}

TEST_CASE("A plain query is read without the codec, anything else is refused", "[dns64-cache]") {
  QueryView view;
  const std::vector<std::uint8_t> plain = dns::write_message(query("a.example", dns::kTypeAAAA, true, true));
  REQUIRE(parse_plain_query(plain, &view));
  CHECK(view.id == 0x1234);
  CHECK(view.rd);
  CHECK(view.type == dns::kTypeAAAA);
  CHECK(view.cls == dns::kClassIN);
  CHECK(view.has_edns);
  CHECK(view.dnssec_ok);
  CHECK(view.udp_size == 4096);
  CHECK(view.name_length == name("a.example").wire.size());

  std::vector<std::uint8_t> reply = plain;
  reply[2] |= 0x80;  // QR
  CHECK_FALSE(parse_plain_query(reply, &view));
  std::vector<std::uint8_t> trailing = plain;
  trailing.push_back(0);
  CHECK_FALSE(parse_plain_query(trailing, &view));
  std::vector<std::uint8_t> short_one(plain.begin(), plain.begin() + 14);
  CHECK_FALSE(parse_plain_query(short_one, &view));
  dns::Message two = query("a.example", dns::kTypeAAAA, false);
  two.questions.push_back(two.questions[0]);
  CHECK_FALSE(parse_plain_query(dns::write_message(two), &view));
}

TEST_CASE("Zone suffixes match on label boundaries, ignoring case", "[dns64-cache]") {
  const dns::Name zone = name("example.net");
  auto under = [&](const char* text) {
    const dns::Name n = name(text);
    return wire_name_is_under(reinterpret_cast<const std::uint8_t*>(n.wire.data()), n.wire.size(), zone);
  };
  CHECK(under("example.net"));
  CHECK(under("Host.EXAMPLE.net"));
  CHECK(under("a.b.example.net."));
  CHECK_FALSE(under("badexample.net"));
  CHECK_FALSE(under("net"));
  CHECK_FALSE(under("example.org"));
}
