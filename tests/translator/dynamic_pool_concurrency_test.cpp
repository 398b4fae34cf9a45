// The dynamic pool's concurrency contract (translator/dynamic_pool.h): lock-free readers on
// several threads while writers, serialised by the injected lock, bind, take over and
// restore. Every answer a reader gets must be a state that a writer published.
//
// Meant to run under ThreadSanitizer as well as in a normal build:
//   cmake -S . -B build-tsan -G Ninja -DTUNDRA_TSAN=ON -DTUNDRA_BENCH=OFF
//   cmake --build build-tsan --target tundra_tests && build-tsan/tests/tundra_tests "[concurrency]"
//
// Catch2's assertions are not thread-safe, so the threads record failures in a Failures
// object and the test thread asserts after joining them.
#include "translator/dynamic_pool.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tun/pool_lock.h"  // the lock the daemon supplies from outside translator/

namespace tundra {
namespace {

using Clock = std::chrono::steady_clock;
constexpr UnixSeconds kT0 = 1'700'000'000;  // an arbitrary "now", in Unix seconds

// Client n: 2001:db8:NNNN:NNNN:a5a5:a5a5:MMMM:MMMM with M = ~n, so that both 64-bit halves
// name n: an address torn between two clients decodes to nobody.
Ipv6Address client(std::uint32_t n) {
  Ipv6Address a;
  const std::uint8_t prefix[4] = {0x20, 0x01, 0x0d, 0xb8};
  for (unsigned i = 0; i < 4; ++i) {
    a.bytes[i] = prefix[i];
    a.bytes[4 + i] = static_cast<std::uint8_t>(n >> (24 - 8 * i));
    a.bytes[8 + i] = 0xa5;
    a.bytes[12 + i] = static_cast<std::uint8_t>(~n >> (24 - 8 * i));
  }
  return a;
}

// The client number of `a`, or nothing when `a` is no client's whole address.
std::optional<std::uint32_t> client_number(const Ipv6Address& a, std::uint32_t clients) {
  std::uint32_t n = 0;
  for (unsigned i = 0; i < 4; ++i) n = (n << 8) | a.bytes[4 + i];
  if (n >= clients || client(n) != a) return std::nullopt;
  return n;
}

class Failures {
 public:
  void add(const std::string& message) {
    count_.fetch_add(1, std::memory_order_relaxed);
    std::lock_guard<std::mutex> hold(mutex_);
    if (messages_.size() < 10) messages_.push_back(message);
  }
  int count() const { return count_.load(); }
  std::string summary() {
    std::lock_guard<std::mutex> hold(mutex_);
    std::string out;
    for (const auto& m : messages_) out += m + "\n";
    return out;
  }

 private:
  std::atomic<int> count_{0};
  std::mutex mutex_;
  std::vector<std::string> messages_;
};

// A small per-thread generator (xorshift64*): std::mt19937 would do, this is cheaper.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ULL + 1) {}
  std::uint32_t operator()(std::uint32_t n) {
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return static_cast<std::uint32_t>(((state_ * 0x2545f4914f6cdd1dULL) >> 32) % n);
  }

 private:
  std::uint64_t state_;
};

// The writer's record of which client held which pool offset when, in writer operations:
// state k is the pool after k operations. A tenure says that (client, offset) was bound in
// states granted .. revoked - 1. Readers check their answers against it: an answer read
// between the moments when `completed` was lo and `started` was hi must hold in some state
// lo..hi (an operation in progress only removes pairs before it adds its new one).
//
// Revocations are derived from the writer's own results, never earlier than the pool's:
// where the pool may have released a binding without saying (a failed restore() frees an
// expired one), the record keeps it, which only makes the check more lenient.
class History {
 public:
  static constexpr std::uint32_t kOpen = ~std::uint32_t{0};

  History(std::uint32_t clients, std::uint32_t offsets, std::uint32_t max_ops)
      : clients_(clients),
        offsets_(offsets),
        last_(std::size_t{clients} * offsets),
        tenures_(max_ops + 1),
        owner_(offsets, -1),
        held_(clients, -1) {
    for (auto& cell : last_) cell.store(-1, std::memory_order_relaxed);
  }

  // Writer side.
  std::uint32_t begin_op() {
    started_.store(++ops_, std::memory_order_release);
    return ops_;
  }
  void end_op() { completed_.store(ops_, std::memory_order_release); }
  std::uint32_t ops() const { return ops_; }
  bool capacity_left() const { return ops_ + 1 < tenures_.size(); }
  std::int32_t held_by(std::uint32_t c) const { return held_[c]; }

