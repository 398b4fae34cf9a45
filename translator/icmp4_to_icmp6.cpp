// RFC 7915 §4.2 and §4.3: ICMPv4 error messages become ICMPv6 error messages, with the
// IPv4 packet they quote translated to IPv6 as well. (Echo is handled on the fast path in
// translate_ip4_to_ip6.cpp.) Built in the scratch arena: errors are rare and small.
#include <algorithm>
#include <array>
#include <cstring>

#include "translator/checksum.h"
#include "translator/internal.h"

namespace tundra::detail {

using namespace proto;

namespace {

constexpr std::size_t kMaxIcmp6Error = 1280;  // RFC 7915 §4.3: the IPv6 minimum MTU
constexpr std::size_t kRfc4884MinimumDatagram = 128;
constexpr std::size_t kIcmp4LengthAttribute = 5;  // RFC 4884 §4.1, in 32-bit words
constexpr std::size_t kIcmp6LengthAttribute = 4;  // RFC 4884 §4.1, in 64-bit words
constexpr std::size_t kIcmp4NextHopMtu = 6;        // RFC 1191 §4

struct Icmp6Kind {
  bool ok;
  Icmp6Type type;
  std::uint8_t code;
};

// RFC 7915 §4.2, Destination Unreachable (type 3) codes 0..15 → ICMPv6.
constexpr std::array<Icmp6Kind, 16> kUnreachableMap{{
    {true, Icmp6Type::kDestinationUnreachable, 0},  // 0 net unreachable → no route
    {true, Icmp6Type::kDestinationUnreachable, 0},  // 1 host unreachable → no route
    {true, Icmp6Type::kParameterProblem, 1},        // 2 protocol unreachable → unrecognized next header
    {true, Icmp6Type::kDestinationUnreachable, 4},  // 3 port unreachable
    {true, Icmp6Type::kPacketTooBig, 0},            // 4 fragmentation needed
    {true, Icmp6Type::kDestinationUnreachable, 0},  // 5 source route failed
    {true, Icmp6Type::kDestinationUnreachable, 0},  // 6
    {true, Icmp6Type::kDestinationUnreachable, 0},  // 7
    {true, Icmp6Type::kDestinationUnreachable, 0},  // 8
    {true, Icmp6Type::kDestinationUnreachable, 1},  // 9 net prohibited → admin prohibited
    {true, Icmp6Type::kDestinationUnreachable, 1},  // 10 host prohibited → admin prohibited
    {true, Icmp6Type::kDestinationUnreachable, 0},  // 11
    {true, Icmp6Type::kDestinationUnreachable, 0},  // 12
    {true, Icmp6Type::kDestinationUnreachable, 1},  // 13 communication administratively prohibited
    {false, Icmp6Type::kDestinationUnreachable, 0},  // 14 precedence violation: silently drop
    {true, Icmp6Type::kDestinationUnreachable, 1},  // 15 precedence cutoff → admin prohibited
}};
static_assert(kUnreachableMap[3].code == 4 && kUnreachableMap[4].type == Icmp6Type::kPacketTooBig);
static_assert(!kUnreachableMap[14].ok);

// RFC 7915 §4.2 Figure 3: IPv4 Parameter Problem pointer → IPv6 pointer; -1 = untranslatable.
constexpr std::array<int, 20> kPointerMap{
    0,  1,  4,  4,         // version/IHL, TOS, total length
    -1, -1, -1, -1,        // identification, flags/fragment offset
    7,  6,  -1, -1,        // TTL → hop limit, protocol → next header, checksum
    8,  8,  8,  8,         // source address
    24, 24, 24, 24,        // destination address
};
static_assert(kPointerMap[8] == 7 && kPointerMap[9] == 6 && kPointerMap[16] == 24);

// RFC 1191 §7 plateau table.
constexpr std::array<std::uint32_t, 11> kPlateaus{65535, 32000, 17914, 8166, 4352, 2002,
                                                  1492,  1006,  508,   296,  68};

// RFC 7915 §4.2: Packet Too Big MTU from a Fragmentation Needed message.
std::uint32_t packet_too_big_mtu(const Context& ctx, std::uint32_t mtu4, std::size_t inner_total_length) {
  if (mtu4 == 0) {
    // The router does not implement RFC 1191: the greatest plateau below the packet's size.
    for (std::uint32_t p : kPlateaus) {
      if (p < inner_total_length) {
        mtu4 = p;
        break;
      }
    }
  }
  std::uint32_t mtu6 = std::min(mtu4 + 20, ctx.config.mtu);
  return std::max<std::uint32_t>(mtu6, 1280);
}

}  // namespace

Result translate_icmp4_error(Context& ctx, ConstBytes pkt, const Ip4Info& ip, const Ipv6Address& src,
                             const Ipv6Address& dst, bool hairpin) noexcept {
  ConstBytes icmp = pkt.subspan(ip.header_length);
  if (icmp.size() < kIcmpHeader) return drop(ctx, Counter::kDropTruncated4);
  // The ICMPv6 checksum is recomputed from scratch; a corrupt message must not be laundered.
  if (checksum_finish(checksum_add(icmp)) != 0) return drop(ctx, Counter::kDropBadIcmpChecksum4);

  const std::uint8_t type4 = load_u8(icmp, kIcmpType);
  const std::uint8_t code4 = load_u8(icmp, kIcmpCode);
  Icmp6Kind kind{false, Icmp6Type::kDestinationUnreachable, 0};
  std::uint32_t rest = 0;
  bool has_length_attribute = false;  // RFC 4884 applies to the ICMPv6 result
  switch (static_cast<Icmp4Type>(type4)) {
    case Icmp4Type::kDestinationUnreachable:
      if (code4 < kUnreachableMap.size()) kind = kUnreachableMap[code4];
      if (kind.ok && kind.type == Icmp6Type::kParameterProblem) rest = kIp6NextHeader;  // pointer 6
      has_length_attribute = kind.type == Icmp6Type::kDestinationUnreachable;
      break;
    case Icmp4Type::kTimeExceeded:
      kind = {true, Icmp6Type::kTimeExceeded, code4};
      has_length_attribute = true;
      break;
    case Icmp4Type::kParameterProblem: {
      if (code4 != 0 && code4 != 2) return drop(ctx, Counter::kDropIcmpType4);
      std::uint8_t pointer4 = load_u8(icmp, kIcmpRest);
      if (pointer4 >= kPointerMap.size() || kPointerMap[pointer4] < 0) {
        return drop(ctx, Counter::kDropIcmpPointer4);
      }
      kind = {true, Icmp6Type::kParameterProblem, 0};
      rest = static_cast<std::uint32_t>(kPointerMap[pointer4]);
      break;
    }
    default:
      break;  // Source Quench, Redirect, and the rest: silently dropped (RFC 7915 §4.2)
  }
  if (!kind.ok) return drop(ctx, Counter::kDropIcmpType4);

  // RFC 4884 §4.1: with a length attribute (types 3, 11 and 12), the original datagram is
  // followed by extensions.
  ConstBytes datagram = icmp.subspan(kIcmpHeader);
  ConstBytes extension;
  const std::size_t length4 = std::size_t{load_u8(icmp, kIcmp4LengthAttribute)} * 4;
  if (length4 != 0 && length4 < datagram.size()) {
    extension = datagram.subspan(length4);
    datagram = datagram.first(length4);
  }

  // The quoted packet (RFC 7915 §4.3): translated like an outer packet, but its TTL is
  // copied and its addresses are mapped in reverse roles.
  Ip4Info inner;
  Counter why;
  if (!parse_ip4(datagram, true, &inner, &why)) return drop(ctx, why);
  ConstBytes inner_l4 = datagram.subspan(inner.header_length,
                                         std::min(datagram.size(), inner.total_length) - inner.header_length);
  if (inner.protocol == kIcmp && inner.is_first_fragment() && !inner_l4.empty() &&
      is_icmp4_error(load_u8(inner_l4, kIcmpType))) {
    return drop(ctx, Counter::kDropIcmpErrorInError4);
  }
  if (inner.protocol == kIcmpv6) return drop(ctx, Counter::kDropBadInner4);
  Mapped6 inner_src = map_ip4_to_ip6(ctx, inner.src, Role::kDestination);
  // RFC 7757 §4: a quoted packet that was hairpinned too was addressed to the other host
  // through the prefix, not its EAM.
  const Mapped6 inner_dst = hairpin ? hairpin_address6(ctx, inner.dst)
                                    : map_ip4_to_ip6(ctx, inner.dst, Role::kErrorSource);
  if (!inner_src.ok || !inner_dst.ok) return drop(ctx, Counter::kDropBadInner4);

  if (kind.type == Icmp6Type::kPacketTooBig) {
    rest = packet_too_big_mtu(ctx, load_be16(icmp, kIcmp4NextHopMtu), inner.total_length);
  }

  Bytes out = scratch_alloc(ctx, kMaxIcmp6Error);
  if (out.empty()) return drop(ctx, Counter::kDropTooBig);
  const bool inner_fragment = inner.is_fragment();
  const std::size_t inner_header6 = kIp6Header + (inner_fragment ? kFragmentHeader : 0);
  const std::size_t at_inner = kIp6Header + kIcmpHeader;
  const std::size_t room = kMaxIcmp6Error - at_inner - inner_header6;
  std::size_t copied = std::min(inner_l4.size(), room);
  const std::uint8_t inner_next = inner.protocol == kIcmp ? std::uint8_t{kIcmpv6} : inner.protocol;

  // Inner IPv6 header: payload length from the quoted header, not from what was quoted.
  const std::size_t inner_payload = inner.total_length - inner.header_length + (inner_fragment ? kFragmentHeader : 0);
  Bytes inner6 = out.subspan(at_inner);
  write_ip6_header(inner6, inner.tos, static_cast<std::uint16_t>(inner_payload),
                   inner_fragment ? std::uint8_t{kFragment} : inner_next, inner.ttl, inner_src.addr, inner_dst.addr);
  if (inner_fragment) {
    store_u8(inner6, kIp6Header + kFragNextHeader, inner_next);
    store_u8(inner6, kIp6Header + 1, 0);
    store_be16(inner6, kIp6Header + kFragOffsetFlags,
               static_cast<std::uint16_t>(inner.fragment_offset << 3 | (inner.mf ? kFragMore : 0)));
    store_be32(inner6, kIp6Header + kFragId, inner.id);
  }
  Bytes l4 = inner6.subspan(inner_header6, copied);
  std::memcpy(l4.data(), inner_l4.data(), copied);
  if (inner.is_first_fragment()) {
    const std::uint32_t removed = address_sum(inner.src) + address_sum(inner.dst);
    const std::uint32_t added = address_sum(inner_src.addr) + address_sum(inner_dst.addr);
    update_transport_checksum(l4, inner.protocol, removed, added);
    if (inner.protocol == kIcmp && copied >= kIcmpChecksum + 2) {
      std::uint8_t t = load_u8(l4, kIcmpType);
      if (t == static_cast<std::uint8_t>(Icmp4Type::kEchoRequest) ||
          t == static_cast<std::uint8_t>(Icmp4Type::kEchoReply)) {
        std::uint16_t old_word = load_be16(l4, kIcmpType);
        store_u8(l4, kIcmpType, t == static_cast<std::uint8_t>(Icmp4Type::kEchoRequest)
                                    ? static_cast<std::uint8_t>(Icmp6Type::kEchoRequest)
                                    : static_cast<std::uint8_t>(Icmp6Type::kEchoReply));
        std::uint32_t add = load_be16(l4, kIcmpType) +
                            pseudo_header_sum6(inner_src.addr, inner_dst.addr, kIcmpv6,
                                               static_cast<std::uint32_t>(inner.total_length - inner.header_length));
        store_be16(l4, kIcmpChecksum, checksum_update(load_be16(l4, kIcmpChecksum), old_word, add));
      }
    }
  }

  // RFC 4884 §4.1 / RFC 7915 §4.3: keep extensions, the datagram zero-padded to a multiple
  // of 8 bytes (and at least 128), the length attribute counted in 64-bit words. If that does
  // not fit in 1280 bytes, the extension goes and the datagram is just truncated.
  std::size_t datagram6 = inner_header6 + copied;
  std::uint8_t length_attribute = 0;
  if (!extension.empty() && has_length_attribute) {
    std::size_t padded = std::max(kRfc4884MinimumDatagram, (datagram6 + 7) / 8 * 8);
    if (at_inner + padded + extension.size() <= kMaxIcmp6Error) {
      std::memset(out.data() + at_inner + datagram6, 0, padded - datagram6);
      std::memcpy(out.data() + at_inner + padded, extension.data(), extension.size());
      datagram6 = padded + extension.size();
      length_attribute = static_cast<std::uint8_t>(padded / 8);
    }
  }

  const std::size_t length = kIcmpHeader + datagram6;
  write_ip6_header(out, ip.tos, static_cast<std::uint16_t>(length), kIcmpv6,
                   hairpin ? ip.ttl : static_cast<std::uint8_t>(ip.ttl - 1), src, dst);
  Bytes icmp6 = out.subspan(kIp6Header, length);
  store_u8(icmp6, kIcmpType, static_cast<std::uint8_t>(kind.type));
  store_u8(icmp6, kIcmpCode, kind.code);
  store_be16(icmp6, kIcmpChecksum, 0);
  store_be32(icmp6, kIcmpRest, rest);
  if (length_attribute != 0) store_u8(icmp6, kIcmp6LengthAttribute, length_attribute);
  store_be16(icmp6, kIcmpChecksum,
             checksum_finish(checksum_add(icmp6, pseudo_header_sum6(src, dst, kIcmpv6, static_cast<std::uint32_t>(length)))));
  if (!emit(ctx, out.first(kIp6Header + length))) return drop(ctx, Counter::kDropTooBig);
  return forward(ctx, hairpin ? Counter::kHairpinned : Counter::kTranslated46);
}

}  // namespace tundra::detail
