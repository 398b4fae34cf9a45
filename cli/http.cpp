// GET /health and GET /metrics over HTTP/1.1 (see cli/http.h).
#include "cli/http.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <optional>

namespace tundra {

namespace {

std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
  }
  return "Internal Server Error";
}

// "Wed, 01 May 2024 12:00:00 GMT" (RFC 9110 §5.6.7, IMF-fixdate).
std::string http_date() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  if (::gmtime_r(&now, &tm) == nullptr) return {};
  char buf[40];
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday % 7], tm.tm_mday,
                kMonths[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

constexpr std::string_view kTextPlain = "text/plain; charset=utf-8";
constexpr std::string_view kPrometheusText = "text/plain; version=0.0.4; charset=utf-8";

std::string response(int status, std::string_view content_type, std::string_view body, bool head_only = false,
                     std::string_view extra_headers = {}) {
  std::string r = "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason_phrase(status)) + "\r\n";
  if (const std::string date = http_date(); !date.empty()) r += "Date: " + date + "\r\n";
  r += "Content-Type: ";
  r += content_type;
  r += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  r += extra_headers;
  r += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  if (!head_only) r += body;
  return r;
}

std::string error_page(int status, std::string_view extra_headers = {}) {
  return response(status, kTextPlain, std::string(reason_phrase(status)) + "\n", false, extra_headers);
}

// Where the request line and headers end ("\r\n\r\n", or "\n\n" from lenient clients).
bool headers_complete(std::string_view request) {
  return request.find("\r\n\r\n") != std::string_view::npos || request.find("\n\n") != std::string_view::npos;
}

bool is_token_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// Prometheus text format: a label value with \, " and newline escaped.
std::string label_value(std::string_view v) {
  std::string out;
  for (const char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void family_header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, std::string_view label, std::string_view value_of_label,
            std::string_view value) {
  out += name;
  if (!label.empty()) {
    out += '{';
    out += label;
    out += "=\"";
    out += label_value(value_of_label);
    out += "\"}";
  }
  out += ' ';
  out += value;
  out += '\n';
}

}  // namespace

// --- addresses -----------------------------------------------------------------------------

std::string ListenAddress::to_string() const {
  char host[INET6_ADDRSTRLEN] = {};
  if (storage.ss_family == AF_INET) {
    const auto* a = reinterpret_cast<const sockaddr_in*>(&storage);
    ::inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
    return std::string(host) + ":" + std::to_string(ntohs(a->sin_port));
  }
  if (storage.ss_family == AF_INET6) {
    const auto* a = reinterpret_cast<const sockaddr_in6*>(&storage);
    ::inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
    return "[" + std::string(host) + "]:" + std::to_string(ntohs(a->sin6_port));
  }
  return "?";
}

bool parse_listen_address(std::string_view text, ListenAddress* out, std::string* error) {
  auto fail = [&](std::string_view why) {
    if (error) *error = "http-listen '" + std::string(text) + "': " + std::string(why);
    return false;
  };
  std::string_view host;
  std::string_view port;
  bool v6 = false;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return fail("missing ']' after the IPv6 address");
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (rest.size() < 2 || rest.front() != ':') return fail("expected [IPV6]:PORT, e.g. [::1]:8080");
    port = rest.substr(1);
    v6 = true;
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail("expected ADDRESS:PORT, e.g. 127.0.0.1:8080 or [::1]:8080");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) return fail("an IPv6 address needs brackets, e.g. [::1]:8080");
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return fail("the port must be a number from 0 to 65535");
  }
  const std::string host_str(host);
  ListenAddress a;
  if (v6) {
    auto* sa = reinterpret_cast<sockaddr_in6*>(&a.storage);
    sa->sin6_family = AF_INET6;
    sa->sin6_port = htons(static_cast<std::uint16_t>(value));
    if (::inet_pton(AF_INET6, host_str.c_str(), &sa->sin6_addr) != 1) {
      return fail("'" + host_str + "' is not a numeric IPv6 address (names are not resolved)");
    }
    a.length = sizeof(sockaddr_in6);
  } else {
    auto* sa = reinterpret_cast<sockaddr_in*>(&a.storage);
    sa->sin_family = AF_INET;
    sa->sin_port = htons(static_cast<std::uint16_t>(value));
    if (::inet_pton(AF_INET, host_str.c_str(), &sa->sin_addr) != 1) {
      return fail("'" + host_str + "' is not a numeric IPv4 address (names are not resolved)");
    }
    a.length = sizeof(sockaddr_in);
  }
  *out = a;
  return true;
}

// --- /metrics ------------------------------------------------------------------------------

