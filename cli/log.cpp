// Leveled logging, Tayga's log categories and binding event lines (see cli/log.h).
#include "cli/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>

#include "cli/show.h"

namespace tundra {

namespace log_detail {
std::atomic<std::uint8_t> g_level{static_cast<std::uint8_t>(LogLevel::kInfo)};
std::atomic<std::uint8_t> g_categories{0};
}  // namespace log_detail

namespace {

struct LogState {
  std::mutex mutex;
  LogStyle style = LogStyle::kPlain;
  LogSink sink;  // empty: stderr
};

LogState& state() {
  static LogState s;  // constructed on first use, never destroyed before the last log line
  return s;
}

// syslog priorities (RFC 5424 §6.2.1), which journald reads from a "<N>" line prefix.
int syslog_priority(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return 3;
    case LogLevel::kWarn: return 4;
    case LogLevel::kInfo: return 6;
    case LogLevel::kDebug: return 7;
  }
  return 6;
}

// "2024-05-01T12:00:00.123Z": wall-clock time, millisecond resolution.
void append_timestamp(std::string& out) {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::int64_t seconds = ms / 1000;
  std::string iso = format_iso8601_utc(seconds);  // ends in 'Z'
  if (!iso.empty() && iso.back() == 'Z') iso.pop_back();
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%03dZ", static_cast<int>(ms % 1000));
  out += iso;
  out += frac;
}

// Appends `message` with control characters escaped, so that one event is one line.
void append_escaped(std::string& out, std::string_view message) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (const char c : message) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
}

// Writes all of `line` to stderr; a short write is retried, an error loses the line.
void write_stderr(std::string_view line) {
  const char* p = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
}

void emit(LogLevel level, std::string_view tag, std::string_view message) noexcept {
  try {
    LogState& s = state();
    std::string line;
    line.reserve(message.size() + 48);
    std::lock_guard<std::mutex> lock(s.mutex);
    if (s.style == LogStyle::kJournal) {
      line += '<';
      line += static_cast<char>('0' + syslog_priority(level));
      line += '>';
    } else {
      append_timestamp(line);
      line += ' ';
    }
    line += log_level_name(level);
    line += ": ";
    if (!tag.empty()) {
      line += tag;
      line += ": ";
    }
    append_escaped(line, message);
    if (s.sink) {
      s.sink(line);
    } else {
      line += '\n';
      write_stderr(line);
    }
  } catch (...) {  // bad_alloc or a throwing sink: lose the line
  }
}

std::string binding_pair(const Ipv6Address& v6, const Ipv4Address& v4) {
  return v6.to_string() + " <-> " + v4.to_string();
}

void log_dyn(std::string (*make)(const Ipv6Address&, const Ipv4Address&), const Ipv6Address& v6,
             const Ipv4Address& v4) noexcept {
  if (!log_category_enabled(LogCategory::kDyn)) return;
  try {
    emit(LogLevel::kInfo, log_category_name(LogCategory::kDyn), make(v6, v4));
  } catch (...) {
  }
}

void log_dyn_time(std::string (*make)(const Ipv6Address&, const Ipv4Address&, std::int64_t), const Ipv6Address& v6,
                  const Ipv4Address& v4, std::int64_t t) noexcept {
  if (!log_category_enabled(LogCategory::kDyn)) return;
  try {
    emit(LogLevel::kInfo, log_category_name(LogCategory::kDyn), make(v6, v4, t));
  } catch (...) {
  }
}

}  // namespace

std::optional<LogLevel> parse_log_level(std::string_view name) {
  if (name == "error") return LogLevel::kError;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "info") return LogLevel::kInfo;
  if (name == "debug") return LogLevel::kDebug;
  return std::nullopt;
}

std::string_view log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kError: return "error";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kInfo: return "info";
    case LogLevel::kDebug: return "debug";
  }
  return "info";
}

std::string_view log_category_name(LogCategory category) {
  switch (category) {
    case LogCategory::kDrop: return "drop";
    case LogCategory::kReject: return "reject";
    case LogCategory::kIcmp: return "icmp";
    case LogCategory::kSelf: return "self";
    case LogCategory::kDyn: return "dyn";
  }
  return "?";
}

bool parse_log_categories(const std::vector<std::string>& names, std::uint8_t* mask, std::string* error) {
  static constexpr LogCategory kAll[] = {LogCategory::kDrop, LogCategory::kReject, LogCategory::kIcmp,
                                         LogCategory::kSelf, LogCategory::kDyn};
  std::uint8_t m = 0;
  for (const std::string& name : names) {
    if (name == "all") {
      m = kAllLogCategories;
      continue;
    }
    if (name == "none") continue;
    bool found = false;
    for (const LogCategory c : kAll) {
      if (name == log_category_name(c)) {
        m = static_cast<std::uint8_t>(m | static_cast<std::uint8_t>(c));
        found = true;
      }
    }
    if (!found) {
      if (error) *error = "unknown log category '" + name + "' (expected drop, reject, icmp, self, dyn, all or none)";
      return false;
    }
  }
  *mask = m;
  return true;
}

