// Tests for cli/log (levels, Tayga's categories, binding lines, one line per event from
// many threads) and cli/notify (sd_notify datagrams on a unix socket made here).
#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "cli/log.h"
#include "cli/notify.h"

namespace {

using tundra::LogCategory;
using tundra::LogLevel;

// Captures log lines for one test and restores the defaults afterwards.
struct CapturedLog {
  std::mutex mutex;
  std::vector<std::string> lines;
  CapturedLog() {
    tundra::set_log_sink([this](std::string_view line) {
      std::lock_guard<std::mutex> lock(mutex);
      lines.emplace_back(line);
    });
    tundra::set_log_style(tundra::LogStyle::kPlain);
    tundra::set_log_level(LogLevel::kInfo);
    tundra::set_log_categories(0);
  }
  ~CapturedLog() {
    tundra::set_log_sink({});
    tundra::set_log_style(tundra::LogStyle::kPlain);
    tundra::set_log_level(LogLevel::kInfo);
    tundra::set_log_categories(0);
  }
};

// "<timestamp> " stripped, so that lines compare exactly.
std::string without_time(const std::string& line) {
  static const std::regex kStamp("^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z ");
  std::smatch m;
  if (!std::regex_search(line, m, kStamp)) return "NO TIMESTAMP: " + line;
  return m.suffix();
}

tundra::Ipv6Address v6(const char* s) { return *tundra::Ipv6Address::parse(s); }
tundra::Ipv4Address v4(const char* s) { return *tundra::Ipv4Address::parse(s); }

// A unix datagram socket in a fresh directory, standing in for systemd's notify socket.
struct NotifyListener {
  std::string dir;
  std::string path;
  int fd = -1;
  NotifyListener() {
    char tmpl[] = "/tmp/tundra-notify-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir = tmpl;
    path = dir + "/notify";
    fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  }
  ~NotifyListener() {
    ::unsetenv("NOTIFY_SOCKET");
    ::close(fd);
    ::unlink(path.c_str());
    ::rmdir(dir.c_str());
  }
  std::string receive() const {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 2000) != 1) return "(nothing)";
    char buf[1024];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    return n < 0 ? "(error)" : std::string(buf, static_cast<std::size_t>(n));
  }
};

}  // namespace

TEST_CASE("Log levels and categories are parsed by their Tayga and tundra names", "[log]") {
  CHECK(tundra::parse_log_level("error") == LogLevel::kError);
  CHECK(tundra::parse_log_level("warn") == LogLevel::kWarn);
  CHECK(tundra::parse_log_level("warning") == LogLevel::kWarn);
  CHECK(tundra::parse_log_level("info") == LogLevel::kInfo);
  CHECK(tundra::parse_log_level("debug") == LogLevel::kDebug);
  CHECK_FALSE(tundra::parse_log_level("verbose"));
  CHECK(tundra::log_level_name(LogLevel::kWarn) == "warn");

  std::uint8_t mask = 0xff;
  std::string error;
  REQUIRE(tundra::parse_log_categories({"drop", "dyn"}, &mask, &error));
  CHECK(mask == (static_cast<std::uint8_t>(LogCategory::kDrop) | static_cast<std::uint8_t>(LogCategory::kDyn)));
  REQUIRE(tundra::parse_log_categories({}, &mask, &error));
  CHECK(mask == 0);
  REQUIRE(tundra::parse_log_categories({"all"}, &mask, &error));
  CHECK(mask == tundra::kAllLogCategories);
  CHECK_FALSE(tundra::parse_log_categories({"drop", "packets"}, &mask, &error));
  CHECK(error == "unknown log category 'packets' (expected drop, reject, icmp, self, dyn, all or none)");
}

TEST_CASE("A log line is a UTC timestamp, the level and the message, filtered by level", "[log]") {
  CapturedLog log;
  tundra::log_info("listening on {}", "127.0.0.1:8080");
  tundra::log_debug("not shown at info");
  tundra::log_warn("pool {}% full", 90);
  tundra::log_error("cannot open {}: {}", "/dev/net/tun", "Permission denied");
  REQUIRE(log.lines.size() == 3);
  CHECK(without_time(log.lines[0]) == "info: listening on 127.0.0.1:8080");
  CHECK(without_time(log.lines[1]) == "warn: pool 90% full");
  CHECK(without_time(log.lines[2]) == "error: cannot open /dev/net/tun: Permission denied");

  tundra::set_log_level(LogLevel::kError);
  CHECK_FALSE(tundra::log_enabled(LogLevel::kWarn));
  CHECK(tundra::log_enabled(LogLevel::kError));
  tundra::log_warn("dropped");
  CHECK(log.lines.size() == 3);
  tundra::set_log_level(LogLevel::kDebug);
  tundra::log_debug("now shown");
  REQUIRE(log.lines.size() == 4);
  CHECK(without_time(log.lines[3]) == "debug: now shown");
}

