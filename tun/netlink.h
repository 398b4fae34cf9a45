// Interface set-up over rtnetlink (libnl-route-3): bring the TUN up, set its MTU and
// txqueuelen, add its addresses (`tun-ip`) and the routes that send traffic into it (the
// NAT64 prefix, the dynamic pool, each `map` range, `tun-route`), and at exit take back
// exactly what was added: routes and addresses it created, and the link down only if it
// brought it up. What was already there is noted, never removed.
//
// Errors are one line naming the object: "route 64:ff9b::/96 dev nat64: File exists", with
// the kernel's own explanation appended when it gives one ("... (Nexthop device is not
// up)"). MTU and txqueuelen are not restored by undo(): they are harmless on a device we
// keep and vanish with a device we created.
//
// Order matters to the kernel: routes need the link up (ENETDOWN otherwise), so call
// set_mtu(), set_txqueuelen(), set_up(), add_address() and then add_route(). Call undo()
// before closing the TUN (closing a device we created deletes it, and its routes with it;
// undo() treats objects that are already gone as removed).
//
// Thread safety: none. One InterfaceConfigurator belongs to one control-plane thread; it
// owns a netlink socket and is never used on the packet path. It cannot be copied or moved
// (libnl's error callback holds its address); hold it in a std::unique_ptr to pass it on.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "translator/address.h"
#include "tun/status.h"

struct nl_sock;
struct nlmsgerr;
struct sockaddr_nl;

namespace tundra {

class InterfaceConfigurator {
 public:
  InterfaceConfigurator() = default;
  InterfaceConfigurator(const InterfaceConfigurator&) = delete;
  InterfaceConfigurator& operator=(const InterfaceConfigurator&) = delete;
  // Frees the socket. Does not undo(): a daemon that crashes leaves its routes, like
  // Tayga; a clean exit calls undo() explicitly.
  ~InterfaceConfigurator();

  // Connects the rtnetlink socket and looks up `interface_name`.
  Status open(const std::string& interface_name);

  const std::string& name() const { return name_; }
  unsigned ifindex() const { return ifindex_; }

  // `ip link set dev NAME up`. Already up: noted, and left up by undo().
  Status set_up();
  // `ip link set dev NAME down`, now; not recorded (undo() never brings it back up).
  Status set_down();
  // `ip link set dev NAME mtu MTU` (bytes, the largest IP packet on the device).
  Status set_mtu(std::uint32_t mtu);
  // `ip link set dev NAME txqueuelen N` (packets queued towards the reader before the
  // kernel drops; the TUN default of 500 drops bursts, so the daemon raises it).
  Status set_txqueuelen(std::uint32_t packets);

  // `ip addr add ADDRESS/LEN dev NAME`. Already present: noted, and kept by undo().
  Status add_address(const Ipv4Address& address, std::uint8_t prefix_length);
  Status add_address(const Ipv6Address& address, std::uint8_t prefix_length);

  // `ip route add PREFIX dev NAME proto static` in the main table. A route for PREFIX that
  // already goes to this device (e.g. the kernel's prefix route of an address) is noted
  // and kept by undo(); one for PREFIX through another device is an error.
  Status add_route(const Ipv4Prefix& prefix);
  Status add_route(const Ipv6Prefix& prefix);

  // A reload: makes the routes this object added exactly `v4` and `v6`. Each one it has
  // not added yet is added as add_route() adds it; then each one it added before and no
  // longer wanted is removed (in that order, so that traffic moving from an old route to a
  // new one always has one). Routes found already in place are left alone, as at exit.
  // Tries everything; returns the failures joined by "; ". A route it could not remove stays
  // its own, so that the next call and undo() try again. notes() then holds this call's.
  Status set_routes(std::span<const Ipv4Prefix> v4, std::span<const Ipv6Prefix> v6);

  // Removes the routes and addresses this object added (newest first) and brings the link
  // down if set_up() brought it up. Tries everything; returns the failures joined by "; ".
  // Afterwards nothing is recorded, so a second undo() does nothing.
  Status undo();

  // One line per thing found already in place ("route 10.0.0.0/8 dev nat64: already
  // present; kept at exit"), for the log.
  const std::vector<std::string>& notes() const { return notes_; }

 private:
  // What the kernel said about the request in flight, captured by on_netlink_error():
  // libnl folds errno into its own coarser codes ("Object exists"), and drops the
  // extended ack text.
  struct KernelError {
    int error = 0;        // errno from the NLMSG_ERROR, 0 = none
    std::string message;  // the extended ack text, if the kernel sent one
  };
  static int on_netlink_error(sockaddr_nl* peer, nlmsgerr* error, void* self);

  struct Added {
    enum class Kind : std::uint8_t { kRoute, kAddress } kind;
    int family;                           // AF_INET or AF_INET6
    std::array<std::uint8_t, 16> bytes;  // network order; the first 4 for IPv4
    std::uint8_t length;                 // prefix length
    bool operator==(const Added&) const = default;
  };

  Status add_route_bytes(int family, const std::array<std::uint8_t, 16>& bytes,
                         std::uint8_t length, const std::string& text);
  Status add_address_bytes(int family, const std::array<std::uint8_t, 16>& bytes,
                           std::uint8_t length, const std::string& text);
  Status change_link(const std::string& what, std::uint32_t mtu, std::uint32_t txqueuelen,
                     int up);
  bool route_exists_on_device(int family, const std::array<std::uint8_t, 16>& bytes,
                              std::uint8_t length);
  // Deletes one object this object added; "" or the failure as one line.
  std::string remove(const Added& object);
  // The failure of the request just made, as text; also fills kernel_error_.error.
  std::string error_text(int nl_error);

  nl_sock* sock_ = nullptr;
  std::string name_;
  unsigned ifindex_ = 0;
  bool brought_up_ = false;
  std::vector<Added> added_;
  std::vector<std::string> notes_;
  KernelError kernel_error_;
};

}  // namespace tundra
