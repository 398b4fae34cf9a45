// The daemon: wiring of configuration, TUN, netlink, data plane, persistence, control
// socket, HTTP listener, logging and signals. Control plane only; the packet path is
// tun/data_plane.cpp.
#include "cli/run.h"

#include <grp.h>
#include <signal.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "cli/control.h"
#include "cli/daemon_view.h"
#include "cli/dynamic_map.h"
#include "cli/http.h"
#include "cli/log.h"
#include "cli/notify.h"
#include "cli/packet_summary.h"
#include "cli/tayga_cli.h"
#include "dns64/server.h"
#include "tun/data_plane.h"
#include "tun/netlink.h"
#include "tun/pool_lock.h"
#include "tun/tun_device.h"

namespace tundra {

// UDP segmentation offload flags (<linux/if_tun.h> of Linux >= 6.2; Debian 12's headers
// predate them).
constexpr unsigned kTunUso4 = 0x20, kTunUso6 = 0x40;

namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 2;
constexpr int kTickMs = 250;  // persistence and binding-event checks

// Routes into the TUN, by family.
struct TunRoutes {
  std::vector<Ipv4Prefix> v4;
  std::vector<Ipv6Prefix> v6;
};

// The routes `configure-interface` adds: the prefix, the pool, the translator's own
// addresses, and the IPv4 side of each map (including map-file's). Only that side: a map's
// IPv6 side is usually a real IPv6 host, whose traffic must not be pulled into the TUN (a
// map standing for IPv4 servers needs a tun-route; docs/configuration.md).
TunRoutes configured_routes(const TranslatorConfig& t, const Translator& translator) {
  TunRoutes r;
  if (t.prefix) r.v6.push_back(t.prefix->prefix());
  if (t.dynamic_pool) r.v4.push_back(*t.dynamic_pool);
  r.v4.push_back(Ipv4Prefix{t.ipv4_addr, 32});
  const Ipv6Address self6 = t.effective_ipv6_addr();
  if (!(t.prefix && t.prefix->contains(self6))) r.v6.push_back(Ipv6Prefix{self6, 128});
  for (const auto& m : translator.eam().entries()) r.v4.push_back(m.v4);
  return r;
}

// The IPv6 sides of the static maps (map and map-file): their clients get no dynamic binding.
std::vector<Ipv6Prefix> static_ipv6_sides(const Translator& translator) {
  std::vector<Ipv6Prefix> sides;
  for (const auto& m : translator.eam().entries()) sides.push_back(m.v6);
  return sides;
}

// `tun-route`: added whatever configure-interface says.
TunRoutes extra_routes(const Config& config) {
  TunRoutes r;
  for (const auto& p : config.tun_routes) {
    if (const auto* p4 = std::get_if<Ipv4Prefix>(&p)) {
      r.v4.push_back(*p4);
    } else {
      r.v6.push_back(std::get<Ipv6Prefix>(p));
    }
  }
  return r;
}

// Reads `map-file` (Tayga: extra `map` lines, reloaded on SIGHUP): one "[map] IPv4[/len]
// IPv6[/len]" per line, '#' comments.
bool read_map_file(const std::string& path, std::vector<EamEntry>* out, std::string* error) {
  std::ifstream in(path);
  if (!in) {
    *error = path + ": " + std::strerror(errno);
    return false;
  }
  std::string line;
  unsigned number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
    std::vector<std::string> words;
    std::string word;
    for (char c : line) {
      if (c == ' ' || c == '\t' || c == '\r') {
        if (!word.empty()) words.push_back(std::move(word)), word.clear();
      } else {
        word += c;
      }
    }
    if (!word.empty()) words.push_back(std::move(word));
    if (words.empty()) continue;
    if (words.size() == 3 && (words[0] == "map" || words[0] == "MAP")) words.erase(words.begin());
    auto v4 = words.size() == 2 ? Ipv4Prefix::parse(words[0]) : std::nullopt;
    auto v6 = words.size() == 2 ? Ipv6Prefix::parse(words[1]) : std::nullopt;
    if (!v4 || !v6) {
      *error = path + ":" + std::to_string(number) + ": expected \"map IPv4[/len] IPv6[/len]\"";
      return false;
    }
    out->push_back(EamEntry{*v4, *v6});
  }
  return true;
}

