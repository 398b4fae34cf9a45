// Which address a packet gets on the other side: RFC 7757 EAM first, then the dynamic
// pool, then the RFC 6052 prefix. docs/rfc-compliance.md § Address mapping has the tables.
#include "translator/internal.h"

namespace tundra::detail {
namespace {

// RFC 6052 §3.1 under `wkpf-strict`: no non-global IPv4 address in 64:ff9b::/96.
bool prefix_allows(const Context& ctx, Ipv4Address a) noexcept {
  return !(ctx.config.wkpf_strict && ctx.config.prefix->is_well_known() && !is_global_ipv4(a));
}

}  // namespace

// IPv4 sources that no host may use (RFC 1812 §5.3.7): 0/8, 127/8, multicast, class E
// and limited broadcast.
bool is_invalid_source4(Ipv4Address a) noexcept {
  std::uint32_t first = a.value >> 24;
  return first == 0 || first == 127 || first >= 224;
}

// IPv6 sources never translated: ::/8 (unspecified, loopback, IPv4-mapped), fe80::/10
// (link-local) and ff00::/8 (multicast).
bool is_invalid_source6(const Ipv6Address& a) noexcept {
  return a.bytes[0] == 0x00 || a.bytes[0] == 0xff || (a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80);
}

Mapped6 map_ip4_to_ip6(Context& ctx, Ipv4Address a, Role role) noexcept {
  Mapped6 m;
  if (role == Role::kSource && is_invalid_source4(a)) {
    m.fail = Counter::kDropSourceInvalid4;
    return m;
  }
  if (auto v6 = ctx.eam.ip4_to_ip6(a)) {  // RFC 7757 §3.3
    m.ok = true;
    m.addr = *v6;
    return m;
  }
  if (role == Role::kDestination && ctx.pool && ctx.pool->pool_contains(a)) {
    // A pool address is an IPv6 client's or nobody's; never an embedded IPv4 host.
    if (auto v6 = ctx.pool->find_ip4(a, ctx.now)) {
      m.ok = true;
      m.addr = *v6;
    } else {
      m.fail = Counter::kDropDestUnmapped4;
    }
    return m;
  }
  if (!ctx.config.prefix) {
    m.fail = role == Role::kDestination ? Counter::kDropDestUnmapped4 : Counter::kDropSourceInvalid4;
    return m;
  }
  if (!prefix_allows(ctx, a)) {
    m.fail = Counter::kDropWkpfStrict;
    return m;
  }
  m.ok = true;
  m.addr = ctx.config.prefix->embed(a);  // RFC 6052 §2.2
  return m;
}

Mapped4 map_ip6_to_ip4(Context& ctx, const Ipv6Address& a, Role role) noexcept {
  Mapped4 m;
  if (role == Role::kSource && is_invalid_source6(a)) {
    m.fail = Counter::kDropSourceInvalid6;
    return m;
  }
  if (auto v4 = ctx.eam.ip6_to_ip4(a)) {  // RFC 7757 §3.3
    m.ok = true;
    m.addr = *v4;
    return m;
  }
  if (ctx.config.prefix && ctx.config.prefix->contains(a)) {
    Ipv4Address v4 = ctx.config.prefix->extract(a);  // RFC 6052 §2.2
    if (!prefix_allows(ctx, v4)) {
      m.fail = Counter::kDropWkpfStrict;
      return m;
    }
    m.ok = true;
    m.addr = v4;
    m.self = role == Role::kDestination && v4 == ctx.config.ipv4_addr;
    m.via_prefix = true;
    return m;
  }
  if (role == Role::kDestination) {
    m.fail = Counter::kDropDestUnmapped6;
    return m;
  }
  if (!ctx.pool) {
    m.fail = Counter::kDropSourceUnmapped6;
    return m;
  }
  if (auto v4 = ctx.pool->find_ip6(a, ctx.now)) {
    m.ok = true;
    m.addr = *v4;
    return m;
  }
  if (role == Role::kErrorSource) {
    m.fail = Counter::kDropSourceUnmapped6;
    return m;
  }
  Ipv4Address v4;
  switch (ctx.pool->bind(a, ctx.now, &v4)) {
    case BindResult::kExhausted:
      m.fail = Counter::kDropPoolExhausted;
      return m;
    case BindResult::kRateLimited:
      m.fail = Counter::kDropPoolRateLimited;
      return m;
    default:
      break;
  }
  m.ok = true;
  m.addr = v4;
  return m;
}

bool is_hairpin_destination(Context& ctx, const Mapped4& destination) noexcept {
  if (!destination.via_prefix) return false;
  const Ipv4Address a = destination.addr;
  if (ctx.eam.ip4_to_ip6(a)) return true;
  return ctx.pool && ctx.pool->pool_contains(a) && ctx.pool->find_ip4(a, ctx.now).has_value();
}

Mapped6 hairpin_address6(Context& ctx, Ipv4Address a) noexcept {
  Mapped6 m;
  if (!ctx.config.prefix) {
    m.fail = Counter::kDropHairpinLoop;
    return m;
  }
  m.ok = true;
  if (a == ctx.config.ipv4_addr) {
    m.addr = ctx.ipv6_addr;
  } else if (ctx.config.rfc6791_pool4 && ctx.config.rfc6791_pool4->contains(a)) {
    m.addr = rfc6791_source6(ctx, a);
  } else if (prefix_allows(ctx, a)) {
    m.addr = ctx.config.prefix->embed(a);
  } else {
    m.ok = false;
    m.fail = Counter::kDropWkpfStrict;
  }
  return m;
}

Ipv4Address rfc6791_source4(const Context& ctx, const Ipv6Address& original) noexcept {
  if (!ctx.config.rfc6791_pool4) return ctx.config.ipv4_addr;
  // A stable choice per original source, so that traceroute shows distinct routers as
  // distinct addresses (RFC 6791 §4 leaves the choice open).
  std::uint32_t h = 2166136261u;  // FNV-1a
  for (auto byte : original.bytes) h = (h ^ byte) * 16777619u;
  const Ipv4Prefix& pool = *ctx.config.rfc6791_pool4;
  return Ipv4Address{pool.address.value + static_cast<std::uint32_t>(h % pool.size())};
}

Ipv6Address rfc6791_source6(const Context& ctx, Ipv4Address original) noexcept {
  if (!ctx.config.rfc6791_pool6) return ctx.ipv6_addr;
  Ipv6Address a = ctx.config.rfc6791_pool6->address;
  if (ctx.config.rfc6791_pool6->length <= 96) {
    for (unsigned i = 0; i < 4; ++i) a.bytes[12 + i] = static_cast<std::uint8_t>(original.value >> (24 - 8 * i));
  }
  return a;
}

}  // namespace tundra::detail
