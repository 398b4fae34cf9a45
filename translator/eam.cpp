// RFC 7757 §3: the Explicit Address Mapping Table and its address translation algorithm.
//
// An EAM maps an IPv4 prefix to an IPv6 prefix. An address is translated by keeping the
// bits after the matched prefix (its suffix) and placing them after the other side's
// prefix. The IPv6 suffix may be longer than the IPv4 suffix: the IPv4 suffix bits go
// right after the IPv6 prefix and the rest of the IPv6 address is zero; on the way back
// the IPv6 bits after the carried IPv4 suffix are ignored.
#include "translator/eam.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

namespace tundra {
namespace {

// An IPv6 address as a 128-bit number in two host-order halves, so bit fields that cross
// byte (and half) boundaries are shifts rather than loops over bits.
struct U128 {
  std::uint64_t hi = 0;  // bits 0..63 (bit 0 = most significant of the address)
  std::uint64_t lo = 0;  // bits 64..127
};

U128 to_u128(const Ipv6Address& a) {
  U128 v;
  for (unsigned i = 0; i < 8; ++i) {
    v.hi = (v.hi << 8) | a.bytes[i];
    v.lo = (v.lo << 8) | a.bytes[8 + i];
  }
  return v;
}

Ipv6Address to_address(U128 v) {
  Ipv6Address a;
  for (unsigned i = 0; i < 8; ++i) {
    a.bytes[7 - i] = static_cast<std::uint8_t>(v.hi >> (8 * i));
    a.bytes[15 - i] = static_cast<std::uint8_t>(v.lo >> (8 * i));
  }
  return a;
}

// Keeps the first `len` bits (0..128) of `v`.
U128 keep_prefix(U128 v, unsigned len) {
  if (len == 0) return {};
  if (len < 64) return {v.hi & (~std::uint64_t{0} << (64 - len)), 0};
  if (len == 64) return {v.hi, 0};
  if (len < 128) return {v.hi, v.lo & (~std::uint64_t{0} << (128 - len))};
  return v;
}

// The low `count` bits (0..32) of an IPv4 address: its suffix after a /(32 - count).
std::uint32_t ipv4_suffix(Ipv4Address a, unsigned count) {
  if (count == 0) return 0;
  if (count == 32) return a.value;
  return a.value & ((std::uint32_t{1} << count) - 1);
}

// Bits [pos, pos + count) of `v` as a right-aligned number; count <= 32, pos + count <= 128.
std::uint32_t read_bits(U128 v, unsigned pos, unsigned count) {
  if (count == 0) return 0;
  unsigned shift = 128 - pos - count;  // how far the field's last bit is from bit 127
  std::uint64_t field = 0;
  if (shift >= 64) {
    field = v.hi >> (shift - 64);
  } else if (shift == 0) {
    field = v.lo;
  } else {
    field = (v.lo >> shift) | (v.hi << (64 - shift));
  }
  return static_cast<std::uint32_t>(field & ((std::uint64_t{1} << count) - 1));
}

// Sets bits [pos, pos + count) of `v`, which are zero, to `field`; count <= 32,
// pos + count <= 128.
U128 write_bits(U128 v, unsigned pos, unsigned count, std::uint32_t field) {
  if (count == 0) return v;
  unsigned shift = 128 - pos - count;
  if (shift >= 64) {
    v.hi |= std::uint64_t{field} << (shift - 64);
  } else if (shift == 0) {
    v.lo |= field;
  } else {
    v.lo |= std::uint64_t{field} << shift;
    v.hi |= std::uint64_t{field} >> (64 - shift);
  }
  return v;
}

unsigned ipv4_suffix_length(const EamEntry& e) { return 32u - e.v4.length; }
unsigned ipv6_suffix_length(const EamEntry& e) { return 128u - e.v6.length; }

std::string describe(const EamEntry& e) { return e.v4.to_string() + " " + e.v6.to_string(); }

void set_error(std::string* error, std::string text) {
  if (error != nullptr) *error = std::move(text);
}

// Splits a vector sorted by length descending into runs of equal length.
template <typename LengthOf, typename Group>
void group_by_length(const std::vector<EamEntry>& sorted, LengthOf length_of,
                     std::vector<Group>& groups) {
  for (std::uint32_t i = 0; i < sorted.size(); ++i) {
    auto len = length_of(sorted[i]);
    if (groups.empty() || groups.back().length != len) {
      groups.push_back(Group{len, i, i});
    }
    groups.back().end = i + 1;
  }
}

}  // namespace

// RFC 7757 §3.1 (the table) and §3.2 (which EAMs are valid).
std::optional<EamTable> EamTable::build(std::vector<EamEntry> entries, std::string* error) {
  for (const auto& e : entries) {
    // The address types promise these; a hand-built value that breaks them would make
    // lookups miss silently, so it is refused here rather than trusted.
    if (e.v4.length > 32 || e.v6.length > 128) {
      set_error(error, "EAM " + describe(e) + ": prefix length out of range");
      return std::nullopt;
    }
    if (Ipv4Prefix::make(e.v4.address, e.v4.length) != e.v4 ||
        Ipv6Prefix::make(e.v6.address, e.v6.length) != e.v6) {
      set_error(error, "EAM " + describe(e) + ": prefix has host bits set");
      return std::nullopt;
    }
    // RFC 7757 §3.2: every IPv4 suffix bit must fit in the IPv6 suffix, or the mapping
    // could not be reversed.
    if (ipv6_suffix_length(e) < ipv4_suffix_length(e)) {
      set_error(error, "EAM " + describe(e) + ": the IPv6 suffix (" +
                           std::to_string(ipv6_suffix_length(e)) +
                           " bits) is shorter than the IPv4 suffix (" +
                           std::to_string(ipv4_suffix_length(e)) + " bits)");
      return std::nullopt;
    }
  }

  EamTable table;
  table.by_v4_ = entries;
  table.by_v6_ = entries;
  // Longest first, so the first group that matches is the longest match (RFC 7757 §3.3).
  std::stable_sort(table.by_v4_.begin(), table.by_v4_.end(),
                   [](const EamEntry& a, const EamEntry& b) {
                     if (a.v4.length != b.v4.length) return a.v4.length > b.v4.length;
                     return a.v4.address < b.v4.address;
                   });
  std::stable_sort(table.by_v6_.begin(), table.by_v6_.end(),
                   [](const EamEntry& a, const EamEntry& b) {
                     if (a.v6.length != b.v6.length) return a.v6.length > b.v6.length;
                     return a.v6.address < b.v6.address;
                   });

  // Two EAMs for the same prefix would make one side's translation ambiguous. Overlaps of
  // different lengths are fine: the longer prefix wins.
  for (std::size_t i = 1; i < table.by_v4_.size(); ++i) {
    const auto& a = table.by_v4_[i - 1];
    const auto& b = table.by_v4_[i];
    if (a.v4 == b.v4) {
      set_error(error, "duplicate EAM IPv4 prefix " + a.v4.to_string() + " (in \"" +
                           describe(a) + "\" and \"" + describe(b) + "\")");
      return std::nullopt;
    }
  }
  for (std::size_t i = 1; i < table.by_v6_.size(); ++i) {
    const auto& a = table.by_v6_[i - 1];
    const auto& b = table.by_v6_[i];
    if (a.v6 == b.v6) {
      set_error(error, "duplicate EAM IPv6 prefix " + a.v6.to_string() + " (in \"" +
                           describe(a) + "\" and \"" + describe(b) + "\")");
      return std::nullopt;
    }
  }

  group_by_length(table.by_v4_, [](const EamEntry& e) { return e.v4.length; },
                  table.v4_groups_);
  group_by_length(table.by_v6_, [](const EamEntry& e) { return e.v6.length; },
                  table.v6_groups_);
  table.entries_ = std::move(entries);
  return table;
}

// RFC 7757 §3.3: the EAM whose IPv4 prefix is the longest match for `a`; its IPv4 suffix
// goes right after the IPv6 prefix, and the remaining IPv6 bits are zero.
std::optional<Ipv6Address> EamTable::ip4_to_ip6(Ipv4Address a) const {
  for (const auto& g : v4_groups_) {
    auto network = Ipv4Prefix::make(a, g.length).address;
    auto first = by_v4_.begin() + g.begin;
    auto last = by_v4_.begin() + g.end;
    auto it = std::lower_bound(first, last, network, [](const EamEntry& e, Ipv4Address n) {
      return e.v4.address < n;
    });
    if (it == last || it->v4.address != network) continue;
    unsigned count = ipv4_suffix_length(*it);
    U128 v = write_bits(to_u128(it->v6.address), it->v6.length, count, ipv4_suffix(a, count));
    return to_address(v);
  }
  return std::nullopt;
}

// RFC 7757 §3.3: the EAM whose IPv6 prefix is the longest match for `a`; the IPv4 suffix
// is read from the bits right after the IPv6 prefix. Later IPv6 bits are ignored.
std::optional<Ipv4Address> EamTable::ip6_to_ip4(const Ipv6Address& a) const {
  U128 value = to_u128(a);
  for (const auto& g : v6_groups_) {
    auto network = to_address(keep_prefix(value, g.length));
    auto first = by_v6_.begin() + g.begin;
    auto last = by_v6_.begin() + g.end;
    auto it = std::lower_bound(first, last, network,
                               [](const EamEntry& e, const Ipv6Address& n) {
                                 return std::memcmp(e.v6.address.bytes.data(), n.bytes.data(),
                                                    16) < 0;
                               });
    if (it == last || it->v6.address != network) continue;
    unsigned count = ipv4_suffix_length(*it);
    return Ipv4Address{it->v4.address.value | read_bits(value, it->v6.length, count)};
  }
  return std::nullopt;
}

}  // namespace tundra
