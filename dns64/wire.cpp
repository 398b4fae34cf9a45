// The DNS wire codec (dns64/wire.h): RFC 1035 §4.1 messages, RFC 1035 §4.1.4 name
// compression, RFC 6891 §6.1 OPT, RFC 3597 §4 (which RDATA names may be compressed) and
// RFC 2181 §9 (truncation).
#include "dns64/wire.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <utility>

namespace tundra::dns {
namespace {

using ConstSpan = std::span<const std::uint8_t>;

// RFC 1035 §4.1.1: header field offsets (bytes from the start of the message).
constexpr std::size_t kOffId = 0;
constexpr std::size_t kOffFlags = 2;
constexpr std::size_t kOffQdcount = 4;
constexpr std::size_t kOffAncount = 6;
constexpr std::size_t kOffNscount = 8;
constexpr std::size_t kOffArcount = 10;

// RFC 1035 §4.1.1 flag bits of the 16-bit word at kOffFlags (AD/CD: RFC 4035 §3.2).
constexpr std::uint16_t kFlagQr = 0x8000;
constexpr unsigned kOpcodeShift = 11;
constexpr std::uint16_t kOpcodeMask = 0xF;
constexpr std::uint16_t kFlagAa = 0x0400;
constexpr std::uint16_t kFlagTc = 0x0200;
constexpr std::uint16_t kFlagRd = 0x0100;
constexpr std::uint16_t kFlagRa = 0x0080;
constexpr std::uint16_t kFlagZ = 0x0040;
constexpr std::uint16_t kFlagAd = 0x0020;
constexpr std::uint16_t kFlagCd = 0x0010;
constexpr std::uint16_t kHeaderRcodeMask = 0x000F;

// RFC 1035 §4.1.4: the top two bits of a length byte. 00 = label, 11 = pointer; 01 and 10
// are reserved (01 was RFC 2673's bit-string label, since retired by RFC 6891 §5).
constexpr std::uint8_t kLabelTypeMask = 0xC0;
constexpr std::uint8_t kPointerBits = 0xC0;
constexpr std::uint16_t kPointerTag = 0xC000;
constexpr std::size_t kMaxPointerTarget = 0x3FFF;  // 14-bit offsets
constexpr std::size_t kMaxLabel = 63;              // RFC 1035 §2.3.4

// Type, class, TTL and RDLENGTH after a record's owner name (RFC 1035 §4.1.3).
constexpr std::size_t kRecordFixed = 10;
// Type and class after a question's name (RFC 1035 §4.1.2).
constexpr std::size_t kQuestionFixed = 4;
// The OPT record without options: root owner (1), type, class, TTL, RDLENGTH.
constexpr std::size_t kOptFixed = 1 + kRecordFixed;
// RFC 1035 §3.3.13: SOA RDATA after the two names (serial, refresh, retry, expire, minimum).
constexpr std::size_t kSoaNumbers = 20;
// RFC 1035 §3.3.9 MX preference; RFC 2782 SRV priority, weight, port.
constexpr std::size_t kMxPrefix = 2;
constexpr std::size_t kSrvPrefix = 6;

// RFC 6891 §6.1.3: the OPT TTL holds EXTENDED-RCODE (8 bits), VERSION (8), DO (1), Z (15).
constexpr unsigned kOptExtRcodeShift = 24;
constexpr unsigned kOptVersionShift = 16;
constexpr std::uint32_t kOptDoBit = 0x8000;
constexpr unsigned kExtRcodeShift = 4;  // extended bits sit above the header's four

// RFC 2136 §2.4/§2.5: updates carry records of class ANY and NONE with empty RDATA.
constexpr std::uint16_t kClassNone = 254;
constexpr std::uint16_t kClassAny = 255;

constexpr std::size_t kMaxMessage = 65535;  // RFC 1035 §4.2.2: TCP's 16-bit length prefix
constexpr std::size_t kMaxCount = 0xFFFF;   // a section count is 16 bits

std::uint16_t get16(ConstSpan b, std::size_t off) {
  return static_cast<std::uint16_t>((b[off] << 8) | b[off + 1]);
}
std::uint32_t get32(ConstSpan b, std::size_t off) {
  return (std::uint32_t{b[off]} << 24) | (std::uint32_t{b[off + 1]} << 16) |
         (std::uint32_t{b[off + 2]} << 8) | std::uint32_t{b[off + 3]};
}
void put16(std::vector<std::uint8_t>& out, std::uint16_t v) {
  out.push_back(static_cast<std::uint8_t>(v >> 8));
  out.push_back(static_cast<std::uint8_t>(v & 0xFF));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  put16(out, static_cast<std::uint16_t>(v >> 16));
  put16(out, static_cast<std::uint16_t>(v & 0xFFFF));
}
void set16(std::vector<std::uint8_t>& out, std::size_t off, std::uint16_t v) {
  out[off] = static_cast<std::uint8_t>(v >> 8);
  out[off + 1] = static_cast<std::uint8_t>(v & 0xFF);
}

char lower_ascii(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// Length bytes are at most 63, below 'A' (65), so lowering a whole wire name touches only
// label bytes.
std::string lowered_wire(std::string_view wire) {
  std::string s(wire);
  for (char& c : s) c = lower_ascii(c);
  return s;
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(),
                    [](char x, char y) { return lower_ascii(x) == lower_ascii(y); });
}

// The length of the well-formed uncompressed name at `pos` in `b` (labels of 1..63 bytes,
// ending with the root, at most 255 bytes, no pointers), or 0 when there is none.
std::size_t uncompressed_name_length(ConstSpan b, std::size_t pos) {
  std::size_t p = pos;
  for (;;) {
    if (p >= b.size() || p - pos >= kMaxNameWire) return 0;
    const std::uint8_t len = b[p];
    if (len == 0) return p + 1 - pos;
    if (len > kMaxLabel) return 0;
    p += 1 + std::size_t{len};
  }
}

bool well_formed(const std::string& wire) {
  const ConstSpan b(reinterpret_cast<const std::uint8_t*>(wire.data()), wire.size());
  return !wire.empty() && uncompressed_name_length(b, 0) == wire.size();
}

// RFC 1035 §4.1.4: reads the possibly compressed name at `pos` into `out`; `*next` is the
// offset just after the name's bytes at `pos` (after its first pointer, if any).
//
// Loop safety: a pointer must point strictly before the place where the current run of
// labels began (the name's start, or the previous pointer's target), which is stricter
// than "before the pointer itself". A target inside the run would read this name's own
// bytes again (a loop, or the middle of a label), never an earlier name's suffix; and as
// each jump lands strictly lower than the last, reading ends after at most one jump per
// byte of the message even before the 255-byte limit stops it.
ParseError read_name(ConstSpan msg, std::size_t pos, Name* out, std::size_t* next) {
  std::string wire;
  std::size_t p = pos;
  std::size_t run_start = pos;
  std::optional<std::size_t> end;
  for (;;) {
    if (p >= msg.size()) return ParseError::kTruncated;
    const std::uint8_t len = msg[p];
    if ((len & kLabelTypeMask) == kPointerBits) {
      if (p + 1 >= msg.size()) return ParseError::kTruncated;
      const std::size_t target = (std::size_t{len & 0x3Fu} << 8) | msg[p + 1];
      if (target >= run_start) return ParseError::kBadName;  // forward pointer or a loop
      if (!end) end = p + 2;
      p = run_start = target;
      continue;
    }
    if ((len & kLabelTypeMask) != 0) return ParseError::kBadName;  // reserved label types
    if (p + 1 + len > msg.size()) return ParseError::kTruncated;
    wire.append(reinterpret_cast<const char*>(msg.data() + p), 1 + std::size_t{len});
    p += 1 + std::size_t{len};
    // A non-root label must leave room for the root byte that ends the name.
    if (wire.size() + (len == 0 ? 0 : 1) > kMaxNameWire) return ParseError::kBadName;
    if (len == 0) break;
  }
  *next = end ? *end : p;
  out->wire = std::move(wire);
  return ParseError::kOk;
}

// Reads a name inside RDATA that ends at `rdata_end`: the name's own bytes must lie inside
// the RDATA (pointers may lead anywhere earlier in the message).
ParseError read_rdata_name(ConstSpan msg, std::size_t rdata_end, std::size_t* p,
                           std::vector<std::uint8_t>* out) {
  Name n;
  const ParseError e = read_name(msg.first(rdata_end), *p, &n, p);
  if (e == ParseError::kTruncated) return ParseError::kBadRdata;
  if (e != ParseError::kOk) return e;
  out->insert(out->end(), n.wire.begin(), n.wire.end());
  return ParseError::kOk;
}

// Copies the RDATA of a record at `start` (`len` bytes), expanding the compressed names of
// the types listed in wire.h, and checks the A/AAAA lengths in class IN.
ParseError read_rdata(ConstSpan msg, std::size_t start, std::size_t len, std::uint16_t type,
                      std::uint16_t cls, std::vector<std::uint8_t>* out) {
  const std::size_t end = start + len;
  auto copy = [&](std::size_t from, std::size_t n) {
    out->insert(out->end(), msg.begin() + static_cast<std::ptrdiff_t>(from),
                msg.begin() + static_cast<std::ptrdiff_t>(from + n));
  };
  if (cls == kClassIN && ((type == kTypeA && len != 4) || (type == kTypeAAAA && len != 16))) {
    return ParseError::kBadRdata;
  }
  std::size_t prefix = 0;  // fixed bytes before the name
  std::size_t names = 0;   // names in a row
  std::size_t suffix = 0;  // fixed bytes after the names
  switch (type) {
    case kTypeNS: case kTypeCNAME: case kTypePTR: case kTypeDNAME: names = 1; break;
    case kTypeSOA: names = 2; suffix = kSoaNumbers; break;
    case kTypeMX: prefix = kMxPrefix; names = 1; break;
    case kTypeSRV: prefix = kSrvPrefix; names = 1; break;
    default: break;
  }
  // RFC 2136 updates: empty RDATA in class ANY or NONE means "any RDATA".
  if (names == 0 || (len == 0 && (cls == kClassAny || cls == kClassNone))) {
    copy(start, len);
    return ParseError::kOk;
  }
  if (len < prefix) return ParseError::kBadRdata;
  copy(start, prefix);
  std::size_t p = start + prefix;
  for (std::size_t i = 0; i < names; ++i) {
    const ParseError e = read_rdata_name(msg, end, &p, out);
    if (e != ParseError::kOk) return e;
  }
  if (end - p != suffix) return ParseError::kBadRdata;
  copy(p, suffix);
  return ParseError::kOk;
}

void read_header(ConstSpan b, Message* m) {
  const std::uint16_t flags = get16(b, kOffFlags);
  m->id = get16(b, kOffId);
  m->qr = (flags & kFlagQr) != 0;
  m->opcode = static_cast<std::uint8_t>((flags >> kOpcodeShift) & kOpcodeMask);
  m->aa = (flags & kFlagAa) != 0;
  m->tc = (flags & kFlagTc) != 0;
  m->rd = (flags & kFlagRd) != 0;
  m->ra = (flags & kFlagRa) != 0;
  m->z = (flags & kFlagZ) != 0;
  m->ad = (flags & kFlagAd) != 0;
  m->cd = (flags & kFlagCd) != 0;
  m->rcode = flags & kHeaderRcodeMask;
}

ParseError read_question(ConstSpan b, std::size_t* p, Question* q) {
  const ParseError e = read_name(b, *p, &q->name, p);
  if (e != ParseError::kOk) return e;
  if (b.size() - *p < kQuestionFixed) return ParseError::kTruncated;
  q->type = get16(b, *p);
  q->cls = get16(b, *p + 2);
  *p += kQuestionFixed;
  return ParseError::kOk;
}

enum class Section : std::uint8_t { kAnswer, kAuthority, kAdditional };

// RFC 1035 §4.1.3 (and RFC 6891 §6.1 for the OPT, which goes to m->edns).
ParseError read_record(ConstSpan b, std::size_t* p, Section section, Message* m) {
  Record r;
  ParseError e = read_name(b, *p, &r.owner, p);
  if (e != ParseError::kOk) return e;
  if (b.size() - *p < kRecordFixed) return ParseError::kTruncated;
  r.type = get16(b, *p);
  r.cls = get16(b, *p + 2);
  r.ttl = get32(b, *p + 4);
  const std::size_t rdlength = get16(b, *p + 8);
  *p += kRecordFixed;
  if (b.size() - *p < rdlength) return ParseError::kTruncated;
  const std::size_t rdata = *p;
  *p += rdlength;

  if (r.type == kTypeOPT) {
    // RFC 6891 §6.1.1: one OPT at most, in the additional section, owned by the root.
    if (section != Section::kAdditional || !r.owner.is_root()) return ParseError::kOptNotRoot;
    if (m->edns) return ParseError::kTwoOpt;
    Edns edns;
    edns.udp_size = r.cls;
    edns.version = static_cast<std::uint8_t>((r.ttl >> kOptVersionShift) & 0xFF);
    edns.dnssec_ok = (r.ttl & kOptDoBit) != 0;
    edns.options.assign(b.begin() + static_cast<std::ptrdiff_t>(rdata),
                        b.begin() + static_cast<std::ptrdiff_t>(rdata + rdlength));
    // RFC 6891 §6.1.3: the upper eight bits of the 12-bit RCODE.
    m->rcode = static_cast<std::uint16_t>(((r.ttl >> kOptExtRcodeShift) << kExtRcodeShift) |
                                          (m->rcode & kHeaderRcodeMask));
    m->edns = std::move(edns);
    return ParseError::kOk;
  }
  e = read_rdata(b, rdata, rdlength, r.type, r.cls, &r.rdata);
  if (e != ParseError::kOk) return e;
  switch (section) {
    case Section::kAnswer: m->answer.push_back(std::move(r)); break;
    case Section::kAuthority: m->authority.push_back(std::move(r)); break;
    case Section::kAdditional: m->additional.push_back(std::move(r)); break;
  }
  return ParseError::kOk;
}

// Builds a message, remembering where each name suffix was written for RFC 1035 §4.1.4
// compression, and undoing a record that turns out not to fit.
class Writer {
 public:
  std::vector<std::uint8_t> out;

