// The control socket, its client, and the one-request-per-connection server loop shared
// with the HTTP listener (see cli/control.h).
#include "cli/control.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <exception>
#include <vector>

#include "cli/show.h"

namespace tundra {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxControlRequest = 1024;  // bytes, the request line with its newline
constexpr std::size_t kMaxControlConnections = 8;
constexpr std::size_t kReadChunk = 4096;

std::string errno_text(int err) { return std::strerror(err); }

// --- OneShotServer's connections ---------------------------------------------------------

struct Connection {
  enum class Phase : std::uint8_t { kReading, kWriting, kDraining };
  int fd = -1;
  Phase phase = Phase::kReading;
  std::string in;
  std::string out;
  std::size_t sent = 0;
  Clock::time_point deadline;
};

void close_fd(int& fd) noexcept {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

// Sends what it can of c.out; once all is sent, half-closes and moves to draining. Returns
// false when sending failed (the caller closes the connection).
bool write_some(Connection& c, Clock::time_point now, std::chrono::milliseconds timeout) {
  while (c.sent < c.out.size()) {
    const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return true;
      return false;
    }
    c.sent += static_cast<std::size_t>(n);
    c.deadline = now + timeout;  // progress: the client is alive
  }
  // All sent: half-close, then read until the client closes, so that unread request bytes
  // do not turn our close into a reset that could destroy the response in flight.
  ::shutdown(c.fd, SHUT_WR);
  c.out.clear();
  c.out.shrink_to_fit();
  c.phase = Connection::Phase::kDraining;
  c.deadline = now + std::min<std::chrono::milliseconds>(timeout, std::chrono::milliseconds(1000));
  return true;
}

}  // namespace

// --- OneShotServer -------------------------------------------------------------------------

bool OneShotServer::start(int listen_fd, Limits limits, Handler handler, std::string* error) {
  stop();
  const int flags = ::fcntl(listen_fd, F_GETFL, 0);
  if (flags < 0 || ::fcntl(listen_fd, F_SETFL, flags | O_NONBLOCK) < 0) {
    if (error) *error = "cannot make the listening socket non-blocking: " + errno_text(errno);
    ::close(listen_fd);
    return false;
  }
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0) {
    if (error) *error = "eventfd: " + errno_text(errno);
    ::close(listen_fd);
    return false;
  }
  listen_fd_ = listen_fd;
  limits_ = limits;
  if (limits_.max_connections == 0) limits_.max_connections = 1;
  if (limits_.max_request_bytes == 0) limits_.max_request_bytes = 1;
  handler_ = std::move(handler);
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::exception& e) {
    if (error) *error = std::string("cannot start the server thread: ") + e.what();
    close_fd(listen_fd_);
    close_fd(wake_fd_);
    return false;
  }
  return true;
}

void OneShotServer::stop() noexcept {
  if (thread_.joinable()) {
    const std::uint64_t one = 1;
    ssize_t n;
    do {
      n = ::write(wake_fd_, &one, sizeof one);
    } while (n < 0 && errno == EINTR);
    thread_.join();
  }
  close_fd(listen_fd_);
  close_fd(wake_fd_);
}

