// Tests for tun/: TUN queues (create, attach, single-queue fallback, --mktun/--rmtun), the
// per-packet read/write/wait results, and netlink set-up with undo, checked against what
// the real `ip` command reports.
//
// Every test that touches an interface first moves this thread into a fresh network
// namespace (unshare(CLONE_NEWNET)) and moves back at its end, so the host's interfaces and
// routes are never touched; devices left behind die with the namespace. Without root
// (CAP_NET_ADMIN, CAP_SYS_ADMIN for unshare) or without /dev/net/tun such a test is skipped:
// Catch2 v2 has no SKIP, so it prints a "SKIPPED" warning and returns without assertions
// (it passes). Tests that need no privilege (argument checks) always run.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "tests/support/packets.h"
#include "tun/netlink.h"
#include "tun/tun_device.h"

namespace {

using tundra::InterfaceConfigurator;
using tundra::IoStatus;
using tundra::Ipv4Prefix;
using tundra::Ipv6Prefix;
using tundra::Status;
using tundra::TunDevice;
using tundra::TunOptions;
using tundra::WaitStatus;
using tundra::test::v4;
using tundra::test::v6;

// Moves the calling thread into a new network namespace for its lifetime. Network
// namespaces are per thread, and children forked by this thread (the `ip` commands) start
// in the same one.
class FreshNetns {
 public:
  FreshNetns() {
    if (::access("/dev/net/tun", R_OK | W_OK) != 0) {
      why_ = std::string("/dev/net/tun: ") + std::strerror(errno);
      return;
    }
    original_ = ::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (original_ < 0) {
      why_ = std::string("/proc/thread-self/ns/net: ") + std::strerror(errno);
      return;
    }
    if (::unshare(CLONE_NEWNET) != 0) {
      why_ = std::string("unshare(CLONE_NEWNET): ") + std::strerror(errno) + " (needs root)";
      ::close(original_);
      original_ = -1;
      return;
    }
    entered_ = true;
  }
  ~FreshNetns() {
    if (entered_ && ::setns(original_, CLONE_NEWNET) != 0)
      std::fprintf(stderr, "tun_test: could not return to the original network namespace: %s\n",
                   std::strerror(errno));
    if (original_ >= 0) ::close(original_);
  }
  FreshNetns(const FreshNetns&) = delete;
  FreshNetns& operator=(const FreshNetns&) = delete;

  bool entered() const { return entered_; }
  const std::string& why() const { return why_; }

