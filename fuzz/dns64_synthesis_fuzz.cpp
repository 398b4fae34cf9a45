// libFuzzer target for the RFC 6147 decisions and reply building (dns64/synthesis.h): a
// client query and the upstream replies a hostile or broken resolver could send, through
// every function the server calls, each reply finished for UDP and TCP.
//
// Input layout (fuzz/make_synthesis_corpus writes seeds in it):
//   byte 0     settings: bits 0-2 the prefix (kPrefixes), bit 3 translate-all,
//              bits 4-5 the exclude list (kExcludes), bit 6 "repair" the replies so that
//              they answer the query (its question, QR set) as the forwarder guarantees,
//              bit 7 swap the two reply chunks
//   then up to three chunks, each a 2-byte big-endian length and that many bytes:
//     1. the client query (must parse, else the input is ignored)
//     2. the upstream reply to the AAAA lookup (missing, empty or unparsable = nullptr,
//        i.e. a timeout)
//     3. the upstream reply to the A lookup, also used as the PTR lookup's reply
//
// Beyond crashes and sanitizer reports it checks:
//   - finish_reply() output parses again; its ID, opcode, RD and CD are the query's, QR and
//     RA set, Z clear; its first question is the query's byte for byte (the client's case),
//     the others equal; it fits the limit: 512 without EDNS, the client's payload size
//     clamped to 512..4096 over UDP, 65535 over TCP (or the header, question and OPT alone
//     when even those do not fit); an OPT exactly when the query had one (version 0, our
//     payload size, DO echoed); BADVERS for an EDNS version above 0; TC whenever answer or
//     authority records were cut; the rcode kept (SERVFAIL for an extended one without EDNS);
//   - decide_after_aaaa(): nullptr or an error rcode (but NXDOMAIN) or translate-all means
//     an A lookup; a returned reply has no excluded AAAA in its answer;
//   - synthesize(): nothing without a successful A reply; a synthesized reply has AD and AA
//     clear, no OPT, one AAAA IN question, no A and no RRSIG covering A in the answer, and
//     each AAAA in its answer is either inside the prefix (synthesized, with a TTL no longer
//     than the RFC 6147 §5.1.7 cap) or copied from the A reply; none is excluded;
//   - fallback_reply(): the AAAA reply's rcode (SERVFAIL for nullptr), no excluded AAAA;
//   - plan_query(): the plan agrees with the query's shape (synthesis.h);
//   - reverse_target()/answer_reverse(): the target is d.c.b.a.in-addr.arpa. for the IPv4
//     address that the configured prefix (else the WKP) extracts from the query name's
//     address, read here independently; the reply starts with the CNAME from the query
//     name to the target, AA and AD clear, the PTR reply's rcode (SERVFAIL for nullptr);
//   - answer_ipv4only_arpa(): AA set; the AAAA answers are 192.0.0.170/171 under the prefix.
// The exclude lists never overlap the prefixes, so "no excluded AAAA" holds for synthesized
// records too.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "dns64/synthesis.h"
#include "dns64/wire.h"

using namespace tundra;
using namespace tundra::dns;
using namespace tundra::dns64;

