// Parsing and writing IPv4 (RFC 791) and IPv6 (RFC 8200) headers.
#include <cstring>

#include "translator/checksum.h"
#include "translator/internal.h"

namespace tundra::detail {

using namespace proto;

Ipv4Address load_ip4(ConstBytes b, std::size_t off) noexcept { return Ipv4Address{load_be32(b, off)}; }

Ipv6Address load_ip6(ConstBytes b, std::size_t off) noexcept {
  Ipv6Address a;
  std::memcpy(a.bytes.data(), b.data() + off, 16);
  return a;
}

void store_ip4(Bytes b, std::size_t off, Ipv4Address a) noexcept { store_be32(b, off, a.value); }

void store_ip6(Bytes b, std::size_t off, const Ipv6Address& a) noexcept {
  std::memcpy(b.data() + off, a.bytes.data(), 16);
}

void update_transport_checksum(Bytes l4, std::uint8_t protocol, std::uint32_t removed,
                               std::uint32_t added) noexcept {
  if (protocol == kTcp && l4.size() >= kTcpChecksum + 2) {
    store_be16(l4, kTcpChecksum, checksum_update(load_be16(l4, kTcpChecksum), removed, added));
  } else if (protocol == kUdp && l4.size() >= kUdpHeader && load_be16(l4, kUdpChecksum) != 0) {
    std::uint16_t sum = checksum_update(load_be16(l4, kUdpChecksum), removed, added);
    store_be16(l4, kUdpChecksum, sum == 0 ? 0xffff : sum);
  }
}

bool parse_ip4(ConstBytes p, bool inner, Ip4Info* ip, Counter* why) noexcept {
  const Counter truncated = inner ? Counter::kDropBadInner4 : Counter::kDropTruncated4;
  const Counter bad = inner ? Counter::kDropBadInner4 : Counter::kDropBadHeader4;
  if (p.size() < kIp4MinHeader) return *why = truncated, false;
  std::uint8_t version_ihl = load_u8(p, kIp4VersionIhl);
  if ((version_ihl >> 4) != 4) return *why = bad, false;
  ip->header_length = std::size_t{version_ihl & 0x0fu} * 4;
  if (ip->header_length < kIp4MinHeader) return *why = bad, false;
  if (ip->header_length > p.size()) return *why = truncated, false;
  ip->total_length = load_be16(p, kIp4TotalLength);
  if (ip->total_length < ip->header_length) return *why = bad, false;
  if (!inner) {
    if (ip->total_length > p.size()) return *why = truncated, false;
    if (checksum_finish(checksum_add(p.first(ip->header_length))) != 0) return *why = bad, false;
  }
  ip->tos = load_u8(p, kIp4Tos);
  ip->id = load_be16(p, kIp4Id);
  std::uint16_t flags_offset = load_be16(p, kIp4FlagsFragment);
  ip->df = (flags_offset & kIp4FlagDf) != 0;
  ip->mf = (flags_offset & kIp4FlagMf) != 0;
  ip->fragment_offset = flags_offset & kIp4OffsetMask;
  ip->ttl = load_u8(p, kIp4Ttl);
  ip->protocol = load_u8(p, kIp4Protocol);
  ip->src = load_ip4(p, kIp4Src);
  ip->dst = load_ip4(p, kIp4Dst);
  return true;
}

bool parse_ip6(ConstBytes p, bool inner, Ip6Info* ip, Counter* why) noexcept {
  const Counter truncated = inner ? Counter::kDropBadInner6 : Counter::kDropTruncated6;
  const Counter bad = inner ? Counter::kDropBadInner6 : Counter::kDropBadHeader6;
  if (p.size() < kIp6Header) return *why = truncated, false;
  if ((load_u8(p, 0) >> 4) != 6) return *why = bad, false;
  std::size_t end = kIp6Header + load_be16(p, kIp6PayloadLength);
  if (end > p.size()) {
    if (!inner) return *why = truncated, false;
    end = p.size();
  }
  ip->end = end;
  ip->traffic_class = static_cast<std::uint8_t>((load_be16(p, 0) >> 4) & 0xff);
  ip->hop_limit = load_u8(p, kIp6HopLimit);
  ip->src = load_ip6(p, kIp6Src);
  ip->dst = load_ip6(p, kIp6Dst);
  ip->has_fragment = false;
  ip->segments_left_pointer = 0;
  ip->next_header_pointer = kIp6NextHeader;

  // RFC 7915 §5.1: Hop-by-Hop, Destination Options and Routing headers are consumed; one
  // Fragment header is translated into IPv4 fragment fields.
  std::uint8_t next = load_u8(p, kIp6NextHeader);
  std::size_t off = kIp6Header;
  for (;;) {
    if (ip->has_fragment && ip->fragment_offset != 0) break;  // the rest is fragment data
    if (next == kHopByHop || next == kRouting || next == kDestinationOptions) {
      // RFC 7915 §5.1 forbids removing headers that follow a Fragment header: the offsets
      // of the later fragments would no longer add up.
      if (ip->has_fragment) return *why = bad, false;
      if (off + 8 > end) return *why = truncated, false;
      std::size_t length = (std::size_t{load_u8(p, off + 1)} + 1) * 8;
      if (off + length > end) return *why = truncated, false;
      if (next == kRouting && load_u8(p, off + kRoutingSegmentsLeft) != 0 &&
          ip->segments_left_pointer == 0) {
        ip->segments_left_pointer = off + kRoutingSegmentsLeft;
      }
      ip->next_header_pointer = off;
      next = load_u8(p, off);
      off += length;
    } else if (next == kFragment) {
      if (ip->has_fragment) return *why = bad, false;  // two Fragment headers
      if (off + kFragmentHeader > end) return *why = truncated, false;
      std::uint16_t offset_flags = load_be16(p, off + kFragOffsetFlags);
      ip->has_fragment = true;
      ip->fragment_offset = static_cast<std::uint16_t>(offset_flags >> 3);
      ip->mf = (offset_flags & kFragMore) != 0;
      ip->fragment_id = load_be32(p, off + kFragId);
      ip->next_header_pointer = off;
      next = load_u8(p, off + kFragNextHeader);
      off += kFragmentHeader;
    } else {
      break;
    }
  }
  ip->l4_protocol = next;
  ip->l4_offset = off;
  return true;
}

void write_ip4_header(Bytes out, std::uint8_t tos, std::uint16_t total_length, std::uint16_t id,
                      std::uint16_t flags_offset, std::uint8_t ttl, std::uint8_t protocol,
                      Ipv4Address src, Ipv4Address dst) noexcept {
  store_u8(out, kIp4VersionIhl, 0x45);
  store_u8(out, kIp4Tos, tos);
  store_be16(out, kIp4TotalLength, total_length);
  store_be16(out, kIp4Id, id);
  store_be16(out, kIp4FlagsFragment, flags_offset);
  store_u8(out, kIp4Ttl, ttl);
  store_u8(out, kIp4Protocol, protocol);
  store_be16(out, kIp4Checksum, 0);
  store_ip4(out, kIp4Src, src);
  store_ip4(out, kIp4Dst, dst);
  store_be16(out, kIp4Checksum, checksum_finish(checksum_add(out.first(kIp4MinHeader))));
}

void write_ip6_header(Bytes out, std::uint8_t traffic_class, std::uint16_t payload_length,
                      std::uint8_t next_header, std::uint8_t hop_limit, const Ipv6Address& src,
                      const Ipv6Address& dst) noexcept {
  // Version 6, Traffic Class, Flow Label 0 (RFC 7915 §4.1).
  store_be32(out, 0, (std::uint32_t{6} << 28) | (std::uint32_t{traffic_class} << 20));
  store_be16(out, kIp6PayloadLength, payload_length);
  store_u8(out, kIp6NextHeader, next_header);
  store_u8(out, kIp6HopLimit, hop_limit);
  store_ip6(out, kIp6Src, src);
  store_ip6(out, kIp6Dst, dst);
}

}  // namespace tundra::detail
