// Test-only packet builders and checkers. Builders compute checksums with a plain
// byte-by-byte sum written here, independent of translator/checksum.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "translator/address.h"

namespace tundra::test {

using Packet = std::vector<std::byte>;

Ipv4Address v4(const char* text);
Ipv6Address v6(const char* text);

// Plain RFC 1071 sum over bytes, for building and checking.
std::uint16_t reference_checksum(const std::vector<std::byte>& data, std::uint32_t initial = 0);

struct Ip4Options {
  std::uint8_t tos = 0;
  std::uint8_t ttl = 64;
  std::uint16_t id = 0x1234;
  bool df = false;
  bool mf = false;
  std::uint16_t fragment_offset = 0;  // 8-byte units
  std::vector<std::byte> options;     // IPv4 options, padded by the caller to 4 bytes
};
struct Ip6Options {
  std::uint8_t traffic_class = 0;
  std::uint8_t hop_limit = 64;
  std::uint32_t flow_label = 0;
};

// Transport payloads with valid checksums for the given addresses.
Packet udp4(Ipv4Address src, Ipv4Address dst, std::uint16_t sport, std::uint16_t dport, const Packet& data,
            bool zero_checksum = false);
Packet udp6(const Ipv6Address& src, const Ipv6Address& dst, std::uint16_t sport, std::uint16_t dport,
            const Packet& data);
Packet tcp4(Ipv4Address src, Ipv4Address dst, const Packet& data);
Packet tcp6(const Ipv6Address& src, const Ipv6Address& dst, const Packet& data);
Packet icmp4_echo(std::uint8_t type, std::uint16_t id, std::uint16_t seq, const Packet& data);
Packet icmp6_echo(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t type, std::uint16_t id,
                  std::uint16_t seq, const Packet& data);

Packet ip4(Ipv4Address src, Ipv4Address dst, std::uint8_t protocol, const Packet& payload, const Ip4Options& o = {});
Packet ip6(const Ipv6Address& src, const Ipv6Address& dst, std::uint8_t next_header, const Packet& payload,
           const Ip6Options& o = {});

Packet bytes_of(const std::string& text);
Packet filler(std::size_t length, std::uint8_t seed = 1);

// Makes the outer IPv4 total length and header checksum, or the IPv6 payload length, agree
// with `length`, as a well-behaved sender would (fuzzers: so mutations reach past header
// validation). Leaves an IPv4 header whose IHL does not fit alone.
void repair_outer_header(std::byte* p, std::size_t length);

// Checks that an emitted packet is self-consistent: IPv4 header checksum and total length,
// IPv6 payload length, and (for unfragmented TCP, UDP, ICMP, ICMPv6) the transport
// checksum (unless `transport` is false). Returns an empty string when valid, else what is wrong.
std::string check_packet(const std::byte* data, std::size_t length, bool transport = true);

}  // namespace tundra::test
