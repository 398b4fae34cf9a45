// The dynamic IPv4 pool (translator/dynamic_pool.h): Tayga-compatible placement,
// lifetimes, takeover, restore, and the IPv6 index checked against a reference model.
#include "translator/dynamic_pool.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace tundra {
namespace {

constexpr UnixSeconds kT0 = 1'700'000'000;  // an arbitrary "now", in Unix seconds

Ipv4Address v4(const char* text) { return *Ipv4Address::parse(text); }
Ipv6Address v6(const char* text) { return *Ipv6Address::parse(text); }

DynamicPoolOptions options(const char* pool, std::vector<const char*> reserved = {},
                           UnixSeconds dormant_after = 100, UnixSeconds free_after = 1000) {
  DynamicPoolOptions o;
  o.pool = *Ipv4Prefix::parse(pool);
  for (const char* r : reserved) o.reserved.push_back(*Ipv4Prefix::parse(r));
  o.dormant_after = dormant_after;
  o.free_after = free_after;
  return o;
}

// Client number n: 2001:db8:0:1::n (n in the low 32 bits).
Ipv6Address client(std::uint32_t n) {
  Ipv6Address a = v6("2001:db8:0:1::");
  a.bytes[12] = static_cast<std::uint8_t>(n >> 24);
  a.bytes[13] = static_cast<std::uint8_t>(n >> 16);
  a.bytes[14] = static_cast<std::uint8_t>(n >> 8);
  a.bytes[15] = static_cast<std::uint8_t>(n);
  return a;
}

Ipv4Address bind_ok(DynamicPool& pool, const Ipv6Address& a, UnixSeconds now,
                    BindResult expected = BindResult::kAssigned) {
  Ipv4Address out;
  auto result = pool.bind(a, now, &out);
  INFO(a.to_string());
  REQUIRE(result == expected);
  return out;
}

// The policy of dynamic_pool.h written the obvious way: ordered maps, eager expiry, and a
// placement fold written with division rather than masks.
class ReferencePool {
 public:
  explicit ReferencePool(const DynamicPoolOptions& o) : o_(o) {
    size_ = std::uint32_t{1} << (32 - o.pool.length);
    for (std::uint32_t off = 0; off < size_; ++off) {
      Ipv4Address a{o.pool.address.value + off};
      bool excluded = o.pool.length <= 30 && (off == 0 || off == size_ - 1);
      for (const auto& r : o.reserved) excluded = excluded || r.contains(a);
      if (excluded) excluded_.insert(off);
    }
  }

  BindResult bind(const Ipv6Address& a, UnixSeconds now, Ipv4Address* out) {
    purge(now);
    if (auto it = by_v6_.find(a); it != by_v6_.end()) {
      bool dormant = is_dormant(it->second.last_use, now);
      it->second.last_use = now;
      *out = address(it->second.offset);
      return dormant ? BindResult::kReactivated : BindResult::kExisting;
    }
    std::uint32_t start = preferred(a);
    std::optional<std::uint32_t> oldest;
    for (std::uint32_t i = 0; i < size_; ++i) {
      std::uint32_t off = (start + i) % size_;
      if (excluded_.count(off)) continue;
      auto holder = by_v4_.find(off);
      if (holder == by_v4_.end()) {
        insert(a, off, now);
        *out = address(off);
        return BindResult::kAssigned;
      }
      UnixSeconds last_use = by_v6_.at(holder->second).last_use;
      if (is_dormant(last_use, now) &&
          (!oldest || last_use < by_v6_.at(by_v4_.at(*oldest)).last_use)) {
        oldest = off;
      }
    }
    if (!oldest) return BindResult::kExhausted;
    by_v6_.erase(by_v4_.at(*oldest));
    by_v4_.erase(*oldest);
    insert(a, *oldest, now);
    *out = address(*oldest);
    return BindResult::kReassigned;
  }

  std::optional<Ipv4Address> find_ip6(const Ipv6Address& a, UnixSeconds now) {
    purge(now);
    auto it = by_v6_.find(a);
    if (it == by_v6_.end()) return std::nullopt;
    it->second.last_use = now;
    return address(it->second.offset);
  }