TEST_CASE("Under journald a line starts with its syslog priority instead of a timestamp", "[log]") {
  CapturedLog log;
  tundra::set_log_style(tundra::LogStyle::kJournal);
  tundra::log_error("bad");
  tundra::log_warn("careful");
  tundra::log_info("fine");
  REQUIRE(log.lines.size() == 3);
  CHECK(log.lines[0] == "<3>error: bad");
  CHECK(log.lines[1] == "<4>warn: careful");
  CHECK(log.lines[2] == "<6>info: fine");

  ::unsetenv("JOURNAL_STREAM");
  CHECK(tundra::detect_log_style() == tundra::LogStyle::kPlain);
  ::setenv("JOURNAL_STREAM", "1:1", 1);  // not our stderr
  CHECK(tundra::detect_log_style() == tundra::LogStyle::kPlain);
  ::unsetenv("JOURNAL_STREAM");
}

TEST_CASE("Control characters in a message cannot start a new line", "[log]") {
  CapturedLog log;
  tundra::log_write(LogLevel::kInfo, "reload of tundra.toml\nerror: forged\x1b[31m");
  REQUIRE(log.lines.size() == 1);
  CHECK(without_time(log.lines[0]) == "info: reload of tundra.toml\\x0aerror: forged\\x1b[31m");
}

TEST_CASE("Categories are off by default, cheap to test, and log whatever the level", "[log]") {
  CapturedLog log;
  CHECK_FALSE(tundra::log_category_enabled(LogCategory::kDrop));
  tundra::log_packet(LogCategory::kDrop, "drop_bad_header_4", "IPv4 192.0.2.1 > 192.0.2.2 UDP 1 > 2, 8 bytes");
  CHECK(log.lines.empty());

  tundra::set_log_categories(static_cast<std::uint8_t>(LogCategory::kDrop) |
                             static_cast<std::uint8_t>(LogCategory::kIcmp));
  tundra::set_log_level(LogLevel::kError);
  CHECK(tundra::log_category_enabled(LogCategory::kDrop));
  CHECK(tundra::log_category_enabled(LogCategory::kIcmp));
  CHECK_FALSE(tundra::log_category_enabled(LogCategory::kReject));
  tundra::log_packet(LogCategory::kDrop, "drop_bad_header_4", "IPv4 192.0.2.1 > 192.0.2.2 UDP 1 > 2, 8 bytes");
  tundra::log_packet(LogCategory::kReject, "drop_dest_unmapped_6", "not logged");
  tundra::log_category_write(LogCategory::kIcmp, "sent Time Exceeded to 2001:db8::1");
  REQUIRE(log.lines.size() == 2);
  CHECK(without_time(log.lines[0]) == "info: drop: drop_bad_header_4: IPv4 192.0.2.1 > 192.0.2.2 UDP 1 > 2, 8 bytes");
  CHECK(without_time(log.lines[1]) == "info: icmp: sent Time Exceeded to 2001:db8::1");
}

TEST_CASE("Binding events read as RFC 6888 style lines under the dyn category", "[log]") {
  CHECK(tundra::format_binding_created(v6("2001:db8::1"), v4("192.168.255.231")) ==
        "binding created 2001:db8::1 <-> 192.168.255.231");
  CHECK(tundra::format_binding_reactivated(v6("2001:db8::1"), v4("192.168.255.231")) ==
        "binding reactivated 2001:db8::1 <-> 192.168.255.231");
  CHECK(tundra::format_binding_dormant(v6("2001:db8::1"), v4("192.168.255.231"), 1714564800) ==
        "binding dormant 2001:db8::1 <-> 192.168.255.231, idle since 2024-05-01T12:00:00Z");
  CHECK(tundra::format_binding_expired(v6("2001:db8::1"), v4("192.168.255.231"), 1713355200) ==
        "binding expired 2001:db8::1 <-> 192.168.255.231, idle since 2024-04-17T12:00:00Z");
  CHECK(tundra::format_binding_reassigned(v4("192.168.255.231"), v6("2001:db8::1"), v6("2001:db8::2")) ==
        "binding reassigned 192.168.255.231 from 2001:db8::1 to 2001:db8::2");
  CHECK(tundra::format_binding_loaded(v6("2001:db8::1"), v4("192.168.255.231"), 1714564800) ==
        "binding loaded 2001:db8::1 <-> 192.168.255.231, last use 2024-05-01T12:00:00Z");

  CapturedLog log;
  tundra::log_binding_created(v6("2001:db8::1"), v4("192.168.255.231"));
  CHECK(log.lines.empty());  // dyn is off
  tundra::set_log_categories(static_cast<std::uint8_t>(LogCategory::kDyn));
  tundra::log_binding_created(v6("2001:db8::1"), v4("192.168.255.231"));
  tundra::log_binding_dormant(v6("2001:db8::1"), v4("192.168.255.231"), 1714564800);
  tundra::log_binding_reassigned(v4("192.168.255.231"), v6("2001:db8::1"), v6("2001:db8::2"));
  REQUIRE(log.lines.size() == 3);
  CHECK(without_time(log.lines[0]) == "info: dyn: binding created 2001:db8::1 <-> 192.168.255.231");
  CHECK(without_time(log.lines[1]) ==
        "info: dyn: binding dormant 2001:db8::1 <-> 192.168.255.231, idle since 2024-05-01T12:00:00Z");
  CHECK(without_time(log.lines[2]) == "info: dyn: binding reassigned 192.168.255.231 from 2001:db8::1 to 2001:db8::2");
}