// Loads the configuration (or the defaults) plus map-file, and builds a Translator that
// keeps `pool` when its options are unchanged.
std::unique_ptr<Translator> load_everything(const RunOptions& options, Config* config,
                                            std::shared_ptr<DynamicPool> pool, std::string* error) {
  Config loaded;
  if (!options.config_path.empty() && !load_config(options.config_path, &loaded, error, options.format)) {
    return nullptr;
  }
  for (const auto& w : loaded.warnings) log_warn("{}", w);
  if (options.pid_file) loaded.pid_file = *options.pid_file;
  if (options.user) loaded.user = *options.user;
  if (options.group) loaded.group = *options.group;
  TranslatorConfig effective = loaded.translator;
  if (!loaded.map_file.empty()) {
    std::vector<EamEntry> extra;
    if (!read_map_file(loaded.map_file, &extra, error)) return nullptr;
    effective.maps.insert(effective.maps.end(), extra.begin(), extra.end());
  }
  auto t = Translator::create(effective, error, std::move(pool));
  if (!t) {
    *error = (options.config_path.empty() ? std::string("built-in configuration") : options.config_path) + ": " + *error;
    return nullptr;
  }
  *config = std::move(loaded);
  return std::make_unique<Translator>(std::move(*t));
}

// Which log category a packet belongs to (Tayga's `log drop reject icmp self dyn`).
std::optional<LogCategory> category_of(const Result& r) {
  switch (r.reason) {
    case Counter::kEchoReplied4:
    case Counter::kEchoReplied6:
    case Counter::kDropToSelf4:
    case Counter::kDropToSelf6:
      return LogCategory::kSelf;
    default:
      break;
  }
  if (r.verdict == Verdict::kReply) return LogCategory::kReject;
  if (r.verdict == Verdict::kDrop) return LogCategory::kDrop;
  return std::nullopt;
}

class Daemon final : public DaemonView {
 public:
  explicit Daemon(RunOptions options) : options_(std::move(options)) {}
  int run();

  // DaemonView (called under lock_daemon_view()).
  std::vector<MappingRow> mappings() override;
  StatsSnapshot stats() override;
  std::string config_text() override { return format_config_toml(config_); }
  ReloadResult reload() override;
  bool healthy() override {
    return (!plane_ || plane_->healthy()) && (!dns64_ || dns64_->healthy());
  }

 private:
  bool set_up_interface(std::string* error);
  std::string update_interface(bool configure);
  bool enable_offloads(TunOptions options, std::string* error);
  void check_bindings(bool final);
  bool drop_privileges(std::string* error);
  bool start_translator(std::unique_ptr<Translator> translator, std::string* error);
  bool start_dns64(std::string* error);
  std::string reload_dns64(const Config& next);

  RunOptions options_;
  Config config_;
  TunDevice tun_;
  bool coalesce_udp_ = false;  // the kernel takes USO (tun/coalesce.h)
  // ", busy-poll 20000 µs" when busy-poll is on (log and show stats), else "".
  std::string busy_poll_note() const {
    return config_.busy_poll_us == 0 ? "" : ", busy-poll " + std::to_string(config_.busy_poll_us) + " µs";
  }
  std::string offload_mode_;  // for show stats: "offload (csum tso4 tso6 uso)" or "plain (why)"
  InterfaceConfigurator netlink_;
  std::unique_ptr<DataPlane> plane_;
  MutexPoolLock pool_lock_;
  std::int64_t started_at_ = 0;
  // The last bindings seen, to log RFC 6888-style events and to know when to persist.
  std::map<Ipv6Address, Binding> last_bindings_;
  std::unique_ptr<DynamicMapWriter> writer_;
  std::string last_save_error_;  // the last failed save's message, "" after a success
  std::unique_ptr<dns64::Server> dns64_;  // the DNS64, when the configuration has [dns64]
};

dns64::ServerLog dns64_log() {
  dns64::ServerLog log;
  log.query = [](std::string_view line) { log_write(LogLevel::kInfo, line); };
  log.warn = [](std::string_view line) { log_write(LogLevel::kWarn, line); };
  log.info = [](std::string_view line) { log_write(LogLevel::kInfo, line); };
  return log;
}

bool Daemon::start_dns64(std::string* error) {
  if (!config_.dns64) return true;
  dns64_ = dns64::Server::start(*config_.dns64, dns64_log(), error);
  if (!dns64_) return false;
  std::string listening;
  for (const auto& a : dns64_->bound_addresses()) listening += (listening.empty() ? "" : " ") + a;
  log_info("dns64: serving on {} (udp and tcp), prefix {}, upstreams {}", listening,
           config_.dns64->prefix ? config_.dns64->prefix->to_string() : Rfc6052Prefix::well_known().to_string(),
           config_.dns64->upstreams.size());
  return true;
}

