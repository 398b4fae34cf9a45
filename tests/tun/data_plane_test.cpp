// The data plane's threads (tun/data_plane.h) without a TUN: each worker's queue is one end
// of a SOCK_SEQPACKET socketpair, which keeps packet boundaries as a TUN queue does, and the
// test plays the kernel on the other end. Checks the shared-nothing workers, the shared
// dynamic pool, translator swaps (quiescent-state reclamation) and the published counters
// while all of them run at once, and that a worker whose queue goes away neither hangs a
// swap nor the stop.
//
// Meant to run under ThreadSanitizer as well as in a normal build (scripts/test.sh runs the
// [concurrency] tests in a TSan build):
//   cmake -S . -B build-tsan -G Ninja -DTUNDRA_TSAN=ON -DTUNDRA_BENCH=OFF
//   cmake --build build-tsan --target tundra_tests && build-tsan/tests/tundra_tests "[concurrency]"
//
// Catch2's assertions are not thread-safe, so the threads record failures and the test
// thread asserts after joining them.
#include "tun/data_plane.h"

#include <catch2/catch.hpp>

#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/packets.h"
#include "translator/dynamic_pool.h"
#include "translator/translator.h"
#include "tun/pool_lock.h"

namespace tundra {
namespace {

using Clock = std::chrono::steady_clock;

// Worker ends and test ends of one socketpair per queue; closes what is still open.
struct Queues {
  std::vector<int> worker_fds;
  std::vector<int> test_fds;
  explicit Queues(int n) {
    for (int i = 0; i < n; ++i) {
      int sv[2];
      REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == 0);
      worker_fds.push_back(sv[0]);
      test_fds.push_back(sv[1]);
    }
  }
  ~Queues() {
    for (int fd : worker_fds) ::close(fd);
    for (int fd : test_fds) {
      if (fd >= 0) ::close(fd);
    }
  }
};

TranslatorConfig config() {
  TranslatorConfig c;
  c.ipv4_addr = test::v4("192.168.255.1");
  c.dynamic_pool = Ipv4Prefix::parse("192.168.255.0/24");
  return c;
}

std::unique_ptr<Translator> make_translator(std::shared_ptr<DynamicPool> pool, PoolWriterLock* lock) {
  std::string error;
  auto t = Translator::create(config(), &error, std::move(pool));
  INFO(error);
  REQUIRE(t.has_value());
  if (t->pool() != nullptr) t->pool()->set_writer_lock(lock);
  return std::make_unique<Translator>(std::move(*t));
}

// Waits up to `ms` for a datagram on `fd`; returns its bytes, or nothing.
std::optional<std::vector<std::byte>> receive(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return std::nullopt;
  std::vector<std::byte> buffer(65536);
  const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
  if (n <= 0) return std::nullopt;
  buffer.resize(static_cast<std::size_t>(n));
  return buffer;
}

Ipv4Address ipv4_source(const std::vector<std::byte>& packet) {
  return Ipv4Address{std::to_integer<std::uint32_t>(packet[12]) << 24 | std::to_integer<std::uint32_t>(packet[13]) << 16 |
                     std::to_integer<std::uint32_t>(packet[14]) << 8 | std::to_integer<std::uint32_t>(packet[15])};
}

// /proc/self/task/TID of the worker thread named `name` ("tundra-q0", ...), or "" if none.
std::filesystem::path worker_task(const std::string& name) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task")) {
    std::ifstream comm(task.path() / "comm");
    std::string n;
    std::getline(comm, n);
    if (n == name) return task.path();
  }
  return {};
}