 private:
  int original_ = -1;
  bool entered_ = false;
  std::string why_;
};

// Declared first in a test so that it is destroyed last, after every fd opened inside.
// Loopback comes up as in any real namespace: IPv6 delivers to local addresses through
// local routes on lo, and drops (Ip6InAddrErrors) while lo is down.
#define ENTER_FRESH_NETNS()                                                          \
  FreshNetns fresh_netns;                                                            \
  if (!fresh_netns.entered()) {                                                      \
    WARN("SKIPPED: needs a network namespace of its own: " << fresh_netns.why());    \
    return;                                                                          \
  }                                                                                  \
  must("ip link set dev lo up")

struct Shell {
  int status = -1;  // exit status; -1 when it did not exit normally
  std::string output;
};

// Runs a shell command in the current namespace, collecting stdout and stderr.
Shell shell(const std::string& command) {
  Shell result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A set-up step that must work; shows the command and its output when it does not.
void must(const std::string& command) {
  const Shell r = shell(command);
  INFO(command << "\n" << r.output);
  REQUIRE(r.status == 0);
}

std::string ip(const std::string& arguments) {
  const Shell r = shell("ip " + arguments);
  INFO("ip " << arguments << "\n" << r.output);
  REQUIRE(r.status == 0);
  return r.output;
}

bool device_exists(const std::string& name) { return shell("ip link show dev " + name).status == 0; }

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The administrative UP flag in `ip link show` output ("<POINTOPOINT,...,UP,LOWER_UP>").
bool shows_up(const std::string& link) {
  const std::size_t open = link.find('<');
  const std::size_t close = link.find('>', open);
  if (open == std::string::npos || close == std::string::npos) return false;
  const std::string flags = "," + link.substr(open + 1, close - open - 1) + ",";
  return contains(flags, ",UP,");
}

void require_ok(const Status& s) {
  INFO(s.message());
  REQUIRE(s.is_ok());
}

TunOptions options(const std::string& name, unsigned queues) {
  TunOptions o;
  o.name = name;
  o.queues = queues;
  return o;
}

// A TUN that is up with 2001:db8:1::1/64 and a route 2001:db8:99::/64 into it.
void route_into(InterfaceConfigurator& c, const std::string& name) {
  require_ok(c.open(name));
  require_ok(c.set_up());
  require_ok(c.add_address(v6("2001:db8:1::1"), 64));
  require_ok(c.add_route(*Ipv6Prefix::parse("2001:db8:99::/64")));
}

void send_udp6(const char* destination, std::uint16_t port, const std::string& text) {
  const int s = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(s >= 0);
  sockaddr_in6 to{};
  to.sin6_family = AF_INET6;
  to.sin6_port = htons(port);
  const auto a = v6(destination);
  std::memcpy(&to.sin6_addr, a.bytes.data(), 16);
  const ssize_t sent = ::sendto(s, text.data(), text.size(), 0,
                                reinterpret_cast<const sockaddr*>(&to), sizeof to);
  const int error = errno;
  ::close(s);
  INFO(std::strerror(error));
  REQUIRE(sent == static_cast<ssize_t>(text.size()));
}

std::vector<std::byte> bytes_of(const std::string& s) {
  std::vector<std::byte> b(s.size());
  std::memcpy(b.data(), s.data(), s.size());
  return b;
}

}  // namespace

TEST_CASE("A new TUN gets as many queues as asked for and disappears when they close", "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 3)));
  CHECK(tun.queue_count() == 3);
  CHECK(tun.multi_queue());
  CHECK_FALSE(tun.existed());
  CHECK_FALSE(tun.persistent());
  CHECK(tun.note().empty());
  CHECK(tun.name() == "nat64");
  CHECK(tun.ifindex() == ::if_nametoindex("nat64"));
  for (const int fd : tun.queue_fds()) CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);

  const std::string link = ip("-d link show dev nat64");
  INFO(link);
  CHECK(contains(link, "tun type tun pi off vnet_hdr off multi_queue numqueues 3"));
  CHECK(contains(link, "persist off"));

  tun.close();
  CHECK_FALSE(device_exists("nat64"));
}

TEST_CASE("An existing single-queue persistent TUN is attached as one queue", "[tun]") {
  ENTER_FRESH_NETNS();
  must("ip tuntap add dev nat64 mode tun");  // no multi_queue: what Tayga's main cannot attach
  TunDevice tun;
  require_ok(tun.open(options("nat64", 4)));
  CHECK(tun.queue_count() == 1);
  CHECK_FALSE(tun.multi_queue());
  CHECK(tun.existed());
  CHECK(tun.persistent());
  CHECK(tun.note() ==
        "tun nat64: existing device is single-queue (created without multi_queue); "
        "using 1 queue, not 4");

  // The queue really is attached: the link gets a carrier once it is up.
  must("ip link set dev nat64 up");
  const std::string link = ip("-d link show dev nat64");
  INFO(link);
  CHECK_FALSE(contains(link, "multi_queue"));
  CHECK(contains(link, "LOWER_UP"));

  tun.close();
  CHECK(device_exists("nat64"));  // persistent: it outlives us
  CHECK(contains(ip("link show dev nat64"), "NO-CARRIER"));
}

TEST_CASE("An existing multi-queue persistent TUN gets every queue asked for and stays", "[tun]") {
  ENTER_FRESH_NETNS();
  must("ip tuntap add dev nat64 mode tun multi_queue");
  TunDevice tun;
  require_ok(tun.open(options("nat64", 2)));
  CHECK(tun.queue_count() == 2);
  CHECK(tun.multi_queue());
  CHECK(tun.existed());
  CHECK(tun.persistent());
  CHECK(contains(ip("-d link show dev nat64"), "multi_queue numqueues 2"));
  tun.close();
  CHECK(contains(ip("-d link show dev nat64"), "multi_queue numqueues 0"));
}

