// Internet checksum (RFC 1071) and its incremental update (RFC 1624).
//
// Sums are kept unfolded in a uint32_t while accumulating and folded at the end. Every
// optimised path here is tested against a full recomputation (tests/translator/checksum_test.cpp).
#pragma once

#include <cstdint>

#include "translator/address.h"
#include "translator/bytes.h"

namespace tundra {

// Adds the bytes as big-endian 16-bit words (an odd last byte is padded with zero) to `sum`.
std::uint32_t checksum_add(ConstBytes data, std::uint32_t sum = 0) noexcept;

// Folds the carries of a 32-bit sum into 16 bits.
constexpr std::uint16_t checksum_fold(std::uint32_t sum) noexcept {
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(sum);
}

// The checksum field value for a message whose words sum to `sum`.
constexpr std::uint16_t checksum_finish(std::uint32_t sum) noexcept {
  return static_cast<std::uint16_t>(~checksum_fold(sum));
}

// RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), where `removed` is the sum of the words that
// left the checksummed data and `added` the sum of the words that entered it.
constexpr std::uint16_t checksum_update(std::uint16_t old_checksum, std::uint32_t removed,
                                        std::uint32_t added) noexcept {
  std::uint32_t sum = static_cast<std::uint16_t>(~old_checksum);
  sum += static_cast<std::uint16_t>(~checksum_fold(removed));
  sum += checksum_fold(added);
  return checksum_finish(sum);
}

inline std::uint32_t address_sum(Ipv4Address a) noexcept { return (a.value >> 16) + (a.value & 0xffff); }
inline std::uint32_t address_sum(const Ipv6Address& a) noexcept {
  std::uint32_t s = 0;
  for (unsigned i = 0; i < 16; i += 2) s += (std::uint32_t{a.bytes[i]} << 8) | a.bytes[i + 1];
  return s;
}

// Pseudo-header sums (RFC 768/793 for IPv4, RFC 8200 §8.1 for IPv6). `length` is the
// upper-layer length in bytes.
inline std::uint32_t pseudo_header_sum4(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol,
                                        std::uint32_t length) noexcept {
  return address_sum(src) + address_sum(dst) + protocol + length;
}
inline std::uint32_t pseudo_header_sum6(const Ipv6Address& src, const Ipv6Address& dst,
                                        std::uint8_t next_header, std::uint32_t length) noexcept {
  return address_sum(src) + address_sum(dst) + (length >> 16) + (length & 0xffff) + next_header;
}

}  // namespace tundra