  // Writes an uncompressed wire name, replacing its longest suffix already written at an
  // offset below 0x4000 by a pointer (case-insensitively: RFC 1035 §2.3.3). A malformed
  // Name (only possible when built by hand) is copied as it is.
  void write_name(const std::string& wire) {
    if (!well_formed(wire)) {
      out.insert(out.end(), wire.begin(), wire.end());
      return;
    }
    std::size_t i = 0;
    while (wire[i] != 0) {
      std::string key = lowered_wire(std::string_view(wire).substr(i));
      if (const auto it = table_.find(key); it != table_.end()) {
        put16(out, static_cast<std::uint16_t>(kPointerTag | it->second));
        return;
      }
      if (out.size() <= kMaxPointerTarget) {
        table_.emplace(key, static_cast<std::uint16_t>(out.size()));
        added_.push_back(std::move(key));
      }
      const std::size_t label = 1 + static_cast<std::uint8_t>(wire[i]);
      out.insert(out.end(), wire.begin() + static_cast<std::ptrdiff_t>(i),
                 wire.begin() + static_cast<std::ptrdiff_t>(i + label));
      i += label;
    }
    out.push_back(0);
  }

  void write_question(const Question& q) {
    write_name(q.name.wire);
    put16(out, q.type);
    put16(out, q.cls);
  }

