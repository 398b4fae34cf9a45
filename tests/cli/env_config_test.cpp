// Tests for cli/env_config: the TUNDRA_* environment variables of the container image, the
// tundra.toml text they stand for, messages that name the variable, and which configuration
// `tundra run` / `tundra check` take without -c.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/config.h"
#include "cli/env_config.h"

namespace {

using tundra::Config;
using tundra::ConfigSource;
using tundra::Environment;

Config load_env(const Environment& env) {
  Config config;
  std::string error;
  bool ok = tundra::load_environment_config(env, &config, nullptr, &error);
  INFO("error: " << error);
  REQUIRE(ok);
  return config;
}

std::string env_error(const Environment& env) {
  Config config;
  std::string error;
  CHECK_FALSE(tundra::load_environment_config(env, &config, nullptr, &error));
  return error;
}

Config load_toml(const std::string& text) {
  Config config;
  std::string error;
  bool ok = tundra::load_config_text(text, "tundra.toml", &config, &error, tundra::ConfigFormat::kToml);
  INFO("error: " << error);
  REQUIRE(ok);
  config.source_path.clear();  // as from the environment: the printed header names no file
  return config;
}

// The keys of each table as format_config_toml() prints them (every key, defaults included).
std::vector<std::pair<std::string, std::string>> printed_keys(const Config& config) {
  std::vector<std::pair<std::string, std::string>> keys;
  std::istringstream in(tundra::format_config_toml(config));
  std::string line, table;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      table = line;
      continue;
    }
    const auto eq = line.find(" = ");
    if (eq != std::string::npos && line[0] != ' ') keys.emplace_back(table, line.substr(0, eq));
  }
  return keys;
}

std::string upper_underscored(std::string key) {
  for (char& c : key) c = c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return key;
}

}  // namespace

TEST_CASE("Without -c a mounted /etc/tundra/tundra.toml wins over TUNDRA_* variables, which win over the defaults",
          "[env-config]") {
  const Environment none;
  const Environment some = {{"TUNDRA_PREFIX", "64:ff9b::/96"}};
  // Other programs' TUNDRA_* names (a CI's switches, the e2e tests' TUNDRA=path) are no
  // settings: they do not make the environment the configuration.
  const Environment unrelated = {{"TUNDRAX", "1"}, {"TUNDRA", "/usr/bin/tundra"}, {"TUNDRA_CI_QUICK", "1"}};
  CHECK(tundra::choose_config_source(true, true, some) == ConfigSource::kCommandLine);
  CHECK(tundra::choose_config_source(true, false, some) == ConfigSource::kCommandLine);
  CHECK(tundra::choose_config_source(false, true, some) == ConfigSource::kDefaultFile);
  CHECK(tundra::choose_config_source(false, true, none) == ConfigSource::kDefaultFile);
  CHECK(tundra::choose_config_source(false, false, some) == ConfigSource::kEnvironment);
  CHECK(tundra::choose_config_source(false, false, none) == ConfigSource::kBuiltIn);
  CHECK(tundra::choose_config_source(false, false, unrelated) == ConfigSource::kBuiltIn);
  Environment mixed = unrelated;
  mixed.push_back({"TUNDRA_POOL4", "10.0.0.0/24"});
  CHECK(tundra::choose_config_source(false, false, mixed) == ConfigSource::kEnvironment);
}

TEST_CASE("A misspelt variable alone is reported, and the built-in defaults run", "[env-config]") {
  struct stat st {};
  if (stat(tundra::kDefaultConfigPath, &st) == 0) {
    WARN(tundra::kDefaultConfigPath << " exists on this machine: it would be the configuration; not tested");
    return;
  }
  tundra::DefaultConfig d;
  std::string error;
  REQUIRE(tundra::default_config({{"TUNDRA_PREFX", "2001:db8::/96"}, {"TUNDRA_CI_JOBS", "2"}}, false, &d, &error));
  CHECK(d.source == ConfigSource::kBuiltIn);
  CHECK(d.note == "ignoring TUNDRA_PREFX (did you mean TUNDRA_PREFIX?): not tundra variables");
  // Once a setting is there, the same name is an error.
  CHECK_FALSE(tundra::default_config({{"TUNDRA_PREFX", "2001:db8::/96"}, {"TUNDRA_POOL4", "10.0.0.0/24"}}, false, &d,
                                     &error));
  CHECK(error == "TUNDRA_PREFX: unknown variable; did you mean TUNDRA_PREFIX?");
}