  void grant(std::uint32_t c, std::uint32_t offset) {
    revoke(c);  // its old binding, expired and freed (the same address again: a new tenure)
    if (owner_[offset] >= 0) revoke(static_cast<std::uint32_t>(owner_[offset]));  // taken over
    auto& head = last_[index(c, offset)];
    Tenure& t = tenures_[tenure_count_];
    t.granted = ops_;
    t.previous = head.load(std::memory_order_relaxed);
    t.revoked.store(kOpen, std::memory_order_relaxed);
    head.store(static_cast<std::int32_t>(tenure_count_), std::memory_order_release);
    ++tenure_count_;
    owner_[offset] = static_cast<std::int32_t>(c);
    held_[c] = static_cast<std::int32_t>(offset);
  }

  void revoke(std::uint32_t c) {
    if (held_[c] < 0) return;
    const auto offset = static_cast<std::uint32_t>(held_[c]);
    const std::int32_t t = last_[index(c, offset)].load(std::memory_order_relaxed);
    tenures_[static_cast<std::size_t>(t)].revoked.store(ops_, std::memory_order_relaxed);
    owner_[offset] = -1;
    held_[c] = -1;
  }

  // Reader side.
  std::uint32_t completed() const { return completed_.load(std::memory_order_acquire); }
  std::uint32_t started() const { return started_.load(std::memory_order_acquire); }
  void wait_completed(std::uint32_t op) const {
    while (completed() < op) std::this_thread::yield();
  }
  // Whether (c, offset) was bound in some state lo..hi. Call after wait_completed(hi).
  bool held_between(std::uint32_t c, std::uint32_t offset, std::uint32_t lo,
                    std::uint32_t hi) const {
    for (std::int32_t i = last_[index(c, offset)].load(std::memory_order_acquire); i >= 0;
         i = tenures_[static_cast<std::size_t>(i)].previous) {
      const Tenure& t = tenures_[static_cast<std::size_t>(i)];
      if (t.granted > hi) continue;  // granted after the answer was read
      // The newest tenure granted by then; older ones ended earlier still.
      return t.revoked.load(std::memory_order_relaxed) > lo;
    }
    return false;
  }

 private:
  struct Tenure {
    std::uint32_t granted = 0;      // written before the tenure is published
    std::int32_t previous = -1;     // the pair's older tenure, or -1
    std::atomic<std::uint32_t> revoked{kOpen};
  };
  std::size_t index(std::uint32_t c, std::uint32_t offset) const {
    return std::size_t{c} * offsets_ + offset;
  }

