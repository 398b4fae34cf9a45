// Offloads: translating what a TUN opened with IFF_VNET_HDR and TUNSETOFFLOAD(TUN_F_CSUM |
// TUN_F_TSO4 | TUN_F_TSO6 [| TUN_F_USO4 | TUN_F_USO6]) hands over, where every read and
// write is a struct virtio_net_hdr followed by one IP packet, which may be a GSO super-packet
// of up to 64 KiB that the kernel cuts into segments after we write it back.
//
// Pure: no syscalls; what is to be written goes to a PacketSink. The worker loop
// (tun/data_plane.cpp) reads, calls translate_offloaded(), and writes.
//
// Three cases, by what was read (docs/offloads.md tells why):
// 1. No GSO. With NEEDS_CSUM (CHECKSUM_PARTIAL: the checksum field holds only the
//    pseudo-header sum) the checksum is completed here first; then the packet is translated
//    as in plain mode and written with an empty header.
// 2. A TCP (or UDP, with USO) super-packet that one translated super-packet can express:
//    IPv6 with the transport header straight after the fixed header, or IPv4 without
//    options or fragmentation and with DF; an IPv4 result of at most 65535 bytes. It is
//    translated in one step, in place: Translator::translate() with the segment size (so
//    that MTU and DF are decided per segment), then a new header: gso_type TCPV6 <-> TCPV4
//    (the ECN bit kept; UDP_L4 is the same for both), csum_start at the new transport
//    offset, hdr_len recomputed from the packet (never the kernel's hint), gso_size as read,
//    and the checksum field reset to the pseudo-header seed of the new addresses over the
//    whole transport length, which is what the kernel completes per segment.
// 3. Any other super-packet (IPv6 extension headers, IPv4 options, IPv4 without DF, too
//    long for one IPv4 packet, no NEEDS_CSUM) is cut into segments here, each with a full
//    checksum, exactly as the kernel would cut it (RFC 793 sequence numbers, FIN/PSH only on
//    the last segment, CWR only on the first, IPv4 IDs counting up), and each segment is
//    translated as in plain mode, so fragmentation and ICMP errors follow RFC 7915.
//
// A header the kernel would not produce (an unknown gso_type, gso_type for the other IP
// version, csum_start/csum_offset outside the packet, gso_size 0) drops the packet under
// drop_bad_offload. ICMP errors and echo replies the translator answers with are written
// with an empty header.
//
// Never set on writes: DATA_VALID, which would tell the kernel (and, through veth, the
// receiver) to trust a checksum it has not verified.
#pragma once

#include <cstddef>
#include <cstdint>

#include "translator/translator.h"

namespace tundra {

// struct virtio_net_hdr (<linux/virtio_net.h>), in host byte order (the TUN default on
// little-endian hosts; big-endian hosts would need TUNSETVNETLE).
struct VirtioNetHeader {
  std::uint8_t flags = 0;
  std::uint8_t gso_type = 0;
  std::uint16_t hdr_len = 0;
  std::uint16_t gso_size = 0;
  std::uint16_t csum_start = 0;
  std::uint16_t csum_offset = 0;
};
inline constexpr std::size_t kVirtioNetHeaderSize = 10;

namespace virtio {
inline constexpr std::uint8_t kNeedsCsum = 1, kDataValid = 2;
inline constexpr std::uint8_t kGsoNone = 0, kGsoTcpV4 = 1, kGsoUdp = 3, kGsoTcpV6 = 4, kGsoUdpL4 = 5,
                              kGsoEcn = 0x80;
}  // namespace virtio

VirtioNetHeader load_virtio_header(ConstBytes b) noexcept;  // b: at least kVirtioNetHeaderSize
void store_virtio_header(Bytes b, const VirtioNetHeader& h) noexcept;

// The pseudo-header sum (RFC 768, RFC 8200 §8.1) of an IPv4 or IPv6 packet `ip` whose
// addresses are at their fixed offsets, over `l4_length` bytes of `protocol`.
std::uint32_t pseudo_header_sum(ConstBytes ip, bool ip6, std::uint8_t protocol, std::size_t l4_length) noexcept;

// Where translate_offloaded() sends each packet to write, in order.
class PacketSink {
 public:
  // False when the packet could not be written (and was counted as such), true when it was
  // written or taken to be written later.
  virtual bool write(const VirtioNetHeader& header, ConstBytes packet) noexcept = 0;

 protected:
  ~PacketSink() = default;
};

// Translates one read: `header` as read, `packet` the IP packet after it (with kHeadroom
// free in front, like every PacketBuffer). `segment_storage`: caller-owned room for one
// segment (at least kHeadroom + kMaxPacket bytes), used only in case 3. Counts into
// `counters` (per packet translated, plus gso_received / gso_translated / gso_segmented).
// Returns the outcome of the super-packet or packet; for a cut super-packet, the last
// segment's.
Result translate_offloaded(Translator& translator, const VirtioNetHeader& header, PacketBuffer& packet,
                           UnixSeconds now, Scratch& scratch, Bytes segment_storage, Output& out,
                           Counters& counters, PacketSink& sink) noexcept;

}  // namespace tundra
