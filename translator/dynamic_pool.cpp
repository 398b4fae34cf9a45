// The dynamic IPv4 pool: Tayga-compatible placement and lifetimes (see dynamic_pool.h).
//
// Storage: one Slot per pool address, indexed by the address's offset in the pool, so
// IPv4 -> client is an array access. IPv6 -> slot goes through an open-addressing hash
// index (linear probing, backward-shift deletion, no tombstones) sized to at least twice
// the pool, so it is never more than half full and every probe ends at an empty cell.
// Both are allocated in the constructor; nothing here allocates afterwards except
// bindings(), which is control plane.
//
// Time: a binding's state is derived from idle = now - last_use (seconds) whenever it is
// looked at. The boundaries are Tayga's: a binding idle for exactly dormant_after seconds
// is still active, and one idle for exactly free_after seconds is still held.
//   idle <= dormant_after               active
//   dormant_after < idle <= free_after  dormant
//   free_after < idle                   free (released lazily the next time it is seen)
#include "translator/dynamic_pool.h"

#include <algorithm>
#include <utility>

namespace tundra {
namespace {

std::uint32_t load_be32(const Ipv6Address& a, unsigned at) {
  return (std::uint32_t{a.bytes[at]} << 24) | (std::uint32_t{a.bytes[at + 1]} << 16) |
         (std::uint32_t{a.bytes[at + 2]} << 8) | std::uint32_t{a.bytes[at + 3]};
}

// A 64-bit finaliser (multiply-xorshift): clients usually share their first 64 bits and
// differ in a few low bits, which must still spread over the whole index.
std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

std::uint64_t hash_ipv6(const Ipv6Address& a) {
  std::uint64_t hi = (std::uint64_t{load_be32(a, 0)} << 32) | load_be32(a, 4);
  std::uint64_t lo = (std::uint64_t{load_be32(a, 8)} << 32) | load_be32(a, 12);
  return mix64(hi ^ mix64(lo));
}

}  // namespace

DynamicPool::DynamicPool(DynamicPoolOptions options) : options_(std::move(options)) {
  const unsigned len = options_.pool.length;
  if (len < kMinPrefixLength || len > 32) {
    // Out of contract (the config layer refuses these): an empty pool, see the header.
    index_.assign(1, 0);
    return;
  }
  options_.pool = Ipv4Prefix::make(options_.pool.address, options_.pool.length);
  host_bits_ = 32 - len;
  const std::uint32_t size = std::uint32_t{1} << host_bits_;
  slots_.resize(size);
  index_.assign(std::size_t{size} * 2, 0);
  index_mask_ = size * 2 - 1;

  // The network and broadcast addresses of a /30 or shorter pool are never lent: a host
  // on a connected pool network would treat them as special. A /31 has neither (RFC 3021
  // uses both addresses of a /31 as hosts), and a /32's one address is the pool.
  if (len <= 30) {
    slots_.front().reserved = true;
    slots_.back().reserved = true;
  }
  const std::uint64_t first = options_.pool.address.value;
  const std::uint64_t last = options_.pool.last().value;
  for (const auto& r : options_.reserved) {
    if (r.length > 32) continue;  // not a prefix (Ipv4Prefix promises 0..32)
    const auto whole = Ipv4Prefix::make(r.address, r.length);
    const std::uint64_t lo = std::max<std::uint64_t>(first, whole.address.value);
    const std::uint64_t hi = std::min<std::uint64_t>(last, whole.last().value);
    for (std::uint64_t a = lo; a <= hi; ++a) slots_[a - first].reserved = true;
  }
  capacity_ = static_cast<std::uint32_t>(
      std::count_if(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.reserved; }));
}

std::uint32_t DynamicPool::capacity() const { return capacity_; }

bool DynamicPool::is_expired(const Slot& s, UnixSeconds now) const {
  return now - s.last_use > options_.free_after;
}

bool DynamicPool::is_dormant(const Slot& s, UnixSeconds now) const {
  return now - s.last_use > options_.dormant_after;
}

Ipv4Address DynamicPool::address_of(std::uint32_t offset) const {
  return Ipv4Address{options_.pool.address.value + offset};
}