TEST_CASE("A TUN that another process holds without persist is refused", "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice owner;
  require_ok(owner.open(options("nat64", 1)));
  TunDevice second;
  const Status s = second.open(options("nat64", 2));
  REQUIRE_FALSE(s.is_ok());
  CHECK(s.message() ==
        "tun nat64: exists and is not persistent, so another process owns it "
        "(make it persistent with --mktun, or stop that process)");
  CHECK_FALSE(second.is_open());
  CHECK(contains(ip("-d link show dev nat64"), "numqueues 1"));  // the owner's queue alone
}

TEST_CASE("A TAP device of the same name is refused in one line", "[tun]") {
  ENTER_FRESH_NETNS();
  must("ip tuntap add dev nat64 mode tap");
  TunDevice tun;
  const Status s = tun.open(options("nat64", 1));
  CHECK(s.message() ==
        "tun nat64: Invalid argument (the existing interface is not a TUN device; a TAP?)");
}

TEST_CASE("Bad interface names and queue counts are refused before touching the kernel", "[tun]") {
  TunDevice tun;
  CHECK(tun.open(options("", 1)).message() == "tun \"\": interface names are 1 to 15 bytes");
  CHECK(tun.open(options("a-name-too-long-", 1)).message() ==
        "tun \"a-name-too-long-\": interface names are 1 to 15 bytes");
  CHECK(tun.open(options("nat64", 0)).message() == "tun nat64: queues must be 1 to 256, not 0");
  CHECK(tun.open(options("nat64", 257)).message() == "tun nat64: queues must be 1 to 256, not 257");
  CHECK(tundra::remove_persistent_tun("").message() ==
        "tun \"\": interface names are 1 to 15 bytes");
}

TEST_CASE("mktun makes a persistent multi-queue TUN with its owner and group, and rmtun removes it",
          "[tun]") {
  ENTER_FRESH_NETNS();
  tundra::PersistentTunOptions mk;
  mk.name = "nat64";
  mk.owner = 1234;
  mk.group = 5678;
  require_ok(tundra::make_persistent_tun(mk));
  const std::string link = ip("-d link show dev nat64");
  INFO(link);
  CHECK(contains(link, "multi_queue numqueues 0"));
  CHECK(contains(link, "persist on user 1234 group 5678"));

  // --mktun again is harmless.
  require_ok(tundra::make_persistent_tun(mk));

  {
    TunDevice tun;
    require_ok(tun.open(options("nat64", 2)));
    CHECK(tun.existed());
    CHECK(tun.queue_count() == 2);
  }
  CHECK(device_exists("nat64"));

  require_ok(tundra::remove_persistent_tun("nat64"));
  CHECK_FALSE(device_exists("nat64"));
  CHECK(tundra::remove_persistent_tun("nat64").message() == "tun nat64: no such device");
}

TEST_CASE("mktun keeps an existing single-queue TUN, and rmtun removes one made by ip tuntap",
          "[tun]") {
  ENTER_FRESH_NETNS();
  must("ip tuntap add dev nat64 mode tun");
  tundra::PersistentTunOptions mk;
  mk.name = "nat64";
  require_ok(tundra::make_persistent_tun(mk));
  const std::string link = ip("-d link show dev nat64");
  INFO(link);
  CHECK(contains(link, "persist on"));
  CHECK_FALSE(contains(link, "multi_queue"));
  require_ok(tundra::remove_persistent_tun("nat64"));
  CHECK_FALSE(device_exists("nat64"));
}

TEST_CASE("Link up, MTU and txqueuelen are applied, and undo brings down only a link it brought up",
          "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 1)));
  {
    InterfaceConfigurator c;
    require_ok(c.open("nat64"));
    CHECK(c.ifindex() == tun.ifindex());
    require_ok(c.set_mtu(1400));
    require_ok(c.set_txqueuelen(10000));
    require_ok(c.set_up());
    CHECK(c.notes().empty());
    const std::string link = ip("link show dev nat64");
    INFO(link);
    CHECK(contains(link, "mtu 1400"));
    CHECK(contains(link, "qlen 10000"));
    CHECK(shows_up(link));

    require_ok(c.undo());
    CHECK_FALSE(shows_up(ip("link show dev nat64")));
    require_ok(c.undo());  // nothing left to take back
  }
  {
    must("ip link set dev nat64 up");
    InterfaceConfigurator c;
    require_ok(c.open("nat64"));
    require_ok(c.set_up());
    REQUIRE(c.notes().size() == 1);
    CHECK(c.notes()[0] == "link nat64: already up; left up at exit");
    require_ok(c.undo());
    CHECK(shows_up(ip("link show dev nat64")));
  }
}

