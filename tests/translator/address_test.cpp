// The address vocabulary (translator/address.h): parsing, formatting, prefixes.
#include "translator/address.h"

#include <catch2/catch.hpp>

#include <string>
#include <string_view>

namespace tundra {

TEST_CASE("IPv4 addresses parse to host-order integers and format back", "[address]") {
  auto a = Ipv4Address::parse("192.0.2.33");
  REQUIRE(a.has_value());
  CHECK(a->value == 0xc0000221u);
  CHECK(a->to_string() == "192.0.2.33");
  CHECK(Ipv4Address::parse("0.0.0.0")->value == 0u);
  CHECK(Ipv4Address::parse("255.255.255.255")->value == 0xffffffffu);
  CHECK(Ipv4Address{0x0a000001}.to_string() == "10.0.0.1");
}

TEST_CASE("Malformed IPv4 addresses are refused", "[address]") {
  for (const char* text : {"", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.-4", "a.b.c.d",
                           " 1.2.3.4", "1.2.3.4 ", "1.2.3.4/32", "::1", "example.com"}) {
    INFO(text);
    CHECK_FALSE(Ipv4Address::parse(text).has_value());
  }
}

TEST_CASE("Text with an embedded NUL is refused rather than cut short", "[address]") {
  using namespace std::string_view_literals;
  CHECK_FALSE(Ipv4Address::parse("192.0.2.1\0junk"sv).has_value());
  CHECK_FALSE(Ipv6Address::parse("2001:db8::1\0junk"sv).has_value());
  CHECK_FALSE(Ipv4Prefix::parse("192.0.2.0\0/24"sv).has_value());
}

TEST_CASE("IPv6 addresses parse in network byte order and format canonically (RFC 5952)",
          "[address]") {
  auto a = Ipv6Address::parse("2001:0DB8:0000:0000:0000:0000:0000:0001");
  REQUIRE(a.has_value());
  CHECK(a->bytes[0] == 0x20);
  CHECK(a->bytes[1] == 0x01);
  CHECK(a->bytes[15] == 0x01);
  CHECK(a->to_string() == "2001:db8::1");
  CHECK(Ipv6Address::parse("64:ff9b::192.0.2.33")->to_string() == "64:ff9b::c000:221");
  CHECK(Ipv6Address::parse("::")->to_string() == "::");
  CHECK(Ipv6Address{}.to_string() == "::");
}

TEST_CASE("Malformed IPv6 addresses are refused", "[address]") {
  for (const char* text : {"", ":", "2001:db8::1::2", "2001:db8:0:0:0:0:0:0:1", "12345::",
                           "g::1", "2001:db8::1/128", "fe80::1%eth0", "192.0.2.1"}) {
    INFO(text);
    CHECK_FALSE(Ipv6Address::parse(text).has_value());
  }
}

TEST_CASE("Addresses order numerically", "[address]") {
  CHECK(*Ipv4Address::parse("9.255.255.255") < *Ipv4Address::parse("10.0.0.0"));
  CHECK(*Ipv6Address::parse("2001:db8::ffff") < *Ipv6Address::parse("2001:db8:0:1::"));
}

TEST_CASE("IPv4 prefixes parse, default to /32 and format back", "[address]") {
  auto p = Ipv4Prefix::parse("192.0.2.0/24");
  REQUIRE(p.has_value());
  CHECK(p->address == *Ipv4Address::parse("192.0.2.0"));
  CHECK(p->length == 24);
  CHECK(p->to_string() == "192.0.2.0/24");
  CHECK(p->size() == 256u);
  CHECK(p->last() == *Ipv4Address::parse("192.0.2.255"));
  CHECK(p->mask() == 0xffffff00u);

  auto host = Ipv4Prefix::parse("192.0.2.7");
  REQUIRE(host.has_value());
  CHECK(host->length == 32);
  CHECK(host->size() == 1u);

  auto all = Ipv4Prefix::parse("0.0.0.0/0");
  REQUIRE(all.has_value());
  CHECK(all->mask() == 0u);
  CHECK(all->size() == (std::uint64_t{1} << 32));
  CHECK(all->contains(*Ipv4Address::parse("203.0.113.1")));
}

TEST_CASE("IPv4 prefixes with host bits set or bad lengths are refused", "[address]") {
  for (const char* text : {"192.0.2.1/24", "192.0.3.0/23", "192.0.2.0/33", "192.0.2.0/",
                           "192.0.2.0/-1", "192.0.2.0/+24", "192.0.2.0/24/1", "192.0.2.0/0024",
                           "/24", "192.0.2.0/a"}) {
    INFO(text);
    CHECK_FALSE(Ipv4Prefix::parse(text).has_value());
  }
}

TEST_CASE("An IPv4 prefix contains exactly its own addresses", "[address]") {
  auto p = *Ipv4Prefix::parse("198.51.100.64/29");
  CHECK_FALSE(p.contains(*Ipv4Address::parse("198.51.100.63")));
  CHECK(p.contains(*Ipv4Address::parse("198.51.100.64")));
  CHECK(p.contains(*Ipv4Address::parse("198.51.100.71")));
  CHECK_FALSE(p.contains(*Ipv4Address::parse("198.51.100.72")));
}

TEST_CASE("Making an IPv4 prefix clears its host bits", "[address]") {
  auto p = Ipv4Prefix::make(*Ipv4Address::parse("192.0.2.77"), 26);
  CHECK(p.to_string() == "192.0.2.64/26");
  CHECK(Ipv4Prefix::make(*Ipv4Address::parse("192.0.2.77"), 0).to_string() == "0.0.0.0/0");
  CHECK(Ipv4Prefix::make(*Ipv4Address::parse("192.0.2.77"), 32).to_string() == "192.0.2.77/32");
}

TEST_CASE("IPv6 prefixes parse, default to /128 and format back", "[address]") {
  auto p = Ipv6Prefix::parse("2001:db8:1::/72");
  REQUIRE(p.has_value());
  CHECK(p->length == 72);
  CHECK(p->to_string() == "2001:db8:1::/72");
  auto host = Ipv6Prefix::parse("2001:db8::1");
  REQUIRE(host.has_value());
  CHECK(host->length == 128);
  CHECK(Ipv6Prefix::parse("::/0").has_value());
}

TEST_CASE("IPv6 prefixes with host bits set or bad lengths are refused", "[address]") {
  for (const char* text : {"2001:db8::1/64", "2001:db8:1::/47", "2001:db8::/129",
                           "2001:db8::/", "2001:db8::/1280", "2001:db8:0:0:80::/72",
                           "/64", "2001:db8::/x"}) {
    INFO(text);
    CHECK_FALSE(Ipv6Prefix::parse(text).has_value());
  }
  // Bit 72 is the first host bit of a /72; bit 71 is the last prefix bit.
  CHECK(Ipv6Prefix::parse("2001:db8:0:0:100::/72").has_value());
}

TEST_CASE("An IPv6 prefix contains exactly its own addresses, also off byte boundaries",
          "[address]") {
  auto p = *Ipv6Prefix::parse("2001:db8:eeee:8::/62");
  CHECK(p.contains(*Ipv6Address::parse("2001:db8:eeee:8::")));
  CHECK(p.contains(*Ipv6Address::parse("2001:db8:eeee:b:ffff:ffff:ffff:ffff")));
  CHECK_FALSE(p.contains(*Ipv6Address::parse("2001:db8:eeee:c::")));
  CHECK_FALSE(p.contains(*Ipv6Address::parse("2001:db8:eeee:7:ffff:ffff:ffff:ffff")));
  auto all = *Ipv6Prefix::parse("::/0");
  CHECK(all.contains(*Ipv6Address::parse("ff02::1")));
  auto host = *Ipv6Prefix::parse("2001:db8::1/128");
  CHECK(host.contains(*Ipv6Address::parse("2001:db8::1")));
  CHECK_FALSE(host.contains(*Ipv6Address::parse("2001:db8::2")));
}

TEST_CASE("Making an IPv6 prefix clears its host bits", "[address]") {
  auto a = *Ipv6Address::parse("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
  CHECK(Ipv6Prefix::make(a, 62).to_string() == "2001:db8:ffff:fffc::/62");
  CHECK(Ipv6Prefix::make(a, 72).to_string() == "2001:db8:ffff:ffff:ff00::/72");
  CHECK(Ipv6Prefix::make(a, 0).to_string() == "::/0");
  CHECK(Ipv6Prefix::make(a, 128).address == a);
}

TEST_CASE("ipv6_bit numbers bits from the most significant", "[address]") {
  auto a = *Ipv6Address::parse("8000::1");
  CHECK(ipv6_bit(a, 0));
  CHECK_FALSE(ipv6_bit(a, 1));
  CHECK_FALSE(ipv6_bit(a, 126));
  CHECK(ipv6_bit(a, 127));
}

}  // namespace tundra
