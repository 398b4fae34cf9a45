// The dynamic IPv4 pool: IPv6 hosts with no static mapping borrow one IPv4 address each
// (Tayga's `dynamic-pool`, address-only, ports untouched).
//
// Concurrency contract (DESIGN.md §2 and §7 rule 9; the policy follows below):
// - Readers: find_ip6, find_ip4, pool_contains, capacity and options may run on any number
//   of threads at once, concurrently with a writer. They are lock-free: no lock, syscall
//   or allocation. These are the packet path. The only thing a reader writes is a
//   binding's last use, and only when the second changed (at most once per second per
//   binding, so a busy client's packets do not each dirty a shared cache line): one
//   relaxed compare-and-swap from the value it read to `now`, so that a reader that lost a
//   race with a writer cannot stamp its stale time on the address's next owner.
// - Writers: bind and restore change which client owns which address. They are serialised
//   by the PoolWriterLock the owner injects with set_writer_lock() and hold it for the
//   whole call. With no lock set (nullptr, the default) the caller must never let two of
//   them overlap (single-threaded use, as before). bindings() takes the same lock, so the
//   control plane gets a consistent snapshot while readers go on.
// - Memory: every slot and index cell is allocated in the constructor and is never freed,
//   moved or resized until the pool is destroyed, so a reader never touches freed memory.
//   Destroying the pool while a thread may still use it is the owner's problem (the
//   daemon frees a Translator, and with it its pool, only after every worker has moved
//   on). The pool is neither copyable nor movable. Readers never release a binding: an
//   expired one stays in its slot, invisible to readers, until a writer reuses the slot.
// - What a reader may observe during a write: each slot (one pool address) has a sequence
//   lock. A writer makes the slot's sequence odd, rewrites owner, last use and the bound
//   flag (all atomics), and makes it even again; a reader copies the slot between two
//   reads of the sequence and uses the copy only if both are the same even value. So
//   every answer is a state that a writer published: find_ip4 never returns a torn IPv6
//   address, nor a client that no longer owned the address when it was read, and find_ip6
//   never returns an address bound to another client. A reader may miss instead (a false
//   negative): when the slot stays busy for a few retries, or when a deletion in the IPv6
//   index moves the entry it probes for behind it. A find_ip6 miss is harmless only
//   because the caller's slow path is bind(), which looks the client up again under the
//   writer lock and returns kExisting (or kReactivated) for the binding that was there all
//   along. A find_ip4 miss drops one inbound packet to an address whose ownership is
//   changing at that instant. Last use is advisory: a reader may see a value a second
//   old, and a dormant binding whose client sends at the very moment a writer takes it
//   over is still taken over (that client's next packet binds again).
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
// dynamic.map). Storage is allocated once in the constructor; no call allocates after that
// except bindings(), which is control plane.
#pragma once

#include <atomic>
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
  std::uint32_t new_per_second = 0;      // new bindings (kAssigned, kReassigned) per second; 0 = any
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
  kRateLimited,  // a new binding was due, but new_per_second were made this second already
};

// The lock that serialises the pool's writers, supplied by its owner (translator/ has no
// threads or locks of its own; the daemon wraps a std::mutex). lock() blocks until the
// caller holds it; neither may throw (bind() is noexcept: a throw terminates). The pool
// never destroys it: the owner keeps it alive as long as the pool may use it.
struct PoolWriterLock {
  virtual void lock() = 0;
  virtual void unlock() = 0;

 protected:
  ~PoolWriterLock() = default;
};

class DynamicPool {
 public:
  // The largest pool is a /16 (65,536 addresses, about 2.5 MiB of slots and index): storage
  // is one slot per address, allocated up front. The config layer refuses shorter prefixes;
  // a pool outside kMinPrefixLength..32 given here anyway is empty (capacity() == 0, every
  // bind() is kExhausted) rather than an allocation of gigabytes.
  static constexpr unsigned kMinPrefixLength = 16;

  explicit DynamicPool(DynamicPoolOptions options);
  // Readers hold references into the slots: a shared pool stays where it is.
  DynamicPool(const DynamicPool&) = delete;
  DynamicPool& operator=(const DynamicPool&) = delete;

  // The lock bind(), restore() and bindings() take for their whole duration; nullptr (the
  // default) means the caller runs at most one of them at a time. Set it before the pool
  // is shared between threads. Setting the same lock again while threads use the pool is
  // harmless (a reload that keeps the pool does); switching to another lock is safe only
  // while no writer runs, since two writers holding different locks would overlap.
  void set_writer_lock(PoolWriterLock* lock) noexcept {
    writer_lock_.store(lock, std::memory_order_release);
  }

  const DynamicPoolOptions& options() const noexcept { return options_; }
  // Changes options().new_per_second of a pool in use (a reload that keeps the pool).
  void set_new_per_second(std::uint32_t n) noexcept { new_per_second_.store(n, std::memory_order_relaxed); }
  // How many addresses can be handed out (pool minus excluded addresses).
  std::uint32_t capacity() const noexcept { return capacity_; }

