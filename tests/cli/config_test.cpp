// Tests for cli/config: tundra.toml and tayga.conf loading, defaults, equivalence of the
// two formats, format detection, one-line errors, and `check` output that loads back.
#include <catch2/catch.hpp>

#include <string>

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
  CHECK(c.format == ConfigFormat::kToml);
  CHECK(load_ok("[translator]\n").translator.prefix == tundra::Rfc6052Prefix::well_known());
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
)");
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
    const char* text;
    const char* error;
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
  };
  for (const Case& c : cases) {
    INFO(c.text);
    CHECK(load_error(c.text) == c.error);
  }
}

TEST_CASE("Unknown keys and tables in tundra.toml are refused", "[config]") {
  CHECK(load_error("[translator]\nmtu = 1500\nmut = 1500\n") ==
        "tundra.toml:3: key 'mut': unknown key in [translator]; did you mean 'mtu'?");
  CHECK(load_error("[translator]\nfrobnicate = 1\n") == "tundra.toml:2: key 'frobnicate': unknown key in [translator]");
  CHECK(load_error("[translator]\nudp-cksum-mode = \"drop\"\n") ==
        "tundra.toml:2: key 'udp-cksum-mode': unknown key in [translator]; tundra.toml calls it 'udp-zero-checksum'");
  CHECK(load_error("[translator]\n\n[dns64]\nprefix = \"64:ff9b::/96\"\n") ==
        "tundra.toml:3: table [dns64] is not supported (tundra.toml has only [translator] so far)");
  CHECK(load_error("mtu = 1500\n") ==
        "tundra.toml:1: key 'mtu': unknown top-level key; translator settings belong in [translator]");
  CHECK(load_error("translator = 1\n") == "tundra.toml:1: key 'translator': expected a table, got an integer");
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
  CHECK(first_difference(toml.translator, tayga.translator) == "");
  CHECK(tayga.translator.maps.size() == 2);
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
  CHECK(c.map_file == "maps.conf");
  CHECK(c.tun_up == true);
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
  for (const char* file : {"full.toml", "tayga-equivalent.conf"}) {
    INFO(file);
    Config original;
    REQUIRE(tundra::load_config(kData + file, &original, &error));
    std::string text = tundra::format_config_toml(original);
    Config again = load_ok(text, "check-output.toml");
    CHECK(first_difference(original.translator, again.translator) == "");
  }
  Config defaults = load_ok("");
  Config again = load_ok(tundra::format_config_toml(defaults), "check-output.toml");
  CHECK(first_difference(defaults.translator, again.translator) == "");
  Config none = load_ok("[translator]\nprefix = \"\"\nipv6-addr = \"2001:db8::1\"\ndynamic-pool = \"\"\n");
  again = load_ok(tundra::format_config_toml(none), "check-output.toml");
  CHECK(first_difference(none.translator, again.translator) == "");
}

TEST_CASE("check output has one key = value line per key and lists daemon-only directives as comments",
          "[config]") {
  Config c = load_ok("tun-device t\nipv4-addr 192.0.2.1\nprefix 64:ff9b::/96\nworkers 2\ntun-up no\n", "tayga.conf");
  std::string text = tundra::format_config_toml(c);
  for (const char* key : {"tun-device", "ipv4-addr", "ipv6-addr", "prefix", "wkpf-strict", "dynamic-pool",
                          "dynamic-dormant-after", "dynamic-free-after", "data-dir", "map", "mtu",
                          "lowest-ipv6-mtu", "udp-zero-checksum", "rfc6791-pool4", "rfc6791-pool6"}) {
    INFO(key);
    CHECK(text.find("\n" + std::string(key) + " = ") != std::string::npos);
  }
  CHECK(text.find("ipv6-addr = \"\"  # derived: prefix + ipv4-addr = 64:ff9b::c000:201\n") != std::string::npos);
  CHECK(text.find("# workers = 2\n") != std::string::npos);
  CHECK(text.find("# tun-up = false\n") != std::string::npos);
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
