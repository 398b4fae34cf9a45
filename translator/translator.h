// The face of the translation engine: RFC 7915 IP/ICMP translation (§4 IPv4→IPv6, §5
// IPv6→IPv4), RFC 6052 addressing, RFC 7757 EAM and hairpinning, and the dynamic pool.
//
// Pure: no syscalls, threads, locks, logging or exceptions, and no heap allocation in
// translate(). Bytes in, bytes out, a verdict and a reason.
//
// Buffers. The caller owns a PacketBuffer: storage with at least kHeadroom bytes free in
// front of the packet, so that IPv4→IPv6 growth (+20 bytes, +28 with a Fragment Header,
// +40/+48 for ICMP errors whose inner header grows too) is written in place and the
// payload is never copied. The caller also owns a Scratch (per worker) where packets
// that cannot be built in place are written: IPv6 fragments, ICMP errors the translator
// originates, echo replies. Output spans point into the PacketBuffer or the Scratch and
// stay valid until the next translate() call with either.
//
// Thread safety: a Translator is immutable after create() except for its dynamic pool,
// whose own contract (translator/dynamic_pool.h) allows concurrent readers and serialised
// writers; so translate() may run on several threads at once, each with its own Scratch,
// Output and Counters. A reload builds a new Translator that shares the old one's pool
// (create()'s `pool` argument) so bindings survive.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "translator/bytes.h"
#include "translator/config.h"
#include "translator/counters.h"
#include "translator/dynamic_pool.h"
#include "translator/eam.h"

namespace tundra {

// Bytes the caller leaves free in front of every packet it hands to translate().
inline constexpr std::size_t kHeadroom = 128;
// The largest IP packet (IPv4 total length and IPv6 40 + payload length both fit).
inline constexpr std::size_t kMaxPacket = 65535 + 40;
// Most packets one translate() call emits: 65535 bytes cut into 1232-byte IPv6 fragments.
inline constexpr std::size_t kMaxOutputs = 64;

// A packet in caller-owned storage: bytes [offset, offset + length) of `storage`.
struct PacketBuffer {
  Bytes storage;
  std::size_t offset = kHeadroom;
  std::size_t length = 0;
  Bytes bytes() const noexcept { return storage.subspan(offset, length); }
};

enum class Verdict : std::uint8_t {
  kForward,  // the output holds the translated packet(s): fragments, a hairpinned packet
  kReply,    // the input was consumed; the output holds the translator's own answer
             // (an ICMP error or an echo reply) to be sent back the way it came
  kDrop,     // nothing to send
};

struct [[nodiscard]] Result {
  Verdict verdict;
  Counter reason;  // also counted in Counters
};

struct Output {
  std::array<ConstBytes, kMaxOutputs> packets{};
  std::size_t count = 0;
};

// Per-worker scratch state. Large: allocate once per worker, never on the stack.
struct Scratch {
  std::array<std::byte, kMaxPacket + kMaxOutputs * 48 + 4096> arena{};
  std::uint16_t next_ipv4_id = 1;  // IPv4 Identification for IPv6→IPv4 packets (RFC 7915 §5.1)
  // This worker's ICMP errors in the second `icmp_second` (the icmp-error-rate budget).
  UnixSeconds icmp_second = 0;
  std::uint32_t icmp_errors_in_second = 0;
};

class Translator {
 public:
  // Validates `config` as a whole and builds the lookup tables. On failure returns nothing
  // and sets `*error` to one line naming the offending key.
  // `pool`: an existing pool to keep (on reload) when its options equal what `config` asks
  // for; otherwise a new pool is made and the caller moves bindings over if it wants. A kept
  // pool is not changed here: the caller applies dynamic-new-per-second to it
  // (set_new_per_second) once it commits to the new translator.
  static std::optional<Translator> create(const TranslatorConfig& config, std::string* error,
                                          std::shared_ptr<DynamicPool> pool = nullptr);

  // Translates one packet read from the TUN (IPv4 or IPv6, told apart by the version
  // nibble). `now` is a coarse clock in Unix seconds, taken once per batch.
  //
  // `segment`: 0 for an ordinary packet. For a TCP or UDP super-packet (virtio-net GSO, see
  // tun/offload.h) the transport payload bytes of each segment the kernel will cut it into:
  // the MTU, DF and fragmentation rules (RFC 7915 §4.1, §5.1) then apply to a full-size
  // segment, not to the super-packet. An IPv4 super-packet must carry DF.
  Result translate(PacketBuffer& packet, UnixSeconds now, Scratch& scratch, Output& out,
                   Counters& counters, std::size_t segment = 0) noexcept;

  const TranslatorConfig& config() const { return config_; }
  const EamTable& eam() const { return eam_; }
  DynamicPool* pool() { return pool_.get(); }
  const DynamicPool* pool() const { return pool_.get(); }
  const std::shared_ptr<DynamicPool>& shared_pool() const { return pool_; }
  Ipv6Address ipv6_addr() const { return ipv6_addr_; }

 private:
  Translator() = default;
  struct Impl;  // translator/translate_*.cpp, friends of the class
  friend struct Impl;

  TranslatorConfig config_;
  EamTable eam_;
  std::shared_ptr<DynamicPool> pool_;
  Ipv6Address ipv6_addr_;
};

}  // namespace tundra