  std::optional<Ipv6Address> find_ip4(Ipv4Address a, UnixSeconds now) {
    purge(now);
    if (!o_.pool.contains(a)) return std::nullopt;
    auto it = by_v4_.find(a.value - o_.pool.address.value);
    if (it == by_v4_.end()) return std::nullopt;
    auto& entry = by_v6_.at(it->second);
    if (is_dormant(entry.last_use, now)) return std::nullopt;
    entry.last_use = now;
    return it->second;
  }

  bool restore(const Binding& b, UnixSeconds now) {
    purge(now);
    if (!o_.pool.contains(b.v4)) return false;
    std::uint32_t off = b.v4.value - o_.pool.address.value;
    if (excluded_.count(off)) return false;
    UnixSeconds last_use = b.last_use > now ? now - o_.dormant_after - 1 : b.last_use;
    if (now - last_use > o_.free_after) return false;
    if (by_v4_.count(off) || by_v6_.count(b.v6)) return false;
    insert(b.v6, off, last_use);
    return true;
  }

  std::vector<Binding> bindings(UnixSeconds now) {
    purge(now);
    std::vector<Binding> out;
    for (const auto& [off, a] : by_v4_) {
      UnixSeconds last_use = by_v6_.at(a).last_use;
      out.push_back(Binding{address(off), a, last_use,
                            is_dormant(last_use, now) ? BindingState::kDormant
                                                      : BindingState::kActive});
    }
    return out;
  }

  std::uint32_t size() const { return size_; }

 private:
  struct Entry {
    std::uint32_t offset;
    UnixSeconds last_use;
  };

  bool is_dormant(UnixSeconds last_use, UnixSeconds now) const {
    return now - last_use > o_.dormant_after;
  }
  void purge(UnixSeconds now) {
    for (auto it = by_v6_.begin(); it != by_v6_.end();) {
      if (now - it->second.last_use > o_.free_after) {
        by_v4_.erase(it->second.offset);
        it = by_v6_.erase(it);
      } else {
        ++it;
      }
    }
  }
  void insert(const Ipv6Address& a, std::uint32_t off, UnixSeconds last_use) {
    by_v6_[a] = Entry{off, last_use};
    by_v4_[off] = a;
  }
  Ipv4Address address(std::uint32_t off) const { return Ipv4Address{o_.pool.address.value + off}; }
  // Tayga's fold: add each 32-bit word (network order) modulo 2^32, then fold the
  // accumulator into the host bits with end-around carry.
  std::uint32_t preferred(const Ipv6Address& a) const {
    if (size_ == 1) return 0;
    std::uint64_t acc = 0;
    for (unsigned w = 0; w < 4; ++w) {
      std::uint64_t word = 0;
      for (unsigned b = 0; b < 4; ++b) word = word * 256 + a.bytes[4 * w + b];
      acc = (acc + word) % (std::uint64_t{1} << 32);
      while (acc >= size_) acc = acc % size_ + acc / size_;
    }
    return static_cast<std::uint32_t>(acc);
  }

  DynamicPoolOptions o_;
  std::uint32_t size_ = 0;
  std::set<std::uint32_t> excluded_;
  std::map<Ipv6Address, Entry> by_v6_;
  std::map<std::uint32_t, Ipv6Address> by_v4_;
};

bool same_bindings(std::vector<Binding> a, std::vector<Binding> b) {
  auto by_v4 = [](const Binding& x, const Binding& y) { return x.v4 < y.v4; };
  std::sort(a.begin(), a.end(), by_v4);
  std::sort(b.begin(), b.end(), by_v4);
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (a[i].v4 != b[i].v4 || a[i].v6 != b[i].v6 || a[i].last_use != b[i].last_use ||
        a[i].state != b[i].state) {
      return false;
    }
  }
  return true;
}

