// Loading tundra.toml and tayga.conf into Config. See cli/config.h and
// docs/configuration.md (the operator's reference; keep the two in step).
//
// Both formats go through the same text parsers (parse_* below), so a value means the same
// thing whichever way it is written; only the surface syntax and the starting defaults
// differ (a tayga.conf starts from Tayga's defaults, see load_tayga()).
#include "cli/config.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <toml++/toml.h>

#include "translator/rfc6052.h"

namespace tundra {
namespace {

// DynamicPool keeps one slot per pool address, allocated up front; a /16 (65,536 slots) is
// the largest pool worth that memory. translator/dynamic_pool.h names no bound of its own.
constexpr std::uint8_t kMinDynamicPoolLength = 16;
// The pool's network address is never handed out, so a /32 would have nothing to lend
// (Tayga refuses it too).
constexpr std::uint8_t kMaxDynamicPoolLength = 31;
// IPv6's minimum link MTU (RFC 8200 §5) and the largest IP packet.
constexpr std::int64_t kMinMtu = 1280;
constexpr std::int64_t kMaxMtu = 65535;
// Linux interface names: IFNAMSIZ (16) bytes including the terminating NUL.
constexpr std::size_t kMaxInterfaceName = 15;
// Tayga's `workers` range (MAX_WORKERS on Linux).
constexpr unsigned kMaxWorkers = 64;
// sockaddr_un::sun_path is 108 bytes on Linux, including the terminating NUL.
constexpr std::size_t kMaxUnixSocketPath = 107;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }

std::vector<std::string_view> split_words(std::string_view s) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && is_space(s[i])) ++i;
    std::size_t start = i;
    while (i < s.size() && !is_space(s[i])) ++i;
    if (i > start) words.push_back(s.substr(start, i - start));
  }
  return words;
}

// A value for a message, between single quotes and on one line: a TOML string may hold line
// breaks and other control characters, which are shown as escapes (found by fuzz/config_fuzz).
std::string quoted(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "'";
}

// ---------------------------------------------------------------------------------------
// Value parsers shared by both formats. Each returns false and sets *what to the part of
// the message after "key 'name': ".

bool parse_tun_device(std::string_view text, std::string* out, std::string* what) {
  // The kernel's dev_valid_name(): non-empty, shorter than IFNAMSIZ, not "." or "..", no
  // '/', ':' or whitespace.
  if (text.empty()) {
    *what = "must not be empty";
    return false;
  }
  if (text.size() > kMaxInterfaceName) {
    *what = quoted(text) + " is longer than " + std::to_string(kMaxInterfaceName) + " characters";
    return false;
  }
  if (text == "." || text == ".." ||
      std::any_of(text.begin(), text.end(), [](char c) { return c == '/' || c == ':' || is_space(c); })) {
    *what = quoted(text) + " is not a valid interface name";
    return false;
  }
  *out = std::string(text);
  return true;
}

bool parse_ipv4(std::string_view text, Ipv4Address* out, std::string* what) {
  auto a = Ipv4Address::parse(text);
  if (!a) {
    *what = quoted(text) + " is not an IPv4 address";
    return false;
  }
  *out = *a;
  return true;
}

bool parse_ipv6(std::string_view text, Ipv6Address* out, std::string* what) {
  auto a = Ipv6Address::parse(text);
  if (!a) {
    *what = quoted(text) + " is not an IPv6 address";
    return false;
  }
  *out = *a;
  return true;
}

// Parses "address[/length]" for Ipv4Prefix (max 32) or Ipv6Prefix (max 128), saying
// precisely what is wrong. Without "/length" the prefix is a single address, unless
// `require_length` is set.
template <class Prefix, class Address, unsigned kMax>
bool parse_prefix_text(std::string_view text, bool require_length, Prefix* out, std::string* what) {
  const char* family = kMax == 32 ? "IPv4" : "IPv6";
  auto slash = text.find('/');
  std::string_view addr_text = text.substr(0, slash);
  unsigned length = kMax;
  if (slash == std::string_view::npos) {
    if (require_length) {
      *what = quoted(text) + " needs a prefix length (address/length)";
      return false;
    }
  } else {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || length > kMax) {
      *what = quoted(text) + ": '/" + std::string(digits) + "' is not a prefix length (0.." +
              std::to_string(kMax) + ")";
      return false;
    }
  }
  auto address = Address::parse(addr_text);
  if (!address) {
    *what = quoted(text) + " is not an " + family + " " + (slash == std::string_view::npos ? "address" : "prefix");
    return false;
  }
  Prefix p = Prefix::make(*address, static_cast<std::uint8_t>(length));
  if (p.address != *address) {
    *what = quoted(text) + " has host bits set (did you mean " + p.to_string() + "?)";
    return false;
  }
  *out = p;
  return true;
}

bool parse_prefix4(std::string_view text, bool require_length, Ipv4Prefix* out, std::string* what) {
  return parse_prefix_text<Ipv4Prefix, Ipv4Address, 32>(text, require_length, out, what);
}
bool parse_prefix6(std::string_view text, bool require_length, Ipv6Prefix* out, std::string* what) {
  return parse_prefix_text<Ipv6Prefix, Ipv6Address, 128>(text, require_length, out, what);
}

// `prefix`: RFC 6052 §2.2 allows six lengths, and bits 64..71 (the u octet) must be zero.
bool parse_nat64_prefix(std::string_view text, Rfc6052Prefix* out, std::string* what) {
  Ipv6Prefix p;
  if (!parse_prefix6(text, true, &p, what)) return false;
  switch (p.length) {
    case 32: case 40: case 48: case 56: case 64: case 96: break;
    default:
      *what = quoted(text) + ": /" + std::to_string(p.length) +
              " is not an RFC 6052 length (32, 40, 48, 56, 64, 96)";
      return false;
  }
  auto r = Rfc6052Prefix::make(p);
  if (!r) {
    *what = quoted(text) + ": bits 64..71 (the u octet) must be zero (RFC 6052 §2.2)";
    return false;
  }
  *out = *r;
  return true;
}

bool parse_dynamic_pool(std::string_view text, Ipv4Prefix* out, std::string* what) {
  Ipv4Prefix p;
  if (!parse_prefix4(text, true, &p, what)) return false;
  if (p.length < kMinDynamicPoolLength) {
    *what = quoted(text) + " is larger than /" + std::to_string(kMinDynamicPoolLength) +
            " (the largest pool tundra keeps)";
    return false;
  }
  if (p.length > kMaxDynamicPoolLength) {
    *what = quoted(text) + " leaves no address to lend (at most /" +
            std::to_string(kMaxDynamicPoolLength) + ")";
    return false;
  }
  *out = p;
  return true;
}

// `map`: "IPv4[/len] IPv6[/len]". RFC 7757 §3.2 carries the IPv4 suffix into the IPv6
// suffix, so the IPv6 side needs at least as many suffix bits as the IPv4 side (Tayga
// demands equal suffixes; tundra also allows a longer IPv6 suffix, as EamTable does).
bool parse_map(std::string_view v4_text, std::string_view v6_text, EamEntry* out, std::string* what) {
  EamEntry e;
  if (!parse_prefix4(v4_text, false, &e.v4, what)) return false;
  if (!parse_prefix6(v6_text, false, &e.v6, what)) return false;
  unsigned v4_suffix = 32u - e.v4.length;
  unsigned v6_suffix = 128u - e.v6.length;
  if (v6_suffix < v4_suffix) {
    *what = quoted(std::string(v4_text) + " " + std::string(v6_text)) + ": the IPv6 side has " +
            std::to_string(v6_suffix) + " suffix bits, fewer than the IPv4 side's " +
            std::to_string(v4_suffix) + " (RFC 7757 §3.2)";
    return false;
  }
  *out = e;
  return true;
}

bool parse_mtu(std::int64_t value, std::uint32_t* out, std::string* what) {
  if (value < kMinMtu || value > kMaxMtu) {
    *what = std::to_string(value) + " is " + (value < kMinMtu ? "below 1280" : "above 65535") +
            " (allowed: 1280..65535 bytes)";
    return false;
  }
  *out = static_cast<std::uint32_t>(value);
  return true;
}

// A per-second budget (dynamic-new-per-second, icmp-error-rate): 0 (no limit) .. 10^9.
bool parse_rate(std::int64_t value, std::uint32_t* out, std::string* what) {
  if (value < 0 || value > 1000000000) {
    *what = std::to_string(value) + " is outside 0..1000000000 per second (0 = no limit)";
    return false;
  }
  *out = static_cast<std::uint32_t>(value);
  return true;
}

bool parse_seconds(std::int64_t value, UnixSeconds* out, std::string* what) {
  if (value <= 0) {
    *what = std::to_string(value) + " is not a positive number of seconds";
    return false;
  }
  *out = value;
  return true;
}

bool parse_udp_mode(std::string_view text, UdpZeroChecksum* out, std::string* what) {
  if (text == "calc") {
    *out = UdpZeroChecksum::kCalc;
  } else if (text == "icmp") {
    *out = UdpZeroChecksum::kIcmp;
  } else if (text == "drop") {
    *out = UdpZeroChecksum::kDrop;
  } else {
    *what = quoted(text) + " is not one of calc, icmp, drop";
    return false;
  }
  return true;
}

// `data-dir` must be absolute: the daemon may change directory (Tayga's chroot), and a
// relative path would silently depend on where it was started.
bool parse_data_dir(std::string_view text, std::string* out, std::string* what) {
  if (!text.empty() && text.front() != '/') {
    *what = quoted(text) + " is not an absolute path";
    return false;
  }
  *out = std::string(text);
  return true;
}

bool parse_integer_text(std::string_view text, std::int64_t* out, std::string* what) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size()) {
    *what = quoted(text) + " is not an integer";
    return false;
  }
  return true;
}

// Tayga's boolean words.
bool parse_bool_word(std::string_view text, bool* out, std::string* what) {
  std::string w = lower(text);
  if (w == "yes" || w == "on" || w == "true" || w == "1") {
    *out = true;
  } else if (w == "no" || w == "off" || w == "false" || w == "0") {
    *out = false;
  } else {
    *what = quoted(text) + " is not one of yes, no, on, off, true, false, 1, 0";
    return false;
  }
  return true;
}

