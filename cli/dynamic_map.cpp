// dynamic.map reading, restoring and atomic writing. See cli/dynamic_map.h for the format
// and the policy; docs/migration.md for what Tayga does the same way.
#include "cli/dynamic_map.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <ctime>
#include <limits>
#include <map>
#include <utility>

namespace tundra {
namespace {

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

// The first three blank-separated fields of a line, and how many fields there are in all.
struct Fields {
  std::string_view field[3];
  std::size_t count = 0;
};

Fields split_fields(std::string_view line) {
  Fields f;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    const std::size_t start = i;
    while (i < line.size() && !is_blank(line[i])) ++i;
    if (i > start) {
      if (f.count < 3) f.field[f.count] = line.substr(start, i - start);
      ++f.count;
    }
  }
  return f;
}

// A field for a message: on one line whatever the file holds, and at most 64 characters.
std::string quoted(std::string_view s) {
  constexpr std::size_t kMaxShown = 64;
  std::string out = "'";
  for (char c : s.substr(0, kMaxShown)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  return out + (s.size() > kMaxShown ? "...'" : "'");
}

std::string location(const std::string& path, unsigned line) {
  return path + ":" + std::to_string(line);
}

// Decimal digits only, 1..INT64_MAX (Tayga: strtol, and <= 0 is malformed).
std::optional<UnixSeconds> parse_last_use(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  UnixSeconds value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value <= 0) return std::nullopt;
  return value;
}

// Why an IPv6 address cannot be a dynamic-pool client, or nullptr if it can. The same
// ranges as Tayga's validate_ip6_addr(): ::/8 (unspecified, loopback, IPv4-mapped, ...),
// fe80::/10 link-local and ff00::/8 multicast never reach the translator as a source.
// Like Tayga, 64:ff9b::/32 (inside ::/8) is allowed: RFC 6052 and RFC 8215 prefixes.
const char* unusable_client(const Ipv6Address& a) {
  const bool in_64_ff9b = a.bytes[0] == 0x00 && a.bytes[1] == 0x64 && a.bytes[2] == 0xff && a.bytes[3] == 0x9b;
  if (a.bytes[0] == 0x00 && !in_64_ff9b) return "is in ::/8 (unspecified, loopback or IPv4-mapped)";
  if (a.bytes[0] == 0xfe && (a.bytes[1] & 0xc0) == 0x80) return "is link-local (fe80::/10)";
  if (a.bytes[0] == 0xff) return "is multicast (ff00::/8)";
  return nullptr;
}

// "Thu 2026-11-26 12:48:23 UTC" for the header.
std::string utc_time(UnixSeconds t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  if (gmtime_r(&tt, &tm) == nullptr) return std::to_string(t) + " (Unix seconds)";
  char buf[64];
  if (std::strftime(buf, sizeof buf, "%a %Y-%m-%d %H:%M:%S UTC", &tm) == 0) return std::to_string(t);
  return buf;
}

std::string errno_text(int err) { return std::strerror(err); }

// Writes all of `data` to `fd`, retrying on EINTR and short writes.
bool write_all(int fd, std::string_view data, int* err) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

// Why DynamicPool::restore() refused `e`, inferred from the pool's options in the order
// restore() checks them. `now` is the time restore() was given.
std::string refusal_reason(const DynamicPool& pool, const DynamicMapEntry& e, UnixSeconds last_use,
                           UnixSeconds now) {
  const DynamicPoolOptions& o = pool.options();
  const std::string v4 = e.v4.to_string();
  if (!pool.pool_contains(e.v4)) {
    return "IPv4 address " + v4 + " is outside the dynamic pool " + o.pool.to_string();
  }
  if (o.pool.length <= 30 && e.v4 == o.pool.address) {
    return "IPv4 address " + v4 + " is the network address of the dynamic pool " + o.pool.to_string();
  }
  if (o.pool.length <= 30 && e.v4 == o.pool.last()) {
    return "IPv4 address " + v4 + " is the broadcast address of the dynamic pool " + o.pool.to_string();
  }
  for (const Ipv4Prefix& r : o.reserved) {
    if (r.length <= 32 && Ipv4Prefix::make(r.address, r.length).contains(e.v4)) {
      return "IPv4 address " + v4 + " is reserved (" + r.to_string() +
             ": the translator's own address or a static map)";
    }
  }
  if (last_use < now - o.free_after) {
    return "last used " + std::to_string(now - last_use) + " s ago, more than dynamic-free-after (" +
           std::to_string(o.free_after) + " s): the binding has expired";
  }
  return "duplicate: " + v4 + " or " + e.v6.to_string() + " already has a live binding in the pool";
}

}  // namespace