namespace {

void fail(const char* what) {
  std::fprintf(stderr, "dns64_synthesis_fuzz: %s\n", what);
  std::abort();
}
void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

// One of each RFC 6052 length, the u octet (bits 64..71) zero; none inside an exclude list.
constexpr std::array<const char*, 8> kPrefixes = {
    "64:ff9b::/96",           "2001:db8::/32",          "2001:db8:100::/40",
    "2001:db8:122::/48",      "2001:db8:122:300::/56",  "2001:db8:122:344::/64",
    "2001:db8:64::/96",       "64:ff9b:1::/48",
};
// 0: the default; 1: none; 2: the default and ULA; 3: ULA and the documentation /32's
// neighbour. Disjoint from every prefix above.
const std::vector<std::vector<const char*>> kExcludes = {
    {"::ffff:0:0/96"},
    {},
    {"::ffff:0:0/96", "fc00::/7"},
    {"fc00::/7", "2001:db9::/32", "::/96"},
};

const std::vector<SynthesisSettings>& all_settings() {
  static const std::vector<SynthesisSettings> settings = [] {
    std::vector<SynthesisSettings> out;
    for (unsigned i = 0; i < 64; ++i) {
      SynthesisSettings s;
      auto p = Rfc6052Prefix::parse(kPrefixes[i & 7]);
      if (!p) fail("a prefix in kPrefixes does not parse");
      s.prefix = *p;
      s.translate_all = (i & 8) != 0;
      for (const char* e : kExcludes[(i >> 4) & 3]) {
        auto x = Ipv6Prefix::parse(e);
        if (!x) fail("an exclude prefix does not parse");
        s.exclude.push_back(*x);
      }
      out.push_back(std::move(s));
    }
    return out;
  }();
  return settings;
}

// Splits the input after byte 0 into up to three length-prefixed chunks.
std::vector<std::span<const std::uint8_t>> chunks(std::span<const std::uint8_t> in) {
  std::vector<std::span<const std::uint8_t>> out;
  std::size_t at = 0;
  while (out.size() < 3 && at + 2 <= in.size()) {
    const std::size_t n = std::size_t(in[at]) << 8 | in[at + 1];
    at += 2;
    const std::size_t take = std::min(n, in.size() - at);
    out.push_back(in.subspan(at, take));
    at += take;
  }
  return out;
}

std::optional<Message> parse_chunk(const std::vector<std::span<const std::uint8_t>>& c, std::size_t i) {
  if (i >= c.size() || c[i].empty()) return std::nullopt;
  Message m;
  if (parse_message(c[i], &m) != ParseError::kOk) return std::nullopt;
  return m;
}

bool is_excluded(const Ipv6Address& a, const SynthesisSettings& s) {
  return std::any_of(s.exclude.begin(), s.exclude.end(), [&](const Ipv6Prefix& p) { return p.contains(a); });
}

void require_no_excluded_aaaa(const Message& m, const SynthesisSettings& s, const char* what) {
  for (const Record& r : m.answer) {
    if (auto a = r.aaaa()) require(!is_excluded(*a, s), what);
  }
}

bool same_record(const Record& a, const Record& b) {
  return a.owner.wire == b.owner.wire && a.type == b.type && a.cls == b.cls && a.ttl == b.ttl &&
         a.rdata == b.rdata;
}

bool rrsig_covers_a(const Record& r) {
  return r.type == kTypeRRSIG && r.rdata.size() >= 2 && r.rdata[0] == 0 && r.rdata[1] == kTypeA;
}

// RFC 3596 §2.5, read independently of synthesis.cpp: the address of a name made of
// exactly 32 one-hex-digit labels (least significant first) followed by ip6.arpa.
std::optional<Ipv6Address> ip6_arpa_address(const Name& name) {
  const std::string& w = name.wire;
  static const std::string kSuffix("\x03" "ip6" "\x04" "arpa", 9);  // then the root's 0
  if (w.size() != 64 + kSuffix.size() + 1 || w.back() != '\0') return std::nullopt;
  for (std::size_t i = 0; i < kSuffix.size(); ++i) {
    char c = w[64 + i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != kSuffix[i]) return std::nullopt;
  }
  Ipv6Address a;
  for (unsigned i = 0; i < 32; ++i) {
    if (w[2 * i] != 1) return std::nullopt;
    const char c = w[2 * i + 1];
    unsigned v;
    if (c >= '0' && c <= '9') v = unsigned(c - '0');
    else if (c >= 'a' && c <= 'f') v = unsigned(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v = unsigned(c - 'A' + 10);
    else return std::nullopt;
    const unsigned nibble = 31 - i;  // from the most significant
    a.bytes[nibble / 2] = static_cast<std::uint8_t>(a.bytes[nibble / 2] | (nibble % 2 == 0 ? v << 4 : v));
  }
  return a;
}

// finish_reply(query, reply, udp) as synthesis.h promises; returns the parsed output.
Message check_finished(const Message& query, const Message& reply, bool udp) {
  const std::vector<std::uint8_t> wire = finish_reply(query, reply, udp);
  Message m;
  require(parse_message(std::span<const std::uint8_t>(wire), &m) == ParseError::kOk,
          "finish_reply output does not parse");
  require(m.id == query.id, "reply ID is not the query's");
  require(m.qr && m.ra && !m.z, "QR, RA or Z wrong in a finished reply");
  require(m.opcode == query.opcode && m.rd == query.rd && m.cd == query.cd,
          "opcode, RD or CD not copied from the query");
  require(m.questions.size() == query.questions.size(), "question count differs from the query's");
  if (!query.questions.empty()) {
    const Question& a = m.questions[0];
    const Question& b = query.questions[0];
    require(a.name.wire == b.name.wire && a.type == b.type && a.cls == b.cls,
            "the reply's question is not the query's (case included)");
  }
  for (std::size_t i = 1; i < m.questions.size(); ++i) {
    require(m.questions[i].name.equals(query.questions[i].name) &&
                m.questions[i].type == query.questions[i].type &&
                m.questions[i].cls == query.questions[i].cls,
            "a later question differs from the query's");
  }

  const bool badvers = query.edns && query.edns->version > 0;
  if (query.edns) {
    require(m.edns.has_value(), "no OPT in the reply to a query with one");
    require(m.edns->version == 0 && m.edns->udp_size == kOurUdpPayloadSize &&
                m.edns->dnssec_ok == query.edns->dnssec_ok && m.edns->options.empty(),
            "the reply's OPT is not version 0 / our size / DO echoed / no options");
  } else {
    require(!m.edns.has_value(), "an OPT in the reply to a query without one");
  }
  if (badvers) {
    require(m.rcode == kRcodeBadVers && m.answer.empty() && m.authority.empty() && m.additional.empty(),
            "EDNS version > 0 did not give an empty BADVERS");
  } else if (!query.edns && reply.rcode > 0xf) {
    require(m.rcode == kRcodeServFail, "an extended rcode without EDNS is not SERVFAIL");
  } else if (query.edns) {
    require(m.rcode == (reply.rcode & 0xfff), "the rcode changed");
  } else {
    require(m.rcode == reply.rcode, "the rcode changed");
  }

  std::size_t limit = 65535;
  if (udp) {
    limit = query.edns ? std::clamp<std::size_t>(query.edns->udp_size, kClassicUdpLimit, kMaxUdpReply)
                       : kClassicUdpLimit;
  }
  Message skeleton = m;
  skeleton.answer.clear();
  skeleton.authority.clear();
  skeleton.additional.clear();
  const std::size_t floor = write_message(skeleton).size();
  require(wire.size() <= std::max(limit, floor), "a finished reply exceeds the client's limit");

  if (!badvers) {
    const bool cut = m.answer.size() < reply.answer.size() || m.authority.size() < reply.authority.size();
    require(!cut || m.tc, "records were cut without TC");
    require(!reply.tc || m.tc, "TC of the reply was lost");
    require(m.ad == reply.ad, "finish_reply changed AD");
  }
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 3 || size > 200000) return 0;
  const SynthesisSettings& settings = all_settings()[data[0] & 63];
  const bool repair = (data[0] & 64) != 0;
  const auto c = chunks(std::span<const std::uint8_t>(data + 1, size - 1));
  const std::optional<Message> parsed_query = parse_chunk(c, 0);
  if (!parsed_query) return 0;
  const Message& query = *parsed_query;
  std::optional<Message> aaaa = parse_chunk(c, 1);
  std::optional<Message> a = parse_chunk(c, 2);
  if ((data[0] & 128) != 0) std::swap(aaaa, a);
  if (repair && !query.questions.empty()) {
    // What forwarder.cpp's matches() guarantees of an accepted reply.
    auto fix = [&](std::optional<Message>& m, std::uint16_t type) {
      if (!m) return;
      m->qr = true;
      m->questions = {Question{query.questions[0].name, type, query.questions[0].cls}};
    };
    fix(aaaa, kTypeAAAA);
    fix(a, kTypeA);
  }
  const Message* aaaa_p = aaaa ? &*aaaa : nullptr;
  const Message* a_p = a ? &*a : nullptr;

  // plan_query() agrees with the query's shape.
  const Plan plan = plan_query(query, settings);
  const bool one_in = query.opcode == 0 && query.questions.size() == 1 &&
                      query.questions[0].cls == kClassIN && !query.cd;
  if (!one_in) require(plan == Plan::kForward, "a query that is not ours was intercepted");
  if (plan == Plan::kSynthesize) require(query.questions[0].type == kTypeAAAA, "synthesis for a non-AAAA query");
  if (plan == Plan::kReversePtr) require(query.questions[0].type == kTypePTR, "reverse mapping for a non-PTR query");

  // RFC 6147 §5.1.1-§5.1.4.
  Message passed;
  const AaaaDecision decision = decide_after_aaaa(aaaa_p, settings, &passed);
  if (aaaa_p == nullptr) require(decision == AaaaDecision::kLookupA, "a timeout did not lead to the A lookup");
  if (aaaa_p != nullptr && aaaa_p->rcode != kRcodeNoError && aaaa_p->rcode != kRcodeNxDomain) {
    require(decision == AaaaDecision::kLookupA, "an AAAA error rcode was returned instead of looking up A");
  }
  if (aaaa_p != nullptr && settings.translate_all && aaaa_p->rcode != kRcodeNxDomain) {
    require(decision == AaaaDecision::kLookupA, "translate-all returned the AAAA reply");
  }
  if (decision == AaaaDecision::kReturnReply) {
    require(passed.rcode == aaaa_p->rcode, "decide_after_aaaa changed the rcode");
    require_no_excluded_aaaa(passed, settings, "decide_after_aaaa returned an excluded AAAA");
    check_finished(query, passed, true);
    check_finished(query, passed, false);
  }

  // RFC 6147 §5.1.5-§5.1.7, §5.5.
  const std::optional<Message> synthesized = synthesize(aaaa_p, a_p, settings);
  if (a_p == nullptr || a_p->rcode != kRcodeNoError) {
    require(!synthesized.has_value(), "synthesis without a successful A reply");
  }
  if (synthesized) {
    const Message& s = *synthesized;
    require(!s.ad && !s.aa && !s.edns, "a synthesized reply has AD, AA or an OPT");
    require(s.questions.size() == 1 && s.questions[0].type == kTypeAAAA && s.questions[0].cls == kClassIN,
            "a synthesized reply's question is not one AAAA IN");
    require(s.rcode == a_p->rcode, "a synthesized reply lost the A reply's rcode");
    std::uint32_t cap = 600;
    if (aaaa_p != nullptr) {
      std::optional<std::uint32_t> soa;
      for (const Record& r : aaaa_p->authority) {
        if (r.type == kTypeSOA) soa = std::min(soa.value_or(r.ttl), r.ttl);
      }
      cap = soa.value_or(600);
    }
    std::size_t made = 0;
    for (const Record& r : s.answer) {
      require(!r.a(), "an A record left in a synthesized answer");
      require(!rrsig_covers_a(r), "an RRSIG covering A left in a synthesized answer");
      if (auto v6 = r.aaaa()) {
        require(!is_excluded(*v6, settings), "synthesize returned an excluded AAAA");
        const bool copied = std::any_of(a_p->answer.begin(), a_p->answer.end(),
                                        [&](const Record& o) { return same_record(o, r); });
        if (!copied) {
          require(settings.prefix.contains(*v6), "a synthesized AAAA outside the prefix");
          require(r.ttl <= cap, "a synthesized TTL above the RFC 6147 §5.1.7 cap");
          ++made;
        }
      }
    }
    require(made > 0, "a synthesized reply without a synthesized AAAA");
    for (bool udp : {true, false}) {
      const Message m = check_finished(query, s, udp);
      require(!m.ad, "a finished synthesized reply has AD");
      for (const Record& r : m.answer) require(!rrsig_covers_a(r), "a finished synthesized reply has RRSIG(A)");
    }
  }

  // RFC 6147 §5.1.6, §5.4.
  const Message fallback = fallback_reply(aaaa_p, settings);
  require(fallback.rcode == (aaaa_p ? aaaa_p->rcode : kRcodeServFail), "fallback_reply changed the rcode");
  require_no_excluded_aaaa(fallback, settings, "fallback_reply returned an excluded AAAA");
  check_finished(query, fallback, true);
  check_finished(query, fallback, false);

  if (!query.questions.empty()) {
    const Name& qname = query.questions[0].name;
    // RFC 6147 §5.3.1.
    if (const std::optional<Name> target = reverse_target(qname, settings)) {
      const std::string text = target->to_text();
      unsigned octets[4];
      char tail[32] = {};
      require(target->label_count() == 6 &&
                  std::sscanf(text.c_str(), "%u.%u.%u.%u.%31s", &octets[0], &octets[1], &octets[2],
                              &octets[3], tail) == 5 &&
                  std::string(tail) == "in-addr.arpa.",
              "reverse_target is not d.c.b.a.in-addr.arpa.");
      require(octets[0] < 256 && octets[1] < 256 && octets[2] < 256 && octets[3] < 256,
              "reverse_target has an octet above 255");
      const Ipv4Address v4{octets[3] << 24 | octets[2] << 16 | octets[1] << 8 | octets[0]};
      // The query name's address (read here independently) lies in the configured prefix,
      // else in the WKP, and that prefix's RFC 6052 extraction gives v4.
      const std::optional<Ipv6Address> address = ip6_arpa_address(qname);
      require(address.has_value(), "reverse_target for a name that is not a full ip6.arpa address");
      const Rfc6052Prefix& p = settings.prefix.contains(*address) ? settings.prefix : Rfc6052Prefix::well_known();
      require(p.contains(*address), "reverse_target for an address outside both prefixes");
      require(p.extract(*address) == v4, "reverse_target's IPv4 is not the one the prefix embeds");
      for (const Message* ptr : {a_p, aaaa_p}) {
        const Message r = answer_reverse(query, *target, ptr);
        require(!r.answer.empty() && r.answer[0].type == kTypeCNAME && r.answer[0].owner.wire == qname.wire &&
                    r.answer[0].target() && r.answer[0].target()->equals(*target),
                "answer_reverse does not start with the CNAME to the target");
        require(!r.aa && !r.ad, "answer_reverse set AA or AD");
        require(r.rcode == (ptr ? ptr->rcode : kRcodeServFail), "answer_reverse lost the PTR rcode");
        check_finished(query, r, true);
        check_finished(query, r, false);
      }
    } else {
      require(plan != Plan::kReversePtr, "kReversePtr without a reverse target");
    }

    // RFC 8880 §7.2.
    const Message local = answer_ipv4only_arpa(query, settings);
    require(local.aa, "a local ipv4only.arpa answer without AA");
    if (query.questions[0].type == kTypeAAAA) {
      for (const Record& r : local.answer) {
        auto v6 = r.aaaa();
        require(v6 && settings.prefix.contains(*v6), "ipv4only.arpa AAAA outside the prefix");
        const Ipv4Address v4 = settings.prefix.extract(*v6);
        require(v4.value == 0xc00000aa || v4.value == 0xc00000ab, "ipv4only.arpa AAAA not 192.0.0.170/171");
      }
    }
    check_finished(query, local, true);
    check_finished(query, local, false);
  }

  // Error replies, including extended rcodes.
  const Message error = error_reply(query, static_cast<std::uint16_t>(query.id & 0x1f));
  check_finished(query, error, true);
  check_finished(query, error, false);
  return 0;
}
