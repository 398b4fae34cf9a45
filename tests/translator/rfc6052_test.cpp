// RFC 6052: IPv4-embedded IPv6 addresses (translator/rfc6052.h).
#include "translator/rfc6052.h"

#include <catch2/catch.hpp>

#include <string>

namespace tundra {
namespace {

Ipv4Address v4(const char* text) { return *Ipv4Address::parse(text); }
Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }
Rfc6052Prefix prefix(const char* text) { return *Rfc6052Prefix::parse(text); }

struct Example {
  const char* prefix;
  const char* ipv4;
  const char* ipv6;
};

// RFC 6052 §2.4, the table of examples: 192.0.2.33 under a prefix of each length.
constexpr Example kRfc6052Examples[] = {
    {"2001:db8::/32", "192.0.2.33", "2001:db8:c000:221::"},
    {"2001:db8:100::/40", "192.0.2.33", "2001:db8:1c0:2:21::"},
    {"2001:db8:122::/48", "192.0.2.33", "2001:db8:122:c000:2:2100::"},
    {"2001:db8:122:300::/56", "192.0.2.33", "2001:db8:122:3c0:0:221::"},
    {"2001:db8:122:344::/64", "192.0.2.33", "2001:db8:122:344:c0:2:2100:0"},
    {"2001:db8:122:344::/96", "192.0.2.33", "2001:db8:122:344::192.0.2.33"},
};

}  // namespace

TEST_CASE("Each RFC 6052 example address is embedded as the RFC's table shows", "[rfc6052-2.4]") {
  for (const auto& ex : kRfc6052Examples) {
    INFO(ex.prefix);
    CHECK(prefix(ex.prefix).embed(v4(ex.ipv4)) == v6(ex.ipv6));
  }
}

TEST_CASE("Each RFC 6052 example address is extracted back to its IPv4 address",
          "[rfc6052-2.4]") {
  for (const auto& ex : kRfc6052Examples) {
    INFO(ex.prefix);
    auto p = prefix(ex.prefix);
    REQUIRE(p.contains(v6(ex.ipv6)));
    CHECK(p.extract(v6(ex.ipv6)) == v4(ex.ipv4));
  }
}

TEST_CASE("The Well-Known Prefix embeds the IPv4 address in the last 32 bits",
          "[rfc6052-2.1]") {
  auto wkp = Rfc6052Prefix::well_known();
  CHECK(wkp.to_string() == "64:ff9b::/96");
  CHECK(wkp.is_well_known());
  CHECK(wkp.embed(v4("192.0.2.33")) == v6("64:ff9b::c000:221"));
  CHECK(wkp.extract(v6("64:ff9b::198.51.100.7")) == v4("198.51.100.7"));
  CHECK_FALSE(prefix("2001:db8::/96").is_well_known());
}

TEST_CASE("A /40 prefix skips the u octet when embedding", "[rfc6052-2.2]") {
  // 255.255.255.255 makes every IPv4 bit visible: bits 64..71 must stay zero.
  auto embedded = prefix("2001:db8:100::/40").embed(v4("255.255.255.255"));
  CHECK(embedded == v6("2001:db8:1ff:ffff:ff::"));
  CHECK(embedded.bytes[8] == 0);
}

TEST_CASE("The u octet is written as zero for every prefix length", "[rfc6052-2.2]") {
  for (const auto& ex : kRfc6052Examples) {
    INFO(ex.prefix);
    // For /96 bits 64..71 belong to the prefix, whose u octet make() keeps zero.
    CHECK(prefix(ex.prefix).embed(v4("255.255.255.255")).bytes[8] == 0);
  }
}

