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
//     compared field by field (tests/support/config_diff.h, shared with config_test.cpp)
//     and, to cover fields added later, by printing both again; and printing is then a
//     fixed point.
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
#include "tests/support/config_diff.h"

using namespace tundra;

namespace {

void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "config_fuzz: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}
void require(bool ok, const char* what, const std::string& detail = "") {
  if (!ok) fail(what, detail);
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
  const std::string difference = test::first_difference(first, second, false);
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
