// rtnetlink through libnl-route-3: link flags, MTU, txqueuelen, addresses and device routes,
// each recorded so that undo() takes back exactly what was added. See tun/netlink.h.
#include "tun/netlink.h"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/handlers.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace tundra {
namespace {

struct LinkFree { void operator()(rtnl_link* p) const { rtnl_link_put(p); } };
struct AddrFree { void operator()(rtnl_addr* p) const { rtnl_addr_put(p); } };
struct RouteFree { void operator()(rtnl_route* p) const { rtnl_route_put(p); } };
struct NlAddrFree { void operator()(nl_addr* p) const { nl_addr_put(p); } };
struct CacheFree { void operator()(nl_cache* p) const { nl_cache_free(p); } };
using LinkPtr = std::unique_ptr<rtnl_link, LinkFree>;
using AddrPtr = std::unique_ptr<rtnl_addr, AddrFree>;
using RoutePtr = std::unique_ptr<rtnl_route, RouteFree>;
using NlAddrPtr = std::unique_ptr<nl_addr, NlAddrFree>;
using CachePtr = std::unique_ptr<nl_cache, CacheFree>;

using Bytes = std::array<std::uint8_t, 16>;

// Routes we add say "proto static" in `ip route`, so an operator can tell them from the
// kernel's prefix routes and from `ip route add` (proto boot).
constexpr std::uint8_t kRouteProtocol = RTPROT_STATIC;

std::size_t address_width(int family) { return family == AF_INET ? 4 : 16; }

Bytes bytes_of(const Ipv4Address& a) {
  Bytes b{};
  for (int i = 0; i < 4; ++i) b[i] = static_cast<std::uint8_t>(a.value >> (24 - 8 * i));
  return b;
}

Bytes bytes_of(const Ipv6Address& a) { return a.bytes; }

NlAddrPtr build_nl_addr(int family, const Bytes& bytes, std::uint8_t length) {
  NlAddrPtr a(nl_addr_build(family, bytes.data(), address_width(family)));
  if (a) nl_addr_set_prefixlen(a.get(), length);
  return a;
}

// The route object for add and delete alike: delete matches on the same dst, table,
// protocol, scope and outgoing device, so it cannot take away someone else's route.
RoutePtr build_route(int family, const Bytes& bytes, std::uint8_t length, unsigned ifindex) {
  RoutePtr route(rtnl_route_alloc());
  NlAddrPtr dst = build_nl_addr(family, bytes, length);
  rtnl_nexthop* nexthop = rtnl_route_nh_alloc();
  if (!route || !dst || !nexthop) {
    if (nexthop) rtnl_route_nh_free(nexthop);
    return nullptr;
  }
  rtnl_route_set_family(route.get(), static_cast<std::uint8_t>(family));
  rtnl_route_set_dst(route.get(), dst.get());  // takes its own reference
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), kRouteProtocol);
  // What `ip route add PREFIX dev X` picks: link scope for IPv4 (no gateway), universe
  // for IPv6 (which has no other scope for unicast routes).
  rtnl_route_set_scope(route.get(), family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE);
  rtnl_route_set_type(route.get(), RTN_UNICAST);
  rtnl_route_nh_set_ifindex(nexthop, static_cast<int>(ifindex));
  rtnl_route_add_nexthop(route.get(), nexthop);  // the route owns it now
  return route;
}

AddrPtr build_address(int family, const Bytes& bytes, std::uint8_t length, unsigned ifindex) {
  AddrPtr address(rtnl_addr_alloc());
  NlAddrPtr local = build_nl_addr(family, bytes, length);
  if (!address || !local) return nullptr;
  rtnl_addr_set_ifindex(address.get(), static_cast<int>(ifindex));
  rtnl_addr_set_family(address.get(), family);
  if (rtnl_addr_set_local(address.get(), local.get()) < 0) return nullptr;
  rtnl_addr_set_prefixlen(address.get(), length);
  // No duplicate address detection: the TUN's other end is this process, so there is
  // nobody to collide with, and DAD would leave the address tentative (unusable as a
  // source or for bind()) for a while after it is added.
  if (family == AF_INET6) rtnl_addr_set_flags(address.get(), IFA_F_NODAD);
  return address;
}

