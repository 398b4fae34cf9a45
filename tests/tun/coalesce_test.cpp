// UdpCoalescer: what it writes, cut back into datagrams the way the kernel's UDP segmentation
// does (written out here from the kernel's behaviour, not with tundra's code), must be
// exactly what went in, in the same order.
#include <catch2/catch.hpp>

#include <cstdint>

#include "tests/support/collecting_sink.h"
#include "tests/support/packets.h"
#include "tun/coalesce.h"

using namespace tundra;
using namespace tundra::test;

namespace {

unsigned u8(const Packet& p, std::size_t i) { return std::to_integer<unsigned>(p[i]); }
unsigned u16(const Packet& p, std::size_t i) { return (u8(p, i) << 8) | u8(p, i + 1); }
void put16(Packet& p, std::size_t i, unsigned v) {
  p[i] = std::byte((v >> 8) & 0xff);
  p[i + 1] = std::byte(v & 0xff);
}
std::uint16_t add16(std::uint32_t a, std::uint32_t b) {  // one's complement addition
  std::uint32_t s = a + b;
  return static_cast<std::uint16_t>((s & 0xffff) + (s >> 16));
}

// The kernel's side of a write: a plain packet as it is; a UDP_L4 super-packet cut into
// gso_size payloads (the last may be shorter) behind copies of its headers, IPv4
// Identification counting up, each length set, and each checksum made from the seed the
// way __udp_gso_segment does (swap the length in the seed, then sum the segment).
std::vector<Packet> kernel_segments(const Written& w) {
  if (w.header.gso_type == virtio::kGsoNone) return {w.packet};
  REQUIRE(w.header.gso_type == virtio::kGsoUdpL4);
  REQUIRE(w.header.flags == virtio::kNeedsCsum);
  const Packet& p = w.packet;
  const bool ip6 = (u8(p, 0) >> 4) == 6;
  const std::size_t l3 = ip6 ? 40 : 20;
  REQUIRE(w.header.csum_start == l3);
  REQUIRE(w.header.csum_offset == 6);
  REQUIRE(w.header.hdr_len == l3 + 8);
  REQUIRE(u16(p, l3 + 4) == p.size() - l3);  // the super-packet's UDP length
  const std::size_t headers = l3 + 8, size = w.header.gso_size, payload = p.size() - headers;
  std::vector<Packet> out;
  for (std::size_t offset = 0, k = 0; offset < payload; offset += size, ++k) {
    const std::size_t n = std::min(size, payload - offset);
    Packet s(p.begin(), p.begin() + static_cast<std::ptrdiff_t>(headers));
    s.insert(s.end(), p.begin() + static_cast<std::ptrdiff_t>(headers + offset),
             p.begin() + static_cast<std::ptrdiff_t>(headers + offset + n));
    if (ip6) {
      put16(s, 4, static_cast<unsigned>(s.size() - 40));
    } else {
      put16(s, 2, static_cast<unsigned>(s.size()));
      put16(s, 4, (u16(p, 4) + k) & 0xffff);
      put16(s, 10, 0);
      put16(s, 10, reference_checksum(Packet(s.begin(), s.begin() + 20)));
    }
    const unsigned new_length = static_cast<unsigned>(8 + n);
    const std::uint16_t seed = add16(add16(u16(p, l3 + 6), static_cast<std::uint16_t>(~u16(p, l3 + 4))), new_length);
    put16(s, l3 + 4, new_length);
    put16(s, l3 + 6, seed);
    std::uint16_t sum = reference_checksum(Packet(s.begin() + static_cast<std::ptrdiff_t>(l3), s.end()));
    put16(s, l3 + 6, sum == 0 ? 0xffff : sum);
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<Packet> all_segments(const CollectingSink& sink) {
  std::vector<Packet> all;
  for (const Written& w : sink.written) {
    for (Packet& s : kernel_segments(w)) all.push_back(std::move(s));
  }
  return all;
}

// "" when `got` and `want` are the same packets in the same order, else the first difference
// (short: Catch would print whole packet vectors).
std::string difference(const std::vector<Packet>& got, const std::vector<Packet>& want) {
  for (std::size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (got[i] == want[i]) continue;
    if (got[i].size() != want[i].size()) {
      return "packet " + std::to_string(i) + ": " + std::to_string(got[i].size()) + " bytes, want " +
             std::to_string(want[i].size());
    }
    for (std::size_t b = 0;; ++b) {
      if (got[i][b] != want[i][b]) {
        return "packet " + std::to_string(i) + ": byte " + std::to_string(b) + " is " + std::to_string(u8(got[i], b)) +
               ", want " + std::to_string(u8(want[i], b));
      }
    }
  }
  if (got.size() != want.size()) return std::to_string(got.size()) + " packets, want " + std::to_string(want.size());
  return "";
}

const Ipv4Address kPool = v4("192.0.2.9");
const Ipv4Address kServer4 = v4("198.51.100.7");
const Ipv6Address kClient = v6("2001:db8::1");
const Ipv6Address kServer6 = v6("64:ff9b::198.51.100.7");

// A translated IPv6→IPv4 datagram as the translator writes it: Identification `id`.
Packet datagram4(std::uint16_t id, std::size_t payload, std::uint8_t seed = 1, std::uint16_t sport = 40000,
                 std::uint8_t ttl = 63) {
  return ip4(kPool, kServer4, 17, udp4(kPool, kServer4, sport, 53, filler(payload, seed)),
             Ip4Options{.ttl = ttl, .id = id});
}
Packet datagram6(std::size_t payload, std::uint8_t seed = 1) {
  return ip6(kServer6, kClient, 17, udp6(kServer6, kClient, 443, 50000, filler(payload, seed)));
}

struct Harness {
  CollectingSink sink;
  Counters counters;
  UdpCoalescer coalescer{sink, counters};
  void write(const Packet& p, const VirtioNetHeader& h = {}) { coalescer.write(h, ConstBytes(p.data(), p.size())); }
};

}  // namespace

TEST_CASE("Consecutive IPv4 datagrams of one flow leave as one UDP super-packet that cuts back into them",
          "[coalesce]") {
  Harness h;
  std::vector<Packet> in;
  for (std::uint16_t i = 0; i < 5; ++i) in.push_back(datagram4(static_cast<std::uint16_t>(0xfffe + i), i == 4 ? 40 : 100, static_cast<std::uint8_t>(i + 1)));
  for (const Packet& p : in) h.write(p);
  CHECK(h.sink.written.empty());  // nothing leaves before the batch ends
  h.coalescer.flush();
  REQUIRE(h.sink.written.size() == 1);
  const Written& w = h.sink.written[0];
  CHECK(w.header.gso_size == 100);
  CHECK(w.packet.size() == 20 + 8 + 4 * 100 + 40);
  CHECK(check_packet(w.packet.data(), w.packet.size(), false) == "");  // IPv4 length and header checksum
  CHECK(difference(all_segments(h.sink), in) == "");  // IDs 0xfffe, 0xffff, 0, 1, 2; checksums; lengths
  CHECK(h.counters.gso_coalesced == 5);
  CHECK(h.counters.gso_built == 1);
}

TEST_CASE("Consecutive IPv6 datagrams of one flow leave as one UDP super-packet that cuts back into them",
          "[coalesce]") {
  Harness h;
  std::vector<Packet> in;
  for (std::uint8_t i = 0; i < 3; ++i) in.push_back(datagram6(1200, static_cast<std::uint8_t>(i + 7)));
  for (const Packet& p : in) h.write(p);
  h.coalescer.flush();
  REQUIRE(h.sink.written.size() == 1);
  CHECK(h.sink.written[0].header.gso_size == 1200);
  CHECK(difference(all_segments(h.sink), in) == "");
}

TEST_CASE("A super-packet that cannot be written is not counted as built or coalesced", "[coalesce]") {
  struct RefusingSink final : PacketSink {
    int tries = 0;
    bool write(const VirtioNetHeader&, ConstBytes) noexcept override {
      ++tries;
      return false;
    }
  } refusing;
  Counters counters;
  UdpCoalescer coalescer{refusing, counters};
  for (std::uint16_t i = 0; i < 3; ++i) {
    const Packet p = datagram4(i, 100, static_cast<std::uint8_t>(i + 1));
    CHECK(coalescer.write(VirtioNetHeader{}, ConstBytes(p.data(), p.size())));  // taken in
  }
  coalescer.flush();
  CHECK(refusing.tries == 1);
  CHECK(counters.gso_built == 0);
  CHECK(counters.gso_coalesced == 0);
}

TEST_CASE("A datagram on its own is written as it came, with an empty header", "[coalesce]") {
  Harness h;
  const Packet p = datagram4(7, 64);
  h.write(p);
  h.coalescer.flush();
  REQUIRE(h.sink.written.size() == 1);
  CHECK(h.sink.written[0].header.gso_type == virtio::kGsoNone);
  CHECK(h.sink.written[0].header.flags == 0);
  CHECK(h.sink.written[0].packet == p);
  CHECK(h.counters.gso_built == 0);
}

TEST_CASE("A datagram whose checksum fails is never merged and keeps its bad checksum", "[coalesce]") {
  Harness h;
  Packet bad = datagram4(2, 100, 2);
  bad[40] ^= std::byte{1};  // a payload bit flipped on the way
  const std::vector<Packet> in = {datagram4(1, 100, 1), bad, datagram4(3, 100, 3), datagram4(4, 100, 4)};
  for (const Packet& p : in) h.write(p);
  h.coalescer.flush();
  REQUIRE(h.sink.written.size() == 3);  // 1 alone, the bad one alone, 3 and 4 together
  CHECK(h.sink.written[1].packet == bad);
  CHECK(h.sink.written[1].header.flags == 0);
  CHECK(check_packet(bad.data(), bad.size()) != "");
  CHECK(difference(all_segments(h.sink), in) == "");
}

TEST_CASE("A gap in the IPv4 Identification, another flow or another TTL starts a new super-packet",
          "[coalesce]") {
  Harness h;
  const std::vector<Packet> in = {
      datagram4(10, 100), datagram4(11, 100),                        // together
      datagram4(13, 100), datagram4(14, 100),                        // 12 missing: the kernel would number 12
      datagram4(15, 100, 1, 40001), datagram4(16, 100, 1, 40001),    // another source port
      datagram4(17, 100, 1, 40001, 5), datagram4(18, 100, 1, 40001, 5)};  // another TTL
  for (const Packet& p : in) h.write(p);
  h.coalescer.flush();
  CHECK(h.sink.written.size() == 4);
  CHECK(difference(all_segments(h.sink), in) == "");
  CHECK(h.counters.gso_built == 4);
}

TEST_CASE("Another DF, TOS, traffic class or flow label starts a new super-packet", "[coalesce]") {
  const auto v4 = [](std::uint16_t id, Ip4Options o) {
    o.id = id;
    return ip4(kPool, kServer4, 17, udp4(kPool, kServer4, 40000, 53, filler(100)), o);
  };
  const auto v6 = [](Ip6Options o) { return ip6(kServer6, kClient, 17, udp6(kServer6, kClient, 443, 50000, filler(100)), o); };
  const std::vector<Packet> in = {v4(1, {}), v4(2, {.df = true}), v4(3, {.df = true}), v4(4, {.tos = 0x10}),
                                  v6({}), v6({.traffic_class = 0x20}), v6({.traffic_class = 0x20, .flow_label = 5}),
                                  v6({.traffic_class = 0x20, .flow_label = 5})};
  Harness h;
  for (const Packet& p : in) h.write(p);
  h.coalescer.flush();
  CHECK(h.sink.written.size() == 6);  // [1] [2 3] [4] [v6] [tc] [tc+label tc+label]
  CHECK(h.counters.gso_built == 2);
  CHECK(difference(all_segments(h.sink), in) == "");
}

TEST_CASE("A shorter datagram ends a super-packet and a longer one starts the next", "[coalesce]") {
  Harness h;
  const std::vector<Packet> in = {datagram4(1, 100), datagram4(2, 60), datagram4(3, 100),
                                  datagram4(4, 200), datagram4(5, 200)};
  for (const Packet& p : in) h.write(p);
  h.coalescer.flush();
  REQUIRE(h.sink.written.size() == 3);  // [1 2] [3] [4 5]
  CHECK(h.sink.written[1].header.gso_type == virtio::kGsoNone);
  CHECK(difference(all_segments(h.sink), in) == "");
}

TEST_CASE("A shorter datagram joins only where a too-big drop of the full-size ones cannot take it along",
          "[coalesce]") {
  // A router refuses a super-packet by its full-size segment: DF IPv4 and IPv6 over 1280
  // bytes would lose the shorter datagram with them, so it leaves on its own there.
  const auto df = [](std::uint16_t id, std::size_t payload) {
    return ip4(kPool, kServer4, 17, udp4(kPool, kServer4, 40000, 53, filler(payload)), Ip4Options{.id = id, .df = true});
  };
  const std::vector<Packet> in = {df(1, 1400), df(2, 1400), df(3, 600), df(4, 600), df(5, 200),  // [1 2] [3 4] [5]
                                  datagram6(1232), datagram6(1000),                               // 1280 bytes: [v6 v6]
                                  datagram6(1233), datagram6(1233), datagram6(1000)};             // [v6 v6] [v6]
  Harness h;
  for (const Packet& p : in) h.write(p);
  h.coalescer.flush();
  REQUIRE(h.sink.written.size() == 6);
  CHECK(h.sink.written[0].header.gso_size == 1400);
  CHECK(h.sink.written[1].header.gso_size == 600);
  CHECK(h.sink.written[2].packet == in[4]);
  CHECK(h.sink.written[3].packet.size() == 40 + 8 + 1232 + 1000);
  CHECK(h.sink.written[5].packet == in[9]);
  CHECK(difference(all_segments(h.sink), in) == "");
}

TEST_CASE("A super-packet holds at most 64 datagrams and 65535 bytes of UDP", "[coalesce]") {
  Harness h;
  std::vector<Packet> in;
  for (std::uint16_t i = 0; i < 100; ++i) in.push_back(datagram4(i, 100));
  for (const Packet& p : in) h.write(p);
  h.coalescer.flush();
  REQUIRE(h.sink.written.size() == 2);
  CHECK(h.sink.written[0].packet.size() == 20 + 8 + 64 * 100);
  CHECK(difference(all_segments(h.sink), in) == "");

  Harness big;
  in.clear();
  for (std::uint16_t i = 0; i < 50; ++i) in.push_back(datagram4(i, 1400));
  for (const Packet& p : in) big.write(p);
  big.coalescer.flush();
  REQUIRE(big.sink.written.size() == 2);
  CHECK(big.sink.written[0].packet.size() == 20 + 8 + 46 * 1400);  // 47 would pass 65535
  CHECK(difference(all_segments(big.sink), in) == "");
}

TEST_CASE("Other packets pass through in order, flushing what is pending first", "[coalesce]") {
  Harness h;
  const Packet tcp = ip4(kPool, kServer4, 6, tcp4(kPool, kServer4, filler(50)), Ip4Options{.id = 3});
  const Packet zero = ip4(kPool, kServer4, 17, udp4(kPool, kServer4, 40000, 53, filler(100), true), Ip4Options{.id = 6});
  const std::vector<Packet> in = {datagram4(1, 100), datagram4(2, 100), tcp, datagram4(4, 100), datagram4(5, 100), zero,
                                  datagram6(100), datagram6(100)};
  for (const Packet& p : in) h.write(p);
  VirtioNetHeader gso;  // a super-packet translated in one step goes straight through too
  gso.flags = virtio::kNeedsCsum;
  gso.gso_type = virtio::kGsoTcpV4;
  h.write(tcp, gso);
  h.coalescer.flush();
  REQUIRE(h.sink.written.size() == 6);  // [1 2] tcp [4 5] zero-checksum [v6 v6] gso
  CHECK(h.sink.written[1].packet == tcp);
  CHECK(h.sink.written[3].packet == zero);
  CHECK(h.sink.written[5].header.gso_type == virtio::kGsoTcpV4);
  h.sink.written.pop_back();
  CHECK(difference(all_segments(h.sink), in) == "");
  CHECK(h.counters.gso_coalesced == 6);
}

TEST_CASE("Any mix of flows, sizes and damage comes out of the kernel's segmentation exactly as it went in",
          "[coalesce]") {
  Harness h;
  std::vector<Packet> in;
  std::uint32_t state = 12345;
  auto next = [&state](std::uint32_t n) {
    state = state * 1103515245u + 12345u;
    return (state >> 16) % n;
  };
  std::uint16_t id = 0;
  for (int batch = 0; batch < 200; ++batch) {
    const std::size_t start = in.size();
    for (std::uint32_t i = 0, n = 1 + next(80); i < n; ++i) {
      const std::uint32_t kind = next(10);
      const std::size_t size = next(4) == 0 ? 1 + next(1400) : 500;
      Packet p = kind < 6   ? datagram4(id, size, static_cast<std::uint8_t>(next(255)), static_cast<std::uint16_t>(40000 + next(2)))
                 : kind < 9 ? datagram6(size, static_cast<std::uint8_t>(next(255)))
                            : datagram4(static_cast<std::uint16_t>(id + 1), size);  // an Identification gap
      if (next(50) == 0) p[p.size() - 1] ^= std::byte{0x40};  // damaged: must not be merged
      id = static_cast<std::uint16_t>(id + 1 + (kind == 9));
      in.push_back(p);
    }
    for (std::size_t i = start; i < in.size(); ++i) h.write(in[i]);
    h.coalescer.flush();
  }
  for (const Written& w : h.sink.written) {
    if (w.header.gso_type == virtio::kGsoNone) continue;
    const std::size_t l3 = (u8(w.packet, 0) >> 4) == 6 ? 40 : 20;
    CHECK(w.packet.size() - l3 <= 65535);
    CHECK((w.packet.size() - l3 - 8 + w.header.gso_size - 1) / w.header.gso_size <= UdpCoalescer::kMaxSegments);
  }
  CHECK(difference(all_segments(h.sink), in) == "");
  CHECK(h.counters.gso_built > 100);
  CHECK(h.counters.gso_coalesced < in.size());
}
