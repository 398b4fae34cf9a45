// Tests for cli/config: tundra.toml and tayga.conf loading, defaults, equivalence of the
// two formats, format detection, one-line errors, and `check` output that loads back.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "cli/config.h"
#include "translator/rfc6052.h"

namespace {

using tundra::Config;
using tundra::ConfigFormat;
using tundra::TranslatorConfig;
using tundra::UdpZeroChecksum;

// TranslatorConfig has no operator==; compare field by field, naming the first difference.
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

// The daemon settings that both formats can express (the [translator] keys of cli/config.h).
std::string first_translator_side_difference(const Config& a, const Config& b) {
  if (auto d = first_difference(a.translator, b.translator); !d.empty()) return d;
  if (a.workers != b.workers) return "workers";
  if (a.configure_interface != b.configure_interface) return "configure-interface";
  if (a.tun_ips != b.tun_ips) return "tun-ip";
  if (a.tun_routes != b.tun_routes) return "tun-route";
  if (a.map_file != b.map_file) return "map-file";
  if (a.log_categories != b.log_categories) return "log";
  return "";
}

// Every setting of a Config (all but source_path, format and warnings).
std::string first_difference(const Config& a, const Config& b) {
  if (auto d = first_translator_side_difference(a, b); !d.empty()) return d;
  if (a.control_socket != b.control_socket) return "control-socket";
  if (a.http_listen != b.http_listen) return "http-listen";
  if (a.log_level != b.log_level) return "log-level";
  if (a.user != b.user) return "user";
  if (a.group != b.group) return "group";
  if (a.pid_file != b.pid_file) return "pid-file";
  return "";
}

Config load_ok(const std::string& text, const std::string& path = "tundra.toml",
               ConfigFormat format = ConfigFormat::kAuto) {
  Config c;
  std::string error;
  bool ok = tundra::load_config_text(text, path, &c, &error, format);
  INFO(error);
  REQUIRE(ok);
  return c;
}

std::string load_error(const std::string& text, const std::string& path = "tundra.toml") {
  Config c;
  std::string error;
  REQUIRE_FALSE(tundra::load_config_text(text, path, &c, &error));
  CHECK(error.find('\n') == std::string::npos);
  return error;
}

tundra::Ipv4Prefix v4p(const char* s) { return *tundra::Ipv4Prefix::parse(s); }
tundra::Ipv6Prefix v6p(const char* s) { return *tundra::Ipv6Prefix::parse(s); }

const std::string kData = std::string(TUNDRA_SOURCE_DIR) + "/tests/cli/data/";

}  // namespace

TEST_CASE("An empty tundra.toml loads the defaults of translator/config.h", "[config]") {
  Config c = load_ok("");
  CHECK(first_difference(c.translator, TranslatorConfig{}) == "");
  CHECK(first_difference(c, Config{}) == "");
  CHECK(c.format == ConfigFormat::kToml);
  CHECK(load_ok("[translator]\n").translator.prefix == tundra::Rfc6052Prefix::well_known());
  CHECK(first_difference(load_ok("[translator]\n[daemon]\n"), Config{}) == "");
}

TEST_CASE("The daemon settings default as documented", "[config]") {
  Config c = load_ok("");
  CHECK(c.workers == 0u);  // one per online CPU
  CHECK(c.configure_interface);
  CHECK(c.tun_ips.empty());
  CHECK(c.tun_routes.empty());
  CHECK(c.map_file.empty());
  CHECK(c.log_categories.empty());
  CHECK(c.control_socket == "/run/tundra/control.sock");
  CHECK(c.http_listen == "127.0.0.1:8080");
  CHECK(c.log_level == "info");
  CHECK(c.user.empty());
  CHECK(c.group.empty());
  CHECK(c.pid_file.empty());
}

TEST_CASE("Every [translator] key of tundra.toml sets its field", "[config]") {
  Config c = load_ok(R"(
[translator]
tun-device = "xlat0"
ipv4-addr = "192.0.2.1"
ipv6-addr = "2001:db8::1"
prefix = "2001:db8:64::/64"
wkpf-strict = true
dynamic-pool = "198.51.100.0/24"
dynamic-dormant-after = 600
dynamic-free-after = 86400
data-dir = "/var/lib/tundra"
map = ["192.0.2.10 2001:db8:1::10", "203.0.113.0/24 2001:db8:2::/104"]
mtu = 9000
lowest-ipv6-mtu = 1500
udp-zero-checksum = "icmp"
rfc6791-pool4 = "192.0.2.128/25"
rfc6791-pool6 = "2001:db8:ffff::/48"
workers = 8
configure-interface = false
tun-ip = ["192.0.2.1/24", "2001:db8::1/64", "192.0.2.2"]
tun-route = ["64:ff9b::/96", "198.51.100.0/24", "203.0.113.9"]
map-file = "/etc/tundra/maps"
log = ["self", "drop", "icmp", "reject", "dyn", "drop"]
)");
  CHECK(c.workers == 8u);
  CHECK_FALSE(c.configure_interface);
  REQUIRE(c.tun_ips.size() == 3);
  CHECK(c.tun_ips[0].to_string() == "192.0.2.1/24");
  CHECK(c.tun_ips[1].to_string() == "2001:db8::1/64");
  CHECK(c.tun_ips[2].to_string() == "192.0.2.2/32");
  REQUIRE(c.tun_routes.size() == 3);
  CHECK(c.tun_routes[0] == tundra::IpPrefix{v6p("64:ff9b::/96")});
  CHECK(c.tun_routes[1] == tundra::IpPrefix{v4p("198.51.100.0/24")});
  CHECK(c.tun_routes[2] == tundra::IpPrefix{v4p("203.0.113.9/32")});
  CHECK(c.map_file == "/etc/tundra/maps");
  // In the order given, each once.
  CHECK(c.log_categories == std::vector<std::string>{"self", "drop", "icmp", "reject", "dyn"});
  const TranslatorConfig& t = c.translator;
  CHECK(t.tun_device == "xlat0");
  CHECK(t.ipv4_addr == *tundra::Ipv4Address::parse("192.0.2.1"));
  CHECK(t.ipv6_addr == tundra::Ipv6Address::parse("2001:db8::1"));
  CHECK(t.prefix == tundra::Rfc6052Prefix::parse("2001:db8:64::/64"));
  CHECK(t.wkpf_strict);
  CHECK(t.dynamic_pool == v4p("198.51.100.0/24"));
  CHECK(t.dynamic_dormant_after == 600);
  CHECK(t.dynamic_free_after == 86400);
  CHECK(t.data_dir == "/var/lib/tundra");
  REQUIRE(t.maps.size() == 2);
  CHECK(t.maps[0] == tundra::EamEntry{v4p("192.0.2.10/32"), v6p("2001:db8:1::10/128")});
  CHECK(t.maps[1] == tundra::EamEntry{v4p("203.0.113.0/24"), v6p("2001:db8:2::/104")});
  CHECK(t.mtu == 9000);
  CHECK(t.lowest_ipv6_mtu == 1500);
  CHECK(t.udp_zero_checksum == UdpZeroChecksum::kIcmp);
  CHECK(t.rfc6791_pool4 == v4p("192.0.2.128/25"));
  CHECK(t.rfc6791_pool6 == v6p("2001:db8:ffff::/48"));
}

