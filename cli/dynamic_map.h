// dynamic.map: the dynamic pool's bindings on disk, in Tayga's format, so that a Tayga
// data-dir migrates to tundra and back (docs/migration.md).
//
// The file lives in `data-dir` (kDynamicMapName). It is a `###` comment header, then one
// line per binding:
//
//   IPv4 <TAB> IPv6 <TAB> last_use
//   192.168.255.231	2001:db8::1	1795691273
//
// last_use is decimal Unix seconds (64-bit). Like Tayga, the loader splits fields on any
// run of blanks, skips blank lines and lines whose first field starts with '#', and takes
// every other line as a binding. Each line it cannot use is skipped and reported as one
// warning, `FILE:LINE: skipped: why`; the rest still load.
//
// Lifecycle (the daemon's side, as in Tayga): load and restore_into() at start; save when
// the pool changed (DynamicMapWriter says when), on SIGHUP, and on SIGTERM/SIGINT before
// exiting. save_dynamic_map() is atomic: a reader, or a daemon killed at any moment, sees
// either the previous file or the new one, never a mix or a truncated file.
//
// Control plane only: everything here allocates and does file I/O. Not synchronised: the
// daemon calls it from one thread, with the pool's writer serialised as dynamic_pool.h
// requires (restore_into() writes to the pool).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "translator/address.h"
#include "translator/dynamic_pool.h"