TEST_CASE("The variables the RouterOS guide sets become a translator and a DNS64 in one process", "[env-config]") {
  const Config c = load_env({
      {"TUNDRA_PREFIX", "64:ff9b::/96"},
      {"TUNDRA_POOL4", "192.168.240.0/20"},
      {"TUNDRA_ADDR4", "192.168.240.1"},
      {"TUNDRA_ADDR6", "2001:db8:64::1"},
      {"TUNDRA_DNS64_UPSTREAM", "172.17.0.1, 9.9.9.9:53"},
      {"TUNDRA_DNS64_LISTEN", "172.17.0.2:53,[2001:db8:64::2]:53"},
      {"TUNDRA_HTTP_LISTEN", "172.17.0.2:8080"},
      {"TUNDRA_DATA_DIR", "/var/lib/tundra"},
  });
  CHECK(c.translator_enabled);
  REQUIRE(c.translator.prefix);
  CHECK(c.translator.prefix->to_string() == "64:ff9b::/96");
  REQUIRE(c.translator.dynamic_pool);
  CHECK(c.translator.dynamic_pool->to_string() == "192.168.240.0/20");
  CHECK(c.translator.ipv4_addr.to_string() == "192.168.240.1");
  REQUIRE(c.translator.ipv6_addr);
  CHECK(c.translator.ipv6_addr->to_string() == "2001:db8:64::1");
  CHECK(c.translator.data_dir == "/var/lib/tundra");
  CHECK(c.http_listen == "172.17.0.2:8080");
  REQUIRE(c.dns64);
  REQUIRE(c.dns64->upstreams.size() == 2);
  CHECK(c.dns64->upstreams[0].to_string() == "172.17.0.1:53");
  CHECK(c.dns64->upstreams[1].to_string() == "9.9.9.9:53");
  REQUIRE(c.dns64->listen.size() == 2);
  CHECK(c.dns64->listen[1].to_string() == "[2001:db8:64::2]:53");
  REQUIRE(c.dns64->prefix);
  CHECK(c.dns64->prefix->to_string() == "64:ff9b::/96");  // shared with the translator
  // Everything not set keeps the tundra.toml default.
  CHECK(c.translator.mtu == 1500);
  CHECK(c.control_socket == "/run/tundra/control.sock");
  CHECK_FALSE(c.dns64->translate_all);
}