bool parse_interface_address(std::string_view text, InterfaceAddress* out, std::string* what) {
  auto slash = text.find('/');
  std::string_view addr_text = text.substr(0, slash);
  InterfaceAddress ia;
  unsigned max_len = 0;
  if (auto v4 = Ipv4Address::parse(addr_text)) {
    ia.address = *v4;
    max_len = 32;
  } else if (auto v6 = Ipv6Address::parse(addr_text)) {
    ia.address = *v6;
    max_len = 128;
  } else {
    *what = quoted(text) + " is not an IPv4 or IPv6 address";
    return false;
  }
  unsigned length = max_len;
  if (slash != std::string_view::npos) {
    std::string_view digits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || length > max_len) {
      *what = quoted(text) + ": '/" + std::string(digits) + "' is not a prefix length (0.." +
              std::to_string(max_len) + ")";
      return false;
    }
  }
  ia.length = static_cast<std::uint8_t>(length);
  *out = ia;
  return true;
}

bool parse_ip_prefix(std::string_view text, IpPrefix* out, std::string* what) {
  std::string_view addr_text = text.substr(0, text.find('/'));
  if (Ipv4Address::parse(addr_text)) {
    Ipv4Prefix p;
    if (!parse_prefix4(text, false, &p, what)) return false;
    *out = p;
    return true;
  }
  Ipv6Prefix p;
  if (!Ipv6Address::parse(addr_text)) {
    *what = quoted(text) + " is not an IPv4 or IPv6 prefix";
    return false;
  }
  if (!parse_prefix6(text, false, &p, what)) return false;
  *out = p;
  return true;
}

// Tayga's `log` categories.
constexpr std::string_view kLogCategories[] = {"drop", "reject", "icmp", "self", "dyn"};

// One `log` category, exactly as spelt in kLogCategories; appended unless already there.
bool add_log_category(std::string_view text, std::vector<std::string>* out, std::string* what) {
  if (std::find(std::begin(kLogCategories), std::end(kLogCategories), text) == std::end(kLogCategories)) {
    *what = quoted(text) + " is not one of drop, reject, icmp, self, dyn";
    return false;
  }
  if (std::find(out->begin(), out->end(), text) == out->end()) out->emplace_back(text);
  return true;
}

bool is_absolute_path(std::string_view text) { return !text.empty() && text.front() == '/'; }

// `pid-file`: "" or an absolute path (the daemon may change directory).
bool parse_optional_absolute_path(std::string_view text, std::string* out, std::string* what) {
  if (!text.empty() && !is_absolute_path(text)) {
    *what = quoted(text) + " is not an absolute path";
    return false;
  }
  *out = std::string(text);
  return true;
}

// `control-socket`: "" or an absolute path that fits in sockaddr_un.
bool parse_control_socket(std::string_view text, std::string* out, std::string* what) {
  if (!parse_optional_absolute_path(text, out, what)) return false;
  if (text.size() > kMaxUnixSocketPath) {
    *what = quoted(text) + " is longer than " + std::to_string(kMaxUnixSocketPath) +
            " bytes (the limit of a Unix socket path)";
    return false;
  }
  return true;
}

bool parse_log_level(std::string_view text, std::string* out, std::string* what) {
  if (text != "error" && text != "warn" && text != "info" && text != "debug") {
    *what = quoted(text) + " is not one of error, warn, info, debug";
    return false;
  }
  *out = std::string(text);
  return true;
}

// `user` / `group`: "" or a name or a numeric id. Names are checked for shape only (the
// portable POSIX name characters, plus a trailing '$' as useradd allows) and not looked up:
// `tundra check` may run on another host; the daemon resolves them when it starts.
bool parse_account(std::string_view text, std::string* out, std::string* what) {
  if (!text.empty()) {
    bool digits = std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) {
      std::uint32_t id = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
      // (uid_t)-1 means "no change" to setresuid(), so it is not an id.
      if (ec != std::errc{} || end != text.data() + text.size() || id == 0xffffffffu) {
        *what = quoted(text) + " is not a valid numeric id (0..4294967294)";
        return false;
      }
    } else {
      bool ok = text.front() != '-';
      for (std::size_t i = 0; ok && i < text.size(); ++i) {
        char c = text[i];
        ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
             c == '.' || c == '-' || (c == '$' && i + 1 == text.size());
      }
      if (!ok) {
        *what = quoted(text) + " is not a user or group name (letters, digits, '.', '_', '-') or a numeric id";
        return false;
      }
    }
  }
  *out = std::string(text);
  return true;
}

// `http-listen` syntax: a numeric "IPv4:port" or "[IPv6]:port", port 1..65535 (cli/http.cpp
// binds it; port 0, which it allows for tests, has no use in a configuration file).
bool check_listen_address(std::string_view text, std::string* what) {
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      *what = quoted(text) + " is not [IPv6]:port";
      return false;
    }
    if (!Ipv6Address::parse(text.substr(1, close - 1))) {
      *what = quoted(text) + ": " + quoted(text.substr(1, close - 1)) + " is not an IPv6 address";
      return false;
    }
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      *what = quoted(text) + " has no port (IPv4:port or [IPv6]:port)";
      return false;
    }
    std::string_view host = text.substr(0, colon);
    if (host.find(':') != std::string_view::npos) {
      *what = quoted(text) + ": an IPv6 address needs brackets, as in [::1]:8080";
      return false;
    }
    if (!Ipv4Address::parse(host)) {
      *what = quoted(text) + ": " + quoted(host) + " is not an IPv4 address (addresses are numeric)";
      return false;
    }
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    *what = quoted(text) + ": " + quoted(port_text) + " is not a port (1..65535)";
    return false;
  }
  return true;
}

// `http-listen`: "" (off) or a numeric "IPv4:port" / "[IPv6]:port".
bool parse_http_listen(std::string_view text, std::string* out, std::string* what) {
  if (!text.empty() && !check_listen_address(text, what)) return false;
  *out = std::string(text);
  return true;
}

// A relative map-file is relative to data-dir, as in Tayga (which reads it after changing
// into data-dir). It is resolved here so that the daemon and `check` see one absolute path.
bool resolve_map_file(Config* config, std::string* what) {
  std::string& file = config->map_file;
  if (file.empty() || is_absolute_path(file)) return true;
  const std::string& dir = config->translator.data_dir;
  if (dir.empty()) {
    *what = quoted(file) + " is a relative path and there is no data-dir to resolve it against";
    return false;
  }
  file = dir + (dir.back() == '/' ? "" : "/") + file;
  return true;
}

// ---------------------------------------------------------------------------------------
// tundra.toml

std::string toml_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a floating-point number";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "nothing";
  }
}

struct KeyContext {
  std::string what;     // set by a failing setter
  std::uint32_t line;   // the key's line; a setter may point it at an array element
};

using TomlSetter = bool (*)(const toml::node& value, Config& cfg, KeyContext& ctx);

bool want_string(const toml::node& n, std::string_view* out, KeyContext& ctx, const char* hint = "") {
  if (const auto* s = n.as_string()) {
    *out = s->get();
    return true;
  }
  ctx.what = std::string("expected a string") + hint + ", got " + toml_type_name(n);
  return false;
}

bool want_integer(const toml::node& n, std::int64_t* out, KeyContext& ctx) {
  if (const auto* i = n.as_integer()) {
    *out = i->get();
    return true;
  }
  ctx.what = "expected an integer, got " + toml_type_name(n);
  return false;
}

bool want_bool(const toml::node& n, bool* out, KeyContext& ctx) {
  if (const auto* b = n.as_boolean()) {
    *out = b->get();
    return true;
  }
  ctx.what = "expected true or false, got " + toml_type_name(n);
  return false;
}

// An integer key with its range and unit.
bool parse_ranged(const toml::node& n, std::int64_t lo, std::int64_t hi, const char* unit, std::uint32_t* out,
                  KeyContext& x) {
  std::int64_t v = 0;
  if (!want_integer(n, &v, x)) return false;
  if (v < lo || v > hi) {
    x.what = std::to_string(v) + " is outside " + std::to_string(lo) + ".." + std::to_string(hi) + unit;
    return false;
  }
  *out = static_cast<std::uint32_t>(v);
  return true;
}

// A string that is one of two words: `*out` = whether it is `yes` (the other is `no`).
bool want_either(const toml::node& n, std::string_view yes, std::string_view no, bool* out, KeyContext& ctx) {
  const auto* s = n.as_string();
  const std::string choices = "\"" + std::string(yes) + "\" or \"" + std::string(no) + "\"";
  if (!s) {
    ctx.what = "expected " + choices + ", got " + toml_type_name(n);
    return false;
  }
  if (s->get() != yes && s->get() != no) {
    ctx.what = quoted(s->get()) + " is not " + choices;
    return false;
  }
  *out = s->get() == yes;
  return true;
}

// An array of strings, each passed to `f(string_view, std::string* what)`; ctx.line follows
// the element being read so that a bad element is reported on its own line.
template <class F>
bool for_each_string(const toml::node& n, KeyContext& ctx, const char* element, F&& f) {
  const auto* arr = n.as_array();
  if (!arr) {
    ctx.what = std::string("expected an array of ") + element + " strings, got " + toml_type_name(n);
    return false;
  }
  for (const toml::node& item : *arr) {
    if (item.source().begin.line != 0) ctx.line = item.source().begin.line;
    std::string_view s;
    if (!want_string(item, &s, ctx)) return false;
    if (!f(s, &ctx.what)) return false;
  }
  return true;
}

constexpr const char* kEmptyForNone = " (\"\" for none)";

// Keys of [translator], in the order `check` prints them. The names are the contract in
// translator/config.h and cli/config.h.
struct TomlKey {
  std::string_view name;
  std::string_view canonical;  // differs for aliases
  TomlSetter set;
};