TEST_CASE("The suffix is zero after embedding", "[rfc6052-2.2]") {
  // /32: IPv4 in bits 32..63, u octet, then suffix 72..127 all zero.
  auto a = prefix("2001:db8::/32").embed(v4("255.255.255.255"));
  for (unsigned i = 8; i < 16; ++i) CHECK(a.bytes[i] == 0);
  // /64: IPv4 in bits 72..103, then suffix 104..127 zero.
  auto b = prefix("2001:db8:122:344::/64").embed(v4("255.255.255.255"));
  for (unsigned i = 13; i < 16; ++i) CHECK(b.bytes[i] == 0);
}

TEST_CASE("Extraction ignores the u octet and suffix bits", "[rfc6052-2.2]") {
  // The /64 example with bits 64..71 and 104..127 set.
  CHECK(prefix("2001:db8:122:344::/64").extract(v6("2001:db8:122:344:ffc0:2:21ff:ffff")) ==
        v4("192.0.2.33"));
  // The /32 example with the u octet and the whole suffix set.
  CHECK(prefix("2001:db8::/32").extract(v6("2001:db8:c000:221:ffff:ffff:ffff:ffff")) ==
        v4("192.0.2.33"));
  // The /48 example with the u octet and the suffix set.
  CHECK(prefix("2001:db8:122::/48").extract(v6("2001:db8:122:c000:ff02:21ff:ffff:ffff")) ==
        v4("192.0.2.33"));
}

TEST_CASE("Only the six RFC 6052 prefix lengths are accepted", "[rfc6052-2.2]") {
  for (unsigned len : {32u, 40u, 48u, 56u, 64u, 96u}) {
    INFO(len);
    CHECK(Rfc6052Prefix::parse("2001:db8::/" + std::to_string(len)).has_value());
  }
  for (unsigned len : {0u, 16u, 24u, 31u, 33u, 72u, 80u, 95u, 97u, 128u}) {
    INFO(len);
    CHECK_FALSE(Rfc6052Prefix::parse("2001:db8::/" + std::to_string(len)).has_value());
  }
}

TEST_CASE("A prefix with a non-zero u octet is refused", "[rfc6052-2.2]") {
  // 64:ff9b:0:0:100::/96 has bits 64..71 = 0x01.
  auto p = Ipv6Prefix::parse("64:ff9b:0:0:100::/96");
  REQUIRE(p.has_value());
  CHECK_FALSE(Rfc6052Prefix::make(*p).has_value());
  CHECK(Rfc6052Prefix::make(*Ipv6Prefix::parse("64:ff9b:0:0:1::/96")).has_value());
}

TEST_CASE("A prefix with host bits set is refused", "[rfc6052-2.2]") {
  Ipv6Prefix p{v6("2001:db8::1"), 64};  // built by hand: parse() would refuse it already
  CHECK_FALSE(Rfc6052Prefix::make(p).has_value());
  CHECK_FALSE(Rfc6052Prefix::parse("2001:db8::1/64").has_value());
  CHECK_FALSE(Rfc6052Prefix::parse("not a prefix").has_value());
}

TEST_CASE("Non-global IPv4 addresses are recognised for wkpf-strict", "[rfc6052-3.1]") {
  for (const char* a : {"0.1.2.3", "10.1.2.3", "100.64.0.1", "100.127.255.255", "127.0.0.1",
                        "169.254.1.1", "172.16.0.1", "172.31.255.255", "192.0.0.8",
                        "192.0.2.33", "192.88.99.1", "192.168.1.1", "198.18.0.1",
                        "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
                        "239.255.255.255", "240.0.0.1", "255.255.255.255"}) {
    INFO(a);
    CHECK_FALSE(is_global_ipv4(v4(a)));
  }
  for (const char* a : {"1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.0", "100.63.255.255",
                        "100.128.0.0", "172.15.255.255", "172.32.0.0", "192.0.1.1",
                        "192.0.3.1", "192.167.255.255", "192.169.0.0", "198.17.255.255",
                        "198.20.0.0", "203.0.114.1", "223.255.255.255"}) {
    INFO(a);
    CHECK(is_global_ipv4(v4(a)));
  }
}

}  // namespace tundra
