// RFC 7757 Explicit Address Mappings (EAM) and Tayga's single-address `map`.
//
// An entry maps an IPv4 prefix to an IPv6 prefix. The IPv4 suffix (32 - v4 length bits)
// is carried into the bits right after the IPv6 prefix (RFC 7757 §3.2); the IPv6 suffix
// may be longer than the IPv4 suffix (e.g. 192.0.2.0/24 <-> 2001:db8:1::/72), never
// shorter. Lookups are longest-prefix match in both directions (RFC 7757 §3.3) and are
// allocation-free.
//
// Concurrency: an EamTable is built once (control plane) and then only read; a reload
// builds a new table. Concurrent readers need no synchronisation.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "translator/address.h"

namespace tundra {

struct EamEntry {
  Ipv4Prefix v4;
  Ipv6Prefix v6;
  auto operator<=>(const EamEntry&) const = default;
};

class EamTable {
 public:
  EamTable() = default;

  // Builds the table. Refuses (returns a one-line reason) an entry whose IPv6 suffix is
  // shorter than its IPv4 suffix, and two entries with the same IPv4 prefix or the same
  // IPv6 prefix. Overlapping prefixes of different lengths are allowed: longest match wins.
  static std::optional<EamTable> build(std::vector<EamEntry> entries, std::string* error);

  // RFC 7757 §3.3: the IPv6 address for `a`, if an entry's IPv4 prefix contains it.
  std::optional<Ipv6Address> ip4_to_ip6(Ipv4Address a) const;
  // RFC 7757 §3.3: the IPv4 address for `a`, if an entry's IPv6 prefix contains it.
  std::optional<Ipv4Address> ip6_to_ip4(const Ipv6Address& a) const;

  bool empty() const { return entries_.empty(); }
  const std::vector<EamEntry>& entries() const { return entries_; }

 private:
  // A run of by_v4_ or by_v6_ whose prefixes share one length, sorted by address, so a
  // lookup is one binary search per distinct length (longest first) rather than a scan of
  // every entry: thousands of single-address maps cost about a dozen comparisons.
  struct LengthGroup {
    std::uint8_t length = 0;
    std::uint32_t begin = 0;  // index of the first entry of this length
    std::uint32_t end = 0;    // one past the last
  };

  std::vector<EamEntry> entries_;  // as configured
  std::vector<EamEntry> by_v4_;    // by IPv4 prefix length descending, then address
  std::vector<EamEntry> by_v6_;    // by IPv6 prefix length descending, then address
  std::vector<LengthGroup> v4_groups_;  // one per distinct IPv4 length, longest first
  std::vector<LengthGroup> v6_groups_;  // one per distinct IPv6 length, longest first
};

}  // namespace tundra