// Brings the DNS64 in line with `next`: reconfigured, started or stopped. "" or the error.
std::string Daemon::reload_dns64(const Config& next) {
  if (!next.dns64) {
    if (dns64_) log_info("dns64: stopped ([dns64] is gone from the configuration)");
    dns64_.reset();
    return "";
  }
  if (dns64_) return dns64_->reload(*next.dns64);
  std::string error;
  dns64_ = dns64::Server::start(*next.dns64, dns64_log(), &error);
  return dns64_ ? "" : error;
}

// `offload = "auto"` (tun/offload.h): checksum and TCP segmentation offloads, plus UDP's
// where the kernel has them (Linux >= 6.2; USO4 and USO6 are accepted only together). When
// the kernel refuses even the first set, the queues are reopened without virtio-net
// headers and the data path runs in plain mode.
bool Daemon::enable_offloads(TunOptions options, std::string* error) {
  if (!tun_.vnet_hdr()) {
    offload_mode_ = "plain (offload = \"off\")";
    return true;
  }
  constexpr unsigned kTcpOffloads = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
  if (Status s = tun_.set_offload(kTcpOffloads); !s) {
    log_warn("{}; running in plain mode, one packet per read and write", s.message());
    offload_mode_ = "plain (the kernel refused offloads)";
    tun_.close();
    options.vnet_hdr = false;
    if (Status r = tun_.open(options); !r) return *error = r.message(), false;
    return true;
  }
  if (tun_.set_offload(kTcpOffloads | kTunUso4 | kTunUso6)) {
    // A kernel that takes USO also takes UDP_L4 super-packets written to it: coalesce.
    coalesce_udp_ = true;
    offload_mode_ = "offload (csum tso4 tso6 uso4 uso6, UDP coalescing)";
  } else {
    offload_mode_ = "offload (csum tso4 tso6)";
  }
  log_info("tun {}: {}", tun_.name(), offload_mode_);
  return true;
}

bool Daemon::set_up_interface(std::string* error) {
  if (Status s = netlink_.open(tun_.name()); !s) return *error = s.message(), false;
  const TranslatorConfig& t = config_.translator;
  auto check = [&](Status s) {
    if (!s) *error = s.message();
    return s.is_ok();
  };
  auto add_all = [&](const TunRoutes& routes) {
    for (const auto& p : routes.v4) {
      if (!check(netlink_.add_route(p))) return false;
    }
    for (const auto& p : routes.v6) {
      if (!check(netlink_.add_route(p))) return false;
    }
    return true;
  };
  if (config_.configure_interface) {
    if (!check(netlink_.set_mtu(t.mtu)) || !check(netlink_.set_txqueuelen(10000)) || !check(netlink_.set_up())) {
      return false;
    }
    if (!add_all(configured_routes(t, plane_->translator()))) return false;
  }
  for (const auto& a : config_.tun_ips) {
    bool ok = std::holds_alternative<Ipv4Address>(a.address)
                  ? check(netlink_.add_address(std::get<Ipv4Address>(a.address), a.length))
                  : check(netlink_.add_address(std::get<Ipv6Address>(a.address), a.length));
    if (!ok) return false;
  }
  if (!add_all(extra_routes(config_))) return false;
  for (const auto& note : netlink_.notes()) log_info("{}", note);
  return true;
}

// A reload changed the prefix, the pool, ipv4-addr, ipv6-addr, a map, the map-file or a
// tun-route: the routes follow (new ones added, ours no longer wanted removed), and with
// configure-interface the MTU too. The translator is already swapped in, so a failure is
// logged and returned (one line, "" for none), not refused.
std::string Daemon::update_interface(bool configure) {
  TunRoutes routes = configure ? configured_routes(config_.translator, plane_->translator()) : TunRoutes{};
  const TunRoutes extra = extra_routes(config_);
  routes.v4.insert(routes.v4.end(), extra.v4.begin(), extra.v4.end());
  routes.v6.insert(routes.v6.end(), extra.v6.begin(), extra.v6.end());
  Failures failures;
  const auto check = [&](const Status& s) {
    if (s) return;
    log_error("reload: {}", s.message());
    failures.add(s.message());
  };
  if (configure) check(netlink_.set_mtu(config_.translator.mtu));
  check(netlink_.set_routes(routes.v4, routes.v6));
  for (const auto& note : netlink_.notes()) log_info("reload: {}", note);
  return failures.text;
}

