// Per-core scaling of translate(): 1, 2, 4, … N threads translate packets at once through
// ONE shared Translator and its dynamic pool, each with its own Scratch, Output, Counters
// and buffer, as the daemon's workers do (DESIGN.md §2: nothing writable is shared on the
// fast path). It prints packets per second per thread count and the scaling efficiency
// pps(N) / (N × pps(1)): near 1.0 means no cache line is written by every core per packet.
//
// Workload: --clients IPv6 hosts (4096), each bound to an address of a /16 pool in a
// single-threaded warm-up, so the measured loop is the steady state: lock-free pool
// readers, no binding created. Each client has four packets of 64 bytes as IPv4: UDP and
// TCP IPv6→IPv4 (RFC 7915 §5.1, pool lookup by IPv6 source) and UDP and TCP IPv4→IPv6
// replies to its pool address (RFC 7915 §4.1, lookup by IPv4 destination), visited in a
// fixed shuffled order. By default every thread walks all clients from its own starting
// point, so every binding is read by every core: the worst case for sharing (the kernel's
// TUN queue hash spreads one client's flows, and their replies, over all queues);
// --slice gives each thread a disjoint share of the clients instead. --private gives each
// thread a Translator and pool of its own, nothing shared at all: the ceiling to compare
// with, which shows how much of a shortfall comes from the machine (clock speed with many
// cores busy, shared L3, SMT siblings, other load) rather than from sharing the pool.
//
// Each packet is first copied into the buffer at kHeadroom (translation is in place), so
// the figures include one small memcpy per packet, as a TUN read would. The clock is read
// once per batch of 64 packets, as tun/data_plane.cpp does, so a binding's last use is
// written at most once per second. Thread i is pinned to the i-th CPU this process may run
// on (--no-pin leaves placement to the scheduler). Thread counts are interleaved within
// each repetition, and the table reports the median of --repetitions.
//
// No Google Benchmark: Debian's libbenchmark-dev has no static archive, and this binary is
// meant to be built static (cmake --preset static-amd64 -DTUNDRA_BENCH=ON) and copied to a
// many-core machine. See bench/README.md.
//
//   scaling_bench [--threads 1,2,4] [--seconds 1] [--repetitions 3] [--clients 4096]
//                 [--slice] [--private] [--no-pin]
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <latch>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/packets.h"
#include "translator/translator.h"

using namespace tundra;
using namespace tundra::test;

namespace {

constexpr int kBatch = 64;  // packets per clock read, as in tun/data_plane.cpp
constexpr int kKinds = 4;   // UDP 6→4, TCP 6→4, UDP 4→6, TCP 4→6

struct Options {
  std::vector<unsigned> threads;
  double seconds = 1.0;
  int repetitions = 3;
  unsigned clients = 4096;
  bool slice = false;
  bool private_pool = false;
  bool pin = true;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "scaling_bench: %s\nusage: scaling_bench [--threads 1,2,4] [--seconds S] "
               "[--repetitions R] [--clients C] [--slice] [--private] [--no-pin]\n",
               why);
  std::exit(2);
}

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  return cpus;
}

Options parse(int argc, char** argv, unsigned cpus) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 == argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    if (a == "--threads") {
      const std::string list = value();
      for (std::size_t p = 0; p < list.size();) {
        o.threads.push_back(static_cast<unsigned>(std::strtoul(list.c_str() + p, nullptr, 10)));
        p = list.find(',', p);
        p = p == std::string::npos ? list.size() : p + 1;
      }
    } else if (a == "--seconds") {
      o.seconds = std::strtod(value().c_str(), nullptr);
    } else if (a == "--repetitions") {
      o.repetitions = std::atoi(value().c_str());
    } else if (a == "--clients") {
      o.clients = static_cast<unsigned>(std::strtoul(value().c_str(), nullptr, 10));
    } else if (a == "--slice") {
      o.slice = true;
    } else if (a == "--private") {
      o.private_pool = true;
    } else if (a == "--no-pin") {
      o.pin = false;
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  if (o.threads.empty()) {  // 1, 2, 4, … and the CPU count itself
    for (unsigned n = 1; n < std::max(cpus, 2u); n *= 2) o.threads.push_back(n);
    o.threads.push_back(std::max(cpus, 2u));
  }
  if (o.seconds <= 0 || o.repetitions < 1 || o.clients < 1 || o.clients > 60000 ||
      std::count(o.threads.begin(), o.threads.end(), 0u) != 0 ||
      (o.slice && o.clients < *std::max_element(o.threads.begin(), o.threads.end()))) {
    usage("bad option value (clients: 1 to 60000, a /16 pool; with --slice, at least one per thread)");
  }
  return o;
}