// Drives the pool and the reference model with the same random operations and requires
// identical answers at every step.
// `tick`: time advances 0..tick-1 seconds per step.
void run_against_reference(const DynamicPoolOptions& o, std::uint32_t clients, int steps,
                           std::uint32_t tick, std::uint32_t seed) {
  DynamicPool pool(o);
  ReferencePool model(o);
  std::mt19937 engine(seed);
  auto rng = [&engine](std::uint32_t n) { return static_cast<std::uint32_t>(engine() % n); };
  UnixSeconds now = kT0;
  for (int step = 0; step < steps; ++step) {
    now += rng(tick);
    INFO("step " << step);
    std::uint32_t op = rng(100);
    if (op < 40) {
      Ipv6Address a = client(rng(clients));
      Ipv4Address got{0xdeadbeef};
      Ipv4Address want{0xdeadbeef};
      auto result = pool.bind(a, now, &got);
      REQUIRE(result == model.bind(a, now, &want));
      REQUIRE(got == want);
    } else if (op < 65) {
      Ipv6Address a = client(rng(clients));
      REQUIRE(pool.find_ip6(a, now) == model.find_ip6(a, now));
    } else if (op < 90) {
      Ipv4Address a{o.pool.address.value + rng(model.size() + 2)};  // a few outside
      REQUIRE(pool.find_ip4(a, now) == model.find_ip4(a, now));
    } else if (op < 96) {
      Binding b{Ipv4Address{o.pool.address.value + rng(model.size() + 2)}, client(rng(clients)),
                now - static_cast<UnixSeconds>(rng(static_cast<std::uint32_t>(o.free_after + 50))) +
                    20,
                BindingState::kActive};
      REQUIRE(pool.restore(b, now) == model.restore(b, now));
    } else {
      REQUIRE(same_bindings(pool.bindings(now), model.bindings(now)));
    }
  }
  REQUIRE(same_bindings(pool.bindings(now), model.bindings(now)));
  // Every client the model knows is still reachable through the pool's index.
  for (const auto& b : model.bindings(now)) {
    REQUIRE(pool.find_ip6(b.v6, now) == b.v4);
  }
}

}  // namespace

TEST_CASE("2001:db8::1 gets 172.16.0.231 from 172.16.0.0/24, as it does from Tayga",
          "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/24"));
  CHECK(bind_ok(pool, v6("2001:db8::1"), kT0) == v4("172.16.0.231"));
}

TEST_CASE("A /16 pool places a client by the network-order word sum (Tayga on big-endian)",
          "[tayga-dynamic]") {
  // 0x20010db8 + 1 folded into 16 bits: 0x2001 + 0x0db9 = 0x2dba.
  DynamicPool pool(options("172.16.0.0/16"));
  CHECK(bind_ok(pool, v6("2001:db8::1"), kT0) == v4("172.16.45.186"));
}

TEST_CASE("A word sum that overflows 32 bits loses its carry, as in Tayga", "[tayga-dynamic]") {
  // 0xe6 (the first word folded) + 0xffffffff wraps to 0xe5; a carried sum would be 0xe6.
  DynamicPool pool(options("172.16.0.0/24"));
  CHECK(bind_ok(pool, v6("2001:db8:ffff:ffff::"), kT0) == v4("172.16.0.229"));
}

TEST_CASE("A client whose preferred address is taken gets the next free one upward",
          "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/24"));
  // Both fold to 231: the byte sums of the addresses are equal.
  CHECK(bind_ok(pool, v6("2001:db8::1"), kT0) == v4("172.16.0.231"));
  CHECK(bind_ok(pool, v6("2001:db8::100"), kT0) == v4("172.16.0.232"));
}

TEST_CASE("Probing wraps past the broadcast and network addresses", "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/24"));
  // 2001:db8::19 folds to 255, the broadcast address; 0 is the network address.
  CHECK(bind_ok(pool, v6("2001:db8::19"), kT0) == v4("172.16.0.1"));
}

TEST_CASE("Placement is deterministic and sticky", "[tayga-dynamic]") {
  DynamicPool first(options("172.16.0.0/24"));
  DynamicPool second(options("172.16.0.0/24"));
  std::vector<Ipv4Address> placed;
  for (std::uint32_t n = 0; n < 100; ++n) {
    placed.push_back(bind_ok(first, client(n), kT0));
    CHECK(bind_ok(second, client(n), kT0) == placed.back());
  }
  // The same client asking again keeps its address.
  CHECK(bind_ok(first, client(7), kT0 + 5, BindResult::kExisting) == placed[7]);
  // After its binding is freed, a client that comes back gets the same address again.
  DynamicPool pool(options("172.16.0.0/24"));
  auto before = bind_ok(pool, client(42), kT0);
  CHECK(pool.bindings(kT0 + 1001).empty());
  CHECK(bind_ok(pool, client(42), kT0 + 1001) == before);
}

