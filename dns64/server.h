// The DNS64 server: UDP and TCP listeners, the client ACL, zone routing, the cache, the
// upstream forwarder and the RFC 6147 pipeline of dns64/synthesis.h, on one thread of its
// own (an Asio event loop with C++20 coroutines), far from the packet path.
//
// A client query goes:
//   parse (FORMERR/NOTIMP/drop) → ACL (REFUSED) → zone by longest suffix → plan_query()
//   → cache → local answer (ipv4only.arpa) or upstream lookups → synthesis → cache
//   → finish_reply() for the client's transport → query log line.
//
// Forwarding (dns64/forwarder.h): UDP with a fresh socket (random source port) and a
// random ID per try, the reply matched to the question (ID, name case-insensitively,
// type, class) so that stray or spoofed datagrams are ignored; TC → the same upstream
// over TCP; an upstream that fails is marked down and tried only after the healthy ones
// until it answers again (a probe every second); every try is bounded by
// `upstream-timeout-ms`, the whole client query by `query-timeout-ms` → SERVFAIL.
//
// TCP clients (RFC 7766): 2-byte length framing, several queries per connection answered
// concurrently (pipelining, §6.2.1.1), idle timeout `tcp-idle-timeout-ms`, at most
// `max-tcp-connections` (further connections are closed at once).
//
// Thread safety: start(), reload(), stats(), healthy() and the destructor may be called from
// any one control thread; the loop thread does everything else.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dns64/config.h"

namespace tundra::dns64 {

// The server's counters (monotonic since start, kept across reloads).
#define TUNDRA_DNS64_COUNTERS(X)                                                       \
  X(malformed, "client messages dropped or answered FORMERR as malformed")             \
  X(refused_clients, "queries from clients outside allow-clients, answered REFUSED")  \
  X(synthesized, "answers with AAAA records synthesized from A records")             \
  X(passed_through, "AAAA queries answered with the upstream's own reply (real AAAA, NXDOMAIN, fallback)") \
  X(local_answers, "ipv4only.arpa queries answered locally (RFC 8880)")                \
  X(reverse_answers, "PTR queries under the prefix answered by CNAME (RFC 6147 §5.3.1)") \
  X(forwarded, "queries forwarded without DNS64 (other types, CD=1, dns64=false zones)") \
  X(cache_hits, "answers served from the cache")                                     \
  X(cache_misses, "queries not found in the cache")                                  \
  X(upstream_queries, "queries sent to upstreams (each try counts)")                  \
  X(upstream_tcp_retries, "upstream replies with TC retried over TCP")                 \
  X(upstream_failures, "upstream tries that timed out or failed")                      \
  X(upstream_mismatched, "upstream datagrams ignored: wrong ID or question, or unparseable") \
  X(query_timeouts, "client queries that ran out of query-timeout-ms (SERVFAIL)")      \
  X(truncated, "UDP answers truncated to the client's size (TC=1)")                    \
  X(tcp_refused, "TCP connections closed at once over max-tcp-connections")              \
  X(rate_limited, "UDP queries dropped: the client was over rate-limit queries per second") \
  X(overloaded, "queries answered SERVFAIL because max-lookups lookups were already in flight")

struct ServerStats {
#define TUNDRA_DNS64_FIELD(name, help) std::uint64_t name = 0;
  TUNDRA_DNS64_COUNTERS(TUNDRA_DNS64_FIELD)
#undef TUNDRA_DNS64_FIELD
  // Client queries received, over UDP [0] and TCP [1].
  std::array<std::uint64_t, 2> queries{};
  // Answers sent by RCODE (0..15; larger ones in [16]).
  std::array<std::uint64_t, 17> responses_by_rcode{};
  struct Upstream {
    std::string address;  // "192.0.2.1:53"
    bool up = true;
    std::uint64_t queries = 0;
    std::uint64_t failures = 0;
  };
  std::vector<Upstream> upstreams;
  std::uint64_t cache_entries = 0;
  std::uint64_t tcp_connections = 0;  // open now
  std::uint64_t lookups = 0;          // client queries waiting for upstream answers now
};

struct CounterInfo {
  const char* name;
  const char* help;
};
// The counters' names and help texts, in declaration order (for /metrics).
const std::vector<CounterInfo>& server_counter_info();
// The value of counter `index` (server_counter_info()'s order).
std::uint64_t counter_value(const ServerStats& stats, std::size_t index);

// Where the server's lines go: the query log (one line per answered query, when
// `log-queries`) and warnings (bind failures on reload, upstreams going down and up).
struct ServerLog {
  std::function<void(std::string_view)> query;
  std::function<void(std::string_view)> warn;
  std::function<void(std::string_view)> info;
};

class Server {
 public:
  // Binds every listen address (UDP and TCP on each) and starts the loop thread. nullptr
  // with `*error` set to one line when a socket cannot be bound. `config.prefix` must be
  // set (cli/config.cpp resolves it when loading).
  static std::unique_ptr<Server> start(const Config& config, ServerLog log, std::string* error);
  ~Server();  // stops the loop and closes every socket
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Swaps in a new configuration. New listen addresses are bound first: when one fails,
  // nothing changes and the one-line error is returned; "" on success. The cache is kept
  // unless the prefix, exclusions, translate-all or zones changed.
  std::string reload(const Config& config);

  ServerStats stats() const;
  // True while the loop thread turns (it answers a ping from the control thread in time).
  bool healthy() const;
  // The addresses actually bound, in `listen` order ("127.0.0.1:5353"); port 0 in the
  // configuration shows the port the kernel chose (tests).
  std::vector<std::string> bound_addresses() const;

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tundra::dns64
