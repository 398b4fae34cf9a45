// translate() end to end on packets built here: fields, checksums, fragments, errors, and
// robustness against malformed input. The RFC-by-RFC conformance set is pcap-fixtures/.
#include <catch2/catch.hpp>

#include <memory>
#include <random>

#include "tests/support/packets.h"
#include "translator/translator.h"

using namespace tundra;
using namespace tundra::test;

namespace {

// A translator and the per-worker state around it, as the data plane will hold them.
struct Harness {
  explicit Harness(TranslatorConfig config = default_config()) {
    std::string error;
    auto t = Translator::create(config, &error);
    INFO(error);
    REQUIRE(t);
    translator.emplace(std::move(*t));
  }
  static TranslatorConfig default_config() {
    TranslatorConfig c;
    c.ipv4_addr = v4("192.0.2.1");
    c.dynamic_pool = Ipv4Prefix::parse("192.0.2.0/24");
    return c;
  }
  Result run(const Packet& p, UnixSeconds now = 1000) {
    storage.assign(kHeadroom + p.size() + 64, std::byte{0});
    std::copy(p.begin(), p.end(), storage.begin() + kHeadroom);
    PacketBuffer pb{storage, kHeadroom, p.size()};
    Result r = translator->translate(pb, now, *scratch, out, counters);
    outputs.clear();
    for (std::size_t i = 0; i < out.count; ++i) outputs.emplace_back(out.packets[i].begin(), out.packets[i].end());
    return r;
  }
  std::optional<Translator> translator;
  std::vector<std::byte> storage;
  std::unique_ptr<Scratch> scratch = std::make_unique<Scratch>();
  Output out;
  Counters counters;
  std::vector<Packet> outputs;
};

unsigned u8(const Packet& p, std::size_t i) { return std::to_integer<unsigned>(p[i]); }
unsigned u16(const Packet& p, std::size_t i) { return (u8(p, i) << 8) | u8(p, i + 1); }
Ipv6Address ip6_at(const Packet& p, std::size_t i) {
  Ipv6Address a;
  for (int k = 0; k < 16; ++k) a.bytes[k] = static_cast<std::uint8_t>(u8(p, i + k));
  return a;
}
Ipv4Address ip4_at(const Packet& p, std::size_t i) {
  return Ipv4Address{(std::uint32_t(u16(p, i)) << 16) | u16(p, i + 2)};
}

const Ipv6Address kClient = v6("2001:db8::1");
const Ipv6Address kServer6 = v6("64:ff9b::198.51.100.7");
const Ipv4Address kServer4 = v4("198.51.100.7");

}  // namespace

TEST_CASE("A UDP packet from an IPv6 client becomes IPv4 from its pool address with a valid checksum",
          "[rfc7915-5.1][rfc7915-5.5]") {
  Harness h;
  Packet in = ip6(kClient, kServer6, 17, udp6(kClient, kServer6, 5000, 53, filler(100)),
                  Ip6Options{.traffic_class = 0xb8, .hop_limit = 40});
  Result r = h.run(in);
  REQUIRE(r.verdict == Verdict::kForward);
  REQUIRE(h.outputs.size() == 1);
  const Packet& out = h.outputs[0];
  CHECK(check_packet(out.data(), out.size()) == "");
  CHECK(u8(out, 0) == 0x45);
  CHECK(u8(out, 1) == 0xb8);             // TOS = Traffic Class
  CHECK(u8(out, 8) == 39);               // TTL = hop limit - 1
  CHECK(u8(out, 9) == 17);
  CHECK((u16(out, 6) & 0x4000) == 0);    // DF clear: 128 bytes <= 1260
  CHECK(ip4_at(out, 16) == kServer4);
  Ipv4Address pool_addr = ip4_at(out, 12);
  CHECK(Ipv4Prefix::parse("192.0.2.0/24")->contains(pool_addr));
  CHECK(pool_addr != v4("192.0.2.1"));  // never ipv4-addr
  CHECK(h.counters[Counter::kTranslated64] == 1);

  SECTION("and the IPv4 reply reaches the same client") {
    Packet reply = ip4(kServer4, pool_addr, 17, udp4(kServer4, pool_addr, 53, 5000, filler(60)), Ip4Options{.ttl = 50});
    REQUIRE(h.run(reply).verdict == Verdict::kForward);
    const Packet& back = h.outputs.at(0);
    CHECK(check_packet(back.data(), back.size()) == "");
    CHECK(ip6_at(back, 8) == kServer6);
    CHECK(ip6_at(back, 24) == kClient);
    CHECK(u8(back, 7) == 49);
    CHECK((u16(back, 0) & 0x000f) == 0);  // flow label 0
  }
}

