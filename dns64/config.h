// The DNS64's settings: the [dns64] table of tundra.toml and its [[dns64.zone]] blocks
// (cli/config.cpp reads them; docs/dns64.md lists every key with its default).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dns64/wire.h"
#include "translator/address.h"
#include "translator/rfc6052.h"

namespace tundra::dns64 {

// A numeric address and port: "192.0.2.1:53", "[2001:db8::1]:53", or without the port
// ("192.0.2.1", "2001:db8::1", "[2001:db8::1]") where a default port applies.
struct Endpoint {
  std::variant<Ipv4Address, Ipv6Address> address;
  std::uint16_t port = 53;

  // nullopt on anything but the forms above (no names: a static binary has no NSS).
  // `require_port`: the port must be given (listen addresses).
  static std::optional<Endpoint> parse(std::string_view text, std::uint16_t default_port,
                                       bool require_port = false);
  std::string to_string() const;  // "192.0.2.1:53", "[2001:db8::1]:53"
  bool is_ipv6() const { return std::holds_alternative<Ipv6Address>(address); }
  bool operator==(const Endpoint&) const = default;
};

// A [[dns64.zone]] block: queries at or under `name` (longest suffix wins) go to its
// upstreams (the global ones when empty), with synthesis only if `dns64`.
struct Zone {
  dns::Name name;  // `name`, in the case the operator wrote it (lookups ignore case)
  bool dns64 = true;
  std::vector<Endpoint> upstreams;  // `upstream`

  // Names compare case-insensitively (dns::Name::equals).
  bool operator==(const Zone& other) const;
};

struct Config {
  // `listen`: UDP and TCP on each; in tundra.toml the port must be given.
  std::vector<Endpoint> listen = {*Endpoint::parse("0.0.0.0:53", 53),
                                  *Endpoint::parse("[::]:53", 53)};
  // `upstream`: at least one (a required key of [dns64]); port 53 where none is given.
  std::vector<Endpoint> upstreams;
  // `prefix`: the RFC 6052 prefix synthesized AAAAs use. Loading tundra.toml always sets it:
  // to `prefix` when given, else to the [translator] prefix when the file has a [translator]
  // table (an error if that table has `prefix = ""`), else to 64:ff9b::/96. nullopt only in
  // a Config built in code, where it means 64:ff9b::/96.
  std::optional<Rfc6052Prefix> prefix;
  bool translate_all = false;  // `translate-all`
  bool allow_ipv4 = true;      // `allow-ipv4`
  // `exclude` (RFC 6147 §5.1.4).
  std::vector<Ipv6Prefix> exclude = {*Ipv6Prefix::parse("::ffff:0:0/96")};
  // `allow-clients`: clients outside these get REFUSED. The default is loopback, RFC 1918,
  // RFC 6598 shared space, link-local, ULA: not an open resolver.
  std::vector<std::variant<Ipv4Prefix, Ipv6Prefix>> allow_clients = default_allow_clients();
  std::uint32_t cache_size = 10000;  // `cache-size`: entries; 0 = no cache
  bool log_queries = false;          // `log-queries`
  // `upstream-timeout-ms`: one try at one upstream; 100..60000.
  std::uint32_t upstream_timeout_ms = 1000;
  // `query-timeout-ms`: a client query, all tries together; then SERVFAIL.
  // upstream_timeout_ms..60000. Left out of a tundra.toml whose upstream-timeout-ms is
  // above 3000, it loads as upstream-timeout-ms.
  std::uint32_t query_timeout_ms = 3000;
  // `tcp-idle-timeout-ms` (RFC 7766 §6.2.3; 100..600000) and `max-tcp-connections`
  // (1..65535) for clients.
  std::uint32_t tcp_idle_timeout_ms = 10000;
  std::uint32_t max_tcp_connections = 100;
  // `max-lookups`: client queries waiting for upstream answers at once (1..65535); a query
  // that would need another lookup is answered SERVFAIL. Bounds the sockets (one per
  // lookup) and memory a flood of uncached names can take.
  std::uint32_t max_lookups = 512;
  // `rate-limit`: UDP queries per second per client address (0..1000000; 0 = no limit);
  // over it, queries are dropped (dns64/rate_limit.h).
  std::uint32_t rate_limit = 0;
  std::vector<Zone> zones;  // [[dns64.zone]] blocks, in file order; names are unique

  bool operator==(const Config&) const = default;

  static std::vector<std::variant<Ipv4Prefix, Ipv6Prefix>> default_allow_clients();
};

}  // namespace tundra::dns64
