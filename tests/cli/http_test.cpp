// Tests for cli/http: /health and /metrics, status codes for everything else, the
// Prometheus text format, numeric listen addresses, and the listener's limits (slow
// clients, oversized requests, connection cap), over real sockets on an ephemeral port.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "cli/http.h"

namespace {

using tundra::MappingKind;
using tundra::MappingRow;
using tundra::MappingState;

class FakeView : public tundra::DaemonView {
 public:
  std::atomic<bool> up{true};
  std::vector<MappingRow> mappings() override {
    return {
        {"64:ff9b::/96", "0.0.0.0/0", MappingKind::kPrefix, MappingState::kPermanent, 0, 0},
        {"2001:db8::5", "192.0.2.5", MappingKind::kStatic, MappingState::kPermanent, 0, 0},
        {"2001:db8:1::1", "192.168.255.231", MappingKind::kDynamic, MappingState::kActive, 1714564800, 1714572240},
        {"2001:db8:1::2", "192.168.255.232", MappingKind::kDynamic, MappingState::kActive, 1714564800, 1714572240},
        {"2001:db8:1::3", "192.168.255.233", MappingKind::kDynamic, MappingState::kDormant, 1713355200, 1714564800},
    };
  }
  tundra::StatsSnapshot stats() override {
    tundra::StatsSnapshot s;
    tundra::Counters c;
    c.received4 = 12;
    c.received6 = 30;
    c.icmp_sent4 = 3;
    c.icmp_sent6 = 4;
    for (int i = 0; i < 12; ++i) c.count(tundra::Counter::kTranslated46);
    c.count(tundra::Counter::kDropTtlExpired);
    s.per_worker = {c, tundra::Counters{}};
    s.total = c;
    s.started_at = 1714564800;
    s.now = 1714564900;
    return s;
  }
  std::string config_text() override { return ""; }
  tundra::ReloadResult reload() override { return {}; }
  bool healthy() override { return up; }
};

// Connects to the listener, sends `request`, and reads until the server closes.
std::string exchange(int family, std::uint16_t port, std::string_view request) {
  const int fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  int rc;
  if (family == AF_INET) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a);
  }
  REQUIRE(rc == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer (431) and close before all is sent
    sent += static_cast<std::size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

int connect_v4(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&a), sizeof a) == 0);
  return fd;
}

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

std::string body(const std::string& response) {
  const std::size_t end = response.find("\r\n\r\n");
  return end == std::string::npos ? std::string() : response.substr(end + 4);
}

bool has_header(const std::string& response, const std::string& header) {
  return response.find("\r\n" + header + "\r\n") != std::string::npos;
}

}  // namespace

TEST_CASE("Listen addresses are numeric IPv4 or bracketed IPv6 with a port", "[http]") {
  tundra::ListenAddress a;
  std::string error;
  REQUIRE(tundra::parse_listen_address("127.0.0.1:8080", &a, &error));
  CHECK(a.to_string() == "127.0.0.1:8080");
  CHECK(a.storage.ss_family == AF_INET);
  REQUIRE(tundra::parse_listen_address("[::1]:8080", &a, &error));
  CHECK(a.to_string() == "[::1]:8080");
  CHECK(a.storage.ss_family == AF_INET6);
  REQUIRE(tundra::parse_listen_address("[::]:0", &a, &error));
  CHECK(a.to_string() == "[::]:0");
  REQUIRE(tundra::parse_listen_address("0.0.0.0:65535", &a, &error));
  CHECK(a.to_string() == "0.0.0.0:65535");
  REQUIRE(tundra::parse_listen_address(tundra::kDefaultHttpListen, &a, &error));

  CHECK_FALSE(tundra::parse_listen_address("localhost:8080", &a, &error));
  CHECK(error == "http-listen 'localhost:8080': 'localhost' is not a numeric IPv4 address (names are not resolved)");
  CHECK_FALSE(tundra::parse_listen_address("::1:8080", &a, &error));
  CHECK(error == "http-listen '::1:8080': an IPv6 address needs brackets, e.g. [::1]:8080");
  CHECK_FALSE(tundra::parse_listen_address("127.0.0.1:65536", &a, &error));
  CHECK(error == "http-listen '127.0.0.1:65536': the port must be a number from 0 to 65535");
  CHECK_FALSE(tundra::parse_listen_address("127.0.0.1:", &a, &error));
  CHECK_FALSE(tundra::parse_listen_address("127.0.0.1:80a", &a, &error));
  CHECK_FALSE(tundra::parse_listen_address("127.0.0.1", &a, &error));
  CHECK_FALSE(tundra::parse_listen_address("[::1]", &a, &error));
  CHECK_FALSE(tundra::parse_listen_address("[::1:8080", &a, &error));
  CHECK_FALSE(tundra::parse_listen_address("[fe80::1%eth0]:80", &a, &error));
  CHECK_FALSE(tundra::parse_listen_address("[192.0.2.1]:80", &a, &error));
}

