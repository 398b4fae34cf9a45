// Configuration from TUNDRA_* environment variables, for containers (RouterOS, podman, k8s)
// where setting an environment variable is easier than mounting a file.
//
// Each variable stands for one tundra.toml key (TUNDRA_PREFIX is [translator] `prefix`,
// TUNDRA_DNS64_UPSTREAM is [dns64] `upstream`, ...; docs/deployment.md lists them all).
// environment_to_toml() writes the tundra.toml text those variables describe, one line per
// variable, and load_environment_config() loads it through load_config_text(), so every
// check of a tundra.toml applies, with its message. Messages name the variable instead of a
// file and line:
//
//   TUNDRA_MTU: key 'mtu': 900 is below 1280 (allowed: 1280..65535 bytes)
//   TUNDRA_DNS64_UPSTREAM: key 'dns64.upstream': 'dns.example' is not an address[:port]
//   TUNDRA_POOL: unknown variable; did you mean TUNDRA_POOL4?
//
// Which configuration `tundra run` and `tundra check` use when no -c is given:
// choose_config_source(). For `tundra run` the text is written to a file
// (write_environment_config) because the daemon re-reads its file on reload.
//
// Control plane only; not thread-safe (called once at start, before any thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/config.h"

namespace tundra {

// Name and value of each variable, as in `environ` (only TUNDRA_* ones matter).
using Environment = std::vector<std::pair<std::string, std::string>>;

// The TUNDRA_* variables of this process's environment, in environ order.
Environment tundra_environment();

// True when `env` sets at least one tundra setting: a variable of the list in
// docs/deployment.md. Other TUNDRA_* names (a CI's TUNDRA_CI_JOBS, say) do not count; once
// a setting is set, though, any unknown TUNDRA_* name is an error (a typo, most likely).
bool has_setting_variables(const Environment& env);

// The file `tundra run` and `tundra check` read when no -c is given and it exists.
inline constexpr const char* kDefaultConfigPath = "/etc/tundra/tundra.toml";

enum class ConfigSource : std::uint8_t {
  kCommandLine,  // -c FILE
  kDefaultFile,  // kDefaultConfigPath
  kEnvironment,  // TUNDRA_* variables
  kBuiltIn,      // the built-in defaults (translator/config.h, cli/config.h)
};

// -c wins; else kDefaultConfigPath when it exists; else the TUNDRA_* variables when any
// setting is set (has_setting_variables); else the built-in defaults. (TUNDRA_* variables are ignored beside a file: a
// mounted tundra.toml is the whole configuration.)
ConfigSource choose_config_source(bool has_config_option, bool default_file_exists, const Environment& env);

// The tundra.toml text of `env`'s TUNDRA_* variables, and for each line (index 0 = line 1)
// the variable it came from ("" for a table header).
struct EnvironmentToml {
  std::string text;
  std::vector<std::string> line_variables;
};

// Fails with one line when a TUNDRA_* variable is unknown, an integer or boolean does not
// parse, a zone variable has no TUNDRA_DNS64_ZONE<N>_NAME, or TUNDRA_TRANSLATOR=off is
// combined with translator variables. Values are not otherwise checked here: loading does.
bool environment_to_toml(const Environment& env, EnvironmentToml* out, std::string* error);

// environment_to_toml(), then load_config_text(), then the checks between translator keys
// (Translator::create) when the translator runs. `*toml` receives the text (may be null).
// On failure `*error` is one line naming the variable where one is to blame.
bool load_environment_config(const Environment& env, Config* out, std::string* toml, std::string* error);

// Writes `toml` to environment.toml in $RUNTIME_DIRECTORY (systemd), else /run/tundra
// (created), replacing the file atomically; sets `*path` to the file's path.
bool write_environment_config(std::string_view toml, std::string* path, std::string* error);

// What `tundra run` and `tundra check` use when no -c is given (cli/main.cpp).
struct DefaultConfig {
  ConfigSource source = ConfigSource::kBuiltIn;
  // kDefaultFile: kDefaultConfigPath. kEnvironment: the file written for `tundra run`
  // ("" when not written). kBuiltIn: "".
  std::string path;
  // kEnvironment: the configuration, loaded and checked (warnings included).
  Config config;
  // One line for stderr saying where the configuration comes from; for kBuiltIn "", or the
  // TUNDRA_* names that look like misspelt settings.
  std::string note;
};

// Decides with choose_config_source(); for kEnvironment loads and checks the variables and,
// with `write_file`, writes them for the daemon (write_environment_config). false: `*error`
// is one line.
bool default_config(const Environment& env, bool write_file, DefaultConfig* out, std::string* error);

}  // namespace tundra