std::string dynamic_map_path(std::string_view data_dir) {
  std::string path(data_dir);
  if (path.empty() || path.back() != '/') path += '/';
  path += kDynamicMapName;
  return path;
}

DynamicMap parse_dynamic_map(std::string_view text, const std::string& path,
                             std::vector<std::string>* warnings) {
  DynamicMap map;
  map.path = path;
  std::vector<std::pair<unsigned, std::string>> skipped;  // (line, why)
  std::vector<DynamicMapEntry> candidates;

  unsigned line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? text.size() : nl;
    const std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;

    const Fields f = split_fields(line);
    if (f.count == 0 || f.field[0].front() == '#') continue;
    if (f.count != 3) {
      skipped.emplace_back(line_no, std::to_string(f.count) + (f.count == 1 ? " field" : " fields") +
                                        ", expected 3: IPv4 IPv6 last_use");
      continue;
    }
    const std::string_view(&fields)[3] = f.field;
    const auto v4 = Ipv4Address::parse(fields[0]);
    if (!v4) {
      skipped.emplace_back(line_no, quoted(fields[0]) + " is not an IPv4 address");
      continue;
    }
    const auto v6 = Ipv6Address::parse(fields[1]);
    if (!v6) {
      skipped.emplace_back(line_no, quoted(fields[1]) + " is not an IPv6 address");
      continue;
    }
    if (const char* why = unusable_client(*v6)) {
      skipped.emplace_back(line_no, "IPv6 address " + v6->to_string() + " " + why + ", not a client address");
      continue;
    }
    const auto last_use = parse_last_use(fields[2]);
    if (!last_use) {
      skipped.emplace_back(line_no, "last use " + quoted(fields[2]) +
                                        " is not a decimal number of Unix seconds in 1.." +
                                        std::to_string(std::numeric_limits<UnixSeconds>::max()));
      continue;
    }
    candidates.push_back(DynamicMapEntry{*v4, *v6, *last_use, line_no});
  }

  // Duplicates: of the lines that share an IPv4 or an IPv6 address, the most recently used
  // is kept (the earlier line on a tie). Tayga keeps the first line for an IPv4 address and
  // does not notice a repeated IPv6 address at all, so a file it rewrote can hold a client
  // twice: the newer line is the binding that was live.
  std::vector<const DynamicMapEntry*> by_recency;
  for (const DynamicMapEntry& e : candidates) by_recency.push_back(&e);
  std::stable_sort(by_recency.begin(), by_recency.end(),
                   [](const DynamicMapEntry* a, const DynamicMapEntry* b) { return a->last_use > b->last_use; });
  std::map<Ipv4Address, const DynamicMapEntry*> kept4;
  std::map<Ipv6Address, const DynamicMapEntry*> kept6;
  std::vector<const DynamicMapEntry*> kept;
  for (const DynamicMapEntry* e : by_recency) {
    const auto it4 = kept4.find(e->v4);
    const auto it6 = kept6.find(e->v6);
    const DynamicMapEntry* winner = it4 != kept4.end() ? it4->second : it6 != kept6.end() ? it6->second : nullptr;
    if (winner != nullptr) {
      const bool same_v4 = it4 != kept4.end();
      skipped.emplace_back(e->line, std::string("duplicate ") + (same_v4 ? "IPv4 address " + e->v4.to_string()
                                                                           : "IPv6 address " + e->v6.to_string()) +
                                        ": line " + std::to_string(winner->line) + " is kept (" +
                                        (winner->last_use > e->last_use ? "used more recently" : "same last use, earlier") +
                                        ")");
      continue;
    }
    kept4.emplace(e->v4, e);
    kept6.emplace(e->v6, e);
    kept.push_back(e);
  }
  std::sort(kept.begin(), kept.end(), [](const DynamicMapEntry* a, const DynamicMapEntry* b) { return a->line < b->line; });
  for (const DynamicMapEntry* e : kept) map.entries.push_back(*e);

  std::stable_sort(skipped.begin(), skipped.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  if (warnings != nullptr) {
    for (const auto& [line, why] : skipped) warnings->push_back(location(path, line) + ": skipped: " + why);
  }
  return map;
}