TEST_CASE("Every variable means what its tundra.toml key means", "[env-config]") {
  const std::string toml = R"(
[translator]
tun-device = "nat64c"
ipv4-addr = "10.64.0.1"
ipv6-addr = "2001:db8:ffff::1"
prefix = "2001:db8:64::/96"
wkpf-strict = true
dynamic-pool = "10.64.0.0/24"
dynamic-dormant-after = 600
dynamic-free-after = 3600
data-dir = "/var/lib/tundra"
map = ["10.64.0.10 2001:db8:1::10", "203.0.113.0/24 2001:db8:2::/120"]
dynamic-new-per-second = 50
icmp-error-rate = 200
mtu = 1480
lowest-ipv6-mtu = 1400
udp-zero-checksum = "icmp"
rfc6791-pool4 = "10.65.0.0/24"
rfc6791-pool6 = "2001:db8:fffe::/64"
workers = 2
configure-interface = false
tun-ip = ["10.64.0.1/24", "2001:db8:ffff::1/64"]
tun-route = ["198.51.100.0/24"]
map-file = "/etc/tundra/maps"
log = ["dyn", "drop"]

[daemon]
control-socket = "/run/t/control.sock"
http-listen = "[::1]:9100"
log-level = "debug"
user = "nobody"
group = "nogroup"
pid-file = "/run/t/tundra.pid"

[dns64]
listen = ["127.0.0.1:5353", "[::1]:5353"]
upstream = ["192.0.2.53", "[2001:db8::53]:5353"]
prefix = "2001:db8:64::/96"
translate-all = true
allow-ipv4 = false
exclude = ["::ffff:0:0/96", "2001:db8:bad::/48"]
allow-clients = ["10.0.0.0/8", "2001:db8::/32"]
cache-size = 500
log-queries = true
upstream-timeout-ms = 700
query-timeout-ms = 2100
tcp-idle-timeout-ms = 5000
max-tcp-connections = 20
max-lookups = 300

[[dns64.zone]]
name = "home.arpa"
dns64 = false
upstream = ["192.168.88.1"]

[[dns64.zone]]
name = "corp.example"
upstream = ["10.0.0.53", "10.0.1.53"]
)";
  const Environment env = {
      {"TUNDRA_TUN_DEVICE", "nat64c"},
      {"TUNDRA_ADDR4", "10.64.0.1"},
      {"TUNDRA_ADDR6", "2001:db8:ffff::1"},
      {"TUNDRA_PREFIX", "2001:db8:64::/96"},
      {"TUNDRA_WKPF_STRICT", "yes"},
      {"TUNDRA_POOL4", "10.64.0.0/24"},
      {"TUNDRA_DYNAMIC_DORMANT_AFTER", "600"},
      {"TUNDRA_DYNAMIC_FREE_AFTER", "3600"},
      {"TUNDRA_DATA_DIR", "/var/lib/tundra"},
      {"TUNDRA_MAP", "10.64.0.10 2001:db8:1::10, 203.0.113.0/24 2001:db8:2::/120"},
      {"TUNDRA_DYNAMIC_NEW_PER_SECOND", "50"},
      {"TUNDRA_ICMP_ERROR_RATE", "+200"},
      {"TUNDRA_MTU", "1480"},
      {"TUNDRA_LOWEST_IPV6_MTU", "1400"},
      {"TUNDRA_UDP_ZERO_CHECKSUM", "icmp"},
      {"TUNDRA_RFC6791_POOL4", "10.65.0.0/24"},
      {"TUNDRA_RFC6791_POOL6", "2001:db8:fffe::/64"},
      {"TUNDRA_WORKERS", "2"},
      {"TUNDRA_CONFIGURE_INTERFACE", "off"},
      {"TUNDRA_TUN_IP", "10.64.0.1/24,2001:db8:ffff::1/64"},
      {"TUNDRA_TUN_ROUTE", "198.51.100.0/24"},
      {"TUNDRA_MAP_FILE", "/etc/tundra/maps"},
      {"TUNDRA_LOG", "dyn,drop"},
      {"TUNDRA_CONTROL_SOCKET", "/run/t/control.sock"},
      {"TUNDRA_HTTP_LISTEN", "[::1]:9100"},
      {"TUNDRA_LOG_LEVEL", "debug"},
      {"TUNDRA_USER", "nobody"},
      {"TUNDRA_GROUP", "nogroup"},
      {"TUNDRA_PID_FILE", "/run/t/tundra.pid"},
      {"TUNDRA_DNS64_LISTEN", "127.0.0.1:5353, [::1]:5353"},
      {"TUNDRA_DNS64_UPSTREAM", "192.0.2.53, [2001:db8::53]:5353"},
      {"TUNDRA_DNS64_PREFIX", "2001:db8:64::/96"},
      {"TUNDRA_DNS64_TRANSLATE_ALL", "TRUE"},
      {"TUNDRA_DNS64_ALLOW_IPV4", "0"},
      {"TUNDRA_DNS64_EXCLUDE", "::ffff:0:0/96, 2001:db8:bad::/48"},
      {"TUNDRA_DNS64_ALLOW_CLIENTS", "10.0.0.0/8, 2001:db8::/32"},
      {"TUNDRA_DNS64_CACHE_SIZE", "500"},
      {"TUNDRA_DNS64_LOG_QUERIES", "on"},
      {"TUNDRA_DNS64_UPSTREAM_TIMEOUT_MS", "700"},
      {"TUNDRA_DNS64_QUERY_TIMEOUT_MS", "2100"},
      {"TUNDRA_DNS64_TCP_IDLE_TIMEOUT_MS", "5000"},
      {"TUNDRA_DNS64_MAX_TCP_CONNECTIONS", "20"},
      {"TUNDRA_DNS64_MAX_LOOKUPS", "300"},
      // Zones in the order of their numbers, not of the environment.
      {"TUNDRA_DNS64_ZONE10_NAME", "corp.example"},
      {"TUNDRA_DNS64_ZONE10_UPSTREAM", "10.0.0.53,10.0.1.53"},
      {"TUNDRA_DNS64_ZONE2_UPSTREAM", "192.168.88.1"},
      {"TUNDRA_DNS64_ZONE2_DNS64", "no"},
      {"TUNDRA_DNS64_ZONE2_NAME", "home.arpa"},
  };
  const Config from_file = load_toml(toml);
  const Config from_env = load_env(env);
  // format_config_toml prints every key, so equal output is an equal configuration.
  CHECK(tundra::format_config_toml(from_env) == tundra::format_config_toml(from_file));
}

