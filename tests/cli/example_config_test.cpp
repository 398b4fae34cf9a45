// Tests for examples/tundra.toml, the example `cmake --install` puts in /etc/tundra: it
// loads as it is, it names every key tundra.toml has, and each `#key = value` line it
// leaves commented shows the key's real default.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "cli/config.h"
#include "translator/translator.h"

namespace {

using tundra::Config;

const std::string kExample = std::string(TUNDRA_SOURCE_DIR) + "/examples/tundra.toml";

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Config load(const std::string& text, const std::string& name) {
  Config config;
  std::string error;
  const bool ok = tundra::load_config_text(text, name, &config, &error, tundra::ConfigFormat::kToml);
  INFO(error);
  REQUIRE(ok);
  if (config.translator_enabled) {
    const bool created = tundra::Translator::create(config.translator, &error).has_value();
    INFO(error);
    REQUIRE(created);
  }
  return config;
}

// `#key = value` and `#[table]` lines with their '#' removed; `# text` stays a comment.
std::string uncomment_settings(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.size() > 1 && line[0] == '#' && (std::islower(static_cast<unsigned char>(line[1])) || line[1] == '[')) {
      line.erase(0, 1);
    }
    out += line + "\n";
  }
  return out;
}

// Only the lines that are settings now (no comments).
std::string active_settings(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != '#') out += line + "\n";
  }
  return out;
}

// [table] -> keys, as written in `text` (with or without a leading '#').
std::vector<std::pair<std::string, std::string>> keys_by_table(const std::string& text, bool commented_too) {
  std::vector<std::pair<std::string, std::string>> keys;
  std::istringstream in(text);
  std::string line, table;
  while (std::getline(in, line)) {
    if (commented_too && line.size() > 1 && line[0] == '#' && line[1] != ' ') line.erase(0, 1);
    if (line.empty() || line[0] == '#') continue;
    if (line[0] == '[') {
      table = line;
      continue;
    }
    const auto eq = line.find(" = ");
    if (eq != std::string::npos) keys.emplace_back(table, line.substr(0, eq));
  }
  return keys;
}

}  // namespace

TEST_CASE("The example tundra.toml loads as it is: a translator on its defaults, no DNS64", "[example-config]") {
  const Config c = load(read_file(kExample), "tundra.toml");
  CHECK(c.translator_enabled);
  CHECK_FALSE(c.dns64);
  CHECK(c.translator.data_dir == "/var/lib/tundra");
  CHECK(c.warnings.empty());
}

TEST_CASE("The example names every key of every table", "[example-config]") {
  const Config full = load("[translator]\n[dns64]\nupstream = [\"192.0.2.53\"]\n[[dns64.zone]]\nname = \"x.example\"\n",
                           "full.toml");
  const auto documented = keys_by_table(read_file(kExample), /*commented_too=*/true);
  const auto every = keys_by_table(tundra::format_config_toml(full), false);
  REQUIRE(every.size() > 30);
  for (const auto& key : every) {
    INFO(key.first << " " << key.second);
    CHECK(std::find(documented.begin(), documented.end(), key) != documented.end());
  }
}

TEST_CASE("Each commented-out value in the example is the key's default", "[example-config]") {
  const std::string example = read_file(kExample);
  // Every setting uncommented: the [dns64] table, its zone, and every default spelled out.
  const Config all = load(uncomment_settings(example), "uncommented.toml");
  REQUIRE(all.dns64);
  REQUIRE(all.dns64->zones.size() == 1);
  // The same file with only what is not a default: the active lines, the upstream, the zone.
  const Config defaults = load(active_settings(example) +
                                   "[dns64]\nupstream = [\"192.0.2.53\"]\n"
                                   "[[dns64.zone]]\nname = \"home.arpa\"\ndns64 = false\nupstream = [\"192.168.88.1\"]\n",
                               "defaults.toml");
  Config all_unnamed = all, defaults_unnamed = defaults;  // the header line names the file
  all_unnamed.source_path.clear();
  defaults_unnamed.source_path.clear();
  CHECK(tundra::format_config_toml(all_unnamed) == tundra::format_config_toml(defaults_unnamed));
}
