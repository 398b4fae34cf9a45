// libFuzzer target for the dynamic.map loader (cli/dynamic_map.h): a data-dir file that a
// crash, a disk error, an operator's editor or an older Tayga may have left in any state.
//
// The input is the file's bytes. They are written to a file on tmpfs and read with
// load_dynamic_map(), which must agree with parse_dynamic_map() on the same text. Then:
//   - every warning is one line `dynamic.map:LINE: skipped: why`;
//   - the entries are in line order, have last_use > 0, usable client IPv6 addresses, and
//     no IPv4 or IPv6 address twice;
//   - saving the entries (save_dynamic_map(), the daemon's atomic write) and loading the
//     file again gives the same entries, in order, without warnings; format_dynamic_map()
//     gives the same text that was saved;
//   - restore_into() a /24 pool accounts for every entry (active + dormant + refused), the
//     pool then holds exactly the restored bindings, inside the pool, and those too save and
//     load back unchanged.
// Seeds: fuzz/seeds/dynamic_map_fuzz and tests/cli/data/dynamic-map (fuzz/run.sh).
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "cli/dynamic_map.h"

using namespace tundra;

namespace {

constexpr UnixSeconds kNow = 1'800'000'000;  // 2027-01-15, an arbitrary "now"

void fail(const char* what, const std::string& detail = "") {
  std::fprintf(stderr, "dynamic_map_fuzz: %s%s%s\n", what, detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}
void require(bool ok, const char* what, const std::string& detail = "") {
  if (!ok) fail(what, detail);
}

// A private directory on tmpfs when there is one (fsync costs nothing there).
// Never freed, so that the atexit handler that removes it may still read it.
const std::string& work_dir() {
  static const std::string* dir = [] {
    std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    auto* path = new std::string(base + "/dynamic_map_fuzz.XXXXXX");
    if (::mkdtemp(path->data()) == nullptr) fail("mkdtemp failed");
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(work_dir(), ec);
    });
    return path;
  }();
  return *dir;
}

bool same_entries(const std::vector<DynamicMapEntry>& a, const std::vector<DynamicMapEntry>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const DynamicMapEntry& x, const DynamicMapEntry& y) {
    return x.v4 == y.v4 && x.v6 == y.v6 && x.last_use == y.last_use;
  });
}

void check_warnings(const std::vector<std::string>& warnings, const std::string& path) {
  for (const std::string& w : warnings) {
    require(w.find('\n') == std::string::npos && w.rfind(path + ":", 0) == 0 &&
                w.find(": skipped: ") != std::string::npos,
            "a warning is not one 'PATH:LINE: skipped: why' line", w);
  }
}

// Saves `bindings` with the daemon's writer and loads them back.
void check_save_and_load(const std::vector<Binding>& bindings, const char* what) {
  const std::string path = work_dir() + "/saved.map";
  std::string error;
  require(save_dynamic_map(path, bindings, kNow, &error), "save_dynamic_map failed", error);
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  require(text == format_dynamic_map(bindings, kNow), "the saved file is not format_dynamic_map()");
  DynamicMap back;
  std::vector<std::string> warnings;
  require(load_dynamic_map(path, &back, &warnings, &error), "a saved file does not load", error);
  require(warnings.empty(), "a saved file loads with warnings", warnings.empty() ? "" : warnings[0]);
  std::vector<DynamicMapEntry> expected;
  for (const Binding& b : bindings) expected.push_back(DynamicMapEntry{b.v4, b.v6, b.last_use, 0});
  require(same_entries(back.entries, expected), what);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1024 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string input_path = work_dir() + "/dynamic.map";
  {
    std::ofstream out(input_path, std::ios::binary | std::ios::trunc);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    if (!out) fail("cannot write the input file");
  }
  DynamicMap map;
  std::vector<std::string> warnings;
  std::string error;
  require(load_dynamic_map(input_path, &map, &warnings, &error), "load_dynamic_map refused a small regular file", error);
  check_warnings(warnings, input_path);

  std::vector<std::string> parse_warnings;
  const DynamicMap parsed = parse_dynamic_map(text, "dynamic.map", &parse_warnings);
  require(parsed.entries == map.entries && parse_warnings.size() == warnings.size(),
          "load_dynamic_map and parse_dynamic_map disagree");
  check_warnings(parse_warnings, "dynamic.map");

  std::set<Ipv4Address> seen4;
  std::set<Ipv6Address> seen6;
  unsigned last_line = 0;
  std::vector<Binding> bindings;
  for (const DynamicMapEntry& e : map.entries) {
    require(e.line > last_line, "entries out of line order");
    last_line = e.line;
    require(e.last_use > 0, "an entry with last_use <= 0");
    require(e.v6.bytes[0] != 0xff && !(e.v6.bytes[0] == 0xfe && (e.v6.bytes[1] & 0xc0) == 0x80),
            "a multicast or link-local client");
    require(e.v6.bytes[0] != 0 || (e.v6.bytes[1] == 0x64 && e.v6.bytes[2] == 0xff && e.v6.bytes[3] == 0x9b),
            "a client in ::/8");
    require(seen4.insert(e.v4).second, "an IPv4 address twice");
    require(seen6.insert(e.v6).second, "an IPv6 address twice");
    bindings.push_back(Binding{e.v4, e.v6, e.last_use, BindingState::kActive});
  }
  require(map.entries.size() + warnings.size() <= static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')) + 1,
          "more entries and warnings than lines");
  check_save_and_load(bindings, "saved entries load back different");

  // Into a pool, as the daemon does at start.
  DynamicPoolOptions options;
  options.pool = *Ipv4Prefix::parse("192.168.255.0/24");
  options.reserved = {*Ipv4Prefix::parse("192.168.255.1/32")};
  DynamicPool pool(options);
  const std::vector<Ipv6Prefix> statics = {*Ipv6Prefix::parse("2001:db8:2::/64")};
  std::vector<std::string> restore_warnings;
  const RestoreSummary summary = restore_into(pool, map, kNow, &restore_warnings, statics);
  require(summary.active + summary.dormant + summary.refused == map.entries.size(), "restore_into lost count of entries");
  require(restore_warnings.size() == summary.refused, "not one warning per refused entry");
  check_warnings(restore_warnings, input_path);
  const std::vector<Binding> restored = pool.bindings(kNow);
  require(restored.size() == summary.restored(), "the pool holds a different number of bindings than restored");
  for (const Binding& b : restored) {
    require(options.pool.contains(b.v4) && b.v4 != options.reserved[0].address, "a binding outside the pool");
    require(seen6.count(b.v6) == 1, "the pool holds a client the file did not name");
  }
  check_save_and_load(restored, "restored bindings load back different");
  return 0;
}
