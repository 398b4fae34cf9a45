// The optimised checksum routines against an obviously correct reference (house style 11).
#include <catch2/catch.hpp>

#include <random>

#include "tests/support/packets.h"
#include "translator/checksum.h"

using namespace tundra;

TEST_CASE("The one's-complement sum matches a byte-by-byte reference for every length", "[rfc1071]") {
  std::mt19937 rng(7);
  for (std::size_t length = 0; length < 300; ++length) {
    test::Packet data(length);
    for (auto& b : data) b = std::byte(rng() & 0xff);
    CHECK(checksum_finish(checksum_add(data)) == test::reference_checksum(data));
  }
}

TEST_CASE("An incremental update equals a full recomputation", "[rfc1624]") {
  std::mt19937 rng(11);
  for (int round = 0; round < 5000; ++round) {
    test::Packet data(2 * (4 + rng() % 40));
    for (auto& b : data) b = std::byte(rng() & 0xff);
    if (round % 7 == 0) std::fill(data.begin(), data.end(), std::byte{0xff});  // the -0 corner
    std::uint16_t before = test::reference_checksum(data);
    // Replace two 16-bit words, as an address change would.
    std::size_t i = 2 * (rng() % (data.size() / 2)), j = 2 * (rng() % (data.size() / 2));
    if (i == j) continue;
    std::uint32_t removed = load_be16(data, i) + load_be16(data, j);
    store_be16(data, i, static_cast<std::uint16_t>(rng()));
    store_be16(data, j, round % 5 == 0 ? 0 : static_cast<std::uint16_t>(rng()));
    std::uint32_t added = load_be16(data, i) + load_be16(data, j);
    std::uint16_t updated = checksum_update(before, removed, added);
    std::uint16_t full = test::reference_checksum(data);
    // 0x0000 and 0xffff are the same one's-complement value; RFC 1624 §3 allows either.
    INFO("round " << round);
    CHECK((updated == full || (updated == 0xffff && full == 0) || (updated == 0 && full == 0xffff)));
  }
}
