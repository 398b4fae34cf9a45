#include "dns64/server.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <asio.hpp>
#include <asio/experimental/awaitable_operators.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <utility>
#include <variant>

#include "dns64/cache.h"
#include "dns64/forwarder.h"
#include "dns64/query_view.h"
#include "dns64/rate_limit.h"
#include "dns64/synthesis.h"

namespace tundra::dns64 {
namespace {

using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;
using asio::ip::udp;

constexpr auto kHeartbeat = std::chrono::milliseconds(500);
constexpr auto kProbeInterval = std::chrono::seconds(1);
constexpr std::size_t kUdpBatch = 32;        // datagrams per recvmmsg()/sendmmsg()
constexpr std::size_t kUdpQueryBuffer = 4096;  // larger client datagrams are not queries we answer
// Answers one TCP connection may have waiting to be written or still being looked up.
constexpr std::size_t kMaxQueuedTcpAnswers = 64;

// How a query was answered: the last word of its query log line.
enum class How : std::uint8_t {
  kCache, kLocal, kSynthesized, kPassedThrough, kForwarded, kReverse,
  kRefused, kFormErr, kNotImp, kBadVers, kTimeout, kOverloaded,
};

const char* how_name(How how) {
  switch (how) {
    case How::kCache: return "cache";
    case How::kLocal: return "local";
    case How::kSynthesized: return "synthesized";
    case How::kPassedThrough: return "passed-through";
    case How::kForwarded: return "forwarded";
    case How::kReverse: return "reverse";
    case How::kRefused: return "refused";
    case How::kFormErr: return "formerr";
    case How::kNotImp: return "notimp";
    case How::kBadVers: return "badvers";
    case How::kTimeout: return "timeout";
    case How::kOverloaded: return "overloaded";
  }
  return "?";
}

struct Counters {
#define TUNDRA_DNS64_ATOMIC(name, help) std::atomic<std::uint64_t> name{0};
  TUNDRA_DNS64_COUNTERS(TUNDRA_DNS64_ATOMIC)
#undef TUNDRA_DNS64_ATOMIC
  std::array<std::atomic<std::uint64_t>, 2> queries{};  // UDP, TCP
  std::array<std::atomic<std::uint64_t>, 17> responses_by_rcode{};
};

// A zone block with its upstreams resolved to shared health records.
struct ZoneRoute {
  dns::Name name;
  bool dns64 = true;
  std::vector<std::shared_ptr<Upstream>> upstreams;
};

// The configuration in the form the loop uses; replaced whole on reload.
struct Settings {
  Config config;
  SynthesisSettings synthesis;
  std::vector<std::shared_ptr<Upstream>> upstreams;  // the global list
  std::vector<ZoneRoute> zones;
};

struct Client {
  asio::ip::address address;
  std::uint16_t port = 0;
  bool tcp = false;
};

// A place among the lookups in flight (max-lookups), given back when the Request that holds
// it ends.
class LookupSlot {
 public:
  LookupSlot() = default;
  explicit LookupSlot(std::atomic<std::uint64_t>* count) : count_(count) { ++*count_; }
  LookupSlot(LookupSlot&& other) noexcept : count_(std::exchange(other.count_, nullptr)) {}
  LookupSlot& operator=(LookupSlot&& other) noexcept {
    if (this != &other) {
      release();
      count_ = std::exchange(other.count_, nullptr);
    }
    return *this;
  }
  ~LookupSlot() { release(); }

 private:
  void release() {
    if (count_) --*count_;
    count_ = nullptr;
  }
  std::atomic<std::uint64_t>* count_ = nullptr;
};

// A query that needs upstream lookups.
struct Request {
  dns::Message query;
  Client client;
  Clock::time_point start;
  Plan plan = Plan::kForward;
  std::shared_ptr<const Settings> settings;
  const ZoneRoute* zone = nullptr;  // into settings->zones; nullptr = the global upstreams
  CacheKey key;
  std::size_t query_size = 0;
  LookupSlot slot;
};

struct Answer {
  dns::Message reply;
  How how = How::kForwarded;
  bool cacheable = true;  // false: an answer that stands in for a lookup that failed
};

// Where a UDP query was sent, as a control message that makes its reply leave from there
// (IP_PKTINFO, IPV6_PKTINFO). RFC 2181 §4: a client drops a reply whose source is not the
// address it asked. On a listener bound to a wildcard address the kernel would otherwise
// pick the reply's source by route, which on a host with several addresses (a ULA beside a
// global one, say) is often another.
struct ReplySource {
  alignas(cmsghdr) std::array<unsigned char, CMSG_SPACE(sizeof(in6_pktinfo))> control{};
  std::size_t length = 0;  // 0: none (the kernel picks the source)

  // From the control messages of a received datagram.
  static ReplySource of(const msghdr& received) {
    ReplySource r;
    auto* m = const_cast<msghdr*>(&received);  // CMSG_NXTHDR takes non-const pointers; nothing is written
    for (cmsghdr* c = CMSG_FIRSTHDR(m); c != nullptr; c = CMSG_NXTHDR(m, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo in;
        std::memcpy(&in, CMSG_DATA(c), sizeof in);
        in_pktinfo out{};
        out.ipi_spec_dst = in.ipi_spec_dst;  // the local address (for unicast, the query's destination)
        r.set(IPPROTO_IP, IP_PKTINFO, &out, sizeof out);
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo in;
        std::memcpy(&in, CMSG_DATA(c), sizeof in);
        if (IN6_IS_ADDR_MULTICAST(&in.ipi6_addr)) continue;  // not a source: let the kernel pick
        in6_pktinfo out{};
        out.ipi6_addr = in.ipi6_addr;
        // A link-local address means nothing without its link; any other leaves by route.
        if (IN6_IS_ADDR_LINKLOCAL(&in.ipi6_addr)) out.ipi6_ifindex = in.ipi6_ifindex;
        r.set(IPPROTO_IPV6, IPV6_PKTINFO, &out, sizeof out);
      }
    }
    return r;
  }