TEST_CASE("An MTU the kernel refuses is reported in one line naming the link", "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 1)));
  InterfaceConfigurator c;
  require_ok(c.open("nat64"));
  const Status s = c.set_mtu(70000);  // TUN's max_mtu is 65535
  INFO(s.message());
  CHECK(s.message().rfind("link nat64 mtu 70000: Invalid argument", 0) == 0);
  CHECK(s.message().find('\n') == std::string::npos);
  InterfaceConfigurator missing;
  CHECK(missing.open("nosuchdev").message().rfind("link nosuchdev: ", 0) == 0);
}

TEST_CASE("Routes for IPv4 and IPv6 prefixes are added, and undo removes them and only them",
          "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 1)));
  must("ip link set dev nat64 up");
  // Routes an operator put there before we started: they must survive undo().
  must("ip route add 198.51.100.0/24 dev nat64");
  must("ip -6 route add 2001:db8:5::/48 dev nat64");

  InterfaceConfigurator c;
  require_ok(c.open("nat64"));
  require_ok(c.add_route(*Ipv4Prefix::parse("192.0.2.0/24")));         // a map range
  require_ok(c.add_route(*Ipv4Prefix::parse("198.51.100.0/24")));      // already there
  require_ok(c.add_route(*Ipv6Prefix::parse("64:ff9b::/96")));         // the NAT64 prefix
  require_ok(c.add_route(*Ipv6Prefix::parse("2001:db8:5::/48")));      // already there
  require_ok(c.add_route(*Ipv4Prefix::parse("203.0.113.7")));          // a /32 map
  REQUIRE(c.notes().size() == 2);
  CHECK(c.notes()[0] == "route 198.51.100.0/24 dev nat64: already present; kept at exit");
  CHECK(c.notes()[1] == "route 2001:db8:5::/48 dev nat64: already present; kept at exit");

  std::string v4routes = ip("route show");
  std::string v6routes = ip("-6 route show");
  {
    INFO(v4routes << v6routes);
    CHECK(contains(v4routes, "192.0.2.0/24 dev nat64 proto static scope link"));
    CHECK(contains(v4routes, "203.0.113.7 dev nat64 proto static scope link"));
    CHECK(contains(v4routes, "198.51.100.0/24 dev nat64 scope link"));
    CHECK(contains(v6routes, "64:ff9b::/96 dev nat64 proto static"));
    CHECK(contains(v6routes, "2001:db8:5::/48 dev nat64 metric 1024"));
  }

  require_ok(c.undo());
  v4routes = ip("route show");
  v6routes = ip("-6 route show");
  INFO(v4routes << v6routes);
  CHECK_FALSE(contains(v4routes, "192.0.2.0/24"));
  CHECK_FALSE(contains(v4routes, "203.0.113.7"));
  CHECK_FALSE(contains(v6routes, "64:ff9b::/96"));
  CHECK(contains(v4routes, "198.51.100.0/24 dev nat64 scope link"));
  CHECK(contains(v6routes, "2001:db8:5::/48 dev nat64"));
  CHECK(shows_up(ip("link show dev nat64")));  // it was up before: stays up
}