TEST_CASE("Every [daemon] key of tundra.toml sets its field", "[config]") {
  Config c = load_ok(R"(
[daemon]
control-socket = "/run/nat64/ctl"
http-listen = "[2001:db8::1]:9464"
log-level = "warn"
user = "tundra"
group = "nogroup"
pid-file = "/run/tundra.pid"
)");
  CHECK(c.control_socket == "/run/nat64/ctl");
  CHECK(c.http_listen == "[2001:db8::1]:9464");
  CHECK(c.log_level == "warn");
  CHECK(c.user == "tundra");
  CHECK(c.group == "nogroup");
  CHECK(c.pid_file == "/run/tundra.pid");
  // Empty strings switch off the socket, the listener and the PID file; numeric ids are fine.
  c = load_ok("[daemon]\ncontrol-socket = \"\"\nhttp-listen = \"\"\nuser = \"998\"\ngroup = \"0\"\npid-file = \"\"\n");
  CHECK(c.control_socket.empty());
  CHECK(c.http_listen.empty());
  CHECK(c.pid_file.empty());
  CHECK(c.user == "998");
  CHECK(c.group == "0");
  CHECK(load_ok("[daemon]\nuser = \"svc_Tundra.1-x$\"\n").user == "svc_Tundra.1-x$");
  for (const char* level : {"error", "warn", "info", "debug"}) {
    INFO(level);
    CHECK(load_ok(std::string("[daemon]\nlog-level = \"") + level + "\"\n").log_level == level);
  }
}

TEST_CASE("workers is 1..64 or \"auto\" (0 in Config: one per online CPU)", "[config]") {
  CHECK(load_ok("[translator]\nworkers = 1\n").workers == 1u);
  CHECK(load_ok("[translator]\nworkers = 64\n").workers == 64u);
  CHECK(load_ok("[translator]\nworkers = 3\nmtu = 1500\n").workers == 3u);
  CHECK(load_ok("[translator]\nworkers = \"auto\"\n").workers == 0u);
}

TEST_CASE("A relative map-file is resolved against data-dir, in either order", "[config]") {
  CHECK(load_ok("[translator]\nmap-file = \"maps\"\ndata-dir = \"/var/lib/tundra\"\n").map_file ==
        "/var/lib/tundra/maps");
  CHECK(load_ok("[translator]\ndata-dir = \"/var/lib/tundra/\"\nmap-file = \"sub/maps\"\n").map_file ==
        "/var/lib/tundra/sub/maps");
  CHECK(load_ok("[translator]\nmap-file = \"/etc/maps\"\n").map_file == "/etc/maps");
  CHECK(load_ok("[translator]\nmap-file = \"\"\n").map_file.empty());
  CHECK(load_error("[translator]\nmtu = 1500\nmap-file = \"maps\"\n") ==
        "tundra.toml:3: key 'map-file': 'maps' is a relative path and there is no data-dir to resolve it against");
}

TEST_CASE("http-listen takes a numeric IPv4:port or [IPv6]:port", "[config]") {
  for (const char* good : {"127.0.0.1:8080", "0.0.0.0:1", "[::]:65535", "[::1]:9100", "[2001:db8::1]:80",
                           "[::ffff:192.0.2.1]:80"}) {
    INFO(good);
    CHECK(load_ok(std::string("[daemon]\nhttp-listen = \"") + good + "\"\n").http_listen == good);
  }
  for (const char* bad : {"127.0.0.1", "127.0.0.1:", "127.0.0.1:0", "127.0.0.1:65536", "127.0.0.1:80x",
                          "localhost:80", "::1:80", "[::1]", "[::1]80", "[::1:80", "[192.0.2.1]:80", ":80",
                          "127.0.0.1:+80", "127.0.0.1:-1", "[fe80::1%eth0]:80", " 127.0.0.1:80"}) {
    INFO(bad);
    CHECK(load_error(std::string("[daemon]\nhttp-listen = \"") + bad + "\"\n")
              .rfind("tundra.toml:2: key 'http-listen': '" + std::string(bad) + "'", 0) == 0);
  }
}

