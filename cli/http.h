// The HTTP listener (`http-listen`, default 127.0.0.1:8080): GET /health and GET /metrics.
//
// - /health: 200 "OK" while DaemonView::healthy(), 503 "unhealthy" otherwise (the model is
//   CoreDNS's health plugin: a load balancer or a container runtime probes it).
// - /metrics: the Prometheus text exposition format 0.0.4; every metric is listed in
//   docs/operations.md and rendered by render_metrics().
// - Anything else: 404. Methods other than GET and HEAD: 405 with `Allow: GET, HEAD`.
//   Malformed requests: 400; headers over the size limit: 431; too slow: 408.
//
// HTTP/1.0 and 1.1, one request per connection (`Connection: close`), no request bodies.
// A client has `timeout` (2 s) to send at most `max_request_bytes` (8 KiB) of request line
// and headers, and at most `max_connections` (16) are served at once; others wait in the
// listen backlog. The listener runs on its own thread (OneShotServer, cli/control.h), far
// from the packet path; DaemonView calls are serialised with the control socket's.
//
// Addresses are parsed numerically (inet_pton): "127.0.0.1:8080", "[::1]:8080",
// "0.0.0.0:9100", "[::]:8080"; port 0 picks a free port (tests; see HttpServer::port()).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/control.h"
#include "cli/daemon_view.h"

namespace tundra {

inline constexpr const char* kDefaultHttpListen = "127.0.0.1:8080";

// A numeric IPv4 or IPv6 address and a port.
struct ListenAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string to_string() const;  // "127.0.0.1:8080", "[::1]:8080"
};

// Parses "A.B.C.D:PORT" or "[IPV6]:PORT" (no names, no scope ids). False with `*error`
// set to one line on anything else; use it to validate `http-listen` at load time.
bool parse_listen_address(std::string_view text, ListenAddress* out, std::string* error);

struct HttpLimits {
  std::size_t max_request_bytes = 8192;
  std::chrono::milliseconds timeout{2000};
  std::size_t max_connections = 16;
};

// The /metrics body for a stats snapshot and the mapping table (dynamic rows are counted
// by state).
std::string render_metrics(const StatsSnapshot& stats, const std::vector<MappingRow>& mappings);

// Answers one complete request (request line and headers, as received) with a full HTTP
// response. Calls `view` (take lock_daemon_view() first when other threads may call it).
std::string http_respond(DaemonView& view, std::string_view request);

class HttpServer {
 public:
  explicit HttpServer(DaemonView& view) : view_(view) {}
  ~HttpServer() { stop(); }
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `listen` (SO_REUSEADDR), listens and serves on a new thread. False with
  // `*error` set to one line naming the address.
  bool start(std::string_view listen, std::string* error, HttpLimits limits = {});
  // Prompt: wakes the loop and joins it. Idempotent.
  void stop() noexcept;
  // The bound port (useful after binding port 0); 0 when not started.
  std::uint16_t port() const { return port_; }

 private:
  DaemonView& view_;
  OneShotServer server_;
  std::uint16_t port_ = 0;
};

}  // namespace tundra
