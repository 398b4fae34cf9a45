// The translator's configuration: a plain struct with a documented default on every field.
//
// The `[translator]` table of tundra.toml and Tayga's tayga.conf both load into this
// (cli/config.*); the key names are given beside each field. Translator::create() checks
// the relations between fields once; the packet path never re-validates.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "translator/address.h"
#include "translator/dynamic_pool.h"
#include "translator/eam.h"
#include "translator/rfc6052.h"

namespace tundra {

// What to do with an IPv4 UDP datagram whose checksum is 0 (RFC 7915 §4.5).
enum class UdpZeroChecksum : std::uint8_t {
  kCalc,  // compute the checksum (unfragmented packets only; fragments are dropped)
  kIcmp,  // refuse with ICMPv4 Destination Unreachable, Communication Administratively Prohibited (3/13)
  kDrop,  // drop silently
};

struct TranslatorConfig {
  // `tun-device`: the TUN interface name.
  std::string tun_device = "nat64";
  // `ipv4-addr`: the translator's own IPv4 address: source of ICMPv4 errors it originates;
  // answers echo requests.
  Ipv4Address ipv4_addr{0xc0a8ff01};  // 192.168.255.1
  // `ipv6-addr`: the translator's own IPv6 address. Unset: derived as prefix + ipv4-addr
  // (as Tayga does).
  std::optional<Ipv6Address> ipv6_addr;
  // `prefix`: the RFC 6052 prefix. Unset only when every destination is covered by `map`.
  std::optional<Rfc6052Prefix> prefix = Rfc6052Prefix::well_known();
  // `wkpf-strict`: refuse non-global IPv4 addresses embedded in 64:ff9b::/96 (RFC 6052 §3.1).
  bool wkpf_strict = false;
  // `dynamic-pool`: IPv4 addresses lent to IPv6 clients that have no `map`.
  std::optional<Ipv4Prefix> dynamic_pool = Ipv4Prefix{Ipv4Address{0xc0a8ff00}, 24};  // 192.168.255.0/24
  // `dynamic-dormant-after` / `dynamic-free-after`, seconds idle (Tayga: 2 h 4 min, 14 days).
  UnixSeconds dynamic_dormant_after = 7440;
  UnixSeconds dynamic_free_after = 14 * 86400;
  // `dynamic-new-per-second`: at most this many new dynamic bindings per second, all workers
  // together, so a flood of spoofed IPv6 sources cannot take the whole pool at once; a new
  // client over the budget is dropped silently (it retries). 0 = no limit.
  std::uint32_t dynamic_new_per_second = 100;
  // `icmp-error-rate`: at most this many ICMP errors originated per second by each worker
  // (RFC 4443 §2.4(f), RFC 1812 §4.3.2.8); further errors are not sent. 0 = no limit.
  std::uint32_t icmp_error_rate = 1000;
  // `data-dir`: where dynamic.map lives. Empty: bindings are not persisted.
  std::string data_dir;
  // `map`: explicit address mappings, "IPv4[/len] IPv6[/len]" (RFC 7757 EAM, Tayga `map`).
  std::vector<EamEntry> maps;
  // `mtu`: the TUN MTU in bytes (IPv4 packets with DF larger than mtu - 20 are refused with
  // Fragmentation Needed).
  std::uint32_t mtu = 1500;
  // `lowest-ipv6-mtu` (alias `offlink-mtu`): IPv4 packets without DF that become IPv6
  // packets larger than this are split into IPv6 fragments. At least 1280.
  std::uint32_t lowest_ipv6_mtu = 1280;
  // `udp-zero-checksum`.
  UdpZeroChecksum udp_zero_checksum = UdpZeroChecksum::kCalc;
  // `rfc6791-pool4` / `rfc6791-pool6`: sources for translated ICMP errors whose original
  // source cannot be translated (RFC 6791). Unset: the translator's own address.
  std::optional<Ipv4Prefix> rfc6791_pool4;
  std::optional<Ipv6Prefix> rfc6791_pool6;

  // ipv6_addr if set, else prefix + ipv4_addr.
  Ipv6Address effective_ipv6_addr() const;
};

}  // namespace tundra
