// translate_offloaded() on virtio-net reads built here: super-packets translated in one step
// (the seed and header the kernel needs to cut them), super-packets cut in userspace (each
// segment a valid packet), checksums completed, and headers the kernel would not write.
#include <catch2/catch.hpp>

#include <memory>

#include "tests/support/collecting_sink.h"
#include "tests/support/packets.h"
#include "tun/offload.h"

using namespace tundra;
using namespace tundra::test;

namespace {

const Ipv6Address kClient = v6("2001:db8::1");
const Ipv6Address kServer6 = v6("64:ff9b::198.51.100.7");
const Ipv4Address kServer4 = v4("198.51.100.7");

struct Harness {
  explicit Harness(std::uint32_t mtu = 1500) {
    TranslatorConfig c;
    c.ipv4_addr = v4("192.0.2.1");
    c.dynamic_pool = Ipv4Prefix::parse("192.0.2.0/24");
    c.mtu = mtu;
    std::string error;
    auto t = Translator::create(c, &error);
    INFO(error);
    REQUIRE(t);
    translator.emplace(std::move(*t));
  }
  Result run(const VirtioNetHeader& h, const Packet& p) {
    storage.assign(kHeadroom + p.size() + 64, std::byte{0});
    std::copy(p.begin(), p.end(), storage.begin() + kHeadroom);
    PacketBuffer pb{storage, kHeadroom, p.size()};
    sink.written.clear();
    return translate_offloaded(*translator, h, pb, 1000, *scratch, segment, out, counters, sink);
  }
  // The pool address the client got (after a first packet).
  Ipv4Address client4() const {
    auto b = translator->pool()->bindings(1000);
    REQUIRE(b.size() == 1);
    return b[0].v4;
  }
  std::optional<Translator> translator;
  std::vector<std::byte> storage;
  std::vector<std::byte> segment = std::vector<std::byte>(kHeadroom + kMaxPacket);
  std::unique_ptr<Scratch> scratch = std::make_unique<Scratch>();
  Output out;
  Counters counters;
  CollectingSink sink;
};

unsigned u8(const Packet& p, std::size_t i) { return std::to_integer<unsigned>(p[i]); }
unsigned u16(const Packet& p, std::size_t i) { return (u8(p, i) << 8) | u8(p, i + 1); }
std::uint32_t u32(const Packet& p, std::size_t i) { return (std::uint32_t{u16(p, i)} << 16) | u16(p, i + 2); }
void put16(Packet& p, std::size_t i, unsigned v) {
  p[i] = std::byte(v >> 8);
  p[i + 1] = std::byte(v & 0xff);
}

// The pseudo-header sum (folded, not complemented) of an IP packet's transport: what the
// kernel leaves in the checksum field of a CHECKSUM_PARTIAL packet.
unsigned seed_of(const Packet& p, std::size_t l3, std::uint8_t protocol) {
  Packet pseudo;
  const bool ip6 = (u8(p, 0) >> 4) == 6;
  pseudo.insert(pseudo.end(), p.begin() + (ip6 ? 8 : 12), p.begin() + (ip6 ? 40 : 20));
  const std::size_t length = p.size() - l3;
  for (unsigned v : {unsigned(length >> 16), unsigned(length & 0xffff), unsigned{protocol}}) {
    pseudo.push_back(std::byte(v >> 8));
    pseudo.push_back(std::byte(v & 0xff));
  }
  return static_cast<std::uint16_t>(~reference_checksum(pseudo));
}

// Turns a packet with a full transport checksum into the CHECKSUM_PARTIAL form.
Packet partial(Packet p, std::size_t l3, std::uint8_t protocol) {
  const std::size_t field = l3 + (protocol == 6 ? 16 : 6);
  put16(p, field, seed_of(p, l3, protocol));
  return p;
}

// What the kernel does with a seed when it checksums the packet whole (one segment): adds
// the transport bytes and complements. A correct seed gives a packet check_packet accepts.
Packet completed(Packet p, std::size_t l3, std::uint8_t protocol) {
  const std::size_t field = l3 + (protocol == 6 ? 16 : 6);
  put16(p, field, reference_checksum(Packet(p.begin() + static_cast<std::ptrdiff_t>(l3), p.end())));
  return p;
}

VirtioNetHeader gso(std::uint8_t type, std::uint16_t size, std::uint16_t l3, std::uint16_t offset = 16) {
  VirtioNetHeader h;
  h.flags = virtio::kNeedsCsum;
  h.gso_type = type;
  h.gso_size = size;
  h.csum_start = l3;
  h.csum_offset = offset;
  h.hdr_len = 1234;  // a stale hint: must never be carried over
  return h;
}

// A TCPv6 super-packet from the client: 20-byte TCP header, `payload` bytes.
Packet tcp6_super(std::size_t payload) {
  return partial(ip6(kClient, kServer6, 6, tcp6(kClient, kServer6, filler(payload))), 40, 6);
}

}  // namespace

