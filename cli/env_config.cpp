// Configuration from TUNDRA_* environment variables (cli/env_config.h; docs/deployment.md).
#include "cli/env_config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

#include "translator/translator.h"

extern char** environ;

namespace tundra {
namespace {

constexpr std::string_view kPrefix = "TUNDRA_";

enum class ValueType : std::uint8_t {
  kString,        // written as a TOML string, "" included
  kInteger,       // digits, optionally signed
  kBool,          // true/false, yes/no, on/off, 1/0 (any case)
  kList,          // comma-separated strings; empty = []
  kIntegerOrAuto  // `workers`: an integer or "auto"
};

enum class Table : std::uint8_t { kTranslator, kDaemon, kDns64 };

struct Variable {
  std::string_view name;  // without a zone number
  Table table;
  std::string_view key;   // the tundra.toml key in `table`
  ValueType type;
};

// Every tundra.toml key has a variable: "TUNDRA_" + the key in capitals with '-' as '_'
// ([dns64] keys with DNS64_ in front), except the three the issue named: TUNDRA_POOL4,
// TUNDRA_ADDR4, TUNDRA_ADDR6. The order here is the order of the generated text.
constexpr Variable kVariables[] = {
    {"TUNDRA_TUN_DEVICE", Table::kTranslator, "tun-device", ValueType::kString},
    {"TUNDRA_ADDR4", Table::kTranslator, "ipv4-addr", ValueType::kString},
    {"TUNDRA_ADDR6", Table::kTranslator, "ipv6-addr", ValueType::kString},
    {"TUNDRA_PREFIX", Table::kTranslator, "prefix", ValueType::kString},
    {"TUNDRA_WKPF_STRICT", Table::kTranslator, "wkpf-strict", ValueType::kBool},
    {"TUNDRA_POOL4", Table::kTranslator, "dynamic-pool", ValueType::kString},
    {"TUNDRA_DYNAMIC_DORMANT_AFTER", Table::kTranslator, "dynamic-dormant-after", ValueType::kInteger},
    {"TUNDRA_DYNAMIC_FREE_AFTER", Table::kTranslator, "dynamic-free-after", ValueType::kInteger},
    {"TUNDRA_DATA_DIR", Table::kTranslator, "data-dir", ValueType::kString},
    {"TUNDRA_MAP", Table::kTranslator, "map", ValueType::kList},
    {"TUNDRA_DYNAMIC_NEW_PER_SECOND", Table::kTranslator, "dynamic-new-per-second", ValueType::kInteger},
    {"TUNDRA_ICMP_ERROR_RATE", Table::kTranslator, "icmp-error-rate", ValueType::kInteger},
    {"TUNDRA_MTU", Table::kTranslator, "mtu", ValueType::kInteger},
    {"TUNDRA_LOWEST_IPV6_MTU", Table::kTranslator, "lowest-ipv6-mtu", ValueType::kInteger},
    {"TUNDRA_UDP_ZERO_CHECKSUM", Table::kTranslator, "udp-zero-checksum", ValueType::kString},
    {"TUNDRA_RFC6791_POOL4", Table::kTranslator, "rfc6791-pool4", ValueType::kString},
    {"TUNDRA_RFC6791_POOL6", Table::kTranslator, "rfc6791-pool6", ValueType::kString},
    {"TUNDRA_WORKERS", Table::kTranslator, "workers", ValueType::kIntegerOrAuto},
    {"TUNDRA_PIN_WORKERS", Table::kTranslator, "pin-workers", ValueType::kBool},
    {"TUNDRA_BUSY_POLL", Table::kTranslator, "busy-poll", ValueType::kInteger},
    {"TUNDRA_OFFLOAD", Table::kTranslator, "offload", ValueType::kString},
    {"TUNDRA_FORWARDING", Table::kTranslator, "forwarding", ValueType::kString},
    {"TUNDRA_CONFIGURE_INTERFACE", Table::kTranslator, "configure-interface", ValueType::kBool},
    {"TUNDRA_TUN_IP", Table::kTranslator, "tun-ip", ValueType::kList},
    {"TUNDRA_TUN_ROUTE", Table::kTranslator, "tun-route", ValueType::kList},
    {"TUNDRA_MAP_FILE", Table::kTranslator, "map-file", ValueType::kString},
    {"TUNDRA_LOG", Table::kTranslator, "log", ValueType::kList},

    {"TUNDRA_CONTROL_SOCKET", Table::kDaemon, "control-socket", ValueType::kString},
    {"TUNDRA_HTTP_LISTEN", Table::kDaemon, "http-listen", ValueType::kString},
    {"TUNDRA_LOG_LEVEL", Table::kDaemon, "log-level", ValueType::kString},
    {"TUNDRA_USER", Table::kDaemon, "user", ValueType::kString},
    {"TUNDRA_GROUP", Table::kDaemon, "group", ValueType::kString},
    {"TUNDRA_PID_FILE", Table::kDaemon, "pid-file", ValueType::kString},

    {"TUNDRA_DNS64_LISTEN", Table::kDns64, "listen", ValueType::kList},
    {"TUNDRA_DNS64_UPSTREAM", Table::kDns64, "upstream", ValueType::kList},
    {"TUNDRA_DNS64_PREFIX", Table::kDns64, "prefix", ValueType::kString},
    {"TUNDRA_DNS64_TRANSLATE_ALL", Table::kDns64, "translate-all", ValueType::kBool},
    {"TUNDRA_DNS64_ALLOW_IPV4", Table::kDns64, "allow-ipv4", ValueType::kBool},
    {"TUNDRA_DNS64_EXCLUDE", Table::kDns64, "exclude", ValueType::kList},
    {"TUNDRA_DNS64_ALLOW_CLIENTS", Table::kDns64, "allow-clients", ValueType::kList},
    {"TUNDRA_DNS64_CACHE_SIZE", Table::kDns64, "cache-size", ValueType::kInteger},
    {"TUNDRA_DNS64_LOG_QUERIES", Table::kDns64, "log-queries", ValueType::kBool},
    {"TUNDRA_DNS64_UPSTREAM_TIMEOUT_MS", Table::kDns64, "upstream-timeout-ms", ValueType::kInteger},
    {"TUNDRA_DNS64_QUERY_TIMEOUT_MS", Table::kDns64, "query-timeout-ms", ValueType::kInteger},
    {"TUNDRA_DNS64_TCP_IDLE_TIMEOUT_MS", Table::kDns64, "tcp-idle-timeout-ms", ValueType::kInteger},
    {"TUNDRA_DNS64_MAX_TCP_CONNECTIONS", Table::kDns64, "max-tcp-connections", ValueType::kInteger},
    {"TUNDRA_DNS64_MAX_LOOKUPS", Table::kDns64, "max-lookups", ValueType::kInteger},
    {"TUNDRA_DNS64_RATE_LIMIT", Table::kDns64, "rate-limit", ValueType::kInteger},
};

// TUNDRA_TRANSLATOR=off leaves the [translator] table out: the DNS64 runs alone.
constexpr std::string_view kTranslatorSwitch = "TUNDRA_TRANSLATOR";

// [[dns64.zone]] blocks: TUNDRA_DNS64_ZONE<N>_<suffix>, N = 1, 2, ... (any positive number;
// blocks are written in increasing N).
constexpr std::string_view kZonePrefix = "TUNDRA_DNS64_ZONE";
struct ZoneKey {
  std::string_view suffix;
  std::string_view key;
  ValueType type;
};
constexpr ZoneKey kZoneKeys[] = {
    {"_NAME", "name", ValueType::kString},
    {"_DNS64", "dns64", ValueType::kBool},
    {"_UPSTREAM", "upstream", ValueType::kList},
};

// Names people will guess from the tundra.toml key for the three renamed variables.
constexpr std::pair<std::string_view, std::string_view> kGuesses[] = {
    {"TUNDRA_DYNAMIC_POOL", "TUNDRA_POOL4"},
    {"TUNDRA_IPV4_ADDR", "TUNDRA_ADDR4"},
    {"TUNDRA_IPV6_ADDR", "TUNDRA_ADDR6"},
    {"TUNDRA_OFFLINK_MTU", "TUNDRA_LOWEST_IPV6_MTU"},
    {"TUNDRA_UPSTREAM", "TUNDRA_DNS64_UPSTREAM"},
    {"TUNDRA_LISTEN", "TUNDRA_DNS64_LISTEN"},
    {"TUNDRA_LOG_QUERIES", "TUNDRA_DNS64_LOG_QUERIES"},
};

std::string quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string unknown_variable(std::string_view name) {
  std::string message = std::string(name) + ": unknown variable";
  for (const auto& [guess, real] : kGuesses) {
    if (name == guess) return message + "; it is called " + std::string(real);
  }
  std::string_view best;
  std::size_t best_distance = 4;  // at most 3 edits away
  auto consider = [&](std::string_view candidate) {
    std::size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  };
  for (const Variable& v : kVariables) consider(v.name);
  consider(kTranslatorSwitch);
  if (!best.empty()) return message + "; did you mean " + std::string(best) + "?";
  return message + " (docs/deployment.md lists the TUNDRA_* variables)";
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string t = lower(trim(text));
  if (t == "true" || t == "yes" || t == "on" || t == "1") return true;
  if (t == "false" || t == "no" || t == "off" || t == "0") return false;
  return std::nullopt;
}

bool is_integer(std::string_view text) {
  if (!text.empty() && (text.front() == '-' || text.front() == '+')) text.remove_prefix(1);
  return !text.empty() && text.size() <= 18 &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The TOML value of `text` as a `type`; false with `*error` when it cannot be one.
bool toml_value(std::string_view name, std::string_view text, ValueType type, std::string* out, std::string* error) {
  switch (type) {
    case ValueType::kString:
      *out = toml_quote(text);
      return true;
    case ValueType::kIntegerOrAuto:
      if (lower(trim(text)) == "auto") {
        *out = "\"auto\"";
        return true;
      }
      [[fallthrough]];
    case ValueType::kInteger: {
      std::string_view t = trim(text);
      if (!is_integer(t)) {
        *error = std::string(name) + ": " + quoted(text) + " is not an integer" +
                 (type == ValueType::kIntegerOrAuto ? " or \"auto\"" : "");
        return false;
      }
      *out = std::string(t.front() == '+' ? t.substr(1) : t);
      return true;
    }
    case ValueType::kBool: {
      auto b = parse_bool(text);
      if (!b) {
        *error = std::string(name) + ": " + quoted(text) + " is not true or false (also yes/no, on/off, 1/0)";
        return false;
      }
      *out = *b ? "true" : "false";
      return true;
    }
    case ValueType::kList: {
      std::string list = "[";
      std::size_t start = 0;
      bool first = true;
      while (start <= text.size()) {
        std::size_t comma = text.find(',', start);
        if (comma == std::string_view::npos) comma = text.size();
        std::string_view item = trim(text.substr(start, comma - start));
        if (!item.empty()) {
          if (!first) list += ", ";
          list += toml_quote(item);
          first = false;
        }
        start = comma + 1;
      }
      *out = list + "]";
      return true;
    }
  }
  return false;
}

const Variable* find_variable(std::string_view name) {
  for (const Variable& v : kVariables) {
    if (v.name == name) return &v;
  }
  return nullptr;
}

// TUNDRA_DNS64_ZONE<N>_<suffix>: N and the zone key, or nullopt when `name` is not one.
std::optional<std::pair<unsigned long, const ZoneKey*>> parse_zone_variable(std::string_view name) {
  if (name.substr(0, kZonePrefix.size()) != kZonePrefix) return std::nullopt;
  std::string_view rest = name.substr(kZonePrefix.size());
  std::size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  if (digits == 0 || digits > 6 || rest[0] == '0') return std::nullopt;
  for (const ZoneKey& z : kZoneKeys) {
    if (rest.substr(digits) == z.suffix) return std::make_pair(std::stoul(std::string(rest.substr(0, digits))), &z);
  }
  return std::nullopt;
}

// The variable that stands for `key` as loading names it ("mtu", "dns64.upstream",
// "dns64.zone.name"), or "".
std::string variable_for_key(std::string_view key) {
  Table table = Table::kTranslator;
  if (key.substr(0, 11) == "dns64.zone.") return "";  // which zone: the line tells
  if (key.substr(0, 6) == "dns64.") {
    table = Table::kDns64;
    key.remove_prefix(6);
  }
  for (const Variable& v : kVariables) {
    if (v.key == key && ((table == Table::kDns64) == (v.table == Table::kDns64))) return std::string(v.name);
  }
  return "";
}

// Rewrites a message of load_config_text("environment") or Translator::create to name the
// variable: "environment:7: key 'mtu': ..." -> "TUNDRA_MTU: key 'mtu': ...".
std::string name_the_variable(std::string message, const EnvironmentToml& toml) {
  std::string_view m = message;
  std::string variable;
  const std::string_view source = "environment:";
  if (m.substr(0, source.size()) == source) {
    m.remove_prefix(source.size());
    std::size_t digits = 0;
    while (digits < m.size() && m[digits] >= '0' && m[digits] <= '9') ++digits;
    if (digits > 0 && digits < m.size() && m[digits] == ':') {
      const unsigned long line = std::stoul(std::string(m.substr(0, digits)));
      m.remove_prefix(digits + 1);
      std::size_t column = 0;  // a TOML syntax error also gives a column
      while (column < m.size() && m[column] >= '0' && m[column] <= '9') ++column;
      if (column > 0 && column < m.size() && m[column] == ':') m.remove_prefix(column + 1);
      if (line >= 1 && line <= toml.line_variables.size()) variable = toml.line_variables[line - 1];
    }
    m = trim(m);
  }
  if (variable.empty()) {
    // A key named in the message ("key 'dns64.upstream': missing") points to its variable.
    const std::size_t at = m.find("key '");
    if (at != std::string_view::npos) {
      const std::size_t end = m.find('\'', at + 5);
      if (end != std::string_view::npos) variable = variable_for_key(m.substr(at + 5, end - at - 5));
    }
  }
  return (variable.empty() ? std::string("environment") : variable) + ": " + std::string(m);
}

bool is_setting_variable(std::string_view name) {
  return name == kTranslatorSwitch || find_variable(name) != nullptr || parse_zone_variable(name).has_value();
}

// The setting variables of `env`, sorted, comma-separated.
std::string join_names(const Environment& env) {
  std::vector<std::string> names;
  for (const auto& [name, value] : env) {
    if (is_setting_variable(name)) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// TUNDRA_* names that are no setting but within a few letters of one (typos), each as
// "NAME (did you mean OTHER?)".
std::string near_misses(const Environment& env) {
  std::string out;
  for (const auto& [name, value] : env) {
    if (name.substr(0, kPrefix.size()) != kPrefix || is_setting_variable(name)) continue;
    const std::string message = unknown_variable(name);
    const std::size_t at = message.find("; ");
    if (at == std::string::npos) continue;  // nothing close: someone else's variable
    out += (out.empty() ? "" : ", ") + name + " (" + message.substr(at + 2) + ")";
  }
  return out;
}

bool make_directories(const std::string& dir, std::string* error) {
  for (std::size_t slash = 1; slash != std::string::npos;) {
    slash = dir.find('/', slash + 1);
    const std::string part = dir.substr(0, slash);
    if (::mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) {
      *error = part + ": " + std::strerror(errno);
      return false;
    }
  }
  return true;
}

bool default_file_exists() {
  struct stat st {};
  return ::stat(kDefaultConfigPath, &st) == 0;
}

}  // namespace

Environment tundra_environment() {
  Environment env;
  for (char** e = environ; e && *e; ++e) {
    std::string_view entry = *e;
    if (entry.substr(0, kPrefix.size()) != kPrefix) continue;
    const std::size_t eq = entry.find('=');
    if (eq == std::string_view::npos) continue;
    env.emplace_back(std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1)));
  }
  return env;
}

bool has_setting_variables(const Environment& env) {
  return std::any_of(env.begin(), env.end(), [](const auto& e) { return is_setting_variable(e.first); });
}

ConfigSource choose_config_source(bool has_config_option, bool default_file_exists, const Environment& env) {
  if (has_config_option) return ConfigSource::kCommandLine;
  if (default_file_exists) return ConfigSource::kDefaultFile;
  if (has_setting_variables(env)) return ConfigSource::kEnvironment;
  return ConfigSource::kBuiltIn;
}

bool environment_to_toml(const Environment& env, EnvironmentToml* out, std::string* error) {
  *out = EnvironmentToml{};
  // By name (a name repeated in environ: the last one counts); written in kVariables order.
  std::map<std::string_view, std::string_view> values;
  std::map<unsigned long, std::map<const ZoneKey*, std::pair<std::string_view, std::string_view>>> zones;
  std::optional<bool> translator_on;
  for (const auto& [name, value] : env) {
    if (name.substr(0, kPrefix.size()) != kPrefix) continue;
    if (name == kTranslatorSwitch) {
      translator_on = parse_bool(value);
      if (!translator_on) {
        *error = name + ": " + quoted(value) + " is not on or off (also true/false, yes/no, 1/0)";
        return false;
      }
    } else if (const Variable* v = find_variable(name)) {
      values[v->name] = value;
    } else if (auto zone = parse_zone_variable(name)) {
      zones[zone->first][zone->second] = {name, value};
    } else {
      *error = unknown_variable(name);
      return false;
    }
  }

  auto add_line = [&](std::string line, std::string_view variable) {
    out->text += line + "\n";
    out->line_variables.emplace_back(variable);
  };
  add_line("# tundra.toml written from TUNDRA_* environment variables (docs/deployment.md)", "");
  const bool translator = translator_on.value_or(true);
  bool any_dns64 = !zones.empty();
  for (const Variable& v : kVariables) {
    if (!values.count(v.name)) continue;
    if (v.table == Table::kTranslator && !translator) {
      *error = std::string(v.name) + ": set, but TUNDRA_TRANSLATOR=off runs no translator; unset one of them";
      return false;
    }
    any_dns64 = any_dns64 || v.table == Table::kDns64;
  }
  if (!translator && !any_dns64) {
    *error = "TUNDRA_TRANSLATOR: off, but no TUNDRA_DNS64_* variable is set: nothing would run "
             "(set TUNDRA_DNS64_UPSTREAM for the DNS64 alone)";
    return false;
  }
  for (Table table : {Table::kTranslator, Table::kDaemon, Table::kDns64}) {
    if (table == Table::kTranslator && !translator) continue;
    if (table == Table::kDns64 && !any_dns64) continue;
    add_line(table == Table::kTranslator ? "[translator]" : table == Table::kDaemon ? "[daemon]" : "[dns64]", "");
    for (const Variable& v : kVariables) {
      auto it = values.find(v.name);
      if (v.table != table || it == values.end()) continue;
      std::string value;
      if (!toml_value(v.name, it->second, v.type, &value, error)) return false;
      add_line(std::string(v.key) + " = " + value, v.name);
    }
  }
  for (const auto& [number, keys] : zones) {
    const ZoneKey* name_key = &kZoneKeys[0];
    if (!keys.count(name_key)) {
      const std::string_view some = keys.begin()->second.first;
      *error = std::string(some) + ": set, but " + std::string(kZonePrefix) + std::to_string(number) +
               "_NAME is not: a [[dns64.zone]] needs its name";
      return false;
    }
    add_line("[[dns64.zone]]", "");
    for (const ZoneKey& z : kZoneKeys) {
      auto it = keys.find(&z);
      if (it == keys.end()) continue;
      std::string value;
      if (!toml_value(it->second.first, it->second.second, z.type, &value, error)) return false;
      add_line(std::string(z.key) + " = " + value, it->second.first);
    }
  }
  return true;
}

bool load_environment_config(const Environment& env, Config* out, std::string* toml, std::string* error) {
  EnvironmentToml text;
  if (!environment_to_toml(env, &text, error)) return false;
  if (toml) *toml = text.text;
  Config config;
  std::string message;
  if (!load_config_text(text.text, "environment", &config, &message, ConfigFormat::kToml)) {
    *error = name_the_variable(message, text);
    return false;
  }
  for (std::string& w : config.warnings) w = name_the_variable(w, text);
  if (config.translator_enabled) {
    message.clear();
    if (!Translator::create(config.translator, &message)) {
      *error = name_the_variable(message, text);
      return false;
    }
  }
  config.source_path = "";
  *out = std::move(config);
  return true;
}

bool write_environment_config(std::string_view toml, std::string* path, std::string* error) {
  std::string dir = "/run/tundra";
  if (const char* runtime = std::getenv("RUNTIME_DIRECTORY"); runtime && runtime[0] == '/') {
    dir = runtime;
    dir = dir.substr(0, dir.find(':'));  // systemd joins several with ':'
  }
  const std::string file = dir + "/environment.toml";
  const std::string temp = file + ".tmp";
  std::string why;
  if (!make_directories(dir, &why)) {
    *error = "cannot write the configuration from the TUNDRA_* variables to " + file + ": " + why;
    return false;
  }
  auto fail = [&](int err) {
    *error = "cannot write the configuration from the TUNDRA_* variables to " + file + ": " + std::strerror(err);
    return false;
  };
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) return fail(errno);
  if (::fchmod(fd, 0644) != 0) {  // whatever the umask: readable after the daemon drops to `user`
    const int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return fail(err);
  }
  std::size_t done = 0;
  while (done < toml.size()) {
    const ssize_t n = ::write(fd, toml.data() + done, toml.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const int err = n == 0 ? EIO : errno;
      ::close(fd);
      ::unlink(temp.c_str());
      return fail(err);
    }
    done += static_cast<std::size_t>(n);
  }
  if (::close(fd) != 0 || ::rename(temp.c_str(), file.c_str()) != 0) {
    const int err = errno;
    ::unlink(temp.c_str());
    return fail(err);
  }
  *path = file;
  return true;
}

bool default_config(const Environment& env, bool write_file, DefaultConfig* out, std::string* error) {
  *out = DefaultConfig{};
  out->source = choose_config_source(false, default_file_exists(), env);
  switch (out->source) {
    case ConfigSource::kCommandLine:
      return true;
    case ConfigSource::kBuiltIn:
      if (const std::string typos = near_misses(env); !typos.empty()) {
        out->note = "ignoring " + typos + ": not tundra variables";
      }
      return true;
    case ConfigSource::kDefaultFile:
      out->path = kDefaultConfigPath;
      out->note = std::string("no -c given: reading ") + kDefaultConfigPath;
      if (has_setting_variables(env)) {
        out->note += " (ignoring " + join_names(env) + ": the file is the whole configuration)";
      }
      return true;
    case ConfigSource::kEnvironment:
      break;
  }
  std::string toml;
  if (!load_environment_config(env, &out->config, &toml, error)) return false;
  out->note = std::string("no -c given and no ") + kDefaultConfigPath + ": configuration from " + join_names(env);
  if (write_file) {
    if (!write_environment_config(toml, &out->path, error)) return false;
    out->note += " (written to " + out->path + ")";
  }
  return true;
}

}  // namespace tundra