const TomlKey kTranslatorKeys[] = {
    {"tun-device", "tun-device",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x) && parse_tun_device(s, &c.translator.tun_device, &x.what);
     }},
    {"ipv4-addr", "ipv4-addr",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x) && parse_ipv4(s, &c.translator.ipv4_addr, &x.what);
     }},
    {"ipv6-addr", "ipv6-addr",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       if (!want_string(n, &s, x, " (\"\" to derive it from prefix + ipv4-addr)")) return false;
       if (s.empty()) {
         c.translator.ipv6_addr.reset();
         return true;
       }
       Ipv6Address a;
       if (!parse_ipv6(s, &a, &x.what)) return false;
       c.translator.ipv6_addr = a;
       return true;
     }},
    {"prefix", "prefix",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       if (!want_string(n, &s, x, kEmptyForNone)) return false;
       if (s.empty()) {
         c.translator.prefix.reset();
         return true;
       }
       Rfc6052Prefix p = Rfc6052Prefix::well_known();
       if (!parse_nat64_prefix(s, &p, &x.what)) return false;
       c.translator.prefix = p;
       return true;
     }},
    {"wkpf-strict", "wkpf-strict",
     [](const toml::node& n, Config& c, KeyContext& x) { return want_bool(n, &c.translator.wkpf_strict, x); }},
    {"dynamic-pool", "dynamic-pool",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       if (!want_string(n, &s, x, kEmptyForNone)) return false;
       if (s.empty()) {
         c.translator.dynamic_pool.reset();
         return true;
       }
       Ipv4Prefix p;
       if (!parse_dynamic_pool(s, &p, &x.what)) return false;
       c.translator.dynamic_pool = p;
       return true;
     }},
    {"dynamic-dormant-after", "dynamic-dormant-after",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::int64_t v = 0;
       return want_integer(n, &v, x) && parse_seconds(v, &c.translator.dynamic_dormant_after, &x.what);
     }},
    {"dynamic-free-after", "dynamic-free-after",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::int64_t v = 0;
       return want_integer(n, &v, x) && parse_seconds(v, &c.translator.dynamic_free_after, &x.what);
     }},
    {"data-dir", "data-dir",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x, kEmptyForNone) && parse_data_dir(s, &c.translator.data_dir, &x.what);
     }},
    {"map", "map",
     [](const toml::node& n, Config& c, KeyContext& x) {
       const auto* arr = n.as_array();
       if (!arr) {
         x.what = "expected an array of \"IPv4[/len] IPv6[/len]\" strings, got " + toml_type_name(n);
         return false;
       }
       c.translator.maps.clear();
       for (const toml::node& element : *arr) {
         if (element.source().begin.line != 0) x.line = element.source().begin.line;
         std::string_view s;
         if (!want_string(element, &s, x)) return false;
         auto words = split_words(s);
         if (words.size() != 2) {
           x.what = quoted(s) + " is not \"IPv4[/len] IPv6[/len]\"";
           return false;
         }
         EamEntry e;
         if (!parse_map(words[0], words[1], &e, &x.what)) return false;
         c.translator.maps.push_back(e);
       }
       return true;
     }},
    {"dynamic-new-per-second", "dynamic-new-per-second",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::int64_t v = 0;
       return want_integer(n, &v, x) && parse_rate(v, &c.translator.dynamic_new_per_second, &x.what);
     }},
    {"icmp-error-rate", "icmp-error-rate",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::int64_t v = 0;
       return want_integer(n, &v, x) && parse_rate(v, &c.translator.icmp_error_rate, &x.what);
     }},
    {"mtu", "mtu",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::int64_t v = 0;
       return want_integer(n, &v, x) && parse_mtu(v, &c.translator.mtu, &x.what);
     }},
    {"lowest-ipv6-mtu", "lowest-ipv6-mtu",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::int64_t v = 0;
       return want_integer(n, &v, x) && parse_mtu(v, &c.translator.lowest_ipv6_mtu, &x.what);
     }},
    {"offlink-mtu", "lowest-ipv6-mtu",  // Tayga's name
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::int64_t v = 0;
       return want_integer(n, &v, x) && parse_mtu(v, &c.translator.lowest_ipv6_mtu, &x.what);
     }},
    {"udp-zero-checksum", "udp-zero-checksum",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x) && parse_udp_mode(s, &c.translator.udp_zero_checksum, &x.what);
     }},
    {"rfc6791-pool4", "rfc6791-pool4",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       if (!want_string(n, &s, x, kEmptyForNone)) return false;
       if (s.empty()) {
         c.translator.rfc6791_pool4.reset();
         return true;
       }
       Ipv4Prefix p;
       if (!parse_prefix4(s, false, &p, &x.what)) return false;
       c.translator.rfc6791_pool4 = p;
       return true;
     }},
    {"rfc6791-pool6", "rfc6791-pool6",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       if (!want_string(n, &s, x, kEmptyForNone)) return false;
       if (s.empty()) {
         c.translator.rfc6791_pool6.reset();
         return true;
       }
       Ipv6Prefix p;
       if (!parse_prefix6(s, false, &p, &x.what)) return false;
       c.translator.rfc6791_pool6 = p;
       return true;
     }},
    // Daemon settings that concern the TUN and the packet path.
    {"workers", "workers",
     [](const toml::node& n, Config& c, KeyContext& x) {
       if (const auto* s = n.as_string()) {
         if (s->get() != "auto") {
           x.what = quoted(s->get()) + " is not \"auto\" or an integer 1.." + std::to_string(kMaxWorkers);
           return false;
         }
         c.workers = 0;
         return true;
       }
       const auto* i = n.as_integer();
       if (!i) {
         x.what = "expected an integer 1.." + std::to_string(kMaxWorkers) + " or \"auto\", got " + toml_type_name(n);
         return false;
       }
       if (i->get() < 1 || i->get() > std::int64_t{kMaxWorkers}) {
         x.what = std::to_string(i->get()) + " is outside 1.." + std::to_string(kMaxWorkers) +
                  " (\"auto\" = one per online CPU)";
         return false;
       }
       c.workers = static_cast<unsigned>(i->get());
       return true;
     }},
    {"pin-workers", "pin-workers",
     [](const toml::node& n, Config& c, KeyContext& x) { return want_bool(n, &c.pin_workers, x); }},
    {"busy-poll", "busy-poll",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return parse_ranged(n, 0, 1000000, " microseconds (0 = off)", &c.busy_poll_us, x);
     }},
    {"offload", "offload",
     [](const toml::node& n, Config& c, KeyContext& x) { return want_either(n, "auto", "off", &c.offload, x); }},
    {"forwarding", "forwarding",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return want_either(n, "enable", "keep", &c.enable_forwarding, x);
     }},
    {"configure-interface", "configure-interface",
     [](const toml::node& n, Config& c, KeyContext& x) { return want_bool(n, &c.configure_interface, x); }},
    {"tun-ip", "tun-ip",
     [](const toml::node& n, Config& c, KeyContext& x) {
       c.tun_ips.clear();
       return for_each_string(n, x, "\"address[/length]\"", [&](std::string_view s, std::string* what) {
         InterfaceAddress ia;
         if (!parse_interface_address(s, &ia, what)) return false;
         c.tun_ips.push_back(ia);
         return true;
       });
     }},
    {"tun-route", "tun-route",
     [](const toml::node& n, Config& c, KeyContext& x) {
       c.tun_routes.clear();
       return for_each_string(n, x, "\"prefix[/length]\"", [&](std::string_view s, std::string* what) {
         IpPrefix p;
         if (!parse_ip_prefix(s, &p, what)) return false;
         c.tun_routes.push_back(p);
         return true;
       });
     }},
    {"map-file", "map-file",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       if (!want_string(n, &s, x, kEmptyForNone)) return false;
       c.map_file = std::string(s);
       return true;
     }},
    {"log", "log",
     [](const toml::node& n, Config& c, KeyContext& x) {
       c.log_categories.clear();
       return for_each_string(n, x, "category", [&](std::string_view s, std::string* what) {
         return add_log_category(s, &c.log_categories, what);
       });
     }},
};

// Keys of [daemon], in the order `check` prints them.
const TomlKey kDaemonKeys[] = {
    {"control-socket", "control-socket",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x, kEmptyForNone) && parse_control_socket(s, &c.control_socket, &x.what);
     }},
    {"http-listen", "http-listen",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x, kEmptyForNone) && parse_http_listen(s, &c.http_listen, &x.what);
     }},
    {"log-level", "log-level",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x) && parse_log_level(s, &c.log_level, &x.what);
     }},
    {"user", "user",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x, " (\"\" to stay root)") && parse_account(s, &c.user, &x.what);
     }},
    {"group", "group",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x, kEmptyForNone) && parse_account(s, &c.group, &x.what);
     }},
    {"pid-file", "pid-file",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       return want_string(n, &s, x, kEmptyForNone) && parse_optional_absolute_path(s, &c.pid_file, &x.what);
     }},
};

// ---------------------------------------------------------------------------------------
// [dns64] (dns64/config.h; docs/dns64.md)

// The port an upstream gets when none is written.
constexpr std::uint16_t kDnsPort = 53;
// `upstream-timeout-ms` and the top of `query-timeout-ms`: below 100 ms even a LAN resolver
// times out on a busy moment; above a minute every stub resolver has long given up.
constexpr std::int64_t kMinUpstreamTimeoutMs = 100;
constexpr std::int64_t kMaxQueryTimeoutMs = 60000;
// `tcp-idle-timeout-ms`: RFC 7766 §6.2.3 suggests seconds; ten minutes is the most any
// client could want held open.
constexpr std::int64_t kMinTcpIdleTimeoutMs = 100;
constexpr std::int64_t kMaxTcpIdleTimeoutMs = 600000;
constexpr std::int64_t kMaxTcpConnections = 65535;
constexpr std::int64_t kMaxLookups = 65535;

