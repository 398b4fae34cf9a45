// Parsing and formatting of addresses and prefixes (control plane).
#include "translator/address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace tundra {
namespace {

// Splits "addr/len" into its parts; a missing "/len" yields `default_len`.
bool split_prefix(std::string_view text, std::string& addr, unsigned& len, unsigned default_len,
                  unsigned max_len) {
  auto slash = text.find('/');
  addr = std::string(text.substr(0, slash));
  if (slash == std::string_view::npos) {
    len = default_len;
    return true;
  }
  auto digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3) return false;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), len);
  return ec == std::errc{} && p == digits.data() + digits.size() && len <= max_len;
}

// inet_pton reads a C string, so an embedded NUL would end the text early and
// "192.0.2.1\0junk" would parse; such text is refused instead.
bool has_nul(std::string_view text) { return text.find('\0') != std::string_view::npos; }

}  // namespace

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  if (has_nul(text)) return std::nullopt;
  std::string s(text);
  in_addr a{};
  if (inet_pton(AF_INET, s.c_str(), &a) != 1) return std::nullopt;
  return Ipv4Address{ntohl(a.s_addr)};
}

std::string Ipv4Address::to_string() const {
  in_addr a{htonl(value)};
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &a, buf, sizeof buf);
  return buf;
}

std::optional<Ipv6Address> Ipv6Address::parse(std::string_view text) {
  if (has_nul(text)) return std::nullopt;
  std::string s(text);
  Ipv6Address out;
  if (inet_pton(AF_INET6, s.c_str(), out.bytes.data()) != 1) return std::nullopt;
  return out;
}

std::string Ipv6Address::to_string() const {
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(AF_INET6, bytes.data(), buf, sizeof buf);
  return buf;
}

Ipv4Prefix Ipv4Prefix::make(Ipv4Address a, std::uint8_t len) {
  Ipv4Prefix p{a, len};
  p.address.value &= p.mask();
  return p;
}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  std::string addr;
  unsigned len = 0;
  if (!split_prefix(text, addr, len, 32, 32)) return std::nullopt;
  auto a = Ipv4Address::parse(addr);
  if (!a) return std::nullopt;
  auto p = make(*a, static_cast<std::uint8_t>(len));
  if (p.address != *a) return std::nullopt;  // host bits set
  return p;
}

std::string Ipv4Prefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

Ipv6Prefix Ipv6Prefix::make(const Ipv6Address& a, std::uint8_t len) {
  Ipv6Prefix p{a, len};
  for (unsigned i = 0; i < 16; ++i) {
    unsigned first_bit = i * 8;
    if (first_bit >= len) {
      p.address.bytes[i] = 0;
    } else if (first_bit + 8 > len) {
      p.address.bytes[i] &= static_cast<std::uint8_t>(0xff00u >> (len - first_bit));
    }
  }
  return p;
}

std::optional<Ipv6Prefix> Ipv6Prefix::parse(std::string_view text) {
  std::string addr;
  unsigned len = 0;
  if (!split_prefix(text, addr, len, 128, 128)) return std::nullopt;
  auto a = Ipv6Address::parse(addr);
  if (!a) return std::nullopt;
  auto p = make(*a, static_cast<std::uint8_t>(len));
  if (p.address != *a) return std::nullopt;  // host bits set
  return p;
}

std::string Ipv6Prefix::to_string() const {
  return address.to_string() + "/" + std::to_string(length);
}

bool Ipv6Prefix::contains(const Ipv6Address& a) const {
  unsigned full = length / 8;
  if (std::memcmp(a.bytes.data(), address.bytes.data(), full) != 0) return false;
  unsigned rest = length % 8;
  if (rest == 0) return true;
  auto mask = static_cast<std::uint8_t>(0xff00u >> rest);
  return (a.bytes[full] & mask) == address.bytes[full];
}

}  // namespace tundra