// Tayga's placement: the four 32-bit words of the address are added one by one into a
// 32-bit accumulator, and after each addition the accumulator is folded into the host
// bits with end-around carry (the bits above the host bits are added back into them until
// none are left). As in Tayga, an addition that overflows 32 bits loses its carry; that
// only happens when a word is within 2^host_bits of 2^32, and keeping it keeps placements
// identical.
//
// The words are read in network byte order. Tayga reads them in host byte order, so its
// placement differs between little- and big-endian machines; ours equals its big-endian
// one. For a /24 pool the fold is the ones'-complement sum of the sixteen bytes, which
// does not depend on byte order, so there we also match Tayga on little-endian hosts
// (barring the lost-carry case): 2001:db8::1 gets offset 231 either way.
std::uint32_t DynamicPool::preferred_offset(const Ipv6Address& v6) const {
  if (host_bits_ == 0) return 0;
  const std::uint32_t mask = (std::uint32_t{1} << host_bits_) - 1;
  std::uint32_t acc = 0;
  for (unsigned at = 0; at < 16; at += 4) {
    acc += load_be32(v6, at);  // wraps on overflow, deliberately (see above)
    while (acc > mask) acc = (acc & mask) + (acc >> host_bits_);
  }
  return acc;
}

// Only stores when the second changes, so a busy client's packets do not each dirty the
// slot's cache line (and, once readers run on several cores, do not bounce it).
void DynamicPool::touch(Slot& s, UnixSeconds now) {
  if (s.last_use != now) s.last_use = now;
}

void DynamicPool::occupy(std::uint32_t offset, const Ipv6Address& v6, UnixSeconds last_use) {
  Slot& s = slots_[offset];
  s.v6 = v6;
  s.last_use = last_use;
  s.bound = true;
  index_insert(v6, offset);
}

void DynamicPool::release(std::uint32_t offset) {
  index_erase(slots_[offset].v6);  // before clearing: the erase compares v6
  slots_[offset].bound = false;
}

std::uint32_t DynamicPool::index_home(const Ipv6Address& v6) const {
  return static_cast<std::uint32_t>(hash_ipv6(v6)) & index_mask_;
}

std::uint32_t DynamicPool::index_find(const Ipv6Address& v6) const {
  for (std::uint32_t i = index_home(v6);; i = (i + 1) & index_mask_) {
    const std::uint32_t e = index_[i];
    if (e == 0) return kNoSlot;
    if (slots_[e - 1].v6 == v6) return e - 1;
  }
}

void DynamicPool::index_insert(const Ipv6Address& v6, std::uint32_t offset) {
  std::uint32_t i = index_home(v6);
  while (index_[i] != 0) i = (i + 1) & index_mask_;
  index_[i] = offset + 1;
}

// Backward-shift deletion: after emptying a cell, later cells of the same probe run move
// back into the hole when that keeps them reachable from their home cell, so the
// invariant "no empty cell between an entry's home and the entry" holds without
// tombstones.
void DynamicPool::index_erase(const Ipv6Address& v6) {
  std::uint32_t hole = index_home(v6);
  while (index_[hole] != 0 && slots_[index_[hole] - 1].v6 != v6) {
    hole = (hole + 1) & index_mask_;
  }
  if (index_[hole] == 0) return;  // not present
  for (std::uint32_t j = (hole + 1) & index_mask_; index_[j] != 0; j = (j + 1) & index_mask_) {
    const std::uint32_t home = index_home(slots_[index_[j] - 1].v6);
    // The entry at j may fill the hole if the hole lies cyclically within [home, j).
    if (((j - home) & index_mask_) >= ((j - hole) & index_mask_)) {
      index_[hole] = index_[j];
      hole = j;
    }
  }
  index_[hole] = 0;
}

std::optional<Ipv4Address> DynamicPool::find_ip6(const Ipv6Address& v6, UnixSeconds now) {
  const std::uint32_t offset = index_find(v6);
  if (offset == kNoSlot) return std::nullopt;
  Slot& s = slots_[offset];
  if (is_expired(s, now)) {
    release(offset);
    return std::nullopt;
  }
  touch(s, now);  // a dormant binding is active again: its client is sending
  return address_of(offset);
}

