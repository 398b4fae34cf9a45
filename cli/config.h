// Configuration files: tundra.toml and Tayga's tayga.conf, loaded into one plain Config.
//
// Both formats fill the same Config (the TranslatorConfig of translator/config.h plus the
// daemon's settings) with the same meaning for the same names; docs/configuration.md lists
// every key, its default and its Tayga equivalent. A tundra.toml may also have a [dns64]
// table (dns64/config.h; docs/dns64.md), which a tayga.conf cannot express. Loading checks
// each value on its own (syntax, ranges) and reports the first problem as one line naming
// the file, the line and the key:
//
//   tundra.toml:7: key 'mtu': 900 is below 1280
//   tundra.toml:12: key 'dns64.upstream': 'dns.example' is not an address[:port]
//   tayga.conf:3: directive 'prefix': 64:ff9b::/95 is not an RFC 6052 length (32, 40, 48, 56, 64, 96)
//
// Relations between translator values (ipv6-addr outside prefix, maps inside the pool, ...)
// are checked afterwards by Translator::create(), which the callers run before using a
// Config. Relations resolved while loading: a relative map-file is joined to data-dir, and
// the [dns64] keys that depend on others (prefix, query-timeout-ms, upstreams that would
// loop back to a listen address) are settled or checked.
//
// Control plane only: these functions allocate and catch toml++'s exceptions; nothing here
// throws to the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "dns64/config.h"
#include "translator/address.h"
#include "translator/config.h"

namespace tundra {

enum class ConfigFormat : std::uint8_t {
  kAuto,   // decide with detect_config_format()
  kToml,   // tundra.toml
  kTayga,  // Tayga's tayga.conf
};

// An address put on the TUN interface (tayga.conf `tun-ip`): a host address and the length
// of its on-link prefix, like `ip addr add 192.0.2.1/24`. Host bits are allowed.
struct InterfaceAddress {
  std::variant<Ipv4Address, Ipv6Address> address;
  std::uint8_t length = 0;
  std::string to_string() const;
  bool operator==(const InterfaceAddress&) const = default;
};

// An IPv4 or IPv6 prefix (tayga.conf `tun-route`).
using IpPrefix = std::variant<Ipv4Prefix, Ipv6Prefix>;
std::string ip_prefix_to_string(const IpPrefix& p);

struct Config {
  // The translator's settings: the [translator] table of tundra.toml, or tayga.conf.
  TranslatorConfig translator;
  // Whether `tundra run` runs the translator (opens the TUN, starts the workers). false only
  // for a tundra.toml that has a [dns64] table and no [translator] table: the DNS64 runs
  // alone, without a TUN, and needs no root on an unprivileged port. `translator` and the
  // [translator]-side settings below then hold their defaults and mean nothing. true for
  // every other file: a tayga.conf, an empty tundra.toml, one with only [daemon].
  // Invariant after loading: !translator_enabled implies dns64.has_value().
  bool translator_enabled = true;
  // The DNS64's settings: present iff the tundra.toml has a [dns64] table (never for a
  // tayga.conf). When present, `dns64->prefix` is always set (see dns64/config.h) and
  // `dns64->upstreams` is not empty.
  std::optional<dns64::Config> dns64;
  // The file this was loaded from, for messages ("" when loaded from text).
  std::string source_path;
  // The format it was read in.
  ConfigFormat format = ConfigFormat::kToml;

  // --- Settings of the daemon (`tundra run`) that concern the TUN and the packet path:
  // keys of [translator], or the tayga.conf directives of the same names.

