// The address vocabulary shared by every part of tundra: IPv4 and IPv6 addresses and
// prefixes. Values are plain, trivially copyable and comparable.
//
// Parsing is numeric only (inet_pton): a static binary in a FROM-scratch image has no NSS.
// Parsing and formatting allocate and belong to the control plane; everything else here
// is allocation-free and may be used on the packet path.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tundra {

// An IPv4 address, held as a host-order integer (so arithmetic on pool offsets is plain).
struct Ipv4Address {
  std::uint32_t value = 0;

  static std::optional<Ipv4Address> parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const Ipv4Address&) const = default;
};

// An IPv6 address in network byte order.
struct Ipv6Address {
  std::array<std::uint8_t, 16> bytes{};

  static std::optional<Ipv6Address> parse(std::string_view text);
  std::string to_string() const;
  auto operator<=>(const Ipv6Address&) const = default;
};

// An IPv4 prefix. Host bits of `address` are always zero.
struct Ipv4Prefix {
  Ipv4Address address;
  std::uint8_t length = 0;  // 0..32

  // Accepts "a.b.c.d/len" and a bare "a.b.c.d" (a /32). Refuses set host bits.
  static std::optional<Ipv4Prefix> parse(std::string_view text);
  static Ipv4Prefix make(Ipv4Address a, std::uint8_t len);  // clears host bits
  std::string to_string() const;
  std::uint32_t mask() const { return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length); }
  bool contains(Ipv4Address a) const { return (a.value & mask()) == address.value; }
  std::uint64_t size() const { return std::uint64_t{1} << (32 - length); }
  Ipv4Address last() const { return Ipv4Address{address.value | ~mask()}; }
  auto operator<=>(const Ipv4Prefix&) const = default;
};

// An IPv6 prefix. Host bits of `address` are always zero.
struct Ipv6Prefix {
  Ipv6Address address;
  std::uint8_t length = 0;  // 0..128

  // Accepts "x::y/len" and a bare "x::y" (a /128). Refuses set host bits.
  static std::optional<Ipv6Prefix> parse(std::string_view text);
  static Ipv6Prefix make(const Ipv6Address& a, std::uint8_t len);  // clears host bits
  std::string to_string() const;
  bool contains(const Ipv6Address& a) const;
  auto operator<=>(const Ipv6Prefix&) const = default;
};

// Bit `index` (0 = most significant) of an IPv6 address.
inline bool ipv6_bit(const Ipv6Address& a, unsigned index) {
  return (a.bytes[index / 8] >> (7 - index % 8)) & 1u;
}

}  // namespace tundra
