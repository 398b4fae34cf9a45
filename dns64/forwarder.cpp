#include "dns64/forwarder.h"

#include <stdlib.h>  // arc4random (glibc 2.36)

#include <algorithm>
#include <array>
#include <asio/experimental/awaitable_operators.hpp>
#include <cerrno>
#include <system_error>

namespace tundra::dns64 {
namespace {

using asio::awaitable;
using asio::use_awaitable;
using namespace asio::experimental::awaitable_operators;

std::uint16_t random_id() { return static_cast<std::uint16_t>(arc4random() & 0xffff); }

std::vector<std::uint8_t> make_query(const ForwardRequest& request, std::uint16_t id, bool edns) {
  dns::Message m;
  m.id = id;
  m.rd = true;
  m.cd = request.checking_disabled;
  m.questions = {request.question};
  if (edns) {
    dns::Edns e;
    e.udp_size = 1232;
    e.dnssec_ok = request.dnssec_ok;
    m.edns = e;
  }
  return dns::write_message(m);
}

// A reply belongs to our query only with the same ID and the same question.
bool matches(const dns::Message& reply, std::uint16_t id, const dns::Question& q) {
  return reply.qr && reply.id == id && reply.questions.size() == 1 &&
         reply.questions[0].type == q.type && reply.questions[0].cls == q.cls &&
         reply.questions[0].name.equals(q.name);
}

using CountFn = std::function<void(int)>;

awaitable<std::optional<dns::Message>> udp_try(const asio::ip::udp::endpoint& to,
                                               const std::vector<std::uint8_t>& query,
                                               std::uint16_t id, const dns::Question& q,
                                               Clock::time_point until, const CountFn& count) {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::udp::socket socket(executor);
  socket.open(to.protocol());
  socket.connect(to);  // the kernel now drops datagrams from any other address and port
  socket.send(asio::buffer(query));
  asio::steady_timer timer(executor, until);
  // We advertise 1232 bytes (RFC 6891 §6.2.5 lets an upstream send up to that much); a
  // larger datagram is cut by the kernel, fails to parse and is ignored like garbage.
  std::vector<std::uint8_t> buffer(4096);
  for (;;) {
    // The receive's error is captured, not thrown: Asio's `||` waits for the first operation
    // that succeeds, so a thrown "connection refused" would only end at the timer.
    asio::error_code ec;
    auto result = co_await (socket.async_receive(asio::buffer(buffer), asio::redirect_error(use_awaitable, ec)) ||
                            timer.async_wait(use_awaitable));
    if (result.index() == 1 || ec) co_return std::nullopt;  // time is up, or ICMP said no
    dns::Message reply;
    const std::size_t n = std::get<0>(result);
    if (dns::parse_message({buffer.data(), n}, &reply) != dns::ParseError::kOk ||
        !matches(reply, id, q)) {
      count(kEventMismatch);
      continue;
    }
    co_return reply;
  }
}

// Errors end the exchange with nullopt rather than an exception (see udp_try on `||`).
awaitable<std::optional<dns::Message>> tcp_exchange(asio::ip::tcp::endpoint to,
                                                    std::vector<std::uint8_t> query,
                                                    std::uint16_t id, dns::Question q,
                                                    CountFn count) try {
  auto executor = co_await asio::this_coro::executor;
  asio::ip::tcp::socket socket(executor);
  co_await socket.async_connect(to, use_awaitable);
  const std::array<std::uint8_t, 2> length = {static_cast<std::uint8_t>(query.size() >> 8),
                                              static_cast<std::uint8_t>(query.size() & 0xff)};
  const std::array<asio::const_buffer, 2> out = {asio::buffer(length), asio::buffer(query)};
  co_await asio::async_write(socket, out, use_awaitable);
  std::vector<std::uint8_t> buffer;
  for (;;) {
    std::array<std::uint8_t, 2> prefix{};
    co_await asio::async_read(socket, asio::buffer(prefix), use_awaitable);
    buffer.resize(static_cast<std::size_t>(prefix[0] << 8 | prefix[1]));
    co_await asio::async_read(socket, asio::buffer(buffer), use_awaitable);
    dns::Message reply;
    if (dns::parse_message(buffer, &reply) != dns::ParseError::kOk || !matches(reply, id, q)) {
      count(kEventMismatch);
      continue;
    }
    co_return reply;
  }
} catch (const std::exception&) {
  co_return std::nullopt;
}

awaitable<std::optional<dns::Message>> tcp_try(const asio::ip::tcp::endpoint& to,
                                               std::vector<std::uint8_t> query, std::uint16_t id,
                                               const dns::Question& q, Clock::time_point until,
                                               const CountFn& count) {
  asio::steady_timer timer(co_await asio::this_coro::executor, until);
  auto result = co_await (tcp_exchange(to, std::move(query), id, q, count) ||
                          timer.async_wait(use_awaitable));
  if (result.index() == 1) co_return std::nullopt;
  co_return std::get<0>(std::move(result));
}

// One try at one upstream: UDP, again without EDNS after a FORMERR, over TCP after a TC.
awaitable<std::optional<dns::Message>> try_upstream(Upstream& upstream, std::mutex& guard,
                                                    const ForwardRequest& request,
                                                    Clock::time_point until, const CountFn& count) {
  const asio::ip::address address = to_asio(upstream.endpoint);
  const asio::ip::udp::endpoint udp_to(address, upstream.endpoint.port);
  auto ask = [&](bool edns) -> awaitable<std::optional<dns::Message>> {
    count(kEventQuery);
    {
      std::lock_guard lock(guard);
      ++upstream.queries;
    }
    const std::uint16_t id = random_id();
    const std::vector<std::uint8_t> query = make_query(request, id, edns);
    std::optional<dns::Message> reply = co_await udp_try(udp_to, query, id, request.question, until, count);
    if (reply && reply->tc) {
      count(kEventTcpRetry);
      reply = co_await tcp_try(asio::ip::tcp::endpoint(address, upstream.endpoint.port), query, id,
                               request.question, until, count);
    }
    co_return reply;
  };
  std::optional<dns::Message> reply = co_await ask(true);
  if (reply && reply->rcode == dns::kRcodeFormErr && !reply->edns) reply = co_await ask(false);
  co_return reply;
}

void set_health(Upstream& upstream, bool answered, std::mutex& guard,
                const std::function<void(const Upstream&, bool)>& on_health_change) {
  bool changed = false;
  {
    std::lock_guard lock(guard);
    if (!answered) ++upstream.failures;
    changed = upstream.up != answered;
    upstream.up = answered;
  }
  if (changed) on_health_change(upstream, answered);
}

}  // namespace

asio::ip::address to_asio(const Endpoint& e) {
  if (const auto* v4 = std::get_if<Ipv4Address>(&e.address)) return asio::ip::address_v4(v4->value);
  asio::ip::address_v6::bytes_type bytes;
  const auto& v6 = std::get<Ipv6Address>(e.address);
  std::copy(v6.bytes.begin(), v6.bytes.end(), bytes.begin());
  return asio::ip::address_v6(bytes);
}

awaitable<std::optional<dns::Message>> forward(
    ForwardRequest request, std::vector<std::shared_ptr<Upstream>> upstreams,
    Clock::duration try_timeout, Clock::time_point deadline, std::mutex& guard,
    const std::function<void(const Upstream&, bool up)>& on_health_change,
    const CountFn& count) {
  {
    std::lock_guard lock(guard);
    std::stable_partition(upstreams.begin(), upstreams.end(),
                          [](const std::shared_ptr<Upstream>& u) { return u->up; });
  }
  for (const std::shared_ptr<Upstream>& upstream : upstreams) {
    const Clock::time_point now = Clock::now();
    if (now >= deadline) break;
    std::optional<dns::Message> reply;
    try {
      reply = co_await try_upstream(*upstream, guard, request, std::min(now + try_timeout, deadline), count);
    } catch (const std::system_error& e) {
      // Out of file descriptors or memory here is no fault of the upstream's: fail this
      // query without marking the upstream down (which would fail every other query too).
      // (Asio reports system errors in its own category, "asio.system", with errno values.)
      const int code = e.code().value();
      const bool system = e.code().category() == asio::error::get_system_category() ||
                          e.code().category() == std::system_category();
      if (system && (code == EMFILE || code == ENFILE || code == ENOBUFS || code == ENOMEM)) {
        count(kEventFailure);
        co_return std::nullopt;
      }
      reply.reset();  // refused, unreachable, reset: this try failed
    } catch (const std::exception&) {
      reply.reset();
    }
    if (!reply) count(kEventFailure);
    set_health(*upstream, reply.has_value(), guard, on_health_change);
    if (reply) co_return reply;
  }
  co_return std::nullopt;
}

awaitable<void> probe(std::shared_ptr<Upstream> upstream, Clock::duration timeout, std::mutex& guard,
                      std::function<void(const Upstream&, bool up)> on_health_change, CountFn count) {
  ForwardRequest request;
  request.question = dns::Question{dns::Name{}, dns::kTypeNS, dns::kClassIN};
  std::optional<dns::Message> reply;
  try {
    reply = co_await try_upstream(*upstream, guard, request, Clock::now() + timeout, count);
  } catch (const std::exception&) {
    reply.reset();
  }
  if (reply) set_health(*upstream, true, guard, on_health_change);
  std::lock_guard lock(guard);
  upstream->probing = false;
}

}  // namespace tundra::dns64
