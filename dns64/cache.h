// The answer cache: finished replies (before the client's ID, question case and EDNS are
// applied) keyed by what changes the answer, with TTLs that count down.
//
// - Key: the question (name in lower case, type, class), the DO and CD bits, and whether
//   DNS64 applied to the client (an IPv4 client without `allow-ipv4` gets unsynthesized
//   answers), so DO/CD variants and synthesized/plain views never mix.
// - Lifetime: the smallest TTL of the answer and authority records; a negative answer
//   (NXDOMAIN, NODATA) lives for the TTL of the SOA in its authority section (RFC 2308 §5)
//   and is not cached without one. Capped at one day (positive) and one hour (negative).
// - Not cached: SERVFAIL and other error rcodes but NXDOMAIN, truncated replies.
// - A hit returns the reply with every TTL lowered by the seconds it spent in the cache.
// - At most `capacity` entries; the least recently used one goes first. 0 = no cache.
// - Each entry also keeps the reply in wire form with the offsets of its TTLs, so that
//   answer_plain() answers a plain query (dns64/query_view.h) with a copy and a few patches
//   (ID, RD, the client's case of the name, TTLs, the OPT) instead of a parse and a write.
//
// Single-threaded (the DNS64 runs on one thread). Time is passed in, in whole seconds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <unordered_map>

#include "dns64/query_view.h"
#include "dns64/wire.h"

namespace tundra::dns64 {

struct CacheKey {
  dns::Name name;  // as asked; lowered inside
  std::uint16_t type = 0;
  std::uint16_t cls = dns::kClassIN;
  bool dnssec_ok = false;
  bool checking_disabled = false;
  bool dns64 = false;  // DNS64 applies to this client and zone
};

class Cache {
 public:
  explicit Cache(std::size_t capacity) : capacity_(capacity) {}

  std::optional<dns::Message> lookup(const CacheKey& key, std::int64_t now);
  // Stores `reply` if it is cacheable (see the top); returns whether it did.
  bool insert(const CacheKey& key, const dns::Message& reply, std::int64_t now);

  // The fast path: writes the cached answer to `query` into `*out` (what finish_reply()
  // would write) and returns true; false on a miss, or when the answer does not fit the
  // client's UDP size (the caller then takes the slow path, which truncates).
  bool answer_plain(const QueryView& query, bool dns64, bool over_udp, std::int64_t now,
                    std::vector<std::uint8_t>* out);

  std::size_t size() const { return entries_.size(); }
  void clear();
  void set_capacity(std::size_t capacity);

  // The lifetime `reply` would get, nullopt when it is not cacheable.
  static std::optional<std::uint32_t> lifetime(const dns::Message& reply);

 private:
  struct Entry {
    std::string key;
    dns::Message reply;
    std::vector<std::uint8_t> wire;          // finish_reply() for ID 0, RD 0, no OPT, over TCP
    std::vector<std::uint16_t> ttl_offsets;  // where each record's TTL sits in `wire`
    std::int64_t stored = 0;
    std::int64_t expires = 0;
  };
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  // The key's bytes: the name in lower case, type, class, one byte of flags.
  static std::string encode(const std::uint8_t* name, std::size_t length, std::uint16_t type,
                            std::uint16_t cls, bool dnssec_ok, bool checking_disabled, bool dns64);
  static std::string encode(const CacheKey& key);
  void evict_to(std::size_t n);

  std::size_t capacity_;
  std::string scratch_;  // answer_plain()'s key, reused
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator, Hash, std::equal_to<>> entries_;
};

}  // namespace tundra::dns64
