// Rendering of `tundra show mappings|stats|config` (see cli/show.h).
#include "cli/show.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <utility>

#include <toml++/toml.h>

namespace tundra {

namespace {

constexpr std::string_view kColumnGap = "  ";

// An aligned text table: a header row, then the rows; columns separated by two spaces,
// numbers right-aligned where `right` says so, no trailing spaces on any line.
std::string render_table(const std::vector<std::string>& header, const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& right) {
  std::vector<std::size_t> width(header.size(), 0);
  for (std::size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size() && c < width.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (std::size_t c = 0; c < cells.size() && c < width.size(); ++c) {
      if (c > 0) line += kColumnGap;
      const std::size_t pad = width[c] - cells[c].size();
      const bool last = c + 1 == cells.size();
      if (c < right.size() && right[c]) {
        line.append(pad, ' ');
        line += cells[c];
      } else {
        line += cells[c];
        if (!last) line.append(pad, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line;
    out += '\n';
  };
  emit(header);
  for (const auto& row : rows) emit(row);
  return out;
}

std::string csv_row(const std::vector<std::string>& cells) {
  std::string line;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line += ',';
    line += csv_field(cells[i]);
  }
  line += "\r\n";  // RFC 4180 §2 rule 1: CRLF line breaks
  return line;
}

std::string time_or(std::int64_t t, std::string_view none) {
  return t == 0 ? std::string(none) : format_iso8601_utc(t);
}

// The counters of one Counters, in the order every format shows them.
struct CounterLine {
  std::string_view name;
  std::string_view help;
  std::uint64_t value;
};

std::vector<CounterLine> counter_lines(const Counters& c) {
  std::vector<CounterLine> lines;
  lines.reserve(kCounterCount + 10);
  lines.push_back({"received4", "IPv4 packets handed to the translator", c.received4});
  lines.push_back({"received6", "IPv6 packets handed to the translator", c.received6});
  lines.push_back({"icmp_sent4", "ICMPv4 errors the translator originated", c.icmp_sent4});
  lines.push_back({"icmp_sent6", "ICMPv6 errors the translator originated", c.icmp_sent6});
  lines.push_back({"gso_received", "GSO super-packets read (offload mode)", c.gso_received});
  lines.push_back({"gso_translated", "GSO super-packets translated in one step", c.gso_translated});
  lines.push_back({"gso_segmented", "GSO super-packets cut into segments before translation", c.gso_segmented});
  lines.push_back({"gso_coalesced", "UDP datagrams written coalesced into UDP super-packets", c.gso_coalesced});
  lines.push_back({"gso_built", "UDP super-packets built by coalescing datagrams", c.gso_built});
  lines.push_back({"write_errors", "writes to the TUN that failed: what they carried was lost", c.write_errors});
  for (std::size_t i = 0; i < kCounterCount; ++i) {
    lines.push_back({kCounterInfo[i].name, kCounterInfo[i].help, c.by_reason[i]});
  }
  return lines;
}

void write_counters_json(JsonWriter& w, const Counters& c) {
  w.begin_object();
  for (const CounterLine& line : counter_lines(c)) w.key(line.name).value(line.value);
  w.end_object();
}

// --- config: TOML document to JSON and CSV ---------------------------------------------

// Entries of a table in the order they appear in the file (toml++ keeps tables sorted).
std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& table) {
  std::vector<std::pair<const toml::key*, const toml::node*>> entries;
  for (const auto& [k, v] : table) entries.emplace_back(&k, &v);
  std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
    const auto& sa = a.first->source().begin;
    const auto& sb = b.first->source().begin;
    return sa.line != sb.line ? sa.line < sb.line : sa.column < sb.column;
  });
  return entries;
}

template <typename T>
std::string streamed(const T& v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

void write_toml_json(JsonWriter& w, const toml::node& node) {
  if (const auto* t = node.as_table()) {
    w.begin_object();
    for (const auto& [k, v] : in_file_order(*t)) {
      w.key(k->str());
      write_toml_json(w, *v);
    }
    w.end_object();
  } else if (const auto* a = node.as_array()) {
    w.begin_array();
    for (const toml::node& e : *a) write_toml_json(w, e);
    w.end_array();
  } else if (const auto* s = node.as_string()) {
    w.value(std::string_view(s->get()));
  } else if (const auto* i = node.as_integer()) {
    w.value(static_cast<std::int64_t>(i->get()));
  } else if (const auto* f = node.as_floating_point()) {
    w.value(f->get());
  } else if (const auto* b = node.as_boolean()) {
    w.value(b->get());
  } else if (const auto* d = node.as_date()) {
    w.value(streamed(d->get()));
  } else if (const auto* tm = node.as_time()) {
    w.value(streamed(tm->get()));
  } else if (const auto* dt = node.as_date_time()) {
    w.value(streamed(dt->get()));
  } else {
    w.null();
  }
}

// One `key,value` row per scalar; arrays are written as JSON text; nested tables flatten
// into dotted keys.
void write_toml_csv(std::string& out, const toml::table& table, const std::string& prefix) {
  for (const auto& [k, v] : in_file_order(table)) {
    const std::string name = prefix.empty() ? std::string(k->str()) : prefix + "." + std::string(k->str());
    if (const auto* t = v->as_table()) {
      write_toml_csv(out, *t, name);
      continue;
    }
    std::string value;
    if (const auto* s = v->as_string()) {
      value = s->get();
    } else if (v->is_array()) {
      JsonWriter w;
      write_toml_json(w, *v);
      value = w.take();
    } else {
      JsonWriter w;
      write_toml_json(w, *v);
      value = w.take();
      if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);  // dates
    }
    out += csv_row({name, value});
  }
}

}  // namespace