  // `workers`: data-plane threads, each on its own TUN queue. 0 = one per online CPU, at
  // most 64 (tundra.toml "auto", or the key left out). tayga.conf `workers 0`
  // (Tayga's single-threaded loop) loads as 1.
  unsigned workers = 0;
  // `pin-workers`: pin worker i to the i-th CPU the process may run on (tun/data_plane.h).
  bool pin_workers = false;
  // `busy-poll`: microseconds a worker keeps polling its queue after a batch before it sleeps
  // (0 = never: sleep as soon as the queue is empty). tun/data_plane.h.
  std::uint32_t busy_poll_us = 0;
  // `offload`: "auto" opens the TUN with virtio-net headers and asks for checksum and TCP
  // (and, where the kernel has them, UDP) segmentation offloads, falling back to plain mode
  // when the kernel refuses; "off" (false) forces plain mode. tun/offload.h.
  bool offload = true;
  // `forwarding`: "enable" (true) writes 1 to /proc/sys/net/ipv6/conf/all/forwarding and
  // /proc/sys/net/ipv4/ip_forward at start (containers whose host cannot set sysctls);
  // "keep" (false, the default) leaves them and only warns when one is off, since turning
  // IPv6 forwarding on also stops a host from accepting Router Advertisements.
  bool enable_forwarding = false;
  // `configure-interface` (tayga.conf `tun-up`): bring the TUN up, set its MTU to
  // translator.mtu and add routes for the prefix, the dynamic pool and the IPv4 sides of
  // the maps (an existing route counts as added). false: the operator does it. A tayga.conf
  // without `tun-up yes` loads as false, as Tayga 0.9.2 never touched the interface.
  bool configure_interface = true;
  // `tun-ip`: addresses added to the TUN (like `ip addr add`), whatever configure_interface.
  std::vector<InterfaceAddress> tun_ips;
  // `tun-route`: routes added via the TUN (like `ip route add ... dev`), whatever
  // configure_interface.
  std::vector<IpPrefix> tun_routes;
  // `map-file`: a file of extra `map` lines, reloaded on SIGHUP. An absolute path (a relative
  // one is resolved against translator.data_dir when loading); "" = none.
  std::string map_file;
  // `log`: per-packet log categories, each one of drop reject icmp self dyn, in the order
  // given, without repeats. Empty = none.
  std::vector<std::string> log_categories;

  // --- Process-wide settings: the [daemon] table of tundra.toml. A tayga.conf has no
  // directives for these (Tayga took -u, -g, -p on its command line); it gets these
  // defaults, except http_listen, which is "" for a tayga.conf.

  // `control-socket`: the Unix socket of `tundra show` and `tundra reload`. An absolute path,
  // at most 107 bytes; "" = no control socket.
  // (The defaults here are also cli/control.h's kDefaultControlSocket and cli/http.h's
  // kDefaultHttpListen.)
  std::string control_socket = "/run/tundra/control.sock";
  // `http-listen`: numeric "IPv4:port" or "[IPv6]:port" (port 1..65535) for /metrics and
  // /health; "" = none.
  std::string http_listen = "127.0.0.1:8080";
  // `log-level`: one of "error", "warn", "info", "debug".
  std::string log_level = "info";
  // `user`, `group`: drop privileges to these after opening the TUN. A name or a numeric id,
  // not resolved when loading; "" = keep running as root (user) / the primary group of
  // `user` (group).
  std::string user;
  std::string group;
  // `pid-file`: an absolute path to write the daemon's PID to; "" = none.
  std::string pid_file;

  // Accepted but noteworthy settings (deprecated or reinterpreted Tayga directives), one
  // line each in the same FILE:LINE: form as errors. Callers print them to stderr.
  std::vector<std::string> warnings;
};

// Reads and parses `path`. With kAuto the format is detected (see detect_config_format).
// On failure returns false and sets `*error` to one line; `*out` is then unspecified.
bool load_config(const std::string& path, Config* out, std::string* error,
                 ConfigFormat format = ConfigFormat::kAuto);

// The same for text already in memory; `path` names it in messages and in detection.
bool load_config_text(std::string_view text, const std::string& path, Config* out,
                      std::string* error, ConfigFormat format = ConfigFormat::kAuto);

// Format detection (docs/configuration.md): a name ending in ".toml" is TOML. Otherwise the
// first line that is neither blank nor a comment decides: a Tayga directive name followed
// by whitespace, on a line without '=', makes it tayga.conf; anything else is TOML.
ConfigFormat detect_config_format(const std::string& path, std::string_view text);

// The effective configuration as a tundra.toml document: a comment header, then the
// [translator] and [daemon] tables with one `key = value` line per key, every key present,
// then, when config.dns64 is set, the [dns64] table (every key) and one [[dns64.zone]]
// block per zone. [translator] is left out when translator_enabled is false, so that the
// output loads back as a DNS64-only file. Loading the result gives back an equal Config
// (all but source_path, format and warnings).
std::string format_config_toml(const Config& config);

// Quotes `s` as a TOML basic string.
std::string toml_quote(std::string_view s);

// Names for messages and `check` output.
std::string_view udp_zero_checksum_name(UdpZeroChecksum mode);
std::string_view config_format_name(ConfigFormat format);

}  // namespace tundra