  // Writes `r` if the message stays within `budget` bytes; otherwise leaves the message as
  // it was and returns false.
  bool write_record(const Record& r, std::size_t budget) {
    const std::size_t start = out.size();
    added_.clear();
    write_name(r.owner.wire);
    put16(out, r.type);
    put16(out, r.cls);
    put32(out, r.ttl);
    const std::size_t rdlength_at = out.size();
    put16(out, 0);
    write_rdata(r);
    const std::size_t rdlength = out.size() - rdlength_at - 2;
    if (rdlength > 0xFFFF || out.size() > budget) {
      out.resize(start);
      for (const std::string& key : added_) table_.erase(key);
      added_.clear();
      return false;
    }
    set16(out, rdlength_at, static_cast<std::uint16_t>(rdlength));
    return true;
  }

 private:
  // RFC 3597 §4: names in the RDATA of the RFC 1035 types may be compressed, no others.
  // RDATA that does not hold the names its type promises is copied as it is.
  void write_rdata(const Record& r) {
    const std::vector<std::uint8_t>& d = r.rdata;
    const ConstSpan b(d);
    auto name_at = [&](std::size_t pos, std::size_t n) {
      write_name(std::string(d.begin() + static_cast<std::ptrdiff_t>(pos),
                             d.begin() + static_cast<std::ptrdiff_t>(pos + n)));
    };
    auto copy = [&](std::size_t pos, std::size_t n) {
      out.insert(out.end(), d.begin() + static_cast<std::ptrdiff_t>(pos),
                 d.begin() + static_cast<std::ptrdiff_t>(pos + n));
    };
    switch (r.type) {
      case kTypeNS:
      case kTypeCNAME:
      case kTypePTR:
        if (const std::size_t n = uncompressed_name_length(b, 0); n != 0 && n == d.size()) {
          name_at(0, n);
          return;
        }
        break;
      case kTypeMX:
        if (const std::size_t n = uncompressed_name_length(b, kMxPrefix);
            n != 0 && kMxPrefix + n == d.size()) {
          copy(0, kMxPrefix);
          name_at(kMxPrefix, n);
          return;
        }
        break;
      case kTypeSOA: {
        const std::size_t mname = uncompressed_name_length(b, 0);
        const std::size_t rname = mname == 0 ? 0 : uncompressed_name_length(b, mname);
        if (rname != 0 && mname + rname + kSoaNumbers == d.size()) {
          name_at(0, mname);
          name_at(mname, rname);
          copy(mname + rname, kSoaNumbers);
          return;
        }
        break;
      }
      default:
        break;
    }
    out.insert(out.end(), d.begin(), d.end());
  }

