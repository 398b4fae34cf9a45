// translate() must not allocate (DESIGN.md §7.1). This program replaces the global
// operator new, replays every pcap fixture input through a translator built from that
// fixture's tundra.toml, plus a flood of new dynamic-pool clients, and fails if any
// allocation happens inside translate(). A plain main(): a test framework would allocate.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <new>

#include "cli/config.h"
#include "cli/pcap_io.h"
#include "translator/translator.h"

namespace {
bool g_counting = false;
std::size_t g_allocations = 0;
}  // namespace

void* operator new(std::size_t size) {
  if (g_counting) ++g_allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
// Every replaceable form, so that no allocation escapes the count and every pointer is freed
// by the matching function (ASan checks that).
void* operator new[](std::size_t size) { return operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (g_counting) ++g_allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept { return operator new(size, tag); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

using namespace tundra;

namespace {

struct Runner {
  std::vector<std::byte> storage = std::vector<std::byte>(kHeadroom + kMaxPacket);
  std::unique_ptr<Scratch> scratch = std::make_unique<Scratch>();
  Output out;
  Counters counters;

  // Returns the allocations made by translate() for this packet.
  std::size_t run(Translator& t, const std::vector<std::byte>& ip, UnixSeconds now) {
    if (ip.size() > kMaxPacket) return 0;
    std::copy(ip.begin(), ip.end(), storage.begin() + kHeadroom);
    PacketBuffer pb{storage, kHeadroom, ip.size()};
    g_allocations = 0;
    g_counting = true;
    Result r = t.translate(pb, now, *scratch, out, counters);
    g_counting = false;
    (void)r;
    return g_allocations;
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: no_alloc_test PCAP_FIXTURES_DIR\n");
    return 2;
  }
  Runner runner;
  int passed = 0, failed = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(argv[1])) {
    if (entry.path().filename() != "tundra.toml") continue;
    const auto dir = entry.path().parent_path();
    Config config;
    std::string error;
    if (!load_config(entry.path().string(), &config, &error)) {
      std::fprintf(stderr, "%s\n", error.c_str());
      return 2;
    }
    auto translator = Translator::create(config.translator, &error);
    CaptureReadResult capture;
    if (!translator || !read_capture((dir / "input.pcap").string(), &capture, &error)) {
      std::fprintf(stderr, "%s: %s\n", dir.c_str(), error.c_str());
      return 2;
    }
    std::size_t allocations = 0;
    for (const auto& packet : capture.packets) allocations += runner.run(*translator, packet.ip, packet.ts_sec);
    if (allocations != 0) {
      std::printf("FAIL %s: %zu allocations in translate()\n", dir.c_str(), allocations);
      ++failed;
    } else {
      ++passed;
    }
  }

  // New clients filling a pool, then traffic to them: the binding slow path must not
  // allocate either.
  TranslatorConfig c;
  c.dynamic_pool = Ipv4Prefix::parse("192.168.0.0/16");
  c.ipv4_addr = *Ipv4Address::parse("192.168.0.1");
  std::string error;
  auto translator = Translator::create(c, &error);
  std::vector<std::byte> udp6(48, std::byte{0});
  udp6[0] = std::byte{0x60};
  udp6[5] = std::byte{8};    // payload length
  udp6[6] = std::byte{17};   // UDP
  udp6[7] = std::byte{64};   // hop limit
  udp6[8] = std::byte{0x20}, udp6[9] = std::byte{0x01}, udp6[10] = std::byte{0x0d}, udp6[11] = std::byte{0xb8};
  udp6[24] = std::byte{0x00}, udp6[25] = std::byte{0x64}, udp6[26] = std::byte{0xff}, udp6[27] = std::byte{0x9b};
  udp6[36] = std::byte{198}, udp6[37] = std::byte{51}, udp6[38] = std::byte{100}, udp6[39] = std::byte{7};
  udp6[44] = std::byte{0}, udp6[45] = std::byte{8};  // UDP length
  udp6[46] = std::byte{0x12};                           // some checksum
  std::size_t allocations = 0;
  for (unsigned client = 0; client < 70000; ++client) {
    udp6[20] = std::byte((client >> 24) & 0xff);
    udp6[21] = std::byte((client >> 16) & 0xff);
    udp6[22] = std::byte((client >> 8) & 0xff);
    udp6[23] = std::byte(client & 0xff);
    allocations += runner.run(*translator, udp6, 1000 + client / 1000);
  }
  if (allocations != 0) {
    std::printf("FAIL dynamic pool flood: %zu allocations in translate()\n", allocations);
    ++failed;
  } else {
    ++passed;
  }
  std::printf("%d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