TEST_CASE("An error the translator raises on a hairpin's way back goes to the IPv6 sender and counts one reason",
          "[rfc7757-4]") {
  TranslatorConfig c = Harness::default_config();
  c.prefix = Rfc6052Prefix::parse("64:ff9b::/96");
  c.udp_zero_checksum = UdpZeroChecksum::kIcmp;
  Harness h(c);
  REQUIRE(h.run(ip6(kClient, kServer6, 17, udp6(kClient, kServer6, 5000, 53, filler(20)))).verdict == Verdict::kForward);
  const Ipv4Address self4 = ip4_at(h.outputs.at(0), 12);
  const Ipv6Address self_via_prefix = c.prefix->embed(self4);

  // To its own pool address, with UDP checksum 0: refused on the IPv4 → IPv6 leg (3/13).
  Packet in = ip6(kClient, self_via_prefix, 17, udp6(kClient, self_via_prefix, 5001, 7000, filler(30)));
  in[40 + 6] = std::byte{0};
  in[40 + 7] = std::byte{0};
  const Counters before = h.counters;
  const Result r = h.run(in);
  CHECK(r.verdict == Verdict::kReply);
  CHECK(r.reason == Counter::kDropUdpZeroChecksum);
  REQUIRE(h.outputs.size() == 1);
  const Packet& error = h.outputs[0];
  CHECK(u8(error, 0) >> 4 == 6);                             // ICMPv6, not ICMPv4
  CHECK(ip6_at(error, 8) == c.effective_ipv6_addr());        // from the translator
  CHECK(ip6_at(error, 24) == kClient);
  CHECK(u8(error, 40) == 1);                                 // Destination Unreachable
  CHECK(u8(error, 41) == 1);                                 // administratively prohibited
  CHECK(ip6_at(error, 48 + 8) == kClient);                   // quoting the datagram as sent
  CHECK(ip6_at(error, 48 + 24) == self_via_prefix);
  CHECK(check_packet(error.data(), error.size()) == "");
  std::uint64_t reasons = 0;
  for (std::size_t i = 0; i < h.counters.by_reason.size(); ++i) reasons += h.counters.by_reason[i] - before.by_reason[i];
  CHECK(reasons == 1);
  CHECK(h.counters[Counter::kHairpinned] == before[Counter::kHairpinned]);
  CHECK(h.counters.icmp_sent6 == before.icmp_sent6 + 1);
  CHECK(h.counters.icmp_sent4 == before.icmp_sent4);
}

TEST_CASE("A map that stands for an IPv4 server is not hairpinned, nor are its errors", "[rfc7757-4]") {
  TranslatorConfig c = Harness::default_config();
  c.maps = {EamEntry{*Ipv4Prefix::parse("203.0.113.10"), *Ipv6Prefix::parse("2001:db8:46::10")}};
  Harness h(c);
  const Ipv6Address server6 = v6("2001:db8:46::10");
  const Ipv4Address server4 = v4("203.0.113.10");

  // The client writes to the server's mapped IPv6 address: out to IPv4.
  REQUIRE(h.run(ip6(kClient, server6, 17, udp6(kClient, server6, 5000, 53, filler(20)))).verdict == Verdict::kForward);
  REQUIRE(h.outputs.size() == 1);
  CHECK(u8(h.outputs[0], 0) == 0x45);
  CHECK(ip4_at(h.outputs[0], 16) == server4);
  const Ipv4Address client4 = ip4_at(h.outputs[0], 12);
  CHECK(h.counters[Counter::kHairpinned] == 0);

  // The server's too-big packet with DF: Fragmentation Needed goes back to the server.
  const Packet big = ip4(server4, client4, 6, tcp4(server4, client4, filler(1480)), Ip4Options{.df = true});
  REQUIRE(h.run(big).verdict == Verdict::kReply);
  REQUIRE(h.outputs.size() == 1);
  CHECK(u8(h.outputs[0], 0) == 0x45);
  CHECK(ip4_at(h.outputs[0], 16) == server4);
  CHECK(u8(h.outputs[0], 20) == 3);  // Destination Unreachable
  CHECK(u8(h.outputs[0], 21) == 4);  // Fragmentation Needed

  // The client's error about the server's datagram goes to the server as ICMPv4.
  const Packet quoted = ip6(server6, kClient, 17, udp6(server6, kClient, 53, 5000, filler(20)));
  REQUIRE(h.run(ip6(kClient, server6, 58, icmp6_echo(kClient, server6, 1, 0, 0, quoted))).verdict == Verdict::kForward);
  REQUIRE(h.outputs.size() == 1);
  CHECK(u8(h.outputs[0], 0) == 0x45);
  CHECK(ip4_at(h.outputs[0], 16) == server4);
  CHECK(u8(h.outputs[0], 20) == 3);
  CHECK(h.counters[Counter::kHairpinned] == 0);
}