// The DNS64's families: one counter per event (dns64/server.h), answers by rcode, the
// upstreams' health, the cache and TCP gauges.
static void render_dns64_metrics(std::string& out, const dns64::ServerStats& d) {
  const auto& info = dns64::server_counter_info();
  for (std::size_t i = 0; i < info.size(); ++i) {
    const std::string name = std::string("tundra_dns64_") + info[i].name + "_total";
    family_header(out, name, "counter", std::string("DNS64: ") + info[i].help + ".");
    tundra::sample(out, name, "", "", std::to_string(dns64::counter_value(d, i)));
  }
  family_header(out, "tundra_dns64_queries_total", "counter", "DNS64: client queries received, by transport.");
  tundra::sample(out, "tundra_dns64_queries_total", "transport", "udp", std::to_string(d.queries[0]));
  tundra::sample(out, "tundra_dns64_queries_total", "transport", "tcp", std::to_string(d.queries[1]));
  family_header(out, "tundra_dns64_responses_total", "counter", "DNS64: answers sent to clients, by RCODE.");
  for (std::size_t rcode = 0; rcode < d.responses_by_rcode.size(); ++rcode) {
    if (d.responses_by_rcode[rcode] == 0 && rcode > 5) continue;
    tundra::sample(out, "tundra_dns64_responses_total", "rcode", rcode == 16 ? "other" : dns::rcode_name(static_cast<std::uint16_t>(rcode)),
           std::to_string(d.responses_by_rcode[rcode]));
  }
  family_header(out, "tundra_dns64_upstream_up", "gauge", "DNS64: 1 while the upstream answers, 0 while it is marked down.");
  for (const auto& u : d.upstreams) tundra::sample(out, "tundra_dns64_upstream_up", "upstream", u.address, u.up ? "1" : "0");
  family_header(out, "tundra_dns64_upstream_failures_by_upstream_total", "counter", "DNS64: failed tries, by upstream.");
  for (const auto& u : d.upstreams) {
    tundra::sample(out, "tundra_dns64_upstream_failures_by_upstream_total", "upstream", u.address, std::to_string(u.failures));
  }
  family_header(out, "tundra_dns64_cache_entries", "gauge", "DNS64: answers in the cache.");
  tundra::sample(out, "tundra_dns64_cache_entries", "", "", std::to_string(d.cache_entries));
  family_header(out, "tundra_dns64_tcp_connections", "gauge", "DNS64: client TCP connections open now.");
  tundra::sample(out, "tundra_dns64_tcp_connections", "", "", std::to_string(d.tcp_connections));
  family_header(out, "tundra_dns64_lookups", "gauge", "DNS64: client queries waiting for upstream answers now (max-lookups).");
  tundra::sample(out, "tundra_dns64_lookups", "", "", std::to_string(d.lookups));
}

std::string render_metrics(const StatsSnapshot& stats, const std::vector<MappingRow>& mappings) {
  std::string out;
  out.reserve(8192);
  family_header(out, "tundra_packets_total", "counter",
                "Packets the translator handled, by outcome: each packet counts under exactly one reason "
                "(`tundra show stats` explains every reason).");
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    sample(out, "tundra_packets_total", "reason", kCounterInfo[i].name, std::to_string(stats.total.by_reason[i]));
  }
  family_header(out, "tundra_received_packets_total", "counter",
                "Packets read from the TUN and handed to the translator, by IP family.");
  sample(out, "tundra_received_packets_total", "family", "ipv4", std::to_string(stats.total.received4));
  sample(out, "tundra_received_packets_total", "family", "ipv6", std::to_string(stats.total.received6));
  family_header(out, "tundra_icmp_errors_sent_total", "counter",
                "ICMP errors the translator originated, by IP family of the error.");
  sample(out, "tundra_icmp_errors_sent_total", "family", "ipv4", std::to_string(stats.total.icmp_sent4));
  sample(out, "tundra_icmp_errors_sent_total", "family", "ipv6", std::to_string(stats.total.icmp_sent6));
  family_header(out, "tundra_gso_packets_total", "counter",
                "GSO super-packets read in offload mode: received, translated in one step, or cut into "
                "segments first.");
  sample(out, "tundra_gso_packets_total", "outcome", "received", std::to_string(stats.total.gso_received));
  sample(out, "tundra_gso_packets_total", "outcome", "translated", std::to_string(stats.total.gso_translated));
  sample(out, "tundra_gso_packets_total", "outcome", "segmented", std::to_string(stats.total.gso_segmented));
  family_header(out, "tundra_coalesced_packets_total", "counter",
                "Offload mode: UDP datagrams written coalesced into UDP super-packets (datagrams), and "
                "the super-packets built.");
  sample(out, "tundra_coalesced_packets_total", "kind", "datagrams", std::to_string(stats.total.gso_coalesced));
  sample(out, "tundra_coalesced_packets_total", "kind", "super_packets", std::to_string(stats.total.gso_built));
  family_header(out, "tundra_tun_write_errors_total", "counter",
                "Writes to the TUN that failed; what each carried (a packet or a super-packet) was lost.");
  sample(out, "tundra_tun_write_errors_total", "", "", std::to_string(stats.total.write_errors));

  std::uint64_t active = 0;
  std::uint64_t dormant = 0;
  std::uint64_t statics = 0;
  for (const MappingRow& r : mappings) {
    if (r.kind == MappingKind::kDynamic) {
      if (r.state == MappingState::kDormant) ++dormant;
      else ++active;
    } else if (r.kind == MappingKind::kStatic) {
      ++statics;
    }
  }
  family_header(out, "tundra_dynamic_bindings", "gauge", "Dynamic-pool bindings (IPv6 client to pool address), by state.");
  sample(out, "tundra_dynamic_bindings", "state", "active", std::to_string(active));
  sample(out, "tundra_dynamic_bindings", "state", "dormant", std::to_string(dormant));
  family_header(out, "tundra_static_mappings", "gauge", "Static and EAM mappings (`map`) in the running configuration.");
  sample(out, "tundra_static_mappings", "", "", std::to_string(statics));
  family_header(out, "tundra_workers", "gauge", "Data-plane worker threads (one per TUN queue).");
  sample(out, "tundra_workers", "", "", std::to_string(stats.per_worker.size()));
  family_header(out, "tundra_start_time_seconds", "gauge", "When the daemon started, in seconds since the Unix epoch.");
  sample(out, "tundra_start_time_seconds", "", "", std::to_string(stats.started_at));
  if (stats.dns64) render_dns64_metrics(out, *stats.dns64);
  return out;
}

