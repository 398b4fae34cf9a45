// libFuzzer target for the configuration loaders (cli/config.h): tundra.toml through toml++
// and tayga.conf through the directive parser, both into one Config.
//
// Input: byte 0 picks the format (bits 0-1: 0 TOML, 1 tayga.conf, 2 auto-detected with the
// name "tundra.conf", 3 auto-detected with the name "tayga.conf"); the rest is the file.
// Beyond crashes and sanitizer reports it checks:
//   - a refusal is one non-empty line (no '\n'), as cli/config.h promises operators;
//   - every warning is one line too;
//   - an accepted file satisfies the documented invariants (a DNS64-only config has
//     [dns64]; [dns64] has a prefix and at least one upstream; a tayga.conf has no [dns64]);
//   - `tundra check` output (format_config_toml) loads back as TOML to an equal Config,
//     compared field by field as tests/cli/config_test.cpp does and, to cover fields added
//     later, by printing both again; and printing is then a fixed point.
// Seeds: the files under tests/cli/data, examples/, the pcap fixtures' tundra.toml files
// and fuzz/seeds/config_fuzz (fuzz/run.sh gathers them, each with format bytes 0 and 1).
//
// cli/config.cpp is compiled into this target with toml++ in header-only mode (see
// fuzz/CMakeLists.txt), so that the TOML parser itself is instrumented, not Debian's
// prebuilt libtomlplusplus.so.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "cli/config.h"

using namespace tundra;

namespace {

void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "config_fuzz: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}
void require(bool ok, const char* what, const std::string& detail = "") {
  if (!ok) fail(what, detail);
}

// TranslatorConfig has no operator==: the fields one by one (as config_test.cpp does).
std::string first_difference(const TranslatorConfig& a, const TranslatorConfig& b) {
  if (a.tun_device != b.tun_device) return "tun-device";
  if (a.ipv4_addr != b.ipv4_addr) return "ipv4-addr";
  if (a.ipv6_addr != b.ipv6_addr) return "ipv6-addr";
  if (a.prefix != b.prefix) return "prefix";
  if (a.wkpf_strict != b.wkpf_strict) return "wkpf-strict";
  if (a.dynamic_pool != b.dynamic_pool) return "dynamic-pool";
  if (a.dynamic_dormant_after != b.dynamic_dormant_after) return "dynamic-dormant-after";
  if (a.dynamic_free_after != b.dynamic_free_after) return "dynamic-free-after";
  if (a.data_dir != b.data_dir) return "data-dir";
  if (a.maps != b.maps) return "map";
  if (a.mtu != b.mtu) return "mtu";
  if (a.lowest_ipv6_mtu != b.lowest_ipv6_mtu) return "lowest-ipv6-mtu";
  if (a.udp_zero_checksum != b.udp_zero_checksum) return "udp-zero-checksum";
  if (a.rfc6791_pool4 != b.rfc6791_pool4) return "rfc6791-pool4";
  if (a.rfc6791_pool6 != b.rfc6791_pool6) return "rfc6791-pool6";
  return "";
}

// Every setting of a Config but source_path, format and warnings.
std::string first_difference(const Config& a, const Config& b) {
  if (a.translator_enabled != b.translator_enabled) return "translator_enabled";
  if (a.dns64.has_value() != b.dns64.has_value()) return "dns64 (present or not)";
  if (a.dns64 && !(*a.dns64 == *b.dns64)) return "dns64";
  // Without [translator] the translator-side settings "hold their defaults and mean nothing".
  if (a.translator_enabled) {
    if (auto d = first_difference(a.translator, b.translator); !d.empty()) return d;
    if (a.workers != b.workers) return "workers";
    if (a.configure_interface != b.configure_interface) return "configure-interface";
    if (a.tun_ips != b.tun_ips) return "tun-ip";
    if (a.tun_routes != b.tun_routes) return "tun-route";
    if (a.map_file != b.map_file) return "map-file";
    if (a.log_categories != b.log_categories) return "log";
  }
  if (a.control_socket != b.control_socket) return "control-socket";
  if (a.http_listen != b.http_listen) return "http-listen";
  if (a.log_level != b.log_level) return "log-level";
  if (a.user != b.user) return "user";
  if (a.group != b.group) return "group";
  if (a.pid_file != b.pid_file) return "pid-file";
  return "";
}

// format_config_toml() without what depends on where the Config came from (the header
// comment and the tayga.conf remarks), so that two Configs print alike iff equal.
std::string print_neutral(Config c) {
  c.source_path.clear();
  c.format = ConfigFormat::kToml;
  return format_config_toml(c);
}

bool load(std::string_view text, const std::string& path, ConfigFormat format, Config* out, std::string* error) {
  *out = Config{};
  error->clear();
  return load_config_text(text, path, out, error, format);
}

void check_lines(const Config& c) {
  for (const std::string& w : c.warnings) {
    require(!w.empty() && w.find('\n') == std::string::npos, "a warning is not one line", w);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  static const ConfigFormat kFormats[] = {ConfigFormat::kToml, ConfigFormat::kTayga, ConfigFormat::kAuto,
                                          ConfigFormat::kAuto};
  static const std::string kPaths[] = {"fuzz.toml", "tayga.conf", "tundra.conf", "tayga.conf"};
  const unsigned pick = data[0] & 3;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);

  Config first;
  std::string error;
  if (!load(text, kPaths[pick], kFormats[pick], &first, &error)) {
    require(!error.empty(), "a refused file without a message");
    require(error.find('\n') == std::string::npos, "a refusal is not one line", error);
    return 0;
  }
  check_lines(first);
  require(first.translator_enabled || first.dns64.has_value(), "neither the translator nor the DNS64 runs");
  if (first.dns64) {
    require(first.dns64->prefix.has_value(), "a loaded [dns64] without a prefix");
    require(!first.dns64->upstreams.empty(), "a loaded [dns64] without upstreams");
    require(first.format != ConfigFormat::kTayga, "a tayga.conf with [dns64]");
  }

  // `tundra check` output loads back to the same settings.
  const std::string printed = format_config_toml(first);
  Config second;
  if (!load(printed, "check-output.toml", ConfigFormat::kToml, &second, &error)) {
    fail("check output does not load back", error + "\n--- output:\n" + printed);
  }
  check_lines(second);
  const std::string difference = first_difference(first, second);
  require(difference.empty(), "check output loads back different", difference + "\n--- output:\n" + printed);
  const std::string neutral = print_neutral(first);
  require(print_neutral(second) == neutral, "check output loads back to a Config that prints differently",
          "--- first:\n" + neutral + "--- second:\n" + print_neutral(second));

  // Printing a loaded check output and loading it again changes nothing.
  const std::string again = format_config_toml(second);
  Config third;
  if (!load(again, "check-output.toml", ConfigFormat::kToml, &third, &error)) {
    fail("check output of check output does not load", error);
  }
  require(format_config_toml(third) == again, "check output is not a fixed point", again);
  return 0;
}