// Whether an nl_addr (as a dumped route's dst) is exactly the prefix bytes/length. A
// default route's dst may carry no bytes at all, so compare zero-padded.
bool same_prefix(const nl_addr* dst, int family, const Bytes& bytes, std::uint8_t length) {
  if (nl_addr_get_prefixlen(dst) != length) return false;
  Bytes got{};
  const std::size_t n = std::min<std::size_t>(nl_addr_get_len(dst), address_width(family));
  if (n > 0) std::memcpy(got.data(), nl_addr_get_binary_addr(dst), n);
  return std::equal(got.begin(), got.begin() + static_cast<long>(address_width(family)),
                    bytes.begin());
}

// The errno behind a libnl error code, where the mapping is one to one enough to matter
// (libnl's nl_syserr2nlerr() folds several errnos into some codes); 0 when unknown.
int errno_from_libnl(int nl_error) {
  switch (nl_error < 0 ? -nl_error : nl_error) {
    case NLE_NODEV: return ENODEV;
    case NLE_OBJ_NOTFOUND: return ENOENT;
    case NLE_EXIST: return EEXIST;
    case NLE_NOADDR: return EADDRNOTAVAIL;
    case NLE_PERM: return EPERM;
    case NLE_NOACCESS: return EACCES;
    case NLE_INVAL: return EINVAL;
    case NLE_BUSY: return EBUSY;
    case NLE_RANGE: return ERANGE;
    case NLE_NOMEM: return ENOMEM;
    case NLE_AGAIN: return EAGAIN;
    case NLE_INTR: return EINTR;
    case NLE_OPNOTSUPP: return EOPNOTSUPP;
    case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
    case NLE_MSGSIZE: return EMSGSIZE;
    default: return 0;
  }
}

// Errors that mean "already removed" when taking something back: the route or address is
// gone, or the whole device is.
bool already_gone(int error) {
  return error == ESRCH || error == ENOENT || error == ENODEV || error == EADDRNOTAVAIL;
}

}  // namespace

InterfaceConfigurator::~InterfaceConfigurator() {
  if (sock_ != nullptr) nl_socket_free(sock_);
}

