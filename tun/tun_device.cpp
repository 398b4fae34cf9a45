// TUN queues over /dev/net/tun: TUNSETIFF per queue, the single-queue fallback, --mktun and
// --rmtun, and the errno-to-enum mapping of the per-packet calls. See tun/tun_device.h.
#include "tun/tun_device.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace tundra {
namespace {

constexpr const char* kCloneDevice = "/dev/net/tun";

// The flags every queue asks for: a layer-3 device (IFF_TUN), bare packets without the
// 4-byte struct tun_pi in front (IFF_NO_PI).
constexpr int kBaseFlags = IFF_TUN | IFF_NO_PI;

std::string errno_text(int error) { return std::strerror(error); }

// Why an attach failed: opening the clone device, or the TUNSETIFF on it.
struct AttachError {
  bool opening = false;  // true: open(/dev/net/tun) failed; false: TUNSETIFF failed
  int error = 0;         // errno; 0 = success
};

// Opens one fd on /dev/net/tun and attaches it to `name` with `flags` (creating the device
// when it does not exist). On success stores the fd and the name the kernel chose.
AttachError attach_queue(const std::string& name, int flags, bool nonblocking, int* fd_out,
                         std::string* kernel_name) {
  const int fd = ::open(kCloneDevice, O_RDWR | O_CLOEXEC | (nonblocking ? O_NONBLOCK : 0));
  if (fd < 0) return {true, errno};
  ifreq ifr{};
  std::memcpy(ifr.ifr_name, name.data(), name.size());  // length checked by the caller
  ifr.ifr_flags = static_cast<short>(flags);
  if (::ioctl(fd, TUNSETIFF, &ifr) < 0) {
    const int error = errno;
    ::close(fd);
    return {false, error};
  }
  *fd_out = fd;
  *kernel_name = std::string(ifr.ifr_name, ::strnlen(ifr.ifr_name, IFNAMSIZ));
  return {};
}

// One line for a failed attach, with the hint an operator needs for the usual causes.
std::string describe_attach_error(const std::string& name, const AttachError& e, bool existed) {
  std::string line = "tun " + name + ": ";
  if (e.opening) {
    line += std::string(kCloneDevice) + ": " + errno_text(e.error);
    if (e.error == ENOENT || e.error == ENODEV || e.error == ENXIO)
      line += " (load the tun module, or pass /dev/net/tun into the container)";
    return line;
  }
  line += errno_text(e.error);
  switch (e.error) {
    case EPERM:
    case EACCES:
      line += " (needs CAP_NET_ADMIN, or to be the device's owner or group)";
      break;
    case EBUSY:
      line += " (another process has the single-queue device open)";
      break;
    case EINVAL:
      line += existed ? " (the existing interface is not a TUN device; a TAP?)"
                      : " (the kernel refused the name or flags)";
      break;
    default:
      break;
  }
  return line;
}

bool interface_exists(const std::string& name) { return ::if_nametoindex(name.c_str()) != 0; }

Status check_name(const std::string& name) {
  if (name.empty() || name.size() >= IFNAMSIZ)
    return Status::error("tun \"" + name + "\": interface names are 1 to " +
                         std::to_string(IFNAMSIZ - 1) + " bytes");
  return Status::ok();
}

// Attaches one fd, multi-queue first and, for an existing device that refuses that
// (created without multi_queue), single-queue. `*multi_queue` says which one worked.
AttachError attach_first_queue(const std::string& name, int flags, bool nonblocking,
                               bool existed, int* fd, std::string* kernel_name,
                               bool* multi_queue) {
  AttachError e = attach_queue(name, flags | IFF_MULTI_QUEUE, nonblocking, fd, kernel_name);
  *multi_queue = true;
  if (e.error == EINVAL && !e.opening && existed) {
    // tun_set_iff() refuses a queue-mode mismatch with EINVAL; anything else that is not a
    // TUN fails the single-queue attempt with EINVAL too, and that error is reported.
    e = attach_queue(name, flags, nonblocking, fd, kernel_name);
    *multi_queue = false;
  }
  return e;
}

int tun_flags(int fd) {
  ifreq ifr{};
  if (::ioctl(fd, TUNGETIFF, &ifr) < 0) return -1;
  return ifr.ifr_flags & 0xffff;  // ifr_flags is a short; IFF_PERSIST (0x800) fits
}

}  // namespace

TunDevice::TunDevice(TunDevice&& other) noexcept
    : fds_(std::exchange(other.fds_, {})),
      name_(std::move(other.name_)),
      ifindex_(std::exchange(other.ifindex_, 0)),
      existed_(other.existed_),
      persistent_(other.persistent_),
      multi_queue_(other.multi_queue_),
      vnet_hdr_(other.vnet_hdr_),
      note_(std::move(other.note_)) {}

