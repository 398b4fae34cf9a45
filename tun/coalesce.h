// Coalescing: the write side of GRO, in userspace. Consecutive translated UDP datagrams of
// one flow, written in one batch, leave as one UDP_L4 (USO) super-packet that the kernel
// forwards once and cuts back into the same datagrams at the last moment (at the egress
// device, or at the receiving socket). One write() and one trip through routing, netfilter
// and the egress device then carry up to 64 datagrams instead of one: the TUN write path is
// where a translator's CPU goes (docs/performance.md).
//
// Pure: no syscalls. A UdpCoalescer is a PacketSink placed in front of the one that writes;
// the worker calls flush() at the end of every batch, so nothing waits for a later read.
//
// What may join the pending super-packet (docs/offloads.md, "Coalescing"):
// - a plain write (no GSO, no NEEDS_CSUM) of a UDP datagram whose checksum verifies: the
//   kernel recomputes every segment's checksum, so a datagram that arrived corrupted must
//   never be merged (it is written alone, still failing its checksum, as without coalescing);
// - IPv4 without options or fragmentation, with a non-zero checksum, and an Identification
//   one more than the previous datagram's (the kernel numbers the segments it cuts that
//   way); or IPv6 with UDP straight after the fixed header;
// - the same addresses, ports, TOS/traffic class, flow label, TTL/hop limit and DF as the
//   first datagram; a payload of the first datagram's size (the segment size), or shorter,
//   which ends the super-packet as the kernel's last segment, but only where a router that
//   refuses the full-size segments as too big cannot take it along: IPv4 without DF, or IPv6
//   whose full-size datagrams fit 1280 bytes;
// - at most 64 segments (the kernel's UDP_MAX_SEGMENTS) and 65535 bytes of UDP.
// Anything else flushes what is pending first, so packets leave in exactly the order they
// were translated. A single datagram is written as it was, with an empty header.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "tun/offload.h"

namespace tundra {

class UdpCoalescer final : public PacketSink {
 public:
  // `next` writes; `counters` gets gso_coalesced (datagrams that left inside a super-packet)
  // and gso_built (super-packets written), for writes that `next` says worked.
  UdpCoalescer(PacketSink& next, Counters& counters);

  // Takes a datagram into the pending super-packet (true), or writes what it cannot join
  // (what `next` says).
  bool write(const VirtioNetHeader& header, ConstBytes packet) noexcept override;
  // Writes what is pending. Call at the end of every batch.
  void flush() noexcept;

  static constexpr std::size_t kMaxSegments = 64;

 private:
  bool joins(ConstBytes packet, std::size_t l4_offset, std::size_t payload) const noexcept;
  void start(ConstBytes packet, std::size_t l4_offset, std::size_t payload) noexcept;

  PacketSink& next_;
  Counters& counters_;
  std::vector<std::byte> pending_;  // the super-packet so far: the first datagram's headers, then payloads
  std::size_t length_ = 0;          // bytes of pending_ in use; 0: nothing pending
  std::size_t l4_offset_ = 0;       // 20 or 40
  std::size_t segment_size_ = 0;    // the first datagram's payload size
  std::size_t segments_ = 0;
  bool closed_ = false;             // a shorter datagram was the last one
};

}  // namespace tundra