int InterfaceConfigurator::on_netlink_error(sockaddr_nl*, nlmsgerr* error, void* self_arg) {
  auto* self = static_cast<InterfaceConfigurator*>(self_arg);
  self->kernel_error_.error = -error->error;
  // libnl hands over the nlmsgerr inside the received message; its header sits in front.
  const auto* header = reinterpret_cast<const nlmsghdr*>(reinterpret_cast<const char*>(error) -
                                                         NLMSG_HDRLEN);
  if ((header->nlmsg_flags & NLM_F_ACK_TLVS) == 0) return NL_STOP;
  // Extended ack attributes follow the nlmsgerr and, unless capped, the echoed request.
  std::size_t offset = NLMSG_HDRLEN + sizeof(nlmsgerr);
  if ((header->nlmsg_flags & NLM_F_CAPPED) == 0) {
    if (error->msg.nlmsg_len < NLMSG_HDRLEN) return NL_STOP;  // malformed echo: no text
    offset += error->msg.nlmsg_len - NLMSG_HDRLEN;
  }
  offset = NLMSG_ALIGN(offset);
  while (offset + NLA_HDRLEN <= header->nlmsg_len) {
    const auto* attr = reinterpret_cast<const nlattr*>(reinterpret_cast<const char*>(header) +
                                                       offset);
    if (attr->nla_len < NLA_HDRLEN || offset + attr->nla_len > header->nlmsg_len) break;
    if ((attr->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
      const char* text = reinterpret_cast<const char*>(attr) + NLA_HDRLEN;
      std::string message(text, ::strnlen(text, attr->nla_len - NLA_HDRLEN));
      while (!message.empty() && (message.back() == '\n' || message.back() == '.'))
        message.pop_back();
      self->kernel_error_.message = std::move(message);
    }
    offset += NLA_ALIGN(attr->nla_len);
  }
  return NL_STOP;  // libnl then returns the error to the caller
}

std::string InterfaceConfigurator::error_text(int nl_error) {
  // Requests that libnl answers itself (rtnl_link_get_kernel() installs its own error
  // callback) leave kernel_error_ empty: recover the errno from libnl's code.
  if (kernel_error_.error == 0) kernel_error_.error = errno_from_libnl(nl_error);
  std::string text = kernel_error_.error != 0 ? std::strerror(kernel_error_.error)
                                              : nl_geterror(nl_error);
  if (!kernel_error_.message.empty()) text += " (" + kernel_error_.message + ")";
  return text;
}

Status InterfaceConfigurator::open(const std::string& interface_name) {
  if (sock_ == nullptr) {
    sock_ = nl_socket_alloc();
    if (sock_ == nullptr) return Status::error("netlink: out of memory");
    if (const int err = nl_connect(sock_, NETLINK_ROUTE); err < 0) {
      nl_socket_free(sock_);
      sock_ = nullptr;
      return Status::error(std::string("netlink: connect: ") + nl_geterror(err));
    }
    // Ask for the kernel's explanation with each error ("Nexthop device is not up"), without
    // the echoed request. Older kernels refuse these options; the messages are then shorter.
    const int one = 1;
    const int fd = nl_socket_get_fd(sock_);
    (void)::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one);
    (void)::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    nl_socket_modify_err_cb(sock_, NL_CB_CUSTOM, &InterfaceConfigurator::on_netlink_error, this);
  }
  rtnl_link* found = nullptr;
  kernel_error_ = {};
  if (const int err = rtnl_link_get_kernel(sock_, 0, interface_name.c_str(), &found); err < 0)
    return Status::error("link " + interface_name + ": " + error_text(err));
  LinkPtr link(found);
  name_ = interface_name;
  ifindex_ = static_cast<unsigned>(rtnl_link_get_ifindex(link.get()));
  return Status::ok();
}

// One RTM_NEWLINK for the current link. mtu/txqueuelen 0 = unchanged; up: 1 set IFF_UP,
// 0 clear it, -1 unchanged.
Status InterfaceConfigurator::change_link(const std::string& what, std::uint32_t mtu,
                                          std::uint32_t txqueuelen, int up) {
  if (sock_ == nullptr) return Status::error("link " + what + ": netlink not open");
  rtnl_link* found = nullptr;
  kernel_error_ = {};
  if (const int err = rtnl_link_get_kernel(sock_, static_cast<int>(ifindex_), nullptr, &found);
      err < 0)
    return Status::error("link " + what + ": " + error_text(err));
  LinkPtr current(found);
  LinkPtr change(rtnl_link_alloc());
  if (!change) return Status::error("link " + what + ": out of memory");
  if (mtu != 0) rtnl_link_set_mtu(change.get(), mtu);
  if (txqueuelen != 0) rtnl_link_set_txqlen(change.get(), txqueuelen);
  if (up == 1) rtnl_link_set_flags(change.get(), IFF_UP);
  if (up == 0) rtnl_link_unset_flags(change.get(), IFF_UP);
  kernel_error_ = {};
  if (const int err = rtnl_link_change(sock_, current.get(), change.get(), 0); err < 0)
    return Status::error("link " + what + ": " + error_text(err));
  return Status::ok();
}

Status InterfaceConfigurator::set_up() {
  if (sock_ == nullptr) return Status::error("link " + name_ + " up: netlink not open");
  rtnl_link* found = nullptr;
  kernel_error_ = {};
  if (const int err = rtnl_link_get_kernel(sock_, static_cast<int>(ifindex_), nullptr, &found);
      err < 0)
    return Status::error("link " + name_ + " up: " + error_text(err));
  LinkPtr current(found);
  if ((rtnl_link_get_flags(current.get()) & IFF_UP) != 0) {
    notes_.push_back("link " + name_ + ": already up; left up at exit");
    return Status::ok();
  }
  Status s = change_link(name_ + " up", 0, 0, 1);
  if (s) brought_up_ = true;
  return s;
}