TEST_CASE("Network, broadcast and reserved addresses are never handed out",
          "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/28", {"172.16.0.1", "172.16.0.8/30", "10.0.0.0/8"}));
  CHECK(pool.capacity() == 16 - 2 - 1 - 4);
  std::set<Ipv4Address> given;
  int exhausted = 0;
  for (std::uint32_t n = 0; n < 40; ++n) {
    Ipv4Address out{0};
    auto result = pool.bind(client(n), kT0, &out);
    if (result == BindResult::kExhausted) {
      ++exhausted;
      continue;
    }
    REQUIRE(result == BindResult::kAssigned);
    CHECK(given.insert(out).second);
  }
  CHECK(given.size() == pool.capacity());
  CHECK(exhausted == 40 - static_cast<int>(pool.capacity()));
  for (const char* never : {"172.16.0.0", "172.16.0.15", "172.16.0.1", "172.16.0.8",
                            "172.16.0.9", "172.16.0.10", "172.16.0.11"}) {
    INFO(never);
    CHECK(given.count(v4(never)) == 0);
  }
  for (const auto& a : given) CHECK(pool.pool_contains(a));
}

TEST_CASE("A /31 pool lends both addresses (RFC 3021), a /30 only the middle two",
          "[tayga-dynamic]") {
  DynamicPool p31(options("172.16.0.0/31"));
  CHECK(p31.capacity() == 2);
  std::set<Ipv4Address> got31 = {bind_ok(p31, client(1), kT0), bind_ok(p31, client(2), kT0)};
  CHECK(got31 == std::set<Ipv4Address>{v4("172.16.0.0"), v4("172.16.0.1")});

  DynamicPool p30(options("172.16.0.0/30"));
  CHECK(p30.capacity() == 2);
  std::set<Ipv4Address> got30 = {bind_ok(p30, client(1), kT0), bind_ok(p30, client(2), kT0)};
  CHECK(got30 == std::set<Ipv4Address>{v4("172.16.0.1"), v4("172.16.0.2")});
  Ipv4Address out{0};
  CHECK(p30.bind(client(3), kT0, &out) == BindResult::kExhausted);

  DynamicPool p32(options("172.16.0.9/32"));
  CHECK(p32.capacity() == 1);
  CHECK(bind_ok(p32, client(1), kT0) == v4("172.16.0.9"));
}

TEST_CASE("A reserved prefix covering the pool leaves nothing to lend", "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/24", {"172.16.0.0/16"}));
  CHECK(pool.capacity() == 0);
  Ipv4Address out{0};
  CHECK(pool.bind(client(1), kT0, &out) == BindResult::kExhausted);
}

TEST_CASE("A pool shorter than the /16 maximum is empty rather than huge",
          "[tayga-dynamic]") {
  STATIC_REQUIRE(DynamicPool::kMinPrefixLength == 16);
  DynamicPool pool(options("10.0.0.0/8"));
  CHECK(pool.capacity() == 0);
  Ipv4Address out{0};
  CHECK(pool.bind(client(1), kT0, &out) == BindResult::kExhausted);
  CHECK_FALSE(pool.find_ip4(v4("10.1.2.3"), kT0).has_value());
  CHECK_FALSE(pool.find_ip6(client(1), kT0).has_value());
  CHECK_FALSE(pool.restore(Binding{v4("10.1.2.3"), client(1), kT0}, kT0));
  CHECK(pool.bindings(kT0).empty());
}

