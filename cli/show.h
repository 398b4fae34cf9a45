// `tundra show mappings|stats|config`: what the daemon reports, rendered for people (an
// aligned text table), for programs (JSON) and for spreadsheets (CSV, RFC 4180).
//
// Formats (docs/operations.md shows each with an example):
// - mappings: columns IPv6, IPv4, kind, state, last use, expires. Times are ISO-8601 UTC
//   ("2024-05-01T12:00:00Z"); "-" in the table and an empty field in CSV where a time does
//   not apply (0 in MappingRow); Unix seconds or null in JSON.
// - stats: received4, received6, icmp_sent4, icmp_sent6, then every counter of
//   translator/counters.h (kCounterInfo order), all of them, zero or not, so the shape is
//   stable for scripts. JSON adds the per-worker breakdown.
// - config: the table format is the tundra.toml text itself (it loads back); JSON is the
//   TOML document as an object; CSV is one `key,value` row per setting (dotted keys).
//
// Pure functions of their input: allocate, never throw except std::bad_alloc, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/daemon_view.h"

namespace tundra {

enum class OutputFormat : std::uint8_t { kTable, kJson, kCsv };

// "table", "json", "csv" (also "--json" etc.). nullopt for anything else.
std::optional<OutputFormat> parse_output_format(std::string_view name);
std::string_view output_format_name(OutputFormat format);

// Every output ends with a newline.
std::string render_mappings(const std::vector<MappingRow>& rows, OutputFormat format);
std::string render_stats(const StatsSnapshot& stats, OutputFormat format);
// `toml_text` is DaemonView::config_text(). Returns false with `*error` set when the text
// is not valid TOML (JSON and CSV need to parse it; the table format prints it as it is).
bool render_config(std::string_view toml_text, OutputFormat format, std::string* out, std::string* error);

// "2024-05-01T12:00:00Z" for Unix seconds (UTC, proleptic Gregorian, any int64 the
// platform's gmtime_r accepts; "-" when it does not).
std::string format_iso8601_utc(std::int64_t unix_seconds);
// "1d 2h 3m 4s", "5m 0s", "0s": leading zero units are left out. Negative counts as 0.
std::string format_duration(std::int64_t seconds);

// One CSV field (RFC 4180 §2): quoted when it holds a comma, a double quote, CR or LF (or
// starts or ends with a space), with quotes doubled.
std::string csv_field(std::string_view field);

// A small JSON writer: compact output, strings escaped per RFC 8259 §7 (quote, backslash
// and control characters; everything else, UTF-8 included, is written as it is). Commas
// are placed automatically; the caller keeps objects and arrays balanced.
class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view name);  // inside an object, before each value
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(std::uint64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(double d);  // non-finite values are written as null
  JsonWriter& value(bool b);
  JsonWriter& null();
  // Writes `json` as the next value, unchecked.
  JsonWriter& raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

  static void append_string(std::string& out, std::string_view s);

 private:
  void separate();

  std::string out_;
  std::vector<bool> first_;  // per open container: no element written yet
  bool after_key_ = false;
};

}  // namespace tundra