  // Lock-free readers (the packet path), see the contract above.
  //
  // The IPv4 address of `v6`'s binding, active or dormant (a dormant one becomes active
  // again: the client is sending). Updates last use. Does not create. May miss during a
  // concurrent write; the caller then calls bind(), which settles it under the lock.
  std::optional<Ipv4Address> find_ip6(const Ipv6Address& v6, UnixSeconds now) noexcept;
  // The IPv6 client behind `v4` if its binding is active; updates last use. Dormant and
  // free addresses give nothing (inbound traffic does not revive a binding).
  std::optional<Ipv6Address> find_ip4(Ipv4Address v4, UnixSeconds now) noexcept;
  bool pool_contains(Ipv4Address a) const noexcept { return options_.pool.contains(a); }

  // Writers, serialised by the writer lock.
  //
  // Finds or creates the binding for `v6` (the slow path of an outbound packet). It looks
  // the client up again under the lock before placing it, so after a find_ip6 miss caused
  // by a concurrent write it returns the existing binding (kExisting or kReactivated)
  // rather than a second one. `*out` is written unless the result is kExhausted.
  BindResult bind(const Ipv6Address& v6, UnixSeconds now, Ipv4Address* out) noexcept;
  // Restores a persisted binding (dynamic.map). Refuses addresses outside the pool or
  // reserved, and duplicates of either side. Entries older than free_after are dropped.
  bool restore(const Binding& b, UnixSeconds now);
  // Ends `v6`'s binding at once, freeing its address (a reload whose new static map covers
  // the client). False when the client has none.
  bool forget(const Ipv6Address& v6);

  // Every live (active or dormant) binding, for `show mappings` and persistence: a
  // snapshot taken under the writer lock. Control plane (allocates).
  std::vector<Binding> bindings(UnixSeconds now) const;

 private:
  // An IPv6 address as two 64-bit words (its bytes copied, host byte order), so that a
  // reader compares and a writer stores it in two atomics.
  struct Key {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
  };
  // One per pool address, 32 bytes. `reserved` is fixed in the constructor. The rest is
  // written by writers only inside a seq odd/even window (see the contract), except
  // last_use, which readers also advance (touch).
  struct Slot {
    std::atomic<std::uint32_t> seq{0};      // odd while a writer rewrites the slot
    std::atomic<bool> bound{false};         // holds a binding; it may have expired
    bool reserved = false;                  // never handed out
    std::atomic<std::uint64_t> v6_hi{0};    // the client, as a Key
    std::atomic<std::uint64_t> v6_lo{0};
    std::atomic<UnixSeconds> last_use{0};   // Unix seconds; meaningful only while bound
  };
  // A reader's copy of a slot, taken under its sequence lock.
  struct SlotView {
    bool bound = false;
    Key v6;
    UnixSeconds last_use = 0;
  };
  static constexpr std::uint32_t kNoSlot = ~std::uint32_t{0};

  bool is_expired(UnixSeconds last_use, UnixSeconds now) const noexcept;
  bool is_dormant(UnixSeconds last_use, UnixSeconds now) const noexcept;
  Ipv4Address address_of(std::uint32_t offset) const noexcept;
  std::uint32_t preferred_offset(const Ipv6Address& v6) const noexcept;
  static Key key_of(const Ipv6Address& a) noexcept;
  static Ipv6Address address_of_key(const Key& k) noexcept;
  static bool read_slot(const Slot& s, SlotView* view) noexcept;
  static void touch(Slot& s, UnixSeconds seen, UnixSeconds now) noexcept;
  // Writer side (lock held).
  Key key_at(std::uint32_t offset) const noexcept;
  void occupy(std::uint32_t offset, const Key& v6, UnixSeconds last_use) noexcept;
  void release(std::uint32_t offset) noexcept;
  BindResult bind_locked(const Ipv6Address& v6, UnixSeconds now, Ipv4Address* out) noexcept;
  bool restore_locked(const Binding& b, UnixSeconds now) noexcept;
  // The open-addressing index (linear probing, backward-shift deletion).
  std::uint32_t index_home(const Key& v6) const noexcept;
  std::uint32_t index_find(const Key& v6) const noexcept;  // writer side: slot or kNoSlot
  void index_insert(const Key& v6, std::uint32_t offset) noexcept;
  void index_erase(const Key& v6) noexcept;

  DynamicPoolOptions options_;
  std::vector<Slot> slots_;  // indexed by offset within the pool; never resized
  // Open-addressing hash from IPv6 to slot + 1 (0 = empty); never resized.
  std::vector<std::atomic<std::uint32_t>> index_;
  std::uint32_t index_mask_ = 0;  // index_.size() - 1; the size is a power of two
  std::uint32_t host_bits_ = 0;   // 32 - pool length
  std::uint32_t capacity_ = 0;    // slots that are not reserved
  std::atomic<PoolWriterLock*> writer_lock_{nullptr};  // loaded by writers only
  // The new-binding budget (options_.new_per_second, changeable on reload); the second and
  // its count are read and written under the writer lock only.
  std::atomic<std::uint32_t> new_per_second_{0};
  UnixSeconds budget_second_ = 0;
  std::uint32_t new_in_second_ = 0;
  // The second in which a search found no free or dormant address (writer lock only). Until
  // the second changes or an address is released, a full pool answers kExhausted without
  // searching again: a flood of unknown sources would otherwise cost a whole-pool scan per
  // packet under the writer lock. kNeverExhausted: not known to be full.
  static constexpr UnixSeconds kNeverExhausted = -1;
  UnixSeconds exhausted_second_ = kNeverExhausted;
};

}  // namespace tundra
