// The worker loop: poll, read a batch, translate, write: one packet (or, in offload mode,
// one virtio-net header and packet) per read() and write().
#include "tun/data_plane.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <iterator>

#include "tun/coalesce.h"
#include "tun/offload.h"

namespace tundra {
namespace {

constexpr int kPollTimeoutMs = 100;    // how long an idle worker takes to see stop or a swap
constexpr std::size_t kBatch = 64;     // packets per batch before the clock is read again

struct ClockBase {
  ClockBase() {
    timespec mono{}, real{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
    clock_gettime(CLOCK_REALTIME, &real);
    offset = real.tv_sec - mono.tv_sec;
  }
  std::int64_t offset;
};

// Offload mode's writes: the virtio-net header and the packet in one writev().
struct TunSink final : PacketSink {
  int fd;
  Counters& counters;
  TunSink(int f, Counters& c) : fd(f), counters(c) {}
  bool write(const VirtioNetHeader& header, ConstBytes packet) noexcept override {
    std::array<std::byte, kVirtioNetHeaderSize> h;
    store_virtio_header(h, header);
    iovec iov[2] = {{h.data(), h.size()}, {const_cast<std::byte*>(packet.data()), packet.size()}};
    if (::writev(fd, iov, 2) >= 0) return true;
    ++counters.write_errors;
    return false;
  }
};

// The Counters totals besides the per-reason counts, published after them in this order.
constexpr std::uint64_t Counters::*kTotals[] = {
    &Counters::received4,    &Counters::received6,      &Counters::icmp_sent4,
    &Counters::icmp_sent6,   &Counters::gso_received,   &Counters::gso_translated,
    &Counters::gso_segmented, &Counters::gso_coalesced, &Counters::gso_built,
    &Counters::write_errors};

}  // namespace

struct DataPlane::Worker {
  explicit Worker(int queue_fd) : fd(queue_fd), tun_sink(queue_fd, counters) {}

  int fd;
  std::thread thread;
  std::vector<std::byte> buffer = std::vector<std::byte>(kHeadroom + kMaxPacket);
  std::vector<std::byte> copy;  // the input before translation, only when logging
  std::vector<std::byte> segment;  // offload mode: where a super-packet is cut (tun/offload.h)
  Counters counters;  // private to the worker
  TunSink tun_sink;  // offload mode's writes
  std::unique_ptr<UdpCoalescer> coalescer;  // in front of tun_sink, when coalescing
  std::chrono::steady_clock::time_point busy_until{};  // busy-poll: read without sleeping until then
  std::unique_ptr<Scratch> scratch = std::make_unique<Scratch>();
  Output out;
  std::array<std::atomic<std::uint64_t>, kCounterCount + std::size(kTotals)> published{};  // read by stats()
  std::atomic<std::uint64_t> seen_generation{0};
  std::atomic<bool> exited{false};  // run_worker returned (its queue failed, or stop)

  void publish() {
    for (std::size_t i = 0; i < kCounterCount; ++i) {
      published[i].store(counters.by_reason[i], std::memory_order_relaxed);
    }
    for (std::size_t i = 0; i < std::size(kTotals); ++i) {
      published[kCounterCount + i].store(counters.*kTotals[i], std::memory_order_relaxed);
    }
  }
  Counters snapshot() const {
    Counters c;
    for (std::size_t i = 0; i < kCounterCount; ++i) c.by_reason[i] = published[i].load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < std::size(kTotals); ++i) {
      c.*kTotals[i] = published[kCounterCount + i].load(std::memory_order_relaxed);
    }
    return c;
  }
};

UnixSeconds DataPlane::coarse_now() {
  static const ClockBase base;
  timespec mono{};
  clock_gettime(CLOCK_MONOTONIC_COARSE, &mono);
  return mono.tv_sec + base.offset;
}

UnixSeconds DataPlane::wall_clock_drift() {
  timespec real{};
  clock_gettime(CLOCK_REALTIME, &real);  // as ClockBase reads it: 0 until the clock is set
  return real.tv_sec - coarse_now();
}

DataPlane::DataPlane(std::vector<int> queue_fds, std::unique_ptr<Translator> initial, bool vnet_hdr)
    : vnet_hdr_(vnet_hdr), current_owned_(std::move(initial)) {
  current_.store(current_owned_.get(), std::memory_order_release);
  (void)coarse_now();  // fix the clock base before any worker runs
  for (int fd : queue_fds) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    auto w = std::make_unique<Worker>(fd);
    if (vnet_hdr) w->segment.resize(kHeadroom + kMaxPacket);
    workers_.push_back(std::move(w));
  }
}

DataPlane::~DataPlane() { stop(); }

void DataPlane::set_observer(std::function<bool(Counter)> wants, PacketObserver observer) {
  wants_ = std::move(wants);
  observer_ = std::move(observer);
}