  // Lower-cased wire suffix → offset of its first byte in `out`.
  std::unordered_map<std::string, std::uint16_t> table_;
  std::vector<std::string> added_;  // keys added by the record being written
};

}  // namespace

// --- Name ---------------------------------------------------------------------------------

std::optional<Name> Name::from_text(std::string_view text) {
  if (text == ".") return Name{};
  std::string wire;
  std::string label;
  auto end_label = [&]() {
    if (label.empty() || label.size() > kMaxLabel) return false;
    wire.push_back(static_cast<char>(label.size()));
    wire += label;
    label.clear();
    return wire.size() + 1 <= kMaxNameWire;
  };
  bool dot_last = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    dot_last = false;
    if (c == '.') {
      if (!end_label()) return std::nullopt;
      dot_last = true;
    } else if (c == '\\') {
      if (i + 1 >= text.size()) return std::nullopt;
      const auto digit = [&](std::size_t k) { return text[k] >= '0' && text[k] <= '9'; };
      if (digit(i + 1)) {
        // RFC 1035 §5.1: \DDD is a decimal byte value.
        if (i + 3 >= text.size() || !digit(i + 2) || !digit(i + 3)) return std::nullopt;
        const int v = (text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 + (text[i + 3] - '0');
        if (v > 255) return std::nullopt;
        label.push_back(static_cast<char>(v));
        i += 3;
      } else {
        label.push_back(text[i + 1]);  // \X is X itself
        i += 1;
      }
    } else {
      label.push_back(c);
    }
    if (label.size() > kMaxLabel) return std::nullopt;
  }
  if (!dot_last && !end_label()) return std::nullopt;  // also refuses ""
  wire.push_back('\0');
  Name n;
  n.wire = std::move(wire);
  return n;
}

std::string Name::to_text() const {
  if (is_root()) return ".";
  std::string s;
  std::size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    const std::size_t len = static_cast<std::uint8_t>(wire[i]);
    for (std::size_t k = i + 1; k <= i + len && k < wire.size(); ++k) {
      const auto c = static_cast<std::uint8_t>(wire[k]);
      if (c <= 0x20 || c >= 0x7F || c == '.' || c == '\\') {
        const std::array<char, 5> esc = {'\\', static_cast<char>('0' + c / 100),
                                         static_cast<char>('0' + c / 10 % 10),
                                         static_cast<char>('0' + c % 10), '\0'};
        s += esc.data();
      } else {
        s.push_back(static_cast<char>(c));
      }
    }
    s.push_back('.');
    i += 1 + len;
  }
  return s;
}

