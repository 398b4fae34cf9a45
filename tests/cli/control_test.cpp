// Tests for cli/control: the control socket protocol, the server's file handling (parent
// directory, mode 0600, stale sockets, unlink at stop), the client's one-line errors, and
// the server loop's limits (prompt stop, oversized requests, large answers).
#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli/control.h"
#include "cli/show.h"

namespace {

using tundra::MappingKind;
using tundra::MappingRow;
using tundra::MappingState;
using tundra::OutputFormat;

class FakeView : public tundra::DaemonView {
 public:
  std::vector<MappingRow> rows = {
      {"64:ff9b::/96", "0.0.0.0/0", MappingKind::kPrefix, MappingState::kPermanent, 0, 0},
      {"2001:db8:1::1", "192.168.255.231", MappingKind::kDynamic, MappingState::kActive, 1714564800, 1714572240},
  };
  tundra::ReloadResult reload_result;
  std::atomic<int> reloads{0};

  std::vector<MappingRow> mappings() override { return rows; }
  tundra::StatsSnapshot stats() override {
    tundra::StatsSnapshot s;
    s.total.received4 = 7;
    s.per_worker.push_back(s.total);
    s.started_at = 1714564800;
    s.now = 1714564860;
    s.data_path_mode = "plain, 1 queue";
    return s;
  }
  std::string config_text() override { return "[translator]\nmtu = 1500\n"; }
  tundra::ReloadResult reload() override {
    ++reloads;
    return reload_result;
  }
  bool healthy() override { return true; }
};

// A fresh directory under /tmp, removed (with what the tests left in it) at scope exit.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/tundra-control-XXXXXX";
    const char* p = ::mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
  }
  ~TempDir() {
    const std::string cmd = "rm -rf '" + path + "'";
    [[maybe_unused]] const int rc = std::system(cmd.c_str());
  }
};

sockaddr_un unix_address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

int connect_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  const sockaddr_un addr = unix_address(path);
  REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

void send_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    REQUIRE(n > 0);
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

int run_client(const std::string& path, const std::string& request, std::string* out, std::string* err) {
  std::ostringstream o;
  std::ostringstream e;
  const int rc = tundra::control_client(path, request, o, e);
  *out = o.str();
  *err = e.str();
  return rc;
}

}  // namespace

TEST_CASE("Control requests answer ok with the rendered body", "[control]") {
  FakeView view;
  CHECK(tundra::handle_control_request(view, "show mappings") ==
        "ok\n" + tundra::render_mappings(view.rows, OutputFormat::kTable));
  CHECK(tundra::handle_control_request(view, "show mappings json\n") ==
        "ok\n" + tundra::render_mappings(view.rows, OutputFormat::kJson));
  CHECK(tundra::handle_control_request(view, "  show   stats   --csv \r\n") ==
        "ok\n" + tundra::render_stats(view.stats(), OutputFormat::kCsv));
  CHECK(tundra::handle_control_request(view, "show config") == "ok\n[translator]\nmtu = 1500\n");
  CHECK(tundra::handle_control_request(view, "show config json") == "ok\n{\"translator\":{\"mtu\":1500}}\n");
  CHECK(tundra::handle_control_request(view, "reload") == "ok\nconfiguration reloaded\n");
  CHECK(view.reloads == 1);
}