// The capabilities the daemon keeps after dropping to `user` (docs/security.md):
// CAP_NET_ADMIN to remove its routes and addresses on exit and to change them on reload,
// CAP_NET_BIND_SERVICE for a DNS64 `listen` on port 53 added by a reload. Nothing else.
constexpr int kKeptCapabilities[] = {CAP_NET_ADMIN, CAP_NET_BIND_SERVICE};

// Makes the kept capabilities the only permitted and effective ones (after setuid, which
// cleared the effective set but, with PR_SET_KEEPCAPS, not the permitted one).
bool keep_only_kept_capabilities(std::string* error) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2] = {};
  for (int cap : kKeptCapabilities) {
    data[cap / 32].permitted |= 1u << (cap % 32);
    data[cap / 32].effective |= 1u << (cap % 32);
  }
  if (::syscall(SYS_capset, &header, data) != 0) {
    *error = std::string("capset: ") + std::strerror(errno);
    return false;
  }
  return true;
}

// Removes every other capability from the bounding set, so no exec can regain it. Best
// effort: it needs CAP_SETPCAP, which a systemd unit with a CapabilityBoundingSet has
// removed already (the permitted set and NO_NEW_PRIVS hold the line then).
void limit_bounding_set() {
  for (int cap = 0; cap <= CAP_LAST_CAP; ++cap) {
    if (std::find(std::begin(kKeptCapabilities), std::end(kKeptCapabilities), cap) != std::end(kKeptCapabilities)) continue;
    if (::prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1 && ::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
      log_debug("capability {} stays in the bounding set: {}", cap, std::strerror(errno));
    }
  }
}

bool Daemon::drop_privileges(std::string* error) {
  if (config_.user.empty() && config_.group.empty()) return true;
  AccountFiles files;
  std::optional<std::uint32_t> uid, gid;
  if (!config_.user.empty()) {
    ResolvedUser u;
    if (!resolve_user(config_.user, files, &u, error)) return false;
    uid = u.uid;
    gid = u.gid;
  }
  if (!config_.group.empty()) {
    std::uint32_t g = 0;
    if (!resolve_group(config_.group, files, &g, error)) return false;
    gid = g;
  }
  // The data directory must stay writable for dynamic.map.
  if (!config_.translator.data_dir.empty() && uid) {
    if (chown(config_.translator.data_dir.c_str(), *uid, gid.value_or(static_cast<std::uint32_t>(-1))) != 0) {
      log_warn("data-dir {}: chown: {}", config_.translator.data_dir, std::strerror(errno));
    }
  }
  limit_bounding_set();
  // Keep the permitted set across setuid (cleared again by capset below to the kept ones).
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) {
    *error = std::string("PR_SET_KEEPCAPS: ") + std::strerror(errno);
    return false;
  }
  if (gid) {
    gid_t g = *gid;
    if (setgroups(1, &g) != 0 || setgid(g) != 0) {
      *error = std::string("setgid ") + std::to_string(g) + ": " + std::strerror(errno);
      return false;
    }
  }
  if (uid && setuid(*uid) != 0) {
    *error = std::string("setuid ") + std::to_string(*uid) + ": " + std::strerror(errno);
    return false;
  }
  if (!keep_only_kept_capabilities(error)) return false;
  (void)::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  // No exec of ours may gain privileges (set-uid binaries, file capabilities).
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    *error = std::string("PR_SET_NO_NEW_PRIVS: ") + std::strerror(errno);
    return false;
  }
  log_info("running as uid {} gid {} with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE only", getuid(), getgid());
  return true;
}

