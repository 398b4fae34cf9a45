// translate() alone, in process, one core: packets per second for representative packets.
// Each iteration copies the packet into the buffer first (translation is in place), so the
// figures include one memcpy of the packet, as a TUN read would.
//
//   build/bench/translate_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only
#include <benchmark/benchmark.h>

#include <cstring>
#include <memory>

#include "tests/support/packets.h"
#include "translator/translator.h"

using namespace tundra;
using namespace tundra::test;

namespace {

struct Setup {
  Setup() {
    TranslatorConfig c;
    c.ipv4_addr = v4("192.0.2.1");
    c.dynamic_pool = Ipv4Prefix::parse("192.0.2.0/24");
    std::string error;
    translator.emplace(std::move(*Translator::create(c, &error)));
    // Bind the client once so the IPv4 direction has a destination.
    Packet warm = ip6(client, server6, 17, udp6(client, server6, 1, 2, filler(8)));
    Result r = run(warm);
    (void)r;
    pool_addr = Ipv4Address{(std::uint32_t(std::to_integer<unsigned>(out.packets[0][12])) << 24) |
                            (std::uint32_t(std::to_integer<unsigned>(out.packets[0][13])) << 16) |
                            (std::uint32_t(std::to_integer<unsigned>(out.packets[0][14])) << 8) |
                            std::uint32_t(std::to_integer<unsigned>(out.packets[0][15]))};
  }
  Result run(const Packet& p) {
    std::memcpy(storage.data() + kHeadroom, p.data(), p.size());
    PacketBuffer pb{storage, kHeadroom, p.size()};
    return translator->translate(pb, 1000, *scratch, out, counters);
  }
  Ipv6Address client = v6("2001:db8::1");
  Ipv6Address server6 = v6("64:ff9b::198.51.100.7");
  Ipv4Address server4 = v4("198.51.100.7");
  Ipv4Address pool_addr;
  std::optional<Translator> translator;
  std::vector<std::byte> storage = std::vector<std::byte>(kHeadroom + 70000);
  std::unique_ptr<Scratch> scratch = std::make_unique<Scratch>();
  Output out;
  Counters counters;
};

void run_packet(benchmark::State& state, Setup& s, const Packet& p) {
  for (auto _ : state) {
    Result r = s.run(p);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(s.out.packets[0].data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * p.size()));
}

void BM_tcp1500_ip6_to_ip4(benchmark::State& state) {
  Setup s;
  run_packet(state, s, ip6(s.client, s.server6, 6, tcp6(s.client, s.server6, filler(1440))));
}
void BM_tcp1500_ip4_to_ip6(benchmark::State& state) {
  Setup s;
  run_packet(state, s, ip4(s.server4, s.pool_addr, 6, tcp4(s.server4, s.pool_addr, filler(1440)), Ip4Options{.df = true}));
}
void BM_udp64_ip6_to_ip4(benchmark::State& state) {
  Setup s;
  run_packet(state, s, ip6(s.client, s.server6, 17, udp6(s.client, s.server6, 1, 2, filler(16))));
}
void BM_udp64_ip4_to_ip6(benchmark::State& state) {
  Setup s;
  run_packet(state, s, ip4(s.server4, s.pool_addr, 17, udp4(s.server4, s.pool_addr, 2, 1, filler(36))));
}
void BM_icmp_error_ip4_to_ip6(benchmark::State& state) {
  Setup s;
  // Port Unreachable from the server about a UDP packet the client sent.
  Packet quoted = ip4(s.pool_addr, s.server4, 17, udp4(s.pool_addr, s.server4, 1, 2, filler(64)));
  Packet icmp(8 + quoted.size());
  icmp[0] = std::byte{3};
  icmp[1] = std::byte{3};
  std::copy(quoted.begin(), quoted.end(), icmp.begin() + 8);
  std::uint16_t c = reference_checksum(icmp);
  icmp[2] = std::byte(c >> 8);
  icmp[3] = std::byte(c & 0xff);
  run_packet(state, s, ip4(s.server4, s.pool_addr, 1, icmp));
}

}  // namespace

BENCHMARK(BM_tcp1500_ip6_to_ip4);
BENCHMARK(BM_tcp1500_ip4_to_ip6);
BENCHMARK(BM_udp64_ip6_to_ip4);
BENCHMARK(BM_udp64_ip4_to_ip6);
BENCHMARK(BM_icmp_error_ip4_to_ip6);
BENCHMARK_MAIN();