// `listen` (port required) and `upstream` (port optional) elements, saying precisely what
// is wrong: the "address:port" forms share http-listen's grammar and its messages.
bool parse_endpoint(std::string_view text, bool require_port, dns64::Endpoint* out, std::string* what) {
  if (auto e = dns64::Endpoint::parse(text, kDnsPort, require_port)) {
    *out = *e;
    return true;
  }
  if (text.find('%') != std::string_view::npos) {
    *what = quoted(text) + ": scope ids (%interface) are not supported";
    return false;
  }
  if (require_port) {
    if (!check_listen_address(text, what)) return false;
    *what = quoted(text) + " is not an address:port";
    return false;
  }
  const bool bracketed_with_port = !text.empty() && text.front() == '[' && text.find("]:") != std::string_view::npos;
  const auto colon = text.find(':');
  const bool one_colon = colon != std::string_view::npos && colon == text.rfind(':') && text.front() != '[';
  if ((bracketed_with_port || one_colon) && !check_listen_address(text, what)) return false;
  *what = quoted(text) + " is not an address[:port]";
  return false;
}

// An array of endpoints, none repeated. `none_given`: the message for an empty array, or
// nullptr when an empty array is allowed.
bool parse_endpoint_list(const toml::node& n, KeyContext& x, bool require_port, const char* none_given,
                         std::vector<dns64::Endpoint>* out) {
  std::vector<dns64::Endpoint> list;
  bool ok = for_each_string(n, x, require_port ? "\"address:port\"" : "\"address[:port]\"",
                            [&](std::string_view s, std::string* what) {
                              dns64::Endpoint e;
                              if (!parse_endpoint(s, require_port, &e, what)) return false;
                              if (std::find(list.begin(), list.end(), e) != list.end()) {
                                *what = quoted(s) + " is listed twice (as " + e.to_string() + ")";
                                return false;
                              }
                              list.push_back(e);
                              return true;
                            });
  if (!ok) return false;
  if (list.empty() && none_given) {
    x.what = none_given;
    return false;
  }
  *out = std::move(list);
  return true;
}

bool is_array_of_tables(const toml::node& n) {
  const auto* arr = n.as_array();
  return arr && std::all_of(arr->begin(), arr->end(), [](const toml::node& e) { return e.is_table(); });
}

// Keys of [dns64], in the order `check` prints them. The names are a contract
// (docs/dns64.md). The setters run only while Config::dns64 is engaged.
const TomlKey kDns64Keys[] = {
    {"listen", "listen",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return parse_endpoint_list(n, x, true,
                                  "lists no address (leave the key out for the default, 0.0.0.0:53 and [::]:53)",
                                  &c.dns64->listen);
     }},
    {"upstream", "upstream",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return parse_endpoint_list(n, x, false, "lists no upstream; at least one is needed", &c.dns64->upstreams);
     }},
    {"prefix", "prefix",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::string_view s;
       if (!want_string(n, &s, x)) return false;
       if (s.empty()) {
         x.what = "'' is not a prefix (leave the key out to use the translator's, or 64:ff9b::/96)";
         return false;
       }
       Rfc6052Prefix p = Rfc6052Prefix::well_known();
       if (!parse_nat64_prefix(s, &p, &x.what)) return false;
       c.dns64->prefix = p;
       return true;
     }},
    {"translate-all", "translate-all",
     [](const toml::node& n, Config& c, KeyContext& x) { return want_bool(n, &c.dns64->translate_all, x); }},
    {"allow-ipv4", "allow-ipv4",
     [](const toml::node& n, Config& c, KeyContext& x) { return want_bool(n, &c.dns64->allow_ipv4, x); }},
    {"exclude", "exclude",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::vector<Ipv6Prefix> list;
       if (!for_each_string(n, x, "IPv6 \"prefix[/length]\"", [&](std::string_view s, std::string* what) {
             Ipv6Prefix p;
             if (!parse_prefix6(s, false, &p, what)) return false;
             list.push_back(p);
             return true;
           })) {
         return false;
       }
       c.dns64->exclude = std::move(list);
       return true;
     }},
    {"allow-clients", "allow-clients",
     [](const toml::node& n, Config& c, KeyContext& x) {
       std::vector<IpPrefix> list;
       if (!for_each_string(n, x, "\"prefix[/length]\"", [&](std::string_view s, std::string* what) {
             IpPrefix p;
             if (!parse_ip_prefix(s, &p, what)) return false;
             list.push_back(p);
             return true;
           })) {
         return false;
       }
       if (list.empty()) {
         x.what = "allows no client, so every query would be REFUSED (to allow everyone: [\"0.0.0.0/0\", \"::/0\"])";
         return false;
       }
       c.dns64->allow_clients = std::move(list);
       return true;
     }},
    {"cache-size", "cache-size",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return parse_ranged(n, 0, 0xffffffffLL, " entries (0 = no cache)", &c.dns64->cache_size, x);
     }},
    {"log-queries", "log-queries",
     [](const toml::node& n, Config& c, KeyContext& x) { return want_bool(n, &c.dns64->log_queries, x); }},
    {"upstream-timeout-ms", "upstream-timeout-ms",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return parse_ranged(n, kMinUpstreamTimeoutMs, kMaxQueryTimeoutMs, " milliseconds", &c.dns64->upstream_timeout_ms,
                           x);
     }},
    {"query-timeout-ms", "query-timeout-ms",
     [](const toml::node& n, Config& c, KeyContext& x) {
       // The lower bound is upstream-timeout-ms, checked once the whole table is read.
       return parse_ranged(n, kMinUpstreamTimeoutMs, kMaxQueryTimeoutMs, " milliseconds", &c.dns64->query_timeout_ms, x);
     }},
    {"tcp-idle-timeout-ms", "tcp-idle-timeout-ms",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return parse_ranged(n, kMinTcpIdleTimeoutMs, kMaxTcpIdleTimeoutMs, " milliseconds",
                           &c.dns64->tcp_idle_timeout_ms, x);
     }},
    {"max-tcp-connections", "max-tcp-connections",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return parse_ranged(n, 1, kMaxTcpConnections, "", &c.dns64->max_tcp_connections, x);
     }},
    {"max-lookups", "max-lookups",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return parse_ranged(n, 1, kMaxLookups, "", &c.dns64->max_lookups, x);
     }},
    {"rate-limit", "rate-limit",
     [](const toml::node& n, Config& c, KeyContext& x) {
       return parse_ranged(n, 0, 1000000, " queries per second", &c.dns64->rate_limit, x);
     }},
    {"zone", "zone",
     [](const toml::node& n, Config&, KeyContext& x) {
       // Only the shape here; load_dns64_zones() reads the blocks.
       if (is_array_of_tables(n)) return true;
       x.what = "expected [[dns64.zone]] blocks (an array of tables), got " +
                (n.is_array() ? std::string("an array of other values") : toml_type_name(n));
       return false;
     }},
};

// The keys of a [[dns64.zone]] block.
struct ZoneKeyName {
  std::string_view name;
};
constexpr ZoneKeyName kZoneKeys[] = {{"name"}, {"dns64"}, {"upstream"}};

// CoreDNS's names for what [dns64] calls otherwise (docs/dns64.md has the whole mapping);
// translate_all and allow_ipv4 are close enough for "did you mean".
std::string coredns_hint(std::string_view key) {
  if (key == "forward" || key == "upstreams") return "; tundra.toml calls it 'upstream'";
  if (key == "cache") return "; tundra.toml calls it 'cache-size'";
  if (key == "log") return "; tundra.toml calls it 'log-queries'";
  if (key == "clients" || key == "acl") return "; tundra.toml calls it 'allow-clients'";
  if (key == "health") return "; /health is served on [daemon] http-listen";
  return "";
}

// Tayga directive names that are not tundra.toml keys, with what to write instead.
std::string tayga_hint(std::string_view key) {
  if (key == "udp-cksum-mode") return "; tundra.toml calls it 'udp-zero-checksum'";
  if (key == "strict-frag-hdr") return "; it is a deprecated tayga.conf directive with no effect";
  if (key == "tun-up") {
    return "; tundra.toml calls it 'configure-interface' (which also sets the MTU and adds the routes)";
  }
  return "";
}

// Edit distance counting a swap of neighbours as one edit (optimal string alignment), for
// "did you mean" on misspelt names. Names are short, so the full table is fine.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  const std::size_t w = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * w);
  for (std::size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      std::size_t best = std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        best = std::min(best, d[(i - 2) * w + j - 2] + 1);
      }
      d[i * w + j] = best;
    }
  }
  return d[a.size() * w + b.size()];
}

// "; did you mean 'x'?" for the closest of `names` within two edits, else "".
template <class Names>
std::string did_you_mean(std::string_view name, const Names& names) {
  std::string_view best;
  std::size_t best_distance = 3;
  for (const auto& candidate : names) {
    std::size_t d = edit_distance(lower(name), candidate.name);
    if (d < best_distance) {
      best_distance = d;
      best = candidate.name;
    }
  }
  return best.empty() ? "" : "; did you mean " + quoted(best) + "?";
}

std::string location(const std::string& path, std::uint32_t line) {
  return path + ":" + std::to_string(line) + ": ";
}

// A node's line, preferring the key's (an implicitly created table has no source of its own).
std::uint32_t line_of(const toml::key& k, const toml::node& v) {
  if (k.source().begin.line != 0) return k.source().begin.line;
  return v.source().begin.line;
}

// toml::table iterates in key order; errors are reported in file order instead.
std::vector<std::pair<const toml::key*, const toml::node*>> entries_in_file_order(const toml::table& t) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [k, v] : t) entries.emplace_back(&k, &v);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    return line_of(*a.first, *a.second) < line_of(*b.first, *b.second);
  });
  return entries;
}

// The tables of tundra.toml.
struct TomlTable {
  std::string_view name;
  const TomlKey* begin;
  const TomlKey* end;
  // Put before a key's name in messages: 'dns64.prefix' is not [translator]'s 'prefix'.
  std::string_view key_prefix;
};
const TomlTable kTranslatorTable{"translator", std::begin(kTranslatorKeys), std::end(kTranslatorKeys), ""};
const TomlTable kDaemonTable{"daemon", std::begin(kDaemonKeys), std::end(kDaemonKeys), ""};
const TomlTable kDns64Table{"dns64", std::begin(kDns64Keys), std::end(kDns64Keys), "dns64."};
const TomlTable* const kTables[] = {&kTranslatorTable, &kDaemonTable, &kDns64Table};

const TomlKey* find_key(std::string_view name, const TomlTable& table) {
  for (const TomlKey* k = table.begin; k != table.end; ++k) {
    if (k->name == name) return k;
  }
  return nullptr;
}

