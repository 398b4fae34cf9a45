// Tests for cli/show: `tundra show mappings|stats|config` as a table, JSON and CSV. Exact
// outputs for sample data, and every JSON output checked by a small validator (RFC 8259
// grammar) so that no test depends on a tool outside the repository.
#include <catch2/catch.hpp>

#include <cctype>
#include <string>
#include <vector>

#include "cli/show.h"

namespace {

using tundra::MappingKind;
using tundra::MappingRow;
using tundra::MappingState;
using tundra::OutputFormat;
using tundra::StatsSnapshot;

// --- a minimal JSON validator (RFC 8259 §2-§7) --------------------------------------------

class JsonChecker {
 public:
  explicit JsonChecker(std::string_view s) : s_(s) {}
  bool valid() {
    ws();
    if (!value()) return false;
    ws();
    return i_ == s_.size();
  }

 private:
  bool value() {
    if (i_ >= s_.size()) return false;
    switch (s_[i_]) {
      case '{': return object();
      case '[': return array();
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }
  bool object() {
    ++i_;
    ws();
    if (peek('}')) return ++i_, true;
    for (;;) {
      ws();
      if (!string()) return false;
      ws();
      if (!peek(':')) return false;
      ++i_;
      ws();
      if (!value()) return false;
      ws();
      if (peek('}')) return ++i_, true;
      if (!peek(',')) return false;
      ++i_;
    }
  }
  bool array() {
    ++i_;
    ws();
    if (peek(']')) return ++i_, true;
    for (;;) {
      ws();
      if (!value()) return false;
      ws();
      if (peek(']')) return ++i_, true;
      if (!peek(',')) return false;
      ++i_;
    }
  }
  bool string() {
    if (!peek('"')) return false;
    ++i_;
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') return ++i_, true;
      if (c < 0x20) return false;
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) return false;
        const char e = s_[i_];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            ++i_;
            if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) return false;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          return false;
        }
      }
      ++i_;
    }
    return false;
  }
  bool number() {
    const std::size_t start = i_;
    if (peek('-')) ++i_;
    if (peek('0')) {
      ++i_;
    } else if (digits() == 0) {
      return false;
    }
    if (peek('.')) {
      ++i_;
      if (digits() == 0) return false;
    }
    if (peek('e') || peek('E')) {
      ++i_;
      if (peek('+') || peek('-')) ++i_;
      if (digits() == 0) return false;
    }
    return i_ > start;
  }
  std::size_t digits() {
    std::size_t n = 0;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_, ++n;
    return n;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return false;
    i_ += word.size();
    return true;
  }
  bool peek(char c) const { return i_ < s_.size() && s_[i_] == c; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

bool is_json(std::string_view s) { return JsonChecker(s).valid(); }

// --- sample data ---------------------------------------------------------------------------

// 1714564800 = 2024-05-01T12:00:00Z; 7440 s later the binding turns dormant (Tayga's lease).
std::vector<MappingRow> sample_rows() {
  return {
      {"64:ff9b::/96", "0.0.0.0/0", MappingKind::kPrefix, MappingState::kPermanent, 0, 0},
      {"2001:db8::5", "192.0.2.5", MappingKind::kStatic, MappingState::kPermanent, 0, 0},
      {"2001:db8:1::1", "192.168.255.231", MappingKind::kDynamic, MappingState::kActive, 1714564800, 1714572240},
      {"2001:db8:1::2", "192.168.255.232", MappingKind::kDynamic, MappingState::kDormant, 1713355200, 1714564800},
  };
}

StatsSnapshot sample_stats() {
  StatsSnapshot s;
  tundra::Counters w0;
  w0.received4 = 10;
  w0.received6 = 20;
  w0.icmp_sent4 = 1;
  w0.count(tundra::Counter::kTranslated46);
  w0.count(tundra::Counter::kTranslated64);
  w0.count(tundra::Counter::kTranslated64);
  tundra::Counters w1;
  w1.received4 = 5;
  w1.icmp_sent6 = 2;
  w1.count(tundra::Counter::kDropTooBig);
  s.per_worker = {w0, w1};
  s.total = w0;
  s.total += w1;
  s.started_at = 1714564800;
  s.now = 1714564800 + 93784;  // 1d 2h 3m 4s
  s.data_path_mode = "plain, 2 queues";
  return s;
}

}  // namespace