TEST_CASE("A hairpinned error from an unmapped router comes from the translator, never a forbidden prefix form",
          "[rfc7757-4][rfc6052-3.1][rfc6791]") {
  TranslatorConfig c;
  c.ipv4_addr = v4("44.1.1.1");
  c.ipv6_addr = v6("2001:db8:ffff::1");
  c.wkpf_strict = true;
  c.rfc6791_pool4 = Ipv4Prefix::parse("10.200.0.0/29");
  c.maps = {EamEntry{*Ipv4Prefix::parse("44.0.0.0/24"), *Ipv6Prefix::parse("2001:db8:6::/120")},
            EamEntry{*Ipv4Prefix::parse("45.0.0.64/26"), *Ipv6Prefix::parse("2001:db8:7::/122")}};
  Harness h(c);
  const Ipv6Address a = v6("2001:db8:6::5"), a_via_prefix = v6("64:ff9b::2c00:5");
  const Ipv6Address b = v6("2001:db8:7::6"), b_via_prefix = v6("64:ff9b::2d00:46");
  const Ipv6Address router = v6("2001:db8:5::1");  // no map, no pool
  const Packet delivered = ip6(a_via_prefix, b, 17, udp6(a_via_prefix, b, 40000, 7000, filler(18)));
  REQUIRE(h.run(ip6(router, a_via_prefix, 58, icmp6_echo(router, a_via_prefix, 1, 0, 0, delivered))).verdict ==
          Verdict::kForward);
  REQUIRE(h.outputs.size() == 1);
  const Packet& error = h.outputs[0];
  CHECK(u8(error, 0) >> 4 == 6);
  CHECK(ip6_at(error, 8) == v6("2001:db8:ffff::1"));  // not 64:ff9b::10.200.0.x
  CHECK(ip6_at(error, 24) == a);
  CHECK(ip6_at(error, 48 + 8) == a);
  CHECK(ip6_at(error, 48 + 24) == b_via_prefix);
  CHECK(check_packet(error.data(), error.size()) == "");
  CHECK(h.counters[Counter::kHairpinned] == 1);
}

TEST_CASE("TCP and ICMP echo checksums verify after translation in both directions", "[rfc7915-4.5][rfc7915-5.5]") {
  Harness h;
  for (std::size_t size : {0u, 1u, 7u, 512u, 1400u}) {
    Packet payload = filler(size, static_cast<std::uint8_t>(size));
    REQUIRE(h.run(ip6(kClient, kServer6, 6, tcp6(kClient, kServer6, payload))).verdict == Verdict::kForward);
    CHECK(check_packet(h.outputs[0].data(), h.outputs[0].size()) == "");
    Ipv4Address pool_addr = ip4_at(h.outputs[0], 12);
    REQUIRE(h.run(ip6(kClient, kServer6, 58, icmp6_echo(kClient, kServer6, 128, 7, 1, payload))).verdict == Verdict::kForward);
    CHECK(check_packet(h.outputs[0].data(), h.outputs[0].size()) == "");
    CHECK(u8(h.outputs[0], 20) == 8);  // Echo Request
    REQUIRE(h.run(ip4(kServer4, pool_addr, 6, tcp4(kServer4, pool_addr, payload))).verdict == Verdict::kForward);
    CHECK(check_packet(h.outputs[0].data(), h.outputs[0].size()) == "");
    REQUIRE(h.run(ip4(kServer4, pool_addr, 1, icmp4_echo(0, 7, 1, payload), Ip4Options{.df = true})).verdict == Verdict::kForward);
    CHECK(check_packet(h.outputs[0].data(), h.outputs[0].size()) == "");
    CHECK(u8(h.outputs[0], 40) == 129);  // Echo Reply
  }
}