bool load_dynamic_map(const std::string& path, DynamicMap* out, std::vector<std::string>* warnings,
                      std::string* error) {
  *out = DynamicMap{path, {}};
  // O_NONBLOCK: a FIFO put there by mistake must not hang the start (it is refused below;
  // the flag changes nothing for a regular file).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return true;  // never written: a first start
    *error = path + ": cannot open: " + errno_text(errno);
    return false;
  }
  const std::string too_large =
      path + ": larger than " + std::to_string(kMaxDynamicMapBytes / (1024 * 1024)) + " MiB, not a dynamic.map";
  struct stat st {};
  if (::fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
    ::close(fd);
    *error = path + ": not a regular file";
    return false;
  }
  if (static_cast<std::uint64_t>(st.st_size) > kMaxDynamicMapBytes) {
    ::close(fd);
    *error = too_large;
    return false;
  }
  std::string text;
  text.reserve(static_cast<std::size_t>(st.st_size));
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      *error = path + ": cannot read: " + errno_text(err);
      return false;
    }
    if (n == 0) break;
    if (text.size() + static_cast<std::size_t>(n) > kMaxDynamicMapBytes) {
      ::close(fd);
      *error = too_large;  // it grew while being read
      return false;
    }
    text.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  *out = parse_dynamic_map(text, path, warnings);
  return true;
}

RestoreSummary restore_into(DynamicPool& pool, const DynamicMap& map, UnixSeconds now,
                            std::vector<std::string>* warnings, std::span<const Ipv6Prefix> ipv6_static) {
  RestoreSummary summary;
  const DynamicPoolOptions& o = pool.options();
  summary.future_dated = std::any_of(map.entries.begin(), map.entries.end(),
                                     [now](const DynamicMapEntry& e) { return e.last_use > now; });
  // The same first-dormant-second rule as DynamicPool::restore() applies per entry.
  const UnixSeconds redated = o.dormant_after < o.free_after ? now - o.dormant_after - 1 : now;
  const auto refuse = [&](const DynamicMapEntry& e, const std::string& why) {
    ++summary.refused;
    if (warnings != nullptr) warnings->push_back(location(map.path, e.line) + ": skipped: " + why);
  };

  for (const DynamicMapEntry& e : map.entries) {
    const auto clash = std::find_if(ipv6_static.begin(), ipv6_static.end(),
                                    [&](const Ipv6Prefix& p) { return p.contains(e.v6); });
    if (clash != ipv6_static.end()) {
      refuse(e, "IPv6 address " + e.v6.to_string() + " is covered by the static map " + clash->to_string());
      continue;
    }
    const UnixSeconds last_use = summary.future_dated ? redated : e.last_use;
    if (!pool.restore(Binding{e.v4, e.v6, last_use, BindingState::kActive}, now)) {
      refuse(e, refusal_reason(pool, e, last_use, now));
      continue;
    }
    // The pool derives the state from idle time with these boundaries (dynamic_pool.cpp).
    if (now - last_use > o.dormant_after) {
      ++summary.dormant;
    } else {
      ++summary.active;
    }
  }
  return summary;
}

namespace {
bool covered(std::span<const Ipv6Prefix> ipv6_static, const Ipv6Address& v6) {
  return std::any_of(ipv6_static.begin(), ipv6_static.end(), [&](const Ipv6Prefix& p) { return p.contains(v6); });
}
}  // namespace

std::size_t carry_bindings(const DynamicPool& from, DynamicPool& to, UnixSeconds now,
                           std::span<const Ipv6Prefix> ipv6_static) {
  std::size_t carried = 0;
  for (const Binding& b : from.bindings(now)) {
    if (!covered(ipv6_static, b.v6) && to.restore(b, now)) ++carried;
  }
  return carried;
}