// Why `name` is not a key of `table`, after "unknown key in [table]".
std::string unknown_key_hint(std::string_view name, const TomlTable& table) {
  if (&table == &kDns64Table && !coredns_hint(name).empty()) return coredns_hint(name);
  for (const TomlTable* other : kTables) {
    if (other != &table && find_key(name, *other)) return "; it belongs in [" + std::string(other->name) + "]";
  }
  if (&table == &kTranslatorTable && !tayga_hint(name).empty()) return tayga_hint(name);
  struct Name {
    std::string_view name;
  };
  std::vector<Name> names;
  for (const TomlKey* k = table.begin; k != table.end; ++k) names.push_back({k->name});
  return did_you_mean(name, names);
}

// Loads the keys of one table. `lines` receives the line of each key given (by canonical
// name), for checks made after the whole file is read.
bool load_table(const toml::table& t, const TomlTable& table, const std::string& path, Config* out,
                std::map<std::string_view, std::uint32_t>* lines, std::string* error) {
  std::map<std::string_view, std::pair<std::string_view, std::uint32_t>> seen;  // canonical -> (name, line)
  for (const auto& [key, value] : entries_in_file_order(t)) {
    std::string_view name = key->str();
    std::string shown = std::string(table.key_prefix) + std::string(name);  // the key in messages
    std::uint32_t line = line_of(*key, *value);
    const TomlKey* spec = find_key(name, table);
    if (!spec) {
      *error = location(path, line) + "key " + quoted(shown) + ": unknown key in [" + std::string(table.name) + "]" +
               unknown_key_hint(name, table);
      return false;
    }
    auto [it, inserted] = seen.emplace(spec->canonical, std::pair{name, line});
    if (!inserted) {
      *error = location(path, line) + "key " + quoted(shown) + ": sets the same value as " +
               quoted(it->second.first) + " on line " + std::to_string(it->second.second) +
               "; give only one";
      return false;
    }
    (*lines)[spec->canonical] = line;
    KeyContext ctx{{}, line};
    if (!spec->set(*value, *out, ctx)) {
      *error = location(path, ctx.line) + "key " + quoted(shown) + ": " + ctx.what;
      return false;
    }
  }
  return true;
}

bool is_loopback_or_unspecified(const std::variant<Ipv4Address, Ipv6Address>& a) {
  if (const auto* v4 = std::get_if<Ipv4Address>(&a)) return (v4->value >> 24) == 127 || v4->value == 0;
  const Ipv6Address& v6 = std::get<Ipv6Address>(a);
  Ipv6Address loopback;
  loopback.bytes[15] = 1;
  return v6 == Ipv6Address{} || v6 == loopback;
}

bool is_unspecified(const std::variant<Ipv4Address, Ipv6Address>& a) {
  if (const auto* v4 = std::get_if<Ipv4Address>(&a)) return v4->value == 0;
  return std::get<Ipv6Address>(a) == Ipv6Address{};
}

// An upstream that is this DNS64's own listener would forward every query to itself: the
// same address and port, or a loopback (or unspecified) address on the port of a wildcard
// listener of the same family. Sets *what when it would.
bool check_no_loop(const dns64::Endpoint& upstream, const std::vector<dns64::Endpoint>& listen, std::string* what) {
  for (const dns64::Endpoint& l : listen) {
    if (l.port != upstream.port || l.is_ipv6() != upstream.is_ipv6()) continue;
    if (l == upstream || (is_unspecified(l.address) && is_loopback_or_unspecified(upstream.address))) {
      *what = quoted(upstream.to_string()) + " is this DNS64's own listen address " + quoted(l.to_string()) +
              ": queries would loop";
      return false;
    }
  }
  return true;
}

// The [[dns64.zone]] blocks of the [dns64] table `t`, whose shape load_table() has checked.
bool load_dns64_zones(const toml::table& t, const std::string& path, dns64::Config* d, std::string* error) {
  const toml::node* zones = t.get("zone");
  if (!zones) return true;
  std::vector<std::uint32_t> zone_lines;  // where each zone's name was given, for duplicates
  const std::uint32_t zone_key_line = zones->source().begin.line;
  for (const toml::node& element : *zones->as_array()) {
    const toml::table& zt = *element.as_table();
    std::uint32_t block_line = zt.source().begin.line != 0 ? zt.source().begin.line : zone_key_line;
    dns64::Zone zone;
    std::uint32_t name_line = 0;
    for (const auto& [key, value] : entries_in_file_order(zt)) {
      std::string_view name = key->str();
      std::string shown = "dns64.zone." + std::string(name);
      KeyContext x{{}, line_of(*key, *value)};
      bool ok = true;
      if (name == "name") {
        name_line = x.line;
        std::string_view s;
        ok = want_string(*value, &s, x);
        if (ok) {
          std::optional<dns::Name> parsed;
          if (!s.empty() && std::none_of(s.begin(), s.end(), [](char c) { return is_space(c); })) {
            parsed = dns::Name::from_text(s);
          }
          if (!parsed) {
            x.what = quoted(s) + " is not a domain name";
            ok = false;
          } else {
            zone.name = *parsed;
            for (std::size_t i = 0; i < d->zones.size(); ++i) {
              if (d->zones[i].name.equals(zone.name)) {
                x.what = quoted(s) + " has a [[dns64.zone]] already (on line " + std::to_string(zone_lines[i]) + ")";
                ok = false;
                break;
              }
            }
          }
        }
      } else if (name == "dns64") {
        ok = want_bool(*value, &zone.dns64, x);
      } else if (name == "upstream") {
        ok = parse_endpoint_list(*value, x, false, nullptr, &zone.upstreams);
        for (std::size_t i = 0; ok && i < zone.upstreams.size(); ++i) {
          ok = check_no_loop(zone.upstreams[i], d->listen, &x.what);
        }
      } else {
        x.what = "unknown key in [[dns64.zone]]" + did_you_mean(name, kZoneKeys);
        ok = false;
      }
      if (!ok) {
        *error = location(path, x.line) + "key " + quoted(shown) + ": " + x.what;
        return false;
      }
    }
    if (name_line == 0) {
      *error = location(path, block_line) + "key 'dns64.zone.name': missing (each [[dns64.zone]] names its zone)";
      return false;
    }
    zone_lines.push_back(name_line);
    d->zones.push_back(std::move(zone));
  }
  return true;
}

// The checks and defaults of [dns64] that depend on other keys or tables, run once the
// whole file is read. `table_line`: the [dns64] header; `lines`: where each key was given.
bool finish_dns64(Config* out, bool has_translator_table, std::uint32_t table_line,
                  const std::map<std::string_view, std::uint32_t>& lines, const std::string& path, std::string* error) {
  dns64::Config& d = *out->dns64;
  auto line_of_key = [&](std::string_view key) {
    auto it = lines.find(key);
    return it == lines.end() ? table_line : it->second;
  };
  if (d.upstreams.empty()) {
    *error = location(path, table_line) +
             "key 'dns64.upstream': missing; [dns64] needs at least one upstream resolver, as in "
             "upstream = [\"192.0.2.53\"]";
    return false;
  }
  std::string what;
  for (const dns64::Endpoint& u : d.upstreams) {
    if (!check_no_loop(u, d.listen, &what)) {
      *error = location(path, line_of_key("upstream")) + "key 'dns64.upstream': " + what;
      return false;
    }
  }
  // A query must allow at least one whole try at one upstream.
  if (!lines.count("query-timeout-ms")) {
    d.query_timeout_ms = std::max(dns64::Config{}.query_timeout_ms, d.upstream_timeout_ms);
  } else if (d.query_timeout_ms < d.upstream_timeout_ms) {
    *error = location(path, line_of_key("query-timeout-ms")) + "key 'dns64.query-timeout-ms': " +
             std::to_string(d.query_timeout_ms) + " is below upstream-timeout-ms (" +
             std::to_string(d.upstream_timeout_ms) + "); a query must allow at least one whole try";
    return false;
  }
  // RFC 6147 §5.2: the DNS64 and the translator use the same prefix, unless told otherwise.
  const std::optional<Rfc6052Prefix>& translator_prefix = out->translator.prefix;
  if (!lines.count("prefix")) {
    if (!has_translator_table) {
      d.prefix = Rfc6052Prefix::well_known();
    } else if (translator_prefix) {
      d.prefix = translator_prefix;
    } else {
      *error = location(path, table_line) +
               "key 'dns64.prefix': missing, and [translator] has no prefix to share (prefix = \"\"); "
               "give the prefix to synthesize with";
      return false;
    }
  } else if (has_translator_table && translator_prefix && *translator_prefix != *d.prefix) {
    out->warnings.push_back(location(path, line_of_key("prefix")) + "key 'dns64.prefix': warning: " +
                            d.prefix->to_string() + " is not the [translator] prefix " +
                            translator_prefix->to_string() +
                            ", so synthesized addresses lead to another NAT64, not this one");
  }
  return true;
}

