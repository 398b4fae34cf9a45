// The tundra binary: subcommands over the cli/ library.
//
//   tundra check [-c FILE]           validate FILE, print the effective configuration
//   tundra replay [-c FILE] [-v] IN OUT  translate capture IN into capture OUT
// Without -c the built-in default configuration is used (translator/config.h).
//   tundra version                   print the version
//
// Exit status: 0 success, 1 usage error (bad command line, no subcommand), 2 a bad file
// (configuration or capture) or any other failure. Every failure is one line on stderr.
// Exceptions from CLI11, toml++ and the standard library stop here.
#include <cstdio>
#include <exception>
#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/config.h"
#include "cli/packet_summary.h"
#include "cli/replay.h"
#include "translator/translator.h"

namespace {

// Keep in step with project(VERSION) in CMakeLists.txt until the build passes it in.
#ifdef TUNDRA_VERSION
constexpr const char* kVersion = TUNDRA_VERSION;
#else
constexpr const char* kVersion = "0.1.0";
#endif

constexpr int kExitOk = 0;
constexpr int kExitUsage = 1;
constexpr int kExitFailure = 2;

tundra::ConfigFormat parse_format(const std::string& name) {
  if (name == "toml") return tundra::ConfigFormat::kToml;
  if (name == "tayga") return tundra::ConfigFormat::kTayga;
  return tundra::ConfigFormat::kAuto;
}

// Loads the configuration and builds a Translator from it, which checks the relations
// between keys. Prints warnings and the error (one line) to stderr.
std::optional<tundra::Translator> load_translator(const std::string& path, tundra::ConfigFormat format,
                                                  tundra::Config* config) {
  std::string error;
  if (path.empty()) {
    std::cerr << "no -c given: using the built-in default configuration\n";
  } else if (!tundra::load_config(path, config, &error, format)) {
    std::cerr << error << '\n';
    return std::nullopt;
  }
  for (const std::string& warning : config->warnings) std::cerr << warning << '\n';
  auto translator = tundra::Translator::create(config->translator, &error);
  if (!translator) std::cerr << path << ": " << error << '\n';
  return translator;
}

int run(int argc, char** argv) {
  CLI::App app{"tundra: a userspace NAT64/SIIT translator (RFC 7915, RFC 6052, RFC 7757)", "tundra"};
  app.require_subcommand(0, 1);
  app.set_version_flag("--version", kVersion);

  std::string config_path;
  std::string format_name = "auto";
  const char* kConfigHelp = "tundra.toml or tayga.conf (see docs/configuration.md)";
  const char* kFormatHelp = "file format: auto (detected), toml or tayga";

  auto* check = app.add_subcommand("check", "Validate a configuration file and print the effective "
                                            "configuration as a tundra.toml [translator] table");
  check->add_option("-c,--config", config_path, kConfigHelp);
  check->add_option("--format", format_name, kFormatHelp)->check(CLI::IsMember({"auto", "toml", "tayga"}));

  std::string input_path;
  std::string output_path;
  auto* replay = app.add_subcommand("replay", "Translate every packet of a capture (pcap or pcapng) as if read "
                                              "from the TUN; write what the translator emits (pcap, raw IP)");
  replay->add_option("-c,--config", config_path, kConfigHelp);
  bool verbose = false;
  replay->add_flag("-v,--verbose", verbose, "print each input packet, the verdict and what was emitted");
  replay->add_option("--format", format_name, kFormatHelp)->check(CLI::IsMember({"auto", "toml", "tayga"}));
  replay->add_option("input", input_path, "capture to read")->required();
  replay->add_option("output", output_path, "capture to write (truncated)")->required();

  auto* version = app.add_subcommand("version", "Print the version");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and --version exit 0; anything else is a usage error, whatever CLI11's code.
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  if (*version) {
    std::cout << "tundra " << kVersion << '\n';
    return kExitOk;
  }
  if (*check) {
    tundra::Config config;
    if (!load_translator(config_path, parse_format(format_name), &config)) return kExitFailure;
    std::cout << tundra::format_config_toml(config);
    return kExitOk;
  }
  if (*replay) {
    tundra::Config config;
    auto translator = load_translator(config_path, parse_format(format_name), &config);
    if (!translator) return kExitFailure;
    tundra::ReplayStats stats;
    std::string error;
    tundra::ReplayObserver observer;
    if (verbose) {
      observer = [](tundra::ConstBytes in, const tundra::Result& r, const tundra::Output& out) {
        std::cout << "in   " << tundra::describe_packet(in) << "\n     => " << tundra::counter_name(r.reason) << '\n';
        for (std::size_t i = 0; i < out.count; ++i) std::cout << "out  " << tundra::describe_packet(out.packets[i]) << '\n';
      };
    }
    if (!tundra::replay_capture(*translator, input_path, output_path, &stats, &error, observer)) {
      std::cerr << error << '\n';
      return kExitFailure;
    }
    std::cerr << tundra::format_replay_stats(stats);
    return kExitOk;
  }
  std::cout << app.help();
  return kExitUsage;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "tundra: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "tundra: unexpected exception\n";
  }
  return kExitFailure;
}