TEST_CASE("set_routes adds the routes a reload wants, removes only its own that went, and undo the rest",
          "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 1)));
  must("ip link set dev nat64 up");
  must("ip route add 198.51.100.0/24 dev nat64");  // the operator's

  InterfaceConfigurator c;
  require_ok(c.open("nat64"));
  require_ok(c.add_route(*Ipv4Prefix::parse("192.168.255.0/24")));  // the pool at start
  require_ok(c.add_route(*Ipv4Prefix::parse("192.0.2.3")));         // a map at start
  require_ok(c.add_route(*Ipv6Prefix::parse("64:ff9b::/96")));

  // The reload: a wider pool, the map gone, a new map, the prefix kept, and the operator's
  // route now also wanted.
  const std::vector<Ipv4Prefix> v4 = {*Ipv4Prefix::parse("192.168.254.0/23"), *Ipv4Prefix::parse("192.0.2.4"),
                                      *Ipv4Prefix::parse("198.51.100.0/24")};
  const std::vector<Ipv6Prefix> v6 = {*Ipv6Prefix::parse("64:ff9b::/96")};
  require_ok(c.set_routes(v4, v6));
  REQUIRE(c.notes().size() == 1);
  CHECK(c.notes()[0] == "route 198.51.100.0/24 dev nat64: already present; kept at exit");
  std::string v4routes = ip("route show");
  std::string v6routes = ip("-6 route show");
  {
    INFO(v4routes << v6routes);
    CHECK(contains(v4routes, "192.168.254.0/23 dev nat64 proto static"));
    CHECK(contains(v4routes, "192.0.2.4 dev nat64 proto static"));
    CHECK_FALSE(contains(v4routes, "192.168.255.0/24"));
    CHECK_FALSE(contains(v4routes, "192.0.2.3 "));
    CHECK(contains(v4routes, "198.51.100.0/24 dev nat64 scope link"));
    CHECK(contains(v6routes, "64:ff9b::/96 dev nat64 proto static"));
  }

  // Another reload that wants nothing: ours go, the operator's stays; undo has nothing left.
  require_ok(c.set_routes({}, {}));
  require_ok(c.undo());
  v4routes = ip("route show");
  v6routes = ip("-6 route show");
  INFO(v4routes << v6routes);
  CHECK_FALSE(contains(v4routes, "192.168.254.0/23"));
  CHECK_FALSE(contains(v4routes, "192.0.2.4"));
  CHECK_FALSE(contains(v6routes, "64:ff9b::/96"));
  CHECK(contains(v4routes, "198.51.100.0/24 dev nat64 scope link"));
}

TEST_CASE("A route that another device already carries is refused in one line naming the route",
          "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 1)));
  must("ip tuntap add dev other mode tun && ip link set dev other up && ip link set dev nat64 up");
  must("ip route add 192.0.2.0/24 dev other");
  must("ip -6 route add 64:ff9b::/96 dev other");

  InterfaceConfigurator c;
  require_ok(c.open("nat64"));
  CHECK(c.add_route(*Ipv4Prefix::parse("192.0.2.0/24")).message() ==
        "route 192.0.2.0/24 dev nat64: File exists (the main table routes it through another "
        "device)");
  CHECK(c.add_route(*Ipv6Prefix::parse("64:ff9b::/96")).message() ==
        "route 64:ff9b::/96 dev nat64: File exists (the main table routes it through another "
        "device)");
  require_ok(c.undo());
  CHECK(contains(ip("route show"), "192.0.2.0/24 dev other"));
  CHECK(contains(ip("-6 route show"), "64:ff9b::/96 dev other"));
}

TEST_CASE("A route on a link that is down is refused with the kernel's reason", "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 1)));
  InterfaceConfigurator c;
  require_ok(c.open("nat64"));
  const Status s = c.add_route(*Ipv6Prefix::parse("64:ff9b::/96"));
  INFO(s.message());
  CHECK(s.message().rfind("route 64:ff9b::/96 dev nat64: Network is down", 0) == 0);
  CHECK(contains(s.message(), "not up"));  // the extended ack text, when the kernel sends it
}