TEST_CASE("Every tundra.toml key has a variable named after it", "[env-config]") {
  // A configuration with a [dns64] table and a zone, so that every key is printed.
  const Config full = load_toml("[translator]\n[dns64]\nupstream = [\"192.0.2.53\"]\n"
                                "[[dns64.zone]]\nname = \"home.arpa\"\n");
  const auto keys = printed_keys(full);
  REQUIRE(keys.size() > 30);
  for (const auto& [table, key] : keys) {
    std::string name;
    if (table == "[translator]" || table == "[daemon]") {
      name = key == "dynamic-pool" ? "TUNDRA_POOL4"
             : key == "ipv4-addr"  ? "TUNDRA_ADDR4"
             : key == "ipv6-addr"  ? "TUNDRA_ADDR6"
                                   : "TUNDRA_" + upper_underscored(key);
    } else if (table == "[dns64]") {
      name = "TUNDRA_DNS64_" + upper_underscored(key);
    } else if (table == "[[dns64.zone]]") {
      name = "TUNDRA_DNS64_ZONE1_" + upper_underscored(key);
    } else {
      FAIL("unexpected table " << table);
    }
    INFO(table << " " << key << " -> " << name);
    tundra::EnvironmentToml out;
    std::string error;
    Environment env = {{name, "x"}};
    if (name.rfind("TUNDRA_DNS64_ZONE1_", 0) == 0 && name != "TUNDRA_DNS64_ZONE1_NAME") {
      env.push_back({"TUNDRA_DNS64_ZONE1_NAME", "home.arpa"});
    }
    const bool ok = tundra::environment_to_toml(env, &out, &error);
    // A value of the wrong type is refused, but never as an unknown variable.
    CHECK(error.find("unknown variable") == std::string::npos);
    if (ok) CHECK(out.text.find(key + " = ") != std::string::npos);
  }
}

