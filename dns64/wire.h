// The DNS wire codec: RFC 1035 §4 messages (header, names with compression pointers,
// resource records) and the RFC 6891 OPT pseudo-record, read into a plain owning Message
// and written back with name compression and truncation to a size limit.
//
// Small on purpose: DNS64 needs to read replies, copy their records unchanged, turn A
// records into AAAA records and write the result. Names inside the RDATA of the types that
// may carry compression pointers (NS, CNAME, SOA, PTR, MX, and DNAME/SRV from senders that
// compress anyway) are expanded on reading, so a Record's rdata never depends on the
// message it came from; on writing, names are compressed in owners and in the RDATA of the
// types RFC 3597 §4 allows (NS, CNAME, SOA, PTR, MX). Every other RDATA is opaque bytes.
//
// Pure: no I/O, no logging; parse errors are values. Not on the packet path (allocates).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "translator/address.h"

namespace tundra::dns {

// RR types and classes used by name (others are plain numbers).
inline constexpr std::uint16_t kTypeA = 1;
inline constexpr std::uint16_t kTypeNS = 2;
inline constexpr std::uint16_t kTypeCNAME = 5;
inline constexpr std::uint16_t kTypeSOA = 6;
inline constexpr std::uint16_t kTypePTR = 12;
inline constexpr std::uint16_t kTypeMX = 15;
inline constexpr std::uint16_t kTypeAAAA = 28;
inline constexpr std::uint16_t kTypeSRV = 33;
inline constexpr std::uint16_t kTypeDNAME = 39;
inline constexpr std::uint16_t kTypeOPT = 41;
inline constexpr std::uint16_t kTypeRRSIG = 46;
inline constexpr std::uint16_t kTypeANY = 255;
inline constexpr std::uint16_t kClassIN = 1;

// RCODEs (RFC 1035 §4.1.1, RFC 6891 §9 for the extended BADVERS).
inline constexpr std::uint16_t kRcodeNoError = 0;
inline constexpr std::uint16_t kRcodeFormErr = 1;
inline constexpr std::uint16_t kRcodeServFail = 2;
inline constexpr std::uint16_t kRcodeNxDomain = 3;
inline constexpr std::uint16_t kRcodeNotImp = 4;
inline constexpr std::uint16_t kRcodeRefused = 5;
inline constexpr std::uint16_t kRcodeBadVers = 16;

inline constexpr std::size_t kHeaderSize = 12;
inline constexpr std::size_t kMaxNameWire = 255;    // RFC 1035 §2.3.4
inline constexpr std::size_t kClassicUdpLimit = 512;  // RFC 1035 §4.2.1, without EDNS

// A domain name in uncompressed wire form: length-prefixed labels ending with the root's
// zero byte ("\x03www\x07example\x03com\x00"). Case is kept as received (a reply must echo
// the question's case, RFC 1035 §7.3 / 0x20); comparisons ignore ASCII case (RFC 4343).
struct Name {
  std::string wire = std::string(1, '\0');  // the root

  // "www.example.com" or "www.example.com." (the root is "."). Escapes: "\." and "\DDD".
  // nullopt for empty labels, labels over 63 bytes or names over 255 bytes.
  static std::optional<Name> from_text(std::string_view text);
  // Presentation form with a trailing dot; non-printable bytes, spaces, and dots and
  // backslashes inside labels as "\DDD" escapes.
  std::string to_text() const;

  std::size_t label_count() const;
  bool is_root() const { return wire.size() == 1; }
  // The same name in ASCII lower case (for cache keys and table lookups).
  Name lowered() const;
  // True when this name equals `zone` or lies below it ("a.b.example." is under
  // "example."); every name is under the root. Case-insensitive.
  bool is_under(const Name& zone) const;
  // Case-insensitive equality.
  bool equals(const Name& other) const;
};

struct Question {
  Name name;
  std::uint16_t type = 0;
  std::uint16_t cls = kClassIN;
};

// A resource record other than OPT. `rdata` holds no compression pointers (see the top).
struct Record {
  Name owner;
  std::uint16_t type = 0;
  std::uint16_t cls = kClassIN;
  std::uint32_t ttl = 0;
  std::vector<std::uint8_t> rdata;