TunDevice& TunDevice::operator=(TunDevice&& other) noexcept {
  if (this != &other) {
    close();
    fds_ = std::exchange(other.fds_, {});
    name_ = std::move(other.name_);
    ifindex_ = std::exchange(other.ifindex_, 0);
    existed_ = other.existed_;
    persistent_ = other.persistent_;
    multi_queue_ = other.multi_queue_;
    vnet_hdr_ = other.vnet_hdr_;
    note_ = std::move(other.note_);
  }
  return *this;
}

TunDevice::~TunDevice() { close(); }

void TunDevice::close() {
  for (const int fd : fds_) ::close(fd);
  fds_.clear();
  ifindex_ = 0;
}

Status TunDevice::open(const TunOptions& options) {
  close();
  note_.clear();
  if (Status s = check_name(options.name); !s) return s;
  if (options.queues < 1 || options.queues > kMaxTunQueues)
    return Status::error("tun " + options.name + ": queues must be 1 to " +
                         std::to_string(kMaxTunQueues) + ", not " + std::to_string(options.queues));

  // Racy by nature (another process may create the device in between), but it only
  // decides messages and whether the device is ours; the persistence check below catches
  // the case that matters.
  existed_ = interface_exists(options.name);
  vnet_hdr_ = options.vnet_hdr;
  const int flags = kBaseFlags | (options.vnet_hdr ? IFF_VNET_HDR : 0);

  int fd = -1;
  const AttachError first = attach_first_queue(options.name, flags, options.nonblocking,
                                               existed_, &fd, &name_, &multi_queue_);
  if (first.error != 0) return Status::error(describe_attach_error(options.name, first, existed_));
  fds_.push_back(fd);

  const int got = tun_flags(fd);
  persistent_ = got >= 0 && (got & IFF_PERSIST) != 0;
  if (existed_ && !persistent_) {
    // A live, non-persistent multi-queue device belongs to whoever created it; adding our
    // queues would split its traffic between two translators.
    close();
    return Status::error("tun " + options.name +
                         ": exists and is not persistent, so another process owns it "
                         "(make it persistent with --mktun, or stop that process)");
  }

  if (!multi_queue_) {
    if (options.queues > 1)
      note_ = "tun " + name_ + ": existing device is single-queue (created without multi_queue); "
              "using 1 queue, not " + std::to_string(options.queues);
  } else {
    const int queue_flags = flags | IFF_MULTI_QUEUE;
    for (unsigned q = 1; q < options.queues; ++q) {
      std::string ignored;
      const AttachError e = attach_queue(name_, queue_flags, options.nonblocking, &fd, &ignored);
      if (e.error != 0) {
        close();
        return Status::error(describe_attach_error(name_, e, true) + " (queue " +
                             std::to_string(q + 1) + " of " + std::to_string(options.queues) + ")");
      }
      fds_.push_back(fd);
    }
  }

  ifindex_ = ::if_nametoindex(name_.c_str());
  if (ifindex_ == 0) {
    const int error = errno;
    close();
    return Status::error("tun " + name_ + ": interface index: " + errno_text(error));
  }
  return Status::ok();
}

Status TunDevice::set_offload(unsigned tun_f_flags) {
  if (fds_.empty()) return Status::error("tun " + name_ + ": not open");
  if (::ioctl(fds_.front(), TUNSETOFFLOAD, static_cast<unsigned long>(tun_f_flags)) < 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", tun_f_flags);
    return Status::error("tun " + name_ + ": TUNSETOFFLOAD " + hex + ": " + errno_text(errno));
  }
  return Status::ok();
}

Status make_persistent_tun(const PersistentTunOptions& options) {
  if (Status s = check_name(options.name); !s) return s;
  const bool existed = interface_exists(options.name);
  int fd = -1;
  std::string name;
  bool multi_queue = false;
  const AttachError e = attach_first_queue(options.name, kBaseFlags, /*nonblocking=*/false,
                                           existed, &fd, &name, &multi_queue);
  if (e.error != 0) return Status::error(describe_attach_error(options.name, e, existed));

  auto fail = [&](const char* what) {
    const int error = errno;
    ::close(fd);  // a device created just now and not yet persistent goes away again
    return Status::error("tun " + name + ": " + what + ": " + errno_text(error));
  };
  if (options.owner && ::ioctl(fd, TUNSETOWNER, static_cast<unsigned long>(*options.owner)) < 0)
    return fail("TUNSETOWNER");
  if (options.group && ::ioctl(fd, TUNSETGROUP, static_cast<unsigned long>(*options.group)) < 0)
    return fail("TUNSETGROUP");
  if (::ioctl(fd, TUNSETPERSIST, 1UL) < 0) return fail("TUNSETPERSIST");
  ::close(fd);
  return Status::ok();
}

