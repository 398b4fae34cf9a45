// `tundra run`: the daemon. Loads the configuration, opens (or attaches to) the TUN,
// configures it over netlink unless told not to, restores dynamic.map, starts one worker
// per TUN queue, the control socket and the HTTP listener, and runs in the foreground
// until SIGTERM/SIGINT. SIGHUP reloads (as `tundra reload`). What it created it removes on
// exit, after flushing dynamic.map. See docs/operations.md.
#pragma once

#include <optional>
#include <string>

#include "cli/config.h"

namespace tundra {

struct RunOptions {
  std::string config_path;  // "" = the built-in defaults (translator/config.h, cli/config.h)
  ConfigFormat format = ConfigFormat::kAuto;
  // Overrides from Tayga's command line (the `tayga` personality).
  std::optional<std::string> pid_file;
  std::optional<std::string> user;
  std::optional<std::string> group;
  bool chroot = false;
  bool debug = false;
};

// Runs until stopped; returns the process exit status (0 after a clean stop, 2 when the
// configuration or the set-up failed: one line on stderr says why).
int run_daemon(const RunOptions& options);

// Tayga's --mktun / --rmtun: create or remove the persistent TUN named by `tun-device`.
int make_persistent_tun_from_config(const std::string& config_path, ConfigFormat format, bool remove);

}  // namespace tundra
