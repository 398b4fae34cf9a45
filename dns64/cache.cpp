#include "dns64/cache.h"

#include <algorithm>
#include <cstring>
#include <limits>

#include "dns64/synthesis.h"

namespace tundra::dns64 {
namespace {

constexpr std::uint32_t kMaxPositiveTtl = 86400;
constexpr std::uint32_t kMaxNegativeTtl = 3600;

void lower_ttls(std::vector<dns::Record>& records, std::uint32_t by) {
  for (dns::Record& r : records) r.ttl = r.ttl > by ? r.ttl - by : 0;
}

// The offsets of the TTL fields of every record in a message written by write_message().
std::vector<std::uint16_t> find_ttls(const std::vector<std::uint8_t>& m) {
  std::vector<std::uint16_t> offsets;
  auto u16 = [&](std::size_t at) { return static_cast<std::size_t>(m[at] << 8 | m[at + 1]); };
  auto skip_name = [&](std::size_t at) {
    while (m[at] != 0 && (m[at] & 0xc0) != 0xc0) at += 1 + m[at];
    return at + (m[at] == 0 ? 1 : 2);
  };
  std::size_t at = dns::kHeaderSize;
  for (std::size_t q = u16(4); q > 0; --q) at = skip_name(at) + 4;
  for (std::size_t r = u16(6) + u16(8) + u16(10); r > 0; --r) {
    at = skip_name(at);
    offsets.push_back(static_cast<std::uint16_t>(at + 4));
    at += 10 + u16(at + 8);
  }
  return offsets;
}

void put32(std::uint8_t* p, std::uint32_t v) {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

}  // namespace

std::optional<std::uint32_t> Cache::lifetime(const dns::Message& reply) {
  if (reply.tc) return std::nullopt;
  if (reply.rcode != dns::kRcodeNoError && reply.rcode != dns::kRcodeNxDomain) return std::nullopt;
  const bool negative = reply.rcode == dns::kRcodeNxDomain || reply.answer.empty();
  if (negative) {
    // RFC 2308 §5: the SOA's TTL (already min(TTL, MINIMUM) as an authoritative server
    // sends it, RFC 2308 §3) bounds the negative answer.
    for (const dns::Record& r : reply.authority) {
      if (r.type == dns::kTypeSOA) return std::min(r.ttl, kMaxNegativeTtl);
    }
    return std::nullopt;
  }
  std::uint32_t ttl = kMaxPositiveTtl;
  for (const dns::Record& r : reply.answer) ttl = std::min(ttl, r.ttl);
  for (const dns::Record& r : reply.authority) ttl = std::min(ttl, r.ttl);
  return ttl;
}

std::string Cache::encode(const std::uint8_t* name, std::size_t length, std::uint16_t type,
                          std::uint16_t cls, bool dnssec_ok, bool checking_disabled, bool dns64) {
  std::string k;
  k.reserve(length + 5);
  for (std::size_t i = 0; i < length; ++i) {
    const char c = static_cast<char>(name[i]);
    k.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c);  // length bytes are < 64
  }
  k.push_back(static_cast<char>(type >> 8));
  k.push_back(static_cast<char>(type & 0xff));
  k.push_back(static_cast<char>(cls >> 8));
  k.push_back(static_cast<char>(cls & 0xff));
  k.push_back(static_cast<char>((dnssec_ok ? 1 : 0) | (checking_disabled ? 2 : 0) | (dns64 ? 4 : 0)));
  return k;
}

std::string Cache::encode(const CacheKey& key) {
  const auto* name = reinterpret_cast<const std::uint8_t*>(key.name.wire.data());
  return encode(name, key.name.wire.size(), key.type, key.cls, key.dnssec_ok, key.checking_disabled, key.dns64);
}

bool Cache::answer_plain(const QueryView& query, bool dns64, bool over_udp, std::int64_t now,
                         std::vector<std::uint8_t>* out) {
  if (capacity_ == 0 || query.edns_version != 0) return false;
  scratch_ = encode(query.name, query.name_length, query.type, query.cls, query.has_edns && query.dnssec_ok,
                    query.cd, dns64);
  auto it = entries_.find(std::string_view(scratch_));
  if (it == entries_.end() || now >= it->second->expires) return false;  // lookup() evicts
  const Entry& e = *it->second;
  std::size_t limit = 65535;
  if (over_udp) {
    limit = query.has_edns ? std::max<std::size_t>(dns::kClassicUdpLimit, std::min<std::size_t>(query.udp_size, kMaxUdpReply))
                           : dns::kClassicUdpLimit;
  }
  const std::size_t size = e.wire.size() + (query.has_edns ? 11 : 0);
  if (size > limit) return false;
  lru_.splice(lru_.begin(), lru_, it->second);
  out->resize(size);
  std::uint8_t* p = out->data();
  std::memcpy(p, e.wire.data(), e.wire.size());
  p[0] = static_cast<std::uint8_t>(query.id >> 8);
  p[1] = static_cast<std::uint8_t>(query.id);
  p[2] = static_cast<std::uint8_t>((p[2] & ~0x01) | (query.rd ? 0x01 : 0));
  std::memcpy(p + dns::kHeaderSize, query.name, query.name_length);  // the client's case
  const auto age = static_cast<std::uint32_t>(std::max<std::int64_t>(0, now - e.stored));
  for (std::uint16_t at : e.ttl_offsets) {
    const std::uint32_t ttl = static_cast<std::uint32_t>(p[at] << 24 | p[at + 1] << 16 | p[at + 2] << 8 | p[at + 3]);
    put32(p + at, ttl > age ? ttl - age : 0);
  }
  if (query.has_edns) {  // RFC 6891 §6.1.2: our OPT, DO echoed (as finish_reply() writes it)
    const std::uint8_t opt[11] = {0, 0, dns::kTypeOPT, kOurUdpPayloadSize >> 8, kOurUdpPayloadSize & 0xff, 0, 0, static_cast<std::uint8_t>(query.dnssec_ok ? 0x80 : 0), 0, 0, 0};
    std::memcpy(p + e.wire.size(), opt, sizeof opt);
    const std::uint16_t arcount = static_cast<std::uint16_t>((p[10] << 8 | p[11]) + 1);
    p[10] = static_cast<std::uint8_t>(arcount >> 8);
    p[11] = static_cast<std::uint8_t>(arcount);
  }
  return true;
}

std::optional<dns::Message> Cache::lookup(const CacheKey& key, std::int64_t now) {
  if (capacity_ == 0) return std::nullopt;
  auto it = entries_.find(encode(key));
  if (it == entries_.end()) return std::nullopt;
  const auto entry = it->second;
  if (now >= entry->expires) {
    lru_.erase(entry);
    entries_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, entry);
  dns::Message reply = entry->reply;
  const auto age = static_cast<std::uint32_t>(std::max<std::int64_t>(0, now - entry->stored));
  lower_ttls(reply.answer, age);
  lower_ttls(reply.authority, age);
  lower_ttls(reply.additional, age);
  return reply;
}

bool Cache::insert(const CacheKey& key, const dns::Message& reply, std::int64_t now) {
  if (capacity_ == 0) return false;
  const std::optional<std::uint32_t> ttl = lifetime(reply);
  if (!ttl || *ttl == 0) return false;
  std::string k = encode(key);
  if (auto it = entries_.find(k); it != entries_.end()) {
    lru_.erase(it->second);
    entries_.erase(it);
  }
  evict_to(capacity_ - 1);
  dns::Message canonical;  // the query answer_plain() patches: ID 0, RD 0, no OPT
  canonical.cd = key.checking_disabled;
  canonical.questions = {dns::Question{key.name.lowered(), key.type, key.cls}};
  std::vector<std::uint8_t> wire = finish_reply(canonical, reply, false);
  std::vector<std::uint16_t> ttls = find_ttls(wire);
  lru_.push_front(Entry{k, reply, std::move(wire), std::move(ttls), now, now + *ttl});
  lru_.front().reply.edns.reset();  // the client's OPT is made afresh for every answer
  entries_.emplace(std::move(k), lru_.begin());
  return true;
}

void Cache::evict_to(std::size_t n) {
  while (entries_.size() > n) {
    entries_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

void Cache::clear() {
  entries_.clear();
  lru_.clear();
}

void Cache::set_capacity(std::size_t capacity) {
  capacity_ = capacity;
  evict_to(capacity);
}

}  // namespace tundra::dns64