TEST_CASE("A DF=0 IPv4 packet larger than lowest-ipv6-mtu becomes fragments that reassemble to it",
          "[rfc7915-4.1]") {
  Harness h;
  REQUIRE(h.run(ip6(kClient, kServer6, 17, udp6(kClient, kServer6, 1, 2, filler(10)))).verdict == Verdict::kForward);
  Ipv4Address pool_addr = ip4_at(h.outputs[0], 12);
  Packet l4 = udp4(kServer4, pool_addr, 53, 5000, filler(3000));
  REQUIRE(h.run(ip4(kServer4, pool_addr, 17, l4, Ip4Options{.id = 0xbeef})).verdict == Verdict::kForward);
  REQUIRE(h.outputs.size() == 3);
  Packet reassembled;
  for (std::size_t i = 0; i < h.outputs.size(); ++i) {
    const Packet& f = h.outputs[i];
    CHECK(f.size() <= 1280);
    CHECK(u8(f, 6) == 44);
    CHECK(u8(f, 40) == 17);
    CHECK((u16(f, 44) == 0 && u16(f, 46) == 0xbeef));  // identification = IPv4 ID
    CHECK((u16(f, 42) >> 3) * 8 == reassembled.size());
    CHECK((((u16(f, 42) & 1) == 1) == (i + 1 < h.outputs.size())));
    reassembled.insert(reassembled.end(), f.begin() + 48, f.end());
  }
  REQUIRE(reassembled.size() == l4.size());
  // The reassembled datagram's UDP checksum verifies against the IPv6 pseudo-header.
  Packet whole = ip6(ip6_at(h.outputs[0], 8), ip6_at(h.outputs[0], 24), 17, reassembled);
  CHECK(check_packet(whole.data(), whole.size()) == "");
}

TEST_CASE("An exhausted pool answers the third client with ICMPv6 unreachable code 5", "[rfc7915-5.4]") {
  TranslatorConfig c = Harness::default_config();
  c.dynamic_pool = Ipv4Prefix::parse("192.0.2.0/29");  // .1 is ipv4-addr: .2 .. .6 are free
  c.ipv4_addr = v4("192.0.2.1");
  c.maps = {EamEntry{*Ipv4Prefix::parse("192.0.2.4/30"), *Ipv6Prefix::parse("2001:db8:ea::/126")}};
  Harness h(c);  // leaves .2 and .3
  for (const char* client : {"2001:db8::a", "2001:db8::b"}) {
    REQUIRE(h.run(ip6(v6(client), kServer6, 17, udp6(v6(client), kServer6, 1, 2, filler(8)))).verdict == Verdict::kForward);
  }
  Ipv6Address third = v6("2001:db8::c");
  Packet in = ip6(third, kServer6, 17, udp6(third, kServer6, 1, 2, filler(8)));
  Result r = h.run(in);
  CHECK(r.verdict == Verdict::kReply);
  CHECK(r.reason == Counter::kDropPoolExhausted);
  CHECK(h.counters[Counter::kDropPoolExhausted] == 1);
  REQUIRE(h.outputs.size() == 1);
  const Packet& err = h.outputs[0];
  CHECK(check_packet(err.data(), err.size()) == "");
  CHECK(u8(err, 40) == 1);
  CHECK(u8(err, 41) == 5);
  CHECK(ip6_at(err, 24) == third);
  CHECK(ip6_at(err, 8) == h.translator->ipv6_addr());
}

TEST_CASE("ICMP errors beyond icmp-error-rate in one second are not sent", "[rfc4443-2.4f][hardening]") {
  TranslatorConfig c = Harness::default_config();
  c.icmp_error_rate = 3;
  Harness h(c);
  // Hop limit 1: each packet is answered with Time Exceeded (RFC 7915 §5.1) while the budget lasts.
  auto expiring = [&] {
    return ip6(kClient, kServer6, 17, udp6(kClient, kServer6, 1, 2, filler(8)), Ip6Options{.hop_limit = 1});
  };
  for (int i = 0; i < 3; ++i) {
    Result r = h.run(expiring(), 1000);
    CHECK(r.verdict == Verdict::kReply);
    CHECK(h.outputs.size() == 1);
  }
  Result over = h.run(expiring(), 1000);
  CHECK(over.verdict == Verdict::kDrop);
  CHECK(over.reason == Counter::kDropIcmpRateLimited);
  CHECK(h.outputs.empty());
  CHECK(h.counters[Counter::kDropIcmpRateLimited] == 1);
  CHECK(h.run(expiring(), 1001).verdict == Verdict::kReply);  // a new second, a new budget
}