TEST_CASE("Addresses are added to the TUN, and undo removes only those it added", "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 1)));
  must("ip link set dev nat64 up && ip addr add 192.0.2.9/32 dev nat64");

  InterfaceConfigurator c;
  require_ok(c.open("nat64"));
  require_ok(c.add_address(v4("192.168.255.1"), 24));
  require_ok(c.add_address(v6("2001:db8:1::1"), 64));
  require_ok(c.add_address(v4("192.0.2.9"), 32));  // already there
  // The kernel made a prefix route for 192.168.255.0/24 with the address: the pool's route
  // is then already present on this device.
  require_ok(c.add_route(*Ipv4Prefix::parse("192.168.255.0/24")));
  REQUIRE(c.notes().size() == 2);
  CHECK(c.notes()[0] == "address 192.0.2.9/32 dev nat64: already present; kept at exit");
  CHECK(c.notes()[1] == "route 192.168.255.0/24 dev nat64: already present; kept at exit");

  std::string addresses = ip("addr show dev nat64");
  {
    INFO(addresses);
    CHECK(contains(addresses, "inet 192.168.255.1/24 scope global nat64"));
    CHECK(contains(addresses, "inet6 2001:db8:1::1/64 scope global"));
    CHECK(contains(addresses, "inet 192.0.2.9/32 scope global nat64"));
  }
  CHECK(c.add_address(v4("192.0.2.1"), 33).message() ==
        "address 192.0.2.1/33 dev nat64: prefix length must be 0 to 32");

  require_ok(c.undo());
  addresses = ip("addr show dev nat64");
  INFO(addresses);
  CHECK_FALSE(contains(addresses, "192.168.255.1"));
  CHECK_FALSE(contains(addresses, "2001:db8:1::1"));
  CHECK(contains(addresses, "inet 192.0.2.9/32"));
}

TEST_CASE("Undo after the TUN is gone reports nothing left to remove as success", "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 1)));
  InterfaceConfigurator c;
  route_into(c, "nat64");
  require_ok(c.add_route(*Ipv4Prefix::parse("192.0.2.0/24")));
  tun.close();  // a device we created: deleted with its routes and addresses
  REQUIRE_FALSE(device_exists("nat64"));
  require_ok(c.undo());
}

TEST_CASE("A packet the kernel routes into the TUN is read from one of its queues", "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 2)));
  InterfaceConfigurator c;
  route_into(c, "nat64");
  send_udp6("2001:db8:99::1", 4242, "hello tundra");

  // The kernel may also send its own packets (MLD reports, router solicitations) once the
  // link is up; look for ours on any queue.
  std::vector<std::byte> buffer(65536);
  std::vector<std::byte> packet;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (packet.empty() && std::chrono::steady_clock::now() < deadline) {
    for (const int fd : tun.queue_fds()) {
      if (tundra::wait_readable(fd, 50) != WaitStatus::kReadable) continue;
      const tundra::IoResult r = tundra::read_packet(fd, buffer);
      REQUIRE(r.status == IoStatus::kOk);
      // IPv6, next header UDP, destination 2001:db8:99::1.
      const auto dst = v6("2001:db8:99::1");
      if (r.bytes >= 48 && (std::to_integer<int>(buffer[0]) >> 4) == 6 &&
          std::to_integer<int>(buffer[6]) == 17 &&
          std::memcmp(buffer.data() + 24, dst.bytes.data(), 16) == 0)
        packet.assign(buffer.begin(), buffer.begin() + static_cast<long>(r.bytes));
    }
  }
  REQUIRE_FALSE(packet.empty());
  CHECK(tundra::test::check_packet(packet.data(), packet.size()).empty());
  tundra::Ipv6Address source;
  std::memcpy(source.bytes.data(), packet.data() + 8, 16);
  CHECK(source.to_string() == "2001:db8:1::1");  // the TUN's own address, usable at once
  const std::string payload(reinterpret_cast<const char*>(packet.data()) + 48, packet.size() - 48);
  CHECK(payload == "hello tundra");
}