namespace tundra {

// File names inside data-dir. The temporary name is Tayga's, so a Tayga and a tundra that
// take turns on one data-dir (a migration, a rollback) clean up after each other.
inline constexpr std::string_view kDynamicMapName = "dynamic.map";
inline constexpr std::string_view kDynamicMapTempSuffix = "~~";  // dynamic.map~~

// A file larger than this is refused as not a dynamic.map: the largest pool (a /16) needs
// about 5 MiB.
inline constexpr std::size_t kMaxDynamicMapBytes = 64 * 1024 * 1024;

// data_dir + "/dynamic.map".
std::string dynamic_map_path(std::string_view data_dir);

// One binding line, as read.
struct DynamicMapEntry {
  Ipv4Address v4;
  Ipv6Address v6;
  UnixSeconds last_use = 0;  // > 0
  unsigned line = 0;         // 1-based line number in the file, for messages
  bool operator==(const DynamicMapEntry&) const = default;
};

struct DynamicMap {
  std::string path;                      // the file read, for messages
  std::vector<DynamicMapEntry> entries;  // in file order; no two share an IPv4 or IPv6 address
};

// Parses dynamic.map text. Lines that cannot be used are skipped, each reported in
// `*warnings` (may be null) as `PATH:LINE: skipped: why`, in line order:
//   - a wrong number of fields (not exactly three),
//   - an IPv4 or IPv6 address that does not parse (numeric only),
//   - an IPv6 address that cannot be a client: unspecified, loopback and the rest of ::/8
//     but 64:ff9b::/32, link-local fe80::/10, multicast ff00::/8 (Tayga skips these too),
//   - a last_use that is not a decimal number in 1..2^63-1,
//   - an IPv4 or IPv6 address that another line also has: the line used most recently is
//     kept (the earlier one on a tie), the others are skipped. (Tayga keeps the first line
//     of an IPv4 address and misses repeated IPv6 addresses, so a file it rewrote can name
//     a client twice; the newer line is the binding that was live.)
// Whether an entry fits the pool is not known here: see restore_into().
DynamicMap parse_dynamic_map(std::string_view text, const std::string& path,
                             std::vector<std::string>* warnings);

// Reads `path` (usually dynamic_map_path(data_dir)) and parses it as above. A missing file
// is not an error: it gives an empty map (a first start). A file that exists but cannot be
// read, or is larger than kMaxDynamicMapBytes, is: returns false and sets `*error` to one
// line naming the file and the reason.
bool load_dynamic_map(const std::string& path, DynamicMap* out, std::vector<std::string>* warnings,
                      std::string* error);

// What restore_into() did.
struct RestoreSummary {
  std::size_t active = 0;    // restored and active at `now`
  std::size_t dormant = 0;   // restored and dormant at `now` (inbound refused until the client sends)
  std::size_t refused = 0;   // not restored; one warning each
  bool future_dated = false;  // some last_use was after `now`: all were re-dated (see below)
  std::size_t restored() const { return active + dormant; }
};

// Restores `map`'s entries into `pool` with DynamicPool::restore(), in file order, and
// reports each entry it refuses as one warning, `PATH:LINE: skipped: why`, with the reason
// inferred from the pool's options: outside the pool; the pool's network or broadcast
// address; reserved (the translator's own address or a static map); last used more than
// dynamic-free-after ago (already free); the address or the client already bound in the
// pool (a duplicate). Entries whose IPv6 address lies in one of `ipv6_static` (the IPv6
// sides of the static maps) are refused too, without calling restore(), as Tayga does.
//
// Clock sanity (Tayga's rule): if any entry's last_use is after `now`, the clock was wrong
// when the file was written or is wrong now, so no time in the file can be trusted. Every
// entry is then restored as last used at now - dormant_after - 1: the first second in which
// the pool counts it dormant. Each client keeps its address, but inbound traffic is refused
// until the client sends again. (Tayga sets now - 2 h 4 min and keeps them dormant; the
// extra second is because the pool counts idle == dormant_after as still active. Where the
// options make dormancy impossible, dormant_after >= free_after, the entries are restored
// as used at `now`.) Only entries that parsed count for the check.
RestoreSummary restore_into(DynamicPool& pool, const DynamicMap& map, UnixSeconds now,
                            std::vector<std::string>* warnings,
                            std::span<const Ipv6Prefix> ipv6_static = {});

// A reload that gives the pool a new shape (cli/run.cpp): copies `from`'s live bindings into
// `to` with DynamicPool::restore(), which refuses those that no longer fit (outside the new
// pool, reserved, or already bound there), except clients whose IPv6 address lies in one of
// `ipv6_static`, as restore_into() skips them. Returns how many were copied. Calling it
// again after more bindings were made in `from` copies just those.
std::size_t carry_bindings(const DynamicPool& from, DynamicPool& to, UnixSeconds now,
                           std::span<const Ipv6Prefix> ipv6_static);

// A reload whose static maps now cover some clients: ends their dynamic bindings, as a
// start would have refused them from dynamic.map. Returns how many ended.
std::size_t forget_static_clients(DynamicPool& pool, UnixSeconds now, std::span<const Ipv6Prefix> ipv6_static);

// The whole file as save_dynamic_map() writes it: the `###` header, then one line per
// binding in the order given. `now` is the "Last written" time in the header (UTC).
std::string format_dynamic_map(std::span<const Binding> bindings, UnixSeconds now);

// Writes format_dynamic_map() to `path` atomically and durably: the text goes to
// PATH + "~~" (a stale one, perhaps root's or a link, is removed first; created afresh with
// mode 0644 less the umask), which is fsync()ed, renamed over `path`, and then the
// directory is fsync()ed (best effort) so that the rename itself survives a power cut. A
// process killed at any point leaves `path` as it was or complete and new, never partial.
// On failure returns false, sets `*error` to one line naming the file, and removes the
// temporary file; `path` is untouched.
bool save_dynamic_map(const std::string& path, std::span<const Binding> bindings, UnixSeconds now,
                      std::string* error);

// When the daemon should save dynamic.map: the policy, with no I/O and no clock of its own.
// Times are a monotonic clock, passed in by the caller.
//
//   - mark_changed(now) when a binding is created, taken over or restored (bind() returned
//     kAssigned or kReassigned; after restore_into() when anything was refused or
//     re-dated, so that the file matches memory).
//   - Save when due(now). A change is due at once, except that saves are at least
//     min_interval apart, so a burst of new clients costs one write, not one per client.
//     The daemon sleeps until next_due() or polls; with the default 500 ms and a poll every
//     250 ms (tundra run), a change is on disk within 750 ms plus one save, inside the
//     second that persistence promises.
//   - Also due every `refresh` without changes: last_use times move on every packet but do
//     not count as changes, so this bounds how stale they are on disk after a crash. The
//     default, 1 h, is below Tayga's dormant_after (2 h 4 min), so a binding in use when the
//     daemon crashed comes back active. (Tayga rewrites every 3.5 days; flash storage on a
//     router is the reason not to go much lower.)
//   - After each attempt call saved(now, ok). A failed save stays due and is retried after
//     min_interval.
//   - Save unconditionally on SIGHUP and before exiting on SIGTERM/SIGINT, then saved().
class DynamicMapWriter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    Clock::duration min_interval = std::chrono::milliseconds(500);  // between two saves
    Clock::duration refresh = std::chrono::hours(1);                // save even without changes
  };

  // `start`: when the daemon started (the first refresh is `refresh` after it).
  explicit DynamicMapWriter(Clock::time_point start) : DynamicMapWriter(start, Options{}) {}
  DynamicMapWriter(Clock::time_point start, Options options);

  void mark_changed(Clock::time_point now);
  bool dirty() const { return dirty_; }
  bool due(Clock::time_point now) const { return now >= next_due(); }
  // When due() next becomes true (possibly already past).
  Clock::time_point next_due() const;
  // A save was attempted at `now`: a successful one clears dirty and restarts the refresh.
  void saved(Clock::time_point now, bool ok);

 private:
  Options options_;
  bool dirty_ = false;
  Clock::time_point changed_at_;    // the oldest change not yet saved (while dirty_)
  Clock::time_point last_attempt_;  // min_interval is counted from here
  Clock::time_point last_success_;  // refresh is counted from here
};

}  // namespace tundra