std::size_t Name::label_count() const {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < wire.size() && wire[i] != 0) {
    ++count;
    i += 1 + static_cast<std::uint8_t>(wire[i]);
  }
  return count;
}

Name Name::lowered() const {
  Name n;
  n.wire = lowered_wire(wire);
  return n;
}

bool Name::is_under(const Name& zone) const {
  if (zone.wire.size() > wire.size()) return false;
  std::size_t i = 0;
  // Only suffixes that start at a label boundary count ("xexample." is not under "example.").
  while (i < wire.size() && wire.size() - i > zone.wire.size()) {
    if (wire[i] == 0) return false;
    i += 1 + static_cast<std::uint8_t>(wire[i]);
  }
  return i < wire.size() && wire.size() - i == zone.wire.size() &&
         equal_ignoring_case(std::string_view(wire).substr(i), zone.wire);
}

bool Name::equals(const Name& other) const { return equal_ignoring_case(wire, other.wire); }

// --- Record -------------------------------------------------------------------------------

std::optional<Ipv4Address> Record::a() const {
  if (type != kTypeA || cls != kClassIN || rdata.size() != 4) return std::nullopt;
  return Ipv4Address{get32(rdata, 0)};
}

std::optional<Ipv6Address> Record::aaaa() const {
  if (type != kTypeAAAA || cls != kClassIN || rdata.size() != 16) return std::nullopt;
  Ipv6Address a;
  std::copy(rdata.begin(), rdata.end(), a.bytes.begin());
  return a;
}