  std::uint32_t clients_;
  std::uint32_t offsets_;
  std::vector<std::atomic<std::int32_t>> last_;  // newest tenure per (client, offset)
  std::vector<Tenure> tenures_;
  std::uint32_t tenure_count_ = 0;  // writer only
  std::uint32_t ops_ = 0;           // writer only
  std::vector<std::int32_t> owner_;  // writer only: offset -> client or -1
  std::vector<std::int32_t> held_;   // writer only: client -> offset or -1
  std::atomic<std::uint32_t> started_{0};
  std::atomic<std::uint32_t> completed_{0};
};

// An answer a reader got, checked once the writer has finished operation `hi`.
struct Observation {
  std::uint32_t client;
  std::uint32_t offset;
  std::uint32_t lo;
  std::uint32_t hi;
  bool from_ip4;
};

std::string describe(const Observation& o) {
  std::ostringstream s;
  s << (o.from_ip4 ? "find_ip4" : "find_ip6") << " paired client " << o.client
    << " with offset " << o.offset << ", which it never held in states " << o.lo << ".."
    << o.hi;
  return s.str();
}

// One run: a writer thread (bind, restore, the clock), four reader threads (find_ip6,
// find_ip4) and a control thread (bindings()) on one pool for a bounded time.
struct Scenario {
  const char* pool;
  UnixSeconds dormant_after;
  UnixSeconds free_after;
  std::uint32_t clients;         // client numbers 0 .. clients - 1
  std::uint32_t window;          // clients the writer and readers favour, sliding along
  std::uint32_t ops_per_second;  // writer operations per second of pool time
  std::uint32_t ip6_eighths;     // share of reader queries that are find_ip6, in eighths
};

void run_readers_against_writer(const Scenario& sc) {
  DynamicPoolOptions o;
  o.pool = *Ipv4Prefix::parse(sc.pool);
  o.dormant_after = sc.dormant_after;
  o.free_after = sc.free_after;
  DynamicPool pool(o);
  MutexPoolLock lock;
  pool.set_writer_lock(&lock);

  const std::uint32_t kClients = sc.clients;
  const auto kOffsets = static_cast<std::uint32_t>(o.pool.size());
  const std::uint32_t kWindow = sc.window;
  constexpr std::uint32_t kMaxOps = 1u << 19;
  constexpr int kReaders = 4;
  const auto run_for = std::chrono::milliseconds(800);
  History history(kClients, kOffsets, kMaxOps);
  Failures failures;
  std::atomic<UnixSeconds> now{kT0};
  std::atomic<std::uint32_t> window{0};  // first client of the favoured window
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> positive6{0}, positive4{0}, misses6{0}, snapshots{0};
  std::uint64_t results[5] = {};
  std::uint32_t restored = 0;

  // The only pool writer: bind() and restore(), and the clock.
  std::thread writer([&] {
    Rng rng(1);
    const auto deadline = Clock::now() + run_for;
    while (Clock::now() < deadline && history.capacity_left()) {
      const std::uint32_t k = history.ops();
      // The window slides by one client every two seconds of pool time.
      const std::uint32_t second = k / sc.ops_per_second;
      if (k % sc.ops_per_second == 0) now.fetch_add(1, std::memory_order_relaxed);
      window.store(second / 2 % kClients, std::memory_order_relaxed);
      const UnixSeconds t = now.load(std::memory_order_relaxed);
      const std::uint32_t c = rng(4) == 0 ? rng(kClients) : (second / 2 + rng(kWindow)) % kClients;

      if (rng(32) == 0) {
        const std::uint32_t offset = rng(kOffsets);
        const Binding b{Ipv4Address{o.pool.address.value + offset}, client(c),
                        t - static_cast<UnixSeconds>(rng(6)), BindingState::kActive};
        history.begin_op();
        if (pool.restore(b, t)) {
          history.grant(c, offset);
          ++restored;
        }
        history.end_op();
        continue;
      }

      history.begin_op();
      Ipv4Address got{0};
      const BindResult r = pool.bind(client(c), t, &got);
      ++results[static_cast<int>(r)];
      const std::uint32_t offset = got.value - o.pool.address.value;
      switch (r) {
        case BindResult::kExisting:
        case BindResult::kReactivated:
          if (history.held_by(c) != static_cast<std::int32_t>(offset)) {
            failures.add("bind() returned an existing binding the client never had: client " +
                         std::to_string(c) + ", offset " + std::to_string(offset));
          }
          break;
        case BindResult::kAssigned:
        case BindResult::kReassigned:
          if (offset >= kOffsets) {
            failures.add("bind() gave an address outside the pool");
          } else {
            history.grant(c, offset);
          }
          break;
        case BindResult::kExhausted:
        case BindResult::kRateLimited:  // not configured here (new_per_second = 0)
          history.revoke(c);  // it had nothing, or an expired binding that bind() freed
          break;
      }
      history.end_op();
    }
    stop.store(true);
  });

  auto check_all = [&](std::vector<Observation>& pending) {
    std::uint32_t last = 0;
    for (const auto& ob : pending) last = std::max(last, ob.hi);
    history.wait_completed(last);
    for (const auto& ob : pending) {
      if (!history.held_between(ob.client, ob.offset, ob.lo, ob.hi)) failures.add(describe(ob));
    }
    pending.clear();
  };

  std::vector<std::thread> readers;
  for (int id = 0; id < kReaders; ++id) {
    readers.emplace_back([&, id] {
      Rng rng(100 + static_cast<std::uint64_t>(id));
      std::vector<Observation> pending;
      pending.reserve(512);
      std::uint64_t found6 = 0, found4 = 0, missed6 = 0;
      UnixSeconds t = now.load(std::memory_order_relaxed);
      for (std::uint64_t n = 0; !stop.load(std::memory_order_relaxed); ++n) {
        if (n % 16 == 0) t = now.load(std::memory_order_relaxed);  // once per "batch"
        const std::uint32_t lo = history.completed();
        if (rng(8) < sc.ip6_eighths) {
          const std::uint32_t c = rng(4) == 0
                                      ? rng(kClients)
                                      : (window.load(std::memory_order_relaxed) + rng(kWindow)) %
                                            kClients;
          const auto got = pool.find_ip6(client(c), t);
          const std::uint32_t hi = history.started();
          if (!got) {
            ++missed6;
            continue;
          }
          ++found6;
          const std::uint32_t offset = got->value - o.pool.address.value;
          if (!pool.pool_contains(*got) || offset >= kOffsets) {
            failures.add("find_ip6 returned an address outside the pool");
            continue;
          }
          pending.push_back(Observation{c, offset, lo, hi, false});
        } else {
          const std::uint32_t offset = rng(kOffsets);
          const auto got = pool.find_ip4(Ipv4Address{o.pool.address.value + offset}, t);
          const std::uint32_t hi = history.started();
          if (!got) continue;
          ++found4;
          const auto c = client_number(*got, kClients);
          if (!c) {
            failures.add("find_ip4 returned " + got->to_string() + ", which is no client");
            continue;
          }
          pending.push_back(Observation{*c, offset, lo, hi, true});
        }
        if (pending.size() == 512) check_all(pending);
      }
      check_all(pending);
      positive6 += found6;
      positive4 += found4;
      misses6 += missed6;
    });
  }

  // The control plane: snapshots under the writer lock while readers stamp last use.
  std::thread control([&] {
    std::vector<Observation> pending;
    while (!stop.load()) {
      const std::uint32_t lo = history.completed();
      const auto list = pool.bindings(now.load(std::memory_order_relaxed));
      const std::uint32_t hi = history.started();
      for (const auto& b : list) {
        const auto c = client_number(b.v6, kClients);
        if (!c) {
          failures.add("bindings() listed " + b.v6.to_string() + ", which is no client");
          continue;
        }
        pending.push_back(Observation{*c, b.v4.value - o.pool.address.value, lo, hi, false});
      }
      check_all(pending);
      snapshots.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });

  writer.join();
  for (auto& r : readers) r.join();
  control.join();

  INFO(failures.summary());
  INFO("writer ops " << history.ops() << ": existing " << results[0] << ", reactivated "
                     << results[1] << ", assigned " << results[2] << ", reassigned "
                     << results[3] << ", exhausted " << results[4] << ", restored " << restored);
  INFO("readers: find_ip6 hits " << positive6.load() << ", misses " << misses6.load()
                                 << "; find_ip4 hits " << positive4.load() << "; snapshots "
                                 << snapshots.load());
  REQUIRE(failures.count() == 0);
  // The run exercised what it is meant to: takeovers and revivals under live readers.
  CHECK(results[static_cast<int>(BindResult::kAssigned)] > 0);
  CHECK(results[static_cast<int>(BindResult::kReassigned)] > 0);
  CHECK(results[static_cast<int>(BindResult::kExisting)] > 0);
  CHECK(positive6.load() > 0);
  CHECK(positive4.load() > 0);
  CHECK(snapshots.load() > 0);

  // Quiescent now: every binding the pool lists is the one the writer recorded for its
  // client, and find_ip6 agrees.
  const UnixSeconds end = now.load();
  for (const auto& b : pool.bindings(end)) {
    const auto c = client_number(b.v6, kClients);
    REQUIRE(c.has_value());
    CHECK(history.held_by(*c) == static_cast<std::int32_t>(b.v4.value - o.pool.address.value));
    CHECK(pool.find_ip6(b.v6, end) == b.v4);
  }
}

}  // namespace

TEST_CASE("Readers on four threads only ever see mappings the writer published",
          "[concurrency]") {
  // 30 addresses, 128 clients: the pool is usually full, so dormant bindings are taken
  // over while readers look them up (and revive some of them).
  run_readers_against_writer(Scenario{"172.16.0.0/27", 3, 8, 128, 20, 8, 5});
}

TEST_CASE("Readers never see a torn client while two addresses change hands constantly",
          "[concurrency]") {
  // A /31 (two addresses, RFC 3021) and 64 clients that go dormant after one second, four
  // writer operations: about every fourth bind takes an address over, so readers (mostly
  // find_ip4, which does not revive a dormant binding) keep meeting slots mid-rewrite.
  run_readers_against_writer(Scenario{"172.16.0.0/31", 1, 4, 64, 64, 4, 1});
}

TEST_CASE("bind(), restore() and bindings() hold the writer lock; lookups never take it",
          "[concurrency]") {
  // A lock that records how it is used (single-threaded).
  class RecordingLock final : public PoolWriterLock {
   public:
    void lock() override {
      if (held) ++nested;
      held = true;
      ++taken;
    }
    void unlock() override {
      if (!held) ++unbalanced;
      held = false;
    }
    bool held = false;
    int taken = 0;
    int nested = 0;
    int unbalanced = 0;
  };
  DynamicPoolOptions o;
  o.pool = *Ipv4Prefix::parse("172.16.0.0/24");
  DynamicPool pool(o);
  RecordingLock lock;
  pool.set_writer_lock(&lock);

  Ipv4Address a{0};
  REQUIRE(pool.bind(client(1), kT0, &a) == BindResult::kAssigned);
  CHECK(lock.taken == 1);
  CHECK(pool.bind(client(1), kT0, &a) == BindResult::kExisting);
  CHECK(lock.taken == 2);

  CHECK(pool.find_ip6(client(1), kT0 + 1) == a);
  CHECK(pool.find_ip4(a, kT0 + 2) == client(1));
  CHECK_FALSE(pool.find_ip6(client(2), kT0));
  CHECK(pool.pool_contains(a));
  CHECK(pool.capacity() == 254);
  CHECK(lock.taken == 2);  // readers are lock-free

  const Ipv4Address other{a.value == 0xac10000a ? 0xac10000bu : 0xac10000au};  // .11 or .10
  CHECK(pool.restore(Binding{other, client(2), kT0}, kT0));
  CHECK(lock.taken == 3);
  CHECK(pool.bindings(kT0).size() == 2);
  CHECK(lock.taken == 4);
  CHECK_FALSE(lock.held);
  CHECK(lock.nested == 0);
  CHECK(lock.unbalanced == 0);

  // nullptr: single-threaded use again, the old lock is left alone.
  pool.set_writer_lock(nullptr);
  CHECK(pool.bind(client(3), kT0, &a) == BindResult::kAssigned);
  CHECK(pool.bindings(kT0).size() == 3);
  CHECK(lock.taken == 4);
}

TEST_CASE("Workers that bind after a miss agree on one address per client", "[concurrency]") {
  // What the packet path does (address_mapping.cpp): find_ip6, and bind() on a miss. The
  // clock stands still, so nothing goes dormant: each client must be assigned exactly
  // once, and every other bind() for it, after a miss of any cause, must be kExisting.
  DynamicPoolOptions o;
  o.pool = *Ipv4Prefix::parse("172.16.0.0/24");
  DynamicPool pool(o);
  MutexPoolLock lock;
  pool.set_writer_lock(&lock);

  constexpr std::uint32_t kClients = 200;
  constexpr int kWorkers = 4;
  constexpr int kRounds = 50;
  Failures failures;
  std::atomic<std::uint32_t> assigned{0}, settled{0};
  std::atomic<int> ready{0};  // a start gate, so that the workers really overlap
  std::vector<std::vector<std::uint32_t>> seen(kWorkers, std::vector<std::uint32_t>(kClients, 0));

  std::vector<std::thread> workers;
  for (int id = 0; id < kWorkers; ++id) {
    workers.emplace_back([&, id] {
      auto& mine = seen[static_cast<std::size_t>(id)];
      ready.fetch_add(1);
      while (ready.load() < kWorkers) std::this_thread::yield();
      for (int round = 0; round < kRounds; ++round) {
        for (std::uint32_t i = 0; i < kClients; ++i) {
          // Two workers walk the clients in the same order (they race for the same
          // client), two in another (they meet the first two's fresh bindings).
          const std::uint32_t c = (i * 7 + static_cast<std::uint32_t>(id % 2) * 53) % kClients;
          Ipv4Address a{0};
          if (auto found = pool.find_ip6(client(c), kT0)) {
            a = *found;
          } else {
            const BindResult r = pool.bind(client(c), kT0, &a);
            if (r == BindResult::kAssigned) {
              assigned.fetch_add(1);
            } else if (r == BindResult::kExisting) {
              settled.fetch_add(1);
            } else {
              failures.add("bind() after a miss gave result " +
                           std::to_string(static_cast<int>(r)));
              continue;
            }
          }
          if (mine[c] != 0 && mine[c] != a.value) {
            failures.add("client " + std::to_string(c) + " moved while active");
          }
          mine[c] = a.value;
        }
      }
    });
  }
  for (auto& w : workers) w.join();

  INFO(failures.summary());
  INFO("assigned " << assigned.load() << ", misses settled by bind() as kExisting "
                    << settled.load());
  REQUIRE(failures.count() == 0);
  CHECK(assigned.load() == kClients);
  for (std::uint32_t c = 0; c < kClients; ++c) {
    for (std::size_t id = 1; id < seen.size(); ++id) REQUIRE(seen[id][c] == seen[0][c]);
    CHECK(pool.find_ip4(Ipv4Address{seen[0][c]}, kT0) == client(c));
  }
  CHECK(pool.bindings(kT0).size() == kClients);
}

}  // namespace tundra