TEST_CASE("New clients beyond dynamic-new-per-second are dropped silently until the next second", "[hardening]") {
  TranslatorConfig c = Harness::default_config();
  c.dynamic_new_per_second = 2;
  Harness h(c);
  auto from = [&](const char* client) {
    return ip6(v6(client), kServer6, 17, udp6(v6(client), kServer6, 1, 2, filler(8)));
  };
  CHECK(h.run(from("2001:db8::a"), 1000).verdict == Verdict::kForward);
  CHECK(h.run(from("2001:db8::b"), 1000).verdict == Verdict::kForward);
  Result third = h.run(from("2001:db8::c"), 1000);
  CHECK(third.verdict == Verdict::kDrop);
  CHECK(third.reason == Counter::kDropPoolRateLimited);
  CHECK(h.outputs.empty());  // no ICMP error: the client's retry gets through later
  CHECK(h.run(from("2001:db8::a"), 1000).verdict == Verdict::kForward);  // bound clients are not limited
  CHECK(h.run(from("2001:db8::c"), 1001).verdict == Verdict::kForward);
}

TEST_CASE("Malformed and mutated packets are dropped and counted, and whatever is emitted is consistent",
          "[robustness]") {
  Harness h;
  std::vector<Packet> seeds = {
      ip6(kClient, kServer6, 17, udp6(kClient, kServer6, 1, 2, filler(40))),
      ip6(kClient, kServer6, 58, icmp6_echo(kClient, kServer6, 128, 1, 1, filler(40))),
      ip4(kServer4, v4("192.0.2.77"), 6, tcp4(kServer4, v4("192.0.2.77"), filler(40))),
  };
  // An ICMPv4 error quoting a translated packet, and a truncated packet.
  Packet quoted = ip4(v4("192.0.2.77"), kServer4, 17, udp4(v4("192.0.2.77"), kServer4, 1, 2, filler(20)));
  Packet err(8 + quoted.size());
  err[0] = std::byte{3};
  err[1] = std::byte{3};
  std::copy(quoted.begin(), quoted.end(), err.begin() + 8);
  std::uint16_t c = reference_checksum(err);
  err[2] = std::byte(c >> 8);
  err[3] = std::byte(c & 0xff);
  seeds.push_back(ip4(v4("203.0.113.9"), v4("192.0.2.77"), 1, err));
  std::mt19937 rng(1234);
  for (int round = 0; round < 30000; ++round) {
    Packet p = seeds[round % seeds.size()];
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int k = 0; k < flips; ++k) p[rng() % p.size()] = std::byte(rng() & 0xff);
    if (round % 3 == 0) p.resize(rng() % (p.size() + 1));
    // A corrupt transport checksum passes through corrupt (RFC 7915 §4.5 updates, never
    // recomputes), so transport checksums are only checked for inputs that had good ones.
    const bool input_valid = check_packet(p.data(), p.size()) == "";
    Counters before = h.counters;
    Result r = h.run(p);
    std::uint64_t total_before = 0, total_after = 0;
    for (auto v : before.by_reason) total_before += v;
    for (auto v : h.counters.by_reason) total_after += v;
    CHECK(total_after == total_before + 1);  // exactly one reason per packet
    if (r.verdict == Verdict::kDrop) CHECK(h.outputs.empty());
    for (const Packet& o : h.outputs) {
      std::string problem = check_packet(o.data(), o.size(), input_valid);
      if (!problem.empty()) FAIL("round " << round << ": " << problem);
    }
  }
}