std::vector<MappingRow> Daemon::mappings() {
  std::vector<MappingRow> rows;
  if (!plane_) return rows;
  const Translator& t = plane_->translator();
  const TranslatorConfig& c = t.config();
  if (c.prefix) {
    rows.push_back(MappingRow{c.prefix->to_string(), "0.0.0.0/0", MappingKind::kPrefix, MappingState::kPermanent, 0, 0});
  }
  for (const auto& m : t.eam().entries()) {
    auto v6 = m.v6.length == 128 ? m.v6.address.to_string() : m.v6.to_string();
    auto v4 = m.v4.length == 32 ? m.v4.address.to_string() : m.v4.to_string();
    rows.push_back(MappingRow{v6, v4, MappingKind::kStatic, MappingState::kPermanent, 0, 0});
  }
  if (const DynamicPool* pool = t.pool()) {
    const UnixSeconds now = DataPlane::coarse_now();
    const UnixSeconds drift = DataPlane::wall_clock_drift();  // shown in the wall clock of now
    for (const Binding& b : pool->bindings(now)) {
      const bool active = b.state == BindingState::kActive;
      const UnixSeconds last_use = b.last_use + drift;
      rows.push_back(MappingRow{b.v6.to_string(), b.v4.to_string(), MappingKind::kDynamic,
                                active ? MappingState::kActive : MappingState::kDormant, last_use,
                                last_use + (active ? c.dynamic_dormant_after : c.dynamic_free_after)});
    }
  }
  return rows;
}

StatsSnapshot Daemon::stats() {
  StatsSnapshot s;
  const UnixSeconds drift = DataPlane::wall_clock_drift();  // shown in the wall clock of now
  s.started_at = started_at_ + drift;
  s.now = DataPlane::coarse_now() + drift;
  if (dns64_) s.dns64 = dns64_->stats();
  if (!plane_) {
    s.data_path_mode = "off (DNS64 only)";
    return s;
  }
  s.total = plane_->total();
  s.per_worker = plane_->per_worker();
  s.data_path_mode = offload_mode_ + ", " + std::to_string(plane_->workers()) + (plane_->workers() == 1 ? " queue" : " queues") +
                     busy_poll_note();
  if (!plane_->pinned_cpus().empty()) s.data_path_mode += " on " + plane_->pinned_cpus();
  return s;
}

ReloadResult Daemon::reload() {
  notify_reloading();
  Config next;
  std::string error;
  auto t = load_everything(options_, &next, plane_ ? plane_->translator().shared_pool() : nullptr, &error);
  if (!t) {
    log_error("reload refused, the running configuration stays: {}", error);
    notify_ready("reload refused");
    return ReloadResult::refused(error);
  }
  if (next.translator_enabled != config_.translator_enabled) {
    log_warn("reload: adding or removing the [translator] table takes effect at the next restart");
  }
  if (std::string e = reload_dns64(next); !e.empty()) {
    log_error("reload refused, the running configuration stays: {}", e);
    notify_ready("reload refused");
    return ReloadResult::refused(e);
  }
  if (!plane_) {
    config_ = std::move(next);
    set_log_level(parse_log_level(config_.log_level).value_or(LogLevel::kInfo));
    log_info("configuration reloaded from {}", options_.config_path);
    notify_ready("reloaded");
    return {};
  }
  if (next.translator.tun_device != config_.translator.tun_device || next.workers != config_.workers ||
      next.offload != config_.offload || next.pin_workers != config_.pin_workers ||
      next.busy_poll_us != config_.busy_poll_us || next.configure_interface != config_.configure_interface ||
      next.tun_ips != config_.tun_ips) {
    log_warn(
        "reload: tun-device, workers, pin-workers, busy-poll, offload, configure-interface and tun-ip take effect at "
        "the next restart");
  }
  const bool configure = config_.configure_interface;  // the running one, as just said
  // The pool changed shape: carry over the bindings that still fit, except clients that a
  // static map now covers (as a start does with dynamic.map).
  std::shared_ptr<DynamicPool> replaced;
  const std::vector<Ipv6Prefix> statics = static_ipv6_sides(*t);
  if (t->shared_pool() != plane_->translator().shared_pool() && plane_->translator().pool() && t->pool()) {
    replaced = plane_->translator().shared_pool();
    (void)carry_bindings(*replaced, *t->pool(), DataPlane::coarse_now(), statics);
  }
  if (t->pool()) {
    t->pool()->set_writer_lock(&pool_lock_);
    t->pool()->set_new_per_second(next.translator.dynamic_new_per_second);  // a kept pool's too
  }
  plane_->swap_translator(std::move(t));
  // Workers bound new clients in the old pool until they all took the new translator,
  // which swap_translator() waited for: copy those too, unless they have rebound since.
  if (replaced) (void)carry_bindings(*replaced, *plane_->translator().pool(), DataPlane::coarse_now(), statics);
  // A kept pool may hold clients that a new static map now covers.
  if (DynamicPool* pool = plane_->translator().pool()) (void)forget_static_clients(*pool, DataPlane::coarse_now(), statics);
  config_ = std::move(next);
  const std::string interface_problem = update_interface(configure);
  set_log_level(parse_log_level(config_.log_level).value_or(LogLevel::kInfo));
  std::uint8_t mask = 0;
  std::string ignored;
  if (parse_log_categories(config_.log_categories, &mask, &ignored)) set_log_categories(mask);
  log_info("configuration reloaded from {}", options_.config_path.empty() ? "built-in defaults" : options_.config_path);
  notify_ready(interface_problem.empty() ? "reloaded" : "reloaded, but the interface did not follow: " + interface_problem);
  return {true, interface_problem};
}

