// Translator construction (control plane) and the translate() entry point.
#include "translator/translator.h"

#include <algorithm>
#include <cstring>

#include "translator/internal.h"

namespace tundra {

Ipv6Address TranslatorConfig::effective_ipv6_addr() const {
  if (ipv6_addr) return *ipv6_addr;
  if (prefix) return prefix->embed(ipv4_addr);
  return Ipv6Address{};
}

namespace {

bool same_pool_options(const DynamicPoolOptions& a, const DynamicPoolOptions& b) {
  return a.pool == b.pool && a.reserved == b.reserved && a.dormant_after == b.dormant_after &&
         a.free_after == b.free_after;
}

}  // namespace

std::optional<Translator> Translator::create(const TranslatorConfig& config, std::string* error,
                                             std::shared_ptr<DynamicPool> existing_pool) {
  auto fail = [&](std::string message) -> std::optional<Translator> {
    *error = std::move(message);
    return std::nullopt;
  };
  if (!config.ipv6_addr && !config.prefix) {
    return fail("key 'ipv6-addr': required when no 'prefix' is set (it is derived from prefix + ipv4-addr)");
  }
  if (config.ipv6_addr && config.prefix && config.prefix->contains(*config.ipv6_addr) &&
      config.prefix->extract(*config.ipv6_addr) != config.ipv4_addr) {
    return fail("key 'ipv6-addr': " + config.ipv6_addr->to_string() + " lies inside prefix " +
                config.prefix->to_string() + " but does not embed ipv4-addr");
  }
  if (config.wkpf_strict && config.prefix && config.prefix->is_well_known() && !config.ipv6_addr &&
      !is_global_ipv4(config.ipv4_addr)) {
    return fail("key 'ipv6-addr': required with wkpf-strict, since the derived " +
                config.prefix->embed(config.ipv4_addr).to_string() +
                " embeds a non-global address in the Well-Known Prefix (RFC 6052 §3.1)");
  }
  if (config.mtu < 1280 || config.mtu > 65535) return fail("key 'mtu': must be 1280..65535");
  if (config.lowest_ipv6_mtu < 1280 || config.lowest_ipv6_mtu > 65535) {
    return fail("key 'lowest-ipv6-mtu': must be 1280..65535");
  }
  if (config.dynamic_dormant_after <= 0 || config.dynamic_free_after < config.dynamic_dormant_after) {
    return fail("key 'dynamic-free-after': must be at least dynamic-dormant-after, both positive");
  }

  Translator t;
  t.config_ = config;
  t.ipv6_addr_ = config.effective_ipv6_addr();
  std::string eam_error;
  auto eam = EamTable::build(config.maps, &eam_error);
  if (!eam) return fail("key 'map': " + eam_error);
  t.eam_ = std::move(*eam);
  for (const auto& e : config.maps) {
    if (config.prefix && (config.prefix->prefix().contains(e.v6.address) ||
                          e.v6.contains(config.prefix->prefix().address))) {
      return fail("key 'map': " + e.v6.to_string() + " overlaps prefix " + config.prefix->to_string());
    }
  }
  if (config.dynamic_pool) {
    const Ipv4Prefix& pool = *config.dynamic_pool;
    if (pool.length < DynamicPool::kMinPrefixLength || pool.length > 31) {
      return fail("key 'dynamic-pool': " + pool.to_string() + " must be /" +
                  std::to_string(DynamicPool::kMinPrefixLength) + " to /31");
    }
    DynamicPoolOptions options;
    options.pool = pool;
    options.dormant_after = config.dynamic_dormant_after;
    options.free_after = config.dynamic_free_after;
    options.new_per_second = config.dynamic_new_per_second;
    options.reserved.push_back(Ipv4Prefix{config.ipv4_addr, 32});
    for (const auto& e : config.maps) {
      if (pool.contains(e.v4.address) || e.v4.contains(pool.address)) options.reserved.push_back(e.v4);
    }
    if (existing_pool && same_pool_options(existing_pool->options(), options)) {
      // Shared with the running translator: its budget changes only when the caller commits
      // to this one (set_new_per_second), not while a reload may still be refused.
      t.pool_ = std::move(existing_pool);
    } else {
      t.pool_ = std::make_shared<DynamicPool>(std::move(options));
    }
  }
  return t;
}

namespace detail {

Bytes scratch_alloc(Context& ctx, std::size_t length) noexcept {
  if (ctx.scratch_used + length > ctx.scratch.arena.size()) return {};
  Bytes b{ctx.scratch.arena.data() + ctx.scratch_used, length};
  ctx.scratch_used += length;
  return b;
}

bool emit(Context& ctx, ConstBytes packet) noexcept {
  if (ctx.out.count == ctx.out.packets.size()) return false;
  ctx.out.packets[ctx.out.count++] = packet;
  return true;
}

Result drop(Context& ctx, Counter reason) noexcept {
  ctx.counters.count(reason);
  return Result{Verdict::kDrop, reason};
}

Result forward(Context& ctx, Counter reason) noexcept {
  ctx.counters.count(reason);
  return Result{Verdict::kForward, reason};
}

namespace {
std::size_t transport_header(ConstBytes l4, std::uint8_t protocol) noexcept {
  return protocol == proto::kTcp ? static_cast<std::size_t>(load_u8(l4, proto::kTcpDataOffset) >> 4) * 4 : proto::kUdpHeader;
}
}  // namespace

std::size_t wire_length(const Context& ctx, std::size_t l3_header, ConstBytes l4, std::uint8_t protocol) noexcept {
  if (ctx.segment == 0) return l3_header + l4.size();
  return l3_header + std::min(l4.size(), transport_header(l4, protocol) + ctx.segment);
}

std::size_t segment_count(const Context& ctx, ConstBytes l4, std::uint8_t protocol) noexcept {
  if (ctx.segment == 0) return 1;
  const std::size_t payload = l4.size() - std::min(l4.size(), transport_header(l4, protocol));
  return std::max<std::size_t>(1, (payload + ctx.segment - 1) / ctx.segment);
}

}  // namespace detail

Result Translator::translate(PacketBuffer& packet, UnixSeconds now, Scratch& scratch, Output& out,
                             Counters& counters, std::size_t segment) noexcept {
  out.count = 0;
  detail::Context ctx{config_, eam_, pool_.get(), ipv6_addr_, now, scratch, 0, out, counters, segment};
  if (packet.length == 0) return detail::drop(ctx, Counter::kDropNotIp);
  switch (load_u8(packet.bytes(), 0) >> 4) {
    case 4:
      ++counters.received4;
      return detail::translate_ip4_to_ip6(ctx, packet, false);
    case 6:
      ++counters.received6;
      return detail::translate_ip6_to_ip4(ctx, packet);
    default:
      return detail::drop(ctx, Counter::kDropNotIp);
  }
}

}  // namespace tundra
