// The daemon's log: leveled lines on stderr, Tayga's per-event `log` categories, and the
// RFC 6888 REQ-12 style lines for dynamic-pool bindings.
//
// One line per event. With LogStyle::kPlain a line reads
//   2024-05-01T12:00:00.123Z info: dyn: binding created 2001:db8::1 <-> 192.168.255.231
// and with LogStyle::kJournal (stderr connected to journald, see detect_log_style) the
// timestamp is left to journald and the line starts with the syslog priority it parses:
//   <6>info: dyn: binding created 2001:db8::1 <-> 192.168.255.231
// Control characters in messages are written as \xNN, so one event is always one line.
//
// Levels (`error warn info debug`) filter the general log; the default is info. Categories
// (`drop reject icmp self dyn`, Tayga's `log` directive) are opt-in and independent of the
// level: a category that is switched on is logged even when the level is error.
//
// Thread safety: every function may be called from any thread. log_enabled() and
// log_category_enabled() are one relaxed atomic load each, cheap enough to test per packet;
// writing a line takes a mutex and a write(2) to stderr, so only the control plane and rare
// packet-path events may write. Nothing here throws: formatting failures drop the line.
//
// Control plane module (cli/). tun/ must not include it (DESIGN.md §1): the data plane hands
// its rare events to the daemon, which logs them.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "translator/address.h"

namespace tundra {

enum class LogLevel : std::uint8_t { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };

// Tayga's `log` categories, as bit flags.
enum class LogCategory : std::uint8_t {
  kDrop = 1 << 0,    // packets dropped without an answer
  kReject = 1 << 1,  // packets refused with an ICMP error sent back
  kIcmp = 1 << 2,    // every ICMP error the translator originates (Packet Too Big, Time Exceeded, ...)
  kSelf = 1 << 3,    // packets addressed to the translator itself
  kDyn = 1 << 4,     // dynamic-pool binding events (log_binding_*)
};
inline constexpr std::uint8_t kAllLogCategories = 0x1f;

enum class LogStyle : std::uint8_t {
  kPlain,    // "<ISO-8601 UTC timestamp> <level>: <message>"
  kJournal,  // "<N><level>: <message>", N the syslog priority; journald adds the time
};

// "error", "warn", "info", "debug" (also "warning"). nullopt for anything else.
std::optional<LogLevel> parse_log_level(std::string_view name);
std::string_view log_level_name(LogLevel level);

// Names as in tayga.conf's `log` directive: drop reject icmp self dyn, plus "all" and
// "none". On an unknown name returns false and sets `*error` to one line naming it.
bool parse_log_categories(const std::vector<std::string>& names, std::uint8_t* mask, std::string* error);
std::string_view log_category_name(LogCategory category);

// kJournal when stderr is the stream systemd passed in $JOURNAL_STREAM (device:inode of
// stderr match), kPlain otherwise.
LogStyle detect_log_style();

namespace log_detail {
extern std::atomic<std::uint8_t> g_level;
extern std::atomic<std::uint8_t> g_categories;
}  // namespace log_detail

void set_log_level(LogLevel level) noexcept;
LogLevel log_level() noexcept;
void set_log_categories(std::uint8_t mask) noexcept;
std::uint8_t log_categories() noexcept;
void set_log_style(LogStyle style) noexcept;

// Where finished lines go (without the trailing newline). Empty: stderr, the default.
// For tests and for a later syslog sink; called with the log mutex held, so it must not log.
using LogSink = std::function<void(std::string_view line)>;
void set_log_sink(LogSink sink);

inline bool log_enabled(LogLevel level) noexcept {
  return static_cast<std::uint8_t>(level) <= log_detail::g_level.load(std::memory_order_relaxed);
}
inline bool log_category_enabled(LogCategory category) noexcept {
  return (log_detail::g_categories.load(std::memory_order_relaxed) & static_cast<std::uint8_t>(category)) != 0;
}

// Writes one line at `level` if the level is enabled.
void log_write(LogLevel level, std::string_view message) noexcept;
// Writes one line for `category` if the category is enabled (whatever the level); it is
// tagged with the category name: "info: drop: ...".
void log_category_write(LogCategory category, std::string_view message) noexcept;

template <typename... Args>
void log_at(LogLevel level, fmt::format_string<Args...> format, Args&&... args) noexcept {
  if (!log_enabled(level)) return;
  try {
    log_write(level, fmt::format(format, std::forward<Args>(args)...));
  } catch (...) {  // bad_alloc: lose the line, never the daemon
  }
}
template <typename... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) noexcept {
  log_at(LogLevel::kError, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> format, Args&&... args) noexcept {
  log_at(LogLevel::kWarn, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) noexcept {
  log_at(LogLevel::kInfo, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_debug(fmt::format_string<Args...> format, Args&&... args) noexcept {
  log_at(LogLevel::kDebug, format, std::forward<Args>(args)...);
}

// A packet event for the drop, reject, icmp or self category:
//   "drop: drop_bad_header_4: IPv4 192.0.2.1 > 192.0.2.2 ..."
// `reason` is the counter name (kCounterInfo), `packet` a describe_packet() line. Test
// log_category_enabled() first so that the description is only built when it is needed.
void log_packet(LogCategory category, std::string_view reason, std::string_view packet) noexcept;

// Dynamic-pool binding events (category dyn, tagged "dyn: "), RFC 6888 REQ-12: the line's
// timestamp is when the event was logged; `last_use` is Unix seconds, written as ISO-8601 UTC.
//   binding created 2001:db8::1 <-> 192.168.255.231
//   binding reactivated 2001:db8::1 <-> 192.168.255.231
//   binding dormant 2001:db8::1 <-> 192.168.255.231, idle since 2024-05-01T10:00:00Z
//   binding expired 2001:db8::1 <-> 192.168.255.231, idle since 2024-04-17T10:00:00Z
//   binding reassigned 192.168.255.231 from 2001:db8::1 to 2001:db8::2
//   binding loaded 2001:db8::1 <-> 192.168.255.231, last use 2024-05-01T10:00:00Z
// The format_* functions build the message (without timestamp or level) for tests and for
// callers that log elsewhere.
std::string format_binding_created(const Ipv6Address& v6, const Ipv4Address& v4);
std::string format_binding_reactivated(const Ipv6Address& v6, const Ipv4Address& v4);
std::string format_binding_dormant(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use);
std::string format_binding_expired(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use);
std::string format_binding_reassigned(const Ipv4Address& v4, const Ipv6Address& old_v6, const Ipv6Address& new_v6);
std::string format_binding_loaded(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use);

void log_binding_created(const Ipv6Address& v6, const Ipv4Address& v4) noexcept;
void log_binding_reactivated(const Ipv6Address& v6, const Ipv4Address& v4) noexcept;
void log_binding_dormant(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use) noexcept;
void log_binding_expired(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use) noexcept;
void log_binding_reassigned(const Ipv4Address& v4, const Ipv6Address& old_v6, const Ipv6Address& new_v6) noexcept;
void log_binding_loaded(const Ipv6Address& v6, const Ipv4Address& v4, std::int64_t last_use) noexcept;

}  // namespace tundra