// Logs binding events (RFC 6888 §4: a NAT should log mapping creation and deletion) and
// marks dynamic.map for saving when ownership changed.
void Daemon::check_bindings(bool final) {
  if (!plane_) return;
  const DynamicPool* pool = plane_->translator().pool();
  if (!pool) return;
  const UnixSeconds now = DataPlane::coarse_now();
  // Times logged and saved are in the wall clock of now: dynamic.map must stay right for the
  // next start even when the clock was set after this one (a router without an RTC).
  const UnixSeconds drift = DataPlane::wall_clock_drift();
  std::map<Ipv6Address, Binding> current;
  for (const Binding& b : pool->bindings(now)) current.emplace(b.v6, b);
  bool changed = false;
  for (const auto& [v6, b] : current) {
    auto old = last_bindings_.find(v6);
    if (old == last_bindings_.end() || old->second.v4 != b.v4) {
      changed = true;
      log_binding_created(v6, b.v4);
    } else if (old->second.state != b.state) {
      if (b.state == BindingState::kActive) {
        log_binding_reactivated(v6, b.v4);
      } else {
        log_binding_dormant(v6, b.v4, b.last_use + drift);
      }
    }
  }
  for (const auto& [v6, b] : last_bindings_) {
    if (!current.count(v6)) {
      changed = true;
      log_binding_expired(v6, b.v4, b.last_use + drift);
    }
  }
  last_bindings_ = std::move(current);
  if (config_.translator.data_dir.empty() || !writer_) return;
  const auto clock = DynamicMapWriter::Clock::now();
  if (changed) writer_->mark_changed(clock);
  if (final || writer_->due(clock)) {
    std::vector<Binding> all;
    for (const auto& [v6, b] : last_bindings_) {
      all.push_back(b);
      all.back().last_use += drift;
    }
    std::string error;
    bool ok = save_dynamic_map(dynamic_map_path(config_.translator.data_dir), all, now + drift, &error);
    // A full disk fails every retry (twice a second): say so once, and once when it heals.
    if (!ok && error != last_save_error_) log_error("{} (retrying every 0.5 s; said once)", error);
    if (ok && !last_save_error_.empty()) log_info("dynamic.map saved again");
    last_save_error_ = ok ? "" : error;
    writer_->saved(clock, ok);
  }
}

// Packets reach the TUN and leave it only when this network namespace forwards them. A new
// namespace (a container) starts with forwarding off and some container hosts (RouterOS)
// cannot switch it on; say so at start rather than translate nothing in silence.
void warn_if_forwarding_is_off() {
  const struct {
    const char* path;
    const char* family;
  } knobs[] = {{"/proc/sys/net/ipv6/conf/all/forwarding", "IPv6"}, {"/proc/sys/net/ipv4/ip_forward", "IPv4"}};
  for (const auto& k : knobs) {
    std::ifstream in(k.path);
    std::string value;
    if (in >> value && value == "0") {
      log_warn("{} forwarding is off in this network namespace ({} = 0): translated packets will not be "
               "forwarded between the TUN and other interfaces (set forwarding = \"enable\", or see docs/deployment.md)",
               k.family, k.path);
    }
  }
}

// `forwarding = "enable"`: switch IPv6 and IPv4 forwarding on in this network namespace,
// for containers whose host cannot set sysctls (RouterOS). False with one line naming the
// file when it cannot be written (a read-only /proc/sys: forwarding must then be enabled
// from outside).
bool enable_forwarding(std::string* error) {
  for (const char* path : {"/proc/sys/net/ipv6/conf/all/forwarding", "/proc/sys/net/ipv4/ip_forward"}) {
    std::ofstream out(path);
    if (out << "1\n" << std::flush) continue;
    const int e = errno;
    *error = std::string("forwarding = \"enable\": cannot write 1 to ") + path + ": " + std::strerror(e) +
             " (enable forwarding from outside the container, or set forwarding = \"keep\")";
    return false;
  }
  log_info("forwarding = \"enable\": IPv6 and IPv4 forwarding switched on in this network namespace");
  return true;
}