LogStyle detect_log_style() {
  // systemd sets JOURNAL_STREAM=<device>:<inode> of the stream it connected to stdout and
  // stderr; if stderr is still that stream, journald timestamps and prioritises lines.
  const char* js = std::getenv("JOURNAL_STREAM");
  if (js == nullptr) return LogStyle::kPlain;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  if (std::sscanf(js, "%llu:%llu", &dev, &ino) != 2) return LogStyle::kPlain;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return LogStyle::kPlain;
  if (static_cast<unsigned long long>(st.st_dev) == dev && static_cast<unsigned long long>(st.st_ino) == ino) {
    return LogStyle::kJournal;
  }
  return LogStyle::kPlain;
}

void set_log_level(LogLevel level) noexcept {
  log_detail::g_level.store(static_cast<std::uint8_t>(level), std::memory_order_relaxed);
}
LogLevel log_level() noexcept {
  return static_cast<LogLevel>(log_detail::g_level.load(std::memory_order_relaxed));
}
void set_log_categories(std::uint8_t mask) noexcept {
  log_detail::g_categories.store(static_cast<std::uint8_t>(mask & kAllLogCategories), std::memory_order_relaxed);
}
std::uint8_t log_categories() noexcept { return log_detail::g_categories.load(std::memory_order_relaxed); }

void set_log_style(LogStyle style) noexcept {
  LogState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.style = style;
}

void set_log_sink(LogSink sink) {
  LogState& s = state();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.sink = std::move(sink);
}

void log_write(LogLevel level, std::string_view message) noexcept {
  if (!log_enabled(level)) return;
  emit(level, "", message);
}

void log_category_write(LogCategory category, std::string_view message) noexcept {
  if (!log_category_enabled(category)) return;
  emit(LogLevel::kInfo, log_category_name(category), message);
}

void log_packet(LogCategory category, std::string_view reason, std::string_view packet) noexcept {
  if (!log_category_enabled(category)) return;
  try {
    std::string message;
    message.reserve(reason.size() + packet.size() + 2);
    message += reason;
    message += ": ";
    message += packet;
    emit(LogLevel::kInfo, log_category_name(category), message);
  } catch (...) {
  }
}

std::string format_binding_created(const Ipv6Address& v6, const Ipv4Address& v4) {
  return "binding created " + binding_pair(v6, v4);
}
std::string format_binding_reactivated(const Ipv6Address& v6, const Ipv4Address& v4) {
  return "binding reactivated " + binding_pair(v6, v4);
}
std::string format_binding_dormant(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use) {
  return "binding dormant " + binding_pair(v6, v4) + ", idle since " + format_iso8601_utc(last_use);
}
std::string format_binding_expired(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use) {
  return "binding expired " + binding_pair(v6, v4) + ", idle since " + format_iso8601_utc(last_use);
}
std::string format_binding_reassigned(const Ipv4Address& v4, const Ipv6Address& old_v6, const Ipv6Address& new_v6) {
  return "binding reassigned " + v4.to_string() + " from " + old_v6.to_string() + " to " + new_v6.to_string();
}
std::string format_binding_loaded(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use) {
  return "binding loaded " + binding_pair(v6, v4) + ", last use " + format_iso8601_utc(last_use);
}

void log_binding_created(const Ipv6Address& v6, const Ipv4Address& v4) noexcept {
  log_dyn(&format_binding_created, v6, v4);
}
void log_binding_reactivated(const Ipv6Address& v6, const Ipv4Address& v4) noexcept {
  log_dyn(&format_binding_reactivated, v6, v4);
}
void log_binding_dormant(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use) noexcept {
  log_dyn_time(&format_binding_dormant, v6, v4, last_use);
}
void log_binding_expired(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use) noexcept {
  log_dyn_time(&format_binding_expired, v6, v4, last_use);
}
void log_binding_reassigned(const Ipv4Address& v4, const Ipv6Address& old_v6, const Ipv6Address& new_v6) noexcept {
  if (!log_category_enabled(LogCategory::kDyn)) return;
  try {
    emit(LogLevel::kInfo, log_category_name(LogCategory::kDyn), format_binding_reassigned(v4, old_v6, new_v6));
  } catch (...) {
  }
}
void log_binding_loaded(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use) noexcept {
  log_dyn_time(&format_binding_loaded, v6, v4, last_use);
}

}  // namespace tundra