TEST_CASE("An idle binding turns dormant: inbound is refused, its client gets it back",
          "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/24"));  // dormant after 100 s, free after 1000 s
  auto a = client(1);
  auto addr = bind_ok(pool, a, kT0);
  // Idle for exactly dormant_after seconds is still active (Tayga's boundary).
  CHECK(pool.find_ip4(addr, kT0 + 100) == a);
  CHECK_FALSE(pool.find_ip4(addr, kT0 + 201).has_value());
  auto listed = pool.bindings(kT0 + 201);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].state == BindingState::kDormant);
  CHECK(listed[0].last_use == kT0 + 100);  // refused inbound did not count as use
  // The client sends again: the same address, active again.
  CHECK(pool.find_ip6(a, kT0 + 250) == addr);
  CHECK(pool.find_ip4(addr, kT0 + 250) == a);
  CHECK(pool.bindings(kT0 + 250)[0].state == BindingState::kActive);
  // bind() says which case it was.
  CHECK(bind_ok(pool, a, kT0 + 400, BindResult::kReactivated) == addr);
  CHECK(bind_ok(pool, a, kT0 + 401, BindResult::kExisting) == addr);
}

TEST_CASE("A binding idle longer than free_after is freed", "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/24"));
  auto a = client(1);
  auto addr = bind_ok(pool, a, kT0);
  auto held = pool.bindings(kT0 + 1000);  // exactly free_after: still held, dormant
  REQUIRE(held.size() == 1);
  CHECK(held[0].state == BindingState::kDormant);
  CHECK(pool.bindings(kT0 + 1001).empty());
  CHECK_FALSE(pool.find_ip4(addr, kT0 + 1001).has_value());
  CHECK_FALSE(pool.find_ip6(a, kT0 + 1001).has_value());
  // A freed address goes to whoever is placed there: here another client.
  DynamicPool other(options("172.16.0.0/24"));
  auto first = bind_ok(other, v6("2001:db8::1"), kT0);
  CHECK(bind_ok(other, v6("2001:db8::100"), kT0 + 1001) == first);
  CHECK_FALSE(other.find_ip6(v6("2001:db8::1"), kT0 + 1001).has_value());
}

TEST_CASE("A full pool takes over the least recently used dormant binding",
          "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/30"));  // .1 and .2
  auto a_addr = bind_ok(pool, client(1), kT0);
  auto b_addr = bind_ok(pool, client(2), kT0 + 10);
  // Both dormant at +200; A's is older.
  CHECK(bind_ok(pool, client(3), kT0 + 200, BindResult::kReassigned) == a_addr);
  CHECK_FALSE(pool.find_ip6(client(1), kT0 + 200).has_value());
  CHECK(pool.find_ip4(a_addr, kT0 + 200) == client(3));
  CHECK(bind_ok(pool, client(4), kT0 + 201, BindResult::kReassigned) == b_addr);
  // Now both are active: nothing to give.
  Ipv4Address out{0xdeadbeef};
  CHECK(pool.bind(client(1), kT0 + 202, &out) == BindResult::kExhausted);
  CHECK(out == Ipv4Address{0xdeadbeef});  // untouched
}

TEST_CASE("A dormant binding is taken over only when no address is free",
          "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/29"));  // six addresses
  bind_ok(pool, client(1), kT0);
  for (std::uint32_t n = 2; n <= 6; ++n) {
    bind_ok(pool, client(n), kT0 + 500, BindResult::kAssigned);  // client 1 is dormant
  }
  CHECK(pool.find_ip6(client(1), kT0 + 500).has_value());
}

TEST_CASE("An active pool is exhausted", "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/29"));
  for (std::uint32_t n = 0; n < 6; ++n) bind_ok(pool, client(n), kT0);
  Ipv4Address out{0};
  CHECK(pool.bind(client(99), kT0 + 100, &out) == BindResult::kExhausted);
}

TEST_CASE("The new-binding budget counts per second and an older second does not reset it",
          "[tayga-dynamic]") {
  // Workers take their clock per batch, so calls from either side of a second boundary
  // interleave: the count must only start over when time moves forward.
  DynamicPoolOptions o = options("172.16.0.0/24");
  o.new_per_second = 2;
  DynamicPool pool(o);
  bind_ok(pool, client(1), kT0 + 1);
  bind_ok(pool, client(2), kT0 + 1);
  Ipv4Address out{0};
  CHECK(pool.bind(client(3), kT0 + 1, &out) == BindResult::kRateLimited);
  CHECK(pool.bind(client(3), kT0, &out) == BindResult::kRateLimited);  // a batch from the second before
  CHECK(pool.bind(client(1), kT0, &out) == BindResult::kExisting);     // bound clients are never limited
  CHECK(pool.bind(client(3), kT0 + 2, &out) == BindResult::kAssigned);  // the next second's budget
}

