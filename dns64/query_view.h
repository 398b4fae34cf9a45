// A read-only view of a plain client query, parsed without allocating: the fast path of
// the DNS64 (cache hits) reads queries through it; anything unusual falls back to the full
// codec (dns64/wire.h).
//
// "Plain" means: QR=0, opcode QUERY, one question whose name has no compression pointer,
// no answer or authority records, and at most one additional record, which is an OPT with
// the root owner (its options are skipped); no bytes after it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "dns64/wire.h"

namespace tundra::dns64 {

struct QueryView {
  std::uint16_t id = 0;
  bool rd = false;
  bool cd = false;
  const std::uint8_t* name = nullptr;  // the question name in wire form, inside the message
  std::size_t name_length = 0;         // including the root's zero byte
  std::uint16_t type = 0;
  std::uint16_t cls = 0;
  bool has_edns = false;
  std::uint16_t udp_size = 0;
  std::uint8_t edns_version = 0;
  bool dnssec_ok = false;
};

// True when `bytes` is a plain query (see the top); `*out` is then filled.
inline bool parse_plain_query(std::span<const std::uint8_t> bytes, QueryView* out) {
  const std::uint8_t* p = bytes.data();
  const std::size_t n = bytes.size();
  if (n < dns::kHeaderSize + 5) return false;
  auto u16 = [&](std::size_t at) { return static_cast<std::uint16_t>(p[at] << 8 | p[at + 1]); };
  const std::uint8_t flags = p[2];
  if ((flags & 0x80) != 0 || (flags & 0x78) != 0) return false;  // QR, opcode
  if (u16(4) != 1 || u16(6) != 0 || u16(8) != 0 || u16(10) > 1) return false;
  std::size_t at = dns::kHeaderSize;
  for (;;) {  // labels up to the root, no pointers (RFC 1035 §3.1)
    if (at >= n) return false;
    const std::uint8_t len = p[at];
    if (len == 0) break;
    if (len > 63 || at + 1 + len >= n) return false;
    at += 1 + len;
  }
  ++at;
  if (at - dns::kHeaderSize > dns::kMaxNameWire || at + 4 > n) return false;
  out->id = u16(0);
  out->rd = (flags & 0x01) != 0;
  out->cd = (p[3] & 0x10) != 0;
  out->name = p + dns::kHeaderSize;
  out->name_length = at - dns::kHeaderSize;
  out->type = u16(at);
  out->cls = u16(at + 2);
  at += 4;
  out->has_edns = false;
  out->dnssec_ok = false;
  if (u16(10) == 1) {  // the OPT (RFC 6891 §6.1.2): root, type 41, size, ext-rcode, version, flags, rdlen
    if (at + 11 > n || p[at] != 0 || u16(at + 1) != dns::kTypeOPT) return false;
    out->has_edns = true;
    out->udp_size = u16(at + 3);
    out->edns_version = p[at + 6];
    out->dnssec_ok = (p[at + 7] & 0x80) != 0;
    at += 11 + u16(at + 9);
  }
  return at == n;
}

// True when the wire-form name `name` equals `zone` or lies below it, ignoring ASCII case.
inline bool wire_name_is_under(const std::uint8_t* name, std::size_t length, const dns::Name& zone) {
  const std::size_t zone_length = zone.wire.size();
  std::size_t at = 0;
  while (length - at > zone_length) {
    at += 1 + name[at];
    if (at >= length) return false;
  }
  if (length - at != zone_length) return false;
  for (std::size_t i = 0; i < zone_length; ++i) {
    std::uint8_t a = name[at + i], b = static_cast<std::uint8_t>(zone.wire[i]);
    if (a >= 'A' && a <= 'Z') a = static_cast<std::uint8_t>(a + 32);
    if (b >= 'A' && b <= 'Z') b = static_cast<std::uint8_t>(b + 32);
    if (a != b) return false;
  }
  return true;
}

}  // namespace tundra::dns64
