// Tests for cli/config: tundra.toml and tayga.conf loading, defaults, equivalence of the
// two formats, format detection, one-line errors, and `check` output that loads back.
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "cli/config.h"
#include "tests/support/config_diff.h"
#include "translator/rfc6052.h"

namespace {

using tundra::Config;
using tundra::ConfigFormat;
using tundra::TranslatorConfig;
using tundra::UdpZeroChecksum;
using tundra::test::first_difference;
using tundra::test::first_translator_side_difference;

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
  CHECK(c.offload);
  CHECK_FALSE(c.pin_workers);
  CHECK(c.busy_poll_us == 0u);
  CHECK_FALSE(c.enable_forwarding);
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
pin-workers = true
busy-poll = 2000
offload = "off"
forwarding = "enable"
configure-interface = false
tun-ip = ["192.0.2.1/24", "2001:db8::1/64", "192.0.2.2"]
tun-route = ["64:ff9b::/96", "198.51.100.0/24", "203.0.113.9"]
map-file = "/etc/tundra/maps"
log = ["self", "drop", "icmp", "reject", "dyn", "drop"]
)");
  CHECK(c.workers == 8u);
  CHECK_FALSE(c.offload);
  CHECK(c.pin_workers);
  CHECK(c.busy_poll_us == 2000u);
  CHECK(c.enable_forwarding);
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
      {"[translator]\noffload = true\n", "tundra.toml:2: key 'offload': expected \"auto\" or \"off\", got a boolean"},
      {"[translator]\noffload = \"on\"\n", "tundra.toml:2: key 'offload': 'on' is not \"auto\" or \"off\""},
      {"[translator]\nforwarding = 1\n", "tundra.toml:2: key 'forwarding': expected \"enable\" or \"keep\", got an integer"},
      {"[translator]\nforwarding = \"on\"\n", "tundra.toml:2: key 'forwarding': 'on' is not \"enable\" or \"keep\""},
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
  CHECK(load_error("[translator]\n\n[dns46]\nprefix = \"64:ff9b::/96\"\n") ==
        "tundra.toml:3: table [dns46] is not supported (tundra.toml has [translator], [daemon] and [dns64])");
  CHECK(load_error("mtu = 1500\n") ==
        "tundra.toml:1: key 'mtu': unknown top-level key; translator settings belong in [translator]");
  CHECK(load_error("log-level = \"debug\"\n") ==
        "tundra.toml:1: key 'log-level': unknown top-level key; daemon settings belong in [daemon]");
  CHECK(load_error("verbose = true\n") ==
        "tundra.toml:1: key 'verbose': unknown top-level key; settings belong in [translator], [daemon] or [dns64]");
  CHECK(load_error("upstream = [\"192.0.2.53\"]\n") ==
        "tundra.toml:1: key 'upstream': unknown top-level key; DNS64 settings belong in [dns64]");
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
      // [dns64]: with and without [translator], with zones, every key off its default.
      "[translator]\nprefix = \"2001:db8:64::/96\"\n[dns64]\nupstream = [\"192.0.2.53\"]\n",
      "[dns64]\nupstream = [\"[2001:db8::53]\", \"192.0.2.53:5353\"]\n[daemon]\nhttp-listen = \"\"\n",
      "[dns64]\nlisten = [\"127.0.0.1:5300\"]\nupstream = [\"192.0.2.53\"]\nprefix = \"2001:db8:122:300::/56\"\n"
      "translate-all = true\nallow-ipv4 = false\nexclude = []\nallow-clients = [\"0.0.0.0/0\", \"::/0\"]\n"
      "cache-size = 0\nlog-queries = true\nupstream-timeout-ms = 100\nquery-timeout-ms = 60000\n"
      "tcp-idle-timeout-ms = 600000\nmax-tcp-connections = 1\nmax-lookups = 65535\n"
      "[[dns64.zone]]\nname = \"Example.NET\"\ndns64 = false\n"
      "[[dns64.zone]]\nname = \"weird\\\\.label.example\"\nupstream = [\"192.0.2.54\", \"[::1]:5353\"]\n"
      "[[dns64.zone]]\nname = \".\"\n",
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
                          "pin-workers", "busy-poll", "offload", "forwarding", "configure-interface", "tun-ip", "tun-route", "map-file", "log"}) {
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

// ---------------------------------------------------------------------------------------
// [dns64]

namespace {

tundra::dns64::Endpoint ep(const char* text) { return *tundra::dns64::Endpoint::parse(text, 53); }

// check output without its first line, which names the file it was loaded from.
std::string body(const std::string& text) { return text.substr(text.find('\n') + 1); }
tundra::dns::Name dns_name(const char* text) { return *tundra::dns::Name::from_text(text); }

}  // namespace

TEST_CASE("Without a [dns64] table there is no DNS64, and a tayga.conf never has one", "[config][dns64]") {
  for (const char* text : {"", "[translator]\n", "[daemon]\n", "[translator]\n[daemon]\n"}) {
    INFO(text);
    Config c = load_ok(text);
    CHECK_FALSE(c.dns64.has_value());
    CHECK(c.translator_enabled);
  }
  Config tayga = load_ok("tun-device t\nipv4-addr 192.0.2.1\n", "tayga.conf");
  CHECK_FALSE(tayga.dns64.has_value());
  CHECK(tayga.translator_enabled);
  CHECK(Config{}.translator_enabled);
  CHECK_FALSE(Config{}.dns64.has_value());
}

TEST_CASE("A [dns64] table without a [translator] table runs the DNS64 alone", "[config][dns64]") {
  Config alone = load_ok("[dns64]\nlisten = [\"127.0.0.1:5353\"]\nupstream = [\"192.0.2.53\"]\n");
  REQUIRE(alone.dns64.has_value());
  CHECK_FALSE(alone.translator_enabled);
  // The translator side keeps its defaults, unused.
  CHECK(first_translator_side_difference(alone, Config{}) == "");
  // [daemon] settings still apply to a DNS64-only daemon.
  Config with_daemon = load_ok("[daemon]\nhttp-listen = \"\"\n[dns64]\nupstream = [\"192.0.2.53\"]\n");
  CHECK_FALSE(with_daemon.translator_enabled);
  CHECK(with_daemon.http_listen.empty());
  // Any [translator] table, even an empty one, in any place, runs both.
  CHECK(load_ok("[dns64]\nupstream = [\"192.0.2.53\"]\n[translator]\n").translator_enabled);
  CHECK(load_ok("[translator]\n[dns64]\nupstream = [\"192.0.2.53\"]\n").translator_enabled);
  // Dotted keys make the table too.
  Config dotted = load_ok("dns64.upstream = [\"192.0.2.53\"]\n");
  REQUIRE(dotted.dns64.has_value());
  CHECK_FALSE(dotted.translator_enabled);
}

TEST_CASE("A [dns64] table with only upstream gets the defaults of dns64/config.h", "[config][dns64]") {
  Config c = load_ok("[translator]\n[dns64]\nupstream = [\"192.0.2.53\"]\n");
  REQUIRE(c.dns64.has_value());
  const tundra::dns64::Config& d = *c.dns64;
  tundra::dns64::Config expected;
  expected.upstreams = {ep("192.0.2.53:53")};
  expected.prefix = tundra::Rfc6052Prefix::well_known();
  CHECK(first_difference(d, expected) == "");
  CHECK(d.listen == std::vector{ep("0.0.0.0:53"), ep("[::]:53")});
  CHECK(d.prefix == tundra::Rfc6052Prefix::well_known());
  CHECK_FALSE(d.translate_all);
  CHECK(d.allow_ipv4);
  CHECK(d.exclude == std::vector{v6p("::ffff:0:0/96")});
  CHECK(d.allow_clients == tundra::dns64::Config::default_allow_clients());
  CHECK(d.cache_size == 10000u);
  CHECK_FALSE(d.log_queries);
  CHECK(d.upstream_timeout_ms == 1000u);
  CHECK(d.query_timeout_ms == 3000u);
  CHECK(d.tcp_idle_timeout_ms == 10000u);
  CHECK(d.max_tcp_connections == 100u);
  CHECK(d.max_lookups == 512u);
  CHECK(d.rate_limit == 0u);
  CHECK(d.zones.empty());
  CHECK(c.warnings.empty());
}

TEST_CASE("The DNS64 prefix defaults to the translator's, or to 64:ff9b::/96 when it runs alone",
          "[config][dns64]") {
  const std::string dns64 = "[dns64]\nupstream = [\"192.0.2.53\"]\n";
  auto prefix = [](const Config& c) { return c.dns64->prefix->to_string(); };
  CHECK(prefix(load_ok(dns64)) == "64:ff9b::/96");
  CHECK(prefix(load_ok("[translator]\n" + dns64)) == "64:ff9b::/96");
  // In either order of the tables.
  CHECK(prefix(load_ok("[translator]\nprefix = \"2001:db8:64::/64\"\n" + dns64)) == "2001:db8:64::/64");
  CHECK(prefix(load_ok(dns64 + "[translator]\nprefix = \"2001:db8:64::/64\"\n")) == "2001:db8:64::/64");
  // Given, it wins; different from the translator's, it is accepted with a warning.
  Config own = load_ok(dns64 + "prefix = \"2001:db8:64::/96\"\n");
  CHECK(prefix(own) == "2001:db8:64::/96");
  CHECK(own.warnings.empty());
  Config same = load_ok("[translator]\nprefix = \"2001:db8:64::/96\"\n" + dns64 + "prefix = \"2001:db8:64::/96\"\n");
  CHECK(same.warnings.empty());
  Config other = load_ok("[translator]\n" + dns64 + "prefix = \"2001:db8:64::/96\"\n");
  CHECK(prefix(other) == "2001:db8:64::/96");
  REQUIRE(other.warnings.size() == 1);
  CHECK(other.warnings[0] ==
        "tundra.toml:4: key 'dns64.prefix': warning: 2001:db8:64::/96 is not the [translator] prefix 64:ff9b::/96, "
        "so synthesized addresses lead to another NAT64, not this one");
  // A translator without a prefix has none to share.
  CHECK(load_error("[translator]\nprefix = \"\"\nipv6-addr = \"2001:db8::1\"\n\n" + dns64) ==
        "tundra.toml:5: key 'dns64.prefix': missing, and [translator] has no prefix to share (prefix = \"\"); "
        "give the prefix to synthesize with");
  Config given = load_ok("[translator]\nprefix = \"\"\nipv6-addr = \"2001:db8::1\"\n" + dns64 +
                         "prefix = \"64:ff9b::/96\"\n");
  CHECK(prefix(given) == "64:ff9b::/96");
  CHECK(given.warnings.empty());
}

TEST_CASE("Every [dns64] key sets its field", "[config][dns64]") {
  Config c = load_ok(R"(
[dns64]
listen = ["127.0.0.1:5300", "[::1]:5300"]
upstream = ["192.0.2.53", "[2001:db8::53]:5353", "2001:db8::54"]
prefix = "2001:db8:122:344::/64"
translate-all = true
allow-ipv4 = false
exclude = ["::ffff:0:0/96", "2001:db8:bad::/48", "2001:db8::dead"]
allow-clients = ["192.168.88.0/24", "2001:db8:1::/48", "198.51.100.7"]
cache-size = 0
log-queries = true
upstream-timeout-ms = 250
query-timeout-ms = 1500
tcp-idle-timeout-ms = 30000
max-tcp-connections = 2000
max-lookups = 40
rate-limit = 50

[[dns64.zone]]
name = "example.net"
dns64 = false

[[dns64.zone]]
name = "corp.example."
upstream = ["10.0.0.53", "[fd00::53]:53"]
)");
  REQUIRE(c.dns64.has_value());
  const tundra::dns64::Config& d = *c.dns64;
  CHECK(d.listen == std::vector{ep("127.0.0.1:5300"), ep("[::1]:5300")});
  CHECK(d.upstreams == std::vector{ep("192.0.2.53:53"), ep("[2001:db8::53]:5353"), ep("[2001:db8::54]:53")});
  CHECK(d.prefix == tundra::Rfc6052Prefix::parse("2001:db8:122:344::/64"));
  CHECK(d.translate_all);
  CHECK_FALSE(d.allow_ipv4);
  CHECK(d.exclude == std::vector{v6p("::ffff:0:0/96"), v6p("2001:db8:bad::/48"), v6p("2001:db8::dead/128")});
  CHECK(d.allow_clients == std::vector<tundra::IpPrefix>{v4p("192.168.88.0/24"), v6p("2001:db8:1::/48"),
                                                          v4p("198.51.100.7/32")});
  CHECK(d.cache_size == 0u);
  CHECK(d.log_queries);
  CHECK(d.upstream_timeout_ms == 250u);
  CHECK(d.query_timeout_ms == 1500u);
  CHECK(d.tcp_idle_timeout_ms == 30000u);
  CHECK(d.max_tcp_connections == 2000u);
  CHECK(d.max_lookups == 40u);
  CHECK(d.rate_limit == 50u);
  REQUIRE(d.zones.size() == 2);
  CHECK(d.zones[0].name.equals(dns_name("example.net.")));
  CHECK_FALSE(d.zones[0].dns64);
  CHECK(d.zones[0].upstreams.empty());
  CHECK(d.zones[1].name.equals(dns_name("corp.example")));
  CHECK(d.zones[1].dns64);  // the default
  CHECK(d.zones[1].upstreams == std::vector{ep("10.0.0.53:53"), ep("[fd00::53]:53")});
  CHECK(c.warnings.empty());
}

TEST_CASE("query-timeout-ms left out grows to upstream-timeout-ms, and given it may not be shorter",
          "[config][dns64]") {
  const std::string dns64 = "[dns64]\nupstream = [\"192.0.2.53\"]\n";
  CHECK(load_ok(dns64 + "upstream-timeout-ms = 5000\n").dns64->query_timeout_ms == 5000u);
  CHECK(load_ok(dns64 + "upstream-timeout-ms = 2000\n").dns64->query_timeout_ms == 3000u);
  CHECK(load_ok(dns64 + "upstream-timeout-ms = 2000\nquery-timeout-ms = 2000\n").dns64->query_timeout_ms == 2000u);
  CHECK(load_ok(dns64 + "query-timeout-ms = 100\nupstream-timeout-ms = 100\n").dns64->query_timeout_ms == 100u);
  CHECK(load_error(dns64 + "query-timeout-ms = 2000\nupstream-timeout-ms = 2500\n") ==
        "tundra.toml:3: key 'dns64.query-timeout-ms': 2000 is below upstream-timeout-ms (2500); a query must allow "
        "at least one whole try");
  CHECK(load_error(dns64 + "query-timeout-ms = 500\n") ==
        "tundra.toml:3: key 'dns64.query-timeout-ms': 500 is below upstream-timeout-ms (1000); a query must allow "
        "at least one whole try");
}

TEST_CASE("Zone names are domain names, each given once whatever its case", "[config][dns64]") {
  const std::string dns64 = "[dns64]\nupstream = [\"192.0.2.53\"]\n";
  Config c = load_ok(dns64 + "[[dns64.zone]]\nname = \"EXAMPLE.net\"\n[[dns64.zone]]\nname = \"sub.example.net\"\n");
  REQUIRE(c.dns64->zones.size() == 2);
  CHECK(c.dns64->zones[0].name.to_text() == "EXAMPLE.net.");  // kept as written; lookups ignore case
  CHECK(c.dns64->zones[1].name.to_text() == "sub.example.net.");
  // Inline tables are the same thing.
  Config inline_zones = load_ok(dns64 + "zone = [{ name = \"example.net\", dns64 = false }]\n");
  REQUIRE(inline_zones.dns64->zones.size() == 1);
  CHECK_FALSE(inline_zones.dns64->zones[0].dns64);

  CHECK(load_error(dns64 + "\n[[dns64.zone]]\nname = \"example.net\"\n\n[[dns64.zone]]\nname = \"Example.NET.\"\n") ==
        "tundra.toml:8: key 'dns64.zone.name': 'Example.NET.' has a [[dns64.zone]] already (on line 5)");
  CHECK(load_error(dns64 + "[[dns64.zone]]\ndns64 = false\n") ==
        "tundra.toml:3: key 'dns64.zone.name': missing (each [[dns64.zone]] names its zone)");
  CHECK(load_error(dns64 + "[[dns64.zone]]\nname = \"a..b\"\n") ==
        "tundra.toml:4: key 'dns64.zone.name': 'a..b' is not a domain name");
  CHECK(load_error(dns64 + "[[dns64.zone]]\nname = \"\"\n") == "tundra.toml:4: key 'dns64.zone.name': '' is not a domain name");
  CHECK(load_error(dns64 + "[[dns64.zone]]\nname = \"exa mple.net\"\n") ==
        "tundra.toml:4: key 'dns64.zone.name': 'exa mple.net' is not a domain name");
  CHECK(load_error(dns64 + "[[dns64.zone]]\nname = \"" + std::string(64, 'a') + ".example\"\n") ==
        "tundra.toml:4: key 'dns64.zone.name': '" + std::string(64, 'a') + ".example' is not a domain name");
  CHECK(load_error(dns64 + "[[dns64.zone]]\nname = 7\n") ==
        "tundra.toml:4: key 'dns64.zone.name': expected a string, got an integer");
  CHECK(load_error(dns64 + "[[dns64.zone]]\nname = \"example.net\"\ndns64 = \"no\"\n") ==
        "tundra.toml:5: key 'dns64.zone.dns64': expected true or false, got a string");
  CHECK(load_error(dns64 + "[[dns64.zone]]\nname = \"example.net\"\nupstream = [\"ns1.example.net\"]\n") ==
        "tundra.toml:5: key 'dns64.zone.upstream': 'ns1.example.net' is not an address[:port]");
  CHECK(load_error(dns64 + "[[dns64.zone]]\nname = \"example.net\"\nupstreams = []\n") ==
        "tundra.toml:5: key 'dns64.zone.upstreams': unknown key in [[dns64.zone]]; did you mean 'upstream'?");
  CHECK(load_error(dns64 + "[[dns64.zone]]\nname = \"example.net\"\nforward = []\n") ==
        "tundra.toml:5: key 'dns64.zone.forward': unknown key in [[dns64.zone]]");
  CHECK(load_error(dns64 + "[dns64.zone]\nname = \"example.net\"\n") ==
        "tundra.toml:3: key 'dns64.zone': expected [[dns64.zone]] blocks (an array of tables), got a table");
  CHECK(load_error(dns64 + "zone = [\"example.net\"]\n") ==
        "tundra.toml:3: key 'dns64.zone': expected [[dns64.zone]] blocks (an array of tables), got an array of "
        "other values");
}

TEST_CASE("Bad [dns64] values name the file, the line and the key", "[config][dns64]") {
  const std::string head = "[dns64]\nupstream = [\"192.0.2.53\"]\n";
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      // listen: numeric address:port, port required.
      {head + "listen = [\"192.0.2.1\"]\n",
       "tundra.toml:3: key 'dns64.listen': '192.0.2.1' has no port (IPv4:port or [IPv6]:port)"},
      {head + "listen = [\"[::1]\"]\n", "tundra.toml:3: key 'dns64.listen': '[::1]' is not [IPv6]:port"},
      {head + "listen = [\"::1:53\"]\n",
       "tundra.toml:3: key 'dns64.listen': '::1:53': an IPv6 address needs brackets, as in [::1]:8080"},
      {head + "listen = [\"localhost:53\"]\n",
       "tundra.toml:3: key 'dns64.listen': 'localhost:53': 'localhost' is not an IPv4 address (addresses are "
       "numeric)"},
      {head + "listen = [\"[fe80::1%eth0]:53\"]\n",
       "tundra.toml:3: key 'dns64.listen': '[fe80::1%eth0]:53': scope ids (%interface) are not supported"},
      {head + "listen = [\n  \"127.0.0.1:53\",\n  \"127.0.0.1:0\",\n]\n",
       "tundra.toml:5: key 'dns64.listen': '127.0.0.1:0': '0' is not a port (1..65535)"},
      {head + "listen = [\"127.0.0.1:53\", \"127.0.0.1:053\"]\n",
       "tundra.toml:3: key 'dns64.listen': '127.0.0.1:053' is listed twice (as 127.0.0.1:53)"},
      {head + "listen = []\n",
       "tundra.toml:3: key 'dns64.listen': lists no address (leave the key out for the default, 0.0.0.0:53 and "
       "[::]:53)"},
      {head + "listen = \"127.0.0.1:53\"\n",
       "tundra.toml:3: key 'dns64.listen': expected an array of \"address:port\" strings, got a string"},
      {head + "listen = [53]\n", "tundra.toml:3: key 'dns64.listen': expected a string, got an integer"},
      // upstream: numeric address[:port].
      {"[dns64]\nupstream = [\"foo\"]\n", "tundra.toml:2: key 'dns64.upstream': 'foo' is not an address[:port]"},
      {"[dns64]\nupstream = [\"dns.example:53\"]\n",
       "tundra.toml:2: key 'dns64.upstream': 'dns.example:53': 'dns.example' is not an IPv4 address (addresses are "
       "numeric)"},
      {"[dns64]\nupstream = [\"192.0.2.53:65536\"]\n",
       "tundra.toml:2: key 'dns64.upstream': '192.0.2.53:65536': '65536' is not a port (1..65535)"},
      {"[dns64]\nupstream = [\"[2001:db8::53]:x\"]\n",
       "tundra.toml:2: key 'dns64.upstream': '[2001:db8::53]:x': 'x' is not a port (1..65535)"},
      {"[dns64]\nupstream = [\"[2001:db8::53\"]\n",
       "tundra.toml:2: key 'dns64.upstream': '[2001:db8::53' is not an address[:port]"},
      {"[dns64]\nupstream = [\"fe80::1%eth0\"]\n",
       "tundra.toml:2: key 'dns64.upstream': 'fe80::1%eth0': scope ids (%interface) are not supported"},
      {"[dns64]\nupstream = [\"192.0.2.53\", \"192.0.2.53:53\"]\n",
       "tundra.toml:2: key 'dns64.upstream': '192.0.2.53:53' is listed twice (as 192.0.2.53:53)"},
      {"[dns64]\nupstream = []\n", "tundra.toml:2: key 'dns64.upstream': lists no upstream; at least one is needed"},
      {"[dns64]\nupstream = \"192.0.2.53\"\n",
       "tundra.toml:2: key 'dns64.upstream': expected an array of \"address[:port]\" strings, got a string"},
      {"[daemon]\n\n[dns64]\nlisten = [\"127.0.0.1:5353\"]\n",
       "tundra.toml:3: key 'dns64.upstream': missing; [dns64] needs at least one upstream resolver, as in "
       "upstream = [\"192.0.2.53\"]"},
      // upstreams that are this DNS64 itself.
      {"[dns64]\nlisten = [\"127.0.0.1:53\"]\nupstream = [\"127.0.0.1\"]\n",
       "tundra.toml:3: key 'dns64.upstream': '127.0.0.1:53' is this DNS64's own listen address '127.0.0.1:53': "
       "queries would loop"},
      {"[dns64]\nupstream = [\"192.0.2.53\", \"127.0.0.53\"]\n",
       "tundra.toml:2: key 'dns64.upstream': '127.0.0.53:53' is this DNS64's own listen address '0.0.0.0:53': "
       "queries would loop"},
      {"[dns64]\nupstream = [\"::1\"]\n",
       "tundra.toml:2: key 'dns64.upstream': '[::1]:53' is this DNS64's own listen address '[::]:53': queries "
       "would loop"},
      {"[dns64]\nupstream = [\"192.0.2.53\"]\n[[dns64.zone]]\nname = \"x\"\nupstream = [\"127.0.0.1\"]\n",
       "tundra.toml:5: key 'dns64.zone.upstream': '127.0.0.1:53' is this DNS64's own listen address "
       "'0.0.0.0:53': queries would loop"},
      // prefix.
      {head + "prefix = \"64:ff9b::/95\"\n",
       "tundra.toml:3: key 'dns64.prefix': '64:ff9b::/95': /95 is not an RFC 6052 length (32, 40, 48, 56, 64, 96)"},
      {head + "prefix = \"2001:db8:0:0:ff00::/96\"\n",
       "tundra.toml:3: key 'dns64.prefix': '2001:db8:0:0:ff00::/96': bits 64..71 (the u octet) must be zero "
       "(RFC 6052 §2.2)"},
      {head + "prefix = \"\"\n",
       "tundra.toml:3: key 'dns64.prefix': '' is not a prefix (leave the key out to use the translator's, or "
       "64:ff9b::/96)"},
      {head + "prefix = 96\n", "tundra.toml:3: key 'dns64.prefix': expected a string, got an integer"},
      // booleans.
      {head + "translate-all = \"yes\"\n",
       "tundra.toml:3: key 'dns64.translate-all': expected true or false, got a string"},
      {head + "allow-ipv4 = 1\n", "tundra.toml:3: key 'dns64.allow-ipv4': expected true or false, got an integer"},
      {head + "log-queries = \"all\"\n", "tundra.toml:3: key 'dns64.log-queries': expected true or false, got a string"},
      // prefix lists.
      {head + "exclude = [\"192.0.2.0/24\"]\n", "tundra.toml:3: key 'dns64.exclude': '192.0.2.0/24' is not an IPv6 prefix"},
      {head + "exclude = [\"::ffff:0:1/96\"]\n",
       "tundra.toml:3: key 'dns64.exclude': '::ffff:0:1/96' has host bits set (did you mean ::ffff:0.0.0.0/96?)"},
      {head + "exclude = \"::ffff:0:0/96\"\n",
       "tundra.toml:3: key 'dns64.exclude': expected an array of IPv6 \"prefix[/length]\" strings, got a string"},
      {head + "allow-clients = [\"192.168.0.0/33\"]\n",
       "tundra.toml:3: key 'dns64.allow-clients': '192.168.0.0/33': '/33' is not a prefix length (0..32)"},
      {head + "allow-clients = [\"lan\"]\n", "tundra.toml:3: key 'dns64.allow-clients': 'lan' is not an IPv4 or IPv6 prefix"},
      {head + "allow-clients = []\n",
       "tundra.toml:3: key 'dns64.allow-clients': allows no client, so every query would be REFUSED (to allow "
       "everyone: [\"0.0.0.0/0\", \"::/0\"])"},
      // integers.
      {head + "cache-size = -1\n", "tundra.toml:3: key 'dns64.cache-size': -1 is outside 0..4294967295 entries (0 = no cache)"},
      {head + "cache-size = 4294967296\n",
       "tundra.toml:3: key 'dns64.cache-size': 4294967296 is outside 0..4294967295 entries (0 = no cache)"},
      {head + "cache-size = \"10k\"\n", "tundra.toml:3: key 'dns64.cache-size': expected an integer, got a string"},
      {head + "upstream-timeout-ms = 99\n",
       "tundra.toml:3: key 'dns64.upstream-timeout-ms': 99 is outside 100..60000 milliseconds"},
      {head + "upstream-timeout-ms = 60001\n",
       "tundra.toml:3: key 'dns64.upstream-timeout-ms': 60001 is outside 100..60000 milliseconds"},
      {head + "upstream-timeout-ms = 1.5\n",
       "tundra.toml:3: key 'dns64.upstream-timeout-ms': expected an integer, got a floating-point number"},
      {head + "query-timeout-ms = 60001\n",
       "tundra.toml:3: key 'dns64.query-timeout-ms': 60001 is outside 100..60000 milliseconds"},
      {head + "tcp-idle-timeout-ms = 99\n",
       "tundra.toml:3: key 'dns64.tcp-idle-timeout-ms': 99 is outside 100..600000 milliseconds"},
      {head + "tcp-idle-timeout-ms = 600001\n",
       "tundra.toml:3: key 'dns64.tcp-idle-timeout-ms': 600001 is outside 100..600000 milliseconds"},
      {head + "max-tcp-connections = 0\n", "tundra.toml:3: key 'dns64.max-tcp-connections': 0 is outside 1..65535"},
      {head + "max-tcp-connections = 65536\n",
       "tundra.toml:3: key 'dns64.max-tcp-connections': 65536 is outside 1..65535"},
      {head + "max-lookups = 0\n", "tundra.toml:3: key 'dns64.max-lookups': 0 is outside 1..65535"},
      {head + "max-lookups = 65536\n", "tundra.toml:3: key 'dns64.max-lookups': 65536 is outside 1..65535"},
      {head + "rate-limit = -1\n", "tundra.toml:3: key 'dns64.rate-limit': -1 is outside 0..1000000 queries per second"},
      // the table itself.
      {"dns64 = true\n", "tundra.toml:1: key 'dns64': expected a table, got a boolean"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(load_error(c.text) == c.error);
  }
}

TEST_CASE("Unknown [dns64] keys are refused, with CoreDNS's names pointed to tundra's", "[config][dns64]") {
  const std::string head = "[dns64]\nupstream = [\"192.0.2.53\"]\n";
  CHECK(load_error(head + "frobnicate = 1\n") == "tundra.toml:3: key 'dns64.frobnicate': unknown key in [dns64]");
  CHECK(load_error(head + "translate_all = true\n") ==
        "tundra.toml:3: key 'dns64.translate_all': unknown key in [dns64]; did you mean 'translate-all'?");
  CHECK(load_error(head + "allow_ipv4 = true\n") ==
        "tundra.toml:3: key 'dns64.allow_ipv4': unknown key in [dns64]; did you mean 'allow-ipv4'?");
  CHECK(load_error(head + "forward = [\"192.0.2.53\"]\n") ==
        "tundra.toml:3: key 'dns64.forward': unknown key in [dns64]; tundra.toml calls it 'upstream'");
  CHECK(load_error(head + "cache = 30\n") ==
        "tundra.toml:3: key 'dns64.cache': unknown key in [dns64]; tundra.toml calls it 'cache-size'");
  CHECK(load_error(head + "log = true\n") ==
        "tundra.toml:3: key 'dns64.log': unknown key in [dns64]; tundra.toml calls it 'log-queries'");
  CHECK(load_error(head + "health = \":8080\"\n") ==
        "tundra.toml:3: key 'dns64.health': unknown key in [dns64]; /health is served on [daemon] http-listen");
  CHECK(load_error(head + "log-level = \"debug\"\n") ==
        "tundra.toml:3: key 'dns64.log-level': unknown key in [dns64]; it belongs in [daemon]");
  CHECK(load_error(head + "mtu = 1500\n") ==
        "tundra.toml:3: key 'dns64.mtu': unknown key in [dns64]; it belongs in [translator]");
  CHECK(load_error("[translator]\nupstream = [\"192.0.2.53\"]\n") ==
        "tundra.toml:2: key 'upstream': unknown key in [translator]; it belongs in [dns64]");
  CHECK(load_error("[daemon]\nlog-queries = true\n") ==
        "tundra.toml:2: key 'log-queries': unknown key in [daemon]; it belongs in [dns64]");
  CHECK(load_error(head + "[dns64.extra]\nx = 1\n") == "tundra.toml:3: key 'dns64.extra': unknown key in [dns64]");
  CHECK(load_error(head + "upstream = [\"192.0.2.54\"]\n").rfind("tundra.toml:3:", 0) == 0);  // TOML: defined twice
}

TEST_CASE("check output carries [dns64] and its zones, and loads back to the same configuration",
          "[config][dns64]") {
  Config c = load_ok(R"(
[translator]
prefix = "2001:db8:64::/96"
[dns64]
upstream = ["192.0.2.53", "[2001:db8::53]:5353"]
exclude = []
cache-size = 0
[[dns64.zone]]
name = "example.net"
dns64 = false
[[dns64.zone]]
name = "corp.example"
upstream = ["10.0.0.53"]
)");
  std::string text = tundra::format_config_toml(c);
  INFO(text);
  auto daemon = text.find("\n[daemon]\n");
  auto dns64 = text.find("\n[dns64]\n");
  REQUIRE(text.find("\n[translator]\n") < daemon);
  REQUIRE(dns64 != std::string::npos);
  REQUIRE(daemon < dns64);
  for (const char* key : {"listen", "upstream", "prefix", "translate-all", "allow-ipv4", "exclude", "allow-clients",
                          "cache-size", "log-queries", "upstream-timeout-ms", "query-timeout-ms",
                          "tcp-idle-timeout-ms", "max-tcp-connections", "max-lookups"}) {
    INFO(key);
    CHECK(text.find("\n" + std::string(key) + " = ", dns64) != std::string::npos);
  }
  CHECK(text.find("\nlisten = [\"0.0.0.0:53\", \"[::]:53\"]\n") != std::string::npos);
  CHECK(text.find("\nupstream = [\"192.0.2.53:53\", \"[2001:db8::53]:5353\"]\n") != std::string::npos);
  CHECK(text.find("\nprefix = \"2001:db8:64::/96\"\n", dns64) != std::string::npos);  // the translator's
  CHECK(text.find("\nexclude = []  # none\n") != std::string::npos);
  CHECK(text.find("\ncache-size = 0  # no cache\n") != std::string::npos);
  CHECK(text.find("\n[[dns64.zone]]\nname = \"example.net.\"\ndns64 = false\nupstream = []  # the [dns64] "
                  "upstreams\n") != std::string::npos);
  CHECK(text.find("\n[[dns64.zone]]\nname = \"corp.example.\"\ndns64 = true\nupstream = [\"10.0.0.53:53\"]\n") !=
        std::string::npos);
  Config again = load_ok(text, "check-output.toml");
  CHECK(first_difference(c, again) == "");
  CHECK(body(tundra::format_config_toml(again)) == body(text));

  // Without [dns64], no [dns64] in the output.
  CHECK(tundra::format_config_toml(load_ok("")).find("dns64") == std::string::npos);
}

TEST_CASE("check output of a DNS64-only file has no [translator] and loads back DNS64-only", "[config][dns64]") {
  Config alone = load_ok("[dns64]\nlisten = [\"[::1]:5353\"]\nupstream = [\"192.0.2.53\"]\n[daemon]\nuser = \"nobody\"\n");
  REQUIRE_FALSE(alone.translator_enabled);
  std::string text = tundra::format_config_toml(alone);
  INFO(text);
  CHECK(text.find("\n[translator]\n") == std::string::npos);
  CHECK(text.find("\n# No [translator] table: the DNS64 runs alone, without a TUN.\n") != std::string::npos);
  CHECK(text.find("\ntun-device = ") == std::string::npos);
  CHECK(text.find("\nworkers = ") == std::string::npos);
  CHECK(text.find("\n[daemon]\n") != std::string::npos);
  CHECK(text.find("\nprefix = \"64:ff9b::/96\"\n") != std::string::npos);
  Config again = load_ok(text, "check-output.toml");
  CHECK_FALSE(again.translator_enabled);
  CHECK(first_difference(alone, again) == "");
  CHECK(body(tundra::format_config_toml(again)) == body(text));
}

TEST_CASE("check output prints the prefix a Config built in code would load with", "[config][dns64]") {
  Config c;
  c.dns64.emplace();
  c.dns64->upstreams = {ep("192.0.2.53")};
  c.translator.prefix = tundra::Rfc6052Prefix::parse("2001:db8:64::/64");
  std::string both = tundra::format_config_toml(c);
  CHECK(both.find("\nprefix = \"2001:db8:64::/64\"\n", both.find("\n[dns64]\n")) != std::string::npos);
  c.translator_enabled = false;
  std::string text = tundra::format_config_toml(c);
  CHECK(text.find("\nprefix = \"64:ff9b::/96\"\n") != std::string::npos);
  Config again = load_ok(text, "check-output.toml");
  CHECK(again.dns64->prefix == tundra::Rfc6052Prefix::well_known());
}

TEST_CASE("busy-poll takes 0 to 1000000 microseconds and refuses the rest", "[config]") {
  CHECK(load_ok("[translator]\nbusy-poll = 1000000\n").busy_poll_us == 1000000u);
  CHECK(load_error("[translator]\nbusy-poll = 1000001\n") ==
        "tundra.toml:2: key 'busy-poll': 1000001 is outside 0..1000000 microseconds (0 = off)");
  CHECK(load_error("[translator]\nbusy-poll = -5\n") ==
        "tundra.toml:2: key 'busy-poll': -5 is outside 0..1000000 microseconds (0 = off)");
  CHECK(load_error("[translator]\nbusy-poll = \"50us\"\n").find("key 'busy-poll'") != std::string::npos);
}

TEST_CASE("icmp-error-rate and dynamic-new-per-second load, default and refuse negatives", "[config][hardening]") {
  Config defaults = load_ok("[translator]\n");
  CHECK(defaults.translator.icmp_error_rate == 1000);
  CHECK(defaults.translator.dynamic_new_per_second == 100);
  Config set = load_ok("[translator]\nicmp-error-rate = 0\ndynamic-new-per-second = 5\n");
  CHECK(set.translator.icmp_error_rate == 0);
  CHECK(set.translator.dynamic_new_per_second == 5);
  CHECK(load_error("[translator]\nicmp-error-rate = -1\n") ==
        "tundra.toml:2: key 'icmp-error-rate': -1 is outside 0..1000000000 per second (0 = no limit)");
}

TEST_CASE("Non-ASCII characters where toml++ 3.3 would misbehave are refused in one line", "[config]") {
  // toml++ 3.3.0 reaches __builtin_unreachable() when it asks whether 'é' (and most other
  // non-ASCII characters) is whitespace: outside strings and comments, and after a backslash
  // in a multi-line basic string (marzer/tomlplusplus#190). cli/config.cpp refuses those first.
  CHECK(load_error("[daemon]\nhttp\xd2\x93listen = \"\"\n") ==
        "tundra.toml:2: a non-ASCII character outside a string or comment");
  CHECK(load_error("[translator]\ndata-dir = /srv/donn\xc3\xa9""es\n") ==
        "tundra.toml:2: a non-ASCII character outside a string or comment");
  CHECK(load_error("[daemon]\nuser = \"\"\"\\\n  \xc2\xa7\"\"\"\n") ==
        "tundra.toml:3: a non-ASCII character after a backslash in a multi-line string (write it as \\uXXXX)");
  CHECK(load_error("[daemon]\nuser = \"\"\"\\\xc3\xa9\"\"\"\n") ==
        "tundra.toml:2: a non-ASCII character after a backslash in a multi-line string (write it as \\uXXXX)");
  // toml++ reads a bare value on past quotes, '=' and brackets, and a date past a blank.
  for (const char* value : {"+\"\xc3\xa9\"", "b={\"\xc3\xa9\"", "1979-05-27 \"\xc3\xa9\"", "[1, 2x\"\xc3\xa9\"]",
                            "{ a = 1 }\"\xc3\xa9\""}) {
    INFO(value);
    CHECK(load_error(std::string("[daemon]\nuser = ") + value + "\n") ==
          "tundra.toml:2: a non-ASCII character outside a string or comment");
  }
  // Where TOML allows them they still load: strings of every kind, comments, a BOM.
  Config c = load_ok("\xef\xbb\xbf# r\xc3\xa9seau\n[translator]\ndata-dir = \"/srv/donn\xc3\xa9""es\"  # \xc3\xa9\n"
                     "tun-device = 'n\xc3\xa9'\nmap-file = \"\"\"\n/m/n\xc3\xa9\\\n  x\"\"\"\n[daemon]\n"
                     "pid-file = '''/\"\"\"\xc3\xa9'''\ncontrol-socket = \"/a\\\"\xc3\xa9\"\n");
  CHECK(c.translator.data_dir == "/srv/donn\xc3\xa9""es");
  CHECK(c.translator.tun_device == "n\xc3\xa9");
  CHECK(c.map_file == "/m/n\xc3\xa9x");
  CHECK(c.pid_file == "/\"\"\"\xc3\xa9");
  CHECK(c.control_socket == "/a\"\xc3\xa9");
  Config d = load_ok("[translator]\ntun-route = [ # r\xc3\xa9seau\n  \"::/0\",  # \xc3\xa9\n]\n"
                     "[dns64]\nupstream = [\"192.0.2.53\"]\n[[dns64.zone]]\n\"name\" = \"\xc3\xa9.example\"\n");
  REQUIRE(d.dns64.has_value());
  REQUIRE(d.dns64->zones.size() == 1);
}

TEST_CASE("A tayga.conf line that is not UTF-8 is refused, since check output could not hold it", "[config][tayga]") {
  CHECK(load_error("tun-device t\nipv4-addr 192.0.2.1\nmap-file /m/\xff\x19_\n", "tayga.conf") ==
        "tayga.conf:3: not UTF-8 text");
  CHECK(load_error("tun-device t\nipv4-addr 192.0.2.1\ndata-dir /srv/\xed\xa0\x80\n", "tayga.conf") ==
        "tayga.conf:3: not UTF-8 text");  // a surrogate
  // Comments may hold anything (an old file written in Latin-1), values any UTF-8.
  Config c = load_ok("# R\xe9seau\ntun-device t\nipv4-addr 192.0.2.1\ndata-dir /srv/donn\xc3\xa9""es\n", "tayga.conf");
  CHECK(c.translator.data_dir == "/srv/donn\xc3\xa9""es");
  Config again = load_ok(tundra::format_config_toml(c), "check-output.toml");
  CHECK(again.translator.data_dir == c.translator.data_dir);
}

TEST_CASE("Errors that quote a line break or control character are still one line", "[config]") {
  // toml++ says "expected 'false', saw '<what it read>'", line break included, and a TOML
  // string may hold any control character (found by fuzz/config_fuzz); load_error() checks
  // that the message has no '\n'.
  const std::string e = load_error("[dns64]\nallow-ipv4 = fa\nlse\n");
  CHECK(e.rfind("tundra.toml:2:", 0) == 0);
  const std::string g = load_error("[daemon]\ngroup = \"wh\\neel\\u001b\"\n");
  CHECK(g.find("'wh\\neel\\x1b'") != std::string::npos);
}
