// The control socket: `tundra show mappings|stats|config` and `tundra reload` talk to the
// running daemon over a unix stream socket (default /run/tundra/control.sock, mode 0600).
//
// Protocol, one exchange per connection:
//   client: one request line, ending in "\n" (or end of stream), at most 1 KiB:
//             show mappings [table|json|csv]
//             show stats [table|json|csv]
//             show config [table|json|csv]
//             reload
//           ("--json" is accepted for "json", and so on; the default format is table.)
//   daemon: a status line, then the body, then it closes the connection:
//             "ok\n" followed by the rendered output (cli/show.h), or
//             "error <one line>\n" and nothing else.
//
// Also here: OneShotServer, the small poll(2) loop that serves both this socket and the
// HTTP listener (cli/http.h). It runs on its own thread, never touches the packet path,
// and bounds what a client can hold: the request must arrive within a timeout and a size
// limit, a stalled reader is cut off, and at most max_connections are open at once.
//
// Thread safety: ControlServer::start()/stop() from one thread (the daemon's main thread);
// the DaemonView is called from the server's thread, one call at a time (see
// lock_daemon_view()). stop() is prompt (an eventfd wakes the loop) and safe to call from
// the thread that handles SIGTERM; it must not be called from a signal handler.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <thread>

#include "cli/daemon_view.h"

namespace tundra {

inline constexpr const char* kDefaultControlSocket = "/run/tundra/control.sock";

// A server whose connections each carry one request and one response.
class OneShotServer {
 public:
  // What the loop knows about the bytes received so far when it calls the handler.
  enum class Input : std::uint8_t {
    kPartial,     // more may come
    kPeerClosed,  // the client closed its side; nothing more will come
    kTooLarge,    // max_request_bytes received without a complete request
    kTimedOut,    // the timeout passed without a complete request
  };
  // Returns the response once `request` is complete; nullopt for kPartial means "wait for
  // more", and for the other inputs "close without answering". Runs on the server thread;
  // an exception closes the connection.
  using Handler = std::function<std::optional<std::string>(std::string_view request, Input input)>;

  struct Limits {
    std::size_t max_request_bytes = 8192;
    // To receive the request; then, while answering, the longest wait for the client to
    // take more of the response (so a large answer to a live client is never cut short).
    std::chrono::milliseconds timeout{2000};
    std::size_t max_connections = 16;  // further clients wait in the listen backlog
  };

  OneShotServer() = default;
  ~OneShotServer() { stop(); }
  OneShotServer(const OneShotServer&) = delete;
  OneShotServer& operator=(const OneShotServer&) = delete;

  // Takes ownership of `listen_fd` (a listening stream socket of any family; closed on
  // failure too) and serves it on a new thread. False with `*error` set on failure.
  bool start(int listen_fd, Limits limits, Handler handler, std::string* error);
  // Wakes the loop, joins the thread and closes every socket. Idempotent.
  void stop() noexcept;
  bool running() const { return thread_.joinable(); }

 private:
  void run() noexcept;

  int listen_fd_ = -1;
  int wake_fd_ = -1;  // eventfd: stop() writes, the loop polls
  Limits limits_;
  Handler handler_;
  std::thread thread_;
};

// Serialises DaemonView calls made by the control socket and the HTTP listener, which run
// on separate threads: a DaemonView sees one call at a time from them.
std::unique_lock<std::mutex> lock_daemon_view();

// Answers one request line (the protocol above): "ok\n" + body or "error ...\n". Calls
// `view` (take lock_daemon_view() first when other threads may call it).
std::string handle_control_request(DaemonView& view, std::string_view request);

class ControlServer {
 public:
  explicit ControlServer(DaemonView& view) : view_(view) {}
  ~ControlServer() { stop(); }
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  // Creates the parent directory (mode 0755) if it is missing, replaces a stale socket
  // file (one nobody listens on; a live one means another daemon and is an error, and a
  // file that is not a socket is never removed), binds, sets mode 0600 before listening,
  // and serves on a new thread. False with `*error` set to one line naming the path.
  bool start(const std::string& path, std::string* error);
  // Stops serving and removes the socket file if it is still the one start() made.
  void stop() noexcept;
  const std::string& path() const { return path_; }

 private:
  DaemonView& view_;
  OneShotServer server_;
  std::string path_;
  unsigned long long dev_ = 0;  // of the bound socket file, to unlink only our own
  unsigned long long ino_ = 0;
};

// The client side (`tundra show ...`, `tundra reload`): sends `request`, writes the body
// to `out` and returns 0; on "error ..." or when the daemon cannot be reached, writes one
// line starting "tundra: " to `err` and returns 2. Waits at most `timeout` for the answer.
int control_client(const std::string& path, const std::string& request, std::ostream& out, std::ostream& err,
                   std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace tundra