Status InterfaceConfigurator::set_down() { return change_link(name_ + " down", 0, 0, 0); }

Status InterfaceConfigurator::set_mtu(std::uint32_t mtu) {
  const std::string what = name_ + " mtu " + std::to_string(mtu);
  if (mtu == 0) return Status::error("link " + what + ": must be positive");
  return change_link(what, mtu, 0, -1);
}

Status InterfaceConfigurator::set_txqueuelen(std::uint32_t packets) {
  const std::string what = name_ + " txqueuelen " + std::to_string(packets);
  if (packets == 0) return Status::error("link " + what + ": must be positive");
  return change_link(what, 0, packets, -1);
}

Status InterfaceConfigurator::add_address(const Ipv4Address& address, std::uint8_t prefix_length) {
  const std::string text = "address " + address.to_string() + "/" +
                           std::to_string(prefix_length) + " dev " + name_;
  if (prefix_length > 32) return Status::error(text + ": prefix length must be 0 to 32");
  return add_address_bytes(AF_INET, bytes_of(address), prefix_length, text);
}

Status InterfaceConfigurator::add_address(const Ipv6Address& address, std::uint8_t prefix_length) {
  const std::string text = "address " + address.to_string() + "/" +
                           std::to_string(prefix_length) + " dev " + name_;
  if (prefix_length > 128) return Status::error(text + ": prefix length must be 0 to 128");
  return add_address_bytes(AF_INET6, bytes_of(address), prefix_length, text);
}

Status InterfaceConfigurator::add_address_bytes(int family, const Bytes& bytes,
                                                std::uint8_t length, const std::string& text) {
  if (sock_ == nullptr) return Status::error(text + ": netlink not open");
  AddrPtr address = build_address(family, bytes, length, ifindex_);
  if (!address) return Status::error(text + ": out of memory");
  kernel_error_ = {};
  // NLM_F_EXCL: an address already on the device must be reported, not silently
  // replaced, so that undo() leaves it alone.
  const int err = rtnl_addr_add(sock_, address.get(), NLM_F_EXCL);
  if (err < 0) {
    const std::string reason = error_text(err);
    if (kernel_error_.error == EEXIST) {
      notes_.push_back(text + ": already present; kept at exit");
      return Status::ok();
    }
    return Status::error(text + ": " + reason);
  }
  added_.push_back({Added::Kind::kAddress, family, bytes, length});
  return Status::ok();
}

Status InterfaceConfigurator::add_route(const Ipv4Prefix& prefix) {
  return add_route_bytes(AF_INET, bytes_of(prefix.address), prefix.length,
                         "route " + prefix.to_string() + " dev " + name_);
}

Status InterfaceConfigurator::add_route(const Ipv6Prefix& prefix) {
  return add_route_bytes(AF_INET6, bytes_of(prefix.address), prefix.length,
                         "route " + prefix.to_string() + " dev " + name_);
}

Status InterfaceConfigurator::add_route_bytes(int family, const Bytes& bytes, std::uint8_t length,
                                              const std::string& text) {
  if (sock_ == nullptr) return Status::error(text + ": netlink not open");
  RoutePtr route = build_route(family, bytes, length, ifindex_);
  if (!route) return Status::error(text + ": out of memory");
  kernel_error_ = {};
  // NLM_F_EXCL: the kernel says EEXIST for any route to the same prefix (same metric),
  // whichever device it uses; we then look at where the existing one goes.
  const int err = rtnl_route_add(sock_, route.get(), NLM_F_EXCL);
  if (err < 0) {
    const std::string reason = error_text(err);
    if (kernel_error_.error == EEXIST) {
      if (route_exists_on_device(family, bytes, length)) {
        notes_.push_back(text + ": already present; kept at exit");
        return Status::ok();
      }
      return Status::error(text + ": " + reason +
                           " (the main table routes it through another device)");
    }
    return Status::error(text + ": " + reason);
  }
  added_.push_back({Added::Kind::kRoute, family, bytes, length});
  return Status::ok();
}