TEST_CASE("/health answers 200 OK while the daemon is healthy and 503 otherwise", "[http]") {
  FakeView view;
  std::string r = tundra::http_respond(view, "GET /health HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(status_line(r) == "HTTP/1.1 200 OK");
  CHECK(has_header(r, "Content-Type: text/plain; charset=utf-8"));
  CHECK(has_header(r, "Content-Length: 2"));
  CHECK(has_header(r, "Connection: close"));
  CHECK(body(r) == "OK");
  CHECK(std::regex_search(r, std::regex("\r\nDate: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\r\n")));

  view.up = false;
  r = tundra::http_respond(view, "GET /health HTTP/1.0\r\n\r\n");
  CHECK(status_line(r) == "HTTP/1.1 503 Service Unavailable");
  CHECK(body(r) == "unhealthy");

  view.up = true;
  r = tundra::http_respond(view, "HEAD /health HTTP/1.1\r\n\r\n");
  CHECK(status_line(r) == "HTTP/1.1 200 OK");
  CHECK(has_header(r, "Content-Length: 2"));
  CHECK(body(r).empty());

  CHECK(status_line(tundra::http_respond(view, "GET /health?full=1 HTTP/1.1\r\n\r\n")) == "HTTP/1.1 200 OK");
  CHECK(status_line(tundra::http_respond(view, "GET http://127.0.0.1:8080/health HTTP/1.1\r\n\r\n")) ==
        "HTTP/1.1 200 OK");
}

TEST_CASE("Other paths are 404, other methods 405, malformed requests 400", "[http]") {
  FakeView view;
  CHECK(status_line(tundra::http_respond(view, "GET / HTTP/1.1\r\n\r\n")) == "HTTP/1.1 404 Not Found");
  CHECK(status_line(tundra::http_respond(view, "GET /healthz HTTP/1.1\r\n\r\n")) == "HTTP/1.1 404 Not Found");
  CHECK(status_line(tundra::http_respond(view, "GET /metrics/ HTTP/1.1\r\n\r\n")) == "HTTP/1.1 404 Not Found");
  const std::string post = tundra::http_respond(view, "POST /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
  CHECK(status_line(post) == "HTTP/1.1 405 Method Not Allowed");
  CHECK(has_header(post, "Allow: GET, HEAD"));
  CHECK(status_line(tundra::http_respond(view, "DELETE /metrics HTTP/1.1\r\n\r\n")) ==
        "HTTP/1.1 405 Method Not Allowed");
  CHECK(status_line(tundra::http_respond(view, "GET /health\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
  CHECK(status_line(tundra::http_respond(view, "GET /health HTTP/2.0\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
  CHECK(status_line(tundra::http_respond(view, "GET health HTTP/1.1\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
  CHECK(status_line(tundra::http_respond(view, "G(T /health HTTP/1.1\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
  CHECK(status_line(tundra::http_respond(view, "\r\n\r\n")) == "HTTP/1.1 400 Bad Request");
}

TEST_CASE("/metrics is Prometheus text format 0.0.4 with HELP and TYPE for every family", "[http]") {
  FakeView view;
  const std::string r = tundra::http_respond(view, "GET /metrics HTTP/1.1\r\n\r\n");
  CHECK(status_line(r) == "HTTP/1.1 200 OK");
  CHECK(has_header(r, "Content-Type: text/plain; version=0.0.4; charset=utf-8"));
  const std::string m = body(r);
  CHECK(m == tundra::render_metrics(view.stats(), view.mappings()));
  CHECK(has_header(r, "Content-Length: " + std::to_string(m.size())));

  CHECK(m.find("tundra_packets_total{reason=\"translated_4to6\"} 12\n") != std::string::npos);
  CHECK(m.find("tundra_packets_total{reason=\"drop_ttl_expired\"} 1\n") != std::string::npos);
  CHECK(m.find("tundra_packets_total{reason=\"drop_too_big\"} 0\n") != std::string::npos);
  CHECK(m.find("tundra_received_packets_total{family=\"ipv4\"} 12\n") != std::string::npos);
  CHECK(m.find("tundra_received_packets_total{family=\"ipv6\"} 30\n") != std::string::npos);
  CHECK(m.find("tundra_icmp_errors_sent_total{family=\"ipv4\"} 3\n") != std::string::npos);
  CHECK(m.find("tundra_icmp_errors_sent_total{family=\"ipv6\"} 4\n") != std::string::npos);
  CHECK(m.find("tundra_dynamic_bindings{state=\"active\"} 2\n") != std::string::npos);
  CHECK(m.find("tundra_dynamic_bindings{state=\"dormant\"} 1\n") != std::string::npos);
  CHECK(m.find("tundra_static_mappings 1\n") != std::string::npos);
  CHECK(m.find("tundra_workers 2\n") != std::string::npos);
  CHECK(m.find("tundra_start_time_seconds 1714564800\n") != std::string::npos);
  CHECK(m.find("# TYPE tundra_packets_total counter\n") != std::string::npos);
  CHECK(m.find("# TYPE tundra_dynamic_bindings gauge\n") != std::string::npos);
  for (const auto& info : tundra::kCounterInfo) {
    CHECK(m.find("tundra_packets_total{reason=\"" + std::string(info.name) + "\"} ") != std::string::npos);
  }

  // Every line is a comment (HELP then TYPE, once per family, before its samples) or a
  // sample of the family declared last: the exposition format's grammar.
  const std::regex help("# HELP ([a-z_]+) .+");
  const std::regex type("# TYPE ([a-z_]+) (counter|gauge)");
  const std::regex sample_line("([a-z_]+)(\\{[a-z_]+=\"[a-z0-9_]+\"\\})? [0-9]+");
  std::set<std::string> families;
  std::string current;
  std::string helped;
  std::istringstream lines(m);
  std::string line;
  int samples = 0;
  while (std::getline(lines, line)) {
    std::smatch match;
    if (std::regex_match(line, match, help)) {
      helped = match[1];
    } else if (std::regex_match(line, match, type)) {
      CHECK(match[1] == helped);
      current = match[1];
      CHECK(families.insert(current).second);
    } else {
      REQUIRE(std::regex_match(line, match, sample_line));
      CHECK(match[1] == current);
      ++samples;
    }
  }
  CHECK(families.size() == 10);
  CHECK(samples == static_cast<int>(tundra::kCounterCount) + 2 + 2 + 3 + 2 + 1 + 2 + 1 + 1 + 1);
  CHECK(m.back() == '\n');
}

TEST_CASE("The HTTP listener serves on an ephemeral port over IPv4 and IPv6", "[http]") {
  FakeView view;
  tundra::HttpServer server(view);
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", &error));
  REQUIRE(server.port() != 0);

  std::string r = exchange(AF_INET, server.port(), "GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n");
  CHECK(status_line(r) == "HTTP/1.1 200 OK");
  CHECK(body(r) == "OK");
  r = exchange(AF_INET, server.port(), "GET /metrics HTTP/1.1\r\n\r\n");
  CHECK(status_line(r) == "HTTP/1.1 200 OK");
  CHECK(body(r) == tundra::render_metrics(view.stats(), view.mappings()));
  CHECK(status_line(exchange(AF_INET, server.port(), "GET /nope HTTP/1.1\r\n\r\n")) == "HTTP/1.1 404 Not Found");
  CHECK(status_line(exchange(AF_INET, server.port(), "PUT /health HTTP/1.1\r\n\r\n")) ==
        "HTTP/1.1 405 Method Not Allowed");
  // Split across several segments, lenient line ends.
  CHECK(status_line(exchange(AF_INET, server.port(), "GET /health HTTP/1.0\n\n")) == "HTTP/1.1 200 OK");
  view.up = false;
  CHECK(status_line(exchange(AF_INET, server.port(), "GET /health HTTP/1.1\r\n\r\n")) ==
        "HTTP/1.1 503 Service Unavailable");

  // A second server on the same port is refused with a clear line.
  tundra::HttpServer other(view);
  CHECK_FALSE(other.start("127.0.0.1:" + std::to_string(server.port()), &error));
  CHECK(error == "http-listen 127.0.0.1:" + std::to_string(server.port()) + ": bind: Address already in use");

  const auto t0 = std::chrono::steady_clock::now();
  server.stop();
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(500));
  CHECK(server.port() == 0);

  tundra::HttpServer v6(view);
  if (!v6.start("[::1]:0", &error)) {
    WARN("no IPv6 loopback here, skipping the [::1] check: " << error);
    return;
  }
  view.up = true;
  r = exchange(AF_INET6, v6.port(), "GET /health HTTP/1.1\r\n\r\n");
  CHECK(status_line(r) == "HTTP/1.1 200 OK");
}

TEST_CASE("A slow client gets 408 after the timeout and an oversized request 431", "[http]") {
  FakeView view;
  tundra::HttpServer server(view);
  std::string error;
  tundra::HttpLimits limits;
  limits.timeout = std::chrono::milliseconds(200);
  REQUIRE(server.start("127.0.0.1:0", &error, limits));

  const auto t0 = std::chrono::steady_clock::now();
  const std::string slow = exchange(AF_INET, server.port(), "GET /health HTTP/1.1\r\nHost: x\r\n");
  const auto waited = std::chrono::steady_clock::now() - t0;
  CHECK(status_line(slow) == "HTTP/1.1 408 Request Timeout");
  CHECK(waited >= std::chrono::milliseconds(150));
  CHECK(waited < std::chrono::milliseconds(2000));

  const std::string big = exchange(AF_INET, server.port(),
                                   "GET /health HTTP/1.1\r\nX-Filler: " + std::string(9000, 'a') + "\r\n\r\n");
  CHECK(status_line(big) == "HTTP/1.1 431 Request Header Fields Too Large");

  // A client that connects and says nothing gets 408 as well; one that closes its side
  // without a word gets nothing.
  CHECK(status_line(exchange(AF_INET, server.port(), "")) == "HTTP/1.1 408 Request Timeout");
  const int fd = connect_v4(server.port());
  ::shutdown(fd, SHUT_WR);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[64];
  CHECK(::recv(fd, buf, sizeof buf, 0) == 0);
  ::close(fd);
}

TEST_CASE("At most max_connections clients are served at once; the next waits for a free slot", "[http]") {
  FakeView view;
  tundra::HttpServer server(view);
  std::string error;
  tundra::HttpLimits limits;
  limits.max_connections = 2;
  limits.timeout = std::chrono::milliseconds(5000);
  REQUIRE(server.start("127.0.0.1:0", &error, limits));

  const int idle1 = connect_v4(server.port());
  const int idle2 = connect_v4(server.port());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // both accepted: the cap is reached
  const int third = connect_v4(server.port());                   // completes in the kernel backlog
  const std::string request = "GET /health HTTP/1.1\r\n\r\n";
  REQUIRE(::send(third, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size()));
  pollfd p{third, POLLIN, 0};
  CHECK(::poll(&p, 1, 200) == 0);  // not served while both slots are held

  ::close(idle1);  // frees a slot
  CHECK(::poll(&p, 1, 3000) == 1);
  char buf[512];
  const ssize_t n = ::recv(third, buf, sizeof buf, 0);
  REQUIRE(n > 0);
  CHECK(std::string(buf, static_cast<std::size_t>(n)).rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  ::close(third);
  ::close(idle2);
}

TEST_CASE("curl gets /health and /metrics (skipped without curl)", "[http]") {
  if (std::system("command -v curl >/dev/null 2>&1") != 0) {
    WARN("curl not found; skipping");
    return;
  }
  FakeView view;
  tundra::HttpServer server(view);
  std::string error;
  REQUIRE(server.start("127.0.0.1:0", &error));
  auto curl = [&](const std::string& args) {
    const std::string cmd = "curl -sS --max-time 5 " + args + " 2>&1";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
  };
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  CHECK(curl("-w ' %{http_code}' " + base + "/health") == "OK 200");
  CHECK(curl("-o /dev/null -w '%{http_code}' " + base + "/missing") == "404");
  CHECK(curl("-o /dev/null -w '%{http_code}' -X POST " + base + "/health") == "405");
  CHECK(curl("-o /dev/null -w '%{http_code}' -I " + base + "/health") == "200");
  CHECK(curl(base + "/metrics") == tundra::render_metrics(view.stats(), view.mappings()));
}