std::optional<OutputFormat> parse_output_format(std::string_view name) {
  if (name.starts_with("--")) name.remove_prefix(2);
  if (name == "table") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "csv") return OutputFormat::kCsv;
  return std::nullopt;
}

std::string_view output_format_name(OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable: return "table";
    case OutputFormat::kJson: return "json";
    case OutputFormat::kCsv: return "csv";
  }
  return "table";
}

std::string format_iso8601_utc(std::int64_t unix_seconds) {
  const auto t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (::gmtime_r(&t, &tm) == nullptr) return "-";
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02dZ", static_cast<long long>(tm.tm_year) + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string format_duration(std::int64_t seconds) {
  if (seconds < 0) seconds = 0;
  const std::int64_t d = seconds / 86400;
  const std::int64_t h = seconds / 3600 % 24;
  const std::int64_t m = seconds / 60 % 60;
  const std::int64_t s = seconds % 60;
  std::string out;
  if (d > 0) out += std::to_string(d) + "d ";
  if (d > 0 || h > 0) out += std::to_string(h) + "h ";
  if (d > 0 || h > 0 || m > 0) out += std::to_string(m) + "m ";
  out += std::to_string(s) + "s";
  return out;
}

std::string csv_field(std::string_view field) {
  const bool quote = field.find_first_of(",\"\r\n") != std::string_view::npos ||
                     (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) return std::string(field);
  std::string out = "\"";
  for (const char c : field) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

// --- mappings ------------------------------------------------------------------------

std::string render_mappings(const std::vector<MappingRow>& rows, OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable: {
      std::vector<std::vector<std::string>> cells;
      cells.reserve(rows.size());
      for (const MappingRow& r : rows) {
        cells.push_back({r.ipv6, r.ipv4, to_string(r.kind), to_string(r.state), time_or(r.last_use, "-"),
                         time_or(r.expires, "-")});
      }
      return render_table({"IPV6", "IPV4", "KIND", "STATE", "LAST USE", "EXPIRES"}, cells, {});
    }
    case OutputFormat::kCsv: {
      std::string out = csv_row({"ipv6", "ipv4", "kind", "state", "last_use", "expires"});
      for (const MappingRow& r : rows) {
        out += csv_row({r.ipv6, r.ipv4, to_string(r.kind), to_string(r.state), time_or(r.last_use, ""),
                        time_or(r.expires, "")});
      }
      return out;
    }
    case OutputFormat::kJson: {
      JsonWriter w;
      w.begin_object().key("mappings").begin_array();
      for (const MappingRow& r : rows) {
        w.begin_object();
        w.key("ipv6").value(r.ipv6);
        w.key("ipv4").value(r.ipv4);
        w.key("kind").value(to_string(r.kind));
        w.key("state").value(to_string(r.state));
        w.key("last_use");
        if (r.last_use == 0) w.null(); else w.value(r.last_use);
        w.key("expires");
        if (r.expires == 0) w.null(); else w.value(r.expires);
        w.end_object();
      }
      w.end_array().end_object();
      return w.take() + "\n";
    }
  }
  return {};
}

