// RFC 6052 §2.2 address embedding and extraction, RFC 6052 §3.1 global-address check.
#include "translator/rfc6052.h"

#include <array>

namespace tundra {
namespace {

constexpr unsigned kUOctet = 8;  // byte index of bits 64..71, which stay zero

// Byte positions of the four IPv4 octets for each prefix length (RFC 6052 §2.2 figure).
constexpr std::array<unsigned, 4> octet_positions(unsigned prefix_len) {
  std::array<unsigned, 4> pos{};
  unsigned at = prefix_len / 8;
  for (unsigned i = 0; i < 4; ++i) {
    if (at == kUOctet) ++at;
    pos[i] = at++;
  }
  return pos;
}
static_assert(octet_positions(32) == std::array<unsigned, 4>{4, 5, 6, 7});
static_assert(octet_positions(40) == std::array<unsigned, 4>{5, 6, 7, 9});
static_assert(octet_positions(56) == std::array<unsigned, 4>{7, 9, 10, 11});
static_assert(octet_positions(64) == std::array<unsigned, 4>{9, 10, 11, 12});
static_assert(octet_positions(96) == std::array<unsigned, 4>{12, 13, 14, 15});

struct Range {
  std::uint32_t first;
  std::uint8_t len;
};
// RFC 5735 §3 / RFC 6890 special-purpose blocks, RFC 1918 and RFC 6598 (100.64/10).
constexpr std::array<Range, 15> kNonGlobal{{
    {0x00000000, 8},   // 0.0.0.0/8 "this network"
    {0x0a000000, 8},   // 10/8 RFC 1918
    {0x64400000, 10},  // 100.64/10 RFC 6598
    {0x7f000000, 8},   // 127/8 loopback
    {0xa9fe0000, 16},  // 169.254/16 link local
    {0xac100000, 12},  // 172.16/12 RFC 1918
    {0xc0000000, 24},  // 192.0.0/24 IETF protocol assignments
    {0xc0000200, 24},  // 192.0.2/24 TEST-NET-1
    {0xc0586300, 24},  // 192.88.99/24 6to4 relay anycast
    {0xc0a80000, 16},  // 192.168/16 RFC 1918
    {0xc6120000, 15},  // 198.18/15 benchmarking
    {0xc6336400, 24},  // 198.51.100/24 TEST-NET-2
    {0xcb007100, 24},  // 203.0.113/24 TEST-NET-3
    {0xe0000000, 4},   // 224/4 multicast
    {0xf0000000, 4},   // 240/4 reserved, includes 255.255.255.255
}};

}  // namespace

Rfc6052Prefix Rfc6052Prefix::well_known() {
  Ipv6Address a;
  a.bytes[0] = 0x00;
  a.bytes[1] = 0x64;
  a.bytes[2] = 0xff;
  a.bytes[3] = 0x9b;
  return Rfc6052Prefix(Ipv6Prefix{a, 96});
}

std::optional<Rfc6052Prefix> Rfc6052Prefix::make(const Ipv6Prefix& p) {
  switch (p.length) {
    case 32: case 40: case 48: case 56: case 64: case 96: break;
    default: return std::nullopt;
  }
  if (Ipv6Prefix::make(p.address, p.length) != p) return std::nullopt;
  if (p.address.bytes[kUOctet] != 0) return std::nullopt;
  return Rfc6052Prefix(p);
}

std::optional<Rfc6052Prefix> Rfc6052Prefix::parse(std::string_view text) {
  auto p = Ipv6Prefix::parse(text);
  if (!p) return std::nullopt;
  return make(*p);
}

bool Rfc6052Prefix::is_well_known() const { return *this == well_known(); }

Ipv6Address Rfc6052Prefix::embed(Ipv4Address v4) const {
  Ipv6Address out = prefix_.address;
  auto pos = octet_positions(prefix_.length);
  for (unsigned i = 0; i < 4; ++i) {
    out.bytes[pos[i]] = static_cast<std::uint8_t>(v4.value >> (24 - 8 * i));
  }
  return out;
}

Ipv4Address Rfc6052Prefix::extract(const Ipv6Address& v6) const {
  auto pos = octet_positions(prefix_.length);
  std::uint32_t v = 0;
  for (unsigned i = 0; i < 4; ++i) v = (v << 8) | v6.bytes[pos[i]];
  return Ipv4Address{v};
}

bool is_global_ipv4(Ipv4Address a) {
  for (const auto& r : kNonGlobal) {
    if (Ipv4Prefix::make(Ipv4Address{r.first}, r.len).contains(a)) return false;
  }
  return true;
}

}  // namespace tundra