std::optional<Name> Record::target() const {
  if (type != kTypeCNAME && type != kTypeDNAME && type != kTypePTR && type != kTypeNS) {
    return std::nullopt;
  }
  if (rdata.empty() || uncompressed_name_length(rdata, 0) != rdata.size()) return std::nullopt;
  Name n;
  n.wire.assign(rdata.begin(), rdata.end());
  return n;
}

Record make_a(const Name& owner, std::uint32_t ttl, Ipv4Address a) {
  Record r{.owner = owner, .type = kTypeA, .cls = kClassIN, .ttl = ttl};
  put32(r.rdata, a.value);
  return r;
}

Record make_aaaa(const Name& owner, std::uint32_t ttl, const Ipv6Address& a) {
  Record r{.owner = owner, .type = kTypeAAAA, .cls = kClassIN, .ttl = ttl};
  r.rdata.assign(a.bytes.begin(), a.bytes.end());
  return r;
}

Record make_name_record(const Name& owner, std::uint16_t type, std::uint32_t ttl,
                        const Name& target) {
  Record r{.owner = owner, .type = type, .cls = kClassIN, .ttl = ttl};
  r.rdata.assign(target.wire.begin(), target.wire.end());
  return r;
}

// --- Parsing ------------------------------------------------------------------------------

