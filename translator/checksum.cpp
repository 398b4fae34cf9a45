// RFC 1071 one's-complement sum.
#include "translator/checksum.h"

namespace tundra {

std::uint32_t checksum_add(ConstBytes data, std::uint32_t sum) noexcept {
  // Accumulate in 64 bits so that no carry is lost for any packet length, then fold.
  std::uint64_t acc = sum;
  std::size_t i = 0;
  const std::size_t n = data.size();
  for (; i + 1 < n; i += 2) acc += load_be16(data, i);
  if (i < n) acc += std::uint64_t{load_u8(data, i)} << 8;
  while (acc >> 32) acc = (acc & 0xffffffff) + (acc >> 32);
  return checksum_fold(static_cast<std::uint32_t>(acc & 0xffffffff));
}

}  // namespace tundra
