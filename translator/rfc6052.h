// RFC 6052: IPv4-embedded IPv6 addresses.
//
// The one implementation shared by the translator and the DNS64 synthesizer (RFC 6147 §5.2
// requires both to use the same algorithm). Pure and allocation-free except parse().
#pragma once

#include <optional>
#include <string_view>

#include "translator/address.h"

namespace tundra {

// A NAT64 prefix: an IPv6 prefix whose length is one of RFC 6052 §2.2's six lengths
// (32, 40, 48, 56, 64, 96). There is no way to construct one with another length.
class Rfc6052Prefix {
 public:
  // The Well-Known Prefix 64:ff9b::/96 (RFC 6052 §2.1).
  static Rfc6052Prefix well_known();
  // Accepts only the six RFC 6052 lengths, and a prefix whose bits 64..71 (the "u" octet)
  // are zero (RFC 6052 §2.2) and whose host bits are zero.
  static std::optional<Rfc6052Prefix> make(const Ipv6Prefix& p);
  static std::optional<Rfc6052Prefix> parse(std::string_view text);

  const Ipv6Prefix& prefix() const { return prefix_; }
  unsigned length() const { return prefix_.length; }
  bool contains(const Ipv6Address& a) const { return prefix_.contains(a); }
  bool is_well_known() const;
  std::string to_string() const { return prefix_.to_string(); }

  // RFC 6052 §2.2: places the IPv4 address after the prefix, skipping bits 64..71
  // (the u octet, written as zero); the suffix is zero.
  Ipv6Address embed(Ipv4Address v4) const;
  // RFC 6052 §2.2: the inverse; the u octet and suffix bits are ignored. The caller
  // checks contains() first.
  Ipv4Address extract(const Ipv6Address& v6) const;

  auto operator<=>(const Rfc6052Prefix&) const = default;

 private:
  explicit Rfc6052Prefix(const Ipv6Prefix& p) : prefix_(p) {}
  Ipv6Prefix prefix_;
};

// RFC 6052 §3.1: the Well-Known Prefix MUST NOT be used to represent non-global IPv4
// addresses (RFC 1918, RFC 5735 §3, RFC 6598 shared space). True when `a` may appear
// embedded in 64:ff9b::/96 under `wkpf-strict`.
bool is_global_ipv4(Ipv4Address a);

}  // namespace tundra