TEST_CASE("A TCPv6 super-packet becomes one TCPv4 super-packet with the seed and header the kernel needs",
          "[offload]") {
  Harness h;
  const Packet in = tcp6_super(4 * 1428 + 500);
  Result r = h.run(gso(virtio::kGsoTcpV6, 1428, 40), in);
  REQUIRE(r.verdict == Verdict::kForward);
  REQUIRE(h.sink.written.size() == 1);
  const auto& [header, out] = h.sink.written[0];
  CHECK(header.flags == virtio::kNeedsCsum);
  CHECK(header.gso_type == virtio::kGsoTcpV4);
  CHECK(header.gso_size == 1428);
  CHECK(header.csum_start == 20);
  CHECK(header.csum_offset == 16);
  CHECK(header.hdr_len == 40);
  CHECK(out.size() == in.size() - 20);
  CHECK(u8(out, 0) == 0x45);
  CHECK(u16(out, 2) == out.size());
  CHECK((u16(out, 6) & 0x4000) != 0);  // DF: each 1468-byte segment is over 1260 (RFC 7915 §5.1)
  CHECK(u16(out, 36) == seed_of(out, 20, 6));
  CHECK(check_packet(out.data(), out.size(), false) == "");  // IPv4 header checksum, lengths
  CHECK(check_packet(completed(out, 20, 6).data(), out.size()) == "");
  CHECK(h.counters.gso_received == 1);
  CHECK(h.counters.gso_translated == 1);
  CHECK(h.counters[Counter::kTranslated64] == 1);
}

TEST_CASE("DF on a translated super-packet follows the segment size, not the super-packet's", "[offload]") {
  Harness h;
  Result r = h.run(gso(virtio::kGsoTcpV6, 500, 40), tcp6_super(10 * 500));
  REQUIRE(r.verdict == Verdict::kForward);
  REQUIRE(h.sink.written.size() == 1);
  CHECK((u16(h.sink.written[0].packet, 6) & 0x4000) == 0);  // 540-byte segments
}

TEST_CASE("A translated super-packet takes an IPv4 Identification for each segment the kernel cuts",
          "[offload]") {
  // The kernel numbers the segments id, id + 1, ...; the next packet must not repeat one
  // (these 540-byte segments go without DF, so they may be fragmented later).
  Harness h;
  std::vector<unsigned> ids;  // run() keeps only its own writes
  REQUIRE(h.run(gso(virtio::kGsoTcpV6, 500, 40), tcp6_super(4 * 500)).verdict == Verdict::kForward);
  ids.push_back(u16(h.sink.written.at(0).packet, 4));
  REQUIRE(h.run(gso(virtio::kGsoTcpV6, 500, 40), tcp6_super(3 * 500 + 1)).verdict == Verdict::kForward);
  ids.push_back(u16(h.sink.written.at(0).packet, 4));
  REQUIRE(h.run(VirtioNetHeader{}, completed(tcp6_super(100), 40, 6)).verdict == Verdict::kForward);
  ids.push_back(u16(h.sink.written.at(0).packet, 4));
  CHECK(ids[1] == ((ids[0] + 4) & 0xffff));  // after 4 segments
  CHECK(ids[2] == ((ids[1] + 4) & 0xffff));  // after 4 more (the last of 1 byte)
}

