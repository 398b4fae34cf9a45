// Named counters: every packet the translator sees ends in exactly one reason, and every
// reason has a counter. A worker owns one Counters; `tundra show stats` sums them.
//
// TUNDRA_COUNTERS(X) lists X(enum name, stat name, one-line explanation). Stat names are
// stable: operators graph them (/metrics) and tests look them up by name.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace tundra {

#define TUNDRA_COUNTERS(X)                                                                        \
  /* Outcomes that emit packets */                                                                \
  X(kTranslated46, "translated_4to6", "IPv4 packets translated to IPv6")                         \
  X(kTranslated64, "translated_6to4", "IPv6 packets translated to IPv4")                         \
  X(kFragmented46, "fragmented_4to6", "IPv4 packets (DF=0) split into IPv6 fragments")           \
  X(kHairpinned, "hairpinned", "IPv6 packets whose destination maps back to IPv6 (RFC 7757 §4)") \
  X(kEchoReplied4, "echo_replied_4", "echo requests to ipv4-addr answered")                      \
  X(kEchoReplied6, "echo_replied_6", "echo requests to ipv6-addr answered")                      \
  /* Malformed input: dropped, never answered */                                                  \
  X(kDropTruncated4, "drop_truncated_4", "IPv4 packet shorter than its headers say")             \
  X(kDropTruncated6, "drop_truncated_6", "IPv6 packet shorter than its headers say")             \
  X(kDropBadHeader4, "drop_bad_header_4", "IPv4 header invalid (version, IHL, checksum)")        \
  X(kDropBadHeader6, "drop_bad_header_6", "IPv6 header or extension header chain invalid")       \
  X(kDropNotIp, "drop_not_ip", "neither IPv4 nor IPv6")                                          \
  X(kDropBadOffload, "drop_bad_offload", "virtio-net header the kernel would not write, or one that contradicts the packet") \
  X(kDropBadIcmpChecksum4, "drop_bad_icmp_checksum_4", "ICMPv4 error with a wrong checksum")     \
  X(kDropBadIcmpChecksum6, "drop_bad_icmp_checksum_6", "ICMPv6 error with a wrong checksum")     \
  X(kDropBadInner4, "drop_bad_inner_4", "ICMPv4 error whose inner packet cannot be parsed")      \
  X(kDropBadInner6, "drop_bad_inner_6", "ICMPv6 error whose inner packet cannot be parsed")      \
  /* Policy and RFC 7915 rules */                                                                  \
  X(kDropSourceInvalid4, "drop_source_invalid_4", "IPv4 source never translated (0/8, 127/8, multicast)") \
  X(kDropSourceInvalid6, "drop_source_invalid_6", "IPv6 source never translated (::/8, fe80::/10, multicast)") \
  X(kDropSourceUnmapped6, "drop_source_unmapped_6", "IPv6 source has no mapping and no pool")    \
  X(kDropPoolExhausted, "drop_pool_exhausted", "no dynamic-pool address left for a new client")  \
  X(kDropDestUnmapped4, "drop_dest_unmapped_4", "IPv4 destination maps to no IPv6 host")         \
  X(kDropDestUnmapped6, "drop_dest_unmapped_6", "IPv6 destination outside prefix and maps")      \
  X(kDropWkpfStrict, "drop_wkpf_strict", "non-global IPv4 address with the Well-Known Prefix (RFC 6052 §3.1)") \
  X(kDropTtlExpired, "drop_ttl_expired", "IPv4 TTL would reach 0 (Time Exceeded sent)")          \
  X(kDropHopLimitExpired, "drop_hop_limit_expired", "IPv6 hop limit would reach 0 (Time Exceeded sent)") \
  X(kDropSourceRoute, "drop_source_route", "IPv4 unexpired source route option (RFC 7915 §4.1)") \
  X(kDropSegmentsLeft, "drop_segments_left", "IPv6 routing header with segments left (RFC 7915 §5.1)") \
  X(kDropFragNeeded, "drop_frag_needed", "IPv4 DF packet too big for the IPv6 side")             \
  X(kDropUdpZeroChecksum, "drop_udp_zero_checksum", "IPv4 UDP with checksum 0 refused (udp-zero-checksum)") \
  X(kDropUdpZeroChecksumFragment, "drop_udp_zero_checksum_fragment", "fragmented IPv4 UDP with checksum 0 (RFC 7915 §4.5)") \
  X(kDropFragmentedIcmp4, "drop_fragmented_icmp_4", "fragmented ICMPv4 (checksum cannot be converted)") \
  X(kDropFragmentedIcmp6, "drop_fragmented_icmp_6", "fragmented ICMPv6 (checksum cannot be converted)") \
  X(kDropIcmpType4, "drop_icmp_type_4", "ICMPv4 type or code with no ICMPv6 counterpart (RFC 7915 §4.2)") \
  X(kDropIcmpType6, "drop_icmp_type_6", "ICMPv6 type or code with no ICMPv4 counterpart (RFC 7915 §5.2)") \
  X(kDropIcmpPointer4, "drop_icmp_pointer_4", "Parameter Problem pointer with no IPv6 counterpart") \
  X(kDropIcmpPointer6, "drop_icmp_pointer_6", "Parameter Problem pointer with no IPv4 counterpart") \
  X(kDropIcmpErrorInError4, "drop_icmp_error_in_error_4", "ICMPv4 error quoting an ICMP error")  \
  X(kDropIcmpErrorInError6, "drop_icmp_error_in_error_6", "ICMPv6 error quoting an ICMP error")  \
  X(kDropProtocol4, "drop_protocol_4", "IPv4 carrying IGMP or an IPv6-only protocol (ICMPv6, ext headers)") \
  X(kDropProtocol6, "drop_protocol_6", "IPv6 carrying ICMPv4")                                   \
  X(kDropHairpinLoop, "drop_hairpin_loop", "hairpinned packet would loop")                       \
  X(kDropToSelf4, "drop_to_self_4", "packet to ipv4-addr that is not an echo request")           \
  X(kDropToSelf6, "drop_to_self_6", "packet to ipv6-addr that is not an echo request")           \
  X(kDropTooBig, "drop_too_big", "packet does not fit the output buffers")                       \
  X(kDropIcmpRateLimited, "drop_icmp_rate_limited",                                               \
    "an ICMP error was due, but this worker had sent icmp-error-rate errors this second (RFC 4443 §2.4(f))") \
  X(kDropPoolRateLimited, "drop_pool_rate_limited",                                               \
    "a new client was not given a pool address: dynamic-new-per-second bindings made this second")

