// What the running daemon shows to operators: the rows of `tundra show mappings`, the
// counters of `tundra show stats` and /metrics, the effective configuration, reload and
// health. The daemon (cli/run.cpp) implements DaemonView; the control socket and the HTTP
// listener only read through it.
//
// Thread safety: every method may be called from the control-plane thread while the
// workers run; implementations take snapshots (counters are summed from per-worker copies
// that may be a batch behind).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "dns64/server.h"
#include "translator/counters.h"

namespace tundra {

enum class MappingKind : std::uint8_t { kStatic, kDynamic, kPrefix };
enum class MappingState : std::uint8_t { kActive, kDormant, kPermanent };

struct MappingRow {
  std::string ipv6;           // address or prefix, e.g. "2001:db8::1" or "64:ff9b::/96"
  std::string ipv4;           // address or prefix, e.g. "192.168.255.231" or "0.0.0.0/0"
  MappingKind kind = MappingKind::kStatic;
  MappingState state = MappingState::kPermanent;
  std::int64_t last_use = 0;  // Unix seconds; 0 = not applicable (static and prefix rows)
  std::int64_t expires = 0;   // Unix seconds when the row goes away (or turns dormant); 0 = never
};

struct StatsSnapshot {
  Counters total;                   // summed over workers
  std::vector<Counters> per_worker;
  std::int64_t started_at = 0;      // Unix seconds
  std::int64_t now = 0;             // Unix seconds when the snapshot was taken
  std::string data_path_mode;       // e.g. "plain, 2 queues"
  std::optional<dns64::ServerStats> dns64;  // when the DNS64 runs
};

// What a reload did. Refused: the running configuration stays, and `problem` says why.
// Applied with a problem: the new configuration runs, but the interface did not follow it
// all the way (a route or the MTU the kernel refused); `problem` names each.
struct ReloadResult {
  bool applied = true;
  std::string problem;  // one line; "" when applied cleanly

  static ReloadResult refused(std::string why) { return {false, std::move(why)}; }
};

class DaemonView {
 public:
  virtual ~DaemonView() = default;
  virtual std::vector<MappingRow> mappings() = 0;
  virtual StatsSnapshot stats() = 0;
  // The effective configuration as tundra.toml text.
  virtual std::string config_text() = 0;
  // Re-reads the configuration file and swaps it in atomically (ReloadResult).
  virtual ReloadResult reload() = 0;
  // True while the data plane runs (for /health).
  virtual bool healthy() = 0;
};

const char* to_string(MappingKind k);
const char* to_string(MappingState s);

}  // namespace tundra