TEST_CASE("A TCPv4 super-packet with DF becomes one TCPv6 super-packet", "[offload]") {
  Harness h;
  (void)h.run(gso(virtio::kGsoTcpV6, 1000, 40), tcp6_super(3000));  // binds the client
  const Ipv4Address pool = h.client4();
  Packet in = partial(ip4(kServer4, pool, 6, tcp4(kServer4, pool, filler(5 * 1440)), Ip4Options{.df = true}), 20, 6);
  Result r = h.run(gso(virtio::kGsoTcpV4 | virtio::kGsoEcn, 1440, 20), in);
  REQUIRE(r.verdict == Verdict::kForward);
  REQUIRE(h.sink.written.size() == 1);
  const auto& [header, out] = h.sink.written[0];
  CHECK(header.gso_type == (virtio::kGsoTcpV6 | virtio::kGsoEcn));
  CHECK(header.csum_start == 40);
  CHECK(header.hdr_len == 60);
  CHECK(header.gso_size == 1440);
  CHECK(out.size() == in.size() + 20);
  CHECK(u16(out, 56) == seed_of(out, 40, 6));
  CHECK(check_packet(completed(out, 40, 6).data(), out.size()) == "");
  CHECK(h.counters[Counter::kTranslated46] == 1);
}

TEST_CASE("A TCPv4 super-packet whose segments would not fit the IPv6 MTU gets Fragmentation Needed",
          "[offload][rfc7915-4.1]") {
  Harness h;
  (void)h.run(gso(virtio::kGsoTcpV6, 1000, 40), tcp6_super(3000));
  const Ipv4Address pool = h.client4();
  // 1460-byte segments: 20 + 20 + 1460 = 1500 on IPv4, 1520 on IPv6.
  Packet in = partial(ip4(kServer4, pool, 6, tcp4(kServer4, pool, filler(4 * 1460)), Ip4Options{.df = true}), 20, 6);
  Result r = h.run(gso(virtio::kGsoTcpV4, 1460, 20), in);
  CHECK(r.verdict == Verdict::kReply);
  CHECK(r.reason == Counter::kDropFragNeeded);
  REQUIRE(h.sink.written.size() == 1);
  const auto& [header, icmp] = h.sink.written[0];
  CHECK(header.gso_type == virtio::kGsoNone);
  CHECK(header.flags == 0);
  CHECK(u8(icmp, 20) == 3);                // Destination Unreachable
  CHECK(u8(icmp, 21) == 4);                // Fragmentation Needed
  CHECK(u16(icmp, 26) == 1480);            // the MTU an IPv4 packet must keep to fit
  CHECK(check_packet(icmp.data(), icmp.size()) == "");
}

TEST_CASE("A TCPv4 super-packet without DF is cut into segments that each translate on their own",
          "[offload]") {
  Harness h;
  (void)h.run(gso(virtio::kGsoTcpV6, 1000, 40), tcp6_super(3000));
  const Ipv4Address pool = h.client4();
  Packet tcp = tcp4(kServer4, pool, filler(3 * 1000 + 10));
  tcp[13] = std::byte{0x19};  // ACK | PSH | FIN: PSH and FIN belong to the last segment only
  tcp[16] = tcp[17] = std::byte{0};
  Packet in = ip4(kServer4, pool, 6, tcp, Ip4Options{.id = 0x100});
  in = partial(in, 20, 6);
  Result r = h.run(gso(virtio::kGsoTcpV4, 1000, 20), in);
  CHECK(r.verdict == Verdict::kForward);
  REQUIRE(h.sink.written.size() == 4);
  const std::uint32_t first_seq = u32(in, 24);
  std::size_t payload = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    INFO(i);
    const auto& [header, seg] = h.sink.written[i];
    CHECK(header.gso_type == virtio::kGsoNone);
    CHECK(check_packet(seg.data(), seg.size()) == "");
    CHECK(u8(seg, 0) >> 4 == 6);
    CHECK(u32(seg, 44) == first_seq + payload);
    CHECK(u8(seg, 53) == (i == 3 ? 0x19u : 0x10u));
    payload += seg.size() - 60;
  }
  CHECK(payload == 3010);
  CHECK(h.counters.gso_segmented == 1);
  CHECK(h.counters[Counter::kTranslated46] == 4);
}