TEST_CASE("Empty strings switch off the optional addresses and prefixes", "[config]") {
  Config c = load_ok(R"([translator]
ipv6-addr = ""
prefix = ""
dynamic-pool = ""
rfc6791-pool4 = ""
rfc6791-pool6 = ""
)");
  CHECK_FALSE(c.translator.ipv6_addr);
  CHECK_FALSE(c.translator.prefix);
  CHECK_FALSE(c.translator.dynamic_pool);
  CHECK_FALSE(c.translator.rfc6791_pool4);
  CHECK_FALSE(c.translator.rfc6791_pool6);
}

TEST_CASE("offlink-mtu is an alias of lowest-ipv6-mtu, and giving both is refused", "[config]") {
  CHECK(load_ok("[translator]\nofflink-mtu = 1400\n").translator.lowest_ipv6_mtu == 1400);
  CHECK(load_error("[translator]\nlowest-ipv6-mtu = 1400\nofflink-mtu = 1300\n") ==
        "tundra.toml:3: key 'offlink-mtu': sets the same value as 'lowest-ipv6-mtu' on line 2; give only one");
}

TEST_CASE("Bad values in tundra.toml name the file, the line and the key", "[config]") {
  struct Case {
    std::string text;
    const char* error;  // nullptr: computed in the loop
  };
  const Case cases[] = {
      {"[translator]\nmtu = 1279\n", "tundra.toml:2: key 'mtu': 1279 is below 1280 (allowed: 1280..65535 bytes)"},
      {"[translator]\nmtu = 70000\n", "tundra.toml:2: key 'mtu': 70000 is above 65535 (allowed: 1280..65535 bytes)"},
      {"[translator]\nmtu = \"1500\"\n", "tundra.toml:2: key 'mtu': expected an integer, got a string"},
      {"[translator]\n\nprefix = \"64:ff9b::/95\"\n",
       "tundra.toml:3: key 'prefix': '64:ff9b::/95': /95 is not an RFC 6052 length (32, 40, 48, 56, 64, 96)"},
      {"[translator]\nprefix = \"2001:db8::1/96\"\n",
       "tundra.toml:2: key 'prefix': '2001:db8::1/96' has host bits set (did you mean 2001:db8::/96?)"},
      {"[translator]\nprefix = \"2001:db8::\"\n",
       "tundra.toml:2: key 'prefix': '2001:db8::' needs a prefix length (address/length)"},
      {"[translator]\nprefix = \"2001:db8:0:0:ff00::/96\"\n",
       "tundra.toml:2: key 'prefix': '2001:db8:0:0:ff00::/96': bits 64..71 (the u octet) must be zero (RFC 6052 §2.2)"},
      {"[translator]\nprefix = false\n", "tundra.toml:2: key 'prefix': expected a string (\"\" for none), got a boolean"},
      {"[translator]\nipv4-addr = \"192.0.2.256\"\n", "tundra.toml:2: key 'ipv4-addr': '192.0.2.256' is not an IPv4 address"},
      {"[translator]\nipv6-addr = \"192.0.2.1\"\n", "tundra.toml:2: key 'ipv6-addr': '192.0.2.1' is not an IPv6 address"},
      {"[translator]\nwkpf-strict = \"yes\"\n", "tundra.toml:2: key 'wkpf-strict': expected true or false, got a string"},
      {"[translator]\ndynamic-pool = \"10.0.0.0/8\"\n",
       "tundra.toml:2: key 'dynamic-pool': '10.0.0.0/8' is larger than /16 (the largest pool tundra keeps)"},
      {"[translator]\ndynamic-pool = \"10.0.0.1/32\"\n",
       "tundra.toml:2: key 'dynamic-pool': '10.0.0.1/32' leaves no address to lend (at most /31)"},
      {"[translator]\ndynamic-dormant-after = 0\n",
       "tundra.toml:2: key 'dynamic-dormant-after': 0 is not a positive number of seconds"},
      {"[translator]\ndynamic-free-after = -5\n",
       "tundra.toml:2: key 'dynamic-free-after': -5 is not a positive number of seconds"},
      {"[translator]\ndata-dir = \"var/lib\"\n", "tundra.toml:2: key 'data-dir': 'var/lib' is not an absolute path"},
      {"[translator]\nmap = [\n  \"192.0.2.1 2001:db8::1\",\n  \"192.0.2.2\",\n]\n",
       "tundra.toml:4: key 'map': '192.0.2.2' is not \"IPv4[/len] IPv6[/len]\""},
      {"[translator]\nmap = [\"192.0.2.0/24 2001:db8::/124\"]\n",
       "tundra.toml:2: key 'map': '192.0.2.0/24 2001:db8::/124': the IPv6 side has 4 suffix bits, fewer than "
       "the IPv4 side's 8 (RFC 7757 §3.2)"},
      {"[translator]\nmap = \"192.0.2.1 2001:db8::1\"\n",
       "tundra.toml:2: key 'map': expected an array of \"IPv4[/len] IPv6[/len]\" strings, got a string"},
      {"[translator]\nudp-zero-checksum = \"fwd\"\n",
       "tundra.toml:2: key 'udp-zero-checksum': 'fwd' is not one of calc, icmp, drop"},
      {"[translator]\nrfc6791-pool4 = \"192.0.2.0/33\"\n",
       "tundra.toml:2: key 'rfc6791-pool4': '192.0.2.0/33': '/33' is not a prefix length (0..32)"},
      {"[translator]\ntun-device = \"a-very-long-interface\"\n",
       "tundra.toml:2: key 'tun-device': 'a-very-long-interface' is longer than 15 characters"},
      {"[translator]\ntun-device = \"a/b\"\n", "tundra.toml:2: key 'tun-device': 'a/b' is not a valid interface name"},
      // Daemon settings in [translator].
      {"[translator]\nworkers = 0\n",
       "tundra.toml:2: key 'workers': 0 is outside 1..64 (\"auto\" = one per online CPU)"},
      {"[translator]\nworkers = 65\n",
       "tundra.toml:2: key 'workers': 65 is outside 1..64 (\"auto\" = one per online CPU)"},
      {"[translator]\nworkers = -1\n",
       "tundra.toml:2: key 'workers': -1 is outside 1..64 (\"auto\" = one per online CPU)"},
      {"[translator]\nworkers = \"4\"\n", "tundra.toml:2: key 'workers': '4' is not \"auto\" or an integer 1..64"},
      {"[translator]\nworkers = 2.5\n",
       "tundra.toml:2: key 'workers': expected an integer 1..64 or \"auto\", got a floating-point number"},
      {"[translator]\nconfigure-interface = \"yes\"\n",
       "tundra.toml:2: key 'configure-interface': expected true or false, got a string"},
      {"[translator]\ntun-ip = \"192.0.2.1/24\"\n",
       "tundra.toml:2: key 'tun-ip': expected an array of \"address[/length]\" strings, got a string"},
      {"[translator]\ntun-ip = [\n  \"192.0.2.1/24\",\n  \"192.0.2.1/33\",\n]\n",
       "tundra.toml:4: key 'tun-ip': '192.0.2.1/33': '/33' is not a prefix length (0..32)"},
      {"[translator]\ntun-ip = [\"nat64.example\"]\n",
       "tundra.toml:2: key 'tun-ip': 'nat64.example' is not an IPv4 or IPv6 address"},
      {"[translator]\ntun-ip = [24]\n", "tundra.toml:2: key 'tun-ip': expected a string, got an integer"},
      {"[translator]\ntun-route = [\"64:ff9b::1/96\"]\n",
       "tundra.toml:2: key 'tun-route': '64:ff9b::1/96' has host bits set (did you mean 64:ff9b::/96?)"},
      {"[translator]\ntun-route = [\"default\"]\n",
       "tundra.toml:2: key 'tun-route': 'default' is not an IPv4 or IPv6 prefix"},
      {"[translator]\ntun-route = {}\n",
       "tundra.toml:2: key 'tun-route': expected an array of \"prefix[/length]\" strings, got a table"},
      {"[translator]\nmap-file = false\n",
       "tundra.toml:2: key 'map-file': expected a string (\"\" for none), got a boolean"},
      {"[translator]\nlog = [\"drop\", \"chatty\"]\n",
       "tundra.toml:2: key 'log': 'chatty' is not one of drop, reject, icmp, self, dyn"},
      {"[translator]\nlog = [\"DROP\"]\n", "tundra.toml:2: key 'log': 'DROP' is not one of drop, reject, icmp, self, dyn"},
      {"[translator]\nlog = \"drop\"\n", "tundra.toml:2: key 'log': expected an array of category strings, got a string"},
      // [daemon].
      {"[daemon]\ncontrol-socket = \"tundra.sock\"\n",
       "tundra.toml:2: key 'control-socket': 'tundra.sock' is not an absolute path"},
      {"[daemon]\ncontrol-socket = \"/" + std::string(107, 'x') + "\"\n",
       nullptr},  // filled in below: 108 bytes
      {"[daemon]\ncontrol-socket = 1\n",
       "tundra.toml:2: key 'control-socket': expected a string (\"\" for none), got an integer"},
      {"[daemon]\nhttp-listen = \"localhost:8080\"\n",
       "tundra.toml:2: key 'http-listen': 'localhost:8080': 'localhost' is not an IPv4 address (addresses are numeric)"},
      {"[daemon]\nhttp-listen = \"::1:8080\"\n",
       "tundra.toml:2: key 'http-listen': '::1:8080': an IPv6 address needs brackets, as in [::1]:8080"},
      {"[daemon]\nhttp-listen = \"[::1]\"\n", "tundra.toml:2: key 'http-listen': '[::1]' is not [IPv6]:port"},
      {"[daemon]\nhttp-listen = \"[::g]:80\"\n",
       "tundra.toml:2: key 'http-listen': '[::g]:80': '::g' is not an IPv6 address"},
      {"[daemon]\nhttp-listen = \"8080\"\n",
       "tundra.toml:2: key 'http-listen': '8080' has no port (IPv4:port or [IPv6]:port)"},
      {"[daemon]\nhttp-listen = \"0.0.0.0:0\"\n",
       "tundra.toml:2: key 'http-listen': '0.0.0.0:0': '0' is not a port (1..65535)"},
      {"[daemon]\nhttp-listen = \"[::]:65536\"\n",
       "tundra.toml:2: key 'http-listen': '[::]:65536': '65536' is not a port (1..65535)"},
      {"[daemon]\nhttp-listen = 8080\n",
       "tundra.toml:2: key 'http-listen': expected a string (\"\" for none), got an integer"},
      {"[daemon]\nlog-level = \"verbose\"\n",
       "tundra.toml:2: key 'log-level': 'verbose' is not one of error, warn, info, debug"},
      {"[daemon]\nlog-level = \"INFO\"\n", "tundra.toml:2: key 'log-level': 'INFO' is not one of error, warn, info, debug"},
      {"[daemon]\nlog-level = \"\"\n", "tundra.toml:2: key 'log-level': '' is not one of error, warn, info, debug"},
      {"[daemon]\nuser = \"nobody:nogroup\"\n",
       "tundra.toml:2: key 'user': 'nobody:nogroup' is not a user or group name (letters, digits, '.', '_', '-') "
       "or a numeric id"},
      {"[daemon]\nuser = \"-u\"\n",
       "tundra.toml:2: key 'user': '-u' is not a user or group name (letters, digits, '.', '_', '-') or a numeric id"},
      {"[daemon]\nuser = 65534\n", "tundra.toml:2: key 'user': expected a string (\"\" to stay root), got an integer"},
      {"[daemon]\ngroup = \"4294967295\"\n",
       "tundra.toml:2: key 'group': '4294967295' is not a valid numeric id (0..4294967294)"},
      {"[daemon]\ngroup = \"99999999999\"\n",
       "tundra.toml:2: key 'group': '99999999999' is not a valid numeric id (0..4294967294)"},
      {"[daemon]\npid-file = \"tundra.pid\"\n", "tundra.toml:2: key 'pid-file': 'tundra.pid' is not an absolute path"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    std::string expected = c.error ? c.error
                                   : "tundra.toml:2: key 'control-socket': '/" + std::string(107, 'x') +
                                         "' is longer than 107 bytes (the limit of a Unix socket path)";
    CHECK(load_error(c.text) == expected);
  }
  // 107 bytes is the longest that fits.
  CHECK(load_ok("[daemon]\ncontrol-socket = \"/" + std::string(106, 'x') + "\"\n").control_socket.size() == 107);
}

TEST_CASE("Unknown keys and tables in tundra.toml are refused", "[config]") {
  CHECK(load_error("[translator]\nmtu = 1500\nmut = 1500\n") ==
        "tundra.toml:3: key 'mut': unknown key in [translator]; did you mean 'mtu'?");
  CHECK(load_error("[translator]\nfrobnicate = 1\n") == "tundra.toml:2: key 'frobnicate': unknown key in [translator]");
  CHECK(load_error("[translator]\nudp-cksum-mode = \"drop\"\n") ==
        "tundra.toml:2: key 'udp-cksum-mode': unknown key in [translator]; tundra.toml calls it 'udp-zero-checksum'");
  CHECK(load_error("[translator]\ntun-up = true\n") ==
        "tundra.toml:2: key 'tun-up': unknown key in [translator]; tundra.toml calls it 'configure-interface' "
        "(which also sets the MTU and adds the routes)");
  CHECK(load_error("[translator]\nstrict-frag-hdr = true\n") ==
        "tundra.toml:2: key 'strict-frag-hdr': unknown key in [translator]; it is a deprecated tayga.conf "
        "directive with no effect");
  CHECK(load_error("[translator]\nworker = 2\n") ==
        "tundra.toml:2: key 'worker': unknown key in [translator]; did you mean 'workers'?");
  CHECK(load_error("[translator]\nuser = \"tundra\"\n") ==
        "tundra.toml:2: key 'user': unknown key in [translator]; it belongs in [daemon]");
  CHECK(load_error("[daemon]\nworkers = 2\n") ==
        "tundra.toml:2: key 'workers': unknown key in [daemon]; it belongs in [translator]");
  CHECK(load_error("[daemon]\npidfile = \"/run/t.pid\"\n") ==
        "tundra.toml:2: key 'pidfile': unknown key in [daemon]; did you mean 'pid-file'?");
  CHECK(load_error("[daemon]\nchroot = true\n") == "tundra.toml:2: key 'chroot': unknown key in [daemon]");
  CHECK(load_error("[translator]\n\n[dns64]\nprefix = \"64:ff9b::/96\"\n") ==
        "tundra.toml:3: table [dns64] is not supported (tundra.toml has only [translator] and [daemon] so far)");
  CHECK(load_error("mtu = 1500\n") ==
        "tundra.toml:1: key 'mtu': unknown top-level key; translator settings belong in [translator]");
  CHECK(load_error("log-level = \"debug\"\n") ==
        "tundra.toml:1: key 'log-level': unknown top-level key; daemon settings belong in [daemon]");
  CHECK(load_error("verbose = true\n") ==
        "tundra.toml:1: key 'verbose': unknown top-level key; settings belong in [translator] or [daemon]");
  CHECK(load_error("translator = 1\n") == "tundra.toml:1: key 'translator': expected a table, got an integer");
  CHECK(load_error("daemon = \"yes\"\n") == "tundra.toml:1: key 'daemon': expected a table, got a string");
  CHECK(load_error("[daemon]\nuser = \"a\"\n[daemon.x]\n").rfind("tundra.toml:", 0) == 0);
}

TEST_CASE("TOML syntax errors give FILE:LINE:COL", "[config]") {
  CHECK(load_error("[translator]\nmtu = = 1\n").rfind("tundra.toml:2:", 0) == 0);
  CHECK(load_error("[translator]\nmtu = 1\nmtu = 2\n").rfind("tundra.toml:3:", 0) == 0);
}

TEST_CASE("A tayga.conf starts from Tayga's defaults: no prefix, no pool, zero checksums dropped", "[config][tayga]") {
  Config c = load_ok("tun-device nat64\nipv4-addr 192.168.255.1\n", "tayga.conf");
  CHECK(c.format == ConfigFormat::kTayga);
  CHECK_FALSE(c.translator.prefix);
  CHECK_FALSE(c.translator.dynamic_pool);
  CHECK(c.translator.udp_zero_checksum == UdpZeroChecksum::kDrop);
  CHECK_FALSE(c.translator.wkpf_strict);
  CHECK(c.translator.lowest_ipv6_mtu == 1280);
  CHECK(c.translator.mtu == TranslatorConfig{}.mtu);
}

TEST_CASE("A tayga.conf leaves the TUN alone without tun-up yes and opens no TCP port", "[config][tayga]") {
  const std::string head = "tun-device nat64\nipv4-addr 192.168.255.1\n";
  Config c = load_ok(head, "tayga.conf");
  CHECK_FALSE(c.configure_interface);  // Tayga 0.9.2 never configured the TUN
  CHECK(c.http_listen.empty());
  CHECK(c.workers == 0u);  // Tayga's default too: one per online CPU
  CHECK(c.control_socket == "/run/tundra/control.sock");
  CHECK(c.log_level == "info");
  CHECK(c.user.empty());
  CHECK(c.group.empty());
  CHECK(c.pid_file.empty());
  CHECK(c.map_file.empty());
  CHECK(c.log_categories.empty());
  CHECK(load_ok(head + "tun-up yes\n", "tayga.conf").configure_interface);
  CHECK_FALSE(load_ok(head + "tun-up off\n", "tayga.conf").configure_interface);
  // tun-ip and tun-route do not imply tun-up (they are applied either way).
  CHECK_FALSE(load_ok(head + "tun-ip 192.168.255.1/24\ntun-route 64:ff9b::/96\n", "tayga.conf").configure_interface);
}

TEST_CASE("Tayga's workers 0 (its single-threaded loop) loads as one worker", "[config][tayga]") {
  const std::string head = "tun-device nat64\nipv4-addr 192.168.255.1\n";
  Config c = load_ok(head + "workers 0\n", "tayga.conf");
  CHECK(c.workers == 1u);
  CHECK(c.warnings.empty());
  CHECK(load_ok(head + "workers 1\n", "tayga.conf").workers == 1u);
  CHECK(load_ok(head + "workers 64\n", "tayga.conf").workers == 64u);
}

TEST_CASE("Tayga's map-file is resolved against data-dir", "[config][tayga]") {
  const std::string head = "tun-device nat64\nipv4-addr 192.168.255.1\n";
  CHECK(load_ok(head + "map-file maps.conf\ndata-dir /var/lib/tayga\n", "tayga.conf").map_file ==
        "/var/lib/tayga/maps.conf");
  CHECK(load_ok(head + "map-file /etc/tayga/maps.conf\n", "tayga.conf").map_file == "/etc/tayga/maps.conf");
  CHECK(load_error(head + "map-file maps.conf\n", "tayga.conf") ==
        "tayga.conf:3: directive 'map-file': 'maps.conf' is a relative path and there is no data-dir to resolve it "
        "against");
}

TEST_CASE("The same settings in tundra.toml and tayga.conf load to equal translator configurations",
          "[config][tayga]") {
  Config toml;
  Config tayga;
  std::string error;
  REQUIRE(tundra::load_config(kData + "full.toml", &toml, &error));
  INFO(error);
  REQUIRE(tundra::load_config(kData + "tayga-equivalent.conf", &tayga, &error));
  CHECK(toml.format == ConfigFormat::kToml);
  CHECK(tayga.format == ConfigFormat::kTayga);
  CHECK(first_translator_side_difference(toml, tayga) == "");
  CHECK(tayga.translator.maps.size() == 2);
  CHECK(tayga.workers == 4u);
  CHECK(tayga.tun_ips.size() == 2);
  CHECK(tayga.map_file == "/var/lib/tundra/extra.map");
}

TEST_CASE("tayga.conf accepts every directive, comments, any case and CRLF line ends", "[config][tayga]") {
  Config c = load_ok(
      "# a comment\r\n"
      "TUN-DEVICE nat64   # trailing comment\r\n"
      "ipv4-addr 192.168.255.1\r\n"
      "\tprefix 64:ff9b::/96\r\n"
      "wkpf-strict off\n"
      "dynamic-pool 192.168.255.0/24\n"
      "data-dir /var/db/tayga\n"
      "map 192.168.255.2 2001:db8::2\n"
      "map 192.168.255.3 2001:db8::3\n"
      "offlink-mtu 1400\n"
      "udp-cksum-mode calc\n"
      "strict-frag-hdr on\n"
      "log drop ICMP dyn\n"
      "map-file maps.conf\n"
      "tun-up yes\n"
      "tun-ip 192.168.255.1/24\n"
      "tun-ip 2001:db8::ffff/64\n"
      "tun-route 64:ff9b::/96\n"
      "tun-route 192.168.255.0/24\n"
      "workers 4\n",
      "tayga.conf");
  CHECK(c.translator.tun_device == "nat64");
  CHECK(c.translator.prefix == tundra::Rfc6052Prefix::well_known());
  CHECK_FALSE(c.translator.wkpf_strict);
  CHECK(c.translator.data_dir == "/var/db/tayga");
  CHECK(c.translator.maps.size() == 2);
  CHECK(c.translator.lowest_ipv6_mtu == 1400);
  CHECK(c.translator.udp_zero_checksum == UdpZeroChecksum::kCalc);
  CHECK(c.log_categories == std::vector<std::string>{"drop", "icmp", "dyn"});
  CHECK(c.map_file == "/var/db/tayga/maps.conf");
  CHECK(c.configure_interface);
  REQUIRE(c.tun_ips.size() == 2);
  CHECK(c.tun_ips[0].to_string() == "192.168.255.1/24");
  CHECK(c.tun_ips[1].to_string() == "2001:db8::ffff/64");
  REQUIRE(c.tun_routes.size() == 2);
  CHECK(tundra::ip_prefix_to_string(c.tun_routes[0]) == "64:ff9b::/96");
  CHECK(tundra::ip_prefix_to_string(c.tun_routes[1]) == "192.168.255.0/24");
  CHECK(c.workers == 4u);
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0] == "tayga.conf:12: directive 'strict-frag-hdr': warning: deprecated and ignored "
                         "(RFC 7915 §4 forbids the behaviour it enabled)");
}