TEST_CASE("Mappings render as an aligned table with ISO-8601 UTC times and '-' where none apply", "[show]") {
  const std::string expected =
      "IPV6           IPV4             KIND     STATE      LAST USE              EXPIRES\n"
      "64:ff9b::/96   0.0.0.0/0        prefix   permanent  -                     -\n"
      "2001:db8::5    192.0.2.5        static   permanent  -                     -\n"
      "2001:db8:1::1  192.168.255.231  dynamic  active     2024-05-01T12:00:00Z  2024-05-01T14:04:00Z\n"
      "2001:db8:1::2  192.168.255.232  dynamic  dormant    2024-04-17T12:00:00Z  2024-05-01T12:00:00Z\n";
  CHECK(tundra::render_mappings(sample_rows(), OutputFormat::kTable) == expected);
}

TEST_CASE("An empty mapping table is the header alone", "[show]") {
  CHECK(tundra::render_mappings({}, OutputFormat::kTable) == "IPV6  IPV4  KIND  STATE  LAST USE  EXPIRES\n");
  CHECK(tundra::render_mappings({}, OutputFormat::kJson) == "{\"mappings\":[]}\n");
  CHECK(tundra::render_mappings({}, OutputFormat::kCsv) == "ipv6,ipv4,kind,state,last_use,expires\r\n");
}

TEST_CASE("Mappings in JSON carry Unix seconds, and null where a time does not apply", "[show]") {
  const std::string json = tundra::render_mappings(sample_rows(), OutputFormat::kJson);
  CHECK(json ==
        "{\"mappings\":["
        "{\"ipv6\":\"64:ff9b::/96\",\"ipv4\":\"0.0.0.0/0\",\"kind\":\"prefix\",\"state\":\"permanent\","
        "\"last_use\":null,\"expires\":null},"
        "{\"ipv6\":\"2001:db8::5\",\"ipv4\":\"192.0.2.5\",\"kind\":\"static\",\"state\":\"permanent\","
        "\"last_use\":null,\"expires\":null},"
        "{\"ipv6\":\"2001:db8:1::1\",\"ipv4\":\"192.168.255.231\",\"kind\":\"dynamic\",\"state\":\"active\","
        "\"last_use\":1714564800,\"expires\":1714572240},"
        "{\"ipv6\":\"2001:db8:1::2\",\"ipv4\":\"192.168.255.232\",\"kind\":\"dynamic\",\"state\":\"dormant\","
        "\"last_use\":1713355200,\"expires\":1714564800}"
        "]}\n");
  CHECK(is_json(json));
}

TEST_CASE("Mappings in CSV have a header row, CRLF line ends and empty fields for no time", "[show]") {
  CHECK(tundra::render_mappings(sample_rows(), OutputFormat::kCsv) ==
        "ipv6,ipv4,kind,state,last_use,expires\r\n"
        "64:ff9b::/96,0.0.0.0/0,prefix,permanent,,\r\n"
        "2001:db8::5,192.0.2.5,static,permanent,,\r\n"
        "2001:db8:1::1,192.168.255.231,dynamic,active,2024-05-01T12:00:00Z,2024-05-01T14:04:00Z\r\n"
        "2001:db8:1::2,192.168.255.232,dynamic,dormant,2024-04-17T12:00:00Z,2024-05-01T12:00:00Z\r\n");
}

