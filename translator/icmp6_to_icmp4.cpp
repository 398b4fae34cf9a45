// RFC 7915 §5.2 and §5.3: ICMPv6 error messages become ICMPv4 error messages, with the
// IPv6 packet they quote translated to IPv4 as well. (Echo is handled on the fast path in
// translate_ip6_to_ip4.cpp.) Built in the scratch arena: errors are rare and small.
#include <algorithm>
#include <array>
#include <cstring>

#include "translator/checksum.h"
#include "translator/internal.h"

namespace tundra::detail {

using namespace proto;

namespace {

constexpr std::size_t kMaxIcmp4Error = 576;  // RFC 7915 §5.3 (RFC 1812 §4.3.2.3)
constexpr std::size_t kRfc4884MinimumDatagram = 128;
constexpr std::size_t kIcmp4LengthAttribute = 5;  // RFC 4884 §4.1, in 32-bit words
constexpr std::size_t kIcmp6LengthAttribute = 4;  // RFC 4884 §4.1, in 64-bit words
constexpr std::size_t kDfThreshold = 1260;        // RFC 7915 §5.1

struct Icmp4Kind {
  bool ok;
  Icmp4Type type;
  std::uint8_t code;
};

// RFC 7915 §5.2, Destination Unreachable (type 1) codes 0..4 → ICMPv4 type 3.
constexpr std::array<Icmp4Kind, 5> kUnreachableMap{{
    {true, Icmp4Type::kDestinationUnreachable, 1},   // 0 no route → host unreachable
    {true, Icmp4Type::kDestinationUnreachable, 10},  // 1 administratively prohibited → host prohibited
    {true, Icmp4Type::kDestinationUnreachable, 1},   // 2 beyond scope → host unreachable
    {true, Icmp4Type::kDestinationUnreachable, 1},   // 3 address unreachable → host unreachable
    {true, Icmp4Type::kDestinationUnreachable, 3},   // 4 port unreachable
}};
static_assert(kUnreachableMap[1].code == 10 && kUnreachableMap[4].code == 3);

// RFC 7915 §5.2 Figure 6: IPv6 Parameter Problem pointer → IPv4 pointer; -1 = untranslatable.
constexpr int pointer_map(std::uint32_t p6) {
  if (p6 == 0) return 0;             // version/traffic class
  if (p6 == 1) return 1;             // traffic class/flow label
  if (p6 == 4 || p6 == 5) return 2;  // payload length → total length
  if (p6 == 6) return 9;             // next header → protocol
  if (p6 == 7) return 8;             // hop limit → TTL
  if (p6 >= 8 && p6 <= 23) return 12;   // source address
  if (p6 >= 24 && p6 <= 39) return 16;  // destination address
  return -1;                            // flow label (2, 3) and beyond the header
}
static_assert(pointer_map(6) == 9 && pointer_map(7) == 8 && pointer_map(2) == -1 && pointer_map(39) == 16);

}  // namespace

Result translate_icmp6_error(Context& ctx, ConstBytes pkt, const Ip6Info& ip, Ipv4Address src,
                             Ipv4Address dst, bool hairpin) noexcept {
  ConstBytes icmp = pkt.subspan(ip.l4_offset);
  if (icmp.size() < kIcmpHeader) return drop(ctx, Counter::kDropTruncated6);
  if (checksum_finish(checksum_add(icmp, pseudo_header_sum6(ip.src, ip.dst, kIcmpv6,
                                                            static_cast<std::uint32_t>(icmp.size())))) != 0) {
    return drop(ctx, Counter::kDropBadIcmpChecksum6);
  }

  const std::uint8_t type6 = load_u8(icmp, kIcmpType);
  const std::uint8_t code6 = load_u8(icmp, kIcmpCode);
  Icmp4Kind kind{false, Icmp4Type::kDestinationUnreachable, 0};
  std::uint32_t rest = 0;
  bool has_length_attribute = false;  // RFC 4884 applies to the ICMPv6 message
  bool packet_too_big = false;
  switch (static_cast<Icmp6Type>(type6)) {
    case Icmp6Type::kDestinationUnreachable:
      if (code6 < kUnreachableMap.size()) kind = kUnreachableMap[code6];
      has_length_attribute = true;
      break;
    case Icmp6Type::kPacketTooBig:
      kind = {true, Icmp4Type::kDestinationUnreachable,
              static_cast<std::uint8_t>(Icmp4Unreachable::kFragmentationNeeded)};
      packet_too_big = true;  // the MTU once the quoted packet is parsed
      break;
    case Icmp6Type::kTimeExceeded:
      kind = {true, Icmp4Type::kTimeExceeded, code6};
      has_length_attribute = true;
      break;
    case Icmp6Type::kParameterProblem: {
      if (code6 == static_cast<std::uint8_t>(Icmp6ParameterProblem::kUnrecognizedNextHeader)) {
        kind = {true, Icmp4Type::kDestinationUnreachable, static_cast<std::uint8_t>(Icmp4Unreachable::kProtocol)};
        break;
      }
      if (code6 != static_cast<std::uint8_t>(Icmp6ParameterProblem::kErroneousHeaderField)) {
        return drop(ctx, Counter::kDropIcmpType6);
      }
      int pointer4 = pointer_map(load_be32(icmp, kIcmpRest));
      if (pointer4 < 0) return drop(ctx, Counter::kDropIcmpPointer6);
      kind = {true, Icmp4Type::kParameterProblem, 0};
      rest = static_cast<std::uint32_t>(pointer4) << 24;
      break;
    }
    default:
      break;
  }
  if (!kind.ok) return drop(ctx, Counter::kDropIcmpType6);

  ConstBytes datagram = icmp.subspan(kIcmpHeader);
  ConstBytes extension;
  const std::size_t length6 = has_length_attribute ? std::size_t{load_u8(icmp, kIcmp6LengthAttribute)} * 8 : 0;
  if (length6 != 0 && length6 < datagram.size()) {
    extension = datagram.subspan(length6);
    datagram = datagram.first(length6);
  }

  // The quoted packet (RFC 7915 §5.3): translated like an outer packet, hop limit copied,
  // addresses mapped in reverse roles (its destination is the IPv6 host).
  Ip6Info inner;
  Counter why;
  if (!parse_ip6(datagram, true, &inner, &why)) return drop(ctx, why);
  if (packet_too_big) {
    // RFC 7915 §5.2: the MTU less the header difference, "taking into account whether or
    // not the packet in error includes a Fragment Header" (then 28: the IPv4 packet it came
    // from was that much shorter), and no more than what the IPv6 side lets through.
    const std::uint32_t overhead = kIp6Header + (inner.has_fragment ? kFragmentHeader : 0) - kIp4MinHeader;
    const std::uint32_t mtu6 = load_be32(icmp, kIcmpRest);
    const std::uint32_t mtu4 = std::min(mtu6 > overhead ? mtu6 - overhead : 0, ctx.config.mtu - overhead);
    rest = std::max<std::uint32_t>(mtu4, 68);  // RFC 791: every IPv4 link carries 68 bytes
  }
  ConstBytes inner_l4 = datagram.subspan(inner.l4_offset, inner.end - inner.l4_offset);
  if (inner.l4_protocol == kIcmpv6 && inner.is_first_fragment() && !inner_l4.empty() &&
      is_icmp6_error(load_u8(inner_l4, kIcmpType))) {
    return drop(ctx, Counter::kDropIcmpErrorInError6);
  }
  if (inner.l4_protocol == kIcmp) return drop(ctx, Counter::kDropBadInner6);
  Mapped4 inner_src = map_ip6_to_ip4(ctx, inner.src, Role::kDestination);
  Mapped4 inner_dst = map_ip6_to_ip4(ctx, inner.dst, Role::kErrorSource);
  if (!inner_src.ok || !inner_dst.ok) return drop(ctx, Counter::kDropBadInner6);

  Bytes out = scratch_alloc(ctx, kMaxIcmp4Error);
  if (out.empty()) return drop(ctx, Counter::kDropTooBig);
  const std::size_t at_inner = kIp4MinHeader + kIcmpHeader;
  const std::size_t room = kMaxIcmp4Error - at_inner - kIp4MinHeader;
  const std::size_t copied = std::min(inner_l4.size(), room);

  // Inner IPv4 header. Its length comes from the quoted Payload Length, less the extension
  // headers that fall away.
  const std::size_t inner_payload_declared =
      kIp6Header + std::size_t{load_be16(datagram, kIp6PayloadLength)} - inner.l4_offset;
  const std::size_t inner_total = std::min<std::size_t>(kIp4MinHeader + inner_payload_declared, 65535);
  std::uint16_t inner_flags;
  std::uint16_t inner_id = 0;  // not recoverable; RFC 7915 leaves it free
  if (inner.has_fragment) {
    inner_id = static_cast<std::uint16_t>(inner.fragment_id & 0xffff);
    inner_flags = static_cast<std::uint16_t>(inner.fragment_offset | (inner.mf ? kIp4FlagMf : 0));
  } else {
    inner_flags = inner_total > kDfThreshold ? kIp4FlagDf : 0;
  }
  const std::uint8_t inner_protocol = inner.l4_protocol == kIcmpv6 ? std::uint8_t{kIcmp} : inner.l4_protocol;
  Bytes inner4 = out.subspan(at_inner);
  write_ip4_header(inner4, inner.traffic_class, static_cast<std::uint16_t>(inner_total), inner_id, inner_flags,
                   inner.hop_limit, inner_protocol, inner_src.addr, inner_dst.addr);
  Bytes l4 = inner4.subspan(kIp4MinHeader, copied);
  std::memcpy(l4.data(), inner_l4.data(), copied);
  if (inner.is_first_fragment()) {
    const std::uint32_t removed = address_sum(inner.src) + address_sum(inner.dst);
    const std::uint32_t added = address_sum(inner_src.addr) + address_sum(inner_dst.addr);
    update_transport_checksum(l4, inner.l4_protocol, removed, added);
    if (inner.l4_protocol == kIcmpv6 && copied >= kIcmpChecksum + 2) {
      std::uint8_t t = load_u8(l4, kIcmpType);
      if (t == static_cast<std::uint8_t>(Icmp6Type::kEchoRequest) ||
          t == static_cast<std::uint8_t>(Icmp6Type::kEchoReply)) {
        std::uint32_t old = load_be16(l4, kIcmpType) +
                            pseudo_header_sum6(inner.src, inner.dst, kIcmpv6,
                                               static_cast<std::uint32_t>(inner_payload_declared));
        store_u8(l4, kIcmpType, t == static_cast<std::uint8_t>(Icmp6Type::kEchoRequest)
                                    ? static_cast<std::uint8_t>(Icmp4Type::kEchoRequest)
                                    : static_cast<std::uint8_t>(Icmp4Type::kEchoReply));
        store_be16(l4, kIcmpChecksum, checksum_update(load_be16(l4, kIcmpChecksum), old, load_be16(l4, kIcmpType)));
      }
    }
  }

  // RFC 4884 §4.1: datagram zero-padded to a multiple of 4 bytes and at least 128, length
  // attribute in 32-bit words; dropped if the result would exceed 576 bytes.
  std::size_t datagram4 = kIp4MinHeader + copied;
  std::uint8_t length_attribute = 0;
  if (!extension.empty() && kind.type != Icmp4Type::kParameterProblem) {
    std::size_t padded = std::max(kRfc4884MinimumDatagram, (datagram4 + 3) / 4 * 4);
    if (at_inner + padded + extension.size() <= kMaxIcmp4Error) {
      std::memset(out.data() + at_inner + datagram4, 0, padded - datagram4);
      std::memcpy(out.data() + at_inner + padded, extension.data(), extension.size());
      datagram4 = padded + extension.size();
      length_attribute = static_cast<std::uint8_t>(padded / 4);
    }
  }

  const std::size_t total = at_inner + datagram4;
  write_ip4_header(out, ip.traffic_class, static_cast<std::uint16_t>(total), ctx.scratch.next_ipv4_id++,
                   total > kDfThreshold ? kIp4FlagDf : 0, static_cast<std::uint8_t>(ip.hop_limit - 1), kIcmp,
                   src, dst);
  Bytes icmp4 = out.subspan(kIp4MinHeader, total - kIp4MinHeader);
  store_u8(icmp4, kIcmpType, static_cast<std::uint8_t>(kind.type));
  store_u8(icmp4, kIcmpCode, kind.code);
  store_be16(icmp4, kIcmpChecksum, 0);
  store_be32(icmp4, kIcmpRest, rest);
  if (length_attribute != 0) store_u8(icmp4, kIcmp4LengthAttribute, length_attribute);
  store_be16(icmp4, kIcmpChecksum, checksum_finish(checksum_add(icmp4)));
  // RFC 7757 §4: an error about a hairpinned packet goes back to its IPv6 sender.
  if (hairpin) return hairpin_icmp4_error(ctx, out.first(total));
  if (!emit(ctx, out.first(total))) return drop(ctx, Counter::kDropTooBig);
  return forward(ctx, Counter::kTranslated64);
}

}  // namespace tundra::detail