std::string_view to_string(ParseError e) {
  switch (e) {
    case ParseError::kOk: return "ok";
    case ParseError::kShortHeader: return "message shorter than the 12-byte header";
    case ParseError::kTruncated: return "a question or record runs past the end of the message";
    case ParseError::kBadName: return "malformed name (label type, pointer or length)";
    case ParseError::kBadRdata: return "malformed RDATA";
    case ParseError::kTwoOpt: return "more than one OPT record";
    case ParseError::kOptNotRoot: return "OPT record not owned by the root or not in additional";
    case ParseError::kTrailingBytes: return "bytes after the last record";
  }
  return "unknown parse error";
}

ParseError parse_message(std::span<const std::uint8_t> bytes, Message* out) {
  *out = Message{};
  if (bytes.size() < kHeaderSize) return ParseError::kShortHeader;
  read_header(bytes, out);
  std::size_t p = kHeaderSize;
  const std::size_t qdcount = get16(bytes, kOffQdcount);
  for (std::size_t i = 0; i < qdcount; ++i) {
    Question q;
    const ParseError e = read_question(bytes, &p, &q);
    if (e != ParseError::kOk) return e;
    out->questions.push_back(std::move(q));
  }
  const std::pair<std::size_t, Section> sections[] = {
      {kOffAncount, Section::kAnswer},
      {kOffNscount, Section::kAuthority},
      {kOffArcount, Section::kAdditional},
  };
  for (const auto& [offset, section] : sections) {
    const std::size_t count = get16(bytes, offset);
    for (std::size_t i = 0; i < count; ++i) {
      const ParseError e = read_record(bytes, &p, section, out);
      if (e != ParseError::kOk) return e;
    }
  }
  return p == bytes.size() ? ParseError::kOk : ParseError::kTrailingBytes;
}

ParseError parse_header_and_question(std::span<const std::uint8_t> bytes, Message* out) {
  *out = Message{};
  if (bytes.size() < kHeaderSize) return ParseError::kShortHeader;
  read_header(bytes, out);
  if (get16(bytes, kOffQdcount) == 0) return ParseError::kTruncated;
  std::size_t p = kHeaderSize;
  Question q;
  const ParseError e = read_question(bytes, &p, &q);
  if (e != ParseError::kOk) return e;
  out->questions.push_back(std::move(q));
  return ParseError::kOk;
}

// --- Writing ------------------------------------------------------------------------------

