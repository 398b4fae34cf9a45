// Big-endian field access on packet buffers.
//
// Every header field on the packet path is read and written through these helpers with a
// named offset; there are no packed structs or bitfields. Callers check lengths before
// calling: these functions do not bounds-check (they are on the packet path).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace tundra {

using Bytes = std::span<std::byte>;
using ConstBytes = std::span<const std::byte>;

inline std::uint8_t load_u8(ConstBytes b, std::size_t off) noexcept {
  return static_cast<std::uint8_t>(b[off]);
}
inline std::uint16_t load_be16(ConstBytes b, std::size_t off) noexcept {
  return static_cast<std::uint16_t>((static_cast<unsigned>(b[off]) << 8) |
                                    static_cast<unsigned>(b[off + 1]));
}
inline std::uint32_t load_be32(ConstBytes b, std::size_t off) noexcept {
  return (static_cast<std::uint32_t>(b[off]) << 24) | (static_cast<std::uint32_t>(b[off + 1]) << 16) |
         (static_cast<std::uint32_t>(b[off + 2]) << 8) | static_cast<std::uint32_t>(b[off + 3]);
}
inline void store_u8(Bytes b, std::size_t off, std::uint8_t v) noexcept { b[off] = std::byte{v}; }
inline void store_be16(Bytes b, std::size_t off, std::uint16_t v) noexcept {
  b[off] = static_cast<std::byte>(v >> 8);
  b[off + 1] = static_cast<std::byte>(v & 0xff);
}
inline void store_be32(Bytes b, std::size_t off, std::uint32_t v) noexcept {
  b[off] = static_cast<std::byte>(v >> 24);
  b[off + 1] = static_cast<std::byte>((v >> 16) & 0xff);
  b[off + 2] = static_cast<std::byte>((v >> 8) & 0xff);
  b[off + 3] = static_cast<std::byte>(v & 0xff);
}

}  // namespace tundra