TEST_CASE("Control requests that cannot be served answer one error line", "[control]") {
  FakeView view;
  view.reload_result = tundra::ReloadResult::refused("tundra.toml:7: key 'mtu': 900 is below 1280");
  CHECK(tundra::handle_control_request(view, "reload") ==
        "error reload refused, the running configuration stays: tundra.toml:7: key 'mtu': 900 is below 1280\n");
  // Applied, but a route the kernel refused: still an error, so that `tundra reload` fails.
  view.reload_result = {true, "route 203.0.113.0/24 dev nat64: adding: File exists"};
  CHECK(tundra::handle_control_request(view, "reload") ==
        "error configuration reloaded, but the interface did not follow: route 203.0.113.0/24 dev nat64: adding: "
        "File exists\n");
  CHECK(tundra::handle_control_request(view, "reload now") == "error 'reload' takes no arguments\n");
  CHECK(tundra::handle_control_request(view, "show mappings xml") ==
        "error unknown format 'xml'; expected table, json or csv\n");
  CHECK(tundra::handle_control_request(view, "bogus") ==
        "error unknown request 'bogus'; expected 'show mappings|stats|config [table|json|csv]' or 'reload'\n");
  CHECK(tundra::handle_control_request(view, "show") ==
        "error unknown request 'show'; expected 'show mappings|stats|config [table|json|csv]' or 'reload'\n");
  CHECK(tundra::handle_control_request(view, "") ==
        "error empty request; expected 'show mappings|stats|config [table|json|csv]' or 'reload'\n");
  CHECK(tundra::handle_control_request(view, "show bindings\x01") ==
        "error unknown request 'show bindings?'; expected 'show mappings|stats|config [table|json|csv]' or 'reload'\n");
}

TEST_CASE("The control socket serves tundra show and reload, mode 0600 in a 0755 directory it creates",
          "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/run/tundra/control.sock";
  FakeView view;
  tundra::ControlServer server(view);
  std::string error;
  REQUIRE(server.start(path, &error));
  CHECK(error.empty());
  CHECK(server.path() == path);

  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 07777) == 0600);
  REQUIRE(::stat((dir.path + "/run/tundra").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);
  REQUIRE(::stat((dir.path + "/run").c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0755);

  std::string out;
  std::string err;
  CHECK(run_client(path, "show mappings", &out, &err) == 0);
  CHECK(out == tundra::render_mappings(view.rows, OutputFormat::kTable));
  CHECK(err.empty());

  CHECK(run_client(path, "show stats json", &out, &err) == 0);
  CHECK(out == tundra::render_stats(view.stats(), OutputFormat::kJson));

  CHECK(run_client(path, "reload", &out, &err) == 0);
  CHECK(out == "configuration reloaded\n");

  view.reload_result = tundra::ReloadResult::refused("tundra.toml:3: key 'prefix': 64:ff9b::/95 is not an RFC 6052 length");
  CHECK(run_client(path, "reload", &out, &err) == 2);
  CHECK(out.empty());
  CHECK(err == "tundra: reload refused, the running configuration stays: tundra.toml:3: key 'prefix': "
               "64:ff9b::/95 is not an RFC 6052 length\n");

  CHECK(run_client(path, "show everything", &out, &err) == 2);
  CHECK(err.rfind("tundra: unknown request 'show everything'", 0) == 0);

  server.stop();
  CHECK(::access(path.c_str(), F_OK) != 0);  // unlinked
  server.stop();                             // idempotent
}

TEST_CASE("The client says in one line that the daemon is not running", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  std::string out;
  std::string err;
  CHECK(run_client(path, "show stats", &out, &err) == 2);
  CHECK(out.empty());
  CHECK(err == "tundra: cannot reach " + path +
                   ": No such file or directory \u2014 is `tundra run` running?\n");

  // A socket file nobody listens on: connection refused, same hint.
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    const sockaddr_un addr = unix_address(path);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
  }
  CHECK(run_client(path, "show stats", &out, &err) == 2);
  CHECK(err == "tundra: cannot reach " + path + ": Connection refused \u2014 is `tundra run` running?\n");
}