enum class Counter : std::uint8_t {
#define TUNDRA_COUNTER_ENUM(name, stat, help) name,
  TUNDRA_COUNTERS(TUNDRA_COUNTER_ENUM)
#undef TUNDRA_COUNTER_ENUM
};

inline constexpr std::size_t kCounterCount = 0
#define TUNDRA_COUNTER_ONE(name, stat, help) +1
    TUNDRA_COUNTERS(TUNDRA_COUNTER_ONE)
#undef TUNDRA_COUNTER_ONE
    ;

struct CounterInfo {
  std::string_view name;
  std::string_view help;
};

inline constexpr std::array<CounterInfo, kCounterCount> kCounterInfo{{
#define TUNDRA_COUNTER_INFO(name, stat, help) {stat, help},
    TUNDRA_COUNTERS(TUNDRA_COUNTER_INFO)
#undef TUNDRA_COUNTER_INFO
}};

constexpr std::string_view counter_name(Counter c) {
  return kCounterInfo[static_cast<std::size_t>(c)].name;
}

// One worker's counters. Not synchronised: only the owning worker writes.
struct Counters {
  std::uint64_t received4 = 0;      // IPv4 packets handed to translate()
  std::uint64_t received6 = 0;      // IPv6 packets handed to translate()
  std::uint64_t icmp_sent4 = 0;     // ICMPv4 errors the translator originated
  std::uint64_t icmp_sent6 = 0;     // ICMPv6 errors the translator originated
  // With offloads (tun/offload.h): GSO super-packets read, those translated in one step,
  // and those cut into segments first (each segment then counts as a packet above).
  std::uint64_t gso_received = 0;
  std::uint64_t gso_translated = 0;
  std::uint64_t gso_segmented = 0;
  // Coalescing (tun/coalesce.h): UDP datagrams written inside UDP_L4 super-packets, and
  // those super-packets.
  std::uint64_t gso_coalesced = 0;
  std::uint64_t gso_built = 0;
  // Writes to the TUN that failed (the kernel refused them, or the queue was full): what
  // each carried, a packet or a super-packet, was translated and then lost.
  std::uint64_t write_errors = 0;
  std::array<std::uint64_t, kCounterCount> by_reason{};

  void count(Counter c) noexcept { ++by_reason[static_cast<std::size_t>(c)]; }
  std::uint64_t operator[](Counter c) const noexcept { return by_reason[static_cast<std::size_t>(c)]; }
  Counters& operator+=(const Counters& o) noexcept {
    received4 += o.received4;
    received6 += o.received6;
    icmp_sent4 += o.icmp_sent4;
    icmp_sent6 += o.icmp_sent6;
    gso_received += o.gso_received;
    gso_translated += o.gso_translated;
    gso_segmented += o.gso_segmented;
    gso_coalesced += o.gso_coalesced;
    gso_built += o.gso_built;
    write_errors += o.write_errors;
    for (std::size_t i = 0; i < kCounterCount; ++i) by_reason[i] += o.by_reason[i];
    return *this;
  }
};

}  // namespace tundra
