// Tests for cli/replay: a capture goes through the translator and everything it emits is
// written, in order, with the input packet's timestamp.
#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>
#include <optional>
#include <string>

#include "cli/config.h"
#include "cli/pcap_io.h"
#include "cli/replay.h"
#include "tests/support/packets.h"
#include "translator/translator.h"

namespace {

using tundra::test::Packet;
using tundra::test::v4;
using tundra::test::v6;

constexpr std::uint8_t kUdp = 17;

std::filesystem::path temp_file(const std::string& name) {
  // The pid keeps concurrent runs (ctest -j, other checkouts) apart.
  return std::filesystem::temp_directory_path() / ("tundra_replay_test_" + std::to_string(::getpid()) + "_" + name);
}

tundra::Translator make_translator() {
  tundra::Config config;
  std::string error;
  REQUIRE(tundra::load_config(std::string(TUNDRA_SOURCE_DIR) + "/tests/cli/data/replay.toml", &config, &error));
  auto t = tundra::Translator::create(config.translator, &error);
  INFO(error);
  REQUIRE(t);
  return std::move(*t);
}

void write_capture(const std::filesystem::path& path, const std::vector<std::pair<Packet, std::int64_t>>& packets) {
  tundra::PcapWriter writer;
  std::string error;
  REQUIRE(writer.open(path.string(), &error));
  for (const auto& [p, sec] : packets) REQUIRE(writer.write(p.data(), p.size(), sec, 250000000));
  REQUIRE(writer.close(&error));
}

tundra::CaptureReadResult read_back(const std::filesystem::path& path) {
  tundra::CaptureReadResult r;
  std::string error;
  bool ok = tundra::read_capture(path.string(), &r, &error);
  INFO(error);
  REQUIRE(ok);
  return r;
}

const auto kClient = v6("2001:db8::10");     // mapped to 192.0.2.10 by replay.toml
const auto kServer6 = v6("64:ff9b::198.51.100.7");
const auto kServer4 = v4("198.51.100.7");
const auto kClient4 = v4("192.0.2.10");

}  // namespace

TEST_CASE("Replay translates each packet and writes the result with the input timestamp", "[replay]") {
  auto in = temp_file("in.pcap");
  auto out = temp_file("out.pcap");
  Packet out6 = tundra::test::ip6(kClient, kServer6, kUdp, tundra::test::udp6(kClient, kServer6, 5000, 53, tundra::test::filler(20)));
  Packet back4 = tundra::test::ip4(kServer4, kClient4, kUdp, tundra::test::udp4(kServer4, kClient4, 53, 5000, tundra::test::filler(20)));
  write_capture(in, {{out6, 1700000000}, {back4, 1700000001}});

  auto translator = make_translator();
  tundra::ReplayStats stats;
  std::string error;
  REQUIRE(tundra::replay_capture(translator, in.string(), out.string(), &stats, &error));
  CHECK(stats.packets_read == 2);
  CHECK(stats.packets_written == 2);
  CHECK(stats.counters.received6 == 1);
  CHECK(stats.counters.received4 == 1);
  CHECK(stats.counters[tundra::Counter::kTranslated64] == 1);
  CHECK(stats.counters[tundra::Counter::kTranslated46] == 1);

  auto r = read_back(out);
  REQUIRE(r.packets.size() == 2);
  CHECK(std::to_integer<unsigned>(r.packets[0].ip[0]) >> 4 == 4);
  CHECK(std::to_integer<unsigned>(r.packets[1].ip[0]) >> 4 == 6);
  CHECK(r.packets[0].ts_sec == 1700000000);
  CHECK(r.packets[0].ts_nsec == 250000000);
  CHECK(r.packets[1].ts_sec == 1700000001);
  for (const auto& p : r.packets) CHECK(tundra::test::check_packet(p.ip.data(), p.ip.size()) == "");

  std::string text = tundra::format_replay_stats(stats);
  CHECK(text.find("received4 1\n") != std::string::npos);
  CHECK(text.find("translated_6to4 1\n") != std::string::npos);
  CHECK(text.find("written 2\n") != std::string::npos);
  CHECK(text.find("icmp_sent4") == std::string::npos);  // zero counters are left out
  std::filesystem::remove(in);
  std::filesystem::remove(out);
}

TEST_CASE("Replay writes the translator's own ICMP errors too", "[replay]") {
  auto in = temp_file("hop.pcap");
  auto out = temp_file("hop-out.pcap");
  tundra::test::Ip6Options last_hop;
  last_hop.hop_limit = 1;
  Packet p = tundra::test::ip6(kClient, kServer6, kUdp, tundra::test::udp6(kClient, kServer6, 5000, 53, tundra::test::filler(8)), last_hop);
  write_capture(in, {{p, 42}});
  auto translator = make_translator();
  tundra::ReplayStats stats;
  std::string error;
  REQUIRE(tundra::replay_capture(translator, in.string(), out.string(), &stats, &error));
  CHECK(stats.counters[tundra::Counter::kDropHopLimitExpired] == 1);
  auto r = read_back(out);
  REQUIRE(r.packets.size() == 1);
  CHECK(std::to_integer<unsigned>(r.packets[0].ip[0]) >> 4 == 6);  // ICMPv6 Time Exceeded back to the client
  CHECK(r.packets[0].ts_sec == 42);
  std::filesystem::remove(in);
  std::filesystem::remove(out);
}

TEST_CASE("Replay of a capture with no packets writes a capture with no packets", "[replay]") {
  auto in = temp_file("empty.pcap");
  auto out = temp_file("empty-out.pcap");
  write_capture(in, {});
  auto translator = make_translator();
  tundra::ReplayStats stats;
  std::string error;
  REQUIRE(tundra::replay_capture(translator, in.string(), out.string(), &stats, &error));
  CHECK(stats.packets_read == 0);
  CHECK(read_back(out).packets.empty());
  CHECK(tundra::format_replay_stats(stats).empty());
  std::filesystem::remove(in);
  std::filesystem::remove(out);
}

TEST_CASE("Replay reports an unreadable input or an unwritable output in one line", "[replay]") {
  auto translator = make_translator();
  tundra::ReplayStats stats;
  std::string error;
  CHECK_FALSE(tundra::replay_capture(translator, "/nonexistent/in.pcap", temp_file("x.pcap").string(), &stats, &error));
  CHECK(error == "/nonexistent/in.pcap: cannot open: No such file or directory");
  auto in = temp_file("ok.pcap");
  write_capture(in, {});
  CHECK_FALSE(tundra::replay_capture(translator, in.string(), "/nonexistent/out.pcap", &stats, &error));
  CHECK(error == "/nonexistent/out.pcap: cannot create: No such file or directory");
  std::filesystem::remove(in);
}