// toml++ 3.3.0 (Debian 12's libtomlplusplus-dev) reaches __builtin_unreachable() in
// is_non_ascii_horizontal_whitespace() for most non-ASCII characters (U+00A1..U+0499 such as
// 'é' or Cyrillic, U+2C3E..U+3037, U+FB26..U+FEFE): undefined behaviour whenever it asks
// whether such a character is whitespace (marzer/tomlplusplus#190, fixed upstream after
// 3.3.0; found here by fuzz/config_fuzz). It asks outside strings and comments, where TOML
// allows no non-ASCII character (so such a file is refused anyway), including while it reads
// a bare value such as `+"é"`, `a={"é"` or `1979-05-27 "é"` up to the next blank, comma,
// bracket or '#' (quotes and '=' do not end one), and after a backslash in a multi-line
// basic string. This scan refuses those places before toml++ reads the file. It follows
// TOML's grammar only as far as telling strings, comments and bare values apart: wherever
// it believes a string or comment begins, toml++ agrees or has already stopped with an
// error; where unsure it refuses, at worst with another message than toml++'s.
// Returns the line of the first such character and sets `*what`, or returns 0.
std::uint32_t toml_hazard(std::string_view s, const char** what) {
  enum class State : std::uint8_t { kNormal, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  // Outside strings and comments: what comes next.
  enum class Expect : std::uint8_t {
    kKey,         // a key (line start, table header, after '{' or ',' in an inline table)
    kValue,       // a value (after '=', '[' or ',' in an array)
    kBareValue,   // inside a bare value (number, date, boolean, or garbage)
    kAfterValue,  // a ',', a closing bracket, a comment or a line break
  };
  auto non_ascii = [&](std::size_t i) { return i < s.size() && static_cast<unsigned char>(s[i]) >= 0x80; };
  auto space = [&](std::size_t i) {
    return i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n');
  };
  auto run = [&](std::size_t i, char quote) {
    std::size_t n = 0;
    while (i + n < s.size() && s[i + n] == quote) ++n;
    return n;
  };
  State state = State::kNormal;
  Expect expect = Expect::kKey;
  Expect after_string = Expect::kKey;  // where a string returns to
  std::string brackets;                // open '[' (array), '{' (inline table), 'h' (table header)
  char last = '\n';                    // the last non-blank character seen while expecting a key
  std::uint32_t line = 1;
  auto close_bracket = [&] {
    if (!brackets.empty()) brackets.pop_back();
    expect = Expect::kAfterValue;
  };
  auto comma = [&] {
    expect = !brackets.empty() && brackets.back() == '{' ? Expect::kKey : Expect::kValue;
    last = ',';
  };
  auto newline = [&] {
    last = '\n';
    if (brackets.empty()) {
      expect = Expect::kKey;
    } else if (expect == Expect::kBareValue) {
      expect = Expect::kAfterValue;  // inside an array the values go on
    }
  };
  auto open_string = [&](std::size_t& i, char quote, Expect then) {
    const bool multi = run(i, quote) >= 3;
    state = quote == '"' ? (multi ? State::kMultiBasic : State::kBasic)
                         : (multi ? State::kMultiLiteral : State::kLiteral);
    if (multi) i += 2;
    after_string = then;
  };
  auto close_string = [&](char quote) {
    state = State::kNormal;
    expect = after_string;
    last = quote;
  };
  std::size_t i = s.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;  // a UTF-8 BOM, which toml++ skips
  for (; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '\n') ++line;
    const bool blank = c == ' ' || c == '\t' || c == '\r';
    switch (state) {
      case State::kNormal:
        if (non_ascii(i)) {
          *what = "a non-ASCII character outside a string or comment";
          return line;
        }
        if (c == '\n') {
          newline();
        } else if (c == '#' && expect != Expect::kBareValue) {
          state = State::kComment;
        } else if (blank) {
          if (expect == Expect::kBareValue) expect = Expect::kAfterValue;
        } else {
          switch (expect) {
            case Expect::kKey:
              if (c == '"' || c == '\'') {
                // A quoted key (segment); after anything else toml++ stops at the quote.
                if (last == '\n' || last == '[' || last == '{' || last == ',' || last == '.') {
                  open_string(i, c, Expect::kKey);
                } else {
                  last = c;
                }
              } else if (c == '=') {
                expect = Expect::kValue;
              } else if (c == '[' && (brackets.empty() ? last == '\n' : brackets.back() == 'h' && last == '[')) {
                brackets += 'h';
                last = c;
              } else if ((c == ']' && !brackets.empty() && brackets.back() == 'h') ||
                         (c == '}' && !brackets.empty() && brackets.back() == '{')) {
                close_bracket();  // the end of a header, or an empty inline table
                if (!brackets.empty() && brackets.back() == 'h') expect = Expect::kKey;  // "]]"
              } else {
                last = c;  // a bare key character or '.', or something toml++ refuses here
              }
              break;
            case Expect::kValue:
              if (c == '"' || c == '\'') {
                open_string(i, c, Expect::kAfterValue);
              } else if (c == '[') {
                brackets += '[';
              } else if (c == '{') {
                brackets += '{';
                expect = Expect::kKey;
                last = c;
              } else if (c == ']' || c == '}') {
                close_bracket();  // an empty array
              } else {
                expect = Expect::kBareValue;
              }
              break;
            case Expect::kBareValue:
            case Expect::kAfterValue:
              if (c == ',') {
                comma();
              } else if (c == ']' || c == '}') {
                close_bracket();
              } else if (c == '#') {  // ends a bare value too
                state = State::kComment;
                expect = Expect::kAfterValue;
              } else {
                // More of a bare value, or what toml++ reads on as one (a date-time's time
                // after a blank) or refuses: quotes, '=' and brackets start nothing here.
                expect = Expect::kBareValue;
              }
              break;
          }
        }
        break;
      case State::kComment:
        if (c == '\n') {
          state = State::kNormal;
          newline();
        }
        break;
      case State::kBasic:
        if (c == '\\' && i + 1 < s.size() && s[i + 1] != '\n') {
          ++i;  // the escaped character
        } else if (c == '"') {
          close_string(c);
        } else if (c == '\n') {  // unterminated: toml++ stops here
          state = State::kNormal;
          newline();
        }
        break;
      case State::kLiteral:
        if (c == '\'') {
          close_string(c);
        } else if (c == '\n') {
          state = State::kNormal;
          newline();
        }
        break;
      case State::kMultiBasic:
        if (c == '\\') {
          std::size_t j = i + 1;
          const bool line_ending = space(j);
          while (space(j)) {  // a line-ending backslash: whitespace and newlines are trimmed
            if (s[j] == '\n') ++line;
            ++j;
          }
          if (non_ascii(j)) {
            *what = "a non-ASCII character after a backslash in a multi-line string (write it as \\uXXXX)";
            return line;
          }
          // Next: the first character kept after the trimming, or after the escaped one.
          i = line_ending ? j - 1 : j;
        } else if (c == '"') {
          const std::size_t n = run(i, c);
          i += n - 1;  // up to two quotes may precede the closing three
          if (n >= 3) close_string(c);
        }
        break;
      case State::kMultiLiteral:
        if (c == '\'') {
          const std::size_t n = run(i, c);
          i += n - 1;
          if (n >= 3) close_string(c);
        }
        break;
    }
  }
  return 0;
}

bool load_toml(std::string_view text, const std::string& path, Config* out, std::string* error) {
  toml::table root;
  try {
    const char* what = "";
    if (const std::uint32_t line = toml_hazard(text, &what); line != 0) {
      *error = location(path, line) + what;
      return false;
    }
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    // toml++ quotes what it saw, which may run over a line break: keep the message one line.
    std::string description;
    for (char c : e.description()) {
      description += c == '\n' ? "\\n" : c == '\r' ? "\\r" : std::string(1, c);
    }
    *error = path + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " + description;
    return false;
  }
  std::map<std::string_view, std::uint32_t> lines;        // key -> line, [translator] and [daemon]
  std::map<std::string_view, std::uint32_t> dns64_lines;  // key -> line, [dns64]
  bool has_translator_table = false;
  std::uint32_t dns64_line = 0;
  for (const auto& [key, value] : entries_in_file_order(root)) {
    std::string_view name = key->str();
    std::uint32_t line = line_of(*key, *value);
    const auto found = std::find_if(std::begin(kTables), std::end(kTables),
                                    [&](const TomlTable* t) { return t->name == name; });
    const TomlTable* table = found == std::end(kTables) ? nullptr : *found;
    if (table) {
      const auto* t = value->as_table();
      if (!t) {
        *error = location(path, line) + "key " + quoted(name) + ": expected a table, got " + toml_type_name(*value);
        return false;
      }
      if (table == &kDns64Table) {
        dns64_line = line;
        out->dns64.emplace();
        if (!load_table(*t, *table, path, out, &dns64_lines, error)) return false;
        if (!load_dns64_zones(*t, path, &*out->dns64, error)) return false;
      } else {
        has_translator_table = has_translator_table || table == &kTranslatorTable;
        if (!load_table(*t, *table, path, out, &lines, error)) return false;
      }
    } else if (value->is_table()) {
      *error = location(path, line) + "table [" + std::string(name) +
               "] is not supported (tundra.toml has [translator], [daemon] and [dns64])";
      return false;
    } else {
      std::string where = find_key(name, kTranslatorTable) ? "; translator settings belong in [translator]"
                          : find_key(name, kDaemonTable)   ? "; daemon settings belong in [daemon]"
                          : find_key(name, kDns64Table)    ? "; DNS64 settings belong in [dns64]"
                                                           : "; settings belong in [translator], [daemon] or [dns64]";
      *error = location(path, line) + "key " + quoted(name) + ": unknown top-level key" + where;
      return false;
    }
  }
  std::string what;
  if (!resolve_map_file(out, &what)) {
    *error = location(path, lines["map-file"]) + "key 'map-file': " + what;
    return false;
  }
  // A [dns64] table without a [translator] table: the DNS64 runs alone.
  out->translator_enabled = has_translator_table || !out->dns64;
  if (out->dns64 && !finish_dns64(out, has_translator_table, dns64_line, dns64_lines, path, error)) return false;
  return true;
}

// ---------------------------------------------------------------------------------------
// tayga.conf

struct TaygaContext {
  Config& config;
  std::vector<std::string_view> args;  // the words after the directive
  std::string what;     // set by a failing handler
  std::string warning;  // set by a handler that accepts with a remark
};

using TaygaHandler = bool (*)(TaygaContext& ctx);

struct TaygaDirective {
  std::string_view name;
  std::size_t min_args;
  std::size_t max_args;
  bool repeatable;  // Tayga allows only map, tun-ip and tun-route more than once
  TaygaHandler handle;
};