void OneShotServer::run() noexcept {
  std::vector<Connection> conns;
  std::vector<pollfd> fds;
  try {  // the loop below then never reallocates these
    conns.reserve(limits_.max_connections);
    fds.reserve(limits_.max_connections + 2);
  } catch (...) {
    return;
  }
  char buf[kReadChunk];

  // Hands the request to the handler; a response moves the connection to writing.
  // Returns false when the connection is to be closed.
  // Time spent in the handler is the server's, not the clients': every deadline is pushed
  // back by it (below), so that one slow answer (a large mapping table) does not time out
  // the clients that were waiting for the loop meanwhile.
  Clock::duration busy{};
  auto answer = [&](Connection& c, Input input, Clock::time_point) -> bool {
    const Clock::time_point started = Clock::now();
    std::optional<std::string> response;
    try {
      response = handler_(c.in, input);
    } catch (...) {
      return false;
    }
    const Clock::time_point finished = Clock::now();
    busy += finished - started;
    if (!response) return input == Input::kPartial;
    c.in.clear();
    c.in.shrink_to_fit();
    c.out = std::move(*response);
    c.sent = 0;
    c.phase = Connection::Phase::kWriting;
    c.deadline = finished + limits_.timeout;
    return write_some(c, finished, limits_.timeout);
  };

  // Reacts to readiness (or the deadline) on one connection; false: close it.
  auto step = [&](Connection& c, short revents, Clock::time_point now) -> bool {
    try {
      switch (c.phase) {
        case Connection::Phase::kReading: {
          if (revents & (POLLIN | POLLHUP | POLLERR)) {
            const std::size_t room = limits_.max_request_bytes - c.in.size();
            const ssize_t n = ::recv(c.fd, buf, std::min(room, sizeof buf), MSG_DONTWAIT);
            if (n > 0) {
              c.in.append(buf, static_cast<std::size_t>(n));
              if (!answer(c, Input::kPartial, now)) return false;
              if (c.phase == Connection::Phase::kReading && c.in.size() >= limits_.max_request_bytes) {
                return answer(c, Input::kTooLarge, now) && c.phase != Connection::Phase::kReading;
              }
              return true;
            }
            if (n == 0) return answer(c, Input::kPeerClosed, now) && c.phase != Connection::Phase::kReading;
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
          }
          if (now >= c.deadline) return answer(c, Input::kTimedOut, now) && c.phase != Connection::Phase::kReading;
          return true;
        }
        case Connection::Phase::kWriting:
          if (revents & (POLLERR | POLLHUP)) return false;
          if (revents & POLLOUT) {
            if (!write_some(c, now, limits_.timeout)) return false;
          }
          return now < c.deadline || c.phase == Connection::Phase::kDraining;
        case Connection::Phase::kDraining: {
          if (revents & (POLLIN | POLLHUP | POLLERR)) {
            const ssize_t n = ::recv(c.fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0) return false;
            if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return false;
          }
          return now < c.deadline;
        }
      }
    } catch (...) {  // bad_alloc while buffering: drop this client
    }
    return false;
  };

  for (;;) {
    fds.clear();
    fds.push_back({wake_fd_, POLLIN, 0});
    const bool accepting = conns.size() < limits_.max_connections;
    fds.push_back({accepting ? listen_fd_ : -1, POLLIN, 0});
    Clock::time_point next = Clock::time_point::max();
    for (const Connection& c : conns) {
      const short events = c.phase == Connection::Phase::kWriting ? POLLOUT : POLLIN;
      fds.push_back({c.fd, events, 0});
      next = std::min(next, c.deadline);
    }
    int timeout_ms = -1;
    if (next != Clock::time_point::max()) {
      const auto wait = std::chrono::ceil<std::chrono::milliseconds>(next - Clock::now()).count();
      timeout_ms = static_cast<int>(std::clamp<long long>(wait, 0, 60000));
    }
    const int ready = ::poll(fds.data(), static_cast<nfds_t>(fds.size()), timeout_ms);
    if (ready < 0 && errno != EINTR) break;  // cannot happen with valid fds; stop serving
    if (ready > 0 && (fds[0].revents & POLLIN)) break;

    const Clock::time_point now = Clock::now();
    busy = Clock::duration::zero();
    // Existing connections first (fds[2..] match conns[0..] as they were when polled).
    std::size_t kept = 0;
    for (std::size_t i = 0; i < conns.size(); ++i) {
      const short revents = ready > 0 ? fds[i + 2].revents : 0;
      if (step(conns[i], revents, now)) {
        if (kept != i) conns[kept] = std::move(conns[i]);
        ++kept;
      } else {
        close_fd(conns[i].fd);
      }
    }
    conns.resize(kept);
    if (busy > Clock::duration::zero()) {
      for (Connection& c : conns) c.deadline += busy;
    }

    if (accepting && ready > 0 && (fds[1].revents & POLLIN)) {
      while (conns.size() < limits_.max_connections) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;  // EAGAIN, or an aborted connection: try again on the next wakeup
        try {
          Connection c;
          c.fd = fd;
          c.deadline = Clock::now() + limits_.timeout;
          conns.push_back(std::move(c));
        } catch (...) {
          ::close(fd);
          break;
        }
      }
    }
  }
  for (Connection& c : conns) close_fd(c.fd);
}

// --- the control protocol --------------------------------------------------------------------

std::unique_lock<std::mutex> lock_daemon_view() {
  static std::mutex m;
  return std::unique_lock<std::mutex>(m);
}

namespace {

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    const std::size_t start = i;
    while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

std::string error_response(std::string_view message) {
  std::string line = "error ";
  for (const char c : message) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  return line;
}

constexpr std::string_view kUsage =
    "expected 'show mappings|stats|config [table|json|csv]' or 'reload'";

}  // namespace

