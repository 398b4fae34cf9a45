// The per-core data plane: one worker thread per TUN queue, each reading a batch of
// packets from its own queue fd, translating them and writing the results back.
//
// Shared-nothing on the fast path: a worker owns its fd, buffers, Scratch and Counters.
// What workers share is read-mostly:
// - The current Translator, published by the control plane through an atomic pointer and
//   a generation number. A worker loads both once per batch and acknowledges the
//   generation it loaded. swap_translator() publishes a new one, waits until every worker
//   has acknowledged it (at most one poll interval, 100 ms, for an idle worker), and only
//   then frees the old one: quiescent-state reclamation, no lock on the packet path.
// - The dynamic pool inside the Translator (shared across reloads), whose own contract
//   (translator/dynamic_pool.h) gives lock-free readers and a writer lock for new bindings.
// Each worker takes the clock once per batch: Unix seconds derived from CLOCK_MONOTONIC_COARSE
// and the wall clock at start, so every worker has a fresh, monotonic `now` (Tayga's
// multi-queue build stamps bindings with a clock only its idle main thread refreshes), and a
// wall clock set later (NTP on a router without a real-time clock) neither expires nor
// revives bindings. Times that leave the process (dynamic.map, show, logs) add
// wall_clock_drift() to say them in the wall clock of the moment.
//
// Counters: a worker counts into its private Counters and publishes a copy into relaxed
// atomics after each batch; stats() sums the published copies (at most one batch behind).
//
// Offload mode (`vnet_hdr`): a read is a virtio-net header and a packet, possibly a 64 KiB
// GSO super-packet, which tun/offload.h translates in one step or cuts; every write is a
// header and a packet, sent together with writev(); where the kernel takes USO, UDP
// datagrams of one flow within a batch leave merged into UDP super-packets (tun/coalesce.h),
// flushed at the end of every batch.
//
// How a flow's two directions meet workers: the kernel picks a TUN queue per flow hash, and
// the IPv6 and IPv4 halves of one connection hash differently; but the TUN remembers, for
// the hash of every packet a worker writes, that worker's queue (its flow table), so the
// answers of a connection usually come back to the worker that wrote its first half (TCP,
// UDP and pings were seen to). Where they do not, it is still safe, because nothing per
// flow is kept: translation is stateless apart from the pool, whose bindings are created by
// the IPv6 direction under the pool's writer lock and read lock-free by both.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "translator/translator.h"

namespace tundra {

// Called on the worker thread for packets the operator asked to log (Tayga's `log`
// categories): the input as read, the result, and what was emitted.
using PacketObserver = std::function<void(ConstBytes input, const Result& result, const Output& out)>;

class DataPlane {
 public:
  // `queue_fds`: one per worker; the DataPlane makes them non-blocking but does not own
  // them (the TUN device closes them). `initial` must stay valid until swapped out.
  // `vnet_hdr`: the queues were opened with IFF_VNET_HDR, so every read and write carries a
  // virtio-net header and reads may be GSO super-packets (tun/offload.h).
  DataPlane(std::vector<int> queue_fds, std::unique_ptr<Translator> initial, bool vnet_hdr = false);
  ~DataPlane();
  DataPlane(const DataPlane&) = delete;
  DataPlane& operator=(const DataPlane&) = delete;

  // Optional, set before start(): pin worker i to the i-th CPU this process may run on
  // (wrapping around when there are more workers than CPUs). Keeps each queue's packets,
  // and the kernel work its writes trigger, on one CPU: more TCP throughput, more latency
  // (docs/configuration.md, pin-workers). Best effort: a CPU that cannot be set is left alone.
  void set_pin_workers(bool pin) { pin_workers_ = pin; }
  // After start(): "CPUs 0,1" (worker i's CPU at position i), or "" when not pinned.
  const std::string& pinned_cpus() const { return pinned_cpus_; }

  // Optional, set before start(): after a batch that read something, a worker keeps polling
  // its queue (reading without sleeping, yielding the CPU between empty reads) for this long
  // before it sleeps in poll(). Saves the wake-up of a sleeping worker, which in a VM costs
  // tens of microseconds per packet, at the price of CPU time (docs/configuration.md,
  // busy-poll). Zero (the default): sleep as soon as the queue is empty.
  void set_busy_poll(std::chrono::microseconds window) { busy_poll_ = window; }

  // Optional, set before start(), offload mode only: coalesce consecutive UDP datagrams of a
  // flow into UDP_L4 super-packets on write (tun/coalesce.h). Needs a kernel that takes USO
  // (TUN_F_USO4 | TUN_F_USO6 accepted, Linux >= 6.2).
  void set_coalesce_udp(bool coalesce) { coalesce_udp_ = coalesce; }

  // Optional, set before start(): called for packets whose reason `wants(reason)` accepts.
  void set_observer(std::function<bool(Counter)> wants, PacketObserver observer);

  void start();
  // Asks the workers to stop and joins them; returns within about 100 ms.
  void stop();

  // Publishes `next`, waits for every worker to move to it, and frees the previous one.
  void swap_translator(std::unique_ptr<Translator> next);
  // The current translator (control plane use: show mappings, persistence).
  Translator& translator() { return *current_owned_; }

  Counters total() const;
  std::vector<Counters> per_worker() const;
  std::size_t workers() const { return workers_.size(); }
  // False once a worker stopped on a fatal error (the TUN vanished); error() says which.
  bool healthy() const { return !failed_.load(std::memory_order_acquire); }
  std::string error() const;

  // Unix seconds from the coarse monotonic clock (see the header comment).
  static UnixSeconds coarse_now();
  // How far the wall clock has moved from coarse_now() since the start: 0 unless it was set
  // (or stepped) meanwhile. coarse_now() + wall_clock_drift() is the wall clock now.
  static UnixSeconds wall_clock_drift();

 private:
  struct Worker;
  void run_worker(Worker& w);

  std::vector<std::unique_ptr<Worker>> workers_;
  bool vnet_hdr_ = false;
  bool pin_workers_ = false;
  bool coalesce_udp_ = false;
  std::chrono::microseconds busy_poll_{0};
  std::string pinned_cpus_;
  std::unique_ptr<Translator> current_owned_;
  std::atomic<Translator*> current_{nullptr};
  std::atomic<std::uint64_t> generation_{1};
  std::atomic<bool> stop_{false};
  std::atomic<bool> failed_{false};
  mutable std::mutex error_mutex_;  // guards error_ (control plane and failing workers only)
  std::string error_;
  std::function<bool(Counter)> wants_;
  PacketObserver observer_;
};

}  // namespace tundra