// Restores dynamic.map, opens the TUN, configures it and builds the data plane (not yet
// started); false with `*error` set on failure.
bool Daemon::start_translator(std::unique_ptr<Translator> translator, std::string* error) {
  // Persisted bindings come back before the first packet.
  if (!config_.translator.data_dir.empty()) {
    mkdir(config_.translator.data_dir.c_str(), 0755);
    if (DynamicPool* pool = translator->pool()) {
      DynamicMap map;
      std::vector<std::string> warnings;
      if (!load_dynamic_map(dynamic_map_path(config_.translator.data_dir), &map, &warnings, error)) {
        return false;
      }
      RestoreSummary r =
          restore_into(*pool, map, DataPlane::coarse_now(), &warnings, static_ipv6_sides(*translator));
      for (const auto& w : warnings) log_warn("{}", w);
      log_info("{}: restored {} bindings ({} active, {} dormant, {} refused)", map.path, r.restored(), r.active,
               r.dormant, r.refused);
    }
    writer_ = std::make_unique<DynamicMapWriter>(DynamicMapWriter::Clock::now());
  }
  if (DynamicPool* pool = translator->pool()) pool->set_writer_lock(&pool_lock_);

  TunOptions tun_options;
  tun_options.name = config_.translator.tun_device;
  tun_options.queues = config_.workers != 0 ? config_.workers
                                            : std::max(1u, std::min(64u, std::thread::hardware_concurrency()));
  tun_options.vnet_hdr = config_.offload;
  if (Status s = tun_.open(tun_options); !s) {
    *error = "tun-device " + tun_options.name + ": " + s.message();
    return false;
  }
  if (!tun_.note().empty()) log_info("{}", tun_.note());
  if (!enable_offloads(tun_options, error)) {
    *error = "tun-device " + tun_options.name + ": " + *error;
    return false;
  }
  std::vector<int> fds(tun_.queue_fds().begin(), tun_.queue_fds().end());
  plane_ = std::make_unique<DataPlane>(fds, std::move(translator), tun_.vnet_hdr());
  plane_->set_coalesce_udp(coalesce_udp_);
  if (!set_up_interface(error)) {
    *error = "tun-device " + tun_.name() + ": " + *error;
    (void)netlink_.undo();
    return false;
  }
  if (log_categories() & (static_cast<std::uint8_t>(LogCategory::kDrop) | static_cast<std::uint8_t>(LogCategory::kReject) |
                          static_cast<std::uint8_t>(LogCategory::kIcmp) | static_cast<std::uint8_t>(LogCategory::kSelf))) {
    plane_->set_observer(
        [](Counter c) {
          return c != Counter::kTranslated46 && c != Counter::kTranslated64 && c != Counter::kFragmented46 &&
                 c != Counter::kHairpinned;
        },
        [](ConstBytes in, const Result& r, const Output& out) {
          auto category = category_of(r);
          if (!category) return;
          if (log_category_enabled(*category)) log_packet(*category, counter_name(r.reason), describe_packet(in));
          if (r.verdict == Verdict::kReply && *category != LogCategory::kSelf && log_category_enabled(LogCategory::kIcmp)) {
            for (std::size_t i = 0; i < out.count; ++i) {
              log_category_write(LogCategory::kIcmp, "sent " + describe_packet(out.packets[i]));
            }
          }
        });
  }

  return true;
}

