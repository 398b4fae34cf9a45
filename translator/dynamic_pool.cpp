// The dynamic IPv4 pool: Tayga-compatible placement and lifetimes, lock-free readers and
// lock-serialised writers (see the contract in dynamic_pool.h).
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
//   free_after < idle                   free (released lazily by the next writer that
//                                       meets it; readers just ignore it)
//
// The per-slot sequence lock, without standalone fences (which ThreadSanitizer does not
// model): a writer stores seq odd (relaxed), stores every field with release, then stores
// seq even with release. A reader loads seq with acquire, every field with acquire, then
// seq again. If any field it read was written inside a window, that release store is
// sequenced after the odd store, so the reader's second seq load happens after the odd
// store and cannot return the first value; if the first load returned an even value, it
// synchronised with the store that wrote it, so the fields read are at least that recent.
// On x86-64 all of these are plain moves; on arm64 they are LDAR/STLR. The sequence is 32
// bits: a reader would have to stall across exactly 2^31 rewrites of one slot to be fooled.
//
// The index: writers store cells with release after the slot they point to is published,
// readers load them with acquire, so a reader that finds a new cell sees its slot. A reader
// always compares the slot's IPv6 under the sequence lock before trusting a cell, and
// bounds its probe to the index size, since a backward-shift deletion briefly duplicates
// an entry and may move one behind a reader (a miss, never a wrong answer).
#include "translator/dynamic_pool.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace tundra {
namespace {

constexpr auto kRelaxed = std::memory_order_relaxed;
constexpr auto kAcquire = std::memory_order_acquire;
constexpr auto kRelease = std::memory_order_release;

// How often a reader re-reads a slot that a writer is rewriting before it gives up (a
// miss). A window is a handful of stores, so a retry usually succeeds; one that does not
// means the writer was preempted, and the caller's slow path waits for it on the lock.
constexpr int kReadTries = 4;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
                  std::atomic<std::uint32_t>::is_always_lock_free &&
                  std::atomic<bool>::is_always_lock_free,
              "readers must be lock-free: no atomic here may fall back to a hidden lock");

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

}  // namespace

// The words are the address's bytes in host order: they are only compared, hashed and
// copied back, never interpreted, so no byte swapping is needed.
inline DynamicPool::Key DynamicPool::key_of(const Ipv6Address& a) noexcept {
  static_assert(sizeof(a.bytes) == 2 * sizeof(std::uint64_t));
  Key k;
  std::memcpy(&k.hi, a.bytes.data(), sizeof k.hi);
  std::memcpy(&k.lo, a.bytes.data() + sizeof k.hi, sizeof k.lo);
  return k;
}

inline Ipv6Address DynamicPool::address_of_key(const Key& k) noexcept {
  Ipv6Address a;
  std::memcpy(a.bytes.data(), &k.hi, sizeof k.hi);
  std::memcpy(a.bytes.data() + sizeof k.hi, &k.lo, sizeof k.lo);
  return a;
}

inline std::uint32_t DynamicPool::index_home(const Key& v6) const noexcept {
  return static_cast<std::uint32_t>(mix64(v6.hi ^ mix64(v6.lo))) & index_mask_;
}

namespace {

// Holds the writer lock, if one is set, for a scope.
class WriterGuard {
 public:
  explicit WriterGuard(PoolWriterLock* lock) noexcept : lock_(lock) {
    if (lock_ != nullptr) lock_->lock();
  }
  ~WriterGuard() {
    if (lock_ != nullptr) lock_->unlock();
  }
  WriterGuard(const WriterGuard&) = delete;
  WriterGuard& operator=(const WriterGuard&) = delete;

 private:
  PoolWriterLock* lock_;
};

}  // namespace