TEST_CASE("A stale socket is replaced; a live one and a file that is not a socket are refused", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  FakeView view;
  std::string error;

  SECTION("stale socket file left by a crashed daemon") {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    const sockaddr_un addr = unix_address(path);
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    ::close(fd);
    tundra::ControlServer server(view);
    REQUIRE(server.start(path, &error));
    std::string out;
    std::string err;
    CHECK(run_client(path, "show config", &out, &err) == 0);
  }
  SECTION("another daemon is serving the path") {
    tundra::ControlServer first(view);
    REQUIRE(first.start(path, &error));
    tundra::ControlServer second(view);
    CHECK_FALSE(second.start(path, &error));
    CHECK(error == path + ": another tundra is already serving this control socket");
    second.stop();  // must not unlink the first one's socket
    std::string out;
    std::string err;
    CHECK(run_client(path, "show config", &out, &err) == 0);
  }
  SECTION("a regular file is never removed") {
    { std::ofstream(path) << "precious\n"; }
    tundra::ControlServer server(view);
    CHECK_FALSE(server.start(path, &error));
    CHECK(error == path + " exists and is not a socket; not replacing it");
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    CHECK(line == "precious");
  }
  SECTION("a path too long for a unix socket") {
    tundra::ControlServer server(view);
    CHECK_FALSE(server.start(dir.path + "/" + std::string(120, 'x'), &error));
    CHECK(error.find("a unix socket path must have 1 to 107 bytes") != std::string::npos);
  }
}

TEST_CASE("stop() is prompt while clients hold idle connections, and the socket goes away", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  FakeView view;
  tundra::ControlServer server(view);
  std::string error;
  REQUIRE(server.start(path, &error));
  const int idle1 = connect_unix(path);
  const int idle2 = connect_unix(path);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the loop accept them
  const auto t0 = std::chrono::steady_clock::now();
  server.stop();
  const auto elapsed = std::chrono::steady_clock::now() - t0;
  CHECK(elapsed < std::chrono::milliseconds(500));
  CHECK(::access(path.c_str(), F_OK) != 0);
  CHECK(read_all(idle1).empty());  // closed without an answer
  ::close(idle1);
  ::close(idle2);
}

TEST_CASE("A request without a newline is served when the client closes its side", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  FakeView view;
  tundra::ControlServer server(view);
  std::string error;
  REQUIRE(server.start(path, &error));
  const int fd = connect_unix(path);
  send_all(fd, "show config");
  ::shutdown(fd, SHUT_WR);
  CHECK(read_all(fd) == "ok\n[translator]\nmtu = 1500\n");
  ::close(fd);
}

TEST_CASE("A request line over 1 KiB is refused with one error line", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  FakeView view;
  tundra::ControlServer server(view);
  std::string error;
  REQUIRE(server.start(path, &error));
  const int fd = connect_unix(path);
  send_all(fd, std::string(1024, 'a'));
  CHECK(read_all(fd) == "error request line longer than 1024 bytes\n");
  ::close(fd);
}

TEST_CASE("A large mapping table reaches the client whole, and clients are served concurrently", "[control]") {
  TempDir dir;
  const std::string path = dir.path + "/control.sock";
  FakeView view;
  view.rows.clear();
  for (int i = 0; i < 20000; ++i) {  // about 2 MB of table, far beyond one socket buffer
    view.rows.push_back({"2001:db8::" + std::to_string(i), "192.0.2." + std::to_string(i % 256),
                         MappingKind::kDynamic, MappingState::kActive, 1714564800 + i, 1714572240 + i});
  }
  tundra::ControlServer server(view);
  std::string error;
  REQUIRE(server.start(path, &error));
  const std::string expected = tundra::render_mappings(view.rows, OutputFormat::kTable);

  constexpr int kClients = 6;
  std::vector<std::thread> clients;
  std::vector<std::string> errors(kClients);
  std::vector<char> whole(kClients);  // not vector<bool>: threads write neighbouring elements
  for (int t = 0; t < kClients; ++t) {
    clients.emplace_back([&, t] {
      std::ostringstream out;
      std::ostringstream err;
      whole[t] = tundra::control_client(path, "show mappings", out, err) == 0 && out.str() == expected;
      errors[t] = err.str();
    });
  }
  for (auto& c : clients) c.join();
  for (int t = 0; t < kClients; ++t) {
    INFO("client " << t << ": " << errors[t]);
    CHECK(whole[t]);
  }
}