TEST_CASE("Messages name the variable, not a line of a file", "[env-config]") {
  CHECK(env_error({{"TUNDRA_MTU", "900"}}).rfind("TUNDRA_MTU: key 'mtu': 900 is below 1280", 0) == 0);
  CHECK(env_error({{"TUNDRA_MTU", "abc"}}) == "TUNDRA_MTU: 'abc' is not an integer");
  CHECK(env_error({{"TUNDRA_WORKERS", "many"}}) == "TUNDRA_WORKERS: 'many' is not an integer or \"auto\"");
  CHECK(env_error({{"TUNDRA_WKPF_STRICT", "maybe"}}) ==
        "TUNDRA_WKPF_STRICT: 'maybe' is not true or false (also yes/no, on/off, 1/0)");
  CHECK(env_error({{"TUNDRA_POOL4", "192.168.0.0/8"}}).rfind("TUNDRA_POOL4: key 'dynamic-pool': ", 0) == 0);
  CHECK(env_error({{"TUNDRA_DNS64_UPSTREAM", "dns.example"}}) ==
        "TUNDRA_DNS64_UPSTREAM: key 'dns64.upstream': 'dns.example' is not an address[:port]");
  // A key missing from a table is blamed on the variable that would set it.
  CHECK(env_error({{"TUNDRA_DNS64_LISTEN", "127.0.0.1:5353"}}).rfind("TUNDRA_DNS64_UPSTREAM: key 'dns64.upstream': missing", 0) ==
        0);
  // Relations between translator keys (Translator::create) too.
  CHECK(env_error({{"TUNDRA_ADDR6", "64:ff9b::1"}}).rfind("TUNDRA_ADDR6: key 'ipv6-addr': ", 0) == 0);
  // Zone keys point at their own zone's variable.
  CHECK(env_error({{"TUNDRA_DNS64_UPSTREAM", "192.0.2.53"},
                   {"TUNDRA_DNS64_ZONE3_NAME", "home.arpa"},
                   {"TUNDRA_DNS64_ZONE3_UPSTREAM", "router.home.arpa"}})
            .rfind("TUNDRA_DNS64_ZONE3_UPSTREAM: key 'dns64.zone.upstream': ", 0) == 0);
  CHECK(env_error({{"TUNDRA_DNS64_UPSTREAM", "192.0.2.53"}, {"TUNDRA_DNS64_ZONE1_DNS64", "false"}}) ==
        "TUNDRA_DNS64_ZONE1_DNS64: set, but TUNDRA_DNS64_ZONE1_NAME is not: a [[dns64.zone]] needs its name");
  // A value cannot break out of its TOML string.
  CHECK(env_error({{"TUNDRA_TUN_DEVICE", "a\"\n[daemon]\nuser = \"root"}}).rfind("TUNDRA_TUN_DEVICE: key 'tun-device': ", 0) ==
        0);
}

TEST_CASE("An unknown TUNDRA_ variable is refused with the name it was meant to be", "[env-config]") {
  CHECK(env_error({{"TUNDRA_DYNAMIC_POOL", "10.0.0.0/24"}}) ==
        "TUNDRA_DYNAMIC_POOL: unknown variable; it is called TUNDRA_POOL4");
  CHECK(env_error({{"TUNDRA_IPV6_ADDR", "2001:db8::1"}}) == "TUNDRA_IPV6_ADDR: unknown variable; it is called TUNDRA_ADDR6");
  CHECK(env_error({{"TUNDRA_PREFX", "64:ff9b::/96"}}) == "TUNDRA_PREFX: unknown variable; did you mean TUNDRA_PREFIX?");
  CHECK(env_error({{"TUNDRA_DNS64_UPSTREAMS", "192.0.2.53"}}) ==
        "TUNDRA_DNS64_UPSTREAMS: unknown variable; did you mean TUNDRA_DNS64_UPSTREAM?");
  CHECK(env_error({{"TUNDRA_SOMETHING_ELSE_ENTIRELY", "1"}}).find("unknown variable") != std::string::npos);
  CHECK(env_error({{"TUNDRA_DNS64_ZONE0_NAME", "x"}}).find("unknown variable") != std::string::npos);
}

TEST_CASE("Lists are comma-separated, with blanks ignored, and an empty value is an empty list", "[env-config]") {
  const Config c = load_env({{"TUNDRA_DNS64_UPSTREAM", " 192.0.2.1 ,,192.0.2.2, "}, {"TUNDRA_DNS64_EXCLUDE", ""}});
  REQUIRE(c.dns64);
  CHECK(c.dns64->upstreams.size() == 2);
  CHECK(c.dns64->exclude.empty());
  CHECK(env_error({{"TUNDRA_DNS64_UPSTREAM", ""}}).rfind("TUNDRA_DNS64_UPSTREAM: key 'dns64.upstream': ", 0) == 0);
}

TEST_CASE("An empty string variable sets the key to \"\", which means none", "[env-config]") {
  const Config c = load_env({{"TUNDRA_HTTP_LISTEN", ""}, {"TUNDRA_CONTROL_SOCKET", ""}});
  CHECK(c.http_listen.empty());
  CHECK(c.control_socket.empty());
  CHECK(c.translator_enabled);
}