const TaygaDirective kTaygaDirectives[] = {
    {"tun-device", 1, 1, false,
     [](TaygaContext& x) { return parse_tun_device(x.args[0], &x.config.translator.tun_device, &x.what); }},
    {"ipv4-addr", 1, 1, false,
     [](TaygaContext& x) { return parse_ipv4(x.args[0], &x.config.translator.ipv4_addr, &x.what); }},
    {"ipv6-addr", 1, 1, false,
     [](TaygaContext& x) {
       Ipv6Address a;
       if (!parse_ipv6(x.args[0], &a, &x.what)) return false;
       x.config.translator.ipv6_addr = a;
       return true;
     }},
    {"prefix", 1, 1, false,
     [](TaygaContext& x) {
       Rfc6052Prefix p = Rfc6052Prefix::well_known();
       if (!parse_nat64_prefix(x.args[0], &p, &x.what)) return false;
       x.config.translator.prefix = p;
       return true;
     }},
    {"wkpf-strict", 1, 1, false,
     [](TaygaContext& x) { return parse_bool_word(x.args[0], &x.config.translator.wkpf_strict, &x.what); }},
    {"dynamic-pool", 1, 1, false,
     [](TaygaContext& x) {
       Ipv4Prefix p;
       if (!parse_dynamic_pool(x.args[0], &p, &x.what)) return false;
       x.config.translator.dynamic_pool = p;
       return true;
     }},
    {"data-dir", 1, 1, false,
     [](TaygaContext& x) { return parse_data_dir(x.args[0], &x.config.translator.data_dir, &x.what); }},
    {"map", 2, 2, true,
     [](TaygaContext& x) {
       EamEntry e;
       if (!parse_map(x.args[0], x.args[1], &e, &x.what)) return false;
       x.config.translator.maps.push_back(e);
       return true;
     }},
    {"offlink-mtu", 1, 1, false,
     [](TaygaContext& x) {
       std::int64_t v = 0;
       return parse_integer_text(x.args[0], &v, &x.what) &&
              parse_mtu(v, &x.config.translator.lowest_ipv6_mtu, &x.what);
     }},
    {"udp-cksum-mode", 1, 1, false,
     [](TaygaContext& x) {
       std::string mode = lower(x.args[0]);
       if (mode == "fwd") {
         // IPv6 forbids a zero UDP checksum (RFC 8200 §8.1), so "forward it as 0" would emit
         // packets the receiver must drop; computing it is the closest correct behaviour.
         x.config.translator.udp_zero_checksum = UdpZeroChecksum::kCalc;
         x.warning = "'fwd' loads as 'calc': IPv6 forbids zero UDP checksums (RFC 8200 §8.1)";
         return true;
       }
       if (mode == "calc" || mode == "drop") return parse_udp_mode(mode, &x.config.translator.udp_zero_checksum, &x.what);
       x.what = quoted(x.args[0]) + " is not one of drop, fwd, calc";
       return false;
     }},
    {"strict-frag-hdr", 1, 1, false,
     [](TaygaContext& x) {
       bool ignored = false;
       if (!parse_bool_word(x.args[0], &ignored, &x.what)) return false;
       // RFC 7915 forbids what it used to switch on; Tayga also accepts and ignores it.
       x.warning = "deprecated and ignored (RFC 7915 §4 forbids the behaviour it enabled)";
       return true;
     }},
    {"log", 1, 9, false,
     [](TaygaContext& x) {
       for (std::string_view arg : x.args) {
         if (!add_log_category(lower(arg), &x.config.log_categories, &x.what)) {
           x.what = quoted(arg) + " is not one of drop, reject, icmp, self, dyn";
           return false;
         }
       }
       return true;
     }},
    {"map-file", 1, 1, false,
     [](TaygaContext& x) {
       // Resolved against data-dir once the whole file is read (resolve_map_file()).
       x.config.map_file = std::string(x.args[0]);
       return true;
     }},
    {"tun-up", 1, 1, false,
     [](TaygaContext& x) { return parse_bool_word(x.args[0], &x.config.configure_interface, &x.what); }},
    {"tun-ip", 1, 1, true,
     [](TaygaContext& x) {
       InterfaceAddress ia;
       if (!parse_interface_address(x.args[0], &ia, &x.what)) return false;
       x.config.tun_ips.push_back(ia);
       return true;
     }},
    {"tun-route", 1, 1, true,
     [](TaygaContext& x) {
       IpPrefix p;
       if (!parse_ip_prefix(x.args[0], &p, &x.what)) return false;
       x.config.tun_routes.push_back(p);
       return true;
     }},
    {"workers", 1, 1, false,
     [](TaygaContext& x) {
       std::int64_t v = 0;
       if (!parse_integer_text(x.args[0], &v, &x.what)) return false;
       if (v < 0 || v > std::int64_t{kMaxWorkers}) {
         x.what = std::to_string(v) + " is outside 0.." + std::to_string(kMaxWorkers);
         return false;
       }
       // Tayga's 0 is its classic single-threaded loop: one thread reading one queue, which
       // is what one worker is. (tundra's 0 means one per CPU, Tayga's default.)
       x.config.workers = v == 0 ? 1u : static_cast<unsigned>(v);
       return true;
     }},
};

const TaygaDirective* find_tayga_directive(std::string_view name) {
  std::string key = lower(name);
  for (const TaygaDirective& d : kTaygaDirectives) {
    if (d.name == key) return &d;
  }
  return nullptr;
}

std::string plural_args(std::size_t n) { return std::to_string(n) + (n == 1 ? " argument" : " arguments"); }

// Splits `text` into lines (LF or CRLF), calling f(line_number, line).
template <class F>
bool for_each_line(std::string_view text, F&& f) {
  std::uint32_t number = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++number;
    if (!f(number, text.substr(pos, end - pos))) return false;
    pos = end + 1;
  }
  return true;
}

std::string_view strip_comment(std::string_view line) { return line.substr(0, line.find('#')); }

// Well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates, nothing above U+10FFFF).
bool is_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;                      // continuation bytes
    unsigned char low = 0x80, high = 0xBF;  // the range of the first one
    if (b >= 0xC2 && b <= 0xDF) {
      n = 1;
    } else if (b >= 0xE0 && b <= 0xEF) {
      n = 2;
      if (b == 0xE0) low = 0xA0;
      if (b == 0xED) high = 0x9F;
    } else if (b >= 0xF0 && b <= 0xF4) {
      n = 3;
      if (b == 0xF0) low = 0x90;
      if (b == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (s.size() - i - 1 < n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(s[i + k]);
      if (c < (k == 1 ? low : 0x80) || c > (k == 1 ? high : 0xBF)) return false;
    }
    i += n + 1;
  }
  return true;
}

bool load_tayga(std::string_view text, const std::string& path, Config* out, std::string* error) {
  // A tayga.conf means what it means to Tayga: no prefix and no dynamic pool unless given,
  // and zero UDP checksums dropped (Tayga's udp-cksum-mode default). wkpf-strict stays off,
  // tundra's default (the Tayga fork defaults to on, its container image to off).
  TranslatorConfig& t = out->translator;
  t.prefix.reset();
  t.dynamic_pool.reset();
  t.udp_zero_checksum = UdpZeroChecksum::kDrop;
  t.wkpf_strict = false;
  // Tayga touches the TUN only with `tun-up yes` (0.9.2 never did): setups that configure
  // it with their own scripts keep working. Tayga opened no TCP port, so neither does tundra
  // behind a tayga.conf; the control socket stays (a Unix socket under /run/tundra).
  out->configure_interface = false;
  out->http_listen.clear();

  std::map<std::string_view, std::uint32_t> first_line;  // directive -> line it appeared on
  bool ok = for_each_line(text, [&](std::uint32_t number, std::string_view line) {
    auto words = split_words(strip_comment(line));
    if (words.empty()) return true;
    // Only UTF-8 fits in tundra.toml, and so in `tundra check` output (comments may be any bytes).
    if (!is_utf8(strip_comment(line))) {
      *error = location(path, number) + "not UTF-8 text";
      return false;
    }
    const TaygaDirective* d = find_tayga_directive(words[0]);
    std::string prefix = location(path, number) + "directive " + quoted(words[0]) + ": ";
    if (!d) {
      *error = prefix + "unknown directive" + did_you_mean(words[0], kTaygaDirectives);
      if (words.size() > 1 && words[1] == "=") *error += " (this line is TOML, not tayga.conf)";
      return false;
    }
    std::size_t nargs = words.size() - 1;
    if (nargs < d->min_args || nargs > d->max_args) {
      *error = prefix + "takes " +
               (d->min_args == d->max_args ? plural_args(d->min_args)
                                           : std::to_string(d->min_args) + " to " + plural_args(d->max_args)) +
               ", got " + std::to_string(nargs);
      return false;
    }
    auto [it, inserted] = first_line.emplace(d->name, number);
    if (!inserted && !d->repeatable) {
      *error = prefix + "given twice (first on line " + std::to_string(it->second) + ")";
      return false;
    }
    TaygaContext ctx{*out, {words.begin() + 1, words.end()}, {}, {}};
    if (!d->handle(ctx)) {
      *error = prefix + ctx.what;
      return false;
    }
    if (!ctx.warning.empty()) out->warnings.push_back(prefix + "warning: " + ctx.warning);
    return true;
  });
  if (!ok) return false;
  // Tayga refuses to start without these two; a tayga.conf without them is not one.
  for (std::string_view required : {"tun-device", "ipv4-addr"}) {
    if (!first_line.count(required)) {
      *error = path + ": directive " + quoted(required) + ": missing (tayga.conf requires it)";
      return false;
    }
  }
  std::string what;
  if (!resolve_map_file(out, &what)) {
    *error = location(path, first_line["map-file"]) + "directive 'map-file': " + what;
    return false;
  }
  return true;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void append_prefix_list(std::string& out, const std::vector<std::string>& items) {
  out += "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += toml_quote(items[i]);
  }
  out += "]";
}

}  // namespace

std::string InterfaceAddress::to_string() const {
  std::string a = std::holds_alternative<Ipv4Address>(address) ? std::get<Ipv4Address>(address).to_string()
                                                               : std::get<Ipv6Address>(address).to_string();
  return a + "/" + std::to_string(length);
}

std::string ip_prefix_to_string(const IpPrefix& p) {
  return std::visit([](const auto& prefix) { return prefix.to_string(); }, p);
}

std::string_view udp_zero_checksum_name(UdpZeroChecksum mode) {
  switch (mode) {
    case UdpZeroChecksum::kCalc: return "calc";
    case UdpZeroChecksum::kIcmp: return "icmp";
    case UdpZeroChecksum::kDrop: return "drop";
  }
  return "calc";
}