DynamicPool::DynamicPool(DynamicPoolOptions options)
    : options_(std::move(options)), new_per_second_(options_.new_per_second) {
  static_assert(sizeof(Slot) == 32, "two slots per 64-byte cache line, as the header says");
  const unsigned len = options_.pool.length;
  if (len < kMinPrefixLength || len > 32) {
    // Out of contract (the config layer refuses these): an empty pool, see the header.
    index_ = std::vector<std::atomic<std::uint32_t>>(1);
    return;
  }
  options_.pool = Ipv4Prefix::make(options_.pool.address, options_.pool.length);
  host_bits_ = 32 - len;
  const std::uint32_t size = std::uint32_t{1} << host_bits_;
  // Sized once: the elements are atomics, which never move, and readers hold on to them.
  slots_ = std::vector<Slot>(size);
  index_ = std::vector<std::atomic<std::uint32_t>>(std::size_t{size} * 2);
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

bool DynamicPool::is_expired(UnixSeconds last_use, UnixSeconds now) const noexcept {
  return now - last_use > options_.free_after;
}

bool DynamicPool::is_dormant(UnixSeconds last_use, UnixSeconds now) const noexcept {
  return now - last_use > options_.dormant_after;
}

Ipv4Address DynamicPool::address_of(std::uint32_t offset) const noexcept {
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
std::uint32_t DynamicPool::preferred_offset(const Ipv6Address& v6) const noexcept {
  if (host_bits_ == 0) return 0;
  const std::uint32_t mask = (std::uint32_t{1} << host_bits_) - 1;
  std::uint32_t acc = 0;
  for (unsigned at = 0; at < 16; at += 4) {
    acc += load_be32(v6, at);  // wraps on overflow, deliberately (see above)
    while (acc > mask) acc = (acc & mask) + (acc >> host_bits_);
  }
  return acc;
}

// ---- Readers -------------------------------------------------------------------------

// Copies the slot under its sequence lock. False when a writer kept it busy (a miss).
inline bool DynamicPool::read_slot(const Slot& s, SlotView* view) noexcept {
  for (int attempt = 0; attempt < kReadTries; ++attempt) {
    const std::uint32_t before = s.seq.load(kAcquire);
    if ((before & 1) != 0) continue;  // a writer is inside its window
    view->bound = s.bound.load(kAcquire);
    view->v6.hi = s.v6_hi.load(kAcquire);
    view->v6.lo = s.v6_lo.load(kAcquire);
    view->last_use = s.last_use.load(kAcquire);
    if (s.seq.load(kRelaxed) == before) return true;
  }
  return false;
}

// Stores `now` as the slot's last use, but only when the second changed (so a busy
// client's packets do not each dirty the slot's cache line and bounce it between cores),
// and only if the value is still the one this thread read (`seen`): a failed exchange
// means another reader stored a time already, or a writer gave the slot to a new owner
// whose last use must not be overwritten by a reader of the old one.
inline void DynamicPool::touch(Slot& s, UnixSeconds seen, UnixSeconds now) noexcept {
  if (seen != now) s.last_use.compare_exchange_strong(seen, now, kRelaxed, kRelaxed);
}

std::optional<Ipv4Address> DynamicPool::find_ip6(const Ipv6Address& v6, UnixSeconds now) noexcept {
  const Key key = key_of(v6);
  std::uint32_t i = index_home(key);
  for (std::uint32_t probes = 0; probes <= index_mask_; ++probes, i = (i + 1) & index_mask_) {
    const std::uint32_t cell = index_[i].load(kAcquire);
    if (cell == 0) return std::nullopt;
    Slot& s = slots_[cell - 1];
    SlotView view;
    // A busy slot may be someone else's: keep probing (a miss at worst).
    if (!read_slot(s, &view)) continue;
    if (!view.bound || view.v6.hi != key.hi || view.v6.lo != key.lo) continue;
    // One client owns at most one slot, so this is the client's binding.
    if (is_expired(view.last_use, now)) return std::nullopt;  // a writer will reuse it
    touch(s, view.last_use, now);  // a dormant binding is active again: its client is sending
    return address_of(cell - 1);
  }
  return std::nullopt;
}

std::optional<Ipv6Address> DynamicPool::find_ip4(Ipv4Address v4, UnixSeconds now) noexcept {
  if (slots_.empty() || !options_.pool.contains(v4)) return std::nullopt;
  Slot& s = slots_[v4.value - options_.pool.address.value];
  SlotView view;
  if (!read_slot(s, &view) || !view.bound) return std::nullopt;
  // Dormant or expired: inbound traffic does not revive a binding.
  if (is_dormant(view.last_use, now) || is_expired(view.last_use, now)) return std::nullopt;
  touch(s, view.last_use, now);
  return address_of_key(view.v6);
}

// ---- Writers (the lock held; relaxed loads see everything earlier writers stored) ------

DynamicPool::Key DynamicPool::key_at(std::uint32_t offset) const noexcept {
  return Key{slots_[offset].v6_hi.load(kRelaxed), slots_[offset].v6_lo.load(kRelaxed)};
}

// One sequence-lock window: the slot belongs to `v6` from here on. The index entry comes
// last, so a reader that finds it finds the slot already published.
void DynamicPool::occupy(std::uint32_t offset, const Key& v6, UnixSeconds last_use) noexcept {
  Slot& s = slots_[offset];
  const std::uint32_t seq = s.seq.load(kRelaxed);
  s.seq.store(seq + 1, kRelaxed);
  s.v6_hi.store(v6.hi, kRelease);
  s.v6_lo.store(v6.lo, kRelease);
  s.last_use.store(last_use, kRelease);
  s.bound.store(true, kRelease);
  s.seq.store(seq + 2, kRelease);
  index_insert(v6, offset);
}

// The index entry goes first (the erase compares the slot's IPv6, which stays), then one
// window marks the slot unbound. A reader between the two still validates the slot.
void DynamicPool::release(std::uint32_t offset) noexcept {
  exhausted_second_ = kNeverExhausted;  // there is a free address now
  index_erase(key_at(offset));
  Slot& s = slots_[offset];
  const std::uint32_t seq = s.seq.load(kRelaxed);
  s.seq.store(seq + 1, kRelaxed);
  s.bound.store(false, kRelease);
  s.seq.store(seq + 2, kRelease);
}

std::uint32_t DynamicPool::index_find(const Key& v6) const noexcept {
  for (std::uint32_t i = index_home(v6);; i = (i + 1) & index_mask_) {
    const std::uint32_t cell = index_[i].load(kRelaxed);
    if (cell == 0) return kNoSlot;
    const Key k = key_at(cell - 1);
    if (k.hi == v6.hi && k.lo == v6.lo) return cell - 1;
  }
}

void DynamicPool::index_insert(const Key& v6, std::uint32_t offset) noexcept {
  std::uint32_t i = index_home(v6);
  while (index_[i].load(kRelaxed) != 0) i = (i + 1) & index_mask_;
  index_[i].store(offset + 1, kRelease);
}

// Backward-shift deletion: after emptying a cell, later cells of the same probe run move
// back into the hole when that keeps them reachable from their home cell, so the
// invariant "no empty cell between an entry's home and the entry" holds without
// tombstones. Each move copies first and empties the old cell only later, so a reader
// sees an entry twice rather than never, except one that the move passes behind it.
void DynamicPool::index_erase(const Key& v6) noexcept {
  auto same = [&](std::uint32_t cell) {
    const Key k = key_at(cell - 1);
    return k.hi == v6.hi && k.lo == v6.lo;
  };
  std::uint32_t hole = index_home(v6);
  while (index_[hole].load(kRelaxed) != 0 && !same(index_[hole].load(kRelaxed))) {
    hole = (hole + 1) & index_mask_;
  }
  if (index_[hole].load(kRelaxed) == 0) return;  // not present
  for (std::uint32_t j = (hole + 1) & index_mask_;; j = (j + 1) & index_mask_) {
    const std::uint32_t cell = index_[j].load(kRelaxed);
    if (cell == 0) break;
    const std::uint32_t home = index_home(key_at(cell - 1));
    // The entry at j may fill the hole if the hole lies cyclically within [home, j).
    if (((j - home) & index_mask_) >= ((j - hole) & index_mask_)) {
      index_[hole].store(cell, kRelease);
      hole = j;
    }
  }
  index_[hole].store(0, kRelease);
}

BindResult DynamicPool::bind(const Ipv6Address& v6, UnixSeconds now, Ipv4Address* out) noexcept {
  if (capacity_ == 0) return BindResult::kExhausted;
  WriterGuard guard(writer_lock_.load(kAcquire));
  return bind_locked(v6, now, out);
}

BindResult DynamicPool::bind_locked(const Ipv6Address& v6, UnixSeconds now,
                                    Ipv4Address* out) noexcept {
  // The authoritative look-up: under the lock nothing moves, so a client that a reader
  // missed during a concurrent write is found here and keeps its binding.
  const Key key = key_of(v6);
  const std::uint32_t own = index_find(key);
  if (own != kNoSlot) {
    Slot& s = slots_[own];
    const UnixSeconds last_use = s.last_use.load(kRelaxed);
    if (is_expired(last_use, now)) {
      release(own);  // as if never bound; placement below usually finds the same address
    } else {
      touch(s, last_use, now);
      if (out != nullptr) *out = address_of(own);
      return is_dormant(last_use, now) ? BindResult::kReactivated : BindResult::kExisting;
    }
  }

  // A new binding from here on: within this second's budget only.
  const std::uint32_t budget = new_per_second_.load(kRelaxed);
  if (budget != 0) {
    // Only forward: workers hold batch times of either side of a second boundary, and an
    // older one must not reset the count (budget_second_ starts at 0).
    if (now > budget_second_) {
      budget_second_ = now;
      new_in_second_ = 0;
    }
    if (new_in_second_ >= budget) return BindResult::kRateLimited;
  }

  // Nothing was free or dormant earlier this second, and nothing was released since: none
  // can have become so without a new second (dormancy and expiry only advance with it).
  if (exhausted_second_ == now) return BindResult::kExhausted;

  // One pass from the preferred offset: the first free address wins; meanwhile remember
  // the least recently used dormant binding (first in probe order on a tie) in case none
  // is free. Slow path only: O(pool size) when the pool is nearly full.
  const std::uint32_t size = static_cast<std::uint32_t>(slots_.size());
  const std::uint32_t start = preferred_offset(v6);
  std::uint32_t oldest = kNoSlot;
  UnixSeconds oldest_use = 0;
  for (std::uint32_t step = 0; step < size; ++step) {
    const std::uint32_t offset = (start + step) & (size - 1);
    Slot& s = slots_[offset];
    if (s.reserved) continue;
    bool bound = s.bound.load(kRelaxed);
    const UnixSeconds last_use = s.last_use.load(kRelaxed);
    if (bound && is_expired(last_use, now)) {
      release(offset);
      bound = false;
    }
    if (!bound) {
      occupy(offset, key, now);
      ++new_in_second_;
      if (out != nullptr) *out = address_of(offset);
      return BindResult::kAssigned;
    }
    if (is_dormant(last_use, now) && (oldest == kNoSlot || last_use < oldest_use)) {
      oldest = offset;
      oldest_use = last_use;
    }
  }
  if (oldest == kNoSlot) {
    exhausted_second_ = now;
    return BindResult::kExhausted;
  }
  release(oldest);
  occupy(oldest, key, now);
  ++new_in_second_;
  if (out != nullptr) *out = address_of(oldest);
  return BindResult::kReassigned;
}

bool DynamicPool::restore(const Binding& b, UnixSeconds now) {
  if (slots_.empty() || !options_.pool.contains(b.v4)) return false;
  WriterGuard guard(writer_lock_.load(kAcquire));
  return restore_locked(b, now);
}

bool DynamicPool::restore_locked(const Binding& b, UnixSeconds now) noexcept {
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
  if (s.bound.load(kRelaxed)) {
    if (!is_expired(s.last_use.load(kRelaxed), now)) return false;  // the IPv4 address is taken
    release(offset);
  }
  const Key key = key_of(b.v6);
  const std::uint32_t other = index_find(key);
  if (other != kNoSlot) {
    // The client already has one.
    if (!is_expired(slots_[other].last_use.load(kRelaxed), now)) return false;
    release(other);
  }
  occupy(offset, key, last_use);
  return true;
}

bool DynamicPool::forget(const Ipv6Address& v6) {
  if (slots_.empty()) return false;
  WriterGuard guard(writer_lock_.load(kAcquire));
  const std::uint32_t offset = index_find(key_of(v6));
  if (offset == kNoSlot) return false;
  release(offset);
  return true;
}

// ---- Control plane ---------------------------------------------------------------------

std::vector<Binding> DynamicPool::bindings(UnixSeconds now) const {
  std::vector<Binding> out;
  // Ownership is frozen under the lock; readers may still advance last use.
  WriterGuard guard(writer_lock_.load(kAcquire));
  for (std::uint32_t offset = 0; offset < slots_.size(); ++offset) {
    const Slot& s = slots_[offset];
    if (!s.bound.load(kRelaxed)) continue;
    const UnixSeconds last_use = s.last_use.load(kRelaxed);
    if (is_expired(last_use, now)) continue;
    out.push_back(Binding{address_of(offset), address_of_key(key_at(offset)), last_use,
                          is_dormant(last_use, now) ? BindingState::kDormant
                                                    : BindingState::kActive});
  }
  return out;
}

}  // namespace tundra