TEST_CASE("The translator's own addresses answer a ping, but never one from a multicast, broadcast or unspecified source",
          "[rfc1122-3.2.1.3][rfc4291-2.7]") {
  Harness h;
  const Ipv4Address self4 = v4("192.0.2.1");
  const Ipv6Address self6 = v6("64:ff9b::192.0.2.1");  // no ipv6-addr: prefix + ipv4-addr
  const auto ping4 = [&](const char* src) {
    return ip4(v4(src), self4, 1, icmp4_echo(8, 7, 1, filler(16)));
  };
  const auto ping6 = [&](const char* src) {
    return ip6(v6(src), self6, 58, icmp6_echo(v6(src), self6, 128, 7, 1, filler(16)));
  };
  CHECK(h.run(ping4("198.51.100.7")).reason == Counter::kEchoReplied4);
  CHECK(h.outputs.size() == 1);
  for (const char* src : {"255.255.255.255", "224.0.0.1", "0.0.0.0", "127.0.0.1"}) {
    INFO(src);
    CHECK(h.run(ping4(src)).reason == Counter::kDropSourceInvalid4);
    CHECK(h.outputs.empty());
  }
  for (const char* src : {"2001:db8::1", "fe80::1"}) {  // link-local: the host on the TUN's link
    INFO(src);
    CHECK(h.run(ping6(src)).reason == Counter::kEchoReplied6);
    CHECK(h.outputs.size() == 1);
  }
  for (const char* src : {"ff02::1", "::1", "::ffff:198.51.100.7", "::"}) {
    INFO(src);
    CHECK(h.run(ping6(src)).reason == Counter::kDropSourceInvalid6);
    CHECK(h.outputs.empty());
  }
  // Nor does UDP to the IPv6 address draw a Parameter Problem to a multicast source.
  const Ipv6Address all_nodes = v6("ff02::1");
  CHECK(h.run(ip6(all_nodes, self6, 17, udp6(all_nodes, self6, 1000, 2000, filler(8)))).reason ==
        Counter::kDropSourceInvalid6);
  CHECK(h.outputs.empty());
}

TEST_CASE("Packet Too Big becomes Fragmentation Needed with 20 bytes less, 28 if the quoted packet has a Fragment Header",
          "[rfc7915-5.2]") {
  Harness h;
  REQUIRE(h.run(ip6(kClient, kServer6, 17, udp6(kClient, kServer6, 5000, 53, filler(10)))).verdict == Verdict::kForward);
  const Ipv6Address router = v6("2001:db8:ffff::fe");
  // What the server sent to the client, as the IPv6 router quotes it: translated from IPv4
  // with DF (no Fragment Header) or without (an atomic Fragment Header, RFC 7915 §4.1).
  const auto too_big = [&](bool fragment_header) {
    Packet l4 = udp6(kServer6, kClient, 53, 5000, filler(200));
    if (fragment_header) {
      Packet frag(8);
      frag[0] = std::byte{17};
      frag[7] = std::byte{9};  // identification
      frag.insert(frag.end(), l4.begin(), l4.end());
      l4 = frag;
    }
    const Packet quoted = ip6(kServer6, kClient, fragment_header ? 44 : 17, l4);
    return ip6(router, kServer6, 58, icmp6_echo(router, kServer6, 2, 0, 1400, quoted));  // type 2, MTU 1400
  };
  for (const bool fragment_header : {false, true}) {
    INFO("Fragment Header: " << fragment_header);
    REQUIRE(h.run(too_big(fragment_header)).verdict == Verdict::kForward);
    REQUIRE(h.outputs.size() == 1);
    const Packet& out = h.outputs[0];
    CHECK(u8(out, 20) == 3);  // Destination Unreachable
    CHECK(u8(out, 21) == 4);  // Fragmentation Needed
    CHECK(u16(out, 26) == (fragment_header ? 1372u : 1380u));
    CHECK(check_packet(out.data(), out.size()) == "");
  }
}

TEST_CASE("A reload's translator keeps the running pool's budget until the daemon commits to it",
          "[tayga-dynamic]") {
  // A reload may still be refused after Translator::create (the DNS64 part, say): the
  // running pool must not have taken the new dynamic-new-per-second by then.
  TranslatorConfig c = Harness::default_config();
  c.dynamic_new_per_second = 1;
  std::string error;
  auto running = Translator::create(c, &error);
  REQUIRE(running);
  const std::shared_ptr<DynamicPool> pool = running->shared_pool();
  c.dynamic_new_per_second = 50;
  auto next = Translator::create(c, &error, pool);
  REQUIRE(next);
  REQUIRE(next->shared_pool() == pool);  // same shape: kept
  Ipv4Address out{0};
  CHECK(pool->bind(v6("2001:db8::a"), 100, &out) == BindResult::kAssigned);
  CHECK(pool->bind(v6("2001:db8::b"), 100, &out) == BindResult::kRateLimited);  // still 1 per second
  pool->set_new_per_second(c.dynamic_new_per_second);  // what the daemon does when it swaps
  CHECK(pool->bind(v6("2001:db8::b"), 100, &out) == BindResult::kAssigned);
}
