// The upstream side of the DNS64 (internal to dns64/, included by server.cpp only): one
// question sent to a list of upstreams in turn until one answers, with health tracking.
//
// - A try: a fresh UDP socket connected to the upstream (so the kernel picks a random
//   source port and drops datagrams from other sources), a random 16-bit ID, RD=1, CD and DO
//   as the client asked, an OPT for 1232 bytes. Datagrams that do not parse, or whose ID,
//   QR bit, name (case-insensitively), type or class differ from the query, are counted and
//   ignored: the try keeps listening until its time is up (spoofing resistance). A reply
//   with TC is asked again over TCP (RFC 7766 framing); a FORMERR to the EDNS query is asked
//   again without the OPT (RFC 6891 §7).
// - Order: the upstreams that are up, in configuration order, then those that are down.
//   A failed try marks its upstream down; any matching reply marks it up. While down, it
//   gets a probe (". IN NS") every second, so a dead upstream is skipped until it answers.
// - Bounds: each try ends at `upstream-timeout-ms` or the query's deadline, whichever comes
//   first; the query gives up (nullopt) at its deadline.
#pragma once

#include <asio.hpp>

#include <chrono>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "dns64/config.h"
#include "dns64/wire.h"

namespace tundra::dns64 {

// One upstream's address and health. Shared by every zone that names it.
struct Upstream {
  Endpoint endpoint;
  std::string name;  // endpoint.to_string()
  bool up = true;
  std::uint64_t queries = 0;
  std::uint64_t failures = 0;
  bool probing = false;
};

struct ForwardRequest {
  dns::Question question;
  bool dnssec_ok = false;
  bool checking_disabled = false;
};

using Clock = std::chrono::steady_clock;

asio::ip::address to_asio(const Endpoint& e);

// Asks `upstreams` in turn (see the top). `guard` protects the Upstream fields read by the
// control thread; it is held only around those updates, never across a wait.
asio::awaitable<std::optional<dns::Message>> forward(
    ForwardRequest request, std::vector<std::shared_ptr<Upstream>> upstreams,
    Clock::duration try_timeout, Clock::time_point deadline, std::mutex& guard,
    const std::function<void(const Upstream&, bool up)>& on_health_change,
    const std::function<void(int what)>& count);

// What `count` receives.
enum ForwardEvent : int { kEventQuery, kEventTcpRetry, kEventFailure, kEventMismatch };

// Probes one down upstream once; marks it up on any matching reply.
// Takes its callbacks by value: it runs detached.
asio::awaitable<void> probe(std::shared_ptr<Upstream> upstream, Clock::duration timeout,
                            std::mutex& guard,
                            std::function<void(const Upstream&, bool up)> on_health_change,
                            std::function<void(int what)> count);

}  // namespace tundra::dns64
