// Shared internals of translator/: the per-call context, parsed header summaries, address
// mapping and the places where packets are emitted. Not part of the face (translator.h).
#pragma once

#include <cstddef>
#include <cstdint>

#include "translator/protocol.h"
#include "translator/translator.h"

namespace tundra::detail {

// Everything one translate() call needs, gathered once.
struct Context {
  const TranslatorConfig& config;
  const EamTable& eam;
  DynamicPool* pool;  // null without `dynamic-pool`
  Ipv6Address ipv6_addr;
  UnixSeconds now;
  Scratch& scratch;
  std::size_t scratch_used;
  Output& out;
  Counters& counters;
  std::size_t segment = 0;  // translate()'s `segment`: payload bytes per GSO segment, or 0
  bool hairpin_leg = false;  // inside the IPv4 → IPv6 leg of a hairpin (RFC 7757 §4)
};

// A parsed IPv4 header. Lengths in bytes.
struct Ip4Info {
  std::size_t header_length = 0;  // IHL * 4
  std::size_t total_length = 0;   // Total Length field (for inner packets: may exceed the bytes present)
  std::uint16_t id = 0;
  bool df = false;
  bool mf = false;
  std::uint16_t fragment_offset = 0;  // in 8-byte units
  std::uint8_t tos = 0;
  std::uint8_t ttl = 0;
  std::uint8_t protocol = 0;
  Ipv4Address src, dst;
  bool is_fragment() const { return mf || fragment_offset != 0; }
  bool is_first_fragment() const { return fragment_offset == 0; }
};

// A parsed IPv6 header and extension header chain. Offsets from the IPv6 header's start.
struct Ip6Info {
  std::size_t end = 0;        // 40 + Payload Length (for inner packets: the bytes present)
  std::size_t l4_offset = 0;  // first byte after the last extension header we consume
  std::uint8_t l4_protocol = 0;
  std::size_t next_header_pointer = proto::kIp6NextHeader;  // the field that named l4_protocol
  std::uint8_t traffic_class = 0;
  std::uint8_t hop_limit = 0;
  Ipv6Address src, dst;
  bool has_fragment = false;
  std::uint32_t fragment_id = 0;
  std::uint16_t fragment_offset = 0;  // in 8-byte units
  bool mf = false;
  std::size_t segments_left_pointer = 0;  // non-zero: a Routing header with Segments Left != 0
  bool is_first_fragment() const { return !has_fragment || fragment_offset == 0; }
};

// Outer headers are checked strictly; inner (quoted) headers leniently, since quotes are
// truncated. On failure `*why` names the counter.
bool parse_ip4(ConstBytes packet, bool inner, Ip4Info* info, Counter* why) noexcept;
bool parse_ip6(ConstBytes packet, bool inner, Ip6Info* info, Counter* why) noexcept;

// Address mapping (translator/address_mapping.cpp). `fail` names the counter on failure.
struct Mapped6 {
  bool ok = false;
  Ipv6Address addr;
  Counter fail = Counter::kDropDestUnmapped4;
};
struct Mapped4 {
  bool ok = false;
  Ipv4Address addr;
  Counter fail = Counter::kDropDestUnmapped6;
  bool self = false;        // the address is the translator's own ipv4-addr
  bool via_prefix = false;  // extracted from the RFC 6052 prefix (not an EAM or the pool)
};
enum class Role : std::uint8_t {
  kSource,       // a packet's source; 6→4 may create a dynamic-pool binding
  kErrorSource,  // the source of an ICMP error: translated more liberally, never binds
  kDestination,
};
Mapped6 map_ip4_to_ip6(Context& ctx, Ipv4Address a, Role role) noexcept;
Mapped4 map_ip6_to_ip4(Context& ctx, const Ipv6Address& a, Role role) noexcept;
// RFC 7757 §4 ("intrinsic" hairpinning): an IPv6 destination that maps through the
// prefix (`via_prefix`) to an IPv4 address that belongs to the IPv6 side, an EAM's or an
// active binding's, is hairpinned. A destination that matches an EAM's IPv6 side is never
// hairpinned: such a map may stand for an IPv4 server (docs/configuration.md, `map`).
bool is_hairpin_destination(Context& ctx, const Mapped4& destination) noexcept;
// The hairpin's IPv6 form of IPv4 address `a` (its source, and the destination quoted in
// its errors): under the prefix (RFC 6052 §3.1 checked), except that the translator's own
// ipv4-addr and RFC 6791 addresses stand for the translator: ipv6-addr (or an
// rfc6791-pool6 address). Fails without a prefix.
Mapped6 hairpin_address6(Context& ctx, Ipv4Address a) noexcept;
// Sources that no host may use: IPv4 0/8, 127/8, 224/4 and 240/4 (RFC 1812 §5.3.7); IPv6
// ::/8, fe80::/10 and ff00::/8.
bool is_invalid_source4(Ipv4Address a) noexcept;
bool is_invalid_source6(const Ipv6Address& a) noexcept;
// RFC 6791 sources for translated ICMP errors whose source cannot be mapped.
Ipv4Address rfc6791_source4(const Context& ctx, const Ipv6Address& original) noexcept;
Ipv6Address rfc6791_source6(const Context& ctx, Ipv4Address original) noexcept;

// The length a packet will have on the wire with an `l3_header`-byte IP header: the whole
// packet, or for a super-packet (ctx.segment != 0) one full-size segment of it. `l4` holds
// at least the transport header's fixed part (callers checked).
std::size_t wire_length(const Context& ctx, std::size_t l3_header, ConstBytes l4, std::uint8_t protocol) noexcept;
// How many packets the kernel will cut this into: 1, or for a super-packet its segments.
std::size_t segment_count(const Context& ctx, ConstBytes l4, std::uint8_t protocol) noexcept;

// Output (translator/translator.cpp).
Bytes scratch_alloc(Context& ctx, std::size_t length) noexcept;  // empty when full
bool emit(Context& ctx, ConstBytes packet) noexcept;               // false when full
Result drop(Context& ctx, Counter reason) noexcept;
Result forward(Context& ctx, Counter reason) noexcept;

// Header writers.
void write_ip4_header(Bytes out, std::uint8_t tos, std::uint16_t total_length, std::uint16_t id,
                      std::uint16_t flags_offset, std::uint8_t ttl, std::uint8_t protocol,
                      Ipv4Address src, Ipv4Address dst) noexcept;  // computes the checksum
void write_ip6_header(Bytes out, std::uint8_t traffic_class, std::uint16_t payload_length,
                      std::uint8_t next_header, std::uint8_t hop_limit, const Ipv6Address& src,
                      const Ipv6Address& dst) noexcept;
// RFC 7915 §4.5 / §5.5: adjusts a TCP or UDP checksum for a pseudo-header change, given
// the sums of the address words that left (`removed`) and entered (`added`). Leaves it
// alone when the header is cut short (a quote) or a UDP checksum is 0 ("none"); a result
// of 0 is sent as 0xFFFF (RFC 768).
void update_transport_checksum(Bytes l4, std::uint8_t protocol, std::uint32_t removed,
                               std::uint32_t added) noexcept;
Ipv4Address load_ip4(ConstBytes b, std::size_t off) noexcept;
Ipv6Address load_ip6(ConstBytes b, std::size_t off) noexcept;
void store_ip4(Bytes b, std::size_t off, Ipv4Address a) noexcept;
void store_ip6(Bytes b, std::size_t off, const Ipv6Address& a) noexcept;

// ICMP errors the translator originates (translator/icmp_errors.cpp), RFC 7915 §4.4/§5.4.
// They count `reason`, build the error in scratch, and return kReply, or kDrop where an
// error must not be sent (about an ICMP error, a non-first fragment, a non-unicast source).
Result reply_icmp4_error(Context& ctx, ConstBytes original, const Ip4Info& ip, proto::Icmp4Type type,
                         std::uint8_t code, std::uint32_t rest, Counter reason) noexcept;
Result reply_icmp6_error(Context& ctx, ConstBytes original, const Ip6Info& ip, proto::Icmp6Type type,
                         std::uint8_t code, std::uint32_t rest, Counter reason) noexcept;
// Echo requests to the translator's own addresses; other packets to them.
Result answer_self4(Context& ctx, ConstBytes packet, const Ip4Info& ip) noexcept;
Result answer_self6(Context& ctx, ConstBytes packet, const Ip6Info& ip) noexcept;

// The two directions (translator/translate_ip4_to_ip6.cpp, translate_ip6_to_ip4.cpp).
// `hairpin`: the packet is the IPv4 form of a hairpinned IPv6 packet (RFC 7757 §4): its TTL
// was already decremented and its source maps through the prefix.
Result translate_ip4_to_ip6(Context& ctx, PacketBuffer& packet, bool hairpin) noexcept;
Result translate_ip6_to_ip4(Context& ctx, PacketBuffer& packet) noexcept;
// RFC 7757 §4: an ICMPv4 error built in scratch (a translated ICMPv6 error, or one of the
// translator's own) whose destination belongs to the IPv6 side goes back to IPv6 as a
// hairpinned packet, like the packet in error did, instead of leaving as IPv4.
Result hairpin_icmp4_error(Context& ctx, Bytes error) noexcept;

// ICMP error translation (translator/icmp4_to_icmp6.cpp, icmp6_to_icmp4.cpp), RFC 7915 §4.3/§5.3.
Result translate_icmp4_error(Context& ctx, ConstBytes packet, const Ip4Info& ip,
                             const Ipv6Address& src, const Ipv6Address& dst, bool hairpin) noexcept;
// `hairpin`: the error is about a hairpinned packet and goes back to IPv6.
Result translate_icmp6_error(Context& ctx, ConstBytes packet, const Ip6Info& ip, Ipv4Address src,
                             Ipv4Address dst, bool hairpin) noexcept;

}  // namespace tundra::detail