// The daemon's clock: Unix seconds from CLOCK_MONOTONIC_COARSE plus a fixed offset.
UnixSeconds coarse_now() {
  static const std::int64_t offset = [] {
    timespec mono{}, real{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    return real.tv_sec - mono.tv_sec;
  }();
  timespec mono{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
  return mono.tv_sec + offset;
}

struct Workload {
  std::optional<Translator> translator;
  std::vector<Packet> packets;       // client * kKinds + kind
  std::vector<std::uint32_t> order;  // a shuffled permutation of packets' indices
};

// Builds the translator, binds every client, builds the packets and checks that each one
// translates (a drop path measured by mistake would flatter every figure).
Workload prepare(unsigned clients) {
  Workload w;
  TranslatorConfig c;
  c.ipv4_addr = v4("100.64.0.1");
  c.dynamic_pool = Ipv4Prefix::parse("100.64.0.0/16");
  c.dynamic_new_per_second = 0;  // the warm-up binds every client in the same second
  std::string error;
  w.translator = Translator::create(c, &error);
  if (!w.translator) usage(error.c_str());

  std::vector<std::byte> storage(kHeadroom + 2048);
  auto scratch = std::make_unique<Scratch>();
  Output out;
  Counters counters;
  auto translates = [&](const Packet& p) {
    std::memcpy(storage.data() + kHeadroom, p.data(), p.size());
    PacketBuffer pb{storage, kHeadroom, p.size()};
    return w.translator->translate(pb, coarse_now(), *scratch, out, counters).verdict == Verdict::kForward;
  };
  const Ip4Options df{.df = true};
  for (unsigned i = 0; i < clients; ++i) {
    Ipv6Address client = v6("2001:db8:1::");
    client.bytes[14] = std::uint8_t(i >> 8);
    client.bytes[15] = std::uint8_t(i);
    const Ipv4Address server4{v4("198.51.100.0").value + 1 + i % 250};
    Ipv6Address server6 = v6("64:ff9b::");
    for (int b = 0; b < 4; ++b) server6.bytes[12 + b] = std::uint8_t(server4.value >> (24 - 8 * b));
    const auto sport = static_cast<std::uint16_t>(1024 + i);
    w.packets.push_back(ip6(client, server6, 17, udp6(client, server6, sport, 53, filler(36))));
    w.packets.push_back(ip6(client, server6, 6, tcp6(client, server6, filler(24))));
    if (!translates(w.packets[w.packets.size() - 2])) usage("warm-up: a client got no binding");
    const std::optional<Ipv4Address> mine = w.translator->pool()->find_ip6(client, coarse_now());
    if (!mine) usage("warm-up: a binding vanished");
    w.packets.push_back(ip4(server4, *mine, 17, udp4(server4, *mine, 53, sport, filler(36)), df));
    w.packets.push_back(ip4(server4, *mine, 6, tcp4(server4, *mine, filler(24)), df));
  }
  for (const Packet& p : w.packets) {
    if (!translates(p)) usage("warm-up: a packet did not translate");
  }
  w.order.resize(w.packets.size());
  for (std::uint32_t i = 0; i < w.order.size(); ++i) w.order[i] = i;
  std::shuffle(w.order.begin(), w.order.end(), std::mt19937(42));
  return w;
}

struct ThreadResult {
  std::uint64_t packets = 0;
  std::uint64_t not_forwarded = 0;
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // this thread's CPU time: less than `seconds` when it was preempted
};

double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) + double(t.tv_nsec) / 1e9;
}

// One worker: its own buffer, Scratch, Output and Counters, allocated on its own CPU.
void worker(Workload& w, const Options& o, unsigned index, unsigned count, std::latch& start,
            const std::atomic<bool>& stop, ThreadResult& result) {
  std::vector<std::uint32_t> order;
  if (o.slice) {  // this thread's clients only
    for (std::uint32_t p : w.order) {
      if (p / kKinds * count / o.clients == index) order.push_back(p);
    }
  } else {  // all clients, from this thread's own starting point
    order = w.order;
    std::rotate(order.begin(), order.begin() + order.size() * index / count, order.end());
  }
  std::vector<std::byte> storage(kHeadroom + 2048);
  auto scratch = std::make_unique<Scratch>();
  Output out;
  Counters counters;
  Translator& t = *w.translator;
  std::uint64_t packets = 0, not_forwarded = 0;
  std::size_t next = 0;

  start.arrive_and_wait();
  const auto began = std::chrono::steady_clock::now();
  const double cpu_began = thread_cpu_seconds();
  while (!stop.load(std::memory_order_relaxed)) {
    const UnixSeconds now = coarse_now();
    for (int b = 0; b < kBatch; ++b) {
      const Packet& p = w.packets[order[next]];
      if (++next == order.size()) next = 0;
      std::memcpy(storage.data() + kHeadroom, p.data(), p.size());
      PacketBuffer pb{storage, kHeadroom, p.size()};
      not_forwarded += t.translate(pb, now, *scratch, out, counters).verdict != Verdict::kForward;
    }
    packets += kBatch;
  }
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - began;
  result = ThreadResult{packets, not_forwarded, took.count(), thread_cpu_seconds() - cpu_began};
}