TEST_CASE("Tayga's wkpf-strict accepts yes no on off true false 1 0", "[config][tayga]") {
  const std::pair<const char*, bool> words[] = {{"yes", true}, {"no", false},  {"on", true}, {"off", false},
                                                {"true", true}, {"false", false}, {"1", true},  {"0", false},
                                                {"YES", true}};
  for (const auto& [word, value] : words) {
    INFO(word);
    Config c = load_ok(std::string("tun-device t\nipv4-addr 192.0.2.1\nwkpf-strict ") + word + "\n", "tayga.conf");
    CHECK(c.translator.wkpf_strict == value);
  }
}

TEST_CASE("Tayga's udp-cksum-mode fwd loads as calc with a warning", "[config][tayga]") {
  Config c = load_ok("tun-device t\nipv4-addr 192.0.2.1\nudp-cksum-mode fwd\n", "tayga.conf");
  CHECK(c.translator.udp_zero_checksum == UdpZeroChecksum::kCalc);
  REQUIRE(c.warnings.size() == 1);
  CHECK(c.warnings[0].rfind("tayga.conf:3: directive 'udp-cksum-mode': warning: 'fwd' loads as 'calc'", 0) == 0);
}

TEST_CASE("Bad tayga.conf lines name the file, the line and the directive", "[config][tayga]") {
  const std::string head = "tun-device t\nipv4-addr 192.0.2.1\n";
  struct Case {
    std::string text;
    const char* error;
  };
  const Case cases[] = {
      {head + "bogus 1\n", "tayga.conf:3: directive 'bogus': unknown directive"},
      {head + "prefx 64:ff9b::/96\n", "tayga.conf:3: directive 'prefx': unknown directive; did you mean 'prefix'?"},
      {head + "map 192.0.2.2\n", "tayga.conf:3: directive 'map': takes 2 arguments, got 1"},
      {head + "prefix\n", "tayga.conf:3: directive 'prefix': takes 1 argument, got 0"},
      {head + "tun-device u\n", "tayga.conf:3: directive 'tun-device': given twice (first on line 1)"},
      {head + "wkpf-strict maybe\n",
       "tayga.conf:3: directive 'wkpf-strict': 'maybe' is not one of yes, no, on, off, true, false, 1, 0"},
      {head + "udp-cksum-mode icmp\n", "tayga.conf:3: directive 'udp-cksum-mode': 'icmp' is not one of drop, fwd, calc"},
      {head + "offlink-mtu 1000\n", "tayga.conf:3: directive 'offlink-mtu': 1000 is below 1280 (allowed: 1280..65535 bytes)"},
      {head + "offlink-mtu big\n", "tayga.conf:3: directive 'offlink-mtu': 'big' is not an integer"},
      {head + "log drop chatty\n", "tayga.conf:3: directive 'log': 'chatty' is not one of drop, reject, icmp, self, dyn"},
      {head + "workers 65\n", "tayga.conf:3: directive 'workers': 65 is outside 0..64"},
      {head + "workers -1\n", "tayga.conf:3: directive 'workers': -1 is outside 0..64"},
      {head + "tun-up up\n",
       "tayga.conf:3: directive 'tun-up': 'up' is not one of yes, no, on, off, true, false, 1, 0"},
      {head + "tun-route 192.0.2.1/24\n",
       "tayga.conf:3: directive 'tun-route': '192.0.2.1/24' has host bits set (did you mean 192.0.2.0/24?)"},
      {head + "log drop\nlog icmp\n", "tayga.conf:4: directive 'log': given twice (first on line 3)"},
      {head + "user nobody\n", "tayga.conf:3: directive 'user': unknown directive"},
      {head + "tun-ip 192.0.2.1/40\n", "tayga.conf:3: directive 'tun-ip': '192.0.2.1/40': '/40' is not a prefix length (0..32)"},
      {"tun-device t\n", "tayga.conf: directive 'ipv4-addr': missing (tayga.conf requires it)"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(load_error(c.text, "tayga.conf") == c.error);
  }
}

TEST_CASE("The format is TOML for *.toml names, otherwise the first directive decides", "[config]") {
  using tundra::detect_config_format;
  CHECK(detect_config_format("x.toml", "tun-device nat64\n") == ConfigFormat::kToml);
  CHECK(detect_config_format("tayga.conf", "# comment\n\ntun-device nat64\n") == ConfigFormat::kTayga);
  CHECK(detect_config_format("tayga.conf", "  PREFIX 64:ff9b::/96\n") == ConfigFormat::kTayga);
  CHECK(detect_config_format("tundra.conf", "[translator]\ntun-device = \"x\"\n") == ConfigFormat::kToml);
  CHECK(detect_config_format("tundra.conf", "tun-device = \"x\"\n") == ConfigFormat::kToml);
  CHECK(detect_config_format("tundra.conf", "tun-device=x\n") == ConfigFormat::kToml);
  CHECK(detect_config_format("empty", "# nothing\n") == ConfigFormat::kToml);
  // An explicit format wins over detection.
  Config c = load_ok("tun-device t\nipv4-addr 192.0.2.1\n", "x.toml", ConfigFormat::kTayga);
  CHECK(c.translator.tun_device == "t");
}

TEST_CASE("check output is a tundra.toml that loads back to the same configuration", "[config]") {
  std::string error;
  for (const char* file : {"full.toml", "tayga-equivalent.conf", "replay.toml"}) {
    INFO(file);
    Config original;
    REQUIRE(tundra::load_config(kData + file, &original, &error));
    std::string text = tundra::format_config_toml(original);
    INFO(text);
    Config again = load_ok(text, "check-output.toml");
    CHECK(first_difference(original, again) == "");
    // And printing it again gives the same text, apart from the header.
    Config third = load_ok(tundra::format_config_toml(again), "check-output.toml");
    CHECK(tundra::format_config_toml(third) == tundra::format_config_toml(again));
  }
  const char* texts[] = {
      "",
      "[translator]\nprefix = \"\"\nipv6-addr = \"2001:db8::1\"\ndynamic-pool = \"\"\n",
      "[translator]\nworkers = 1\nconfigure-interface = false\ntun-route = [\"::/0\", \"0.0.0.0/0\"]\n"
      "[daemon]\ncontrol-socket = \"\"\nhttp-listen = \"\"\nuser = \"0\"\ngroup = \"wheel\"\n",
      "[daemon]\nhttp-listen = \"[fe80::1]:1\"\nlog-level = \"error\"\npid-file = \"/tmp/weird \\\"name\\\".pid\"\n",
  };
  for (const char* input : texts) {
    INFO(input);
    Config original = load_ok(input);
    std::string text = tundra::format_config_toml(original);
    INFO(text);
    Config again = load_ok(text, "check-output.toml");
    CHECK(first_difference(original, again) == "");
  }
  // A tayga.conf with every daemon-side directive, including Tayga's workers 0.
  Config tayga = load_ok(
      "tun-device t\nipv4-addr 192.0.2.1\ndata-dir /d\nworkers 0\ntun-up yes\ntun-ip 2001:db8::1\n"
      "tun-route 64:ff9b::/96\nmap-file m\nlog self icmp\n",
      "tayga.conf");
  Config again = load_ok(tundra::format_config_toml(tayga), "check-output.toml");
  CHECK(first_difference(tayga, again) == "");
}

TEST_CASE("check output has one key = value line per key, in [translator] and [daemon]", "[config]") {
  Config c = load_ok("tun-device t\nipv4-addr 192.0.2.1\nprefix 64:ff9b::/96\nworkers 2\ntun-up no\n", "tayga.conf");
  std::string text = tundra::format_config_toml(c);
  INFO(text);
  auto translator = text.find("\n[translator]\n");
  auto daemon = text.find("\n[daemon]\n");
  REQUIRE(translator != std::string::npos);
  REQUIRE(daemon != std::string::npos);
  REQUIRE(translator < daemon);
  for (const char* key : {"tun-device", "ipv4-addr", "ipv6-addr", "prefix", "wkpf-strict", "dynamic-pool",
                          "dynamic-dormant-after", "dynamic-free-after", "data-dir", "map", "mtu",
                          "lowest-ipv6-mtu", "udp-zero-checksum", "rfc6791-pool4", "rfc6791-pool6", "workers",
                          "configure-interface", "tun-ip", "tun-route", "map-file", "log"}) {
    INFO(key);
    auto at = text.find("\n" + std::string(key) + " = ");
    CHECK((at > translator && at < daemon));
  }
  for (const char* key : {"control-socket", "http-listen", "log-level", "user", "group", "pid-file"}) {
    INFO(key);
    auto at = text.find("\n" + std::string(key) + " = ");
    CHECK((at != std::string::npos && at > daemon));
  }
  CHECK(text.find("ipv6-addr = \"\"  # derived: prefix + ipv4-addr = 64:ff9b::c000:201\n") != std::string::npos);
  CHECK(text.find("\nworkers = 2\n") != std::string::npos);
  CHECK(text.find("\nconfigure-interface = false  # tayga.conf without 'tun-up yes'\n") != std::string::npos);
  CHECK(text.find("\nhttp-listen = \"\"  # none: a tayga.conf opens no TCP port\n") != std::string::npos);
  CHECK(text.find("\ntun-ip = []\n") != std::string::npos);
  CHECK(text.find("\nlog = []\n") != std::string::npos);

  std::string defaults = tundra::format_config_toml(load_ok(""));
  INFO(defaults);
  CHECK(defaults.find("\nworkers = \"auto\"  # one per online CPU, at most 64\n") != std::string::npos);
  CHECK(defaults.find("\nconfigure-interface = true\n") != std::string::npos);
  CHECK(defaults.find("\ncontrol-socket = \"/run/tundra/control.sock\"\n") != std::string::npos);
  CHECK(defaults.find("\nhttp-listen = \"127.0.0.1:8080\"\n") != std::string::npos);
  CHECK(defaults.find("\nlog-level = \"info\"\n") != std::string::npos);
  CHECK(defaults.find("\nuser = \"\"  # stay root\n") != std::string::npos);
  CHECK(defaults.find("\npid-file = \"\"  # none\n") != std::string::npos);
  CHECK(text.find("# tayga.conf settings") == std::string::npos);  // no commented-out leftovers
}

TEST_CASE("TOML strings are quoted with escapes", "[config]") {
  CHECK(tundra::toml_quote("a\"b\\c\n") == "\"a\\\"b\\\\c\\u000a\"");
  Config c = load_ok("[translator]\ndata-dir = \"/srv/we\\\"ird\"\n");
  Config again = load_ok(tundra::format_config_toml(c), "check-output.toml");
  CHECK(again.translator.data_dir == "/srv/we\"ird");
}

TEST_CASE("A missing configuration file is reported with its name", "[config]") {
  Config c;
  std::string error;
  REQUIRE_FALSE(tundra::load_config("/nonexistent/tundra.toml", &c, &error));
  CHECK(error == "/nonexistent/tundra.toml: cannot open: No such file or directory");
}
