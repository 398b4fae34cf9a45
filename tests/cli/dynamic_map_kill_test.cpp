// Faults: a writer of dynamic.map killed with SIGKILL at any moment leaves either the old
// file or the new one, whole (cli/dynamic_map.cpp writes a temporary file, fsyncs it and
// renames it over the old one).
#include <catch2/catch.hpp>

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "cli/dynamic_map.h"

using namespace tundra;

namespace {

// `count` bindings 10.<tag>.x.y <-> 2001:db8:<tag>::x:y, all with last use `now`.
std::vector<Binding> bindings(unsigned tag, unsigned count, UnixSeconds now) {
  std::vector<Binding> out;
  for (unsigned i = 0; i < count; ++i) {
    Binding b;
    b.v4 = Ipv4Address{(10u << 24) | (tag << 16) | i};
    b.v6 = *Ipv6Address::parse("2001:db8:" + std::to_string(tag) + "::" + std::to_string(i / 256) + ":" +
                               std::to_string(i % 256));
    b.last_use = now;
    out.push_back(b);
  }
  return out;
}

}  // namespace

TEST_CASE("kill -9 while dynamic.map is being written never leaves a corrupt file", "[dynamic-map][faults]") {
  char templ[] = "/tmp/tundra-killmap-XXXXXX";
  REQUIRE(::mkdtemp(templ) != nullptr);
  const std::string dir = templ;
  const std::string path = dir + "/dynamic.map";
  const UnixSeconds now = 1700000000;
  constexpr unsigned kCount = 4000;  // about 150 KB: a write takes a while
  const std::vector<Binding> first = bindings(1, kCount, now);
  const std::vector<Binding> second = bindings(2, kCount, now);
  std::string error;
  // How long one save takes here: the kills are spread over about three of them, so that
  // some land after the writer's first rename however slow it is (sanitizer builds take
  // several times the 30 ms that suffice otherwise).
  const auto before = std::chrono::steady_clock::now();
  REQUIRE(save_dynamic_map(path, first, now, &error));
  const auto one_save = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - before);
  const auto max_delay_us = std::max<unsigned>(30000, static_cast<unsigned>(3 * one_save.count()));

  std::mt19937 random(42);
  unsigned saw_first = 0, saw_second = 0;
  for (int round = 0; round < 40; ++round) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {  // the writer: saves one set, then the other, until killed
      std::string e;
      for (unsigned n = 0;; ++n) (void)save_dynamic_map(path, n % 2 ? first : second, now, &e);
    }
    ::usleep(std::uniform_int_distribution<unsigned>(1000, max_delay_us)(random));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);

    DynamicMap map;
    std::vector<std::string> warnings;
    INFO("round " << round);
    REQUIRE(load_dynamic_map(path, &map, &warnings, &error));
    CHECK(warnings.empty());
    REQUIRE(map.entries.size() == kCount);
    // Whole: every entry from the same set.
    const bool is_first = map.entries.front().v4 == first.front().v4;
    const std::vector<Binding>& expected = is_first ? first : second;
    for (std::size_t i = 0; i < kCount; ++i) {
      if (map.entries[i].v4 != expected[i].v4 || map.entries[i].v6 != expected[i].v6) {
        FAIL("entry " << i << " mixes the two sets");
      }
    }
    (is_first ? saw_first : saw_second)++;
  }
  // The kills landed at different moments: the file was seen in both states.
  CHECK(saw_first + saw_second == 40);
  CHECK(saw_second > 0);
  std::filesystem::remove_all(dir);
}
