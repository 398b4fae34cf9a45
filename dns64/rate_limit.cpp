// The per-client token buckets (dns64/rate_limit.h).
#include "dns64/rate_limit.h"

#include <algorithm>
#include <random>

namespace tundra::dns64 {

ClientRateLimiter::ClientRateLimiter(std::uint32_t per_second, std::size_t slots)
    : per_second_(per_second),
      seed_(std::random_device{}() | std::uint64_t{std::random_device{}()} << 32),
      buckets_(per_second == 0 ? 0 : std::max<std::size_t>(slots, 1)) {}

bool ClientRateLimiter::allow(const std::array<std::uint8_t, 16>& address, std::int64_t now_ms) {
  if (per_second_ == 0) return true;
  std::uint64_t hash = 14695981039346656037ull ^ seed_;  // FNV-1a: spreads neighbouring addresses
  for (std::uint8_t b : address) hash = (hash ^ b) * 1099511628211ull;
  hash ^= hash >> 29;  // the seed's high bits reach the slot index too
  Bucket& bucket = buckets_[hash % buckets_.size()];
  const std::uint64_t full = per_second_ * 1000;  // one second's worth in reserve
  const bool quiet = now_ms - bucket.last_ms >= 1000 || now_ms < bucket.last_ms - 1000;
  if (!bucket.used || (bucket.address != address && quiet)) {
    bucket = Bucket{address, true, now_ms, full};
  } else if (now_ms > bucket.last_ms) {
    // per_second tokens a second = per_second milli-tokens a millisecond.
    const auto elapsed = static_cast<std::uint64_t>(now_ms - bucket.last_ms);
    bucket.milli_tokens = std::min(full, bucket.milli_tokens + std::min(elapsed, std::uint64_t{1000}) * per_second_);
    bucket.last_ms = now_ms;
  }
  if (bucket.milli_tokens < 1000) return false;
  bucket.milli_tokens -= 1000;
  return true;
}

}  // namespace tundra::dns64
