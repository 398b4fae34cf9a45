// The tundra binary: subcommands over the cli/ library.
//
//   tundra check [-c FILE]           validate FILE, print the effective configuration
//   tundra replay [-c FILE] [-v] IN OUT  translate capture IN into capture OUT
// Without -c, `run` and `check` read /etc/tundra/tundra.toml, else the TUNDRA_* environment
// variables (cli/env_config.h), else the built-in defaults; `replay` uses the built-in
// defaults (translator/config.h).
//   tundra run [-c FILE]             run the translator daemon in the foreground
//   tundra show mappings|stats|config [--json|--csv] [-s SOCKET]
//   tundra reload [-s SOCKET]        ask the running daemon to reload its configuration
//   tundra version                   print the version
// Invoked as `tayga` (a symlink), the binary takes Tayga's command line instead.
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
#include "cli/control.h"
#include "cli/env_config.h"
#include "cli/run.h"
#include "cli/tayga_cli.h"
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

  auto* run_cmd = app.add_subcommand("run", "Run the translator daemon in the foreground (SIGTERM stops it, "
                                            "SIGHUP reloads)");
  run_cmd->add_option("-c,--config", config_path, kConfigHelp);
  run_cmd->add_option("--format", format_name, kFormatHelp)->check(CLI::IsMember({"auto", "toml", "tayga"}));

  std::string socket_path = tundra::kDefaultControlSocket;
  const char* kSocketHelp = "the daemon's control socket";
  auto* show = app.add_subcommand("show", "Show the running daemon's mappings, counters or configuration");
  std::string what;
  show->add_option("what", what, "mappings, stats or config")->required()->check(CLI::IsMember({"mappings", "stats", "config"}));
  bool as_json = false, as_csv = false;
  show->add_flag("--json", as_json, "JSON output");
  show->add_flag("--csv", as_csv, "CSV output");
  show->add_option("-s,--socket", socket_path, kSocketHelp);
  auto* reload = app.add_subcommand("reload", "Ask the running daemon to reload its configuration");
  reload->add_option("-s,--socket", socket_path, kSocketHelp);

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
  // Without -c, `run` and `check` read /etc/tundra/tundra.toml, else the TUNDRA_* environment
  // variables, else the built-in defaults (cli/env_config.h, docs/deployment.md).
  tundra::DefaultConfig fallback;
  if (config_path.empty() && (*run_cmd || *check)) {
    std::string error;
    const bool write_file = static_cast<bool>(*run_cmd);  // the daemon re-reads it on reload
    if (!tundra::default_config(tundra::tundra_environment(), write_file, &fallback, &error)) {
      std::cerr << error << '\n';
      return kExitFailure;
    }
    if (!fallback.note.empty()) std::cerr << "tundra: " << fallback.note << '\n';
    config_path = fallback.path;
  }
  if (*check && fallback.source == tundra::ConfigSource::kEnvironment) {
    for (const std::string& warning : fallback.config.warnings) std::cerr << warning << '\n';
    std::cout << tundra::format_config_toml(fallback.config);
    return kExitOk;
  }
  if (*run_cmd) {
    tundra::RunOptions options;
    options.config_path = config_path;
    options.format = parse_format(format_name);
    return tundra::run_daemon(options);
  }
  if (*show) {
    std::string request = "show " + what + (as_json ? " json" : as_csv ? " csv" : "");
    return tundra::control_client(socket_path, request, std::cout, std::cerr);
  }
  if (*reload) return tundra::control_client(socket_path, "reload", std::cout, std::cerr);
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

// The `tayga` personality: Tayga's command line, Tayga's behaviour for each flag.
int run_as_tayga(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  tundra::TaygaCommandLine cmd;
  std::string error;
  if (!tundra::parse_tayga_command_line(args, &cmd, &error)) {
    std::cerr << error << '\n';
    return tundra::kTaygaExitUsage;
  }
  if (cmd.help) {
    std::cout << tundra::tayga_usage("tayga");
    return tundra::kTaygaExitHelp;
  }
  for (const auto& w : cmd.warnings) std::cerr << w << '\n';
  if (cmd.tun_operation != tundra::TaygaTunOperation::kNone) {
    return tundra::make_persistent_tun_from_config(cmd.config_path, tundra::ConfigFormat::kAuto,
                                                   cmd.tun_operation == tundra::TaygaTunOperation::kRemove);
  }
  // tundra never daemonises: containers and systemd want the foreground (-n is implied).
  tundra::RunOptions options;
  options.config_path = cmd.config_path;
  options.debug = cmd.debug;
  if (!cmd.pidfile.empty()) options.pid_file = cmd.pidfile;
  if (!cmd.user.empty()) options.user = cmd.user;
  if (!cmd.group.empty()) options.group = cmd.group;
  options.chroot = cmd.chroot;
  return tundra::run_daemon(options);
}

int main(int argc, char** argv) {
  try {
    if (argc > 0 && tundra::invoked_as_tayga(argv[0])) return run_as_tayga(argc, argv);
    return run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "tundra: " << e.what() << '\n';
  } catch (...) {
    std::cerr << "tundra: unexpected exception\n";
  }
  return kExitFailure;
}