  void attach(msghdr* m) {
    m->msg_control = length ? control.data() : nullptr;
    m->msg_controllen = length;
  }

 private:
  void set(int level, int type, const void* data, std::size_t size) {
    auto* c = reinterpret_cast<cmsghdr*>(control.data());
    c->cmsg_level = level;
    c->cmsg_type = type;
    c->cmsg_len = CMSG_LEN(size);
    std::memcpy(CMSG_DATA(c), data, size);
    length = CMSG_SPACE(size);
  }
};

// Sends one reply without blocking (a full socket buffer drops it). A source address the
// kernel will not send from (one routed to this host but not on an interface) makes it
// send without one, as if the query had come to a specific address: a reply from another
// address beats none. False: the socket buffer is full.
bool send_reply(int fd, msghdr* m) {
  if (::sendmsg(fd, m, MSG_DONTWAIT) >= 0) return true;
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) return false;
  if (m->msg_controllen != 0) {
    m->msg_control = nullptr;
    m->msg_controllen = 0;
    (void)::sendmsg(fd, m, MSG_DONTWAIT);
  }
  return true;
}

struct Listener {
  std::shared_ptr<udp::socket> datagrams;
  std::shared_ptr<tcp::acceptor> streams;
  std::string bound;  // "127.0.0.1:53"
};

struct TcpSession {
  explicit TcpSession(tcp::socket s, std::atomic<std::uint64_t>& open) : socket(std::move(s)), open_count(open) {
    ++open_count;
  }
  ~TcpSession() { --open_count; }
  tcp::socket socket;
  std::deque<std::vector<std::uint8_t>> out;
  std::size_t pending = 0;  // queries still being looked up
  bool writing = false;
  std::atomic<std::uint64_t>& open_count;
};

bool client_allowed(const Config& config, const asio::ip::address& a) {
  for (const auto& prefix : config.allow_clients) {
    if (const auto* p4 = std::get_if<Ipv4Prefix>(&prefix)) {
      if (a.is_v4() && p4->contains(Ipv4Address{a.to_v4().to_uint()})) return true;
    } else if (a.is_v6()) {
      Ipv6Address v6;
      const auto bytes = a.to_v6().to_bytes();
      std::copy(bytes.begin(), bytes.end(), v6.bytes.begin());
      if (std::get<Ipv6Prefix>(prefix).contains(v6)) return true;
    }
  }
  return false;
}

std::string endpoint_text(const asio::ip::address& a, std::uint16_t port) {
  return a.is_v6() ? "[" + a.to_string() + "]:" + std::to_string(port)
                   : a.to_string() + ":" + std::to_string(port);
}

std::string flags_text(const std::vector<std::uint8_t>& wire) {
  if (wire.size() < dns::kHeaderSize) return "-";
  const std::uint8_t f1 = wire[2], f2 = wire[3];
  std::string s;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!s.empty()) s += ',';
    s += name;
  };
  add(f1 & 0x80, "qr");
  add(f1 & 0x04, "aa");
  add(f1 & 0x02, "tc");
  add(f1 & 0x01, "rd");
  add(f2 & 0x80, "ra");
  add(f2 & 0x20, "ad");
  add(f2 & 0x10, "cd");
  return s.empty() ? "-" : s;
}

}  // namespace

struct Server::Impl {
  // Decremented by what the io_context's pending coroutines hold (TcpSession, LookupSlot),
  // which it destroys last: declared before it, so they outlive it.
  std::atomic<std::uint64_t> tcp_open{0};
  std::atomic<std::uint64_t> lookups{0};  // Requests alive (LookupSlot); written by the loop only
  asio::io_context io{1};
  ServerLog log;
  std::shared_ptr<const Settings> settings;  // the loop's; swapped on the loop by reload()
  Cache cache{0};
  ClientRateLimiter rate_limiter{0};  // the loop's, like the cache
  Counters counters;
  std::mutex upstream_guard;  // Upstream fields, all_upstreams
  std::vector<std::shared_ptr<Upstream>> all_upstreams;
  std::map<std::string, Listener> listeners;  // by configured endpoint; control thread only
  mutable std::mutex bound_guard;
  std::vector<std::string> bound;
  std::atomic<std::int64_t> heartbeat_ms{0};
  std::atomic<std::uint64_t> cache_entries{0};
  std::thread thread;

  ~Impl() {
    io.stop();
    if (thread.joinable()) thread.join();
  }

  // --- Configuration -------------------------------------------------------------------

  std::shared_ptr<Upstream> upstream_for(const Endpoint& e) {
    std::lock_guard lock(upstream_guard);
    for (const auto& u : all_upstreams) {
      if (u->endpoint == e) return u;
    }
    auto u = std::make_shared<Upstream>();
    u->endpoint = e;
    u->name = e.to_string();
    all_upstreams.push_back(u);
    return u;
  }

