// The dynamic IPv4 pool: IPv6 hosts with no static mapping borrow one IPv4 address each
// (Tayga's `dynamic-pool`, address-only, ports untouched).
//
// Policy (the same as Tayga's, so an existing dynamic.map migrates):
// - Placement is deterministic: a client's preferred address is a hash of its IPv6 address
//   folded into the pool's host bits; the pool is probed upward from there (wrapping) for a
//   free address. A client that lost its binding tends to get the same address again.
// - Never handed out: the pool's network address, its broadcast address (pools up to /30),
//   and every address in `reserved` (the translator's own ipv4-addr, EAM/map IPv4 ranges).
// - A binding is active while used; after `dormant_after` seconds without use it is
//   dormant: inbound IPv4 to it is refused, but the same client gets it back first. After
//   `free_after` seconds without use it is free. When no address is free, the least
//   recently used dormant binding is taken over. Otherwise the pool is exhausted.
// States are derived lazily from last-use times and `now`, so no timer is needed here.
//
// Time is injected: every call takes `now` in Unix seconds (the value stored in Tayga's
// dynamic.map). Storage is allocated once in the constructor; no call allocates after that.
//
// Concurrency: not synchronised. The owner serialises writers (bind, restore, touch) and
// readers (issue 3 adds the lock-free reader layer on top of this policy).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "translator/address.h"

namespace tundra {

using UnixSeconds = std::int64_t;

struct DynamicPoolOptions {
  Ipv4Prefix pool;                       // e.g. 192.168.255.0/24; length <= 31
  std::vector<Ipv4Prefix> reserved;      // carved out of the pool (own address, maps)
  UnixSeconds dormant_after = 7440;      // seconds idle before dormant (Tayga: 2 h 4 min)
  UnixSeconds free_after = 14 * 86400;   // seconds idle before freed (Tayga: 14 days)
};

enum class BindingState : std::uint8_t { kActive, kDormant };

struct Binding {
  Ipv4Address v4;
  Ipv6Address v6;
  UnixSeconds last_use = 0;
  BindingState state = BindingState::kActive;  // as of the `now` given to the query
};

enum class BindResult : std::uint8_t {
  kExisting,     // the client's active binding
  kReactivated,  // the client's own dormant binding
  kAssigned,     // a free address
  kReassigned,   // another client's least recently used dormant binding, taken over
  kExhausted,    // no address could be given
};

class DynamicPool {
 public:
  // The largest pool is a /16 (65,536 addresses, about 2.5 MiB of slots and index): storage
  // is one slot per address, allocated up front. The config layer refuses shorter prefixes;
  // a pool outside kMinPrefixLength..32 given here anyway is empty (capacity() == 0, every
  // bind() is kExhausted) rather than an allocation of gigabytes.
  static constexpr unsigned kMinPrefixLength = 16;

  explicit DynamicPool(DynamicPoolOptions options);

  const DynamicPoolOptions& options() const { return options_; }
  // How many addresses can be handed out (pool minus excluded addresses).
  std::uint32_t capacity() const;

  // The IPv4 address of `v6`'s binding, active or dormant (a dormant one becomes active
  // again: the client is sending). Updates last use. Does not create.
  std::optional<Ipv4Address> find_ip6(const Ipv6Address& v6, UnixSeconds now);
  // The IPv6 client behind `v4` if its binding is active; updates last use. Dormant and
  // free addresses give nothing (inbound traffic does not revive a binding).
  std::optional<Ipv6Address> find_ip4(Ipv4Address v4, UnixSeconds now);
  // Finds or creates the binding for `v6` (the slow path of an outbound packet).
  BindResult bind(const Ipv6Address& v6, UnixSeconds now, Ipv4Address* out);

  // Restores a persisted binding (dynamic.map). Refuses addresses outside the pool or
  // reserved, and duplicates of either side. Entries older than free_after are dropped.
  bool restore(const Binding& b, UnixSeconds now);
  // Every live (active or dormant) binding, for `show mappings` and persistence.
  std::vector<Binding> bindings(UnixSeconds now) const;
  bool pool_contains(Ipv4Address a) const { return options_.pool.contains(a); }

 private:
  struct Slot {  // one per pool address, 32 bytes
    Ipv6Address v6;
    UnixSeconds last_use = 0;  // Unix seconds; meaningful only while bound
    bool bound = false;        // holds a binding; it may have expired (see is_expired)
    bool reserved = false;     // never handed out
  };
  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

  bool is_expired(const Slot& s, UnixSeconds now) const;
  bool is_dormant(const Slot& s, UnixSeconds now) const;
  Ipv4Address address_of(std::uint32_t offset) const;
  std::uint32_t preferred_offset(const Ipv6Address& v6) const;
  void touch(Slot& s, UnixSeconds now);
  void occupy(std::uint32_t offset, const Ipv6Address& v6, UnixSeconds last_use);
  void release(std::uint32_t offset);
  // The open-addressing index (linear probing, backward-shift deletion).
  std::uint32_t index_home(const Ipv6Address& v6) const;
  std::uint32_t index_find(const Ipv6Address& v6) const;  // slot offset or kNoSlot
  void index_insert(const Ipv6Address& v6, std::uint32_t offset);
  void index_erase(const Ipv6Address& v6);

  DynamicPoolOptions options_;
  std::vector<Slot> slots_;            // indexed by offset within the pool
  std::vector<std::uint32_t> index_;   // open-addressing hash from IPv6 to slot + 1 (0 = empty)
  std::uint32_t index_mask_ = 0;       // index_.size() - 1; the size is a power of two
  std::uint32_t host_bits_ = 0;        // 32 - pool length
  std::uint32_t capacity_ = 0;         // slots that are not reserved
};

}  // namespace tundra