std::string handle_control_request(DaemonView& view, std::string_view request) {
  if (const std::size_t nl = request.find('\n'); nl != std::string_view::npos) request = request.substr(0, nl);
  if (!request.empty() && request.back() == '\r') request.remove_suffix(1);
  const std::vector<std::string_view> words = split_words(request);
  if (words.empty()) return error_response("empty request; " + std::string(kUsage));

  if (words[0] == "reload") {
    if (words.size() != 1) return error_response("'reload' takes no arguments");
    const ReloadResult result = view.reload();
    if (!result.applied) return error_response("reload refused, the running configuration stays: " + result.problem);
    if (!result.problem.empty()) {
      return error_response("configuration reloaded, but the interface did not follow: " + result.problem);
    }
    return "ok\nconfiguration reloaded\n";
  }
  if (words[0] == "show" && words.size() >= 2 && words.size() <= 3) {
    OutputFormat format = OutputFormat::kTable;
    if (words.size() == 3) {
      const auto f = parse_output_format(words[2]);
      if (!f) return error_response("unknown format '" + std::string(words[2]) + "'; expected table, json or csv");
      format = *f;
    }
    if (words[1] == "mappings") return "ok\n" + render_mappings(view.mappings(), format);
    if (words[1] == "stats") return "ok\n" + render_stats(view.stats(), format);
    if (words[1] == "config") {
      std::string body;
      std::string problem;
      if (!render_config(view.config_text(), format, &body, &problem)) return error_response(problem);
      return "ok\n" + body;
    }
  }
  std::string shown(request.substr(0, 64));
  for (char& c : shown) {
    if (static_cast<unsigned char>(c) < 0x20) c = '?';
  }
  return error_response("unknown request '" + shown + "'; " + std::string(kUsage));
}

// --- ControlServer ----------------------------------------------------------------------------

namespace {

bool fill_unix_address(const std::string& path, sockaddr_un* addr, std::string* error) {
  *addr = {};
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr->sun_path)) {
    if (error) *error = path + ": a unix socket path must have 1 to " + std::to_string(sizeof(addr->sun_path) - 1) + " bytes";
    return false;
  }
  std::memcpy(addr->sun_path, path.c_str(), path.size() + 1);
  return true;
}

// mkdir -p for the directory that holds `path`; directories it creates get mode 0755.
bool make_parent_directories(const std::string& path, std::string* error) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return true;
  const std::string dir = path.substr(0, slash);
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    const std::string part = dir.substr(0, pos);
    if (part.empty()) continue;
    if (::mkdir(part.c_str(), 0755) == 0) {
      ::chmod(part.c_str(), 0755);  // whatever the umask
    } else if (errno != EEXIST) {
      if (error) *error = "cannot create directory " + part + ": " + errno_text(errno);
      return false;
    }
  }
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    if (error) *error = dir + " is not a directory";
    return false;
  }
  return true;
}

// A socket file at `path` that nobody listens on is removed; a live one or a file that is
// not a socket is an error.
bool remove_stale_socket(const std::string& path, const sockaddr_un& addr, std::string* error) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return true;
    if (error) *error = path + ": " + errno_text(errno);
    return false;
  }
  if (!S_ISSOCK(st.st_mode)) {
    if (error) *error = path + " exists and is not a socket; not replacing it";
    return false;
  }
  const int probe = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (probe < 0) {
    if (error) *error = "socket: " + errno_text(errno);
    return false;
  }
  const int rc = ::connect(probe, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  const int err = errno;
  ::close(probe);
  if (rc == 0) {
    if (error) *error = path + ": another tundra is already serving this control socket";
    return false;
  }
  if (err != ECONNREFUSED && err != ENOENT) {
    if (error) *error = path + ": " + errno_text(err);
    return false;
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    if (error) *error = "cannot remove the stale socket " + path + ": " + errno_text(errno);
    return false;
  }
  return true;
}

}  // namespace

