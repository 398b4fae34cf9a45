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

TEST_CASE("Addresses that share a slot share its bucket while its client is active", "[dns64][rate-limit]") {
  ClientRateLimiter limiter(3, 1);  // one slot: every client collides
  CHECK(allowed(limiter, 1, 10, 0) == 3);
  CHECK(allowed(limiter, 2, 10, 0) == 0);  // no fresh bucket for a colliding address
  CHECK(allowed(limiter, 1, 10, 0) == 0);  // nor back for the first: alternating gains nothing
  // Alternating forged sources for ten seconds get one address's share between them.
  int yes = 0;
  for (std::int64_t ms = 1; ms <= 10000; ++ms) yes += allowed(limiter, ms % 2 ? 1 : 2, 1, ms);
  CHECK(yes == 30);
}

TEST_CASE("A slot whose client went quiet for a second goes to the next address with a full bucket",
          "[dns64][rate-limit]") {
  ClientRateLimiter limiter(3, 1);
  CHECK(allowed(limiter, 1, 10, 0) == 3);
  CHECK(allowed(limiter, 2, 10, 999) == 2);  // client 1 is not quiet yet: refilled, shared
  CHECK(allowed(limiter, 2, 10, 2500) == 3);  // now client 2 holds the slot... with a full one
  CHECK(allowed(limiter, 1, 10, 2500) == 0);  // ...and client 1 draws on it
}

TEST_CASE("A clock that steps back neither refills nor breaks the bucket", "[dns64][rate-limit]") {
  ClientRateLimiter limiter(4);
  CHECK(allowed(limiter, 1, 10, 5000) == 4);
  CHECK(allowed(limiter, 1, 10, 1000) == 0);
  CHECK(allowed(limiter, 1, 10, 5250) == 1);
}
