// RFC 7915 §5: translating IPv6 packets into IPv4 packets.
//
// IPv4 is never longer than the IPv6 packet it comes from, so the IPv4 header is written in
// place, ending where the payload begins; extension headers simply fall away. A packet
// whose destination maps through the prefix to an IPv4 address of the IPv6 side is
// hairpinned (RFC 7757 §4): its IPv4 form is translated straight back to IPv6.
#include "translator/checksum.h"
#include "translator/internal.h"

namespace tundra::detail {

using namespace proto;

namespace {

// RFC 7915 §5.1: DF is set only when the IPv4 packet exceeds 1260 bytes, so that a path
// of IPv4 links with an MTU down to 1260 + 20 still works without PMTUD from the IPv6 host.
constexpr std::size_t kDfThreshold = 1260;

}  // namespace

Result translate_ip6_to_ip4(Context& ctx, PacketBuffer& pb) noexcept {
  const Bytes whole = pb.bytes();
  Ip6Info ip;
  Counter why;
  if (!parse_ip6(whole, false, &ip, &why)) return drop(ctx, why);
  const Bytes pkt = whole.first(ip.end);
  const Bytes l4 = pkt.subspan(ip.l4_offset);

  if (ip.dst == ctx.ipv6_addr) return answer_self6(ctx, pkt, ip);
  // Link-local, multicast and unspecified sources never leave their link (RFC 4291 §2.5.6),
  // and multicast destinations are not ours to translate; neither is answered.
  if (is_invalid_source6(ip.src)) return drop(ctx, Counter::kDropSourceInvalid6);
  if (ip.dst.bytes[0] == 0xff) return drop(ctx, Counter::kDropDestUnmapped6);

  const bool icmp_error = ip.l4_protocol == kIcmpv6 && ip.is_first_fragment() && !l4.empty() &&
                          is_icmp6_error(load_u8(l4, kIcmpType));

  // RFC 7915 §5.1: a Routing header with Segments Left != 0 is not ours to skip.
  if (ip.segments_left_pointer != 0) {
    return reply_icmp6_error(ctx, pkt, ip, Icmp6Type::kParameterProblem,
                             static_cast<std::uint8_t>(Icmp6ParameterProblem::kErroneousHeaderField),
                             static_cast<std::uint32_t>(ip.segments_left_pointer), Counter::kDropSegmentsLeft);
  }
  if (ip.hop_limit <= 1) {
    return reply_icmp6_error(ctx, pkt, ip, Icmp6Type::kTimeExceeded, 0, 0, Counter::kDropHopLimitExpired);
  }
  if (ip.l4_protocol == kIcmp) return drop(ctx, Counter::kDropProtocol6);

  // RFC 7915 §5.4: no error about a discarded ICMPv6 message, informational ones included.
  const bool may_report = ip.l4_protocol != kIcmpv6;
  Mapped4 dst = map_ip6_to_ip4(ctx, ip.dst, Role::kDestination);
  if (!dst.ok) {
    if (dst.fail != Counter::kDropDestUnmapped6 || !may_report) return drop(ctx, dst.fail);
    return reply_icmp6_error(ctx, pkt, ip, Icmp6Type::kDestinationUnreachable,
                             static_cast<std::uint8_t>(Icmp6Unreachable::kNoRoute), 0, dst.fail);
  }
  if (dst.self) return answer_self6(ctx, pkt, ip);

  Mapped4 src = map_ip6_to_ip4(ctx, ip.src, icmp_error ? Role::kErrorSource : Role::kSource);
  if (!src.ok && icmp_error && src.fail != Counter::kDropSourceInvalid6) {
    src.ok = true;  // RFC 6791
    src.addr = rfc6791_source4(ctx, ip.src);
  }
  if (!src.ok) {
    if (may_report && (src.fail == Counter::kDropPoolExhausted || src.fail == Counter::kDropSourceUnmapped6)) {
      return reply_icmp6_error(ctx, pkt, ip, Icmp6Type::kDestinationUnreachable,
                               static_cast<std::uint8_t>(Icmp6Unreachable::kSourcePolicyFailed), 0, src.fail);
    }
    return drop(ctx, src.fail);
  }

  // A first fragment too short to hold its transport checksum cannot be translated.
  if (ip.is_first_fragment() && ((ip.l4_protocol == kTcp && l4.size() < kTcpChecksum + 2) ||
                                 (ip.l4_protocol == kUdp && l4.size() < kUdpHeader))) {
    return drop(ctx, Counter::kDropTruncated6);
  }
  if (ip.l4_protocol == kIcmpv6) {
    if (ip.has_fragment) return drop(ctx, Counter::kDropFragmentedIcmp6);
    if (icmp_error) return translate_icmp6_error(ctx, pkt, ip, src.addr, dst.addr, is_hairpin_destination(ctx, dst));
    if (l4.size() < kIcmpHeader) return drop(ctx, Counter::kDropTruncated6);
    auto type = static_cast<Icmp6Type>(load_u8(l4, kIcmpType));
    if (type != Icmp6Type::kEchoRequest && type != Icmp6Type::kEchoReply) {
      return drop(ctx, Counter::kDropIcmpType6);  // RFC 7915 §5.2: MLD, ND, ... silently dropped
    }
  }

  const std::size_t payload_length = l4.size();
  const std::size_t total = kIp4MinHeader + payload_length;
  if (total > 65535) return drop(ctx, Counter::kDropTooBig);

  if (ip.is_first_fragment()) {
    if (ip.l4_protocol == kIcmpv6) {
      // RFC 7915 §5.2: Echo 128 → 8, Echo Reply 129 → 0; the pseudo-header leaves the sum.
      std::uint32_t removed = load_be16(l4, kIcmpType) +
                              pseudo_header_sum6(ip.src, ip.dst, kIcmpv6, static_cast<std::uint32_t>(payload_length));
      store_u8(l4, kIcmpType,
               load_u8(l4, kIcmpType) == static_cast<std::uint8_t>(Icmp6Type::kEchoRequest)
                   ? static_cast<std::uint8_t>(Icmp4Type::kEchoRequest)
                   : static_cast<std::uint8_t>(Icmp4Type::kEchoReply));
      store_be16(l4, kIcmpChecksum, checksum_update(load_be16(l4, kIcmpChecksum), removed, load_be16(l4, kIcmpType)));
    } else {
      // RFC 7915 §5.5
      update_transport_checksum(l4, ip.l4_protocol, address_sum(ip.src) + address_sum(ip.dst),
                                address_sum(src.addr) + address_sum(dst.addr));
    }
  }

  // RFC 7915 §5.1: Identification, flags and offset.
  std::uint16_t id;
  std::uint16_t flags_offset;
  if (ip.has_fragment) {
    id = static_cast<std::uint16_t>(ip.fragment_id & 0xffff);
    flags_offset = static_cast<std::uint16_t>(ip.fragment_offset | (ip.mf ? kIp4FlagMf : 0));
  } else {
    // The kernel numbers a super-packet's segments id, id + 1, ... (inet_gso_segment): take
    // them all, so that no later packet repeats one (RFC 6864 §4: unique while DF is clear).
    id = ctx.scratch.next_ipv4_id;
    ctx.scratch.next_ipv4_id = static_cast<std::uint16_t>(id + segment_count(ctx, l4, ip.l4_protocol));
    flags_offset = wire_length(ctx, kIp4MinHeader, l4, ip.l4_protocol) > kDfThreshold ? kIp4FlagDf : 0;
  }
  const std::uint8_t protocol = ip.l4_protocol == kIcmpv6 ? std::uint8_t{kIcmp} : ip.l4_protocol;

  const std::size_t start = pb.offset + ip.l4_offset - kIp4MinHeader;
  Bytes out = pb.storage.subspan(start, total);
  write_ip4_header(out, ip.traffic_class, static_cast<std::uint16_t>(total), id, flags_offset,
                   static_cast<std::uint8_t>(ip.hop_limit - 1), protocol, src.addr, dst.addr);
  pb.offset = start;
  pb.length = total;

  if (is_hairpin_destination(ctx, dst)) {
    return translate_ip4_to_ip6(ctx, pb, true);
  }
  if (!emit(ctx, out)) return drop(ctx, Counter::kDropTooBig);
  return forward(ctx, Counter::kTranslated64);
}

}  // namespace tundra::detail