Status remove_persistent_tun(const std::string& name) {
  if (Status s = check_name(name); !s) return s;
  // Without this check TUNSETIFF would create the device only for it to vanish again, and
  // a typo in the name would pass silently.
  if (!interface_exists(name)) return Status::error("tun " + name + ": no such device");
  int fd = -1;
  std::string kernel_name;
  bool multi_queue = false;
  const AttachError e = attach_first_queue(name, kBaseFlags, /*nonblocking=*/false,
                                           /*existed=*/true, &fd, &kernel_name, &multi_queue);
  if (e.error != 0) return Status::error(describe_attach_error(name, e, true));
  if (::ioctl(fd, TUNSETPERSIST, 0UL) < 0) {
    const int error = errno;
    ::close(fd);
    return Status::error("tun " + name + ": TUNSETPERSIST: " + errno_text(error));
  }
  ::close(fd);  // the last fd of a non-persistent device: the kernel deletes it now
  return Status::ok();
}

IoResult read_packet(int fd, std::span<std::byte> buffer) noexcept {
  const ssize_t n = ::read(fd, buffer.data(), buffer.size());
  if (n >= 0) {
    const auto bytes = static_cast<std::size_t>(n);
    // NO_PI reads cut an oversized packet to the buffer without saying so.
    return {bytes == buffer.size() ? IoStatus::kTruncated : IoStatus::kOk, bytes, 0};
  }
  const int error = errno;
  switch (error) {
    case EAGAIN: return {IoStatus::kWouldBlock, 0, error};
    case EINTR: return {IoStatus::kInterrupted, 0, error};
    case EBADFD: return {IoStatus::kGone, 0, error};
    default: return {IoStatus::kError, 0, error};
  }
}

IoResult write_packet(int fd, std::span<const std::byte> packet) noexcept {
  const ssize_t n = ::write(fd, packet.data(), packet.size());
  if (n >= 0) return {IoStatus::kOk, static_cast<std::size_t>(n), 0};
  const int error = errno;
  switch (error) {
    case EAGAIN: return {IoStatus::kWouldBlock, 0, error};
    case EINTR: return {IoStatus::kInterrupted, 0, error};
    case EIO: return {IoStatus::kLinkDown, 0, error};  // tun_get_user(): device not IFF_UP
    case EINVAL:
    case EMSGSIZE:
    case EFAULT: return {IoStatus::kRejected, 0, error};
    case EBADFD: return {IoStatus::kGone, 0, error};
    default: return {IoStatus::kError, 0, error};
  }
}

WaitStatus wait_readable(int fd, int timeout_ms, int wake_fd) noexcept {
  pollfd fds[2] = {{fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
  const nfds_t count = wake_fd >= 0 ? 2 : 1;
  const int n = ::poll(fds, count, timeout_ms);
  if (n < 0) return errno == EINTR ? WaitStatus::kInterrupted : WaitStatus::kError;
  if (n == 0) return WaitStatus::kTimeout;
  // Shutdown first: a wake must not be starved by a busy queue.
  if (count == 2 && (fds[1].revents & POLLIN) != 0) return WaitStatus::kWoken;
  if ((fds[0].revents & POLLIN) != 0) return WaitStatus::kReadable;
  if ((fds[0].revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return WaitStatus::kGone;
  return WaitStatus::kError;  // only the wake fd reported, and not readable: it broke
}

const char* to_string(IoStatus s) noexcept {
  switch (s) {
    case IoStatus::kOk: return "ok";
    case IoStatus::kWouldBlock: return "would block";
    case IoStatus::kInterrupted: return "interrupted";
    case IoStatus::kTruncated: return "truncated";
    case IoStatus::kLinkDown: return "link down";
    case IoStatus::kRejected: return "rejected by the kernel";
    case IoStatus::kGone: return "device gone";
    case IoStatus::kError: return "error";
  }
  return "?";
}

const char* to_string(WaitStatus s) noexcept {
  switch (s) {
    case WaitStatus::kReadable: return "readable";
    case WaitStatus::kWoken: return "woken";
    case WaitStatus::kTimeout: return "timeout";
    case WaitStatus::kInterrupted: return "interrupted";
    case WaitStatus::kGone: return "device gone";
    case WaitStatus::kError: return "error";
  }
  return "?";
}

}  // namespace tundra