struct Rate {
  double pps = 0;        // all threads together: each thread's packets / its wall time, summed
  double per_cpu_s = 0;  // packets per CPU-second of one thread, averaged over the threads
};

Rate run_once(std::vector<Workload>& w, const Options& o, const std::vector<int>& cpus, unsigned count,
              std::uint64_t* not_forwarded) {
  std::latch start(count + 1);
  std::atomic<bool> stop{false};
  std::vector<ThreadResult> results(count);
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < count; ++i) {
    threads.emplace_back(worker, std::ref(w[o.private_pool ? i : 0]), std::cref(o), i, count, std::ref(start),
                         std::cref(stop), std::ref(results[i]));
    if (o.pin && !cpus.empty()) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cpus[i % cpus.size()], &set);
      pthread_setaffinity_np(threads.back().native_handle(), sizeof set, &set);
    }
  }
  start.arrive_and_wait();
  std::this_thread::sleep_for(std::chrono::duration<double>(o.seconds));
  stop.store(true, std::memory_order_relaxed);
  Rate rate;
  for (unsigned i = 0; i < count; ++i) {
    threads[i].join();
    rate.pps += double(results[i].packets) / results[i].seconds;
    rate.per_cpu_s += double(results[i].packets) / results[i].cpu_seconds / count;
    *not_forwarded += results[i].not_forwarded;
  }
  return rate;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<int> cpus = allowed_cpus();
  const Options o = parse(argc, argv, static_cast<unsigned>(cpus.size()));
  std::vector<Workload> w;
  const unsigned most = *std::max_element(o.threads.begin(), o.threads.end());
  for (unsigned i = 0; i < (o.private_pool ? most : 1); ++i) w.push_back(prepare(o.clients));
  std::printf("scaling_bench: %u clients, %zu packets (64 B as IPv4; UDP and TCP, both directions), "
              "%s, %s, %u CPUs allowed (hardware_concurrency %u), threads %s, %.2f s x %d repetitions\n",
              o.clients, w[0].packets.size(),
              o.private_pool ? "a Translator per thread" : "one shared Translator",
              o.slice ? "each thread its own clients" : "every thread all clients",
              static_cast<unsigned>(cpus.size()), std::thread::hardware_concurrency(),
              o.pin ? "pinned" : "not pinned", o.seconds, o.repetitions);

  std::vector<std::vector<double>> pps(o.threads.size()), per_cpu_s(o.threads.size());
  std::uint64_t not_forwarded = 0;
  for (int r = 0; r < o.repetitions; ++r) {
    for (std::size_t i = 0; i < o.threads.size(); ++i) {
      const Rate rate = run_once(w, o, cpus, o.threads[i], &not_forwarded);
      pps[i].push_back(rate.pps);
      per_cpu_s[i].push_back(rate.per_cpu_s);
      std::printf("  repetition %d, %3u threads: %8.2f Mpps, %6.2f M per CPU-second of a thread\n", r + 1,
                  o.threads[i], rate.pps / 1e6, rate.per_cpu_s / 1e6);
      std::fflush(stdout);
    }
  }

  // Efficiency against the 1-thread median when 1 was measured, else against the first count.
  const auto one = std::find(o.threads.begin(), o.threads.end(), 1u);
  const std::size_t base = one == o.threads.end() ? 0 : std::size_t(one - o.threads.begin());
  const double per_thread_base = median(pps[base]) / o.threads[base];
  std::printf("\n threads  Mpps total  Mpps/thread  efficiency  spread  Mpps/CPU-s\n");
  for (std::size_t i = 0; i < o.threads.size(); ++i) {
    const double m = median(pps[i]);
    const auto [lo, hi] = std::minmax_element(pps[i].begin(), pps[i].end());
    std::printf(" %7u  %10.2f  %11.2f  %10.2f  %5.0f%%  %10.2f\n", o.threads[i], m / 1e6,
                m / o.threads[i] / 1e6, m / (o.threads[i] * per_thread_base), 100 * (*hi - *lo) / m,
                median(per_cpu_s[i]) / 1e6);
  }
  std::printf("(median of %d repetitions; efficiency = Mpps/thread over that of %u thread%s; "
              "spread = (max - min) / median; Mpps/CPU-s = packets per CPU-second of one thread, which\n"
              " falls with contention on shared cache lines but not when other processes take the CPUs)\n",
              o.repetitions, o.threads[base], o.threads[base] == 1 ? "" : "s");
  if (not_forwarded != 0) {
    std::fprintf(stderr, "scaling_bench: %llu packets were not forwarded: the figures are not valid\n",
                 static_cast<unsigned long long>(not_forwarded));
    return 1;
  }
  return 0;
}
