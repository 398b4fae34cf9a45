// Translating virtio-net offloaded reads (see tun/offload.h for the three cases).
#include "tun/offload.h"

#include <algorithm>
#include <cstring>

#include "translator/checksum.h"
#include "translator/protocol.h"

namespace tundra {

using namespace proto;

namespace {

#ifdef TUNDRA_TEST_CORRUPT_SEED
// Only in the negative control of tests/e2e (tests/e2e/CMakeLists.txt): seeds off by one,
// which the checksum test must catch.
constexpr std::uint32_t kSeedError = 1;
#else
constexpr std::uint32_t kSeedError = 0;
#endif

constexpr std::uint8_t kTcpFin = 0x01, kTcpPsh = 0x08, kTcpCwr = 0x80;
constexpr std::size_t kIp4TotalLength = 2, kIp4Id = 4, kIp4FlagsOffset = 6, kIp4Protocol = 9, kIp4Checksum = 10,
                      kIp4Addresses = 12, kIp6PayloadLength = 4, kIp6NextHeaderField = 6, kIp6Addresses = 8;

// What a GSO read is, once its header and packet agree.
struct SuperPacket {
  bool ip6 = false;
  std::uint8_t protocol = 0;   // kTcp or kUdp
  std::size_t l4_offset = 0;   // where the transport header starts
  std::size_t l4_header = 0;   // its length (TCP data offset, or 8)
  bool one_step = false;       // case 2 of the header comment; otherwise case 3
};

// Checks a GSO read; false means drop_bad_offload.
bool parse_super_packet(const VirtioNetHeader& h, ConstBytes p, SuperPacket* s) noexcept {
  const std::uint8_t type = h.gso_type & static_cast<std::uint8_t>(~virtio::kGsoEcn);
  const bool needs_csum = (h.flags & virtio::kNeedsCsum) != 0;
  if (h.gso_size == 0 || p.empty()) return false;
  const unsigned version = load_u8(p, 0) >> 4;
  if (type == virtio::kGsoTcpV4 && version == 4) {
    s->protocol = kTcp;
  } else if (type == virtio::kGsoTcpV6 && version == 6) {
    s->protocol = kTcp;
  } else if (type == virtio::kGsoUdpL4 && (version == 4 || version == 6)) {
    s->protocol = kUdp;
  } else {
    return false;
  }
  s->ip6 = version == 6;
  bool fixed_header;  // the transport header follows the fixed IP header
  if (!s->ip6) {
    if (p.size() < kIp4MinHeader) return false;
    const std::size_t ihl = std::size_t{load_u8(p, 0) & 0xfu} * 4;
    if (ihl < kIp4MinHeader || ihl > p.size() || load_be16(p, kIp4TotalLength) != p.size()) return false;
    if ((load_be16(p, kIp4FlagsOffset) & (kIp4FlagMf | kIp4OffsetMask)) != 0) return false;
    if (load_u8(p, kIp4Protocol) != s->protocol) return false;
    s->l4_offset = ihl;
    fixed_header = ihl == kIp4MinHeader;
    s->one_step = (load_be16(p, kIp4FlagsOffset) & kIp4FlagDf) != 0;
  } else {
    if (p.size() < kIp6Header || kIp6Header + load_be16(p, kIp6PayloadLength) != p.size()) return false;
    if (load_u8(p, kIp6NextHeaderField) == s->protocol) {
      s->l4_offset = kIp6Header;
    } else {
      // Extension headers: the kernel's csum_start says where the transport header is.
      if (!needs_csum || h.csum_start < kIp6Header + 8) return false;
      s->l4_offset = h.csum_start;
    }
    fixed_header = s->l4_offset == kIp6Header;
    // One IPv4 packet holds at most 65535 - 20 bytes of transport.
    s->one_step = p.size() - s->l4_offset <= 65535 - kIp4MinHeader;
  }
  if (needs_csum && (h.csum_start != s->l4_offset || h.csum_offset != (s->protocol == kTcp ? kTcpChecksum : kUdpChecksum))) {
    return false;
  }
  const ConstBytes l4 = p.subspan(std::min(s->l4_offset, p.size()));
  if (s->protocol == kTcp) {
    if (l4.size() < 20) return false;
    s->l4_header = static_cast<std::size_t>(load_u8(l4, kTcpDataOffset) >> 4) * 4;
    if (s->l4_header < 20 || s->l4_header > l4.size()) return false;
  } else {
    if (l4.size() < kUdpHeader) return false;
    s->l4_header = kUdpHeader;
  }
  // Without NEEDS_CSUM the checksum field holds no seed to carry over: cut instead.
  s->one_step = s->one_step && fixed_header && needs_csum;
  return true;
}

void write_plain(const Output& out, PacketSink& sink) noexcept {
  for (std::size_t i = 0; i < out.count; ++i) sink.write(VirtioNetHeader{}, out.packets[i]);
}

// Counted as received too, so that the reasons still add up to received4 + received6.
Result drop_bad_offload(Counters& counters, ConstBytes packet) noexcept {
  const unsigned version = packet.empty() ? 0 : load_u8(packet, 0) >> 4;
  if (version == 4) ++counters.received4;
  if (version == 6) ++counters.received6;
  counters.count(Counter::kDropBadOffload);
  return Result{Verdict::kDrop, Counter::kDropBadOffload};
}

// Case 1: CHECKSUM_PARTIAL without GSO. The field holds the pseudo-header sum; adding the
// rest of the transport data finishes it (RFC 1071).
bool complete_checksum(const VirtioNetHeader& h, Bytes p) noexcept {
  const std::size_t field = std::size_t{h.csum_start} + h.csum_offset;
  if (field + 2 > p.size()) return false;
  std::uint16_t sum = checksum_finish(checksum_add(p.subspan(h.csum_start)));
  if (sum == 0 && h.csum_offset == kUdpChecksum) sum = 0xffff;  // RFC 768: 0 means "none"
  store_be16(p, field, sum);
  return true;
}

// Case 2, after translate(): the header for the translated super-packet, whose checksum
// field becomes the seed for its new addresses.
VirtioNetHeader finish_one_step(const VirtioNetHeader& in, const SuperPacket& s, Bytes out) noexcept {
  const bool ip6 = (load_u8(out, 0) >> 4) == 6;
  const std::size_t l3 = ip6 ? kIp6Header : kIp4MinHeader;
  const std::size_t field = l3 + (s.protocol == kTcp ? kTcpChecksum : kUdpChecksum);
  store_be16(out, field, checksum_fold(kSeedError + pseudo_header_sum(out, ip6, s.protocol, out.size() - l3)));
  VirtioNetHeader h;
  h.flags = virtio::kNeedsCsum;
  if (s.protocol == kTcp) {
    h.gso_type = static_cast<std::uint8_t>((ip6 ? virtio::kGsoTcpV6 : virtio::kGsoTcpV4) | (in.gso_type & virtio::kGsoEcn));
  } else {
    h.gso_type = virtio::kGsoUdpL4;
  }
  h.hdr_len = static_cast<std::uint16_t>(l3 + s.l4_header);
  h.gso_size = in.gso_size;
  h.csum_start = static_cast<std::uint16_t>(l3);
  h.csum_offset = static_cast<std::uint16_t>(s.protocol == kTcp ? kTcpChecksum : kUdpChecksum);
  return h;
}

// Case 3: builds segment `index` (payload bytes [offset, offset + n)) of `p` at `seg`, as
// the kernel's GSO would, with a full transport checksum.
void build_segment(ConstBytes p, const SuperPacket& s, std::size_t index, std::size_t offset, std::size_t n,
                   bool last, Bytes seg) noexcept {
  const std::size_t headers = s.l4_offset + s.l4_header;
  std::memcpy(seg.data(), p.data(), headers);
  std::memcpy(seg.data() + headers, p.data() + headers + offset, n);
  if (s.ip6) {
    store_be16(seg, kIp6PayloadLength, static_cast<std::uint16_t>(headers + n - kIp6Header));
  } else {
    store_be16(seg, kIp4TotalLength, static_cast<std::uint16_t>(headers + n));
    store_be16(seg, kIp4Id, static_cast<std::uint16_t>(load_be16(p, kIp4Id) + index));
    store_be16(seg, kIp4Checksum, 0);
    store_be16(seg, kIp4Checksum, checksum_finish(checksum_add(seg.first(s.l4_offset))));
  }
  const Bytes l4 = seg.subspan(s.l4_offset);
  std::size_t checksum_field;
  if (s.protocol == kTcp) {
    store_be32(l4, kTcpSequence, static_cast<std::uint32_t>(load_be32(l4, kTcpSequence) + offset));
    std::uint8_t flags = load_u8(l4, kTcpFlags);
    if (!last) flags &= static_cast<std::uint8_t>(~(kTcpFin | kTcpPsh));
    if (index != 0) flags &= static_cast<std::uint8_t>(~kTcpCwr);
    store_u8(l4, kTcpFlags, flags);
    checksum_field = kTcpChecksum;
  } else {
    store_be16(l4, kUdpLength, static_cast<std::uint16_t>(kUdpHeader + n));
    checksum_field = kUdpChecksum;
  }
  store_be16(l4, checksum_field, 0);
  std::uint16_t sum = checksum_finish(checksum_add(l4, pseudo_header_sum(seg, s.ip6, s.protocol, l4.size())));
  if (sum == 0 && s.protocol == kUdp) sum = 0xffff;
  store_be16(l4, checksum_field, sum);
}

}  // namespace

std::uint32_t pseudo_header_sum(ConstBytes ip, bool ip6, std::uint8_t protocol, std::size_t l4_length) noexcept {
  const auto length = static_cast<std::uint32_t>(l4_length);
  if (ip6) return checksum_add(ip.subspan(kIp6Addresses, 32)) + protocol + (length >> 16) + (length & 0xffff);
  return checksum_add(ip.subspan(kIp4Addresses, 8)) + protocol + length;
}

VirtioNetHeader load_virtio_header(ConstBytes b) noexcept {
  VirtioNetHeader h;
  h.flags = load_u8(b, 0);
  h.gso_type = load_u8(b, 1);
  std::memcpy(&h.hdr_len, b.data() + 2, 2);
  std::memcpy(&h.gso_size, b.data() + 4, 2);
  std::memcpy(&h.csum_start, b.data() + 6, 2);
  std::memcpy(&h.csum_offset, b.data() + 8, 2);
  return h;
}

void store_virtio_header(Bytes b, const VirtioNetHeader& h) noexcept {
  store_u8(b, 0, h.flags);
  store_u8(b, 1, h.gso_type);
  std::memcpy(b.data() + 2, &h.hdr_len, 2);
  std::memcpy(b.data() + 4, &h.gso_size, 2);
  std::memcpy(b.data() + 6, &h.csum_start, 2);
  std::memcpy(b.data() + 8, &h.csum_offset, 2);
}

Result translate_offloaded(Translator& translator, const VirtioNetHeader& header, PacketBuffer& packet,
                           UnixSeconds now, Scratch& scratch, Bytes segment_storage, Output& out,
                           Counters& counters, PacketSink& sink) noexcept {
  out.count = 0;
  if (header.gso_type == virtio::kGsoNone) {
    if ((header.flags & virtio::kNeedsCsum) && !complete_checksum(header, packet.bytes())) {
      return drop_bad_offload(counters, packet.bytes());
    }
    const Result r = translator.translate(packet, now, scratch, out, counters);
    write_plain(out, sink);
    return r;
  }

  ++counters.gso_received;
  SuperPacket s;
  if (!parse_super_packet(header, packet.bytes(), &s)) return drop_bad_offload(counters, packet.bytes());

  if (s.one_step) {
    const Result r = translator.translate(packet, now, scratch, out, counters, header.gso_size);
    const Bytes translated = packet.bytes();
    if (r.verdict == Verdict::kForward && out.count == 1 && out.packets[0].data() == translated.data()) {
      ++counters.gso_translated;
      sink.write(finish_one_step(header, s, translated), translated);
    } else {
      write_plain(out, sink);  // an ICMP error about it, or nothing
    }
    return r;
  }

  ++counters.gso_segmented;
  const ConstBytes p = packet.bytes();
  const std::size_t headers = s.l4_offset + s.l4_header;
  const std::size_t payload = p.size() - headers;
  Result r{Verdict::kDrop, Counter::kDropBadOffload};
  std::size_t index = 0;
  for (std::size_t offset = 0; offset < payload || index == 0; offset += header.gso_size, ++index) {
    const std::size_t n = std::min<std::size_t>(header.gso_size, payload - offset);
    const bool last = offset + n == payload;
    build_segment(p, s, index, offset, n, last, segment_storage.subspan(kHeadroom, headers + n));
    PacketBuffer segment{segment_storage, kHeadroom, headers + n};
    r = translator.translate(segment, now, scratch, out, counters);
    write_plain(out, sink);
    if (last) break;
  }
  return r;
}

}  // namespace tundra