std::size_t forget_static_clients(DynamicPool& pool, UnixSeconds now, std::span<const Ipv6Prefix> ipv6_static) {
  std::size_t forgotten = 0;
  for (const Binding& b : pool.bindings(now)) {
    if (covered(ipv6_static, b.v6) && pool.forget(b.v6)) ++forgotten;
  }
  return forgotten;
}

std::string format_dynamic_map(std::span<const Binding> bindings, UnixSeconds now) {
  std::string out;
  out.reserve(512 + bindings.size() * 64);
  out +=
      "###\n"
      "### tundra dynamic map: the dynamic pool's bindings (Tayga's dynamic.map format)\n"
      "###\n"
      "### Edit this file only while tundra is stopped: tundra rewrites it whenever\n"
      "### a binding changes and at exit, replacing any edit made while it runs.\n"
      "###\n"
      "### One binding per line: IPv4 <TAB> IPv6 <TAB> last use (Unix seconds)\n"
      "###\n"
      "### Last written: " +
      utc_time(now) +
      "\n"
      "###\n"
      "\n";
  for (const Binding& b : bindings) {
    out += b.v4.to_string();
    out += '\t';
    out += b.v6.to_string();
    out += '\t';
    out += std::to_string(b.last_use);
    out += '\n';
  }
  return out;
}

bool save_dynamic_map(const std::string& path, std::span<const Binding> bindings, UnixSeconds now,
                      std::string* error) {
  const std::string temp = path + std::string(kDynamicMapTempSuffix);
  const std::string text = format_dynamic_map(bindings, now);
  const auto fail = [&](const std::string& what, int err, bool remove_temp) {
    *error = what + ": " + errno_text(err);
    if (remove_temp) ::unlink(temp.c_str());
    return false;
  };

  // A temporary file left by a killed writer (ours or Tayga's) is removed, not reused: it
  // may belong to root while we run as `user` (the directory is ours, so unlink works), or
  // be a link that opening would follow. O_EXCL then creates a fresh file of our own.
  if (::unlink(temp.c_str()) != 0 && errno != ENOENT) return fail(temp + ": cannot remove a stale one", errno, false);
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) return fail(temp + ": cannot create", errno, false);
  int err = 0;
  if (!write_all(fd, text, &err)) {
    ::close(fd);
    return fail(temp + ": cannot write", err, true);
  }
  // The data must be on disk before the rename makes it the file: otherwise a power cut
  // after the rename can leave an empty dynamic.map (ext4 with delalloc, for one).
  if (::fsync(fd) != 0) {
    err = errno;
    ::close(fd);
    return fail(temp + ": cannot fsync", err, true);
  }
  if (::close(fd) != 0) return fail(temp + ": cannot close", errno, true);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    return fail(temp + ": cannot rename to " + path, errno, true);
  }
  // The rename is a change to the directory; without this it may be lost in a power cut
  // (the old file comes back, which is safe but loses the bindings just written). Best
  // effort: the file is already replaced, so a directory that cannot be opened or synced
  // does not make the save a failure (which would only rewrite it again and again).
  const int dfd = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return true;
}

DynamicMapWriter::DynamicMapWriter(Clock::time_point start, Options options)
    : options_(options),
      // As if the last attempt were min_interval before the start: the first change is
      // due at once.
      last_attempt_(start - options.min_interval),
      last_success_(start) {}

void DynamicMapWriter::mark_changed(Clock::time_point now) {
  if (!dirty_) changed_at_ = now;  // the oldest unsaved change
  dirty_ = true;
}

DynamicMapWriter::Clock::time_point DynamicMapWriter::next_due() const {
  const Clock::time_point earliest = last_attempt_ + options_.min_interval;
  if (dirty_) return std::max(earliest, changed_at_);
  return std::max(earliest, last_success_ + options_.refresh);
}

void DynamicMapWriter::saved(Clock::time_point now, bool ok) {
  last_attempt_ = now;
  if (ok) {
    last_success_ = now;
    dirty_ = false;
  } else if (!dirty_) {
    dirty_ = true;  // a failed refresh: retried after min_interval like a change
    changed_at_ = now;
  }
}

}  // namespace tundra