  std::shared_ptr<const Settings> make_settings(const Config& config) {
    auto s = std::make_shared<Settings>();
    s->config = config;
    s->synthesis.prefix = config.prefix.value_or(Rfc6052Prefix::well_known());
    s->synthesis.translate_all = config.translate_all;
    s->synthesis.exclude = config.exclude;
    for (const Endpoint& e : config.upstreams) s->upstreams.push_back(upstream_for(e));
    for (const Zone& z : config.zones) {
      ZoneRoute route{z.name, z.dns64, {}};
      for (const Endpoint& e : z.upstreams) route.upstreams.push_back(upstream_for(e));
      if (route.upstreams.empty()) route.upstreams = s->upstreams;
      s->zones.push_back(std::move(route));
    }
    // Forget upstreams no longer named anywhere.
    std::lock_guard lock(upstream_guard);
    std::erase_if(all_upstreams, [&](const std::shared_ptr<Upstream>& u) {
      auto named = [&](const std::vector<Endpoint>& list) {
        return std::find(list.begin(), list.end(), u->endpoint) != list.end();
      };
      if (named(config.upstreams)) return false;
      for (const Zone& z : config.zones) {
        if (named(z.upstreams)) return false;
      }
      return true;
    });
    return s;
  }

  // Binds UDP and TCP on `e` (TCP on the port UDP got, for port 0).
  bool bind(const Endpoint& e, Listener* out, std::string* error) {
    const asio::ip::address address = to_asio(e);
    asio::error_code ec;
    auto fail = [&](const char* what) {
      *error = "dns64: listen '" + e.to_string() + "': " + what + ": " + ec.message();
      return false;
    };
    out->datagrams = std::make_shared<udp::socket>(io);
    udp::endpoint udp_at(address, e.port);
    out->datagrams->open(udp_at.protocol(), ec);
    if (ec) return fail("UDP socket");
    if (address.is_v6()) out->datagrams->set_option(asio::ip::v6_only(true), ec);
    // On a wildcard address, learn each query's destination so that its reply leaves from
    // there (ReplySource); a socket bound to one address sends from it anyway. Free bind
    // lets IPv6 send from an address routed to this host but on no interface (AnyIP), as
    // IPv4 does.
    if (address.is_unspecified()) {
      const int fd = out->datagrams->native_handle();
      const int on = 1;
      if (::setsockopt(fd, address.is_v6() ? IPPROTO_IPV6 : IPPROTO_IP, address.is_v6() ? IPV6_RECVPKTINFO : IP_PKTINFO,
                       &on, sizeof on) != 0 ||
          ::setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &on, sizeof on) != 0) {
        ec = asio::error_code(errno, asio::system_category());
        return fail("UDP packet info");
      }
    }
    out->datagrams->bind(udp_at, ec);
    if (ec) return fail("UDP bind");
    const std::uint16_t port = out->datagrams->local_endpoint().port();
    out->streams = std::make_shared<tcp::acceptor>(io);
    tcp::endpoint tcp_at(address, port);
    out->streams->open(tcp_at.protocol(), ec);
    if (ec) return fail("TCP socket");
    out->streams->set_option(asio::socket_base::reuse_address(true), ec);
    if (address.is_v6()) out->streams->set_option(asio::ip::v6_only(true), ec);
    out->streams->bind(tcp_at, ec);
    if (ec) return fail("TCP bind");
    out->streams->listen(128, ec);
    if (ec) return fail("TCP listen");
    out->bound = endpoint_text(address, port);
    return true;
  }

  void start_listener(const Listener& l) {
    asio::co_spawn(io, udp_loop(l.datagrams), asio::detached);
    asio::co_spawn(io, accept_loop(l.streams), asio::detached);
  }

  void refresh_bound(const Config& config) {
    std::lock_guard lock(bound_guard);
    bound.clear();
    for (const Endpoint& e : config.listen) {
      auto it = listeners.find(e.to_string());
      if (it != listeners.end()) bound.push_back(it->second.bound);
    }
  }

  // --- Counting and logging --------------------------------------------------------------

  void count(int event) {
    switch (event) {
      case kEventQuery: ++counters.upstream_queries; break;
      case kEventTcpRetry: ++counters.upstream_tcp_retries; break;
      case kEventFailure: ++counters.upstream_failures; break;
      case kEventMismatch: ++counters.upstream_mismatched; break;
      default: break;
    }
  }

  void health_changed(const Upstream& u, bool up) {
    if (up) {
      if (log.info) log.info("dns64: upstream " + u.name + " answers again");
    } else if (log.warn) {
      log.warn("dns64: upstream " + u.name + " is down (no answer); it is tried last until it answers a probe");
    }
  }

  // Counts the answer and writes the query log line (CoreDNS's log format, then how).
  void account(const dns::Message& query, std::size_t query_size, const Client& client,
               const std::vector<std::uint8_t>& wire, std::uint16_t rcode, How how,
               Clock::time_point start, bool log_queries) {
    ++counters.responses_by_rcode[std::min<std::size_t>(rcode, 16)];
    if (!client.tcp && wire.size() >= 4 && (wire[2] & 0x02)) ++counters.truncated;
    if (!log_queries || !log.query) return;
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    std::string q = "- - -";
    if (!query.questions.empty()) {
      const dns::Question& question = query.questions[0];
      q = dns::type_name(question.type) + " " + (question.cls == dns::kClassIN ? "IN" : "CLASS" + std::to_string(question.cls)) +
          " " + question.name.to_text();
    }
    char duration[32];
    std::snprintf(duration, sizeof duration, "%.6fs", seconds);
    log.query("dns64: " + endpoint_text(client.address, client.port) + " - " + std::to_string(query.id) +
              " \"" + q + " " + (client.tcp ? "tcp" : "udp") + " " + std::to_string(query_size) + " " +
              (query.edns && query.edns->dnssec_ok ? "true" : "false") + " " +
              std::to_string(query.edns ? query.edns->udp_size : 512) + "\" " + dns::rcode_name(rcode) + " " +
              flags_text(wire) + " " + std::to_string(wire.size()) + " " + duration + " " + how_name(how));
  }

  // --- The query pipeline ----------------------------------------------------------------

  // The zone block for a wire-form name: the longest suffix match; nullptr = none.
  static const ZoneRoute* route(const Settings& s, const std::uint8_t* name, std::size_t length) {
    const ZoneRoute* zone = nullptr;
    for (const ZoneRoute& z : s.zones) {
      if (wire_name_is_under(name, length, z.name) && (!zone || z.name.wire.size() > zone->name.wire.size())) {
        zone = &z;
      }
    }
    return zone;
  }

  // The fast path: a plain query (dns64/query_view.h) from an allowed client whose answer is
  // in the cache is answered with a patched copy of the cached wire reply. False: take
  // prepare(). Not taken while the query log is on (its line needs the parsed query).
  bool answer_from_cache(std::span<const std::uint8_t> bytes, const Client& client, std::int64_t now,
                         std::vector<std::uint8_t>* out) {
    const Settings& s = *settings;
    QueryView q;
    if (s.config.log_queries || !parse_plain_query(bytes, &q) || !client_allowed(s.config, client.address)) {
      return false;
    }
    const ZoneRoute* zone = route(s, q.name, q.name_length);
    const bool dns64_applies = (!zone || zone->dns64) && (client.address.is_v6() || s.config.allow_ipv4);
    if (!cache.answer_plain(q, dns64_applies, !client.tcp, now, out)) return false;
    ++counters.cache_hits;
    ++counters.responses_by_rcode[(*out)[3] & 0x0f];
    return true;
  }

  // Answers what can be answered at once (errors, ACL, local names, cache hits): returns
  // the reply (empty = drop) and fills `*request` otherwise.
  std::optional<std::vector<std::uint8_t>> prepare(std::span<const std::uint8_t> bytes,
                                                   const Client& client, Request* request) {
    const Clock::time_point start = Clock::now();
    const Settings& s = *settings;
    const bool udp = !client.tcp;
    dns::Message query;
    auto immediate = [&](dns::Message reply, How how) {
      std::vector<std::uint8_t> wire = finish_reply(query, reply, udp);
      account(query, bytes.size(), client, wire, reply.rcode, how, start, s.config.log_queries);
      return wire;
    };
    if (dns::parse_message(bytes, &query) != dns::ParseError::kOk) {
      ++counters.malformed;
      dns::Message header;
      if (dns::parse_header_and_question(bytes, &header) != dns::ParseError::kOk || header.qr) {
        return std::vector<std::uint8_t>{};
      }
      query = header;
      query.edns.reset();
      return immediate(error_reply(query, dns::kRcodeFormErr), How::kFormErr);
    }
    if (query.qr) {
      ++counters.malformed;
      return std::vector<std::uint8_t>{};
    }
    if (!client_allowed(s.config, client.address)) {
      ++counters.refused_clients;
      return immediate(error_reply(query, dns::kRcodeRefused), How::kRefused);
    }
    if (query.opcode != 0) return immediate(error_reply(query, dns::kRcodeNotImp), How::kNotImp);
    if (query.questions.size() != 1) {
      ++counters.malformed;
      return immediate(error_reply(query, dns::kRcodeFormErr), How::kFormErr);
    }
    if (query.edns && query.edns->version > 0) {
      return immediate(error_reply(query, dns::kRcodeBadVers), How::kBadVers);
    }
    const dns::Question& q = query.questions[0];
    const ZoneRoute* zone = route(s, reinterpret_cast<const std::uint8_t*>(q.name.wire.data()), q.name.wire.size());
    const bool dns64_applies = (!zone || zone->dns64) && (client.address.is_v6() || s.config.allow_ipv4);
    const Plan plan = dns64_applies ? plan_query(query, s.synthesis) : Plan::kForward;
    if (plan == Plan::kIpv4OnlyArpa) {
      ++counters.local_answers;
      return immediate(answer_ipv4only_arpa(query, s.synthesis), How::kLocal);
    }
    CacheKey key{q.name, q.type, q.cls, query.edns && query.edns->dnssec_ok, query.cd, dns64_applies};
    if (std::optional<dns::Message> hit = cache.lookup(key, seconds_now())) {
      ++counters.cache_hits;
      return immediate(std::move(*hit), How::kCache);
    }
    ++counters.cache_misses;
    if (lookups >= s.config.max_lookups) {
      ++counters.overloaded;
      return immediate(error_reply(query, dns::kRcodeServFail), How::kOverloaded);
    }
    *request = Request{std::move(query), client, start, plan, settings, zone, std::move(key), bytes.size(),
                       LookupSlot(&lookups)};
    return std::nullopt;
  }

  static std::int64_t milliseconds_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
  }
  // The rate limiter's key: IPv6 as it is, IPv4 as ::ffff:a.b.c.d.
  static std::array<std::uint8_t, 16> address_key(const asio::ip::address& a) {
    return a.is_v6() ? a.to_v6().to_bytes() : asio::ip::make_address_v6(asio::ip::v4_mapped, a.to_v4()).to_bytes();
  }

  static std::int64_t seconds_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(Clock::now().time_since_epoch()).count();
  }

  // `zone`: where `name` is routed (route()); the query's own zone when it is the query's name.
  awaitable<std::optional<dns::Message>> lookup(const Request& r, const dns::Name& name, std::uint16_t type,
                                                const ZoneRoute* zone) {
    const Config& c = r.settings->config;
    ForwardRequest fr;
    fr.question = dns::Question{name, type, r.query.questions[0].cls};
    fr.dnssec_ok = r.query.edns && r.query.edns->dnssec_ok;
    fr.checking_disabled = r.query.cd;
    co_return co_await forward(
        std::move(fr), zone ? zone->upstreams : r.settings->upstreams,
        std::chrono::milliseconds(c.upstream_timeout_ms), r.start + std::chrono::milliseconds(c.query_timeout_ms),
        upstream_guard, [this](const Upstream& u, bool up) { health_changed(u, up); },
        [this](int e) { count(e); });
  }

  // The RFC 6147 pipeline for one query (dns64/synthesis.h does the deciding).
  awaitable<Answer> resolve(const Request& r) {
    const dns::Question& q = r.query.questions[0];
    const SynthesisSettings& synthesis = r.settings->synthesis;
    Answer answer;
    switch (r.plan) {
      case Plan::kIpv4OnlyArpa:  // answered in prepare()
      case Plan::kForward: {
        std::optional<dns::Message> reply = co_await lookup(r, q.name, q.type, r.zone);
        ++counters.forwarded;
        if (!reply) break;
        co_return Answer{std::move(*reply), How::kForwarded};
      }
      case Plan::kSynthesize: {
        std::optional<dns::Message> aaaa = co_await lookup(r, q.name, dns::kTypeAAAA, r.zone);
        dns::Message reply;
        if (decide_after_aaaa(aaaa ? &*aaaa : nullptr, synthesis, &reply) == AaaaDecision::kReturnReply) {
          ++counters.passed_through;
          co_return Answer{std::move(reply), How::kPassedThrough};
        }
        std::optional<dns::Message> a = co_await lookup(r, q.name, dns::kTypeA, r.zone);
        if (std::optional<dns::Message> synthesized = synthesize(aaaa ? &*aaaa : nullptr, a ? &*a : nullptr, synthesis)) {
          ++counters.synthesized;
          co_return Answer{std::move(*synthesized), How::kSynthesized};
        }
        if (!aaaa && !a) break;
        ++counters.passed_through;
        // The AAAA answer stands in for an A lookup that failed (no answer, or an error
        // rcode): right for now, but not to be cached, or the name would stay without
        // addresses for the AAAA answer's negative TTL after the A side recovers.
        const bool a_failed = !a || (a->rcode != dns::kRcodeNoError && a->rcode != dns::kRcodeNxDomain);
        co_return Answer{fallback_reply(aaaa ? &*aaaa : nullptr, synthesis), How::kPassedThrough, !a_failed};
      }
      case Plan::kReversePtr: {
        const std::optional<dns::Name> target = reverse_target(q.name, synthesis);
        std::optional<dns::Message> ptr;
        // The in-addr.arpa name goes where a query for it would go (its own zone, if any).
        if (target) {
          const ZoneRoute* zone = route(*r.settings, reinterpret_cast<const std::uint8_t*>(target->wire.data()), target->wire.size());
          ptr = co_await lookup(r, *target, dns::kTypePTR, zone);
        }
        if (!target || !ptr) break;
        ++counters.reverse_answers;
        co_return Answer{answer_reverse(r.query, *target, &*ptr), How::kReverse};
      }
    }
    ++counters.query_timeouts;
    co_return Answer{error_reply(r.query, dns::kRcodeServFail), How::kTimeout};
  }

  // Resolves, caches, finishes and accounts; returns the wire reply.
  awaitable<std::vector<std::uint8_t>> answer(Request r) {
    Answer a = co_await resolve(r);
    // Not an answer built with settings that a reload replaced while it was looked up: the
    // reload may have emptied the cache of exactly such answers.
    if (a.how != How::kTimeout && a.cacheable && r.settings == settings && cache.insert(r.key, a.reply, seconds_now())) {
      cache_entries = cache.size();
    }
    std::vector<std::uint8_t> wire = finish_reply(r.query, a.reply, !r.client.tcp);
    account(r.query, r.query_size, r.client, wire, a.reply.rcode, a.how, r.start, r.settings->config.log_queries);
    co_return wire;
  }

  // --- UDP ---------------------------------------------------------------------------------

  // Reads datagrams in batches (recvmmsg) whenever the socket is readable; answers what the
  // cache and prepare() answer at once with one sendmmsg per batch, and spawns a coroutine
  // for each query that needs upstream lookups.
  awaitable<void> udp_loop(std::shared_ptr<udp::socket> socket) {
    const int fd = socket->native_handle();
    std::vector<std::array<std::uint8_t, kUdpQueryBuffer>> in(kUdpBatch);
    std::array<iovec, kUdpBatch> in_iov{};
    std::array<sockaddr_storage, kUdpBatch> from{};
    std::array<ReplySource, kUdpBatch> in_control{};  // the received control messages
    std::array<ReplySource, kUdpBatch> reply_source{};
    std::array<mmsghdr, kUdpBatch> in_msgs{};
    std::vector<std::vector<std::uint8_t>> out(kUdpBatch);
    std::array<iovec, kUdpBatch> out_iov{};
    std::array<mmsghdr, kUdpBatch> out_msgs{};
    for (;;) {
      asio::error_code ec;
      co_await socket->async_wait(udp::socket::wait_read, asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (!socket->is_open() || ec == asio::error::operation_aborted) co_return;
        continue;
      }
      for (int batches = 0; batches < 8; ++batches) {  // then let other work run
        for (std::size_t i = 0; i < kUdpBatch; ++i) {
          in_iov[i] = iovec{in[i].data(), in[i].size()};
          in_msgs[i].msg_hdr = msghdr{};
          in_msgs[i].msg_hdr.msg_name = &from[i];
          in_msgs[i].msg_hdr.msg_namelen = sizeof from[i];
          in_msgs[i].msg_hdr.msg_iov = &in_iov[i];
          in_msgs[i].msg_hdr.msg_iovlen = 1;
          in_msgs[i].msg_hdr.msg_control = in_control[i].control.data();
          in_msgs[i].msg_hdr.msg_controllen = in_control[i].control.size();
        }
        const int received = ::recvmmsg(fd, in_msgs.data(), kUdpBatch, MSG_DONTWAIT, nullptr);
        if (received <= 0) break;
        const std::int64_t now = seconds_now();
        const std::int64_t now_ms = milliseconds_now();
        std::size_t replies = 0;
        for (int i = 0; i < received; ++i) {
          ++counters.queries[0];
          udp::endpoint peer;
          std::memcpy(peer.data(), &from[i], in_msgs[i].msg_hdr.msg_namelen);
          peer.resize(in_msgs[i].msg_hdr.msg_namelen);
          const Client client{peer.address(), peer.port(), false};
          if (!rate_limiter.allow(address_key(client.address), now_ms)) {
            ++counters.rate_limited;
            continue;
          }
          std::span<const std::uint8_t> bytes(in[i].data(), in_msgs[i].msg_len);
          if ((in_msgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0) bytes = bytes.first(0);  // too big: malformed
          std::vector<std::uint8_t>& reply = out[replies];
          if (!answer_from_cache(bytes, client, now, &reply)) {
            Request request;
            std::optional<std::vector<std::uint8_t>> at_once = prepare(bytes, client, &request);
            if (!at_once) {
              asio::co_spawn(io, udp_answer(socket, from[i], in_msgs[i].msg_hdr.msg_namelen,
                                            ReplySource::of(in_msgs[i].msg_hdr), std::move(request)),
                             asio::detached);
              continue;
            }
            if (at_once->empty()) continue;
            reply = std::move(*at_once);
          }
          out_iov[replies] = iovec{reply.data(), reply.size()};
          out_msgs[replies].msg_hdr = msghdr{};
          out_msgs[replies].msg_hdr.msg_name = &from[i];
          out_msgs[replies].msg_hdr.msg_namelen = in_msgs[i].msg_hdr.msg_namelen;
          out_msgs[replies].msg_hdr.msg_iov = &out_iov[replies];
          out_msgs[replies].msg_hdr.msg_iovlen = 1;
          reply_source[replies] = ReplySource::of(in_msgs[i].msg_hdr);
          reply_source[replies].attach(&out_msgs[replies].msg_hdr);
          ++replies;
        }
        for (std::size_t sent = 0; sent < replies;) {  // a full socket buffer drops the rest
          const int n = ::sendmmsg(fd, out_msgs.data() + sent, static_cast<unsigned>(replies - sent), MSG_DONTWAIT);
          if (n > 0) {
            sent += static_cast<std::size_t>(n);
          } else if (send_reply(fd, &out_msgs[sent].msg_hdr)) {  // this one failed: it alone, then on
            ++sent;
          } else {
            break;
          }
        }
        if (static_cast<std::size_t>(received) < kUdpBatch) break;
      }
    }
  }

  awaitable<void> udp_answer(std::shared_ptr<udp::socket> socket, sockaddr_storage to, socklen_t to_length,
                             ReplySource source, Request request) {
    std::vector<std::uint8_t> wire = co_await answer(std::move(request));
    if (!socket->is_open()) co_return;
    iovec iov{wire.data(), wire.size()};
    msghdr m{};
    m.msg_name = &to;
    m.msg_namelen = to_length;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    source.attach(&m);
    (void)send_reply(socket->native_handle(), &m);
  }

  // --- TCP (RFC 7766) ------------------------------------------------------------------------

  awaitable<void> accept_loop(std::shared_ptr<tcp::acceptor> acceptor) {
    for (;;) {
      asio::error_code ec;
      tcp::socket socket = co_await acceptor->async_accept(asio::redirect_error(use_awaitable, ec));
      if (ec) {
        if (!acceptor->is_open() || ec == asio::error::operation_aborted) co_return;
        // Out of file descriptors (or memory): the connection waits in the backlog, so an
        // immediate retry would fail again and again. Give the rest of the server a moment.
        asio::steady_timer pause(io, std::chrono::milliseconds(100));
        co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
        continue;
      }
      if (tcp_open >= settings->config.max_tcp_connections) {
        ++counters.tcp_refused;
        socket.close(ec);
        continue;
      }
      asio::co_spawn(io, tcp_session(std::make_shared<TcpSession>(std::move(socket), tcp_open)), asio::detached);
    }
  }

  void send_tcp(const std::shared_ptr<TcpSession>& session, const std::vector<std::uint8_t>& wire) {
    std::vector<std::uint8_t> framed;
    framed.reserve(wire.size() + 2);
    framed.push_back(static_cast<std::uint8_t>(wire.size() >> 8));
    framed.push_back(static_cast<std::uint8_t>(wire.size() & 0xff));
    framed.insert(framed.end(), wire.begin(), wire.end());
    session->out.push_back(std::move(framed));
    if (!session->writing) {
      session->writing = true;
      asio::co_spawn(io, tcp_writer(session), asio::detached);
    }
  }

  // Writes the session's answers in order. A client that stops reading is given
  // tcp-idle-timeout-ms per answer, then its connection is closed (RFC 7766 §6.2.3), so a
  // stalled client holds neither a connection slot nor memory for long.
  awaitable<void> tcp_writer(std::shared_ptr<TcpSession> session) {
    using namespace asio::experimental::awaitable_operators;
    while (!session->out.empty()) {
      std::vector<std::uint8_t> next = std::move(session->out.front());
      session->out.pop_front();
      asio::error_code ec;
      asio::steady_timer timer(io, std::chrono::milliseconds(settings->config.tcp_idle_timeout_ms));
      bool written = false;
      try {
        auto result = co_await (
            asio::async_write(session->socket, asio::buffer(next), asio::redirect_error(use_awaitable, ec)) ||
            timer.async_wait(use_awaitable));
        written = result.index() == 0 && !ec;
      } catch (const std::exception&) {
      }
      if (!written) {
        session->out.clear();
        session->socket.close(ec);
        break;
      }
    }
    session->writing = false;
  }

  // Reads `buffer.size()` bytes unless the idle timer fires first; false on timeout, EOF
  // or error. (Asio's `||` waits for the first operation that *succeeds*: the read's error
  // is captured in `ec` so that an EOF ends the wait at once, not at the idle timeout.)
  awaitable<bool> read_or_idle(TcpSession& session, asio::mutable_buffer buffer, std::chrono::milliseconds idle) {
    using namespace asio::experimental::awaitable_operators;
    asio::steady_timer timer(io, idle);
    asio::error_code ec;
    try {
      auto result = co_await (asio::async_read(session.socket, buffer, asio::redirect_error(use_awaitable, ec)) ||
                              timer.async_wait(use_awaitable));
      co_return result.index() == 0 && !ec;
    } catch (const std::exception&) {
      co_return false;
    }
  }

  awaitable<void> tcp_session(std::shared_ptr<TcpSession> session) {
    asio::error_code ec;
    const tcp::endpoint peer = session->socket.remote_endpoint(ec);
    if (ec) co_return;
    const Client client{peer.address(), peer.port(), true};
    std::vector<std::uint8_t> message;
    for (;;) {
      const auto idle = std::chrono::milliseconds(settings->config.tcp_idle_timeout_ms);
      std::array<std::uint8_t, 2> length{};
      if (!co_await read_or_idle(*session, asio::buffer(length), idle)) break;
      message.resize(static_cast<std::size_t>(length[0] << 8 | length[1]));
      if (!co_await read_or_idle(*session, asio::buffer(message), idle)) break;
      ++counters.queries[1];
      // A client that sends faster than it reads: its answers pile up (RFC 7766 §6.2.1.1
      // lets a server limit what it keeps per connection). Close rather than grow.
      if (session->out.size() + session->pending >= kMaxQueuedTcpAnswers) break;
      std::vector<std::uint8_t> cached;
      if (answer_from_cache(message, client, seconds_now(), &cached)) {
        send_tcp(session, cached);
        continue;
      }
      Request request;
      if (auto now = prepare(message, client, &request)) {
        if (now->empty()) break;  // not a query: close (RFC 7766 §6.2.4 leaves it to us)
        send_tcp(session, *now);
        continue;
      }
      ++session->pending;
      asio::co_spawn(io, tcp_answer(session, std::move(request)), asio::detached);
    }
    session->socket.shutdown(tcp::socket::shutdown_receive, ec);
    if (!session->writing && session->out.empty()) session->socket.close(ec);
  }

  awaitable<void> tcp_answer(std::shared_ptr<TcpSession> session, Request request) {
    std::vector<std::uint8_t> wire = co_await answer(std::move(request));
    --session->pending;
    if (session->socket.is_open()) send_tcp(session, wire);
  }

  // --- Housekeeping ----------------------------------------------------------------------------

  awaitable<void> housekeeping() {
    asio::steady_timer timer(io);
    Clock::time_point next_probe = Clock::now();
    for (;;) {
      heartbeat_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
      if (Clock::now() >= next_probe) {
        next_probe = Clock::now() + kProbeInterval;
        std::vector<std::shared_ptr<Upstream>> down;
        {
          std::lock_guard lock(upstream_guard);
          for (const auto& u : all_upstreams) {
            if (!u->up && !u->probing) {
              u->probing = true;
              down.push_back(u);
            }
          }
        }
        const auto timeout = std::chrono::milliseconds(settings->config.upstream_timeout_ms);
        for (auto& u : down) {
          asio::co_spawn(io, probe(u, timeout, upstream_guard,
                                   [this](const Upstream& up, bool is_up) { health_changed(up, is_up); },
                                   [this](int e) { count(e); }),
                         asio::detached);
        }
      }
      timer.expires_after(kHeartbeat);
      co_await timer.async_wait(use_awaitable);
    }
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

std::unique_ptr<Server> Server::start(const Config& config, ServerLog log, std::string* error) {
  auto impl = std::make_unique<Impl>();
  impl->log = std::move(log);
  impl->settings = impl->make_settings(config);
  impl->cache.set_capacity(config.cache_size);
  impl->rate_limiter = ClientRateLimiter(config.rate_limit);
  for (const Endpoint& e : config.listen) {
    Listener l;
    if (!impl->bind(e, &l, error)) return nullptr;
    impl->listeners[e.to_string()] = std::move(l);
  }
  impl->refresh_bound(config);
  for (const auto& [name, l] : impl->listeners) impl->start_listener(l);
  Impl* raw = impl.get();
  asio::co_spawn(impl->io, raw->housekeeping(), asio::detached);
  impl->heartbeat_ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
  impl->thread = std::thread([raw] {
    for (;;) {
      try {
        raw->io.run();
        return;
      } catch (const std::exception& e) {  // a bug in a handler: log it and keep serving
        if (raw->log.warn) raw->log.warn(std::string("dns64: internal error: ") + e.what());
      }
    }
  });
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::string Server::reload(const Config& config) {
  Impl& impl = *impl_;
  std::map<std::string, Listener> added;
  std::string error;
  for (const Endpoint& e : config.listen) {
    const std::string name = e.to_string();
    if (impl.listeners.count(name) || added.count(name)) continue;
    Listener l;
    if (!impl.bind(e, &l, &error)) return error;
    added[name] = std::move(l);
  }
  std::vector<Listener> removed;
  for (auto it = impl.listeners.begin(); it != impl.listeners.end();) {
    const bool kept = std::any_of(config.listen.begin(), config.listen.end(),
                                  [&](const Endpoint& e) { return e.to_string() == it->first; });
    if (kept) {
      ++it;
    } else {
      removed.push_back(std::move(it->second));
      it = impl.listeners.erase(it);
    }
  }
  for (auto& [name, l] : added) {
    impl.start_listener(l);
    impl.listeners[name] = std::move(l);
  }
  impl.refresh_bound(config);
  std::shared_ptr<const Settings> next = impl.make_settings(config);
  // The loop owns `settings` and the cache: hand the change over to it.
  asio::post(impl.io, [&impl, next, removed = std::move(removed)]() mutable {
    const Settings& old = *impl.settings;
    const bool answers_change = old.synthesis.prefix != next->synthesis.prefix ||
                                old.synthesis.translate_all != next->synthesis.translate_all ||
                                old.synthesis.exclude != next->synthesis.exclude ||
                                old.config.allow_ipv4 != next->config.allow_ipv4 ||
                                old.config.upstreams != next->config.upstreams || old.config.zones != next->config.zones;
    if (old.config.rate_limit != next->config.rate_limit) impl.rate_limiter = ClientRateLimiter(next->config.rate_limit);
    impl.settings = next;
    if (answers_change) impl.cache.clear();
    impl.cache.set_capacity(next->config.cache_size);
    impl.cache_entries = impl.cache.size();
    asio::error_code ec;
    for (Listener& l : removed) {
      l.datagrams->close(ec);
      l.streams->close(ec);
    }
  });
  return "";
}

ServerStats Server::stats() const {
  const Impl& impl = *impl_;
  ServerStats s;
#define TUNDRA_DNS64_LOAD(name, help) s.name = impl.counters.name.load(std::memory_order_relaxed);
  TUNDRA_DNS64_COUNTERS(TUNDRA_DNS64_LOAD)
#undef TUNDRA_DNS64_LOAD
  for (std::size_t i = 0; i < s.queries.size(); ++i) s.queries[i] = impl.counters.queries[i].load(std::memory_order_relaxed);
  for (std::size_t i = 0; i < s.responses_by_rcode.size(); ++i) {
    s.responses_by_rcode[i] = impl.counters.responses_by_rcode[i].load(std::memory_order_relaxed);
  }
  {
    std::lock_guard lock(impl_->upstream_guard);
    for (const auto& u : impl.all_upstreams) s.upstreams.push_back({u->name, u->up, u->queries, u->failures});
  }
  s.cache_entries = impl.cache_entries.load();
  s.tcp_connections = impl.tcp_open.load();
  s.lookups = impl.lookups.load();
  return s;
}

bool Server::healthy() const {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
  return now - impl_->heartbeat_ms.load() < 3000;
}

std::vector<std::string> Server::bound_addresses() const {
  std::lock_guard lock(impl_->bound_guard);
  return impl_->bound;
}

const std::vector<CounterInfo>& server_counter_info() {
  static const std::vector<CounterInfo> info = {
#define TUNDRA_DNS64_INFO(name, help) {#name, help},
      TUNDRA_DNS64_COUNTERS(TUNDRA_DNS64_INFO)
#undef TUNDRA_DNS64_INFO
  };
  return info;
}

std::uint64_t counter_value(const ServerStats& stats, std::size_t index) {
  std::size_t i = 0;
#define TUNDRA_DNS64_VALUE(name, help) \
  if (i++ == index) return stats.name;
  TUNDRA_DNS64_COUNTERS(TUNDRA_DNS64_VALUE)
#undef TUNDRA_DNS64_VALUE
  return 0;
}

}  // namespace tundra::dns64