int Daemon::run() {
  // Signals are taken synchronously through a signalfd; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);
  const int sigfd = signalfd(-1, &signals, SFD_CLOEXEC);

  std::string error;
  auto translator = load_everything(options_, &config_, nullptr, &error);
  if (!translator) {
    std::cerr << error << '\n';
    return kExitFailure;
  }
  if (options_.debug) config_.log_level = "debug";
  set_log_style(detect_log_style());
  set_log_level(parse_log_level(config_.log_level).value_or(LogLevel::kInfo));
  std::uint8_t mask = 0;
  if (!parse_log_categories(config_.log_categories, &mask, &error)) {
    std::cerr << error << '\n';
    return kExitFailure;
  }
  set_log_categories(mask);
  if (options_.config_path.empty()) log_info("no -c given: running on the built-in default configuration");

  if (config_.translator_enabled) {
    if (config_.enable_forwarding && !enable_forwarding(&error)) {
      std::cerr << error << '\n';
      return kExitFailure;
    }
    if (!start_translator(std::move(translator), &error)) {
      std::cerr << error << '\n';
      return kExitFailure;
    }
    warn_if_forwarding_is_off();
  } else {
    log_info("no [translator] table: running the DNS64 alone, without a TUN");
  }
  if (!config_.pid_file.empty()) {
    std::ofstream(config_.pid_file) << getpid() << '\n';
  }
  ControlServer control(*this);
  HttpServer http(*this);
  if (!config_.control_socket.empty() && !control.start(config_.control_socket, &error)) {
    std::cerr << error << '\n';
    (void)netlink_.undo();
    return kExitFailure;
  }
  if (!config_.http_listen.empty() && !http.start(config_.http_listen, &error)) {
    std::cerr << error << '\n';
    (void)netlink_.undo();
    return kExitFailure;
  }
  if (!start_dns64(&error)) {
    std::cerr << error << '\n';
    (void)netlink_.undo();
    return kExitFailure;
  }
  if (!drop_privileges(&error)) {
    std::cerr << error << '\n';
    (void)netlink_.undo();
    return kExitFailure;
  }

  started_at_ = DataPlane::coarse_now();
  if (plane_) {
    plane_->set_pin_workers(config_.pin_workers);
    plane_->set_busy_poll(std::chrono::microseconds(config_.busy_poll_us));
    plane_->start();
    auto lock = lock_daemon_view();
    check_bindings(false);
    log_info("translating on {} ({} {}{}), prefix {}, ipv4-addr {}, ipv6-addr {}", tun_.name(), tun_.queue_count(),
             tun_.queue_count() == 1 ? "queue" : "queues", busy_poll_note(),
             config_.translator.prefix ? config_.translator.prefix->to_string() : std::string("none"),
             config_.translator.ipv4_addr.to_string(), config_.translator.effective_ipv6_addr().to_string());
  }
  notify_ready(plane_ ? "translating" : "serving DNS64");

  bool stopping = false;
  while (!stopping) {
    pollfd p{sigfd, POLLIN, 0};
    int ready = poll(&p, 1, kTickMs);
    if (ready > 0) {
      signalfd_siginfo info{};
      if (read(sigfd, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        if (info.ssi_signo == SIGHUP) {
          auto lock = lock_daemon_view();
          (void)reload();
          check_bindings(true);  // Tayga flushes dynamic.map on SIGHUP
        } else {
          log_info("signal {}: stopping", info.ssi_signo);
          stopping = true;
        }
      }
    }
    if (plane_ && !plane_->healthy()) {
      log_error("data plane stopped: {}", plane_->error());
      stopping = true;
    }
    auto lock = lock_daemon_view();
    check_bindings(false);
  }

  notify_stopping();
  control.stop();
  http.stop();
  dns64_.reset();
  if (!plane_) {
    if (!config_.pid_file.empty()) unlink(config_.pid_file.c_str());
    return kExitOk;
  }
  plane_->stop();
  {
    auto lock = lock_daemon_view();
    check_bindings(true);
  }
  if (Status s = netlink_.undo(); !s) log_warn("{}", s.message());
  tun_.close();
  if (!config_.pid_file.empty()) unlink(config_.pid_file.c_str());
  return plane_->healthy() ? kExitOk : kExitFailure;
}

}  // namespace

int run_daemon(const RunOptions& options) {
  Daemon daemon(options);
  return daemon.run();
}

int make_persistent_tun_from_config(const std::string& config_path, ConfigFormat format, bool remove) {
  Config config;
  std::string error;
  if (!load_config(config_path, &config, &error, format)) {
    std::cerr << error << '\n';
    return kExitFailure;
  }
  Status s = remove ? remove_persistent_tun(config.translator.tun_device)
                    : make_persistent_tun(PersistentTunOptions{config.translator.tun_device, std::nullopt, std::nullopt});
  if (!s) {
    std::cerr << s.message() << '\n';
    return kExitFailure;
  }
  std::cout << (remove ? "Removed" : "Created") << " persistent tun device " << config.translator.tun_device << '\n';
  return kExitOk;
}

}  // namespace tundra