// How many of `samples` looks at the worker thread, 10 ms apart, find it runnable ('R':
// running or waiting for a CPU) rather than asleep. Unlike CPU time, this does not depend
// on how busy the machine's other CPUs are.
int runnable_samples(const std::string& name, int samples) {
  int runnable = 0;
  for (int i = 0; i < samples; ++i) {
    std::ifstream stat(worker_task(name) / "stat");
    std::string line;
    std::getline(stat, line);
    const std::size_t close = line.rfind(')');
    if (close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'R') ++runnable;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return runnable;
}

// Sends one translatable packet on `fd` and requires its translation back.
void one_packet_through(int fd) {
  const Ipv6Address src = test::v6("2001:db8::5");
  const Ipv6Address dst = test::v6("64:ff9b::198.51.100.2");
  const test::Packet packet = test::ip6(src, dst, 17, test::udp6(src, dst, 40000, 53, test::filler(8)));
  REQUIRE(::send(fd, packet.data(), packet.size(), 0) == static_cast<ssize_t>(packet.size()));
  REQUIRE(receive(fd, 5000).has_value());
}

TEST_CASE("Workers translate on their own queues while the translator is swapped and counters are read",
          "[concurrency][data-plane]") {
  constexpr int kQueues = 3;
  constexpr int kClients = 40;  // shared by all queues, so workers race to bind them (fewer
                                // than any per-second cap on new bindings)
  constexpr int kPacketsPerQueue = 600;  // each answered before the next is sent
  MutexPoolLock lock;
  Queues queues(kQueues);
  auto first = make_translator(nullptr, &lock);
  const std::shared_ptr<DynamicPool> pool = first->shared_pool();
  REQUIRE(pool != nullptr);
  DataPlane plane(queues.worker_fds, std::move(first));
  REQUIRE(plane.workers() == kQueues);
  plane.start();

  std::mutex failures_mutex;
  std::vector<std::string> failures;
  auto failure = [&](std::string what) {
    std::lock_guard<std::mutex> guard(failures_mutex);
    if (failures.size() < 10) failures.push_back(std::move(what));
  };
  std::mutex seen_mutex;
  std::map<int, Ipv4Address> address_of_client;  // client index -> the IPv4 it was given

  std::atomic<bool> senders_done{false};
  std::vector<std::thread> senders;
  for (int q = 0; q < kQueues; ++q) {
    senders.emplace_back([&, q] {
      const int fd = queues.test_fds[q];
      for (int i = 0; i < kPacketsPerQueue; ++i) {
        const int client = (i * 7 + q) % kClients;
        const Ipv6Address src = test::v6(("2001:db8::" + std::to_string(client + 1)).c_str());
        const Ipv6Address dst = test::v6("64:ff9b::198.51.100.2");
        const test::Packet packet = test::ip6(src, dst, 17, test::udp6(src, dst, 40000, 53, test::filler(32)));
        if (::send(fd, packet.data(), packet.size(), 0) != static_cast<ssize_t>(packet.size())) {
          failure("queue " + std::to_string(q) + ": send failed");
          return;
        }
        const auto reply = receive(fd, 5000);
        if (!reply) {
          failure("queue " + std::to_string(q) + ": no translated packet for packet " + std::to_string(i));
          return;
        }
        if (std::string problem = test::check_packet(reply->data(), reply->size()); !problem.empty()) {
          failure("queue " + std::to_string(q) + ": " + problem);
          continue;
        }
        if (reply->size() < 20 || std::to_integer<unsigned>((*reply)[0]) >> 4 != 4) {
          failure("queue " + std::to_string(q) + ": not an IPv4 packet");
          continue;
        }
        const Ipv4Address v4 = ipv4_source(*reply);
        std::lock_guard<std::mutex> guard(seen_mutex);
        auto [it, added] = address_of_client.emplace(client, v4);
        if (!added && it->second != v4) {
          failure("client " + std::to_string(client) + " got " + v4.to_string() + " after " + it->second.to_string());
        }
      }
    });
  }

  // The control plane meanwhile: reloads with the same pool, and stats.
  int swaps = 0;
  Counters last{};
  const auto deadline = Clock::now() + std::chrono::seconds(60);
  std::thread watcher([&] {
    for (auto& s : senders) s.join();
    senders_done.store(true);
  });
  while (!senders_done.load() && Clock::now() < deadline) {
    plane.swap_translator(make_translator(pool, &lock));
    ++swaps;
    const Counters now = plane.total();
    if (now.received6 < last.received6) failure("the total of received packets went down");
    last = now;
    (void)plane.per_worker();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  watcher.join();
  plane.stop();

  for (const std::string& f : failures) FAIL_CHECK(f);
  CHECK(swaps > 0);
  CHECK(plane.healthy());
  const Counters total = plane.total();
  CHECK(total.received6 == static_cast<std::uint64_t>(kQueues * kPacketsPerQueue));
  CHECK(total[Counter::kTranslated64] == static_cast<std::uint64_t>(kQueues * kPacketsPerQueue));
  CHECK(address_of_client.size() == static_cast<std::size_t>(kClients));
  std::uint64_t per_worker_sum = 0;
  for (const Counters& c : plane.per_worker()) per_worker_sum += c.received6;
  CHECK(per_worker_sum == total.received6);
  CHECK(pool->bindings(DataPlane::coarse_now()).size() == static_cast<std::size_t>(kClients));
}

TEST_CASE("A worker whose queue goes away reports it, and a swap and the stop still return",
          "[concurrency][data-plane]") {
  MutexPoolLock lock;
  Queues queues(2);
  auto first = make_translator(nullptr, &lock);
  const std::shared_ptr<DynamicPool> pool = first->shared_pool();
  auto plane = std::make_unique<DataPlane>(queues.worker_fds, std::move(first));
  plane->start();
  ::close(queues.test_fds[0]);  // the kernel's side of queue 0 is gone: POLLHUP
  queues.test_fds[0] = -1;
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (plane->healthy() && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK_FALSE(plane->healthy());
  CHECK(plane->error().find("closed") != std::string::npos);

  // A reload right then (SIGHUP racing the daemon's health check) must not wait forever
  // for the dead worker to acknowledge the new translator.
  std::atomic<bool> swapped{false};
  std::thread swapper([&] {
    plane->swap_translator(make_translator(pool, &lock));
    swapped.store(true);
  });
  const auto swap_deadline = Clock::now() + std::chrono::seconds(5);
  while (!swapped.load() && Clock::now() < swap_deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!swapped.load()) {
    FAIL_CHECK("swap_translator() still waits for a worker that has exited");
    swapper.detach();
    (void)plane.release();  // the stuck thread still uses it: leak it rather than free it
    return;
  }
  swapper.join();

  // The other worker still translates.
  one_packet_through(queues.test_fds[1]);
  plane->stop();
}

}  // namespace

TEST_CASE("Workers are named per queue and, with pin-workers, each runs on one CPU of its own in turn",
          "[data-plane]") {
  MutexPoolLock lock;
  Queues queues(3);
  cpu_set_t allowed;
  REQUIRE(sched_getaffinity(0, sizeof allowed, &allowed) == 0);
  std::vector<int> cpus;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
  }
  DataPlane plane(queues.worker_fds, make_translator(nullptr, &lock));
  plane.set_pin_workers(true);
  plane.start();
  std::string want = "CPUs ";
  for (std::size_t i = 0; i < 3; ++i) want += (i ? "," : "") + std::to_string(cpus[i % cpus.size()]);
  CHECK(plane.pinned_cpus() == want);
  // Each worker thread, found by its name, is allowed exactly its CPU.
  for (std::size_t i = 0; i < 3; ++i) {
    const std::filesystem::path task = worker_task("tundra-q" + std::to_string(i));
    INFO("tundra-q" << i);
    REQUIRE(!task.empty());
    cpu_set_t set;
    REQUIRE(sched_getaffinity(std::stoi(task.filename().string()), sizeof set, &set) == 0);
    REQUIRE(CPU_COUNT(&set) == 1);
    CHECK(CPU_ISSET(cpus[i % cpus.size()], &set));
  }
  plane.stop();
}


TEST_CASE("With busy-poll a worker keeps polling for its window after traffic, then sleeps", "[data-plane]") {
  for (const int window_ms : {0, 1000}) {
    INFO("busy-poll " << window_ms << " ms");
    MutexPoolLock lock;
    Queues queues(1);
    DataPlane plane(queues.worker_fds, make_translator(nullptr, &lock));
    plane.set_busy_poll(std::chrono::milliseconds(window_ms));
    plane.start();
    one_packet_through(queues.test_fds[0]);
    REQUIRE(!worker_task("tundra-q0").empty());
    const int in_window = runnable_samples("tundra-q0", 30);  // the first ~350 ms
    std::this_thread::sleep_for(std::chrono::milliseconds(1000));  // past the window
    const int after = runnable_samples("tundra-q0", 30);
    INFO("runnable in " << in_window << " of 30 looks in the window, " << after << " of 30 after it");
    if (window_ms == 0) {
      CHECK(in_window <= 3);  // asleep in poll() at once
    } else {
      CHECK(in_window >= 25);  // polling: runnable, whether or not a CPU was free for it
    }
    CHECK(after <= 3);  // asleep once the window closed
    // And it still translates promptly afterwards.
    one_packet_through(queues.test_fds[0]);
    plane.stop();
  }
}

TEST_CASE("Writes the queue refuses are counted as write errors, and the packets that fit still arrive",
          "[data-plane]") {
  MutexPoolLock lock;
  Queues queues(1);
  DataPlane plane(queues.worker_fds, make_translator(nullptr, &lock));
  plane.start();
  // The test reads nothing back until all are sent, so the worker's end of the socketpair
  // fills up and its non-blocking writes start failing, as a TUN write would on ENOBUFS.
  constexpr int kSent = 2000;
  const Ipv6Address src = test::v6("2001:db8::5");
  const Ipv6Address dst = test::v6("64:ff9b::198.51.100.2");
  const test::Packet packet = test::ip6(src, dst, 17, test::udp6(src, dst, 40000, 53, test::filler(8)));
  for (int i = 0; i < kSent; ++i) {
    REQUIRE(::send(queues.test_fds[0], packet.data(), packet.size(), 0) == static_cast<ssize_t>(packet.size()));
  }
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  while (plane.total().received6 < kSent && Clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the last batch's counters are published
  int arrived = 0;
  while (receive(queues.test_fds[0], 100)) ++arrived;
  const Counters total = plane.total();
  plane.stop();
  CHECK(total.received6 == kSent);
  CHECK(total[Counter::kTranslated64] == kSent);
  CHECK(total.write_errors > 0);
  CHECK(arrived + total.write_errors == kSent);
}

}  // namespace tundra
