// ICMP messages the translator originates itself: errors about packets it cannot translate
// (RFC 7915 §4.4 and §5.4) and answers to echo requests sent to its own addresses. Every
// one is built here, in the scratch arena.
#include <algorithm>
#include <cstring>

#include "translator/checksum.h"
#include "translator/internal.h"

namespace tundra::detail {

using namespace proto;

namespace {

constexpr std::uint8_t kOwnTtl = 64;
constexpr std::size_t kIcmp4ErrorMax = 576;   // RFC 1812 §4.3.2.3
constexpr std::size_t kIcmp6ErrorMax = 1280;  // RFC 4443 §2.4(c)

// RFC 1812 §4.3.2.7: no error about an ICMP error, a non-first fragment, or a packet whose
// source is not a unicast host.
bool may_answer4(ConstBytes original, const Ip4Info& ip) noexcept {
  if (!ip.is_first_fragment()) return false;
  std::uint32_t first = ip.src.value >> 24;
  if (first == 0 || first == 127 || first >= 224) return false;
  if (ip.protocol == kIcmp) {
    ConstBytes l4 = original.subspan(ip.header_length);
    if (l4.empty() || is_icmp4_error(load_u8(l4, kIcmpType))) return false;
  }
  return true;
}

// RFC 4443 §2.4(e): no error about an ICMPv6 error, or to a multicast or unspecified source.
bool may_answer6(ConstBytes original, const Ip6Info& ip) noexcept {
  if (ip.src.bytes[0] == 0xff || ip.src == Ipv6Address{}) return false;
  if (ip.l4_protocol == kIcmpv6 && ip.is_first_fragment()) {
    ConstBytes l4 = original.subspan(std::min(ip.l4_offset, original.size()));
    if (l4.empty() || is_icmp6_error(load_u8(l4, kIcmpType))) return false;
  }
  return true;
}

// RFC 4443 §2.4(f): originated errors are rate-limited, here per worker and per second.
bool within_error_budget(Context& ctx) noexcept {
  const std::uint32_t rate = ctx.config.icmp_error_rate;
  if (rate == 0) return true;
  if (ctx.scratch.icmp_second != ctx.now) {
    ctx.scratch.icmp_second = ctx.now;
    ctx.scratch.icmp_errors_in_second = 0;
  }
  if (ctx.scratch.icmp_errors_in_second >= rate) return false;
  ++ctx.scratch.icmp_errors_in_second;
  return true;
}

Result replied(Context& ctx, Bytes packet, Counter reason) noexcept {
  ctx.counters.count(reason);
  if (!emit(ctx, packet)) return Result{Verdict::kDrop, reason};
  return Result{Verdict::kReply, reason};
}

}  // namespace

Result reply_icmp4_error(Context& ctx, ConstBytes original, const Ip4Info& ip, Icmp4Type type,
                         std::uint8_t code, std::uint32_t rest, Counter reason) noexcept {
  if (!may_answer4(original, ip)) return drop(ctx, reason);
  if (!within_error_budget(ctx)) return drop(ctx, Counter::kDropIcmpRateLimited);
  const std::size_t quote = std::min(original.size(), kIcmp4ErrorMax - kIp4MinHeader - kIcmpHeader);
  const std::size_t total = kIp4MinHeader + kIcmpHeader + quote;
  Bytes out = scratch_alloc(ctx, total);
  if (out.empty()) return drop(ctx, reason);
  write_ip4_header(out, 0, static_cast<std::uint16_t>(total), ctx.scratch.next_ipv4_id++, 0, kOwnTtl, kIcmp,
                   ctx.config.ipv4_addr, ip.src);
  Bytes icmp = out.subspan(kIp4MinHeader);
  store_u8(icmp, kIcmpType, static_cast<std::uint8_t>(type));
  store_u8(icmp, kIcmpCode, code);
  store_be16(icmp, kIcmpChecksum, 0);
  store_be32(icmp, kIcmpRest, rest);
  std::memcpy(icmp.data() + kIcmpHeader, original.data(), quote);
  store_be16(icmp, kIcmpChecksum, checksum_finish(checksum_add(icmp)));
  if (ctx.hairpin_leg) {
    // RFC 7757 §4: the packet in error came from the IPv6 side (it was being hairpinned),
    // so its error goes back there, as ICMPv6. The packet ends in `reason` alone: what the
    // error's way back would count goes to a throwaway Counters.
    Counters unused;
    Context leg{ctx.config, ctx.eam,         ctx.pool, ctx.ipv6_addr, ctx.now,
                ctx.scratch, ctx.scratch_used, ctx.out,  unused,        ctx.segment};
    const Result back = hairpin_icmp4_error(leg, out);
    ctx.scratch_used = leg.scratch_used;
    ctx.counters.count(reason);
    if (back.verdict == Verdict::kDrop) return Result{Verdict::kDrop, reason};
    ++ctx.counters.icmp_sent6;
    return Result{Verdict::kReply, reason};
  }
  ++ctx.counters.icmp_sent4;
  return replied(ctx, out, reason);
}

Result reply_icmp6_error(Context& ctx, ConstBytes original, const Ip6Info& ip, Icmp6Type type,
                         std::uint8_t code, std::uint32_t rest, Counter reason) noexcept {
  if (!may_answer6(original, ip)) return drop(ctx, reason);
  if (!within_error_budget(ctx)) return drop(ctx, Counter::kDropIcmpRateLimited);
  const std::size_t quote = std::min(original.size(), kIcmp6ErrorMax - kIp6Header - kIcmpHeader);
  const std::size_t length = kIcmpHeader + quote;
  Bytes out = scratch_alloc(ctx, kIp6Header + length);
  if (out.empty()) return drop(ctx, reason);
  write_ip6_header(out, 0, static_cast<std::uint16_t>(length), kIcmpv6, kOwnTtl, ctx.ipv6_addr, ip.src);
  Bytes icmp = out.subspan(kIp6Header);
  store_u8(icmp, kIcmpType, static_cast<std::uint8_t>(type));
  store_u8(icmp, kIcmpCode, code);
  store_be16(icmp, kIcmpChecksum, 0);
  store_be32(icmp, kIcmpRest, rest);
  std::memcpy(icmp.data() + kIcmpHeader, original.data(), quote);
  store_be16(icmp, kIcmpChecksum,
             checksum_finish(checksum_add(icmp, pseudo_header_sum6(ctx.ipv6_addr, ip.src, kIcmpv6,
                                                                   static_cast<std::uint32_t>(length)))));
  ++ctx.counters.icmp_sent6;
  return replied(ctx, out, reason);
}

Result answer_self4(Context& ctx, ConstBytes packet, const Ip4Info& ip) noexcept {
  // RFC 1122 §3.2.1.3: a packet from 0/8, 127/8, multicast or broadcast is discarded, not
  // answered (a spoofed broadcast source would draw replies to everyone).
  if (is_invalid_source4(ip.src)) return drop(ctx, Counter::kDropSourceInvalid4);
  ConstBytes l4 = packet.subspan(ip.header_length);
  if (ip.protocol != kIcmp) {
    return reply_icmp4_error(ctx, packet, ip, Icmp4Type::kDestinationUnreachable,
                             static_cast<std::uint8_t>(Icmp4Unreachable::kProtocol), 0, Counter::kDropToSelf4);
  }
  if (ip.is_fragment() || l4.size() < kIcmpHeader ||
      load_u8(l4, kIcmpType) != static_cast<std::uint8_t>(Icmp4Type::kEchoRequest)) {
    return drop(ctx, Counter::kDropToSelf4);
  }
  // RFC 792: the reply carries the request's identifier, sequence number and data.
  const std::size_t total = kIp4MinHeader + l4.size();
  Bytes out = scratch_alloc(ctx, total);
  if (out.empty()) return drop(ctx, Counter::kDropTooBig);
  write_ip4_header(out, 0, static_cast<std::uint16_t>(total), ctx.scratch.next_ipv4_id++, 0, kOwnTtl, kIcmp,
                   ctx.config.ipv4_addr, ip.src);
  Bytes icmp = out.subspan(kIp4MinHeader);
  std::memcpy(icmp.data(), l4.data(), l4.size());
  store_u8(icmp, kIcmpType, static_cast<std::uint8_t>(Icmp4Type::kEchoReply));
  store_u8(icmp, kIcmpCode, 0);
  store_be16(icmp, kIcmpChecksum, 0);
  store_be16(icmp, kIcmpChecksum, checksum_finish(checksum_add(icmp)));
  return replied(ctx, out, Counter::kEchoReplied4);
}

Result answer_self6(Context& ctx, ConstBytes packet, const Ip6Info& ip) noexcept {
  // Multicast (RFC 4291 §2.7: never a source), unspecified, loopback and IPv4-mapped sources
  // (::/8) are dropped, not answered. A link-local source is answered: the TUN is a link,
  // and the host's own fe80:: address on it is what a ping from the host itself uses.
  if (ip.src.bytes[0] == 0x00 || ip.src.bytes[0] == 0xff) return drop(ctx, Counter::kDropSourceInvalid6);
  ConstBytes l4 = packet.subspan(ip.l4_offset);
  if (ip.l4_protocol != kIcmpv6) {
    // RFC 8200 §4: an unrecognised Next Header at the destination.
    return reply_icmp6_error(ctx, packet, ip, Icmp6Type::kParameterProblem,
                             static_cast<std::uint8_t>(Icmp6ParameterProblem::kUnrecognizedNextHeader),
                             static_cast<std::uint32_t>(ip.next_header_pointer), Counter::kDropToSelf6);
  }
  if (ip.has_fragment || l4.size() < kIcmpHeader ||
      load_u8(l4, kIcmpType) != static_cast<std::uint8_t>(Icmp6Type::kEchoRequest)) {
    return drop(ctx, Counter::kDropToSelf6);
  }
  // RFC 4443 §4.2: answered from the address the request was sent to.
  const std::size_t length = l4.size();
  Bytes out = scratch_alloc(ctx, kIp6Header + length);
  if (out.empty()) return drop(ctx, Counter::kDropTooBig);
  write_ip6_header(out, 0, static_cast<std::uint16_t>(length), kIcmpv6, kOwnTtl, ip.dst, ip.src);
  Bytes icmp = out.subspan(kIp6Header);
  std::memcpy(icmp.data(), l4.data(), length);
  store_u8(icmp, kIcmpType, static_cast<std::uint8_t>(Icmp6Type::kEchoReply));
  store_u8(icmp, kIcmpCode, 0);
  store_be16(icmp, kIcmpChecksum, 0);
  store_be16(icmp, kIcmpChecksum,
             checksum_finish(checksum_add(icmp, pseudo_header_sum6(ip.dst, ip.src, kIcmpv6,
                                                                   static_cast<std::uint32_t>(length)))));
  return replied(ctx, out, Counter::kEchoReplied6);
}

}  // namespace tundra::detail
