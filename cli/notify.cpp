// sd_notify(3) datagrams on $NOTIFY_SOCKET (see cli/notify.h).
#include "cli/notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>

namespace tundra {

namespace {

void set_error(std::string* error, std::string message) {
  if (error) *error = std::move(message);
}

std::string one_line(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return out;
}

}  // namespace

bool notify_systemd(std::string_view state, std::string* error) {
  const char* env = std::getenv("NOTIFY_SOCKET");
  if (env == nullptr || env[0] == '\0') return true;
  try {
    const std::string target(env);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (target[0] != '/' && target[0] != '@') {
      set_error(error, "NOTIFY_SOCKET=" + target + ": only a path or an @abstract name is supported");
      return false;
    }
    if (target.size() > sizeof(addr.sun_path) - (target[0] == '/' ? 1 : 0)) {
      set_error(error, "NOTIFY_SOCKET=" + target + ": name too long for a unix socket");
      return false;
    }
    std::memcpy(addr.sun_path, target.data(), target.size());
    if (target[0] == '@') addr.sun_path[0] = '\0';  // abstract namespace: leading NUL, no terminator
    const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + target.size());

    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      set_error(error, std::string("NOTIFY_SOCKET: socket: ") + std::strerror(errno));
      return false;
    }
    ssize_t n;
    do {
      n = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<const sockaddr*>(&addr), addr_len);
    } while (n < 0 && errno == EINTR);
    const int saved = errno;
    ::close(fd);
    if (n < 0) {
      set_error(error, "NOTIFY_SOCKET=" + target + ": " + std::strerror(saved));
      return false;
    }
    return true;
  } catch (...) {
    set_error(error, "NOTIFY_SOCKET: out of memory");
    return false;
  }
}

bool notify_ready(std::string_view status, std::string* error) {
  try {
    std::string state = "READY=1";
    if (!status.empty()) state += "\nSTATUS=" + one_line(status);
    return notify_systemd(state, error);
  } catch (...) {
    set_error(error, "NOTIFY_SOCKET: out of memory");
    return false;
  }
}

bool notify_reloading(std::string* error) {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const long long usec = static_cast<long long>(ts.tv_sec) * 1000000LL + ts.tv_nsec / 1000;
  try {
    return notify_systemd("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec), error);
  } catch (...) {
    set_error(error, "NOTIFY_SOCKET: out of memory");
    return false;
  }
}

bool notify_stopping(std::string* error) { return notify_systemd("STOPPING=1", error); }

bool notify_status(std::string_view status, std::string* error) {
  try {
    return notify_systemd("STATUS=" + one_line(status), error);
  } catch (...) {
    set_error(error, "NOTIFY_SOCKET: out of memory");
    return false;
  }
}

bool notify_watchdog(std::string* error) { return notify_systemd("WATCHDOG=1", error); }

std::optional<std::chrono::microseconds> watchdog_interval() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  if (usec == nullptr || usec[0] == '\0') return std::nullopt;
  const char* pid = std::getenv("WATCHDOG_PID");
  if (pid != nullptr && pid[0] != '\0') {
    char* end = nullptr;
    const long long p = std::strtoll(pid, &end, 10);
    if (end == pid || *end != '\0' || p != static_cast<long long>(::getpid())) return std::nullopt;
  }
  char* end = nullptr;
  const unsigned long long v = std::strtoull(usec, &end, 10);
  if (end == usec || *end != '\0' || v == 0) return std::nullopt;
  return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(v));
}

}  // namespace tundra
