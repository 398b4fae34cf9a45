// The per-client token buckets of the DNS64 (dns64/rate_limit.h).
#include <catch2/catch.hpp>

#include "dns64/rate_limit.h"

using tundra::dns64::ClientRateLimiter;

namespace {

std::array<std::uint8_t, 16> client(std::uint8_t last) {
  std::array<std::uint8_t, 16> a{0x20, 0x01, 0x0d, 0xb8};
  a[15] = last;
  return a;
}

// How many of `n` queries at `now_ms` are allowed.
int allowed(ClientRateLimiter& limiter, std::uint8_t who, int n, std::int64_t now_ms) {
  int yes = 0;
  for (int i = 0; i < n; ++i) yes += limiter.allow(client(who), now_ms) ? 1 : 0;
  return yes;
}

}  // namespace

TEST_CASE("A client gets rate-limit queries at once, then rate-limit a second", "[dns64][rate-limit]") {
  ClientRateLimiter limiter(10);
  CHECK(allowed(limiter, 1, 50, 1000) == 10);  // the reserve: one second's worth
  CHECK(allowed(limiter, 1, 50, 1100) == 1);   // 100 ms later: one more
  CHECK(allowed(limiter, 1, 50, 1600) == 5);
  CHECK(allowed(limiter, 1, 50, 61600) == 10);  // a long pause refills the reserve, no more
}

TEST_CASE("Clients are limited separately", "[dns64][rate-limit]") {
  ClientRateLimiter limiter(5);
  CHECK(allowed(limiter, 1, 20, 0) == 5);
  CHECK(allowed(limiter, 2, 20, 0) == 5);
  CHECK(allowed(limiter, 1, 20, 0) == 0);
}

TEST_CASE("Rate limit 0 allows everything", "[dns64][rate-limit]") {
  ClientRateLimiter limiter(0);
  CHECK(allowed(limiter, 1, 100000, 0) == 100000);
}

TEST_CASE("A client evicted from its slot by another starts with a full reserve, never less", "[dns64][rate-limit]") {
  ClientRateLimiter limiter(3, 1);  // one slot: every client shares it
  CHECK(allowed(limiter, 1, 10, 0) == 3);
  CHECK(allowed(limiter, 2, 10, 0) == 3);  // took the slot with a full bucket
  CHECK(allowed(limiter, 1, 10, 0) == 3);  // and client 1 is back with a full one
}

TEST_CASE("A clock that steps back neither refills nor breaks the bucket", "[dns64][rate-limit]") {
  ClientRateLimiter limiter(4);
  CHECK(allowed(limiter, 1, 10, 5000) == 4);
  CHECK(allowed(limiter, 1, 10, 1000) == 0);
  CHECK(allowed(limiter, 1, 10, 5250) == 1);
}
