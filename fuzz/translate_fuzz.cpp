// libFuzzer target for translate(): both directions, ICMP errors with inner packets, the
// dynamic pool, EAM and hairpinning. Beyond crashes it checks invariants on every emitted
// packet: lengths agree with headers, and checksums verify whenever the input's did.
// The first input byte picks a configuration (low 4 bits) and whether to repair the
// outer length and checksum fields (bit 4), so that mutations reach past header validation;
// the rest is the packet. Seeds: fuzz/make_corpus turns pcap-fixtures/ into a corpus.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "tests/support/packets.h"
#include "translator/translator.h"

using namespace tundra;

namespace {

Translator make(int variant) {
  TranslatorConfig c;
  c.ipv4_addr = *Ipv4Address::parse("192.0.2.1");
  c.dynamic_pool = Ipv4Prefix::parse("192.0.2.0/28");
  c.maps = {EamEntry{*Ipv4Prefix::parse("198.51.100.0/24"), *Ipv6Prefix::parse("2001:db8:1::/72")},
            EamEntry{*Ipv4Prefix::parse("203.0.113.5"), *Ipv6Prefix::parse("2001:db8:2::5")}};
  if (variant & 1) c.prefix = Rfc6052Prefix::parse("2001:db8:100::/40");
  if (variant & 2) c.udp_zero_checksum = UdpZeroChecksum::kIcmp;
  if (variant & 4) c.wkpf_strict = true, c.ipv6_addr = Ipv6Address::parse("2001:db8::64");
  if (variant & 8) c.rfc6791_pool4 = Ipv4Prefix::parse("192.0.2.240/28");
  std::string error;
  auto t = Translator::create(c, &error);
  if (!t) {
    std::fprintf(stderr, "fuzz config %d: %s\n", variant, error.c_str());
    std::abort();
  }
  return std::move(*t);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static std::unique_ptr<Translator> translators[16];
  static auto scratch = std::make_unique<Scratch>();
  static std::vector<std::byte> storage(kHeadroom + 70000);
  if (size < 1 || size > 65535 + 40) return 0;
  int variant = data[0] & 15;
  if (!translators[variant]) translators[variant] = std::make_unique<Translator>(make(variant));
  const std::size_t length = size - 1;
  std::memcpy(storage.data() + kHeadroom, data + 1, length);
  if ((data[0] & 16) && length >= 40) test::repair_outer_header(storage.data() + kHeadroom, length);
  const bool input_valid = length > 0 && test::check_packet(storage.data() + kHeadroom, length).empty();
  PacketBuffer pb{std::span(storage.data(), kHeadroom + length), kHeadroom, length};
  Output out;
  Counters counters;
  Result r = translators[variant]->translate(pb, 1000, *scratch, out, counters);
  std::uint64_t counted = 0;
  for (auto v : counters.by_reason) counted += v;
  if (counted != 1) std::abort();  // exactly one reason per packet
  if (r.verdict == Verdict::kDrop && out.count != 0) std::abort();
  for (std::size_t i = 0; i < out.count; ++i) {
    std::string problem = test::check_packet(out.packets[i].data(), out.packets[i].size(), input_valid);
    if (!problem.empty()) {
      std::fprintf(stderr, "output %zu: %s\n", i, problem.c_str());
      std::abort();
    }
  }
  return 0;
}