TEST_CASE("CSV fields are quoted per RFC 4180 only when they must be", "[show]") {
  CHECK(tundra::csv_field("plain") == "plain");
  CHECK(tundra::csv_field("") == "");
  CHECK(tundra::csv_field("a,b") == "\"a,b\"");
  CHECK(tundra::csv_field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(tundra::csv_field("two\nlines") == "\"two\nlines\"");
  CHECK(tundra::csv_field("cr\rhere") == "\"cr\rhere\"");
  CHECK(tundra::csv_field(" padded") == "\" padded\"");
}

TEST_CASE("Stats render every counter as a table with the daemon's start, uptime and workers", "[show]") {
  const std::string table = tundra::render_stats(sample_stats(), OutputFormat::kTable);
  // The head block, then the counter table; check the head exactly and the counters by line.
  const std::string head =
      "started    2024-05-01T12:00:00Z (up 1d 2h 3m 4s)\n"
      "data path  plain, 2 queues\n"
      "workers    2\n"
      "\n";
  REQUIRE(table.substr(0, head.size()) == head);
  const std::size_t width = std::string("drop_udp_zero_checksum_fragment").size();  // the longest name
  auto line = [&](std::string_view name, std::string_view value, std::string_view help) {
    std::string l(name);
    l.append(width - name.size(), ' ');
    l += "  ";
    l.append(5 - value.size(), ' ');  // "VALUE" is the widest cell of that column
    l += value;
    l += "  ";
    l += help;
    return l + "\n";
  };
  const std::string counters = table.substr(head.size());
  CHECK(counters.rfind(std::string("COUNTER") + std::string(width - 7, ' ') + "  VALUE  DESCRIPTION\n", 0) == 0);
  CHECK(counters.find(line("received4", "15", "IPv4 packets handed to the translator")) != std::string::npos);
  CHECK(counters.find(line("received6", "20", "IPv6 packets handed to the translator")) != std::string::npos);
  CHECK(counters.find(line("icmp_sent4", "1", "ICMPv4 errors the translator originated")) != std::string::npos);
  CHECK(counters.find(line("icmp_sent6", "2", "ICMPv6 errors the translator originated")) != std::string::npos);
  CHECK(counters.find(line("translated_6to4", "2", "IPv6 packets translated to IPv4")) != std::string::npos);
  CHECK(counters.find(line("drop_too_big", "1", "packet does not fit the output buffers")) != std::string::npos);
  CHECK(counters.find(line("drop_not_ip", "0", "neither IPv4 nor IPv6")) != std::string::npos);
  // Header + 4 packet totals + 5 GSO totals + every reason, zero or not.
  std::size_t lines = 0;
  for (const char c : counters) lines += c == '\n';
  CHECK(lines == 1 + 4 + 5 + 1 + tundra::kCounterCount);
  CHECK(table.find(" \n") == std::string::npos);  // no trailing spaces
}

TEST_CASE("Stats in JSON have totals and the per-worker breakdown", "[show]") {
  const std::string json = tundra::render_stats(sample_stats(), OutputFormat::kJson);
  CHECK(is_json(json));
  CHECK(json.rfind("{\"started_at\":1714564800,\"now\":1714658584,\"uptime_seconds\":93784,"
                   "\"data_path_mode\":\"plain, 2 queues\",\"workers\":2,\"total\":{\"received4\":15,"
                   "\"received6\":20,\"icmp_sent4\":1,\"icmp_sent6\":2,\"gso_received\":0,\"gso_translated\":0,\"gso_segmented\":0,\"gso_coalesced\":0,\"gso_built\":0,\"write_errors\":0,\"translated_4to6\":1,\"translated_6to4\":2,",
                   0) == 0);
  CHECK(json.find("\"per_worker\":[{\"received4\":10,\"received6\":20,\"icmp_sent4\":1,\"icmp_sent6\":0,\"gso_received\":0,"
                  "\"gso_translated\":0,\"gso_segmented\":0,\"gso_coalesced\":0,\"gso_built\":0,\"write_errors\":0,\"translated_4to6\":1,\"translated_6to4\":2,") != std::string::npos);
  CHECK(json.find("},{\"received4\":5,\"received6\":0,\"icmp_sent4\":0,\"icmp_sent6\":2,\"gso_received\":0,\"gso_translated\":0,\"gso_segmented\":0,\"gso_coalesced\":0,\"gso_built\":0,\"write_errors\":0,\"translated_4to6\":0,") !=
        std::string::npos);
  CHECK(json.find("\"drop_too_big\":1,") != std::string::npos);
  CHECK(json.find("\"drop_pool_rate_limited\":0}]}\n") != std::string::npos);  // the last reason
  for (const auto& info : tundra::kCounterInfo) {
    CHECK(json.find("\"" + std::string(info.name) + "\":") != std::string::npos);
  }
}

TEST_CASE("Stats in CSV are counter,value,description rows", "[show]") {
  const std::string csv = tundra::render_stats(sample_stats(), OutputFormat::kCsv);
  CHECK(csv.rfind("counter,value,description\r\n"
                  "received4,15,IPv4 packets handed to the translator\r\n"
                  "received6,20,IPv6 packets handed to the translator\r\n"
                  "icmp_sent4,1,ICMPv4 errors the translator originated\r\n"
                  "icmp_sent6,2,ICMPv6 errors the translator originated\r\n"
                  "gso_received,0,GSO super-packets read (offload mode)\r\n"
                  "gso_translated,0,GSO super-packets translated in one step\r\n"
                  "gso_segmented,0,GSO super-packets cut into segments before translation\r\n"
                  "gso_coalesced,0,UDP datagrams written coalesced into UDP super-packets\r\n"
                  "gso_built,0,UDP super-packets built by coalescing datagrams\r\n"
                  "write_errors,0,writes to the TUN that failed: what they carried was lost\r\n"
                  "translated_4to6,1,IPv4 packets translated to IPv6\r\n",
                  0) == 0);
  // A description with a comma is quoted.
  CHECK(csv.find("drop_bad_header_4,0,\"IPv4 header invalid (version, IHL, checksum)\"\r\n") != std::string::npos);
}

TEST_CASE("An empty snapshot still renders every format", "[show]") {
  const StatsSnapshot empty;
  CHECK(tundra::render_stats(empty, OutputFormat::kTable).rfind("started    -\ndata path  -\nworkers    0\n\n", 0) == 0);
  const std::string json = tundra::render_stats(empty, OutputFormat::kJson);
  CHECK(is_json(json));
  CHECK(json.find("\"per_worker\":[]") != std::string::npos);
}

TEST_CASE("Config renders as its TOML text, as JSON in file order, and as key,value CSV", "[show]") {
  const std::string toml =
      "# Effective tundra configuration\n"
      "[translator]\n"
      "tun-device = \"nat64\"\n"
      "ipv4-addr = \"192.168.255.1\"\n"
      "prefix = \"64:ff9b::/96\"  # the well-known prefix\n"
      "wkpf-strict = true\n"
      "map = [\"192.0.2.5 2001:db8::5\", \"192.0.2.6 2001:db8::6\"]\n"
      "mtu = 1500\n"
      "note = \"a \\\"quoted\\\", tab\\there\"\n";
  std::string out;
  std::string error;
  REQUIRE(tundra::render_config(toml, OutputFormat::kTable, &out, &error));
  CHECK(out == toml);

  REQUIRE(tundra::render_config(toml, OutputFormat::kJson, &out, &error));
  CHECK(out ==
        "{\"translator\":{\"tun-device\":\"nat64\",\"ipv4-addr\":\"192.168.255.1\",\"prefix\":\"64:ff9b::/96\","
        "\"wkpf-strict\":true,\"map\":[\"192.0.2.5 2001:db8::5\",\"192.0.2.6 2001:db8::6\"],\"mtu\":1500,"
        "\"note\":\"a \\\"quoted\\\", tab\\there\"}}\n");
  CHECK(is_json(out));

  REQUIRE(tundra::render_config(toml, OutputFormat::kCsv, &out, &error));
  CHECK(out ==
        "key,value\r\n"
        "translator.tun-device,nat64\r\n"
        "translator.ipv4-addr,192.168.255.1\r\n"
        "translator.prefix,64:ff9b::/96\r\n"
        "translator.wkpf-strict,true\r\n"
        "translator.map,\"[\"\"192.0.2.5 2001:db8::5\"\",\"\"192.0.2.6 2001:db8::6\"\"]\"\r\n"
        "translator.mtu,1500\r\n"
        "translator.note,\"a \"\"quoted\"\", tab\there\"\r\n");
}

TEST_CASE("Config that is not TOML is reported in one line for JSON and CSV", "[show]") {
  std::string out;
  std::string error;
  CHECK_FALSE(tundra::render_config("this is = = not toml", OutputFormat::kJson, &out, &error));
  CHECK(error.rfind("the effective configuration is not valid TOML (line 1): ", 0) == 0);
  CHECK(error.find('\n') == std::string::npos);
  CHECK(tundra::render_config("no newline", OutputFormat::kTable, &out, &error));
  CHECK(out == "no newline\n");
}

TEST_CASE("JSON strings escape quotes, backslashes and control characters", "[show]") {
  tundra::JsonWriter w;
  w.begin_object()
      .key("s")
      .value(std::string_view("q\" b\\ nl\n cr\r tab\t bell\x07 del\x7f \xc3\xa9"))
      .key("n")
      .value(std::int64_t{-5})
      .key("u")
      .value(std::uint64_t{18446744073709551615ULL})
      .key("d")
      .value(1.5)
      .key("a")
      .begin_array()
      .value(true)
      .null()
      .begin_object()
      .end_object()
      .begin_array()
      .end_array()
      .end_array()
      .end_object();
  CHECK(w.str() ==
        "{\"s\":\"q\\\" b\\\\ nl\\n cr\\r tab\\t bell\\u0007 del\x7f \xc3\xa9\",\"n\":-5,"
        "\"u\":18446744073709551615,\"d\":1.5,\"a\":[true,null,{},[]]}");
  CHECK(is_json(w.str()));
}

TEST_CASE("The JSON validator used by these tests rejects what is not JSON", "[show]") {
  CHECK(is_json("{\"a\":[1,2.5e3,-0,\"x\",true,false,null]}"));
  CHECK_FALSE(is_json("{\"a\":1,}"));
  CHECK_FALSE(is_json("{a:1}"));
  CHECK_FALSE(is_json("[1 2]"));
  CHECK_FALSE(is_json("\"tab\there\""));
  CHECK_FALSE(is_json("01"));
  CHECK_FALSE(is_json("{} {}"));
}

TEST_CASE("Times are ISO-8601 UTC and durations drop leading zero units", "[show]") {
  CHECK(tundra::format_iso8601_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(tundra::format_iso8601_utc(1714564800) == "2024-05-01T12:00:00Z");
  CHECK(tundra::format_iso8601_utc(951782400) == "2000-02-29T00:00:00Z");
  CHECK(tundra::format_duration(0) == "0s");
  CHECK(tundra::format_duration(300) == "5m 0s");
  CHECK(tundra::format_duration(3600) == "1h 0m 0s");
  CHECK(tundra::format_duration(93784) == "1d 2h 3m 4s");
  CHECK(tundra::format_duration(-3) == "0s");
}

TEST_CASE("Output formats are named table, json and csv, with or without dashes", "[show]") {
  CHECK(tundra::parse_output_format("table") == OutputFormat::kTable);
  CHECK(tundra::parse_output_format("json") == OutputFormat::kJson);
  CHECK(tundra::parse_output_format("--json") == OutputFormat::kJson);
  CHECK(tundra::parse_output_format("csv") == OutputFormat::kCsv);
  CHECK_FALSE(tundra::parse_output_format("xml"));
  CHECK(tundra::output_format_name(OutputFormat::kCsv) == "csv");
  CHECK(std::string(tundra::to_string(MappingKind::kDynamic)) == "dynamic");
  CHECK(std::string(tundra::to_string(MappingState::kDormant)) == "dormant");
}