TEST_CASE("TUNDRA_TRANSLATOR=off runs the DNS64 alone, and only the DNS64", "[env-config]") {
  const Config c = load_env({{"TUNDRA_TRANSLATOR", "off"}, {"TUNDRA_DNS64_UPSTREAM", "192.0.2.53"},
                             {"TUNDRA_DNS64_LISTEN", "127.0.0.1:5353"}});
  CHECK_FALSE(c.translator_enabled);
  REQUIRE(c.dns64);
  CHECK(c.dns64->prefix->to_string() == "64:ff9b::/96");
  CHECK(load_env({{"TUNDRA_TRANSLATOR", "on"}, {"TUNDRA_DNS64_UPSTREAM", "192.0.2.53"}}).translator_enabled);
  CHECK(env_error({{"TUNDRA_TRANSLATOR", "off"}, {"TUNDRA_DNS64_UPSTREAM", "192.0.2.53"}, {"TUNDRA_POOL4", "10.0.0.0/24"}}) ==
        "TUNDRA_POOL4: set, but TUNDRA_TRANSLATOR=off runs no translator; unset one of them");
  CHECK(env_error({{"TUNDRA_TRANSLATOR", "off"}}).rfind("TUNDRA_TRANSLATOR: off, but no TUNDRA_DNS64_* variable", 0) == 0);
  CHECK(env_error({{"TUNDRA_TRANSLATOR", "dns64"}}).rfind("TUNDRA_TRANSLATOR: 'dns64' is not on or off", 0) == 0);
}

TEST_CASE("The text written for the daemon loads back to the same configuration", "[env-config]") {
  char dir_template[] = "/tmp/tundra-env-test-XXXXXX";
  const char* dir = mkdtemp(dir_template);
  REQUIRE(dir != nullptr);
  const std::string runtime = std::string(dir) + "/run";
  REQUIRE(setenv("RUNTIME_DIRECTORY", runtime.c_str(), 1) == 0);

  const Environment env = {{"TUNDRA_POOL4", "10.1.0.0/24"}, {"TUNDRA_DNS64_UPSTREAM", "192.0.2.53"},
                           {"TUNDRA_DNS64_ZONE1_NAME", "home.arpa"}, {"TUNDRA_DNS64_ZONE1_DNS64", "false"}};
  Config from_env;
  std::string toml, error, path;
  REQUIRE(tundra::load_environment_config(env, &from_env, &toml, &error));
  REQUIRE(tundra::write_environment_config(toml, &path, &error));
  CHECK(path == runtime + "/environment.toml");
  struct stat st {};
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0644);

  Config from_file;
  REQUIRE(tundra::load_config(path, &from_file, &error));
  from_file.source_path.clear();  // the header line names the file
  CHECK(tundra::format_config_toml(from_file) == tundra::format_config_toml(from_env));

  // Written again (a restart with other variables): replaced, not appended.
  REQUIRE(tundra::write_environment_config("[translator]\n", &path, &error));
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(all == "[translator]\n");

  unsetenv("RUNTIME_DIRECTORY");
  unlink(path.c_str());
  rmdir(runtime.c_str());
  rmdir(dir);
}

TEST_CASE("The generated text has one line per variable, so each message can name one", "[env-config]") {
  tundra::EnvironmentToml out;
  std::string error;
  REQUIRE(tundra::environment_to_toml({{"TUNDRA_DNS64_UPSTREAM", "192.0.2.53"}, {"TUNDRA_PREFIX", "64:ff9b::/96"}},
                                      &out, &error));
  CHECK(out.text ==
        "# tundra.toml written from TUNDRA_* environment variables (docs/deployment.md)\n"
        "[translator]\n"
        "prefix = \"64:ff9b::/96\"\n"
        "[daemon]\n"
        "[dns64]\n"
        "upstream = [\"192.0.2.53\"]\n");
  CHECK(out.line_variables ==
        std::vector<std::string>{"", "", "TUNDRA_PREFIX", "", "", "TUNDRA_DNS64_UPSTREAM"});
}
