// Tests for dns64/config: numeric endpoints and the default client ACL. Loading [dns64]
// from tundra.toml is tested in tests/cli/config_test.cpp.
#include <catch2/catch.hpp>

#include <string>
#include <variant>

#include "dns64/config.h"

namespace {

using tundra::Ipv4Address;
using tundra::Ipv6Address;
using tundra::dns64::Config;
using tundra::dns64::Endpoint;

Endpoint parse_ok(const char* text, bool require_port = false) {
  auto e = Endpoint::parse(text, 53, require_port);
  INFO(text);
  REQUIRE(e.has_value());
  return *e;
}

bool contains(const std::variant<tundra::Ipv4Prefix, tundra::Ipv6Prefix>& p, const char* address) {
  if (const auto* v4 = std::get_if<tundra::Ipv4Prefix>(&p)) {
    auto a = Ipv4Address::parse(address);
    return a && v4->contains(*a);
  }
  auto a = Ipv6Address::parse(address);
  return a && std::get<tundra::Ipv6Prefix>(p).contains(*a);
}

bool allowed_by_default(const char* address) {
  for (const auto& p : Config::default_allow_clients()) {
    if (contains(p, address)) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("An endpoint is IPv4:port or [IPv6]:port", "[dns64-config]") {
  Endpoint v4 = parse_ok("192.0.2.1:5353", true);
  CHECK(std::get<Ipv4Address>(v4.address) == *Ipv4Address::parse("192.0.2.1"));
  CHECK(v4.port == 5353);
  CHECK_FALSE(v4.is_ipv6());

  Endpoint v6 = parse_ok("[2001:db8::1]:53", true);
  CHECK(std::get<Ipv6Address>(v6.address) == *Ipv6Address::parse("2001:db8::1"));
  CHECK(v6.port == 53);
  CHECK(v6.is_ipv6());

  CHECK(parse_ok("[::]:1", true).port == 1);
  CHECK(parse_ok("0.0.0.0:65535", true).port == 65535);
  CHECK(parse_ok("[::ffff:192.0.2.1]:53", true).is_ipv6());  // an IPv4-mapped IPv6 address stays IPv6
}

TEST_CASE("Without require_port the port may be left out and the default applies", "[dns64-config]") {
  auto with_default = [](const char* text) { return Endpoint::parse(text, 5300); };
  CHECK(with_default("192.0.2.1") == Endpoint{*Ipv4Address::parse("192.0.2.1"), 5300});
  CHECK(with_default("2001:db8::1") == Endpoint{*Ipv6Address::parse("2001:db8::1"), 5300});
  CHECK(with_default("[2001:db8::1]") == Endpoint{*Ipv6Address::parse("2001:db8::1"), 5300});
  CHECK(with_default("192.0.2.1:53") == Endpoint{*Ipv4Address::parse("192.0.2.1"), 53});
  CHECK(with_default("[2001:db8::1]:53") == Endpoint{*Ipv6Address::parse("2001:db8::1"), 53});
  // Without brackets the last group belongs to the address, never to a port.
  CHECK(with_default("2001:db8::1:53") == Endpoint{*Ipv6Address::parse("2001:db8::1:53"), 5300});
}

TEST_CASE("With require_port an endpoint without a port is refused", "[dns64-config]") {
  for (const char* text : {"192.0.2.1", "2001:db8::1", "[2001:db8::1]", "::1", "2001:db8::1:53"}) {
    INFO(text);
    CHECK_FALSE(Endpoint::parse(text, 53, true).has_value());
  }
}

TEST_CASE("Endpoints are numeric: names, scope ids, bad ports and junk are refused", "[dns64-config]") {
  for (const char* text :
       {"", ":", ":53", "[]", "[]:53", "localhost", "localhost:53", "dns.example:53", "[dns.example]:53",
        "fe80::1%eth0", "[fe80::1%eth0]:53", "[fe80::1%2]", "192.0.2.1:0", "192.0.2.1:65536", "192.0.2.1:-1",
        "192.0.2.1:+53", "192.0.2.1:5a", "192.0.2.1:", "192.0.2.1: 53", " 192.0.2.1", "192.0.2.1 ",
        "192.0.2.1:53:53", "192.0.2.256", "192.0.2", "1.2.3.4/32", "[2001:db8::1", "2001:db8::1]",
        "[2001:db8::1]53", "[2001:db8::1]:", "[2001:db8::1]:99999", "[192.0.2.1]:53", "2001:db8::g",
        "[2001:db8::1]:53x", "192.0.2.1:99999999999999999999"}) {
    INFO("'" << text << "'");
    CHECK_FALSE(Endpoint::parse(text, 53, false).has_value());
    CHECK_FALSE(Endpoint::parse(text, 53, true).has_value());
  }
}

TEST_CASE("An endpoint prints as IPv4:port or [IPv6]:port and parses back", "[dns64-config]") {
  CHECK(parse_ok("192.0.2.1").to_string() == "192.0.2.1:53");
  CHECK(parse_ok("2001:DB8:0::1").to_string() == "[2001:db8::1]:53");
  CHECK(parse_ok("[::]:5353").to_string() == "[::]:5353");
  for (const char* text : {"192.0.2.1:53", "[2001:db8::1]:853", "[::ffff:192.0.2.1]:53", "0.0.0.0:1"}) {
    INFO(text);
    Endpoint e = parse_ok(text, true);
    CHECK(e.to_string() == text);
    CHECK(Endpoint::parse(e.to_string(), 1, true) == e);
  }
}

TEST_CASE("The default listen addresses are every IPv4 and IPv6 address on port 53", "[dns64-config]") {
  Config c;
  REQUIRE(c.listen.size() == 2);
  CHECK(c.listen[0].to_string() == "0.0.0.0:53");
  CHECK(c.listen[1].to_string() == "[::]:53");
  CHECK(c.upstreams.empty());
  CHECK_FALSE(c.prefix.has_value());
  CHECK(c.allow_ipv4);
  CHECK_FALSE(c.translate_all);
  REQUIRE(c.exclude.size() == 1);
  CHECK(c.exclude[0].to_string() == "::ffff:0.0.0.0/96");  // RFC 6147 §5.1.4
  CHECK(c == Config{});
}

TEST_CASE("The default client ACL allows private, loopback, shared and link-local space only",
          "[dns64-config]") {
  auto acl = Config::default_allow_clients();
  CHECK(acl.size() == 9);
  CHECK(Config{}.allow_clients == acl);
  for (const char* inside : {"127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255",
                             "192.168.88.1", "100.64.0.1", "100.127.255.255", "169.254.1.1", "::1", "fc00::1",
                             "fd12:3456::1", "fe80::1", "febf::1"}) {
    INFO(inside);
    CHECK(allowed_by_default(inside));
  }
  for (const char* outside : {"8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "192.0.2.1",
                              "11.0.0.1", "2001:db8::1", "64:ff9b::808:808", "::ffff:10.0.0.1", "fec0::1", "::"}) {
    INFO(outside);
    CHECK_FALSE(allowed_by_default(outside));
  }
}

TEST_CASE("Zones compare their names without regard to case", "[dns64-config]") {
  tundra::dns64::Zone a{*tundra::dns::Name::from_text("Example.NET"), false, {}};
  tundra::dns64::Zone b{*tundra::dns::Name::from_text("example.net."), false, {}};
  CHECK(a == b);
  b.dns64 = true;
  CHECK_FALSE(a == b);
  b.dns64 = false;
  b.upstreams.push_back(parse_ok("192.0.2.53"));
  CHECK_FALSE(a == b);
}
