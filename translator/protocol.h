// Protocol numbers, header offsets, ICMP types and codes with their IANA names.
// Internal to translator/.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tundra::proto {

// IP protocol / IPv6 next-header numbers (IANA "Assigned Internet Protocol Numbers").
enum Ip : std::uint8_t {
  kHopByHop = 0,
  kIcmp = 1,
  kIgmp = 2,
  kTcp = 6,
  kUdp = 17,
  kRouting = 43,
  kFragment = 44,
  kIcmpv6 = 58,
  kNoNext = 59,
  kDestinationOptions = 60,
};

// IPv4 header (RFC 791 §3.1): byte offsets.
inline constexpr std::size_t kIp4MinHeader = 20;
inline constexpr std::size_t kIp4VersionIhl = 0, kIp4Tos = 1, kIp4TotalLength = 2, kIp4Id = 4,
                             kIp4FlagsFragment = 6, kIp4Ttl = 8, kIp4Protocol = 9,
                             kIp4Checksum = 10, kIp4Src = 12, kIp4Dst = 16;
inline constexpr std::uint16_t kIp4FlagDf = 0x4000, kIp4FlagMf = 0x2000, kIp4OffsetMask = 0x1fff;
// IPv4 options (RFC 791): end of list, no-op, loose and strict source route.
inline constexpr std::uint8_t kOptEnd = 0, kOptNop = 1, kOptLsrr = 131, kOptSsrr = 137;

// IPv6 header (RFC 8200 §3) and Fragment header (RFC 8200 §4.5): byte offsets.
inline constexpr std::size_t kIp6Header = 40;
inline constexpr std::size_t kIp6MinMtu = 1280;  // every IPv6 link carries this much (RFC 8200 §5)
inline constexpr std::size_t kIp6PayloadLength = 4, kIp6NextHeader = 6, kIp6HopLimit = 7,
                             kIp6Src = 8, kIp6Dst = 24;
inline constexpr std::size_t kFragmentHeader = 8;
inline constexpr std::size_t kFragNextHeader = 0, kFragOffsetFlags = 2, kFragId = 4;
inline constexpr std::uint16_t kFragOffsetMask = 0xfff8, kFragMore = 0x0001;
inline constexpr std::size_t kRoutingSegmentsLeft = 3;

// Transport headers: checksum offsets.
inline constexpr std::size_t kTcpChecksum = 16, kUdpChecksum = 6, kUdpHeader = 8;
inline constexpr std::size_t kTcpSequence = 4, kTcpDataOffset = 12, kTcpFlags = 13, kUdpLength = 4;
inline constexpr std::size_t kIcmpHeader = 8;  // type, code, checksum, 4 bytes of "rest"
inline constexpr std::size_t kIcmpType = 0, kIcmpCode = 1, kIcmpChecksum = 2, kIcmpRest = 4;

// ICMPv4 types (RFC 792 and successors).
enum class Icmp4Type : std::uint8_t {
  kEchoReply = 0,
  kDestinationUnreachable = 3,
  kSourceQuench = 4,
  kRedirect = 5,
  kEchoRequest = 8,
  kTimeExceeded = 11,
  kParameterProblem = 12,
};
// ICMPv4 Destination Unreachable codes (RFC 792, RFC 1122, RFC 1812).
enum class Icmp4Unreachable : std::uint8_t {
  kNet = 0,
  kHost = 1,
  kProtocol = 2,
  kPort = 3,
  kFragmentationNeeded = 4,
  kSourceRouteFailed = 5,
  kNetUnknown = 6,
  kHostUnknown = 7,
  kSourceHostIsolated = 8,
  kNetProhibited = 9,
  kHostProhibited = 10,
  kNetTos = 11,
  kHostTos = 12,
  kAdminProhibited = 13,
  kHostPrecedenceViolation = 14,
  kPrecedenceCutoff = 15,
};

// ICMPv6 types (RFC 4443).
enum class Icmp6Type : std::uint8_t {
  kDestinationUnreachable = 1,
  kPacketTooBig = 2,
  kTimeExceeded = 3,
  kParameterProblem = 4,
  kEchoRequest = 128,
  kEchoReply = 129,
};
enum class Icmp6Unreachable : std::uint8_t {
  kNoRoute = 0,
  kAdminProhibited = 1,
  kBeyondScope = 2,
  kAddressUnreachable = 3,
  kPortUnreachable = 4,
  kSourcePolicyFailed = 5,
};
enum class Icmp6ParameterProblem : std::uint8_t {
  kErroneousHeaderField = 0,
  kUnrecognizedNextHeader = 1,
  kUnrecognizedOption = 2,
};

constexpr bool is_icmp4_error(std::uint8_t type) {
  return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}
constexpr bool is_icmp6_error(std::uint8_t type) { return type < 128; }

}  // namespace tundra::proto
