// Coalescing translated UDP datagrams into UDP_L4 super-packets (see tun/coalesce.h).
#include "tun/coalesce.h"

#include <cstring>

#include "translator/checksum.h"
#include "translator/protocol.h"

namespace tundra {

using namespace proto;

namespace {

constexpr std::size_t kMaxUdpLength = 65535;

// A plain IP packet that carries one whole UDP datagram with a checksum that verifies:
// returns its payload size and sets `l4_offset`; -1 otherwise.
long candidate(ConstBytes p, std::size_t* l4_offset) noexcept {
  if (p.size() < kIp4MinHeader) return -1;
  const unsigned version = load_u8(p, kIp4VersionIhl) >> 4;
  bool ip6;
  if (version == 4) {
    if (load_u8(p, kIp4VersionIhl) != 0x45 || load_u8(p, kIp4Protocol) != kUdp) return -1;
    if (load_be16(p, kIp4TotalLength) != p.size()) return -1;
    if ((load_be16(p, kIp4FlagsFragment) & (kIp4FlagMf | kIp4OffsetMask)) != 0) return -1;
    ip6 = false;
    *l4_offset = kIp4MinHeader;
  } else if (version == 6) {
    if (p.size() < kIp6Header || load_u8(p, kIp6NextHeader) != kUdp) return -1;
    if (kIp6Header + load_be16(p, kIp6PayloadLength) != p.size()) return -1;
    ip6 = true;
    *l4_offset = kIp6Header;
  } else {
    return -1;
  }
  const ConstBytes udp = p.subspan(*l4_offset);
  if (udp.size() <= kUdpHeader || load_be16(udp, kUdpLength) != udp.size()) return -1;
  if (load_be16(udp, kUdpChecksum) == 0) return -1;  // IPv4 "no checksum"; invalid in IPv6
  if (checksum_fold(checksum_add(udp, pseudo_header_sum(p, ip6, kUdp, udp.size()))) != 0xffff) return -1;
  return static_cast<long>(udp.size() - kUdpHeader);
}

bool same_bytes(ConstBytes a, ConstBytes b, std::size_t from, std::size_t to) noexcept {
  return std::memcmp(a.data() + from, b.data() + from, to - from) == 0;
}

// Whether a shorter last datagram may share a super-packet whose full-size datagrams are
// `first`. A router judges a super-packet by its full-size segment (skb_gso_validate_network_len):
// if that does not fit the next link and may not be fragmented, the whole super-packet is
// dropped with one "too big", the shorter datagram too, which on its own might have fit. So
// it may join only where nothing can be refused for size: IPv4 without DF (each segment is
// fragmented instead), or IPv6 segments that fit the minimum MTU (RFC 8200 §5).
bool tail_cannot_be_refused(ConstBytes first, std::size_t l4, std::size_t segment_size) noexcept {
  if (l4 == kIp4MinHeader) return (load_be16(first, kIp4FlagsFragment) & kIp4FlagDf) == 0;
  return l4 + kUdpHeader + segment_size <= kIp6MinMtu;
}

}  // namespace

UdpCoalescer::UdpCoalescer(PacketSink& next, Counters& counters)
    : next_(next), counters_(counters), pending_(kMaxPacket) {}

bool UdpCoalescer::joins(ConstBytes p, std::size_t l4, std::size_t payload) const noexcept {
  // The same transport offset is the same IP version: 20 is IPv4, 40 IPv6 (candidate()).
  if (length_ == 0 || l4 != l4_offset_ || closed_ || segments_ >= kMaxSegments || payload > segment_size_) return false;
  const ConstBytes first(pending_.data(), length_);
  if (length_ - l4 + payload > kMaxUdpLength) return false;
  if (payload < segment_size_ && !tail_cannot_be_refused(first, l4, segment_size_)) return false;
  if (l4 == kIp4MinHeader) {
    if (length_ + payload > kMaxUdpLength) return false;  // IPv4 total length
    // Version/IHL and TOS; DF and fragment, TTL and protocol; addresses.
    if (!same_bytes(p, first, kIp4VersionIhl, kIp4TotalLength) || !same_bytes(p, first, kIp4FlagsFragment, kIp4Checksum) ||
        !same_bytes(p, first, kIp4Src, kIp4MinHeader)) {
      return false;
    }
    if (load_be16(p, kIp4Id) != static_cast<std::uint16_t>(load_be16(first, kIp4Id) + segments_)) return false;
  } else {
    // Version, traffic class and flow label; next header, hop limit and addresses.
    if (!same_bytes(p, first, 0, kIp6PayloadLength) || !same_bytes(p, first, kIp6NextHeader, kIp6Header)) return false;
  }
  return same_bytes(p, first, l4, l4 + kUdpLength);  // ports
}

void UdpCoalescer::start(ConstBytes p, std::size_t l4, std::size_t payload) noexcept {
  std::memcpy(pending_.data(), p.data(), p.size());
  length_ = p.size();
  l4_offset_ = l4;
  segment_size_ = payload;
  segments_ = 1;
  closed_ = false;
}

bool UdpCoalescer::write(const VirtioNetHeader& header, ConstBytes packet) noexcept {
  std::size_t l4 = 0;
  const long payload = header.flags == 0 && header.gso_type == virtio::kGsoNone ? candidate(packet, &l4) : -1;
  if (payload < 0) {
    flush();
    return next_.write(header, packet);
  }
  const auto n = static_cast<std::size_t>(payload);
  if (joins(packet, l4, n)) {
    std::memcpy(pending_.data() + length_, packet.data() + l4 + kUdpHeader, n);
    length_ += n;
    ++segments_;
    closed_ = n < segment_size_;
    return true;
  }
  flush();
  start(packet, l4, n);
  return true;
}

void UdpCoalescer::flush() noexcept {
  if (length_ == 0) return;
  const Bytes p(pending_.data(), length_);
  length_ = 0;
  if (segments_ == 1) {
    next_.write(VirtioNetHeader{}, p);  // as it came
    return;
  }
  const bool ip6 = l4_offset_ == kIp6Header;
  const std::size_t udp_length = p.size() - l4_offset_;
  if (ip6) {
    store_be16(p, kIp6PayloadLength, static_cast<std::uint16_t>(udp_length));
  } else {
    store_be16(p, kIp4TotalLength, static_cast<std::uint16_t>(p.size()));
    store_be16(p, kIp4Checksum, 0);
    store_be16(p, kIp4Checksum, checksum_finish(checksum_add(p.first(kIp4MinHeader))));
  }
  const Bytes udp = p.subspan(l4_offset_);
  store_be16(udp, kUdpLength, static_cast<std::uint16_t>(udp_length));
  // The seed over the whole UDP length: the kernel swaps the length for each segment's.
  store_be16(udp, kUdpChecksum, checksum_fold(pseudo_header_sum(p, ip6, kUdp, udp_length)));
  VirtioNetHeader h;
  h.flags = virtio::kNeedsCsum;
  h.gso_type = virtio::kGsoUdpL4;
  h.gso_size = static_cast<std::uint16_t>(segment_size_);
  h.csum_start = static_cast<std::uint16_t>(l4_offset_);
  h.csum_offset = static_cast<std::uint16_t>(kUdpChecksum);
  h.hdr_len = static_cast<std::uint16_t>(l4_offset_ + kUdpHeader);
  if (!next_.write(h, p)) return;  // counted in write_errors
  counters_.gso_coalesced += segments_;
  ++counters_.gso_built;
}

}  // namespace tundra
