// RFC 7757 Explicit Address Mappings (translator/eam.h).
#include "translator/eam.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace tundra {
namespace {

Ipv4Address v4(const char* text) { return *Ipv4Address::parse(text); }
Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }

EamEntry eam(const char* ipv4_prefix, const char* ipv6_prefix) {
  return EamEntry{*Ipv4Prefix::parse(ipv4_prefix), *Ipv6Prefix::parse(ipv6_prefix)};
}

EamTable build(std::vector<EamEntry> entries) {
  std::string error;
  auto table = EamTable::build(std::move(entries), &error);
  INFO(error);
  REQUIRE(table.has_value());
  return *table;
}

std::string refusal(std::vector<EamEntry> entries) {
  std::string error;
  auto table = EamTable::build(std::move(entries), &error);
  CHECK_FALSE(table.has_value());
  return error;
}

// A table in the shape of RFC 7757's example EAMT: single addresses, equal suffixes,
// IPv6 suffixes longer than the IPv4 suffix, a non-octet-aligned IPv6 prefix, and an EAM
// inside an RFC 6052 prefix.
EamTable rfc7757_example_table() {
  return build({
      eam("192.0.2.1", "2001:db8:aaaa::"),
      eam("192.0.2.2/32", "2001:db8:bbbb::b/128"),
      eam("192.0.2.16/28", "2001:db8:cccc::/124"),
      eam("192.0.2.128/26", "2001:db8:dddd::/64"),
      eam("192.0.2.192/29", "2001:db8:eeee:8::/62"),
      eam("192.0.2.224/31", "64:ff9b::/127"),
  });
}

// The obviously correct version of RFC 7757 §3.3: scan every entry for the longest
// containing prefix, then copy the suffix one bit at a time.
std::optional<Ipv6Address> reference_ip4_to_ip6(const std::vector<EamEntry>& entries,
                                                Ipv4Address a) {
  const EamEntry* best = nullptr;
  for (const auto& e : entries) {
    if (e.v4.contains(a) && (best == nullptr || e.v4.length > best->v4.length)) best = &e;
  }
  if (best == nullptr) return std::nullopt;
  Ipv6Address out = best->v6.address;
  for (unsigned i = best->v4.length; i < 32; ++i) {
    if ((a.value >> (31 - i)) & 1u) {
      unsigned bit = best->v6.length + (i - best->v4.length);
      out.bytes[bit / 8] = static_cast<std::uint8_t>(out.bytes[bit / 8] | (0x80u >> (bit % 8)));
    }
  }
  return out;
}

std::optional<Ipv4Address> reference_ip6_to_ip4(const std::vector<EamEntry>& entries,
                                                const Ipv6Address& a) {
  const EamEntry* best = nullptr;
  for (const auto& e : entries) {
    if (e.v6.contains(a) && (best == nullptr || e.v6.length > best->v6.length)) best = &e;
  }
  if (best == nullptr) return std::nullopt;
  std::uint32_t out = best->v4.address.value;
  for (unsigned i = best->v4.length; i < 32; ++i) {
    if (ipv6_bit(a, best->v6.length + (i - best->v4.length))) out |= 1u << (31 - i);
  }
  return Ipv4Address{out};
}

}  // namespace