TEST_CASE("restore() accepts only bindings that fit the pool", "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/24", {"172.16.0.1"}));
  const UnixSeconds now = kT0;
  auto binding = [](const char* a4, const Ipv6Address& a6, UnixSeconds last_use) {
    return Binding{v4(a4), a6, last_use, BindingState::kActive};
  };
  CHECK_FALSE(pool.restore(binding("172.16.1.5", client(1), now), now));   // outside
  CHECK_FALSE(pool.restore(binding("172.16.0.0", client(1), now), now));   // network
  CHECK_FALSE(pool.restore(binding("172.16.0.255", client(1), now), now)); // broadcast
  CHECK_FALSE(pool.restore(binding("172.16.0.1", client(1), now), now));   // reserved

  CHECK(pool.restore(binding("172.16.0.10", client(1), now - 10), now));
  CHECK(pool.find_ip4(v4("172.16.0.10"), now) == client(1));
  CHECK_FALSE(pool.restore(binding("172.16.0.10", client(2), now), now));  // IPv4 taken
  CHECK_FALSE(pool.restore(binding("172.16.0.11", client(1), now), now));  // IPv6 bound

  // An old entry comes back dormant: kept for its client, closed to inbound.
  CHECK(pool.restore(binding("172.16.0.12", client(3), now - 500), now));
  CHECK_FALSE(pool.find_ip4(v4("172.16.0.12"), now).has_value());
  CHECK(bind_ok(pool, client(3), now, BindResult::kReactivated) == v4("172.16.0.12"));

  // Older than free_after: dropped. Exactly free_after: kept.
  CHECK_FALSE(pool.restore(binding("172.16.0.13", client(4), now - 1001), now));
  CHECK(pool.restore(binding("172.16.0.13", client(4), now - 1000), now));

  // A last use in the future (a clock problem) comes back dormant.
  CHECK(pool.restore(binding("172.16.0.14", client(5), now + 3600), now));
  CHECK_FALSE(pool.find_ip4(v4("172.16.0.14"), now).has_value());
  CHECK(bind_ok(pool, client(5), now, BindResult::kReactivated) == v4("172.16.0.14"));

  // The state in the record is not trusted; last_use decides.
  CHECK(pool.restore(Binding{v4("172.16.0.15"), client(6), now, BindingState::kDormant}, now));
  CHECK(pool.find_ip4(v4("172.16.0.15"), now) == client(6));

  // A corrupt timestamp is refused without overflowing.
  CHECK_FALSE(pool.restore(
      binding("172.16.0.16", client(7), std::numeric_limits<UnixSeconds>::min()), now));
}

TEST_CASE("restore() may reuse what has expired since", "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/24"));
  auto addr = bind_ok(pool, client(1), kT0);
  const UnixSeconds later = kT0 + 1001;  // client 1's binding has expired
  CHECK(pool.restore(Binding{addr, client(2), later}, later));
  CHECK(pool.find_ip4(addr, later) == client(2));
  CHECK_FALSE(pool.find_ip6(client(1), later).has_value());
  // And the same client may be restored elsewhere once its old binding expired.
  auto addr3 = bind_ok(pool, client(3), later);
  const UnixSeconds much_later = later + 1001;
  Ipv4Address elsewhere{addr3.value == 0xac100064 ? 0xac100065u : 0xac100064u};
  CHECK(pool.restore(Binding{elsewhere, client(3), much_later}, much_later));
  CHECK(pool.find_ip6(client(3), much_later) == elsewhere);
}