TEST_CASE("A TCPv6 super-packet with an extension header is cut, and each segment translates", "[offload]") {
  Harness h;
  Packet tcp = tcp6(kClient, kServer6, filler(2500));
  Packet with_options(8 + tcp.size());  // Destination Options (next header TCP, one PadN), then TCP
  with_options[0] = std::byte{6};
  with_options[2] = std::byte{1};
  with_options[3] = std::byte{4};
  std::copy(tcp.begin(), tcp.end(), with_options.begin() + 8);
  Packet in = ip6(kClient, kServer6, 60, with_options);
  in = partial(in, 48, 6);
  Result r = h.run(gso(virtio::kGsoTcpV6, 1200, 48), in);
  CHECK(r.verdict == Verdict::kForward);
  REQUIRE(h.sink.written.size() == 3);
  for (const auto& [header, seg] : h.sink.written) {
    CHECK(header.gso_type == virtio::kGsoNone);
    CHECK(u8(seg, 0) == 0x45);
    CHECK(check_packet(seg.data(), seg.size()) == "");
  }
  CHECK(h.counters.gso_segmented == 1);

  // Without NEEDS_CSUM nothing says where the TCP header starts: a header the kernel never
  // writes (docs/offloads.md), dropped.
  VirtioNetHeader unmarked = gso(virtio::kGsoTcpV6, 1200, 0, 0);
  unmarked.flags = 0;
  r = h.run(unmarked, in);
  CHECK(r.reason == Counter::kDropBadOffload);
  CHECK(h.sink.written.empty());
}

TEST_CASE("A UDPv6 super-packet (USO) becomes one UDPv4 super-packet", "[offload]") {
  Harness h;
  Packet in = ip6(kClient, kServer6, 17, udp6(kClient, kServer6, 4000, 443, filler(3 * 1200)));
  in = partial(in, 40, 17);
  Result r = h.run(gso(virtio::kGsoUdpL4, 1200, 40, 6), in);
  REQUIRE(r.verdict == Verdict::kForward);
  REQUIRE(h.sink.written.size() == 1);
  const auto& [header, out] = h.sink.written[0];
  CHECK(header.gso_type == virtio::kGsoUdpL4);
  CHECK(header.csum_start == 20);
  CHECK(header.csum_offset == 6);
  CHECK(header.hdr_len == 28);
  CHECK(check_packet(completed(out, 20, 17).data(), out.size()) == "");
}

TEST_CASE("A partial checksum without GSO is completed before the packet is translated", "[offload]") {
  Harness h;
  VirtioNetHeader header;
  header.flags = virtio::kNeedsCsum;
  header.csum_start = 40;
  header.csum_offset = 6;
  Packet in = partial(ip6(kClient, kServer6, 17, udp6(kClient, kServer6, 4000, 53, filler(300))), 40, 17);
  Result r = h.run(header, in);
  REQUIRE(r.verdict == Verdict::kForward);
  REQUIRE(h.sink.written.size() == 1);
  CHECK(h.sink.written[0].header.flags == 0);
  CHECK(check_packet(h.sink.written[0].packet.data(), h.sink.written[0].packet.size()) == "");
}

TEST_CASE("A virtio-net header the kernel would not write drops the packet under drop_bad_offload", "[offload]") {
  Harness h;
  const Packet in = tcp6_super(3000);
  VirtioNetHeader wrong_version = gso(virtio::kGsoTcpV4, 1000, 40);
  VirtioNetHeader no_size = gso(virtio::kGsoTcpV6, 0, 40);
  VirtioNetHeader wrong_start = gso(virtio::kGsoTcpV6, 1000, 44);
  VirtioNetHeader ufo = gso(virtio::kGsoUdp, 1000, 40);
  VirtioNetHeader beyond;
  beyond.flags = virtio::kNeedsCsum;
  beyond.csum_start = 3059;  // the field would end past the 3060-byte packet
  for (const VirtioNetHeader& bad : {wrong_version, no_size, wrong_start, ufo, beyond}) {
    Result r = h.run(bad, in);
    CHECK(r.reason == Counter::kDropBadOffload);
    CHECK(h.sink.written.empty());
  }
  CHECK(h.counters[Counter::kDropBadOffload] == 5);
}

TEST_CASE("The virtio-net header round-trips through its 10 bytes", "[offload]") {
  VirtioNetHeader h = gso(virtio::kGsoTcpV6, 1428, 40);
  std::array<std::byte, kVirtioNetHeaderSize> bytes{};
  store_virtio_header(bytes, h);
  VirtioNetHeader back = load_virtio_header(bytes);
  CHECK(back.flags == h.flags);
  CHECK(back.gso_type == h.gso_type);
  CHECK(back.hdr_len == h.hdr_len);
  CHECK(back.gso_size == h.gso_size);
  CHECK(back.csum_start == h.csum_start);
  CHECK(back.csum_offset == h.csum_offset);
}
