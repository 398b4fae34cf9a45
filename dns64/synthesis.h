// RFC 6147 DNS64 as pure functions over dns::Message: which queries are ours, what the
// AAAA reply decides, how AAAA records are synthesized from the A reply, the local
// ipv4only.arpa answers (RFC 8880) and the reverse mapping of PTR queries under the
// prefix (RFC 6147 §5.3.1, as BIND does), and how a reply is finished for its client
// (ID, question, EDNS, truncation).
//
// The server (dns64/server.h) does the lookups; these functions only decide and build.
// Pure: no I/O, no clock, no logging.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "dns64/wire.h"
#include "translator/address.h"
#include "translator/rfc6052.h"

namespace tundra::dns64 {

// The EDNS payload size we announce in replies (RFC 6891 §6.2.5; 1232 is the DNS Flag Day
// 2020 value, which fits a 1280-byte IPv6 MTU without fragmentation).
inline constexpr std::uint16_t kOurUdpPayloadSize = 1232;
// The most we send over UDP whatever size a client announces (RFC 6891 §6.2.5 lets a
// responder cap it; 4096 is the common resolver default).
inline constexpr std::size_t kMaxUdpReply = 4096;
// TTL of the local ipv4only.arpa data, its SOA included (RFC 8880 §7.2).
inline constexpr std::uint32_t kIpv4OnlyArpaTtl = 86400;
// TTL of the CNAME that maps an ip6.arpa name to in-addr.arpa (RFC 6147 §5.3.1).
inline constexpr std::uint32_t kReverseCnameTtl = 600;

struct SynthesisSettings {
  Rfc6052Prefix prefix = Rfc6052Prefix::well_known();
  // Synthesize even when real AAAA records exist (RFC 6147 §5.1.1 deviation, Appendix A);
  // a name with AAAA but no A still gets its real AAAA.
  bool translate_all = false;
  // RFC 6147 §5.1.4: AAAA records inside these count as absent and are never returned.
  std::vector<Ipv6Prefix> exclude;
};

// What a client query needs. The caller has already checked what is not in the message:
// the zone's `dns64` switch, the client ACL and `allow-ipv4` (any of them off → kForward).
enum class Plan : std::uint8_t {
  kForward,       // not intercepted: forward, return the reply unchanged (RFC 6147 §5.3.3):
                  // not class IN, not AAAA/PTR, CD=1 (§5.5; also for ipv4only.arpa, whose
                  // local data a validating client could not validate), opcode not QUERY,
                  // not exactly one question, PTR outside the prefixes
  kSynthesize,    // AAAA IN with CD=0: AAAA lookup, then decide_after_aaaa()
  kIpv4OnlyArpa,  // a name at or under ipv4only.arpa, any type: answered locally (RFC 8880
                  // §7.2)
  kReversePtr,    // PTR IN for an ip6.arpa name inside the prefix or the WKP (§5.3.1)
};
Plan plan_query(const dns::Message& query, const SynthesisSettings& settings);

// RFC 8880 §7.2 (and RFC 7050 discovery): ipv4only.arpa A (and ANY) → 192.0.0.170 and
// 192.0.0.171; AAAA → both synthesized under the prefix (never excluded); other types at
// the name → NOERROR with no answer; names below it → NXDOMAIN. AA set, TTL 86400
// (kIpv4OnlyArpaTtl), and in the authority section of negative answers the zone's SOA:
//   ipv4only.arpa. 86400 IN SOA ipv4only.arpa. nobody.invalid. 1 86400 3600 604800 86400
// The header and question are the query's; finish_reply() completes it.
dns::Message answer_ipv4only_arpa(const dns::Message& query, const SynthesisSettings& settings);

// RFC 6147 §5.1.1–§5.1.4, after the AAAA lookup. `aaaa_reply` is nullptr after a timeout
// or a transport failure (§5.1.3: treated as SERVFAIL).
enum class AaaaDecision : std::uint8_t {
  kReturnReply,  // return *reply_out: NXDOMAIN (§5.1.2, also with a CNAME chain; any
                 // excluded AAAA a malformed one carries removed), or real
                 // AAAA records with the excluded ones removed (§5.1.4), without translate-all
  kLookupA,      // NODATA, only excluded AAAAs, another error rcode or a timeout (§5.1.2,
                 // §5.1.3), or translate-all: the A lookup decides
};
// "Real AAAA" means an AAAA record at the end of the CNAME/DNAME chain that starts at the
// reply's question name (§5.1.5; at most 16 links, case-insensitive). Removing excluded
// records also removes the RRSIGs over those AAAA RRsets and clears AD. `*reply_out` is
// written only for kReturnReply (`reply_out` may be nullptr).
AaaaDecision decide_after_aaaa(const dns::Message* aaaa_reply, const SynthesisSettings& settings,
                               dns::Message* reply_out);

// RFC 6147 §5.1.5–§5.1.7 and §5.4: the synthesized reply, or nullopt when the A lookup gave
// no A record for the name (error rcode, empty answer, timeout = nullptr): the caller then
// returns fallback_reply(), never a fabricated NOERROR (§5.1.6).
// - the CNAME/DNAME chain of the A reply is kept unchanged; each A of the terminal RRset
//   becomes an AAAA under the prefix with the same owner (never checked against
//   `exclude`); A records elsewhere in the answer are dropped (§5.1.6 "removing the A
//   records"), and so are excluded AAAA records an upstream put there (§5.1.4);
// - TTL = min(A TTL, TTL of the SOA in the negative AAAA reply, the smallest if several)
//   or min(A TTL, 600) without one (also when `aaaa_reply` is nullptr);
// - authority and additional come from the A reply (§5.4), additional unchanged (§5.3.2),
//   RRSIGs covering A are dropped and AD is cleared (§5.5); the A reply's rcode, RA and TC
//   are kept; AA cleared; the question becomes the AAAA question; no OPT (finish_reply()).
std::optional<dns::Message> synthesize(const dns::Message* aaaa_reply, const dns::Message* a_reply,
                                       const SynthesisSettings& settings);

// The reply when synthesis gives nothing (§5.1.6, §5.4): the AAAA reply with excluded
// records removed (as in decide_after_aaaa()), its rcode kept, or a SERVFAIL when the AAAA
// lookup itself failed (nullptr). With translate-all this gives a name that has AAAA but no
// A its real AAAA.
dns::Message fallback_reply(const dns::Message* aaaa_reply, const SynthesisSettings& settings);

// RFC 6147 §5.3.1: the in-addr.arpa name for a PTR query whose ip6.arpa name lies inside
// the prefix or the WKP (exactly 32 one-hex-digit labels, either case, then ip6.arpa):
// "d.c.b.a.in-addr.arpa." for the embedded IPv4 a.b.c.d; nullopt otherwise.
std::optional<dns::Name> reverse_target(const dns::Name& ip6_arpa, const SynthesisSettings& settings);

// The reply to a kReversePtr query: a CNAME from the ip6.arpa name to `target` with TTL 600
// (the mapping never changes; BIND uses 600 too), followed by the answer records of
// `ptr_reply` (the PTR lookup of `target`) with its rcode, authority and TC (its
// additional section is not copied). nullptr (the lookup failed): the CNAME alone with
// SERVFAIL. AA and AD clear; header and question are the query's.
dns::Message answer_reverse(const dns::Message& query, const dns::Name& target,
                            const dns::Message* ptr_reply);

// Makes `reply` the answer to `query` for its client: ID, opcode, RD and the question
// (in the client's case) and CD (RFC 4035 §3.2.2) copied from the query, QR set, RA set,
// Z cleared; EDNS as RFC 6891 §7 wants (an OPT only if the query had one: version 0, our
// payload size kOurUdpPayloadSize, DO echoed, no options; a query with an OPT version > 0
// gets an empty BADVERS reply instead of `reply`; an extended rcode that cannot be sent
// without an OPT becomes SERVFAIL); written with the client's size limit over UDP
// (512 without EDNS, else max(512, min(its payload size, kMaxUdpReply))) or 65535 over TCP,
// truncated with TC when it does not fit (§5.4). TC already set in `reply` is kept.
std::vector<std::uint8_t> finish_reply(const dns::Message& query, dns::Message reply, bool over_udp);

// A reply with only a header (ID, opcode, RD, CD copied; QR, RA set), the question and the
// rcode (SERVFAIL, REFUSED, FORMERR, ...); no OPT until finish_reply().
dns::Message error_reply(const dns::Message& query, std::uint16_t rcode);

}  // namespace tundra::dns64
