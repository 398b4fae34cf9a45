// TUN queues: create or attach to a Linux TUN interface (IFF_TUN | IFF_NO_PI, so every read
// and write is exactly one bare IPv4 or IPv6 packet), one file descriptor per queue
// (IFF_MULTI_QUEUE); the persistent create/remove behind `--mktun`/`--rmtun`; and the
// per-packet read/write/wait calls the workers make, which report through an enum and never
// throw, log or allocate.
//
// Multi-queue is always asked for first. An existing persistent device created without
// multi_queue (`ip tuntap add mode tun`, or Tayga 0.9.2's --mktun) refuses that with EINVAL,
// and so is attached as a single queue instead: Tayga's main branch always asks for
// multi-queue and cannot attach such a device at all.
//
// Lifetime: a device that open() created is not persistent; the kernel deletes it when its
// last queue fd closes (close() or the destructor), which is how it is removed at exit. A
// device that already existed (persistent, from --mktun or `ip tuntap add`) outlives us.
//
// Thread safety: open(), close() and set_offload() are control-plane calls for one thread.
// After open() the queue fds may be used from one worker thread each, concurrently, with
// read_packet()/write_packet()/wait_readable(); close() must not race with them.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tun/status.h"

namespace tundra {

// The kernel's limit on queues per TUN device (MAX_TAP_QUEUES).
inline constexpr unsigned kMaxTunQueues = 256;

struct TunOptions {
  // Interface name, 1..15 bytes (IFNAMSIZ - 1). The kernel expands a "%d" in it.
  std::string name = "nat64";
  // Queues (fds) wanted, 1..kMaxTunQueues. An existing single-queue device gives 1.
  unsigned queues = 1;
  // O_NONBLOCK on every queue fd, so a worker can drain its queue until kWouldBlock and
  // then sleep in wait_readable() with a timeout (to see shutdown within that timeout).
  bool nonblocking = true;
  // IFF_VNET_HDR: every packet read or written is preceded by a struct virtio_net_hdr
  // (10 bytes). Needed before set_offload() can hand over GSO super-packets.
  bool vnet_hdr = false;
};

class TunDevice {
 public:
  TunDevice() = default;
  TunDevice(TunDevice&& other) noexcept;
  TunDevice& operator=(TunDevice&& other) noexcept;
  TunDevice(const TunDevice&) = delete;
  TunDevice& operator=(const TunDevice&) = delete;
  ~TunDevice();  // close()

  // Creates the device or attaches to the existing one, opening options.queues fds (fewer
  // only when the existing device is single-queue; see note()). Refuses an existing device
  // that is not persistent: another process owns it (e.g. a second tundra). Errors name
  // the device: "tun nat64: Operation not permitted (needs CAP_NET_ADMIN ...)".
  Status open(const TunOptions& options);

  // Closes every queue fd. A device that open() created disappears with them.
  void close();

  bool is_open() const { return !fds_.empty(); }
  // The name the kernel gave the device (differs from the option only with "%d").
  const std::string& name() const { return name_; }
  // The interface index, for netlink and for logs.
  unsigned ifindex() const { return ifindex_; }
  // One fd per queue; index = queue number. Owned by this object.
  std::span<const int> queue_fds() const { return fds_; }
  std::size_t queue_count() const { return fds_.size(); }
  // True when the interface existed before open(): the device then stays after close().
  bool existed() const { return existed_; }
  // IFF_PERSIST as the kernel reports it after attaching.
  bool persistent() const { return persistent_; }
  // Whether the device is multi-queue (false: an existing single-queue device).
  bool multi_queue() const { return multi_queue_; }
  bool vnet_hdr() const { return vnet_hdr_; }
  // Non-empty when open() gave less than asked, one line for the log, e.g. "tun nat64:
  // existing device is single-queue (created without multi_queue); using 1 queue, not 4".
  const std::string& note() const { return note_; }

  // TUNSETOFFLOAD with TUN_F_* flags (<linux/if_tun.h>), e.g. TUN_F_CSUM | TUN_F_TSO4 |
  // TUN_F_TSO6. Device-wide. Needs vnet_hdr; the caller falls back to plain mode on error.
  Status set_offload(unsigned tun_f_flags);

 private:
  std::vector<int> fds_;
  std::string name_;
  unsigned ifindex_ = 0;
  bool existed_ = false;
  bool persistent_ = false;
  bool multi_queue_ = false;
  bool vnet_hdr_ = false;
  std::string note_;
};

// --mktun: create (or adopt) the persistent device `name`, multi-queue so that a daemon
// can later attach one queue per worker. `owner`/`group` set TUNSETOWNER/TUNSETGROUP, who
// may attach without CAP_NET_ADMIN; unset leaves that to CAP_NET_ADMIN alone. An existing
// single-queue device is made persistent as it is (its queue mode cannot change).
struct PersistentTunOptions {
  std::string name = "nat64";
  std::optional<uid_t> owner;
  std::optional<gid_t> group;
};
Status make_persistent_tun(const PersistentTunOptions& options);

// --rmtun: clear IFF_PERSIST on the existing TUN `name`, so the kernel deletes it (at
// once, or when the last process using it closes its queues). A missing device is an error.
Status remove_persistent_tun(const std::string& name);

// The outcome of one packet read or write, for the worker's loop.
enum class IoStatus : std::uint8_t {
  kOk,           // `bytes` moved
  kWouldBlock,   // EAGAIN: non-blocking fd, nothing to read (or no room); wait and retry
  kInterrupted,  // EINTR: a signal arrived; check for shutdown, then retry
  kTruncated,    // read filled the whole buffer: the packet may have been cut; drop it
  kLinkDown,     // EIO on write: the interface is down; the packet is dropped
  kRejected,     // EINVAL/EMSGSIZE/EFAULT on write: the kernel refused this packet; count, go on
  kGone,         // EBADFD: the device was deleted or the queue detached; stop using this fd
  kError,        // anything else; `error` holds errno
};

struct IoResult {
  IoStatus status = IoStatus::kOk;
  std::size_t bytes = 0;  // bytes read or written when kOk (or kTruncated)
  int error = 0;          // errno when the call failed, else 0
};

// Reads one packet into `buffer`. Give a buffer at least one byte larger than the largest
// packet (MTU, or 65535 + the virtio header with offloads): the kernel truncates silently,
// so a read that fills the buffer is reported as kTruncated.
[[nodiscard]] IoResult read_packet(int fd, std::span<std::byte> buffer) noexcept;

// Writes one packet (with its virtio header first when vnet_hdr is on).
[[nodiscard]] IoResult write_packet(int fd, std::span<const std::byte> packet) noexcept;

enum class WaitStatus : std::uint8_t {
  kReadable,     // the queue has a packet
  kWoken,        // wake_fd became readable (e.g. an eventfd written at shutdown)
  kTimeout,      // nothing within timeout_ms
  kInterrupted,  // EINTR
  kGone,         // POLLERR/POLLHUP/POLLNVAL on the queue: the device was deleted
  kError,        // poll() failed otherwise
};

// poll() for one queue fd and an optional wake fd (-1: none). timeout_ms < 0 waits forever.
[[nodiscard]] WaitStatus wait_readable(int fd, int timeout_ms, int wake_fd = -1) noexcept;

const char* to_string(IoStatus s) noexcept;
const char* to_string(WaitStatus s) noexcept;

}  // namespace tundra