bool InterfaceConfigurator::route_exists_on_device(int family, const Bytes& bytes,
                                                   std::uint8_t length) {
  nl_cache* dumped = nullptr;
  kernel_error_ = {};
  if (rtnl_route_alloc_cache(sock_, family, 0, &dumped) < 0) return false;
  CachePtr cache(dumped);
  for (nl_object* object = nl_cache_get_first(cache.get()); object != nullptr;
       object = nl_cache_get_next(object)) {
    auto* route = reinterpret_cast<rtnl_route*>(object);
    if (rtnl_route_get_table(route) != RT_TABLE_MAIN) continue;
    const nl_addr* dst = rtnl_route_get_dst(route);
    if (dst == nullptr || !same_prefix(dst, family, bytes, length)) continue;
    for (int i = 0; i < rtnl_route_get_nnexthops(route); ++i) {
      if (rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(route, i)) ==
          static_cast<int>(ifindex_))
        return true;
    }
  }
  return false;
}

std::string InterfaceConfigurator::remove(const Added& object) {
  const std::size_t width = address_width(object.family);
  // Format through the translator's types so messages match the ones from add_*().
  std::string text;
  if (object.family == AF_INET) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v = v << 8 | object.bytes[i];
    text = Ipv4Address{v}.to_string();
  } else {
    text = Ipv6Address{object.bytes}.to_string();
  }
  text += "/" + std::to_string(object.length) + " dev " + name_;
  kernel_error_ = {};
  int err = 0;
  if (object.kind == Added::Kind::kRoute) {
    text = "route " + text;
    RoutePtr route = build_route(object.family, object.bytes, object.length, ifindex_);
    err = route ? rtnl_route_delete(sock_, route.get(), 0) : -NLE_NOMEM;
  } else {
    text = "address " + text;
    AddrPtr address = build_address(object.family, object.bytes, object.length, ifindex_);
    err = address ? rtnl_addr_delete(sock_, address.get(), 0) : -NLE_NOMEM;
  }
  if (err < 0 && !already_gone(kernel_error_.error)) return text + ": removing: " + error_text(err);
  return "";
}

Status InterfaceConfigurator::set_routes(std::span<const Ipv4Prefix> v4, std::span<const Ipv6Prefix> v6) {
  if (sock_ == nullptr) return Status::error("link " + name_ + ": netlink not open");
  notes_.clear();
  Failures failures;
  std::vector<Added> wanted;
  for (const Ipv4Prefix& p : v4) wanted.push_back({Added::Kind::kRoute, AF_INET, bytes_of(p.address), p.length});
  for (const Ipv6Prefix& p : v6) wanted.push_back({Added::Kind::kRoute, AF_INET6, bytes_of(p.address), p.length});
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    if (std::find(added_.begin(), added_.end(), wanted[i]) != added_.end()) continue;
    const Status s = i < v4.size() ? add_route(v4[i]) : add_route(v6[i - v4.size()]);
    if (!s) failures.add(s.message());
  }
  for (auto it = added_.begin(); it != added_.end();) {
    if (it->kind != Added::Kind::kRoute || std::find(wanted.begin(), wanted.end(), *it) != wanted.end()) {
      ++it;
      continue;
    }
    // One the kernel would not remove stays ours: the next reload and the exit try again.
    if (std::string failure = remove(*it); !failure.empty()) {
      failures.add(failure);
      ++it;
    } else {
      it = added_.erase(it);
    }
  }
  return failures.status();
}

Status InterfaceConfigurator::undo() {
  Failures failures;
  if (sock_ == nullptr) {
    if (added_.empty() && !brought_up_) return Status::ok();
    return Status::error("link " + name_ + ": netlink not open");
  }
  for (auto it = added_.rbegin(); it != added_.rend(); ++it) {
    if (std::string failure = remove(*it); !failure.empty()) failures.add(failure);
  }
  added_.clear();
  if (brought_up_) {
    brought_up_ = false;
    Status s = change_link(name_ + " down", 0, 0, 0);
    if (!s && !already_gone(kernel_error_.error)) failures.add(s.message());
  }
  return failures.status();
}

}  // namespace tundra