// --- requests --------------------------------------------------------------------------------

std::string http_respond(DaemonView& view, std::string_view request) {
  const std::size_t eol = request.find('\n');
  std::string_view line = request.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

  // request-line = method SP request-target SP HTTP-version (RFC 9112 §3)
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || sp1 == 0) return error_page(400);
  const std::string_view method = line.substr(0, sp1);
  std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  for (const char c : method) {
    if (!is_token_char(c)) return error_page(400);
  }
  if (!version.starts_with("HTTP/1.") || version.size() != 8) return error_page(400);
  if (target.starts_with("http://") || target.starts_with("https://")) {  // absolute-form
    const std::size_t host_start = target.find("//") + 2;
    const std::size_t path_start = target.find('/', host_start);
    target = path_start == std::string_view::npos ? std::string_view("/") : target.substr(path_start);
  }
  if (target.empty() || target.front() != '/') return error_page(400);
  if (const std::size_t q = target.find_first_of("?#"); q != std::string_view::npos) target = target.substr(0, q);

  const bool head = method == "HEAD";
  if (method != "GET" && !head) return error_page(405, "Allow: GET, HEAD\r\n");
  if (target == "/health") {
    if (view.healthy()) return response(200, kTextPlain, "OK", head);
    return response(503, kTextPlain, "unhealthy", head);
  }
  if (target == "/metrics") {
    const StatsSnapshot stats = view.stats();
    const std::vector<MappingRow> rows = view.mappings();
    return response(200, kPrometheusText, render_metrics(stats, rows), head);
  }
  return head ? response(404, kTextPlain, "Not Found\n", true) : error_page(404);
}

// --- HttpServer -------------------------------------------------------------------------------

bool HttpServer::start(std::string_view listen, std::string* error, HttpLimits limits) {
  stop();
  ListenAddress addr;
  if (!parse_listen_address(listen, &addr, error)) return false;
  const std::string name = addr.to_string();
  const int fd = ::socket(addr.storage.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    if (error) *error = "http-listen " + name + ": socket: " + std::strerror(errno);
    return false;
  }
  auto fail = [&](std::string_view what) {
    if (error) *error = "http-listen " + name + ": " + std::string(what) + ": " + std::strerror(errno);
    ::close(fd);
    return false;
  };
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0) return fail("SO_REUSEADDR");
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&addr.storage), addr.length) != 0) return fail("bind");
  if (::listen(fd, 64) != 0) return fail("listen");
  sockaddr_storage bound{};
  socklen_t bound_len = sizeof bound;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &bound_len) != 0) return fail("getsockname");
  const std::uint16_t port = bound.ss_family == AF_INET6
                                 ? ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port)
                                 : ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);

  OneShotServer::Limits server_limits;
  server_limits.max_request_bytes = limits.max_request_bytes;
  server_limits.timeout = limits.timeout;
  server_limits.max_connections = limits.max_connections;
  DaemonView* view = &view_;
  auto handler = [view](std::string_view request, OneShotServer::Input input) -> std::optional<std::string> {
    using Input = OneShotServer::Input;
    if (headers_complete(request)) {
      auto lock = lock_daemon_view();
      return http_respond(*view, request);
    }
    switch (input) {
      case Input::kPartial: return std::nullopt;
      case Input::kTooLarge: return error_page(431);
      case Input::kTimedOut: return error_page(408);
      case Input::kPeerClosed:
        if (request.empty()) return std::nullopt;
        return error_page(400);
    }
    return std::nullopt;
  };
  std::string problem;
  if (!server_.start(fd, server_limits, std::move(handler), &problem)) {
    if (error) *error = "http-listen " + name + ": " + problem;
    return false;
  }
  port_ = port;
  return true;
}

void HttpServer::stop() noexcept {
  server_.stop();
  port_ = 0;
}

}  // namespace tundra