void DataPlane::start() {
  stop_.store(false);
  for (auto& w : workers_) {
    if (vnet_hdr_ && coalesce_udp_ && !w->coalescer) w->coalescer = std::make_unique<UdpCoalescer>(w->tun_sink, w->counters);
  }
  std::vector<int> cpus;
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (pin_workers_ && sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &allowed)) cpus.push_back(c);
    }
  }
  pinned_cpus_.clear();
  for (std::size_t i = 0; i < workers_.size(); ++i) {
    Worker* worker = workers_[i].get();
    worker->thread = std::thread([this, worker] {
      run_worker(*worker);
      worker->exited.store(true, std::memory_order_release);
    });
    // "tundra-q0", ...: what `top -H` and /proc/PID/task/*/comm show for each worker.
    const std::string name = "tundra-q" + std::to_string(i);
    pthread_setname_np(worker->thread.native_handle(), name.c_str());
    if (!cpus.empty()) {
      const int cpu = cpus[i % cpus.size()];
      cpu_set_t one;
      CPU_ZERO(&one);
      CPU_SET(cpu, &one);
      const bool pinned = pthread_setaffinity_np(worker->thread.native_handle(), sizeof one, &one) == 0;
      pinned_cpus_ += (i == 0 ? "CPUs " : ",") + (pinned ? std::to_string(cpu) : std::string("-"));
    }
  }
}

void DataPlane::stop() {
  stop_.store(true, std::memory_order_release);
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
}

std::string DataPlane::error() const {
  std::lock_guard<std::mutex> lock(error_mutex_);
  return error_;
}

void DataPlane::swap_translator(std::unique_ptr<Translator> next) {
  Translator* raw = next.get();
  current_.store(raw, std::memory_order_release);
  const std::uint64_t generation = generation_.fetch_add(1, std::memory_order_acq_rel) + 1;
  // Wait until every running worker has started a batch (or idled) with the new pointer.
  for (auto& w : workers_) {
    while (w->thread.joinable() && !w->exited.load(std::memory_order_acquire) &&
           !stop_.load(std::memory_order_acquire) &&
           w->seen_generation.load(std::memory_order_acquire) < generation) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  current_owned_ = std::move(next);  // frees the previous translator
}

Counters DataPlane::total() const {
  Counters sum;
  for (const auto& w : workers_) sum += w->snapshot();
  return sum;
}

std::vector<Counters> DataPlane::per_worker() const {
  std::vector<Counters> v;
  for (const auto& w : workers_) v.push_back(w->snapshot());
  return v;
}

void DataPlane::run_worker(Worker& w) {
  // A queue that fails ends the worker: what the batch so far translated is still written
  // and counted, then the error is kept for error().
  const auto fail = [&](std::string message) {
    if (w.coalescer) w.coalescer->flush();
    w.publish();
    std::lock_guard<std::mutex> lock(error_mutex_);
    error_ = std::move(message);
    failed_.store(true, std::memory_order_release);
  };
  while (!stop_.load(std::memory_order_acquire)) {
    // Load the translator once per batch and say so (see swap_translator).
    const std::uint64_t generation = generation_.load(std::memory_order_acquire);
    Translator* translator = current_.load(std::memory_order_acquire);
    w.seen_generation.store(generation, std::memory_order_release);

    pollfd p{w.fd, POLLIN, 0};
    const bool polling = busy_poll_.count() > 0 && std::chrono::steady_clock::now() < w.busy_until;
    int ready = polling ? 1 : poll(&p, 1, kPollTimeoutMs);
    if (ready < 0 && errno != EINTR) return fail(std::string("poll on TUN queue: ") + std::strerror(errno));
    if (ready <= 0) continue;
    if (p.revents & (POLLERR | POLLHUP | POLLNVAL)) return fail("TUN queue closed (the interface was removed?)");

    const UnixSeconds now = coarse_now();
    // Offload mode reads the virtio-net header into the headroom, just before the packet.
    const std::size_t header = vnet_hdr_ ? kVirtioNetHeaderSize : 0;
    PacketSink& sink = w.coalescer ? static_cast<PacketSink&>(*w.coalescer) : w.tun_sink;
    std::size_t n = 0;
    for (; n < kBatch; ++n) {
      ssize_t got = read(w.fd, w.buffer.data() + kHeadroom - header, header + kMaxPacket);
      if (got < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        return fail(std::string("read from TUN: ") + std::strerror(errno));
      }
      if (got == 0) break;
      if (static_cast<std::size_t>(got) < header) continue;  // the kernel always writes a whole header
      const auto length = static_cast<std::size_t>(got) - header;
      const bool observing = static_cast<bool>(observer_);
      if (observing) w.copy.assign(w.buffer.begin() + kHeadroom, w.buffer.begin() + static_cast<std::ptrdiff_t>(kHeadroom + length));
      PacketBuffer packet{Bytes(w.buffer), kHeadroom, length};
      Result result{Verdict::kDrop, Counter::kDropNotIp};
      if (vnet_hdr_) {
        const VirtioNetHeader in = load_virtio_header(ConstBytes(w.buffer).subspan(kHeadroom - header));
        result = translate_offloaded(*translator, in, packet, now, *w.scratch, Bytes(w.segment), w.out,
                                     w.counters, sink);
      } else {
        result = translator->translate(packet, now, *w.scratch, w.out, w.counters);
        for (std::size_t i = 0; i < w.out.count; ++i) {
          ConstBytes o = w.out.packets[i];
          if (write(w.fd, o.data(), o.size()) < 0) ++w.counters.write_errors;
        }
      }
      if (observing && wants_(result.reason)) observer_(ConstBytes(w.copy), result, w.out);
    }
    if (w.coalescer) w.coalescer->flush();
    w.publish();
    if (busy_poll_.count() > 0) {
      if (n > 0) {
        w.busy_until = std::chrono::steady_clock::now() + busy_poll_;
      } else if (polling) {
        sched_yield();  // nothing yet: let whatever else wants this CPU run first
      }
    }
  }
}

}  // namespace tundra
