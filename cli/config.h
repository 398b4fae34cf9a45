// Configuration files: tundra.toml and Tayga's tayga.conf, loaded into one plain Config.
//
// Both formats fill the same TranslatorConfig (translator/config.h) with the same meaning
// for the same names; docs/configuration.md lists every key, its default and its Tayga
// equivalent. Loading checks each value on its own (syntax, ranges) and reports the first
// problem as one line naming the file, the line and the key:
//
//   tundra.toml:7: key 'mtu': 900 is below 1280
//   tayga.conf:3: directive 'prefix': 64:ff9b::/95 is not an RFC 6052 length (32, 40, 48, 56, 64, 96)
//
// Relations between values (ipv6-addr outside prefix, maps inside the pool, ...) are
// checked afterwards by Translator::create(), which the callers run before using a Config.
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
  // The file this was loaded from, for messages ("" when loaded from text).
  std::string source_path;
  // The format it was read in.
  ConfigFormat format = ConfigFormat::kToml;

  // tayga.conf directives that belong to the daemon (`tundra run`, a later issue) and have
  // no tundra.toml key yet. Kept so that a tayga.conf loses nothing; unset/empty when absent.
  std::vector<std::string> log_categories;   // `log`: any of drop reject icmp self dyn
  std::string map_file;                      // `map-file`: extra `map` lines, reloaded on SIGHUP
  std::optional<bool> tun_up;                // `tun-up`: bring the TUN up over netlink
  std::vector<InterfaceAddress> tun_ips;     // `tun-ip`, repeatable
  std::vector<IpPrefix> tun_routes;          // `tun-route`, repeatable
  std::optional<unsigned> workers;           // `workers`: 0..64; unset = one per online CPU

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

// The effective configuration as a tundra.toml document: a comment header, then a
// [translator] table with one `key = value` line per key, every key present. Loading the
// result gives back an equal TranslatorConfig. Daemon-only tayga.conf settings that have no
// tundra.toml key yet follow as comments.
std::string format_config_toml(const Config& config);

// Quotes `s` as a TOML basic string.
std::string toml_quote(std::string_view s);

// Names for messages and `check` output.
std::string_view udp_zero_checksum_name(UdpZeroChecksum mode);
std::string_view config_format_name(ConfigFormat format);

}  // namespace tundra
