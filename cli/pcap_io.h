// Capture files for `tundra replay` and the fixture tests: reads classic pcap (either byte
// order, microsecond or nanosecond timestamps) and pcapng; writes classic pcap with link
// type raw IP (LINKTYPE_RAW, 101).
//
// Readers hand out IP packets only: link-layer headers of the supported link types (raw IP
// 101 and 12/14, IPv4 228, IPv6 229, Ethernet 1 with up to two VLAN tags, Linux cooked
// SLL 113 and SLL2 276, BSD loopback 0) are stripped; frames that carry neither IPv4 nor IPv6
// are skipped and counted. Written in-tree (no libpcap) so the static daemon links nothing
// extra; see docs/architecture.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <vector>

namespace tundra {

struct CapturedPacket {
  std::int64_t ts_sec = 0;   // Unix seconds
  std::uint32_t ts_nsec = 0; // nanoseconds within the second
  std::vector<std::byte> ip; // the IPv4 or IPv6 packet, link-layer header removed
};

struct CaptureReadResult {
  std::vector<CapturedPacket> packets;
  std::size_t skipped_non_ip = 0;  // frames of a supported link type carrying neither IP
};

// Reads a whole pcap or pcapng file. On failure returns false and sets `*error` to one
// line naming the file, where, and what is wrong, e.g.
//   "in.pcap: packet 7 (byte offset 1234): truncated record: 98 bytes announced, 40 left in the file"
//   "in.pcapng: block at byte offset 96: invalid block length 10"
// Packets are numbered from 1, counting every packet record, skipped ones included.
// Raw-IP frames (101, 12, 14, 228, 229) are handed over byte for byte; for framed link
// types the IP packet is cut to the length its header declares (Ethernet pads to 60 bytes).
bool read_capture(const std::string& path, CaptureReadResult* out, std::string* error);

// The same, for a capture already in memory; `name` stands for the file in error messages.
// Used by tests and fuzz targets.
bool parse_capture(std::span<const std::byte> data, const std::string& name, CaptureReadResult* out,
                   std::string* error);

// LINKTYPE_RAW: the link type PcapWriter writes.
inline constexpr std::uint32_t kLinktypeRaw = 101;
// The snapshot length PcapWriter declares, bytes (holds any IP packet, kMaxPacket included).
inline constexpr std::uint32_t kPcapWriterSnaplen = 262144;

// Writes classic pcap, link type raw IP, microsecond timestamps.
// The file is always written little-endian, whatever the host, so fixtures are
// byte-identical everywhere. Not copyable (it owns the FILE).
class PcapWriter {
 public:
  PcapWriter() = default;
  PcapWriter(const PcapWriter&) = delete;
  PcapWriter& operator=(const PcapWriter&) = delete;

  // Opens (truncates) `path`; on failure returns false with `*error` set.
  bool open(const std::string& path, std::string* error);
  // Appends one record; nanoseconds are truncated to microseconds. Returns false when the
  // file is not open, the timestamp does not fit classic pcap (0..2^32-1 seconds), the
  // packet exceeds the snapshot length, or the write fails; close() then reports why.
  bool write(const std::byte* data, std::size_t length, std::int64_t ts_sec, std::uint32_t ts_nsec);
  // Flushes and closes; reports the first failure of open/write/close as one line.
  bool close(std::string* error);
  ~PcapWriter();

 private:
  bool fail(std::string message);

  std::FILE* file_ = nullptr;
  std::string path_;
  std::string error_;  // the first failure since open(), reported by close()
};

}  // namespace tundra