std::vector<std::uint8_t> write_message(const Message& m, std::size_t limit) {
  limit = std::min(limit, kMaxMessage);
  Writer w;
  w.out.reserve(std::min(limit, std::size_t{4096}));
  w.out.resize(kHeaderSize);

  std::size_t qdcount = 0;
  for (const Question& q : m.questions) {
    if (qdcount == kMaxCount) break;
    w.write_question(q);
    ++qdcount;
  }

  // RFC 6891 §7: the OPT is kept whatever else is dropped, so its room is set aside first.
  const bool options_fit = m.edns && m.edns->options.size() <= 0xFFFF;
  const std::size_t opt_size = !m.edns ? 0 : kOptFixed + (options_fit ? m.edns->options.size() : 0);
  const std::size_t budget = limit > opt_size ? limit - opt_size : 0;

  // RFC 2181 §9: answer and authority are cut at the first record that does not fit, and
  // TC says so; additional records that do not fit are left out without TC.
  bool truncated = false;
  std::size_t ancount = 0;
  std::size_t nscount = 0;
  std::size_t arcount = 0;
  for (const auto& [records, count] : {std::pair{&m.answer, &ancount},
                                       std::pair{&m.authority, &nscount}}) {
    for (const Record& r : *records) {
      if (*count == kMaxCount || !w.write_record(r, budget)) {
        truncated = true;
        break;
      }
      ++*count;
    }
    if (truncated) break;
  }
  if (!truncated) {
    const std::size_t max_additional = m.edns ? kMaxCount - 1 : kMaxCount;
    for (const Record& r : m.additional) {
      if (arcount == max_additional) break;
      if (w.write_record(r, budget)) ++arcount;
    }
  }

  // The header keeps only the low four RCODE bits; with an OPT the upper eight go to its
  // TTL (RFC 6891 §6.1.3). Without an OPT the upper bits cannot be sent and are dropped
  // (BADVERS, 16, would become NOERROR: callers send an extended rcode only with EDNS).
  if (m.edns) {
    const Edns& e = *m.edns;
    w.out.push_back(0);  // the root owner
    put16(w.out, kTypeOPT);
    put16(w.out, e.udp_size);
    put32(w.out, (std::uint32_t{static_cast<std::uint8_t>(m.rcode >> kExtRcodeShift)}
                  << kOptExtRcodeShift) |
                     (std::uint32_t{e.version} << kOptVersionShift) |
                     (e.dnssec_ok ? kOptDoBit : 0));
    if (options_fit) {
      put16(w.out, static_cast<std::uint16_t>(e.options.size()));
      w.out.insert(w.out.end(), e.options.begin(), e.options.end());
    } else {
      put16(w.out, 0);  // options that cannot fit an RDLENGTH are left out
    }
    ++arcount;
  }

  std::uint16_t flags = static_cast<std::uint16_t>((m.opcode & kOpcodeMask) << kOpcodeShift);
  if (m.qr) flags |= kFlagQr;
  if (m.aa) flags |= kFlagAa;
  if (m.tc || truncated) flags |= kFlagTc;
  if (m.rd) flags |= kFlagRd;
  if (m.ra) flags |= kFlagRa;
  if (m.z) flags |= kFlagZ;
  if (m.ad) flags |= kFlagAd;
  if (m.cd) flags |= kFlagCd;
  flags = static_cast<std::uint16_t>(flags | (m.rcode & kHeaderRcodeMask));
  set16(w.out, kOffId, m.id);
  set16(w.out, kOffFlags, flags);
  set16(w.out, kOffQdcount, static_cast<std::uint16_t>(qdcount));
  set16(w.out, kOffAncount, static_cast<std::uint16_t>(ancount));
  set16(w.out, kOffNscount, static_cast<std::uint16_t>(nscount));
  set16(w.out, kOffArcount, static_cast<std::uint16_t>(arcount));
  return std::move(w.out);
}

// --- Names for logs -----------------------------------------------------------------------

std::string type_name(std::uint16_t type) {
  switch (type) {
    case kTypeA: return "A";
    case kTypeNS: return "NS";
    case kTypeCNAME: return "CNAME";
    case kTypeSOA: return "SOA";
    case kTypePTR: return "PTR";
    case kTypeMX: return "MX";
    case 16: return "TXT";
    case kTypeAAAA: return "AAAA";
    case kTypeSRV: return "SRV";
    case kTypeDNAME: return "DNAME";
    case kTypeOPT: return "OPT";
    case 43: return "DS";
    case kTypeRRSIG: return "RRSIG";
    case 47: return "NSEC";
    case 48: return "DNSKEY";
    case 64: return "SVCB";
    case 65: return "HTTPS";
    case kTypeANY: return "ANY";
    default: return "TYPE" + std::to_string(type);  // RFC 3597 §5
  }
}

std::string rcode_name(std::uint16_t rcode) {
  // RFC 1035 §4.1.1, RFC 2136 §2.2 (6..10), RFC 6891 §9 (16).
  static constexpr std::array<std::string_view, 11> kNames = {
      "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",  "REFUSED",
      "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH",  "NOTZONE"};
  if (rcode < kNames.size()) return std::string(kNames[rcode]);
  if (rcode == kRcodeBadVers) return "BADVERS";
  return "RCODE" + std::to_string(rcode);
}

}  // namespace tundra::dns