TEST_CASE("bindings() lists what is live with its state", "[tayga-dynamic]") {
  DynamicPool pool(options("172.16.0.0/24"));
  auto a1 = bind_ok(pool, client(1), kT0);
  auto a2 = bind_ok(pool, client(2), kT0 + 150);
  bind_ok(pool, client(3), kT0 - 2000 + 1);  // an old binding
  auto list = pool.bindings(kT0 + 200);
  REQUIRE(list.size() == 2);
  std::sort(list.begin(), list.end(),
            [](const Binding& x, const Binding& y) { return x.last_use < y.last_use; });
  CHECK(list[0].v4 == a1);
  CHECK(list[0].v6 == client(1));
  CHECK(list[0].state == BindingState::kDormant);
  CHECK(list[1].v4 == a2);
  CHECK(list[1].last_use == kT0 + 150);
  CHECK(list[1].state == BindingState::kActive);
}

TEST_CASE("A full /16 pool finds every client both ways", "[tayga-dynamic]") {
  DynamicPool pool(options("100.64.0.0/16", {}, 7440, 14 * 86400));
  REQUIRE(pool.capacity() == 65534);
  std::vector<Ipv4Address> given(65534);
  for (std::uint32_t n = 0; n < 65534; ++n) given[n] = bind_ok(pool, client(n * 7919), kT0);
  Ipv4Address out{0};
  CHECK(pool.bind(client(1), kT0, &out) == BindResult::kExhausted);
  for (std::uint32_t n = 0; n < 65534; ++n) {
    REQUIRE(pool.find_ip6(client(n * 7919), kT0) == given[n]);
    REQUIRE(pool.find_ip4(given[n], kT0) == client(n * 7919));
  }
  // Everyone goes quiet, then the even clients come back; newcomers take over quiet odd
  // ones (each takeover scans the pool, so only a few hundred of them).
  const UnixSeconds later = kT0 + 8000;
  for (std::uint32_t n = 0; n < 65534; n += 2) {
    REQUIRE(pool.find_ip6(client(n * 7919), later) == given[n]);
  }
  std::set<std::uint32_t> taken_over;
  for (std::uint32_t k = 0; k < 300; ++k) {
    auto addr = bind_ok(pool, client(0x80000000u + k), later, BindResult::kReassigned);
    auto n = static_cast<std::uint32_t>(std::find(given.begin(), given.end(), addr) -
                                        given.begin());
    REQUIRE(n % 2 == 1);
    taken_over.insert(n);
  }
  for (std::uint32_t n = 0; n < 65534; ++n) {
    if (taken_over.count(n)) {
      REQUIRE_FALSE(pool.find_ip6(client(n * 7919), later).has_value());
    } else {
      REQUIRE(pool.find_ip6(client(n * 7919), later) == given[n]);
    }
  }
  for (std::uint32_t k = 0; k < 300; ++k) {
    REQUIRE(pool.find_ip6(client(0x80000000u + k), later).has_value());
  }
}

// The parameters below were tuned so that together the runs see every bind result many
// times, restores that succeed and fail, and frequent expiry and takeover (index deletions
// inside probe runs: the /27's index has 64 cells for up to 29 entries).
TEST_CASE("Bind, expire and restore cycles on a churning pool match a reference model",
          "[tayga-dynamic]") {
  // Clients come and go; most bindings expire before their client returns.
  run_against_reference(options("172.16.0.0/27", {"172.16.0.5"}, 60, 300), 80, 60000, 16, 1);
}

TEST_CASE("Bind, expire and restore cycles on a mostly full pool match a reference model",
          "[tayga-dynamic]") {
  // More clients than addresses, idle long enough to go dormant: takeover is common.
  run_against_reference(options("172.16.0.0/27", {"172.16.0.5"}, 40, 200), 40, 60000, 4, 2);
}

TEST_CASE("Bind, expire and restore cycles on a /24 match a reference model",
          "[tayga-dynamic]") {
  run_against_reference(options("172.16.0.0/24", {"172.16.0.64/28"}, 120, 1200), 400, 60000, 4,
                        3);
}

TEST_CASE("Bind, expire and restore cycles on a /31 match a reference model",
          "[tayga-dynamic]") {
  // Two addresses, five clients: exhaustion is common.
  run_against_reference(options("172.16.0.0/31", {}, 30, 90), 5, 5000, 16, 4);
}

}  // namespace tundra