TEST_CASE("Lines from many threads arrive whole, one per event", "[log]") {
  CapturedLog log;
  constexpr int kThreads = 4;
  constexpr int kLines = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t] {
      for (int i = 0; i < kLines; ++i) tundra::log_info("thread {} line {} {}", t, i, std::string(100, 'x'));
    });
  }
  for (auto& th : threads) th.join();
  REQUIRE(log.lines.size() == static_cast<std::size_t>(kThreads * kLines));
  const std::regex whole("info: thread [0-3] line \\d+ x{100}");
  int bad = 0;
  for (const std::string& line : log.lines) bad += std::regex_match(without_time(line), whole) ? 0 : 1;
  CHECK(bad == 0);
}

TEST_CASE("Without NOTIFY_SOCKET notifications do nothing and succeed", "[notify]") {
  ::unsetenv("NOTIFY_SOCKET");
  std::string error;
  CHECK(tundra::notify_ready("running", &error));
  CHECK(tundra::notify_stopping(&error));
  CHECK(error.empty());
}

TEST_CASE("READY, RELOADING, STOPPING and STATUS reach the notify socket as datagrams", "[notify]") {
  NotifyListener listener;
  std::string error;
  REQUIRE(tundra::notify_ready("", &error));
  CHECK(listener.receive() == "READY=1");
  REQUIRE(tundra::notify_ready("translating on nat64, 2 workers", &error));
  CHECK(listener.receive() == "READY=1\nSTATUS=translating on nat64, 2 workers");
  REQUIRE(tundra::notify_reloading(&error));
  CHECK(std::regex_match(listener.receive(), std::regex("RELOADING=1\nMONOTONIC_USEC=[1-9][0-9]*")));
  REQUIRE(tundra::notify_status("reload refused:\ntundra.toml:7", &error));
  CHECK(listener.receive() == "STATUS=reload refused: tundra.toml:7");
  REQUIRE(tundra::notify_stopping(&error));
  CHECK(listener.receive() == "STOPPING=1");
  REQUIRE(tundra::notify_watchdog(&error));
  CHECK(listener.receive() == "WATCHDOG=1");
  CHECK(error.empty());
}

TEST_CASE("An abstract NOTIFY_SOCKET (@name) is reached too", "[notify]") {
  const std::string name = "tundra-test-notify-" + std::to_string(::getpid());
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path + 1, name.data(), name.size());  // leading NUL: abstract
  const auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
  REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), len) == 0);
  ::setenv("NOTIFY_SOCKET", ("@" + name).c_str(), 1);
  std::string error;
  CHECK(tundra::notify_ready("", &error));
  ::unsetenv("NOTIFY_SOCKET");
  pollfd p{fd, POLLIN, 0};
  REQUIRE(::poll(&p, 1, 2000) == 1);
  char buf[64];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  CHECK(std::string(buf, static_cast<std::size_t>(n > 0 ? n : 0)) == "READY=1");
  ::close(fd);
}

TEST_CASE("A NOTIFY_SOCKET that cannot be used is reported in one line", "[notify]") {
  std::string error;
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  CHECK_FALSE(tundra::notify_ready("", &error));
  CHECK(error == "NOTIFY_SOCKET=relative/path: only a path or an @abstract name is supported");
  ::setenv("NOTIFY_SOCKET", "/nonexistent/tundra/notify", 1);
  CHECK_FALSE(tundra::notify_ready("", &error));
  CHECK(error == "NOTIFY_SOCKET=/nonexistent/tundra/notify: No such file or directory");
  ::unsetenv("NOTIFY_SOCKET");
}

TEST_CASE("The watchdog interval comes from WATCHDOG_USEC for this process only", "[notify]") {
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  CHECK_FALSE(tundra::watchdog_interval());
  ::setenv("WATCHDOG_USEC", "30000000", 1);
  CHECK(tundra::watchdog_interval() == std::chrono::microseconds(30000000));
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  CHECK(tundra::watchdog_interval() == std::chrono::microseconds(30000000));
  ::setenv("WATCHDOG_PID", "1", 1);
  CHECK_FALSE(tundra::watchdog_interval());
  ::setenv("WATCHDOG_USEC", "soon", 1);
  ::unsetenv("WATCHDOG_PID");
  CHECK_FALSE(tundra::watchdog_interval());
  ::unsetenv("WATCHDOG_USEC");
}
