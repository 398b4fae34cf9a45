// Capture files: classic pcap and pcapng in, classic pcap (LINKTYPE_RAW) out.
//
// Formats, as specified by the IETF OPSAWG drafts (draft-ietf-opsawg-pcap,
// draft-ietf-opsawg-pcapng) and the tcpdump.org link-type registry. Written from the
// specifications; no libpcap.
//
// Safety: the whole file is read into memory and every field is read through a bounds
// check against the enclosing record or block, so a malformed file can only produce an
// error, never an out-of-bounds read. Each error is one line naming the file and either the
// packet number (1-based, counting every packet record including skipped ones) or the byte
// offset of the offending record or block.
#include "cli/pcap_io.h"

#include <cerrno>
#include <cstring>
#include <optional>
#include <string_view>

namespace tundra {
namespace {

using ConstByteSpan = std::span<const std::byte>;

// Classic pcap.
constexpr std::uint32_t kPcapMagicMicro = 0xa1b2c3d4;  // timestamps in microseconds
constexpr std::uint32_t kPcapMagicNano = 0xa1b23c4d;   // timestamps in nanoseconds
constexpr std::uint32_t kPcapMagicKuznetzov = 0xa1b2cd34;  // "modified" pcap, 24-byte records
constexpr std::size_t kPcapFileHeaderLen = 24;
constexpr std::size_t kPcapRecordHeaderLen = 16;
constexpr std::size_t kPcapOffLinktype = 20;
// LinkType field bits above the 16-bit link type (draft-ietf-opsawg-pcap §4): the F bit says
// the top four bits hold the FCS length in 16-bit words.
constexpr std::uint32_t kPcapFcsPresentBit = 0x04000000;

// pcapng block types and fields.
constexpr std::uint32_t kBlockShb = 0x0a0d0d0a;  // a palindrome: readable before the byte order is known
constexpr std::uint32_t kBlockIdb = 0x00000001;
constexpr std::uint32_t kBlockPb = 0x00000002;   // obsolete Packet Block, still seen in old files
constexpr std::uint32_t kBlockSpb = 0x00000003;
constexpr std::uint32_t kBlockEpb = 0x00000006;
constexpr std::uint32_t kByteOrderMagic = 0x1a2b3c4d;
constexpr std::size_t kBlockOverhead = 12;  // type, total length, trailing total length
constexpr std::size_t kShbFixedLen = 16;    // byte-order magic, versions, section length
constexpr std::size_t kIdbFixedLen = 8;     // link type, reserved, snaplen
constexpr std::size_t kEpbFixedLen = 20;    // interface, timestamp (2 words), caplen, len
constexpr std::size_t kPbFixedLen = 20;     // interface (16 bits), drops (16), timestamp, caplen, len
constexpr std::size_t kSpbFixedLen = 4;     // original length
constexpr std::uint16_t kOptEndOfOpt = 0;
constexpr std::uint16_t kOptIfTsresol = 9;
constexpr std::uint16_t kOptIfFcslen = 13;
constexpr std::uint16_t kOptIfTsoffset = 14;

// Records larger than this are taken as corruption rather than allocated (the same bound
// Wireshark applies to most link types).
constexpr std::uint32_t kMaxRecordLen = 256 * 1024;

// Link types (tcpdump.org LINKTYPE_* values).
constexpr std::uint16_t kLinkNull = 0;        // BSD loopback: 4-byte AF in the writer's byte order
constexpr std::uint16_t kLinkEthernet = 1;
constexpr std::uint16_t kLinkRawBsd12 = 12;   // DLT_RAW on most BSDs
constexpr std::uint16_t kLinkRawBsd14 = 14;   // DLT_RAW on OpenBSD
constexpr std::uint16_t kLinkRaw = 101;
constexpr std::uint16_t kLinkLinuxSll = 113;
constexpr std::uint16_t kLinkIpv4 = 228;
constexpr std::uint16_t kLinkIpv6 = 229;
constexpr std::uint16_t kLinkLinuxSll2 = 276;

constexpr std::uint16_t kEthertypeIpv4 = 0x0800;
constexpr std::uint16_t kEthertypeIpv6 = 0x86dd;
constexpr std::uint16_t kEthertypeVlan = 0x8100;     // IEEE 802.1Q
constexpr std::uint16_t kEthertypeQinQ = 0x88a8;     // IEEE 802.1ad
constexpr std::uint16_t kEthertypeQinQOld = 0x9100;  // pre-standard QinQ
constexpr std::size_t kEthernetHeaderLen = 14;
constexpr std::size_t kVlanTagLen = 4;
constexpr std::size_t kMaxVlanTags = 2;
constexpr std::size_t kSllHeaderLen = 16;
constexpr std::size_t kSllOffProtocol = 14;
constexpr std::size_t kSll2HeaderLen = 20;
constexpr std::size_t kSll2OffProtocol = 0;
constexpr std::size_t kNullHeaderLen = 4;
// Address family values BSD loopback headers carry: IPv4 is 2 everywhere; IPv6 differs by
// the capturing OS (Linux 10, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30).
constexpr std::uint32_t kAfInet = 2;
constexpr std::uint32_t kAfInet6Values[] = {10, 24, 28, 30};

constexpr std::size_t kIpv4MinHeader = 20;
constexpr std::size_t kIpv6HeaderLen = 40;

std::uint16_t load16(ConstByteSpan b, std::size_t off, bool big) {
  auto b0 = static_cast<unsigned>(b[off]);
  auto b1 = static_cast<unsigned>(b[off + 1]);
  return static_cast<std::uint16_t>(big ? (b0 << 8 | b1) : (b1 << 8 | b0));
}
std::uint32_t load32(ConstByteSpan b, std::size_t off, bool big) {
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    auto byte = static_cast<std::uint32_t>(b[off + (big ? i : 3 - i)]);
    v = v << 8 | byte;
  }
  return v;
}
std::uint64_t load64(ConstByteSpan b, std::size_t off, bool big) {
  std::uint64_t hi = load32(b, off + (big ? 0 : 4), big);
  std::uint64_t lo = load32(b, off + (big ? 4 : 0), big);
  return hi << 32 | lo;
}

std::string hex32(std::uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

bool is_supported_linktype(std::uint16_t lt) {
  switch (lt) {
    case kLinkNull: case kLinkEthernet: case kLinkRawBsd12: case kLinkRawBsd14: case kLinkRaw:
    case kLinkLinuxSll: case kLinkIpv4: case kLinkIpv6: case kLinkLinuxSll2:
      return true;
    default:
      return false;
  }
}

// Cuts link-layer padding (Ethernet pads frames to 60 bytes) off an IP packet so that it
// looks as it would when read from a TUN. Only the length the IP header declares is kept;
// a packet shorter than its header claims is left alone for the translator to judge.
ConstByteSpan trim_to_ip_length(ConstByteSpan ip) {
  if (ip.empty()) return ip;
  unsigned version = static_cast<unsigned>(ip[0]) >> 4;
  std::size_t declared = 0;
  if (version == 4 && ip.size() >= kIpv4MinHeader) {
    declared = load16(ip, 2, true);
    if (declared < kIpv4MinHeader) return ip;
  } else if (version == 6 && ip.size() >= kIpv6HeaderLen) {
    std::size_t payload = load16(ip, 4, true);
    if (payload == 0) return ip;  // a jumbogram (RFC 2675) or garbage: leave it
    declared = kIpv6HeaderLen + payload;
  } else {
    return ip;
  }
  return declared < ip.size() ? ip.first(declared) : ip;
}

std::optional<ConstByteSpan> by_ethertype(std::uint16_t ethertype, ConstByteSpan payload) {
  if (ethertype != kEthertypeIpv4 && ethertype != kEthertypeIpv6) return std::nullopt;
  return trim_to_ip_length(payload);
}

// The IP packet inside one frame of link type `lt`, or nothing when the frame carries
// neither IPv4 nor IPv6 (including runt frames too short for their link header).
// `fcs_len` bytes of frame check sequence, when the capture says there are some, are
// removed from the end first.
std::optional<ConstByteSpan> extract_ip(std::uint16_t lt, ConstByteSpan frame, std::size_t fcs_len) {
  switch (lt) {
    case kLinkRaw:
    case kLinkRawBsd12:
    case kLinkRawBsd14:
    case kLinkIpv4:
    case kLinkIpv6: {
      // Bytes are handed over exactly as captured (no trimming): raw-IP fixtures may carry
      // deliberate trailing bytes for the translator to judge.
      if (frame.empty()) return std::nullopt;
      unsigned version = static_cast<unsigned>(frame[0]) >> 4;
      if (version != 4 && version != 6) return std::nullopt;
      return frame;
    }
    case kLinkEthernet: {
      if (fcs_len <= frame.size()) frame = frame.first(frame.size() - fcs_len);
      if (frame.size() < kEthernetHeaderLen) return std::nullopt;
      std::size_t off = kEthernetHeaderLen - 2;
      std::uint16_t ethertype = load16(frame, off, true);
      for (std::size_t tags = 0; ethertype == kEthertypeVlan || ethertype == kEthertypeQinQ ||
                                 ethertype == kEthertypeQinQOld;
           ++tags) {
        if (tags == kMaxVlanTags) return std::nullopt;
        off += kVlanTagLen;
        if (frame.size() < off + 2) return std::nullopt;
        ethertype = load16(frame, off, true);
      }
      return by_ethertype(ethertype, frame.subspan(off + 2));
    }
    case kLinkLinuxSll:
      if (frame.size() < kSllHeaderLen) return std::nullopt;
      return by_ethertype(load16(frame, kSllOffProtocol, true), frame.subspan(kSllHeaderLen));
    case kLinkLinuxSll2:
      if (frame.size() < kSll2HeaderLen) return std::nullopt;
      return by_ethertype(load16(frame, kSll2OffProtocol, true), frame.subspan(kSll2HeaderLen));
    case kLinkNull: {
      if (frame.size() < kNullHeaderLen) return std::nullopt;
      // The family is in the capturing host's byte order; a value too large for a family in
      // little-endian reading was written big-endian.
      std::uint32_t af = load32(frame, 0, false);
      if (af > 0xffff) af = load32(frame, 0, true);
      auto payload = frame.subspan(kNullHeaderLen);
      if (af == kAfInet) return trim_to_ip_length(payload);
      for (std::uint32_t v6 : kAfInet6Values) {
        if (af == v6) return trim_to_ip_length(payload);
      }
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

class Reader {
 public:
  Reader(ConstByteSpan data, const std::string& name, CaptureReadResult* out, std::string* error)
      : data_(data), name_(name), out_(out), error_(error) {}

  bool run() {
    out_->packets.clear();
    out_->skipped_non_ip = 0;
    if (data_.size() < 4) {
      return fail(data_.empty() ? "empty file, not a capture"
                                : "byte offset 0: file too short for a capture header");
    }
    std::uint32_t magic_le = load32(data_, 0, false);
    std::uint32_t magic_be = load32(data_, 0, true);
    if (magic_le == kBlockShb) return run_pcapng();
    for (bool big : {false, true}) {
      std::uint32_t m = big ? magic_be : magic_le;
      if (m == kPcapMagicMicro || m == kPcapMagicNano) return run_pcap(big, m == kPcapMagicNano);
      if (m == kPcapMagicKuznetzov) {
        return fail("byte offset 0: \"modified\" (Kuznetzov) pcap is not supported; convert it with editcap");
      }
    }
    return fail("byte offset 0: not a pcap or pcapng file (magic " + hex32(magic_be) + ")");
  }

 private:
  struct Interface {
    std::uint16_t linktype = 0;
    std::uint32_t snaplen = 0;
    std::uint64_t units_per_second = 1000000;  // if_tsresol; microseconds by default
    std::int64_t ts_offset = 0;                 // if_tsoffset, seconds
    std::size_t fcs_len = 0;                    // if_fcslen, bytes
  };

  bool fail(const std::string& what) {
    *error_ = name_ + ": " + what;
    return false;
  }
  bool fail_packet(std::size_t offset, const std::string& what) {
    return fail("packet " + std::to_string(packet_no_) + " (byte offset " + std::to_string(offset) +
                "): " + what);
  }
  bool fail_block(std::size_t offset, const std::string& what) {
    return fail("block at byte offset " + std::to_string(offset) + ": " + what);
  }

  // Hands one frame to the result. `offset` locates the record for error messages.
  bool emit(const Interface& itf, ConstByteSpan frame, std::int64_t sec, std::uint32_t nsec,
            std::size_t offset) {
    if (!is_supported_linktype(itf.linktype)) {
      return fail_packet(offset, "link type " + std::to_string(itf.linktype) +
                                     " is not supported (raw IP, Ethernet, Linux SLL/SLL2, BSD loopback are)");
    }
    auto ip = extract_ip(itf.linktype, frame, itf.fcs_len);
    if (!ip) {
      ++out_->skipped_non_ip;
      return true;
    }
    CapturedPacket p;
    p.ts_sec = sec;
    p.ts_nsec = nsec;
    p.ip.assign(ip->begin(), ip->end());
    out_->packets.push_back(std::move(p));
    return true;
  }

  // Classic pcap (draft-ietf-opsawg-pcap): a 24-byte file header, then records of a
  // 16-byte header and the captured bytes.
  bool run_pcap(bool big, bool nano) {
    if (data_.size() < kPcapFileHeaderLen) {
      return fail("byte offset 0: truncated pcap file header (" + std::to_string(data_.size()) +
                  " of 24 bytes)");
    }
    std::uint16_t major = load16(data_, 4, big);
    if (major != 2) return fail("byte offset 4: unsupported pcap version " + std::to_string(major));
    std::uint32_t lt_field = load32(data_, kPcapOffLinktype, big);
    Interface itf;
    itf.linktype = static_cast<std::uint16_t>(lt_field & 0xffff);
    if (lt_field & kPcapFcsPresentBit) itf.fcs_len = std::size_t{(lt_field >> 28) & 0xf} * 2;
    const std::uint32_t frac_limit = nano ? 1000000000u : 1000000u;

    std::size_t off = kPcapFileHeaderLen;
    while (off < data_.size()) {
      ++packet_no_;
      if (data_.size() - off < kPcapRecordHeaderLen) {
        return fail_packet(off, "truncated record header (" + std::to_string(data_.size() - off) +
                                    " of 16 bytes)");
      }
      std::uint32_t sec = load32(data_, off, big);
      std::uint32_t frac = load32(data_, off + 4, big);
      std::uint32_t caplen = load32(data_, off + 8, big);
      if (frac >= frac_limit) {
        return fail_packet(off, std::string("timestamp fraction ") + std::to_string(frac) +
                                    (nano ? " ns" : " us") + " is not below one second");
      }
      if (caplen > kMaxRecordLen) {
        return fail_packet(off, "captured length " + std::to_string(caplen) + " exceeds " +
                                    std::to_string(kMaxRecordLen) + " bytes");
      }
      std::size_t body = off + kPcapRecordHeaderLen;
      if (data_.size() - body < caplen) {
        return fail_packet(off, "truncated record: " + std::to_string(caplen) + " bytes announced, " +
                                    std::to_string(data_.size() - body) + " left in the file");
      }
      std::uint32_t nsec = nano ? frac : frac * 1000u;
      if (!emit(itf, data_.subspan(body, caplen), sec, nsec, off)) return false;
      off = body + caplen;
    }
    return true;
  }

  // Parses an IDB's options into `itf`. `opts` is the block body after the fixed part.
  bool parse_idb_options(ConstByteSpan opts, std::size_t block_off, Interface* itf) {
    std::size_t pos = 0;
    while (opts.size() - pos >= 4) {
      std::uint16_t code = load16(opts, pos, big_);
      std::uint16_t len = load16(opts, pos + 2, big_);
      pos += 4;
      if (code == kOptEndOfOpt) break;
      std::size_t padded = (std::size_t{len} + 3) & ~std::size_t{3};
      if (opts.size() - pos < padded) {
        return fail_block(block_off, "interface option " + std::to_string(code) + " runs past the block");
      }
      auto value = opts.subspan(pos, len);
      if (code == kOptIfTsresol && len >= 1) {
        auto v = static_cast<unsigned>(value[0]);
        unsigned exponent = v & 0x7f;
        if (v & 0x80) {
          if (exponent > 63) return fail_block(block_off, "if_tsresol 2^-" + std::to_string(exponent) + " is not supported");
          itf->units_per_second = std::uint64_t{1} << exponent;
        } else {
          if (exponent > 19) return fail_block(block_off, "if_tsresol 10^-" + std::to_string(exponent) + " is not supported");
          std::uint64_t u = 1;
          for (unsigned i = 0; i < exponent; ++i) u *= 10;
          itf->units_per_second = u;
        }
      } else if (code == kOptIfTsoffset && len >= 8) {
        itf->ts_offset = static_cast<std::int64_t>(load64(value, 0, big_));
      } else if (code == kOptIfFcslen && len >= 1) {
        itf->fcs_len = static_cast<std::size_t>(value[0]);
      }
      pos += padded;
    }
    return true;
  }

  // Splits a pcapng timestamp (units since 1970 at the interface's resolution) into
  // seconds and nanoseconds.
  static void split_timestamp(const Interface& itf, std::uint64_t ticks, std::int64_t* sec,
                              std::uint32_t* nsec) {
    __extension__ using U128 = unsigned __int128;
    std::uint64_t whole = ticks / itf.units_per_second;
    std::uint64_t frac = ticks % itf.units_per_second;
    *sec = static_cast<std::int64_t>(whole) + itf.ts_offset;
    *nsec = static_cast<std::uint32_t>(static_cast<U128>(frac) * 1000000000u / itf.units_per_second);
  }

  // pcapng (draft-ietf-opsawg-pcapng): a sequence of sections, each a Section Header Block
  // (which fixes the byte order) followed by blocks; interface ids are per section.
  bool run_pcapng() {
    std::size_t off = 0;
    while (off < data_.size()) {
      std::size_t left = data_.size() - off;
      if (left < kBlockOverhead) {
        return fail_block(off, "truncated block header (" + std::to_string(left) + " bytes left)");
      }
      std::uint32_t type_le = load32(data_, off, false);
      if (type_le == kBlockShb) {
        std::uint32_t bom_le = load32(data_, off + 8, false);
        if (bom_le == kByteOrderMagic) {
          big_ = false;
        } else if (load32(data_, off + 8, true) == kByteOrderMagic) {
          big_ = true;
        } else {
          return fail_block(off, "section header with a bad byte-order magic " + hex32(bom_le));
        }
        in_section_ = true;
        interfaces_.clear();
      } else if (!in_section_) {
        return fail_block(off, "pcapng file does not start with a section header block");
      }
      std::uint32_t type = load32(data_, off, big_);
      std::uint32_t total = load32(data_, off + 4, big_);
      if (total < kBlockOverhead || total % 4 != 0) {
        return fail_block(off, "invalid block length " + std::to_string(total));
      }
      if (total > left) {
        return fail_block(off, "truncated block: " + std::to_string(total) + " bytes announced, " +
                                   std::to_string(left) + " left in the file");
      }
      if (load32(data_, off + total - 4, big_) != total) {
        return fail_block(off, "trailing block length does not match the leading one");
      }
      auto body = data_.subspan(off + 8, total - kBlockOverhead);
      bool ok = true;
      switch (type) {
        case kBlockShb: ok = on_shb(body, off); break;
        case kBlockIdb: ok = on_idb(body, off); break;
        case kBlockEpb: ok = on_epb(body, off); break;
        case kBlockPb: ok = on_pb(body, off); break;
        case kBlockSpb: ok = on_spb(body, off); break;
        default: break;  // name resolution, statistics, custom blocks...: not needed
      }
      if (!ok) return false;
      off += total;
    }
    return true;
  }

  bool on_shb(ConstByteSpan body, std::size_t off) {
    if (body.size() < kShbFixedLen) return fail_block(off, "section header block too short");
    std::uint16_t major = load16(body, 4, big_);
    if (major != 1) return fail_block(off, "unsupported pcapng version " + std::to_string(major));
    return true;
  }

  bool on_idb(ConstByteSpan body, std::size_t off) {
    if (body.size() < kIdbFixedLen) return fail_block(off, "interface description block too short");
    Interface itf;
    itf.linktype = load16(body, 0, big_);
    itf.snaplen = load32(body, 4, big_);
    if (!parse_idb_options(body.subspan(kIdbFixedLen), off, &itf)) return false;
    interfaces_.push_back(itf);
    return true;
  }

  const Interface* interface_for(std::uint32_t id, std::size_t off) {
    if (id >= interfaces_.size()) {
      fail_packet(off, "interface " + std::to_string(id) + " was not described (" +
                           std::to_string(interfaces_.size()) + " in this section)");
      return nullptr;
    }
    return &interfaces_[id];
  }

  // Shared tail of EPB and PB: the captured bytes follow the fixed part.
  bool packet_with_timestamp(ConstByteSpan body, std::size_t off, std::uint32_t if_id,
                             std::size_t fixed_len) {
    const Interface* itf = interface_for(if_id, off);
    if (!itf) return false;
    // Both layouts: timestamp high and low words at 4 and 8, captured length at 12.
    std::uint64_t ticks = std::uint64_t{load32(body, 4, big_)} << 32 | load32(body, 8, big_);
    std::uint32_t caplen = load32(body, 12, big_);
    if (caplen > body.size() - fixed_len) {
      return fail_packet(off, "captured length " + std::to_string(caplen) + " runs past the block (" +
                                  std::to_string(body.size() - fixed_len) + " bytes of data)");
    }
    std::int64_t sec = 0;
    std::uint32_t nsec = 0;
    split_timestamp(*itf, ticks, &sec, &nsec);
    return emit(*itf, body.subspan(fixed_len, caplen), sec, nsec, off);
  }

  bool on_epb(ConstByteSpan body, std::size_t off) {
    ++packet_no_;
    if (body.size() < kEpbFixedLen) return fail_packet(off, "enhanced packet block too short");
    return packet_with_timestamp(body, off, load32(body, 0, big_), kEpbFixedLen);
  }

  bool on_pb(ConstByteSpan body, std::size_t off) {
    ++packet_no_;
    if (body.size() < kPbFixedLen) return fail_packet(off, "packet block too short");
    return packet_with_timestamp(body, off, load16(body, 0, big_), kPbFixedLen);
  }

  // Simple Packet Block: interface 0, no timestamp (given as 0), captured length implied
  // by the block length and the interface's snaplen.
  bool on_spb(ConstByteSpan body, std::size_t off) {
    ++packet_no_;
    if (body.size() < kSpbFixedLen) return fail_packet(off, "simple packet block too short");
    const Interface* itf = interface_for(0, off);
    if (!itf) return false;
    std::size_t caplen = load32(body, 0, big_);
    if (caplen > body.size() - kSpbFixedLen) caplen = body.size() - kSpbFixedLen;  // block padding
    if (itf->snaplen != 0 && caplen > itf->snaplen) caplen = itf->snaplen;
    return emit(*itf, body.subspan(kSpbFixedLen, caplen), 0, 0, off);
  }

  ConstByteSpan data_;
  const std::string& name_;
  CaptureReadResult* out_;
  std::string* error_;
  std::size_t packet_no_ = 0;
  bool big_ = false;        // byte order of the current pcapng section
  bool in_section_ = false;
  std::vector<Interface> interfaces_;
};

void put16le(std::byte* p, std::uint16_t v) {
  p[0] = static_cast<std::byte>(v & 0xff);
  p[1] = static_cast<std::byte>(v >> 8);
}
void put32le(std::byte* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::byte>((v >> (8 * i)) & 0xff);
}

}  // namespace

bool parse_capture(std::span<const std::byte> data, const std::string& name, CaptureReadResult* out,
                   std::string* error) {
  return Reader(data, name, out, error).run();
}

bool read_capture(const std::string& path, CaptureReadResult* out, std::string* error) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::vector<std::byte> data;
  std::byte chunk[65536];
  for (;;) {
    std::size_t n = std::fread(chunk, 1, sizeof chunk, f);
    data.insert(data.end(), chunk, chunk + n);
    if (n < sizeof chunk) break;
  }
  bool read_failed = std::ferror(f) != 0;
  int saved_errno = errno;
  std::fclose(f);
  if (read_failed) {
    *error = path + ": read failed: " + std::strerror(saved_errno);
    return false;
  }
  return parse_capture(data, path, out, error);
}

bool PcapWriter::fail(std::string message) {
  if (error_.empty()) error_ = std::move(message);
  return false;
}

bool PcapWriter::open(const std::string& path, std::string* error) {
  if (file_) {
    *error = path + ": writer already open on " + path_;
    return false;
  }
  path_ = path;
  error_.clear();
  file_ = std::fopen(path.c_str(), "wb");
  if (!file_) {
    *error = path + ": cannot create: " + std::strerror(errno);
    return false;
  }
  std::byte header[kPcapFileHeaderLen]{};
  put32le(header, kPcapMagicMicro);
  put16le(header + 4, 2);  // version 2.4
  put16le(header + 6, 4);
  // thiszone and sigfigs stay 0 (draft-ietf-opsawg-pcap says so).
  put32le(header + 16, kPcapWriterSnaplen);
  put32le(header + kPcapOffLinktype, kLinktypeRaw);
  if (std::fwrite(header, 1, sizeof header, file_) != sizeof header) {
    *error = path + ": write failed: " + std::strerror(errno);
    std::fclose(file_);
    file_ = nullptr;
    return false;
  }
  return true;
}

bool PcapWriter::write(const std::byte* data, std::size_t length, std::int64_t ts_sec,
                       std::uint32_t ts_nsec) {
  if (!file_) return fail(path_ + ": write on a closed capture");
  if (ts_sec < 0 || ts_sec > std::int64_t{UINT32_MAX}) {
    return fail(path_ + ": timestamp " + std::to_string(ts_sec) + " s does not fit classic pcap");
  }
  if (ts_nsec >= 1000000000u) return fail(path_ + ": nanoseconds " + std::to_string(ts_nsec) + " out of range");
  if (length > kPcapWriterSnaplen) {
    return fail(path_ + ": packet of " + std::to_string(length) + " bytes exceeds the snapshot length");
  }
  std::byte rec[kPcapRecordHeaderLen];
  put32le(rec, static_cast<std::uint32_t>(ts_sec));
  put32le(rec + 4, ts_nsec / 1000u);
  put32le(rec + 8, static_cast<std::uint32_t>(length));
  put32le(rec + 12, static_cast<std::uint32_t>(length));
  if (std::fwrite(rec, 1, sizeof rec, file_) != sizeof rec ||
      (length != 0 && std::fwrite(data, 1, length, file_) != length)) {
    return fail(path_ + ": write failed: " + std::strerror(errno));
  }
  return true;
}

bool PcapWriter::close(std::string* error) {
  bool ok = error_.empty();
  if (file_) {
    if (std::fflush(file_) != 0 && ok) {
      error_ = path_ + ": write failed: " + std::strerror(errno);
      ok = false;
    }
    if (std::fclose(file_) != 0 && ok) {
      error_ = path_ + ": close failed: " + std::strerror(errno);
      ok = false;
    }
    file_ = nullptr;
  }
  if (!ok) *error = error_;
  error_.clear();
  return ok;
}

PcapWriter::~PcapWriter() {
  if (file_) std::fclose(file_);
}

}  // namespace tundra
