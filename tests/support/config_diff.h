// Field-by-field comparison of configurations (cli/config.h), naming the first setting
// that differs as tundra.toml spells it. For tests and fuzzers: TranslatorConfig has no
// operator==, and a named difference says more than "not equal". One copy, so that a new
// key is compared everywhere once it is added here.
#pragma once

#include <string>

#include "cli/config.h"

namespace tundra::test {

// TranslatorConfig has no operator==; compare field by field, naming the first difference.
inline std::string first_difference(const tundra::TranslatorConfig& a, const tundra::TranslatorConfig& b) {
  if (a.tun_device != b.tun_device) return "tun-device";
  if (a.ipv4_addr != b.ipv4_addr) return "ipv4-addr";
  if (a.ipv6_addr != b.ipv6_addr) return "ipv6-addr";
  if (a.prefix != b.prefix) return "prefix";
  if (a.wkpf_strict != b.wkpf_strict) return "wkpf-strict";
  if (a.dynamic_pool != b.dynamic_pool) return "dynamic-pool";
  if (a.dynamic_dormant_after != b.dynamic_dormant_after) return "dynamic-dormant-after";
  if (a.dynamic_free_after != b.dynamic_free_after) return "dynamic-free-after";
  if (a.dynamic_new_per_second != b.dynamic_new_per_second) return "dynamic-new-per-second";
  if (a.icmp_error_rate != b.icmp_error_rate) return "icmp-error-rate";
  if (a.data_dir != b.data_dir) return "data-dir";
  if (a.maps != b.maps) return "map";
  if (a.mtu != b.mtu) return "mtu";
  if (a.lowest_ipv6_mtu != b.lowest_ipv6_mtu) return "lowest-ipv6-mtu";
  if (a.udp_zero_checksum != b.udp_zero_checksum) return "udp-zero-checksum";
  if (a.rfc6791_pool4 != b.rfc6791_pool4) return "rfc6791-pool4";
  if (a.rfc6791_pool6 != b.rfc6791_pool6) return "rfc6791-pool6";
  return "";
}

// The daemon settings that both formats can express (the [translator] keys of cli/config.h).
inline std::string first_translator_side_difference(const tundra::Config& a, const tundra::Config& b) {
  if (auto d = first_difference(a.translator, b.translator); !d.empty()) return d;
  if (a.workers != b.workers) return "workers";
  if (a.offload != b.offload) return "offload";
  if (a.pin_workers != b.pin_workers) return "pin-workers";
  if (a.busy_poll_us != b.busy_poll_us) return "busy-poll";
  if (a.enable_forwarding != b.enable_forwarding) return "forwarding";
  if (a.configure_interface != b.configure_interface) return "configure-interface";
  if (a.tun_ips != b.tun_ips) return "tun-ip";
  if (a.tun_routes != b.tun_routes) return "tun-route";
  if (a.map_file != b.map_file) return "map-file";
  if (a.log_categories != b.log_categories) return "log";
  return "";
}

// The [dns64] settings, named as in tundra.toml.
inline std::string first_difference(const tundra::dns64::Config& a, const tundra::dns64::Config& b) {
  if (a.listen != b.listen) return "listen";
  if (a.upstreams != b.upstreams) return "upstream";
  if (a.prefix != b.prefix) return "prefix";
  if (a.translate_all != b.translate_all) return "translate-all";
  if (a.allow_ipv4 != b.allow_ipv4) return "allow-ipv4";
  if (a.exclude != b.exclude) return "exclude";
  if (a.allow_clients != b.allow_clients) return "allow-clients";
  if (a.cache_size != b.cache_size) return "cache-size";
  if (a.log_queries != b.log_queries) return "log-queries";
  if (a.upstream_timeout_ms != b.upstream_timeout_ms) return "upstream-timeout-ms";
  if (a.query_timeout_ms != b.query_timeout_ms) return "query-timeout-ms";
  if (a.tcp_idle_timeout_ms != b.tcp_idle_timeout_ms) return "tcp-idle-timeout-ms";
  if (a.max_tcp_connections != b.max_tcp_connections) return "max-tcp-connections";
  if (a.max_lookups != b.max_lookups) return "max-lookups";
  if (a.rate_limit != b.rate_limit) return "rate-limit";
  if (a.zones != b.zones) return "zone";
  if (a != b) return "(operator==)";
  return "";
}

// The [daemon] settings.
inline std::string first_daemon_side_difference(const tundra::Config& a, const tundra::Config& b) {
  if (a.control_socket != b.control_socket) return "control-socket";
  if (a.http_listen != b.http_listen) return "http-listen";
  if (a.log_level != b.log_level) return "log-level";
  if (a.user != b.user) return "user";
  if (a.group != b.group) return "group";
  if (a.pid_file != b.pid_file) return "pid-file";
  return "";
}

// Every setting of a Config (all but source_path, format and warnings). With
// `translator_side_when_disabled` false, the [translator]-side settings are compared only
// when the translator is enabled (without [translator] they "hold their defaults and mean
// nothing", cli/config.h).
inline std::string first_difference(const tundra::Config& a, const tundra::Config& b,
                                    bool translator_side_when_disabled = true) {
  if (a.translator_enabled != b.translator_enabled) return "translator_enabled";
  if (a.dns64.has_value() != b.dns64.has_value()) return "dns64 (present or not)";
  if (a.dns64) {
    if (auto d = first_difference(*a.dns64, *b.dns64); !d.empty()) return "dns64." + d;
  }
  if (a.translator_enabled || translator_side_when_disabled) {
    if (auto d = first_translator_side_difference(a, b); !d.empty()) return d;
  }
  return first_daemon_side_difference(a, b);
}

}  // namespace tundra::test