TEST_CASE("A packet written to a TUN queue is delivered by the kernel", "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 2)));
  InterfaceConfigurator c;
  route_into(c, "nat64");

  const int s = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  REQUIRE(s >= 0);
  sockaddr_in6 local{};
  local.sin6_family = AF_INET6;
  local.sin6_port = htons(4243);
  const auto own = v6("2001:db8:1::1");
  std::memcpy(&local.sin6_addr, own.bytes.data(), 16);
  REQUIRE(::bind(s, reinterpret_cast<const sockaddr*>(&local), sizeof local) == 0);

  const auto peer = v6("2001:db8:99::7");
  const auto packet = tundra::test::ip6(
      peer, own, 17, tundra::test::udp6(peer, own, 1111, 4243, bytes_of("from the tun")));
  // The kernel installs the local route of a new address from a work queue, a moment after
  // the address appears; until then the packet is dropped (Ip6InAddrErrors). Retry.
  bool delivered = false;
  for (int attempt = 0; attempt < 30 && !delivered; ++attempt) {
    const tundra::IoResult w = tundra::write_packet(tun.queue_fds()[1], packet);
    REQUIRE(w.status == IoStatus::kOk);
    CHECK(w.bytes == packet.size());
    pollfd p{s, POLLIN, 0};
    delivered = ::poll(&p, 1, 100) == 1;
  }
  REQUIRE(delivered);
  char received[64] = {};
  sockaddr_in6 from{};
  socklen_t from_length = sizeof from;
  const ssize_t n = ::recvfrom(s, received, sizeof received, 0,
                               reinterpret_cast<sockaddr*>(&from), &from_length);
  ::close(s);
  REQUIRE(n == 12);
  CHECK(std::string(received, 12) == "from the tun");
  CHECK(std::memcmp(&from.sin6_addr, peer.bytes.data(), 16) == 0);
  CHECK(ntohs(from.sin6_port) == 1111);
}

TEST_CASE("Reads, writes and waits report an empty queue, a down link, a refused packet and a "
          "deleted device", "[tun]") {
  ENTER_FRESH_NETNS();
  TunDevice tun;
  require_ok(tun.open(options("nat64", 1)));
  const int fd = tun.queue_fds()[0];
  std::vector<std::byte> buffer(2048);
  const auto a = v6("2001:db8:99::7");
  const auto b = v6("2001:db8:1::1");
  const auto packet = tundra::test::ip6(a, b, 17, tundra::test::udp6(a, b, 1, 2, bytes_of("x")));

  tundra::IoResult r = tundra::read_packet(fd, buffer);
  CHECK(r.status == IoStatus::kWouldBlock);
  CHECK(r.error == EAGAIN);
  CHECK(tundra::wait_readable(fd, 20) == WaitStatus::kTimeout);

  r = tundra::write_packet(fd, packet);  // the link is still down
  CHECK(r.status == IoStatus::kLinkDown);
  CHECK(r.error == EIO);

  InterfaceConfigurator c;
  route_into(c, "nat64");
  const std::byte garbage[3] = {};
  r = tundra::write_packet(fd, garbage);
  CHECK(r.status == IoStatus::kRejected);

  // A read into a buffer too small for the packet is flagged, not passed on cut short.
  send_udp6("2001:db8:99::1", 4242, "a datagram longer than sixteen bytes");
  REQUIRE(tundra::wait_readable(fd, 3000) == WaitStatus::kReadable);
  std::byte small[16];
  r = tundra::read_packet(fd, small);
  CHECK(r.status == IoStatus::kTruncated);
  CHECK(r.bytes == sizeof small);

  // A wake fd (an eventfd written at shutdown) ends the wait.
  const int wake = ::eventfd(1, EFD_CLOEXEC);
  REQUIRE(wake >= 0);
  CHECK(tundra::wait_readable(fd, 3000, wake) == WaitStatus::kWoken);
  ::close(wake);

  must("ip link del dev nat64");
  CHECK(tundra::read_packet(fd, buffer).status == IoStatus::kGone);
  CHECK(tundra::write_packet(fd, packet).status == IoStatus::kGone);
  CHECK(tundra::wait_readable(fd, 100) == WaitStatus::kGone);
}

TEST_CASE("A TUN opened with vnet_hdr accepts checksum and TSO offloads", "[tun]") {
  ENTER_FRESH_NETNS();
  TunOptions o = options("nat64", 2);
  o.vnet_hdr = true;
  o.nonblocking = false;
  TunDevice tun;
  require_ok(tun.open(o));
  CHECK(tun.vnet_hdr());
  for (const int fd : tun.queue_fds()) CHECK((::fcntl(fd, F_GETFL) & O_NONBLOCK) == 0);
  CHECK(contains(ip("-d link show dev nat64"), "vnet_hdr on multi_queue numqueues 2"));
  require_ok(tun.set_offload(TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6));
  CHECK(tun.set_offload(0x8000'0000u).message().rfind("tun nat64: TUNSETOFFLOAD 0x80000000: ", 0) ==
        0);
}