bool ControlServer::start(const std::string& path, std::string* error) {
  stop();
  sockaddr_un addr{};
  if (!fill_unix_address(path, &addr, error)) return false;
  if (!make_parent_directories(path, error)) return false;
  if (!remove_stale_socket(path, addr, error)) return false;

  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    if (error) *error = "socket: " + errno_text(errno);
    return false;
  }
  auto fail = [&](const std::string& what, int err) {
    if (error) *error = path + ": " + what + ": " + errno_text(err);
    ::close(fd);
    return false;
  };
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return fail("bind", errno);
  // Mode 0600 before listen(): until then a connect() is refused anyway, so no client ever
  // reaches the socket with the umask's mode.
  if (::chmod(path.c_str(), 0600) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return fail("chmod 0600", err);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return fail("stat", err);
  }
  if (::listen(fd, 16) != 0) {
    const int err = errno;
    ::unlink(path.c_str());
    return fail("listen", err);
  }

  OneShotServer::Limits limits;
  limits.max_request_bytes = kMaxControlRequest;
  limits.max_connections = kMaxControlConnections;
  DaemonView* view = &view_;
  auto handler = [view](std::string_view request, OneShotServer::Input input) -> std::optional<std::string> {
    using Input = OneShotServer::Input;
    const bool has_line = request.find('\n') != std::string_view::npos;
    if (input == Input::kPartial && !has_line) return std::nullopt;
    if (input == Input::kTooLarge && !has_line) return error_response("request line longer than 1024 bytes");
    if (input == Input::kTimedOut && !has_line) return error_response("no complete request line within 2 s");
    if (input == Input::kPeerClosed && request.empty()) return std::nullopt;
    auto lock = lock_daemon_view();
    return handle_control_request(*view, request);
  };
  std::string problem;
  if (!server_.start(fd, limits, std::move(handler), &problem)) {
    ::unlink(path.c_str());
    if (error) *error = path + ": " + problem;
    return false;
  }
  path_ = path;
  dev_ = static_cast<unsigned long long>(st.st_dev);
  ino_ = static_cast<unsigned long long>(st.st_ino);
  return true;
}

void ControlServer::stop() noexcept {
  server_.stop();
  if (path_.empty()) return;
  struct stat st {};
  if (::lstat(path_.c_str(), &st) == 0 && static_cast<unsigned long long>(st.st_dev) == dev_ &&
      static_cast<unsigned long long>(st.st_ino) == ino_) {
    ::unlink(path_.c_str());
  }
  path_.clear();
}

// --- the client -------------------------------------------------------------------------------

int control_client(const std::string& path, const std::string& request, std::ostream& out, std::ostream& err,
                   std::chrono::milliseconds timeout) {
  constexpr int kOk = 0;
  constexpr int kFailure = 2;
  sockaddr_un addr{};
  std::string problem;
  if (!fill_unix_address(path, &addr, &problem)) {
    err << "tundra: " << problem << '\n';
    return kFailure;
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    err << "tundra: socket: " << errno_text(errno) << '\n';
    return kFailure;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    err << "tundra: cannot reach " << path << ": " << errno_text(e);
    if (e == EACCES || e == EPERM) {
      err << " \u2014 the control socket is mode 0600; run as root or as the daemon's user\n";
    } else {
      err << " \u2014 is `tundra run` running?\n";
    }
    return kFailure;
  }
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>(timeout.count() % 1000 * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);

  std::string line = request;
  line += '\n';
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      err << "tundra: " << path << ": sending the request: " << errno_text(errno) << '\n';
      return kFailure;
    }
    sent += static_cast<std::size_t>(n);
  }

  // The status line, then stream the body to `out` as it arrives (a large mapping table
  // need not be held twice).
  std::string head;
  bool have_status = false;
  bool ok = false;
  char buf[16384];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        err << "tundra: " << path << ": no answer within " << timeout.count() / 1000 << " s\n";
      } else {
        err << "tundra: " << path << ": " << errno_text(errno) << '\n';
      }
      return kFailure;
    }
    if (n == 0) break;
    std::string_view chunk(buf, static_cast<std::size_t>(n));
    if (!have_status) {
      head.append(chunk);
      const std::size_t nl = head.find('\n');
      if (nl == std::string::npos) {
        if (head.size() > 4096) break;  // not our protocol
        continue;
      }
      have_status = true;
      const std::string status = head.substr(0, nl);
      if (status == "ok") {
        ok = true;
        out.write(head.data() + nl + 1, static_cast<std::streamsize>(head.size() - nl - 1));
      } else if (status.rfind("error ", 0) == 0) {
        err << "tundra: " << status.substr(6) << '\n';
        return kFailure;
      } else {
        break;
      }
      head.clear();
      continue;
    }
    out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
  }
  if (!have_status || !ok) {
    err << "tundra: " << path << ": no valid answer from the daemon\n";
    return kFailure;
  }
  out.flush();
  return kOk;
}

}  // namespace tundra