std::optional<Ipv6Address> DynamicPool::find_ip4(Ipv4Address v4, UnixSeconds now) {
  if (slots_.empty() || !options_.pool.contains(v4)) return std::nullopt;
  const std::uint32_t offset = v4.value - options_.pool.address.value;
  Slot& s = slots_[offset];
  if (!s.bound) return std::nullopt;
  if (is_expired(s, now)) {
    release(offset);
    return std::nullopt;
  }
  if (is_dormant(s, now)) return std::nullopt;  // inbound traffic does not revive
  touch(s, now);
  return s.v6;
}

BindResult DynamicPool::bind(const Ipv6Address& v6, UnixSeconds now, Ipv4Address* out) {
  if (capacity_ == 0) return BindResult::kExhausted;

  const std::uint32_t own = index_find(v6);
  if (own != kNoSlot) {
    Slot& s = slots_[own];
    if (is_expired(s, now)) {
      release(own);  // as if never bound; placement below usually finds the same address
    } else {
      const bool was_dormant = is_dormant(s, now);
      touch(s, now);
      if (out != nullptr) *out = address_of(own);
      return was_dormant ? BindResult::kReactivated : BindResult::kExisting;
    }
  }

  // One pass from the preferred offset: the first free address wins; meanwhile remember
  // the least recently used dormant binding (first in probe order on a tie) in case none
  // is free. Slow path only: O(pool size) when the pool is nearly full.
  const std::uint32_t size = static_cast<std::uint32_t>(slots_.size());
  const std::uint32_t start = preferred_offset(v6);
  std::uint32_t oldest = kNoSlot;
  for (std::uint32_t step = 0; step < size; ++step) {
    const std::uint32_t offset = (start + step) & (size - 1);
    Slot& s = slots_[offset];
    if (s.reserved) continue;
    if (s.bound && is_expired(s, now)) release(offset);
    if (!s.bound) {
      occupy(offset, v6, now);
      if (out != nullptr) *out = address_of(offset);
      return BindResult::kAssigned;
    }
    if (is_dormant(s, now) && (oldest == kNoSlot || s.last_use < slots_[oldest].last_use)) {
      oldest = offset;
    }
  }
  if (oldest == kNoSlot) return BindResult::kExhausted;
  release(oldest);
  occupy(oldest, v6, now);
  if (out != nullptr) *out = address_of(oldest);
  return BindResult::kReassigned;
}

bool DynamicPool::restore(const Binding& b, UnixSeconds now) {
  if (slots_.empty() || !options_.pool.contains(b.v4)) return false;
  const std::uint32_t offset = b.v4.value - options_.pool.address.value;
  if (slots_[offset].reserved) return false;

  UnixSeconds last_use = b.last_use;
  if (last_use > now) {
    // A last use in the future means the clock (now or when it was written) is wrong.
    // Like Tayga, keep the address for its client but do not trust it with inbound
    // traffic: it comes back in its first dormant second (or active where dormancy is
    // configured away). Tayga does this to every entry once any is in the future; here
    // it is per entry, since restore() sees one at a time.
    last_use = options_.dormant_after < options_.free_after ? now - options_.dormant_after - 1
                                                            : now;
  }
  // Written as a comparison against now - free_after so a corrupt, hugely negative
  // last_use cannot overflow the subtraction in is_expired.
  if (last_use < now - options_.free_after) return false;  // already free

  Slot& s = slots_[offset];
  if (s.bound) {
    if (!is_expired(s, now)) return false;  // the IPv4 address is taken
    release(offset);
  }
  const std::uint32_t other = index_find(b.v6);
  if (other != kNoSlot) {
    if (!is_expired(slots_[other], now)) return false;  // the client already has one
    release(other);
  }
  occupy(offset, b.v6, last_use);
  return true;
}

std::vector<Binding> DynamicPool::bindings(UnixSeconds now) const {
  std::vector<Binding> out;
  for (std::uint32_t offset = 0; offset < slots_.size(); ++offset) {
    const Slot& s = slots_[offset];
    if (!s.bound || is_expired(s, now)) continue;
    out.push_back(Binding{address_of(offset), s.v6, s.last_use,
                          is_dormant(s, now) ? BindingState::kDormant : BindingState::kActive});
  }
  return out;
}

}  // namespace tundra
