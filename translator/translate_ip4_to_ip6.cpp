// RFC 7915 §4: translating IPv4 packets into IPv6 packets.
//
// The fast path rewrites headers in place: the IPv6 header (and Fragment header) is written
// into the headroom in front of the unchanged payload. Packets that must be split into
// IPv6 fragments are built in the scratch arena.
#include <algorithm>
#include <cstring>

#include "translator/checksum.h"
#include "translator/internal.h"

namespace tundra::detail {

using namespace proto;

namespace {

// RFC 7915 §4.1: an unexpired Loose or Strict Source Route option.
bool has_unexpired_source_route(ConstBytes options) noexcept {
  std::size_t i = 0;
  while (i < options.size()) {
    std::uint8_t type = load_u8(options, i);
    if (type == kOptEnd) break;
    if (type == kOptNop) {
      ++i;
      continue;
    }
    if (i + 2 > options.size()) break;
    std::uint8_t length = load_u8(options, i + 1);
    if (length < 2 || i + length > options.size()) break;
    if ((type == kOptLsrr || type == kOptSsrr) && length >= 3) {
      std::uint8_t pointer = load_u8(options, i + 2);
      if (pointer <= length) return true;  // addresses remain to be visited (RFC 791)
    }
    i += length;
  }
  return false;
}

bool is_ipv6_only_protocol(std::uint8_t p) noexcept {
  return p == kIcmpv6 || p == kHopByHop || p == kRouting || p == kFragment || p == kDestinationOptions;
}

// RFC 7915 §4.5: a zero IPv4 UDP checksum is computed over the whole (unfragmented)
// datagram with the IPv6 pseudo-header, since IPv6 forbids "no checksum".
void compute_udp_checksum(Bytes l4, const Ipv6Address& src, const Ipv6Address& dst) noexcept {
  store_be16(l4, kUdpChecksum, 0);
  std::uint16_t sum = checksum_finish(
      checksum_add(l4, pseudo_header_sum6(src, dst, kUdp, static_cast<std::uint32_t>(l4.size()))));
  store_be16(l4, kUdpChecksum, sum == 0 ? 0xffff : sum);  // RFC 768: 0 means "none"
}

}  // namespace

Result translate_ip4_to_ip6(Context& ctx, PacketBuffer& pb, bool hairpin) noexcept {
  const Bytes whole = pb.bytes();
  Ip4Info ip;
  Counter why;
  if (!parse_ip4(whole, false, &ip, &why)) return drop(ctx, why);
  const Bytes pkt = whole.first(ip.total_length);  // trailing link-layer padding trimmed
  const Bytes l4 = pkt.subspan(ip.header_length);
  ctx.hairpin_leg = hairpin;

  if (!hairpin && ip.dst == ctx.config.ipv4_addr) return answer_self4(ctx, pkt, ip);

  const bool icmp_error = ip.protocol == kIcmp && ip.is_first_fragment() && !l4.empty() &&
                          is_icmp4_error(load_u8(l4, kIcmpType));
  // RFC 7915 §4.2: IGMP is single-hop and silently dropped; IPv6-only protocols cannot be
  // expressed.
  if (is_ipv6_only_protocol(ip.protocol) || ip.protocol == kIgmp) return drop(ctx, Counter::kDropProtocol4);
  // Multicast and broadcast destinations are not ours to translate (RFC 1812 §4.3.2.7: and
  // not to be answered); invalid sources are dropped before any answer is considered.
  if ((ip.dst.value >> 28) >= 0xe) return drop(ctx, Counter::kDropDestUnmapped4);
  if (!icmp_error && is_invalid_source4(ip.src)) return drop(ctx, Counter::kDropSourceInvalid4);

  // RFC 7915 §4.1: the translator is a router hop.
  if (!hairpin && ip.ttl <= 1) {
    return reply_icmp4_error(ctx, pkt, ip, Icmp4Type::kTimeExceeded, 0, 0, Counter::kDropTtlExpired);
  }
  // RFC 7915 §4.1: "If any IPv4 options are present ... an unexpired source route option
  // ... MUST be dropped" with ICMPv4 Source Route Failed; other options are ignored.
  if (ip.header_length > kIp4MinHeader &&
      has_unexpired_source_route(pkt.subspan(kIp4MinHeader, ip.header_length - kIp4MinHeader))) {
    return reply_icmp4_error(ctx, pkt, ip, Icmp4Type::kDestinationUnreachable,
                             static_cast<std::uint8_t>(Icmp4Unreachable::kSourceRouteFailed), 0,
                             Counter::kDropSourceRoute);
  }

  Mapped6 dst = map_ip4_to_ip6(ctx, ip.dst, Role::kDestination);
  if (!dst.ok) {
    if (dst.fail != Counter::kDropDestUnmapped4) return drop(ctx, dst.fail);
    // RFC 7915 §4.4 / RFC 1812: the destination cannot be reached through us.
    return reply_icmp4_error(ctx, pkt, ip, Icmp4Type::kDestinationUnreachable,
                             static_cast<std::uint8_t>(Icmp4Unreachable::kHost), 0, dst.fail);
  }
  Mapped6 src;
  if (hairpin) {
    // RFC 7757 §4: the hairpinned packet's source is the IPv4 address in the NAT64 prefix,
    // so that the receiver answers through the translator again.
    src = hairpin_address6(ctx, ip.src);
    if (!src.ok) return drop(ctx, src.fail);
  } else {
    src = map_ip4_to_ip6(ctx, ip.src, icmp_error ? Role::kErrorSource : Role::kSource);
    if (!src.ok && icmp_error) {
      src.ok = true;  // RFC 6791
      src.addr = rfc6791_source6(ctx, ip.src);
    }
    if (!src.ok) return drop(ctx, src.fail);
  }

  // A first fragment too short to hold its transport checksum cannot be translated.
  if (ip.is_first_fragment() && ((ip.protocol == kTcp && l4.size() < kTcpChecksum + 2) ||
                                 (ip.protocol == kUdp && l4.size() < kUdpHeader))) {
    return drop(ctx, Counter::kDropTruncated4);
  }
  if (ip.protocol == kIcmp) {
    // RFC 7915 §4.2 needs the whole message for the ICMPv6 pseudo-header length.
    if (ip.is_fragment()) return drop(ctx, Counter::kDropFragmentedIcmp4);
    if (icmp_error) return translate_icmp4_error(ctx, pkt, ip, src.addr, dst.addr, hairpin);
    if (l4.size() < kIcmpHeader) return drop(ctx, Counter::kDropTruncated4);
    auto type = static_cast<Icmp4Type>(load_u8(l4, kIcmpType));
    if (type != Icmp4Type::kEchoRequest && type != Icmp4Type::kEchoReply) {
      return drop(ctx, Counter::kDropIcmpType4);  // RFC 7915 §4.2: silently drop
    }
  }

  // RFC 7915 §4.5: IPv4 UDP with checksum 0.
  bool calc_udp = false;
  if (ip.protocol == kUdp && ip.is_first_fragment() && l4.size() >= kUdpHeader &&
      load_be16(l4, kUdpChecksum) == 0) {
    if (ip.is_fragment()) return drop(ctx, Counter::kDropUdpZeroChecksumFragment);
    switch (ctx.config.udp_zero_checksum) {
      case UdpZeroChecksum::kDrop:
        return drop(ctx, Counter::kDropUdpZeroChecksum);
      case UdpZeroChecksum::kIcmp:
        return reply_icmp4_error(ctx, pkt, ip, Icmp4Type::kDestinationUnreachable,
                                 static_cast<std::uint8_t>(Icmp4Unreachable::kAdminProhibited), 0,
                                 Counter::kDropUdpZeroChecksum);
      case UdpZeroChecksum::kCalc:
        calc_udp = true;
        break;
    }
  }

  const bool fragment_header = ip.is_fragment();
  const std::size_t header6 = kIp6Header + (fragment_header ? kFragmentHeader : 0);
  const std::size_t payload_length = l4.size();
  const std::size_t length6 = header6 + payload_length;
  // A super-packet is judged by its segments (translate()'s `segment`).
  const std::size_t wire6 = ip.is_first_fragment() && ip.protocol != kIcmp
                                ? wire_length(ctx, header6, l4, ip.protocol)
                                : length6;

  // RFC 7915 §4.1 / RFC 1191: DF packets that do not fit the IPv6 side are refused with the
  // MTU an IPv4 packet must have to fit after translation.
  if (ip.df && wire6 > ctx.config.mtu) {
    auto mtu4 = static_cast<std::uint32_t>(ctx.config.mtu - (header6 - kIp4MinHeader));
    return reply_icmp4_error(ctx, pkt, ip, Icmp4Type::kDestinationUnreachable,
                             static_cast<std::uint8_t>(Icmp4Unreachable::kFragmentationNeeded), mtu4,
                             Counter::kDropFragNeeded);
  }

  const std::uint8_t next = ip.protocol == kIcmp ? std::uint8_t{kIcmpv6} : ip.protocol;
  const std::uint8_t hop_limit = hairpin ? ip.ttl : static_cast<std::uint8_t>(ip.ttl - 1);

  // Transport header fixes, in place (only the first fragment carries the header).
  if (ip.is_first_fragment()) {
    if (ip.protocol == kIcmp) {
      // RFC 7915 §4.2: Echo 8 → 128, Echo Reply 0 → 129; the ICMPv6 checksum also covers
      // the pseudo-header.
      std::uint16_t old_word = load_be16(l4, kIcmpType);
      std::uint8_t type6 = load_u8(l4, kIcmpType) == static_cast<std::uint8_t>(Icmp4Type::kEchoRequest)
                               ? static_cast<std::uint8_t>(Icmp6Type::kEchoRequest)
                               : static_cast<std::uint8_t>(Icmp6Type::kEchoReply);
      store_u8(l4, kIcmpType, type6);
      std::uint32_t added = load_be16(l4, kIcmpType) +
                            pseudo_header_sum6(src.addr, dst.addr, kIcmpv6, static_cast<std::uint32_t>(payload_length));
      store_be16(l4, kIcmpChecksum, checksum_update(load_be16(l4, kIcmpChecksum), old_word, added));
    } else {
      if (calc_udp) {
        compute_udp_checksum(l4, src.addr, dst.addr);
      } else {
        update_transport_checksum(l4, ip.protocol, address_sum(ip.src) + address_sum(ip.dst),
                                  address_sum(src.addr) + address_sum(dst.addr));
      }
    }
  }

  // RFC 7915 §4.1: DF=0 packets larger than the lowest IPv6 MTU are fragmented here.
  const std::size_t limit = std::min(ctx.config.lowest_ipv6_mtu, ctx.config.mtu);
  if (!ip.df && wire6 > limit) {
    const std::size_t chunk = (limit - kIp6Header - kFragmentHeader) / 8 * 8;
    const std::size_t base = std::size_t{ip.fragment_offset} * 8;
    for (std::size_t off = 0; off < payload_length; off += chunk) {
      const std::size_t n = std::min(chunk, payload_length - off);
      const bool last = off + n == payload_length;
      Bytes f = scratch_alloc(ctx, kIp6Header + kFragmentHeader + n);
      if (f.empty()) return drop(ctx, Counter::kDropTooBig);
      write_ip6_header(f, ip.tos, static_cast<std::uint16_t>(kFragmentHeader + n), kFragment, hop_limit,
                       src.addr, dst.addr);
      store_u8(f, kIp6Header + kFragNextHeader, next);
      store_u8(f, kIp6Header + 1, 0);
      store_be16(f, kIp6Header + kFragOffsetFlags,
                 static_cast<std::uint16_t>(((base + off) / 8) << 3 | ((!last || ip.mf) ? kFragMore : 0)));
      store_be32(f, kIp6Header + kFragId, ip.id);
      std::memcpy(f.data() + kIp6Header + kFragmentHeader, l4.data() + off, n);
      if (!emit(ctx, f)) return drop(ctx, Counter::kDropTooBig);
    }
    return forward(ctx, hairpin ? Counter::kHairpinned : Counter::kFragmented46);
  }

  // In place: the new header ends where the payload begins.
  const std::size_t start = pb.offset + ip.header_length - header6;
  Bytes out = pb.storage.subspan(start, length6);
  write_ip6_header(out, ip.tos, static_cast<std::uint16_t>(length6 - kIp6Header),
                   fragment_header ? std::uint8_t{kFragment} : next, hop_limit, src.addr, dst.addr);
  if (fragment_header) {
    // RFC 7915 §4.1: Fragment header from the IPv4 fragment fields; ID zero-extended.
    store_u8(out, kIp6Header + kFragNextHeader, next);
    store_u8(out, kIp6Header + 1, 0);
    store_be16(out, kIp6Header + kFragOffsetFlags,
               static_cast<std::uint16_t>(ip.fragment_offset << 3 | (ip.mf ? kFragMore : 0)));
    store_be32(out, kIp6Header + kFragId, ip.id);
  }
  pb.offset = start;
  pb.length = length6;
  if (!emit(ctx, out)) return drop(ctx, Counter::kDropTooBig);
  return forward(ctx, hairpin ? Counter::kHairpinned : Counter::kTranslated46);
}

Result hairpin_icmp4_error(Context& ctx, Bytes error) noexcept {
  // An ICMP error is rebuilt in scratch (translate_icmp4_error), never translated in place,
  // so the buffer needs no headroom.
  PacketBuffer pb{error, 0, error.size()};
  return translate_ip4_to_ip6(ctx, pb, true);
}

}  // namespace tundra::detail