// --- stats ---------------------------------------------------------------------------

std::string render_stats(const StatsSnapshot& stats, OutputFormat format) {
  const std::vector<CounterLine> lines = counter_lines(stats.total);
  switch (format) {
    case OutputFormat::kTable: {
      std::string out;
      std::vector<std::vector<std::string>> info;
      info.push_back({"started", time_or(stats.started_at, "-") +
                                     (stats.started_at != 0 && stats.now != 0
                                          ? " (up " + format_duration(stats.now - stats.started_at) + ")"
                                          : "")});
      info.push_back({"data path", stats.data_path_mode.empty() ? "-" : stats.data_path_mode});
      info.push_back({"workers", std::to_string(stats.per_worker.size())});
      // A two-column table without a header: render with an empty header and drop it.
      std::string block = render_table({"", ""}, info, {});
      out += block.substr(block.find('\n') + 1);
      out += '\n';
      std::vector<std::vector<std::string>> cells;
      cells.reserve(lines.size());
      for (const CounterLine& l : lines) cells.push_back({std::string(l.name), std::to_string(l.value), std::string(l.help)});
      out += render_table({"COUNTER", "VALUE", "DESCRIPTION"}, cells, {false, true, false});
      return out;
    }
    case OutputFormat::kCsv: {
      std::string out = csv_row({"counter", "value", "description"});
      for (const CounterLine& l : lines) {
        out += csv_row({std::string(l.name), std::to_string(l.value), std::string(l.help)});
      }
      return out;
    }
    case OutputFormat::kJson: {
      JsonWriter w;
      w.begin_object();
      w.key("started_at").value(stats.started_at);
      w.key("now").value(stats.now);
      w.key("uptime_seconds").value(stats.started_at != 0 && stats.now >= stats.started_at ? stats.now - stats.started_at
                                                                                          : std::int64_t{0});
      w.key("data_path_mode").value(stats.data_path_mode);
      w.key("workers").value(static_cast<std::uint64_t>(stats.per_worker.size()));
      w.key("total");
      write_counters_json(w, stats.total);
      w.key("per_worker").begin_array();
      for (const Counters& c : stats.per_worker) write_counters_json(w, c);
      w.end_array();
      w.end_object();
      return w.take() + "\n";
    }
  }
  return {};
}

// --- config --------------------------------------------------------------------------

bool render_config(std::string_view toml_text, OutputFormat format, std::string* out, std::string* error) {
  if (format == OutputFormat::kTable) {
    *out = std::string(toml_text);
    if (out->empty() || out->back() != '\n') *out += '\n';
    return true;
  }
  toml::table root;
  try {
    root = toml::parse(toml_text, std::string_view("config"));
  } catch (const toml::parse_error& e) {
    if (error) {
      *error = "the effective configuration is not valid TOML (line " + std::to_string(e.source().begin.line) +
               "): " + std::string(e.description());
    }
    return false;
  }
  if (format == OutputFormat::kJson) {
    JsonWriter w;
    write_toml_json(w, root);
    *out = w.take() + "\n";
  } else {
    *out = csv_row({"key", "value"});
    write_toml_csv(*out, root, "");
  }
  return true;
}

// --- JsonWriter ----------------------------------------------------------------------

void JsonWriter::separate() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (!first_.empty()) {
    if (!first_.back()) out_ += ',';
    first_.back() = false;
  }
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_ += '{';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_ += '}';
  if (!first_.empty()) first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_ += '[';
  first_.push_back(true);
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_ += ']';
  if (!first_.empty()) first_.pop_back();
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  separate();
  append_string(out_, name);
  out_ += ':';
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  separate();
  append_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::value(std::int64_t n) {
  separate();
  out_ += std::to_string(n);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t n) {
  separate();
  out_ += std::to_string(n);
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  separate();
  if (!std::isfinite(d)) {
    out_ += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  out_ += buf;
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

void JsonWriter::append_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (u < 0x20) {
          out += "\\u00";
          out += kHex[u >> 4];
          out += kHex[u & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace tundra
