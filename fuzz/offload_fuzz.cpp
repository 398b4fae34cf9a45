// libFuzzer target for translate_offloaded() (tun/offload.h): a virtio-net header and a
// packet, as a TUN with offloads hands them over. Beyond crashes it checks what would be
// written: a packet with an empty header has lengths (and an IPv4 header checksum) that
// agree with its size; a super-packet has a header the kernel accepts (gso_type for its IP
// version, csum_start at its transport header, hdr_len within it) and carries the seed for
// its own addresses.
// Input: byte 0 bit 0 repairs the outer length fields, bit 1 makes the header plausible
// (NEEDS_CSUM, csum_start at the fixed IP header) so mutations reach the one-step path and
// the segmenter, bit 2 puts a UdpCoalescer (tun/coalesce.h) in front of the checks, so the
// UDP segments the segmenter cuts and translates are merged again and checked as
// super-packets; bytes 1..10 the header; the rest the packet. Seeds: translate_fuzz's with a
// header in front (fuzz/run.sh).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "tests/support/packets.h"
#include "translator/checksum.h"
#include "tun/coalesce.h"
#include "tun/offload.h"

using namespace tundra;

namespace {

Translator make() {
  TranslatorConfig c;
  c.ipv4_addr = *Ipv4Address::parse("192.0.2.1");
  c.dynamic_pool = Ipv4Prefix::parse("192.0.2.0/28");
  c.maps = {EamEntry{*Ipv4Prefix::parse("198.51.100.0/24"), *Ipv6Prefix::parse("2001:db8:1::/72")}};
  std::string error;
  auto t = Translator::create(c, &error);
  if (!t) {
    std::fprintf(stderr, "fuzz config: %s\n", error.c_str());
    std::abort();
  }
  return std::move(*t);
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "offload_fuzz: %s\n", what);
  std::abort();
}

unsigned u16(ConstBytes p, std::size_t at) { return load_be16(p, at); }

struct CheckingSink final : PacketSink {
  bool write(const VirtioNetHeader& h, ConstBytes p) noexcept override {
    check(h, p);
    return true;
  }
  void check(const VirtioNetHeader& h, ConstBytes p) noexcept {
    if (p.empty()) fail("an empty packet");
    const std::string problem = test::check_packet(p.data(), p.size(), false);
    if (!problem.empty()) {
      std::fprintf(stderr, "offload_fuzz: written packet: %s\n", problem.c_str());
      std::abort();
    }
    if (h.gso_type == virtio::kGsoNone) {
      if (h.flags != 0 || h.hdr_len != 0 || h.gso_size != 0 || h.csum_start != 0 || h.csum_offset != 0) {
        fail("a plain packet with a non-empty header");
      }
      return;
    }
    const bool ip6 = (load_u8(p, 0) >> 4) == 6;
    const std::size_t l3 = ip6 ? 40 : 20;
    const std::uint8_t type = h.gso_type & static_cast<std::uint8_t>(~virtio::kGsoEcn);
    const bool tcp = type == virtio::kGsoTcpV4 || type == virtio::kGsoTcpV6;
    if (h.flags != virtio::kNeedsCsum || h.gso_size == 0) fail("a super-packet without NEEDS_CSUM or gso_size");
    if ((type == virtio::kGsoTcpV4 && ip6) || (type == virtio::kGsoTcpV6 && !ip6) ||
        (!tcp && type != virtio::kGsoUdpL4)) {
      fail("gso_type does not match the packet");
    }
    if (h.csum_start != l3 || h.csum_offset != (tcp ? 16 : 6) || h.hdr_len > p.size() || h.hdr_len < l3 + 8) {
      fail("csum_start, csum_offset or hdr_len wrong");
    }
    const std::uint8_t protocol = tcp ? 6 : 17;
    if (load_u8(p, ip6 ? 6 : 9) != protocol) fail("the protocol differs from gso_type");
    const auto length = static_cast<std::uint32_t>(p.size() - l3);
    const std::uint32_t sum = ip6 ? pseudo_header_sum6(test_addr6(p, 8), test_addr6(p, 24), protocol, length)
                                  : pseudo_header_sum4(Ipv4Address{(std::uint32_t{u16(p, 12)} << 16) | u16(p, 14)},
                                                       Ipv4Address{(std::uint32_t{u16(p, 16)} << 16) | u16(p, 18)},
                                                       protocol, length);
    if (u16(p, h.csum_start + h.csum_offset) != checksum_fold(sum)) fail("the seed is not the pseudo-header sum");
  }
  static Ipv6Address test_addr6(ConstBytes p, std::size_t at) {
    Ipv6Address a;
    for (std::size_t i = 0; i < 16; ++i) a.bytes[i] = load_u8(p, at + i);
    return a;
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static auto translator = std::make_unique<Translator>(make());
  static auto scratch = std::make_unique<Scratch>();
  static std::vector<std::byte> storage(kHeadroom + kMaxPacket + 64);
  static std::vector<std::byte> segment(kHeadroom + kMaxPacket);
  if (size < 1 + kVirtioNetHeaderSize + 1 || size > 1 + kVirtioNetHeaderSize + 65535) return 0;
  const std::size_t length = size - 1 - kVirtioNetHeaderSize;
  VirtioNetHeader h = load_virtio_header(std::as_bytes(std::span(data + 1, kVirtioNetHeaderSize)));
  std::memcpy(storage.data() + kHeadroom, data + 1 + kVirtioNetHeaderSize, length);
  std::byte* p = storage.data() + kHeadroom;
  if (data[0] & 1) test::repair_outer_header(p, length);
  if (data[0] & 2) {
    const unsigned version = std::to_integer<unsigned>(p[0]) >> 4;
    h.flags = virtio::kNeedsCsum;
    h.csum_start = version == 6 ? 40 : static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) & 15u) * 4);
  }
  PacketBuffer pb{std::span(storage.data(), kHeadroom + length), kHeadroom, length};
  Output out;
  Counters counters;
  CheckingSink checks;
  UdpCoalescer coalescer(checks, counters);
  PacketSink& sink = (data[0] & 4) ? static_cast<PacketSink&>(coalescer) : checks;
  (void)translate_offloaded(*translator, h, pb, 1000, *scratch, segment, out, counters, sink);
  coalescer.flush();
  if (counters.gso_coalesced > counters.gso_built * UdpCoalescer::kMaxSegments) fail("a super-packet of over 64 datagrams");
  std::uint64_t counted = 0;
  for (auto v : counters.by_reason) counted += v;
  if (counted == 0) fail("a packet ended under no reason");
  if (counters.gso_translated + counters.gso_segmented > counters.gso_received) fail("GSO counters disagree");
  return 0;
}