std::string_view config_format_name(ConfigFormat format) {
  switch (format) {
    case ConfigFormat::kAuto: return "auto";
    case ConfigFormat::kToml: return "tundra.toml";
    case ConfigFormat::kTayga: return "tayga.conf";
  }
  return "auto";
}

ConfigFormat detect_config_format(const std::string& path, std::string_view text) {
  if (ends_with(path, ".toml")) return ConfigFormat::kToml;
  ConfigFormat result = ConfigFormat::kToml;
  for_each_line(text, [&](std::uint32_t, std::string_view line) {
    std::string_view content = strip_comment(line);
    auto words = split_words(content);
    if (words.empty()) return true;  // blank or comment: keep looking
    bool directive = find_tayga_directive(words[0]) != nullptr && words.size() > 1 &&
                     content.find('=') == std::string_view::npos;
    result = directive ? ConfigFormat::kTayga : ConfigFormat::kToml;
    return false;  // the first directive-looking line decides
  });
  return result;
}

bool load_config_text(std::string_view text, const std::string& path, Config* out, std::string* error,
                      ConfigFormat format) {
  *out = Config{};
  out->source_path = path;
  if (format == ConfigFormat::kAuto) format = detect_config_format(path, text);
  out->format = format;
  return format == ConfigFormat::kTayga ? load_tayga(text, path, out, error) : load_toml(text, path, out, error);
}

bool load_config(const std::string& path, Config* out, std::string* error, ConfigFormat format) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = path + ": cannot open: " + std::strerror(errno);
    return false;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    *error = path + ": read failed";
    return false;
  }
  return load_config_text(text.str(), path, out, error, format);
}

std::string toml_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

namespace {

std::string toml_bool(bool b) { return b ? "true" : "false"; }

template <class T, class F>
std::string toml_string_array(const std::vector<T>& items, F&& to_string) {
  std::vector<std::string> strings;
  for (const T& item : items) strings.push_back(to_string(item));
  std::string out;
  append_prefix_list(out, strings);
  return out;
}

// The [translator] table with its daemon-side keys.
void format_translator(const Config& config, std::string& o) {
  const TranslatorConfig& t = config.translator;
  const bool tayga = config.format == ConfigFormat::kTayga;
  o += "[translator]\n";
  o += "tun-device = " + toml_quote(t.tun_device) + "\n";
  o += "ipv4-addr = " + toml_quote(t.ipv4_addr.to_string()) + "\n";
  if (t.ipv6_addr) {
    o += "ipv6-addr = " + toml_quote(t.ipv6_addr->to_string()) + "\n";
  } else if (t.prefix) {
    o += "ipv6-addr = \"\"  # derived: prefix + ipv4-addr = " + t.prefix->embed(t.ipv4_addr).to_string() + "\n";
  } else {
    o += "ipv6-addr = \"\"  # unset, and no prefix to derive it from\n";
  }
  o += "prefix = " + toml_quote(t.prefix ? t.prefix->to_string() : "") + (t.prefix ? "\n" : "  # none\n");
  o += "wkpf-strict = " + toml_bool(t.wkpf_strict) + "\n";
  o += "dynamic-pool = " + toml_quote(t.dynamic_pool ? t.dynamic_pool->to_string() : "") +
       (t.dynamic_pool ? "\n" : "  # none\n");
  o += "dynamic-dormant-after = " + std::to_string(t.dynamic_dormant_after) + "\n";
  o += "dynamic-free-after = " + std::to_string(t.dynamic_free_after) + "\n";
  o += "data-dir = " + toml_quote(t.data_dir) + (t.data_dir.empty() ? "  # none: bindings are not persisted\n" : "\n");
  o += "map = " + toml_string_array(t.maps, [](const EamEntry& e) { return e.v4.to_string() + " " + e.v6.to_string(); }) +
       "\n";
  o += "dynamic-new-per-second = " + std::to_string(t.dynamic_new_per_second) + "\n";
  o += "icmp-error-rate = " + std::to_string(t.icmp_error_rate) + "\n";
  o += "mtu = " + std::to_string(t.mtu) + "\n";
  o += "lowest-ipv6-mtu = " + std::to_string(t.lowest_ipv6_mtu) + "\n";
  o += "udp-zero-checksum = " + toml_quote(udp_zero_checksum_name(t.udp_zero_checksum)) + "\n";
  o += "rfc6791-pool4 = " + toml_quote(t.rfc6791_pool4 ? t.rfc6791_pool4->to_string() : "") +
       (t.rfc6791_pool4 ? "\n" : "  # none: ipv4-addr\n");
  o += "rfc6791-pool6 = " + toml_quote(t.rfc6791_pool6 ? t.rfc6791_pool6->to_string() : "") +
       (t.rfc6791_pool6 ? "\n" : "  # none: ipv6-addr\n");
  if (config.workers == 0) {
    o += "workers = \"auto\"  # one per online CPU, at most " + std::to_string(kMaxWorkers) + "\n";
  } else {
    o += "workers = " + std::to_string(config.workers) + "\n";
  }
  o += "pin-workers = " + toml_bool(config.pin_workers) + "\n";
  o += "busy-poll = " + std::to_string(config.busy_poll_us) + (config.busy_poll_us == 0 ? "  # off\n" : "  # microseconds\n");
  o += std::string("offload = ") + (config.offload ? "\"auto\"" : "\"off\"") + "\n";
  o += std::string("forwarding = ") + (config.enable_forwarding ? "\"enable\"" : "\"keep\"") + "\n";
  o += "configure-interface = " + toml_bool(config.configure_interface) +
       (tayga && !config.configure_interface ? "  # tayga.conf without 'tun-up yes'\n" : "\n");
  o += "tun-ip = " + toml_string_array(config.tun_ips, [](const InterfaceAddress& a) { return a.to_string(); }) + "\n";
  o += "tun-route = " + toml_string_array(config.tun_routes, ip_prefix_to_string) + "\n";
  o += "map-file = " + toml_quote(config.map_file) + (config.map_file.empty() ? "  # none\n" : "\n");
  o += "log = " + toml_string_array(config.log_categories, [](const std::string& s) { return s; }) + "\n";
}

// The [dns64] table and its [[dns64.zone]] blocks.
void format_dns64(const Config& config, std::string& o) {
  const dns64::Config& d = *config.dns64;
  auto endpoint = [](const dns64::Endpoint& e) { return e.to_string(); };
  // A Config built in code may leave the prefix unset: print what loading would give it.
  Rfc6052Prefix prefix = d.prefix                                                  ? *d.prefix
                         : config.translator_enabled && config.translator.prefix ? *config.translator.prefix
                                                                                  : Rfc6052Prefix::well_known();
  o += "\n[dns64]\n";
  o += "listen = " + toml_string_array(d.listen, endpoint) + "\n";
  o += "upstream = " + toml_string_array(d.upstreams, endpoint) + "\n";
  o += "prefix = " + toml_quote(prefix.to_string()) + "\n";
  o += "translate-all = " + toml_bool(d.translate_all) + "\n";
  o += "allow-ipv4 = " + toml_bool(d.allow_ipv4) + "\n";
  o += "exclude = " + toml_string_array(d.exclude, [](const Ipv6Prefix& p) { return p.to_string(); }) +
       (d.exclude.empty() ? "  # none\n" : "\n");
  o += "allow-clients = " + toml_string_array(d.allow_clients, ip_prefix_to_string) + "\n";
  o += "cache-size = " + std::to_string(d.cache_size) + (d.cache_size == 0 ? "  # no cache\n" : "\n");
  o += "log-queries = " + toml_bool(d.log_queries) + "\n";
  o += "upstream-timeout-ms = " + std::to_string(d.upstream_timeout_ms) + "\n";
  o += "query-timeout-ms = " + std::to_string(d.query_timeout_ms) + "\n";
  o += "tcp-idle-timeout-ms = " + std::to_string(d.tcp_idle_timeout_ms) + "\n";
  o += "max-tcp-connections = " + std::to_string(d.max_tcp_connections) + "\n";
  o += "max-lookups = " + std::to_string(d.max_lookups) + "\n";
  o += "rate-limit = " + std::to_string(d.rate_limit) + (d.rate_limit == 0 ? "  # no limit\n" : "\n");
  for (const dns64::Zone& z : d.zones) {
    o += "\n[[dns64.zone]]\n";
    o += "name = " + toml_quote(z.name.to_text()) + "\n";
    o += "dns64 = " + toml_bool(z.dns64) + "\n";
    o += "upstream = " + toml_string_array(z.upstreams, endpoint) +
         (z.upstreams.empty() ? "  # the [dns64] upstreams\n" : "\n");
  }
}

}  // namespace

std::string format_config_toml(const Config& config) {
  const bool tayga = config.format == ConfigFormat::kTayga;
  std::string o;
  o += "# Effective tundra configuration";
  if (!config.source_path.empty()) {
    o += ", loaded from " + config.source_path + " (format: " + std::string(config_format_name(config.format)) + ")";
  }
  o += "\n";
  if (config.translator_enabled) {
    format_translator(config, o);
  } else {
    o += "# No [translator] table: the DNS64 runs alone, without a TUN.\n";
  }
  o += "\n[daemon]\n";
  o += "control-socket = " + toml_quote(config.control_socket) + (config.control_socket.empty() ? "  # none\n" : "\n");
  o += "http-listen = " + toml_quote(config.http_listen) +
       (!config.http_listen.empty() ? "\n" : tayga ? "  # none: a tayga.conf opens no TCP port\n" : "  # none\n");
  o += "log-level = " + toml_quote(config.log_level) + "\n";
  o += "user = " + toml_quote(config.user) + (config.user.empty() ? "  # stay root\n" : "\n");
  o += "group = " + toml_quote(config.group) +
       (!config.group.empty() ? "\n" : config.user.empty() ? "  # none\n" : "  # the primary group of user\n");
  o += "pid-file = " + toml_quote(config.pid_file) + (config.pid_file.empty() ? "  # none\n" : "\n");
  if (config.dns64) format_dns64(config, o);
  return o;
}

}  // namespace tundra