  // The address of an A (4-byte rdata) or AAAA (16-byte rdata) record in class IN.
  std::optional<Ipv4Address> a() const;
  std::optional<Ipv6Address> aaaa() const;
  // The target name of a CNAME, DNAME, PTR or NS record.
  std::optional<Name> target() const;
};

// The OPT pseudo-record (RFC 6891 §6.1). Its extended-RCODE bits live in Message::rcode.
struct Edns {
  std::uint16_t udp_size = 1232;  // requestor's payload size (the CLASS field)
  std::uint8_t version = 0;
  bool dnssec_ok = false;  // the DO bit (RFC 3225)
  // The OPT's RDATA as received (EDNS options, each code/length/value); copied, not read.
  std::vector<std::uint8_t> options;
};

struct Message {
  std::uint16_t id = 0;
  bool qr = false;
  std::uint8_t opcode = 0;
  bool aa = false;
  bool tc = false;
  bool rd = false;
  bool ra = false;
  bool z = false;   // the reserved bit, kept as received
  bool ad = false;  // RFC 4035 §3.2.3
  bool cd = false;  // RFC 4035 §3.2.2
  // The full RCODE: the header's 4 bits, plus the OPT's extended bits shifted left by 4
  // when an OPT is present (RFC 6891 §6.1.3).
  std::uint16_t rcode = kRcodeNoError;
  std::vector<Question> questions;
  std::vector<Record> answer;
  std::vector<Record> authority;
  std::vector<Record> additional;  // without the OPT, which is in `edns`
  std::optional<Edns> edns;
};

enum class ParseError : std::uint8_t {
  kOk,
  kShortHeader,     // fewer than 12 bytes
  kTruncated,       // a question or record runs past the end of the message
  kBadName,         // label type 0b01/0b10, a pointer loop or forward pointer, over 255 bytes
  kBadRdata,        // RDATA that must hold names (or an A/AAAA of the wrong length) does not
  kTwoOpt,          // more than one OPT (RFC 6891 §6.1.1: FORMERR)
  kOptNotRoot,      // an OPT whose owner is not the root, or not in the additional section
  kTrailingBytes,   // bytes after the last record the counts announce
};
std::string_view to_string(ParseError e);

// Reads a whole message. On error `*out` is unspecified.
ParseError parse_message(std::span<const std::uint8_t> bytes, Message* out);

// Reads only the 12-byte header and the first question (the cheap path for matching a
// reply to its query and for cache lookups). Needs qdcount >= 1 (kTruncated otherwise).
// Bytes after the first question are not looked at.
ParseError parse_header_and_question(std::span<const std::uint8_t> bytes, Message* out);

// Writes `m` with name compression. When the whole message does not fit in `limit` bytes
// (at least 12 + the question), it is truncated as RFC 2181 §9 describes: the answer and
// authority sections are cut at the first record that does not fit, the rest dropped, and
// TC set; additional records that do not fit are dropped without setting TC. The OPT is
// always kept (RFC 6891 §7). Returns the message; `m` itself is not modified.
// Compression matches names case-insensitively, so a later name may be sent as a pointer
// to an earlier spelling of it (the first name, the question's, always keeps its case).
// An RCODE above 15 needs `edns` (its upper bits go into the OPT); without one only
// rcode & 0xF is written.
std::vector<std::uint8_t> write_message(const Message& m, std::size_t limit = 65535);

// Names of types and rcodes for logs ("AAAA", "TYPE99", "NXDOMAIN", "RCODE11").
std::string type_name(std::uint16_t type);
std::string rcode_name(std::uint16_t rcode);

// Record constructors.
Record make_a(const Name& owner, std::uint32_t ttl, Ipv4Address a);
Record make_aaaa(const Name& owner, std::uint32_t ttl, const Ipv6Address& a);
Record make_name_record(const Name& owner, std::uint16_t type, std::uint32_t ttl,
                        const Name& target);  // CNAME, PTR, NS, DNAME

}  // namespace tundra::dns
