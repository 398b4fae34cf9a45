// Tests for cli/pcap_io: classic pcap and pcapng reading, link-layer stripping, and the
// raw-IP pcap writer. Captures are built byte by byte here so each test shows the layout
// it exercises.
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <unistd.h>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "cli/pcap_io.h"

namespace {

using tundra::CaptureReadResult;
using tundra::parse_capture;
using Bytes = std::vector<std::byte>;

// Appends integers in a chosen byte order.
struct ByteWriter {
  bool big = false;
  Bytes data;

  ByteWriter& u8(unsigned v) {
    data.push_back(static_cast<std::byte>(v & 0xff));
    return *this;
  }
  ByteWriter& u16(unsigned v) {
    if (big) return u8(v >> 8).u8(v);
    return u8(v).u8(v >> 8);
  }
  ByteWriter& u32(std::uint32_t v) {
    if (big) return u16(v >> 16).u16(v & 0xffff);
    return u16(v & 0xffff).u16(v >> 16);
  }
  ByteWriter& u64(std::uint64_t v) {
    if (big) return u32(static_cast<std::uint32_t>(v >> 32)).u32(static_cast<std::uint32_t>(v));
    return u32(static_cast<std::uint32_t>(v)).u32(static_cast<std::uint32_t>(v >> 32));
  }
  ByteWriter& bytes(const Bytes& b) {
    data.insert(data.end(), b.begin(), b.end());
    return *this;
  }
  ByteWriter& pad4() {
    while (data.size() % 4) u8(0);
    return *this;
  }
};

Bytes be_bytes(std::initializer_list<unsigned> list) {
  Bytes b;
  for (unsigned v : list) b.push_back(static_cast<std::byte>(v));
  return b;
}

// A minimal IPv4 header (20 bytes, UDP, no payload) with total length `total` and the
// given last byte of the destination, padded with `extra` zero bytes beyond total.
Bytes ipv4_packet(unsigned id, std::size_t payload = 0, std::size_t extra = 0) {
  std::size_t total = 20 + payload;
  Bytes p = be_bytes({0x45, 0, static_cast<unsigned>(total >> 8), static_cast<unsigned>(total & 0xff), 0,
                      id, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 1});
  p.resize(total + extra, std::byte{0});
  return p;
}

// A minimal IPv6 header with `payload` bytes of zero payload.
Bytes ipv6_packet(unsigned marker, std::size_t payload = 8) {
  Bytes p = be_bytes({0x60, 0, 0, marker, static_cast<unsigned>(payload >> 8),
                      static_cast<unsigned>(payload & 0xff), 17, 64});
  p.resize(40 + payload, std::byte{0});
  p[23] = std::byte{1};  // source ::1; the reader does not care whether it is realistic
  return p;
}

// Classic pcap file header.
ByteWriter pcap_header(bool big, bool nano, std::uint32_t linktype) {
  ByteWriter w;
  w.big = big;
  w.u32(nano ? 0xa1b23c4d : 0xa1b2c3d4).u16(2).u16(4).u32(0).u32(0).u32(65535).u32(linktype);
  return w;
}

void pcap_record(ByteWriter& w, std::uint32_t sec, std::uint32_t frac, const Bytes& frame) {
  w.u32(sec).u32(frac).u32(static_cast<std::uint32_t>(frame.size())).u32(static_cast<std::uint32_t>(frame.size()));
  w.bytes(frame);
}

// pcapng blocks.
void block(ByteWriter& w, std::uint32_t type, const Bytes& body) {
  ByteWriter b;
  b.big = w.big;
  b.bytes(body).pad4();
  auto total = static_cast<std::uint32_t>(b.data.size() + 12);
  w.u32(type).u32(total).bytes(b.data).u32(total);
}

void shb(ByteWriter& w) {
  ByteWriter b;
  b.big = w.big;
  b.u32(0x1a2b3c4d).u16(1).u16(0).u64(~std::uint64_t{0});
  block(w, 0x0a0d0d0a, b.data);
}

// IDB; `tsresol` < 0 omits the option.
void idb(ByteWriter& w, unsigned linktype, int tsresol = -1, std::uint32_t snaplen = 0) {
  ByteWriter b;
  b.big = w.big;
  b.u16(linktype).u16(0).u32(snaplen);
  if (tsresol >= 0) b.u16(9).u16(1).u8(static_cast<unsigned>(tsresol)).pad4();
  b.u16(0).u16(0);  // opt_endofopt
  block(w, 1, b.data);
}

void epb(ByteWriter& w, std::uint32_t interface, std::uint64_t ticks, const Bytes& frame) {
  ByteWriter b;
  b.big = w.big;
  b.u32(interface).u32(static_cast<std::uint32_t>(ticks >> 32)).u32(static_cast<std::uint32_t>(ticks));
  b.u32(static_cast<std::uint32_t>(frame.size())).u32(static_cast<std::uint32_t>(frame.size())).bytes(frame);
  block(w, 6, b.data);
}

Bytes ethernet(unsigned ethertype, const Bytes& payload, std::initializer_list<unsigned> vlan_tpids = {}) {
  Bytes f = be_bytes({0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2});
  for (unsigned tpid : vlan_tpids) {
    Bytes tag = be_bytes({tpid >> 8, tpid & 0xff, 0x00, 0x64});  // VLAN 100
    f.insert(f.end(), tag.begin(), tag.end());
  }
  Bytes et = be_bytes({ethertype >> 8, ethertype & 0xff});
  f.insert(f.end(), et.begin(), et.end());
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Bytes sll(unsigned protocol, const Bytes& payload) {
  // packet type (0 = to us), ARPHRD_ETHER, address length 6, address (8), protocol
  Bytes f = be_bytes({0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, protocol >> 8, protocol & 0xff});
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

Bytes sll2(unsigned protocol, const Bytes& payload) {
  // protocol, reserved, interface index 3, ARPHRD_ETHER, packet type, address length, address (8)
  Bytes f = be_bytes({protocol >> 8, protocol & 0xff, 0, 0, 0, 0, 0, 3, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0});
  f.insert(f.end(), payload.begin(), payload.end());
  return f;
}

CaptureReadResult parse_ok(const Bytes& data) {
  CaptureReadResult r;
  std::string error;
  bool ok = parse_capture(data, "test.pcap", &r, &error);
  INFO(error);
  REQUIRE(ok);
  return r;
}

std::string parse_error(const Bytes& data) {
  CaptureReadResult r;
  std::string error;
  REQUIRE_FALSE(parse_capture(data, "test.pcap", &r, &error));
  return error;
}

std::filesystem::path temp_file(const std::string& name) {
  // The pid keeps concurrent runs (ctest -j, other checkouts) apart.
  return std::filesystem::temp_directory_path() / ("tundra_pcap_io_test_" + std::to_string(::getpid()) + "_" + name);
}

}  // namespace

TEST_CASE("A written capture reads back with the same packets and microsecond timestamps", "[pcap]") {
  auto path = temp_file("roundtrip.pcap");
  Bytes a = ipv4_packet(1, 12);
  Bytes b = ipv6_packet(2);
  {
    tundra::PcapWriter writer;
    std::string error;
    REQUIRE(writer.open(path.string(), &error));
    REQUIRE(writer.write(a.data(), a.size(), 1700000000, 123456789));
    REQUIRE(writer.write(b.data(), b.size(), 1700000001, 0));
    REQUIRE(writer.close(&error));
  }
  CaptureReadResult r;
  std::string error;
  REQUIRE(tundra::read_capture(path.string(), &r, &error));
  REQUIRE(r.packets.size() == 2);
  CHECK(r.packets[0].ip == a);
  CHECK(r.packets[0].ts_sec == 1700000000);
  CHECK(r.packets[0].ts_nsec == 123456000);  // truncated to microseconds
  CHECK(r.packets[1].ip == b);
  CHECK(r.packets[1].ts_sec == 1700000001);
  std::filesystem::remove(path);
}

TEST_CASE("The writer produces a little-endian microsecond pcap with link type raw IP", "[pcap]") {
  auto path = temp_file("header.pcap");
  tundra::PcapWriter writer;
  std::string error;
  REQUIRE(writer.open(path.string(), &error));
  REQUIRE(writer.close(&error));
  std::ifstream in(path, std::ios::binary);
  std::vector<unsigned char> got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<unsigned char> want = {0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                     0x00, 0x00, 0x04, 0x00, 101, 0, 0, 0};
  CHECK(got == want);
  std::filesystem::remove(path);
}

TEST_CASE("The writer refuses timestamps that classic pcap cannot hold and close reports it", "[pcap]") {
  auto path = temp_file("negative.pcap");
  tundra::PcapWriter writer;
  std::string error;
  REQUIRE(writer.open(path.string(), &error));
  Bytes a = ipv4_packet(1);
  CHECK_FALSE(writer.write(a.data(), a.size(), -1, 0));
  CHECK_FALSE(writer.close(&error));
  CHECK(error.find("does not fit classic pcap") != std::string::npos);
  std::filesystem::remove(path);
}

TEST_CASE("A capture with no packets reads as zero packets", "[pcap]") {
  auto r = parse_ok(pcap_header(false, false, 101).data);
  CHECK(r.packets.empty());
  CHECK(r.skipped_non_ip == 0);
}

TEST_CASE("Big-endian and nanosecond classic pcap files are read", "[pcap]") {
  for (bool big : {false, true}) {
    for (bool nano : {false, true}) {
      auto w = pcap_header(big, nano, 101);
      pcap_record(w, 1000, nano ? 999999999u : 999999u, ipv4_packet(7));
      auto r = parse_ok(w.data);
      REQUIRE(r.packets.size() == 1);
      CHECK(r.packets[0].ip == ipv4_packet(7));
      CHECK(r.packets[0].ts_sec == 1000);
      CHECK(r.packets[0].ts_nsec == (nano ? 999999999u : 999999000u));
    }
  }
}

TEST_CASE("Raw IP frames are handed over exactly, trailing bytes included", "[pcap]") {
  auto w = pcap_header(false, false, 101);
  Bytes padded = ipv4_packet(3, 0, 4);
  pcap_record(w, 1, 0, padded);
  pcap_record(w, 1, 0, be_bytes({0x50, 0, 0, 0}));  // version 5: not IP
  auto r = parse_ok(w.data);
  REQUIRE(r.packets.size() == 1);
  CHECK(r.packets[0].ip == padded);
  CHECK(r.skipped_non_ip == 1);
}

TEST_CASE("Ethernet frames lose their header and padding; ARP is skipped and counted", "[pcap]") {
  auto w = pcap_header(false, false, 1);
  pcap_record(w, 1, 0, ethernet(0x0800, ipv4_packet(1, 0, 26)));  // padded to a 60-byte frame
  pcap_record(w, 1, 0, ethernet(0x0806, Bytes(28)));
  pcap_record(w, 1, 0, ethernet(0x86dd, ipv6_packet(9)));
  pcap_record(w, 1, 0, be_bytes({1, 2, 3}));  // a runt
  auto r = parse_ok(w.data);
  REQUIRE(r.packets.size() == 2);
  CHECK(r.packets[0].ip == ipv4_packet(1));
  CHECK(r.packets[1].ip == ipv6_packet(9));
  CHECK(r.skipped_non_ip == 2);
}

TEST_CASE("BSD loopback frames are read in either byte order of the address family", "[pcap]") {
  auto w = pcap_header(false, false, 0);
  Bytes v4 = be_bytes({2, 0, 0, 0});  // AF_INET written little-endian
  Bytes p4 = ipv4_packet(4);
  v4.insert(v4.end(), p4.begin(), p4.end());
  Bytes v6 = be_bytes({0, 0, 0, 30});  // AF_INET6 (Darwin) written big-endian
  Bytes p6 = ipv6_packet(6);
  v6.insert(v6.end(), p6.begin(), p6.end());
  pcap_record(w, 1, 0, v4);
  pcap_record(w, 1, 0, v6);
  auto r = parse_ok(w.data);
  REQUIRE(r.packets.size() == 2);
  CHECK(r.packets[0].ip == p4);
  CHECK(r.packets[1].ip == p6);
}

TEST_CASE("pcapng with Ethernet, VLAN, SLL and SLL2 interfaces yields the IP packets in order", "[pcap]") {
  ByteWriter w;
  shb(w);
  idb(w, 1);    // interface 0: Ethernet, microseconds
  idb(w, 113);  // interface 1: Linux SLL
  idb(w, 276);  // interface 2: Linux SLL2
  epb(w, 0, 1700000000ull * 1000000 + 250000, ethernet(0x0800, ipv4_packet(1)));
  epb(w, 0, 0, ethernet(0x86dd, ipv6_packet(2), {0x8100}));
  epb(w, 0, 0, ethernet(0x0800, ipv4_packet(3), {0x88a8, 0x8100}));
  epb(w, 0, 0, ethernet(0x0800, ipv4_packet(4), {0x8100, 0x8100, 0x8100}));  // three tags: skipped
  epb(w, 1, 0, sll(0x0800, ipv4_packet(5)));
  epb(w, 2, 0, sll2(0x86dd, ipv6_packet(6)));
  epb(w, 1, 0, sll(0x0806, Bytes(28)));  // ARP: skipped
  auto r = parse_ok(w.data);
  REQUIRE(r.packets.size() == 5);
  CHECK(r.packets[0].ip == ipv4_packet(1));
  CHECK(r.packets[0].ts_sec == 1700000000);
  CHECK(r.packets[0].ts_nsec == 250000000);
  CHECK(r.packets[1].ip == ipv6_packet(2));
  CHECK(r.packets[2].ip == ipv4_packet(3));
  CHECK(r.packets[3].ip == ipv4_packet(5));
  CHECK(r.packets[4].ip == ipv6_packet(6));
  CHECK(r.skipped_non_ip == 2);
}

TEST_CASE("pcapng if_tsresol gives nanosecond and power-of-two timestamps", "[pcap]") {
  ByteWriter w;
  shb(w);
  idb(w, 101, 9);     // 10^-9
  idb(w, 101, 0x80 | 10);  // 2^-10
  epb(w, 0, 5ull * 1000000000 + 7, ipv4_packet(1));
  epb(w, 1, 3ull * 1024 + 512, ipv4_packet(2));
  auto r = parse_ok(w.data);
  REQUIRE(r.packets.size() == 2);
  CHECK(r.packets[0].ts_sec == 5);
  CHECK(r.packets[0].ts_nsec == 7);
  CHECK(r.packets[1].ts_sec == 3);
  CHECK(r.packets[1].ts_nsec == 500000000);
}

TEST_CASE("pcapng sections may switch byte order and each has its own interfaces", "[pcap]") {
  ByteWriter w;
  shb(w);
  idb(w, 1);
  epb(w, 0, 0, ethernet(0x0800, ipv4_packet(1)));
  ByteWriter be;
  be.big = true;
  shb(be);
  idb(be, 101);
  epb(be, 0, 2000000, ipv6_packet(2));
  w.bytes(be.data);
  auto r = parse_ok(w.data);
  REQUIRE(r.packets.size() == 2);
  CHECK(r.packets[0].ip == ipv4_packet(1));
  CHECK(r.packets[1].ip == ipv6_packet(2));
  CHECK(r.packets[1].ts_sec == 2);
}

TEST_CASE("pcapng unknown blocks are skipped and simple packet blocks are read", "[pcap]") {
  ByteWriter w;
  shb(w);
  idb(w, 101);
  block(w, 0x00000004, be_bytes({0, 0, 0, 0}));  // Name Resolution Block
  block(w, 0x00000bad, be_bytes({1, 2, 3}));     // custom / unknown
  Bytes p = ipv4_packet(9, 1);                  // 21 bytes: the block pads it to 24
  ByteWriter spb;
  spb.u32(static_cast<std::uint32_t>(p.size())).bytes(p);
  block(w, 3, spb.data);
  auto r = parse_ok(w.data);
  REQUIRE(r.packets.size() == 1);
  CHECK(r.packets[0].ip == p);
}

TEST_CASE("An enhanced packet block on an undescribed interface is an error naming the packet", "[pcap]") {
  ByteWriter w;
  shb(w);
  idb(w, 101);
  epb(w, 0, 0, ipv4_packet(1));
  epb(w, 1, 0, ipv4_packet(2));
  std::string error = parse_error(w.data);
  CHECK(error.find("test.pcap: packet 2 (byte offset ") == 0);
  CHECK(error.find("interface 1 was not described") != std::string::npos);
}

TEST_CASE("An unsupported link type is an error naming it", "[pcap]") {
  auto w = pcap_header(false, false, 105);  // IEEE 802.11
  pcap_record(w, 1, 0, ipv4_packet(1));
  CHECK(parse_error(w.data) == "test.pcap: packet 1 (byte offset 24): link type 105 is not supported "
                               "(raw IP, Ethernet, Linux SLL/SLL2, BSD loopback are)");
}

TEST_CASE("A truncated classic pcap record is an error naming the packet and offset", "[pcap]") {
  auto w = pcap_header(false, false, 101);
  pcap_record(w, 1, 0, ipv4_packet(1));
  pcap_record(w, 1, 0, ipv4_packet(2));
  w.data.resize(w.data.size() - 5);
  CHECK(parse_error(w.data) == "test.pcap: packet 2 (byte offset 60): truncated record: 20 bytes announced, "
                               "15 left in the file");
}

TEST_CASE("Files that are not captures are refused with one line", "[pcap]") {
  CHECK(parse_error({}) == "test.pcap: empty file, not a capture");
  CHECK(parse_error(be_bytes({'h', 'e', 'l', 'l', 'o'})) ==
        "test.pcap: byte offset 0: not a pcap or pcapng file (magic 0x68656c6c)");
  auto w = pcap_header(false, false, 101);
  pcap_record(w, 1, 1000000, ipv4_packet(1));  // a microsecond fraction of a whole second
  CHECK(parse_error(w.data).find("is not below one second") != std::string::npos);
}

TEST_CASE("Every truncation of a valid capture gives a result or an error, never a crash", "[pcap]") {
  ByteWriter ng;
  shb(ng);
  idb(ng, 1, 9);
  epb(ng, 0, 1, ethernet(0x0800, ipv4_packet(1)));
  epb(ng, 0, 2, ethernet(0x86dd, ipv6_packet(2), {0x8100}));
  auto classic = pcap_header(true, true, 113);
  pcap_record(classic, 1, 2, sll(0x0800, ipv4_packet(3)));
  for (const Bytes& full : {ng.data, classic.data}) {
    for (std::size_t len = 0; len < full.size(); ++len) {
      Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(len));
      CaptureReadResult r;
      std::string error;
      bool ok = parse_capture(cut, "cut.pcap", &r, &error);
      // Only cuts on a record boundary may succeed; the others must explain themselves.
      if (!ok) {
        CHECK(error.rfind("cut.pcap: ", 0) == 0);
        CHECK(error.find('\n') == std::string::npos);
      }
    }
  }
}

TEST_CASE("Random corruptions of valid captures give a result or a one-line error, never a crash", "[pcap]") {
  ByteWriter ng;
  shb(ng);
  idb(ng, 1, 9);
  idb(ng, 276);
  epb(ng, 0, 1, ethernet(0x0800, ipv4_packet(1), {0x8100}));
  epb(ng, 1, 2, sll2(0x86dd, ipv6_packet(2)));
  auto classic = pcap_header(false, false, 0);
  pcap_record(classic, 1, 2, be_bytes({2, 0, 0, 0, 0x45, 0, 0, 20}));
  std::mt19937 rng(20240601);  // fixed seed: failures reproduce
  for (const Bytes& original : {ng.data, classic.data}) {
    std::uniform_int_distribution<std::size_t> position(0, original.size() - 1);
    for (int round = 0; round < 2000; ++round) {
      Bytes mutated = original;
      for (int flips = 1 + round % 4; flips > 0; --flips) mutated[position(rng)] = static_cast<std::byte>(rng());
      CaptureReadResult r;
      std::string error;
      if (!parse_capture(mutated, "fuzz.pcap", &r, &error)) {
        REQUIRE(error.rfind("fuzz.pcap: ", 0) == 0);
        REQUIRE(error.find('\n') == std::string::npos);
      }
    }
  }
}

TEST_CASE("A pcapng block whose trailing length disagrees is refused", "[pcap]") {
  ByteWriter w;
  shb(w);
  idb(w, 101);
  epb(w, 0, 0, ipv4_packet(1));
  w.data[w.data.size() - 4] = std::byte{0};  // trailing total length of the EPB
  CHECK(parse_error(w.data).find("trailing block length does not match") != std::string::npos);
}

TEST_CASE("A missing capture file is reported with its name", "[pcap]") {
  CaptureReadResult r;
  std::string error;
  REQUIRE_FALSE(tundra::read_capture("/nonexistent/in.pcap", &r, &error));
  CHECK(error == "/nonexistent/in.pcap: cannot open: No such file or directory");
}

// The two captures below were written by Wireshark's text2pcap and mergecap
// (tests/cli/data/make-captures.sh), an independent writer of both formats.
TEST_CASE("A pcapng written by Wireshark with Ethernet, VLAN and SLL2 interfaces is read", "[pcap]") {
  const Bytes ipv4 = be_bytes({0x45, 0, 0, 0x1c, 0, 1, 0, 0, 0x40, 0x11, 0, 0, 192, 0, 2, 1, 198, 51, 100, 1,
                               0x13, 0x88, 0, 0x35, 0, 8, 0, 0});
  // 2001:db8::1 -> 64:ff9b::198.51.100.1, UDP 5000 -> 53, no payload.
  Bytes ipv6 = be_bytes({0x60, 0, 0, 0, 0, 8, 0x11, 0x40});
  for (const Bytes& part : {be_bytes({0x20, 0x01, 0x0d, 0xb8}), Bytes(11), be_bytes({1}),
                            be_bytes({0, 0x64, 0xff, 0x9b}), Bytes(8), be_bytes({198, 51, 100, 1}),
                            be_bytes({0x13, 0x88, 0, 0x35, 0, 8, 0, 0})}) {
    ipv6.insert(ipv6.end(), part.begin(), part.end());
  }
  CaptureReadResult r;
  std::string error;
  bool ok = tundra::read_capture(std::string(TUNDRA_SOURCE_DIR) + "/tests/cli/data/wireshark-mixed.pcapng", &r, &error);
  INFO(error);
  REQUIRE(ok);
  REQUIRE(r.packets.size() == 3);
  CHECK(r.skipped_non_ip == 1);  // the ARP request
  CHECK(r.packets[0].ip == ipv4);  // Ethernet padding removed
  CHECK(r.packets[0].ts_sec == 1700000000);
  CHECK(r.packets[0].ts_nsec == 250000000);
  CHECK(r.packets[1].ip == ipv6);  // behind an 802.1Q tag
  CHECK(r.packets[1].ts_nsec == 500000000);
  CHECK(r.packets[2].ip == ipv6);  // Linux SLL2, the second interface (microseconds)
  CHECK(r.packets[2].ts_sec == 1700000001);
  CHECK(r.packets[2].ts_nsec == 750000000);

  ok = tundra::read_capture(std::string(TUNDRA_SOURCE_DIR) + "/tests/cli/data/wireshark-raw-nsec.pcap", &r, &error);
  INFO(error);
  REQUIRE(ok);
  REQUIRE(r.packets.size() == 1);
  CHECK(r.packets[0].ip == ipv4);
  CHECK(r.packets[0].ts_sec == 1700000003);
  CHECK(r.packets[0].ts_nsec == 7);
}
