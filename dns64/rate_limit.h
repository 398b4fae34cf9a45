// Per-client query rate limit for the DNS64's UDP clients (`rate-limit` in [dns64]): a
// token bucket per client address, `per_second` tokens a second and as many in reserve.
//
// Pure: the caller passes the time. Memory is fixed: a table of `slots` buckets indexed by
// a hash of the address, seeded at random per limiter so that colliding addresses cannot be
// worked out offline. A slot whose client has been quiet for a second (its bucket would be
// full again) goes to the next address with a full bucket; while its client is active, an
// address that collides with it draws on the same bucket. So two addresses never get more
// than one address's share between them, whatever they are (a forged victim and a forged
// neighbour alternating cannot reset each other), an innocent collision at worst halves
// two clients' share while both are busy, and memory never grows.
//
// Why UDP only (docs/dns64.md, "Rate limit"): a UDP source address costs nothing to forge,
// so the limit bounds what one address (or one forged victim) can draw; a TCP client has
// completed a handshake and is bounded by max-tcp-connections and the idle timeout.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tundra::dns64 {

class ClientRateLimiter {
 public:
  // `per_second` 0 = no limit (allow() always says yes).
  explicit ClientRateLimiter(std::uint32_t per_second, std::size_t slots = 8192);

  // One query from `address` (16 bytes: IPv6, or IPv4-mapped ::ffff:a.b.c.d) at `now_ms`
  // (any monotonic millisecond clock). True: answer it; false: drop it.
  bool allow(const std::array<std::uint8_t, 16>& address, std::int64_t now_ms);

 private:
  struct Bucket {
    std::array<std::uint8_t, 16> address{};
    bool used = false;
    std::int64_t last_ms = 0;
    std::uint64_t milli_tokens = 0;  // 1000 per query
  };
  std::uint64_t per_second_;
  std::uint64_t seed_;
  std::vector<Bucket> buckets_;
};

}  // namespace tundra::dns64