TEST_CASE("A single-address EAM maps one address each way", "[rfc7757-3.3]") {
  auto t = rfc7757_example_table();
  CHECK(t.ip4_to_ip6(v4("192.0.2.1")) == v6("2001:db8:aaaa::"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:aaaa::")) == v4("192.0.2.1"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.2")) == v6("2001:db8:bbbb::b"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:bbbb::b")) == v4("192.0.2.2"));
  CHECK_FALSE(t.ip6_to_ip4(v6("2001:db8:aaaa::1")).has_value());
  CHECK_FALSE(t.ip4_to_ip6(v4("192.0.2.3")).has_value());
}

TEST_CASE("Equal suffix lengths carry the suffix unchanged", "[rfc7757-3.3]") {
  auto t = rfc7757_example_table();
  CHECK(t.ip4_to_ip6(v4("192.0.2.24")) == v6("2001:db8:cccc::8"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:cccc::f")) == v4("192.0.2.31"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.224")) == v6("64:ff9b::"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.225")) == v6("64:ff9b::1"));
  CHECK(t.ip6_to_ip4(v6("64:ff9b::1")) == v4("192.0.2.225"));
}

TEST_CASE("A longer IPv6 suffix gets the IPv4 suffix right after the prefix, then zeros",
          "[rfc7757-3.3]") {
  auto t = rfc7757_example_table();
  // 192.0.2.128/26 <-> /64: the six suffix bits are IPv6 bits 64..69.
  CHECK(t.ip4_to_ip6(v4("192.0.2.128")) == v6("2001:db8:dddd::"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.130")) == v6("2001:db8:dddd:0:800::"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.191")) == v6("2001:db8:dddd:0:fc00::"));
  // 192.0.2.192/29 <-> /62: the three suffix bits are IPv6 bits 62..64, across a group.
  CHECK(t.ip4_to_ip6(v4("192.0.2.193")) == v6("2001:db8:eeee:8:8000::"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.197")) == v6("2001:db8:eeee:a:8000::"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.199")) == v6("2001:db8:eeee:b:8000::"));
}

TEST_CASE("IPv6 bits after the carried IPv4 suffix are ignored on the way back",
          "[rfc7757-3.3]") {
  auto t = rfc7757_example_table();
  CHECK(t.ip6_to_ip4(v6("2001:db8:dddd:0:fc00:1234:5678:9abc")) == v4("192.0.2.191"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:dddd:0:300::")) == v4("192.0.2.128"));  // bits 70, 71
  CHECK(t.ip6_to_ip4(v6("2001:db8:eeee:a:ffff:ffff:ffff:ffff")) == v4("192.0.2.197"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:eeee:b:ffff:ffff:ffff:ffff")) == v4("192.0.2.199"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:eeee:b:7fff::1")) == v4("192.0.2.198"));
}

TEST_CASE("A /24 maps to a /72 with the last octet in IPv6 bits 72..79", "[rfc7757-3.3]") {
  auto t = build({eam("192.0.2.0/24", "2001:db8:1::/72")});
  CHECK(t.ip4_to_ip6(v4("192.0.2.0")) == v6("2001:db8:1::"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.5")) == v6("2001:db8:1:0:5::"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.255")) == v6("2001:db8:1:0:ff::"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:1:0:5::")) == v4("192.0.2.5"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:1:0:5:ffff:ffff:ffff")) == v4("192.0.2.5"));
  CHECK_FALSE(t.ip4_to_ip6(v4("192.0.3.5")).has_value());
  CHECK_FALSE(t.ip6_to_ip4(v6("2001:db8:1:0:105::")).has_value());  // bit 71 is prefix
}

