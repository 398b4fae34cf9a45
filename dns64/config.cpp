// dns64/config.h: endpoints ("192.0.2.1:53", "[2001:db8::1]:53") and the default client ACL.
// Loading the [dns64] table itself is cli/config.cpp's job.
#include "dns64/config.h"

#include <charconv>

namespace tundra::dns64 {
namespace {

// A port: decimal digits only (no sign, no spaces), 1..65535.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned port = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, port);
  if (text.empty() || text.front() == '+' || ec != std::errc{} || ptr != end || port == 0 || port > 65535) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(port);
}

}  // namespace

std::optional<Endpoint> Endpoint::parse(std::string_view text, std::uint16_t default_port, bool require_port) {
  if (!text.empty() && text.front() == '[') {
    // "[IPv6]:port", or "[IPv6]" where the port may be left out. inet_pton refuses a scope
    // id ("%eth0") and anything else that is not a plain numeric address.
    auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    auto a = Ipv6Address::parse(text.substr(1, close - 1));
    if (!a) return std::nullopt;
    std::string_view rest = text.substr(close + 1);
    if (rest.empty()) {
      if (require_port) return std::nullopt;
      return Endpoint{*a, default_port};
    }
    if (rest.front() != ':') return std::nullopt;
    auto port = parse_port(rest.substr(1));
    if (!port) return std::nullopt;
    return Endpoint{*a, *port};
  }
  auto colon = text.find(':');
  if (colon == std::string_view::npos) {
    // A bare IPv4 address.
    if (require_port) return std::nullopt;
    auto a = Ipv4Address::parse(text);
    if (!a) return std::nullopt;
    return Endpoint{*a, default_port};
  }
  if (text.find(':', colon + 1) == std::string_view::npos) {
    // Exactly one colon: "IPv4:port" (no IPv6 address has a single colon).
    auto a = Ipv4Address::parse(text.substr(0, colon));
    auto port = parse_port(text.substr(colon + 1));
    if (!a || !port) return std::nullopt;
    return Endpoint{*a, *port};
  }
  // Several colons and no brackets: a bare IPv6 address. "2001:db8::1:53" is the address
  // 2001:db8::1:53, never ::1 port 53; a port after an IPv6 address needs brackets.
  if (require_port) return std::nullopt;
  auto a = Ipv6Address::parse(text);
  if (!a) return std::nullopt;
  return Endpoint{*a, default_port};
}

std::string Endpoint::to_string() const {
  std::string port_text = ":" + std::to_string(port);
  if (const auto* v4 = std::get_if<Ipv4Address>(&address)) return v4->to_string() + port_text;
  return "[" + std::get<Ipv6Address>(address).to_string() + "]" + port_text;
}

bool Zone::operator==(const Zone& other) const {
  return name.equals(other.name) && dns64 == other.dns64 && upstreams == other.upstreams;
}

std::vector<std::variant<Ipv4Prefix, Ipv6Prefix>> Config::default_allow_clients() {
  std::vector<std::variant<Ipv4Prefix, Ipv6Prefix>> out;
  // Loopback, RFC 1918 private space, RFC 6598 shared address space (carrier-grade NAT),
  // IPv4 link-local; IPv6 loopback, ULA (RFC 4193), link-local.
  for (const char* p : {"127.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10",
                        "169.254.0.0/16"}) {
    out.emplace_back(*Ipv4Prefix::parse(p));
  }
  for (const char* p : {"::1/128", "fc00::/7", "fe80::/10"}) out.emplace_back(*Ipv6Prefix::parse(p));
  return out;
}

}  // namespace tundra::dns64