TEST_CASE("0.0.0.0/0 mapped to a /96 behaves like an RFC 6052 /96 prefix", "[rfc7757-3.3]") {
  auto t = build({eam("0.0.0.0/0", "2001:db8:64::/96")});
  CHECK(t.ip4_to_ip6(v4("203.0.113.9")) == v6("2001:db8:64::203.0.113.9"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:64::198.51.100.1")) == v4("198.51.100.1"));
}

TEST_CASE("The longest IPv4 prefix wins", "[rfc7757-3.3]") {
  auto t = build({
      eam("192.0.2.0/24", "2001:db8:1::/72"),
      eam("192.0.2.128/25", "2001:db8:2::/72"),
      eam("192.0.2.200", "2001:db8:3::1"),
  });
  CHECK(t.ip4_to_ip6(v4("192.0.2.5")) == v6("2001:db8:1:0:5::"));
  // 130 - 128 = 2 in seven bits at 72..78: byte 9 = 0b0000'0100.
  CHECK(t.ip4_to_ip6(v4("192.0.2.130")) == v6("2001:db8:2:0:4::"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.200")) == v6("2001:db8:3::1"));
  CHECK(t.ip4_to_ip6(v4("192.0.2.201")) == v6("2001:db8:2:0:92::"));
}

TEST_CASE("The longest IPv6 prefix wins", "[rfc7757-3.3]") {
  auto t = build({
      eam("10.0.0.0/24", "2001:db8:100::/120"),
      eam("10.0.1.7", "2001:db8:100::7"),
      eam("10.1.0.0/16", "2001:db8::/32"),
  });
  CHECK(t.ip6_to_ip4(v6("2001:db8:100::7")) == v4("10.0.1.7"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:100::8")) == v4("10.0.0.8"));
  // Inside the /32 but outside the /120: the /32 EAM, bits 32..47 carry the suffix.
  CHECK(t.ip6_to_ip4(v6("2001:db8:0102::")) == v4("10.1.1.2"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:100::1:0")) == v4("10.1.1.0"));
}

TEST_CASE("An IPv6 suffix shorter than the IPv4 suffix is refused", "[rfc7757-3.2]") {
  auto error = refusal({eam("192.0.2.0/24", "2001:db8::/121")});
  CHECK(error.find("192.0.2.0/24 2001:db8::/121") != std::string::npos);
  CHECK(error.find("shorter") != std::string::npos);
  CHECK(error.find('\n') == std::string::npos);
  refusal({eam("0.0.0.0/0", "2001:db8::/97")});
  refusal({eam("192.0.2.1", "2001:db8::/128"), eam("198.51.100.0/31", "2001:db8::2/128")});
  CHECK(EamTable::build({eam("0.0.0.0/0", "2001:db8::/96")}, nullptr).has_value());
  CHECK(EamTable::build({eam("192.0.2.0/24", "2001:db8::/120")}, nullptr).has_value());
}

TEST_CASE("Two EAMs for the same IPv4 prefix are refused", "[rfc7757-3.1]") {
  auto error = refusal({eam("192.0.2.0/24", "2001:db8:1::/120"),
                        eam("198.51.100.0/24", "2001:db8:2::/120"),
                        eam("192.0.2.0/24", "2001:db8:3::/120")});
  CHECK(error.find("duplicate EAM IPv4 prefix 192.0.2.0/24") != std::string::npos);
  CHECK(error.find('\n') == std::string::npos);
}

TEST_CASE("Two EAMs for the same IPv6 prefix are refused", "[rfc7757-3.1]") {
  auto error = refusal({eam("192.0.2.1", "2001:db8::1"), eam("192.0.2.2", "2001:db8::1")});
  CHECK(error.find("duplicate EAM IPv6 prefix 2001:db8::1/128") != std::string::npos);
}

TEST_CASE("Overlapping EAMs of different lengths are accepted", "[rfc7757-3.1]") {
  CHECK(EamTable::build({eam("192.0.2.0/24", "2001:db8::/120"),
                         eam("192.0.2.0/25", "2001:db8:1::/120")},
                        nullptr)
            .has_value());
  CHECK(EamTable::build({eam("192.0.2.0/24", "2001:db8::/120"),
                         eam("198.51.100.0/25", "2001:db8::/121")},
                        nullptr)
            .has_value());
}

TEST_CASE("Hand-built prefixes with host bits set are refused", "[rfc7757-3.1]") {
  EamEntry bad{Ipv4Prefix{v4("192.0.2.1"), 24}, *Ipv6Prefix::parse("2001:db8::/120")};
  auto error = refusal({bad});
  CHECK(error.find("host bits") != std::string::npos);
}

TEST_CASE("An empty table maps nothing", "[rfc7757-3.1]") {
  EamTable empty;
  CHECK(empty.empty());
  CHECK_FALSE(empty.ip4_to_ip6(v4("192.0.2.1")).has_value());
  CHECK_FALSE(empty.ip6_to_ip4(v6("2001:db8::1")).has_value());
  auto built = build({});
  CHECK(built.empty());
  CHECK_FALSE(built.ip4_to_ip6(v4("192.0.2.1")).has_value());
}

TEST_CASE("entries() keeps the configured order", "[rfc7757-3.1]") {
  std::vector<EamEntry> configured = {eam("198.51.100.0/24", "2001:db8:2::/120"),
                                      eam("192.0.2.1", "2001:db8::1"),
                                      eam("192.0.2.0/24", "2001:db8:1::/120")};
  auto t = build(configured);
  CHECK(t.entries() == configured);
  CHECK_FALSE(t.empty());
}

TEST_CASE("Thousands of single-address maps each translate both ways", "[rfc7757-3.3]") {
  std::vector<EamEntry> entries;
  for (std::uint32_t i = 0; i < 4096; ++i) {
    Ipv6Address a = v6("2001:db8:5::");
    a.bytes[14] = static_cast<std::uint8_t>(i >> 8);
    a.bytes[15] = static_cast<std::uint8_t>(i);
    entries.push_back(EamEntry{Ipv4Prefix{Ipv4Address{0x0a000000u + i * 3}, 32}, Ipv6Prefix{a, 128}});
  }
  entries.push_back(eam("10.0.0.0/8", "2001:db8:6::/104"));
  auto t = build(entries);
  for (std::uint32_t i = 0; i < 4096; ++i) {
    const auto& e = entries[i];
    REQUIRE(t.ip4_to_ip6(e.v4.address) == e.v6.address);
    REQUIRE(t.ip6_to_ip4(e.v6.address) == e.v4.address);
  }
  // 10.0.0.1 is not a single-address map (those are every third address): the /8 catches it.
  CHECK(t.ip4_to_ip6(v4("10.0.0.1")) == v6("2001:db8:6::1"));
  CHECK(t.ip6_to_ip4(v6("2001:db8:6::1")) == v4("10.0.0.1"));
}

TEST_CASE("Lookups agree with a linear longest-match scan on random tables",
          "[rfc7757-3.3]") {
  std::mt19937 engine(7757);
  auto rng = [&engine] { return static_cast<std::uint32_t>(engine()); };
  for (int round = 0; round < 20; ++round) {
    // Prefixes drawn from a small space so they overlap often.
    std::vector<EamEntry> entries;
    for (int i = 0; i < 60; ++i) {
      auto len4 = static_cast<std::uint8_t>(16 + rng() % 17);                  // 16..32
      auto suffix4 = 32u - len4;
      auto len6 = static_cast<std::uint8_t>(80 + rng() % (128 - 80 - suffix4 + 1));  // fits
      Ipv4Address a4{0xc6330000u | (rng() & 0xffffu)};                        // 198.51/16
      Ipv6Address a6 = v6("2001:db8::");
      for (unsigned b = 8; b < 16; ++b) a6.bytes[b] = static_cast<std::uint8_t>(rng() & 0x3u);
      EamEntry e{Ipv4Prefix::make(a4, len4), Ipv6Prefix::make(a6, len6)};
      bool duplicate = false;
      for (const auto& other : entries) duplicate |= other.v4 == e.v4 || other.v6 == e.v6;
      if (!duplicate) entries.push_back(e);
    }
    auto t = build(entries);
    for (int probe = 0; probe < 2000; ++probe) {
      Ipv4Address a4{0xc6330000u | (rng() & 0xffffu)};
      REQUIRE(t.ip4_to_ip6(a4) == reference_ip4_to_ip6(entries, a4));
      Ipv6Address a6 = v6("2001:db8::");
      for (unsigned b = 8; b < 16; ++b) a6.bytes[b] = static_cast<std::uint8_t>(rng() & 0x3u);
      if (probe % 2 == 0) {
        // An address built from an entry, so matches are common.
        const auto& e = entries[rng() % entries.size()];
        if (auto mapped = reference_ip4_to_ip6(entries, e.v4.address)) a6 = *mapped;
      }
      REQUIRE(t.ip6_to_ip4(a6) == reference_ip6_to_ip4(entries, a6));
    }
  }
}

}  // namespace tundra
