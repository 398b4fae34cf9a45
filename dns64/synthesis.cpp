// RFC 6147 DNS64 decisions and reply building (dns64/synthesis.h).
#include "dns64/synthesis.h"

#include <algorithm>
#include <array>
#include <string>
#include <utility>

namespace tundra::dns64 {
namespace {

using dns::Message;
using dns::Name;
using dns::Record;

// RFC 6147 §5.1.7: the TTL cap when the negative AAAA reply carries no SOA.
constexpr std::uint32_t kTtlCapWithoutSoa = 600;
// RFC 6147 §5.1.5: CNAME/DNAME chains are followed at most this many links (loops end here).
constexpr int kMaxChainLinks = 16;
// RFC 8880 §7.2: 192.0.0.170 and 192.0.0.171, the only addresses of ipv4only.arpa.
constexpr std::array<Ipv4Address, 2> kIpv4OnlyAddresses{{{0xc00000aa}, {0xc00000ab}}};

const Name& ipv4only_arpa() {
  static const Name name = *Name::from_text("ipv4only.arpa.");
  return name;
}

bool is_rcode_error(std::uint16_t rcode) { return rcode != dns::kRcodeNoError; }

// The type an RRSIG covers (RFC 4034 §3.1: the first two bytes of its RDATA).
std::optional<std::uint16_t> rrsig_covers(const Record& r) {
  if (r.type != dns::kTypeRRSIG || r.rdata.size() < 2) return std::nullopt;
  return static_cast<std::uint16_t>(r.rdata[0] << 8 | r.rdata[1]);
}

// RFC 6672 §2.2: `name` rewritten by a DNAME from `owner` to `target` (name is strictly
// under owner); nullopt when the result would exceed 255 bytes.
std::optional<Name> substitute_dname(const Name& name, const Name& owner, const Name& target) {
  std::string wire = name.wire.substr(0, name.wire.size() - owner.wire.size());
  wire += target.wire;
  if (wire.size() > dns::kMaxNameWire) return std::nullopt;
  return Name{std::move(wire)};
}

// RFC 6147 §5.1.5: the owner at the end of the CNAME/DNAME chain that starts at `qname`
// in `answer` (qname itself without a chain); nullopt for a loop or an overlong chain.
std::optional<Name> chain_end(const std::vector<Record>& answer, const Name& qname) {
  Name current = qname;
  for (int link = 0; link <= kMaxChainLinks; ++link) {
    std::optional<Name> next;
    for (const Record& r : answer) {
      if (r.type == dns::kTypeCNAME && r.owner.equals(current)) {
        next = r.target();
        break;
      }
    }
    if (!next) {
      for (const Record& r : answer) {
        if (r.type == dns::kTypeDNAME && !r.owner.equals(current) && current.is_under(r.owner)) {
          if (auto target = r.target()) next = substitute_dname(current, r.owner, *target);
          break;
        }
      }
    }
    if (!next) return current;
    current = std::move(*next);
  }
  return std::nullopt;
}

// The name a reply answers: its first question.
std::optional<Name> question_name(const Message& m) {
  if (m.questions.empty()) return std::nullopt;
  return m.questions.front().name;
}

bool is_excluded(const Ipv6Address& a, const SynthesisSettings& settings) {
  return std::any_of(settings.exclude.begin(), settings.exclude.end(),
                     [&](const Ipv6Prefix& p) { return p.contains(a); });
}

// RFC 6147 §5.1.4: removes the excluded AAAA records from the answer. An RRset that lost
// records no longer matches its signatures, so their RRSIGs go too and AD is cleared.
void remove_excluded(Message& m, const SynthesisSettings& settings) {
  std::vector<Name> changed_owners;
  std::erase_if(m.answer, [&](const Record& r) {
    auto a = r.aaaa();
    if (!a || !is_excluded(*a, settings)) return false;
    changed_owners.push_back(r.owner);
    return true;
  });
  if (changed_owners.empty()) return;
  std::erase_if(m.answer, [&](const Record& r) {
    return rrsig_covers(r) == dns::kTypeAAAA &&
           std::any_of(changed_owners.begin(), changed_owners.end(),
                       [&](const Name& n) { return n.equals(r.owner); });
  });
  m.ad = false;
}

// True when the answer holds an AAAA record (class IN) owned by `owner`.
bool has_aaaa_at(const Message& m, const Name& owner) {
  return std::any_of(m.answer.begin(), m.answer.end(),
                     [&](const Record& r) { return r.aaaa() && r.owner.equals(owner); });
}

// RFC 6147 §5.1.7: the TTL of the SOA in the negative AAAA reply's authority section (the
// smallest if several); RFC 2308 §3 has already made it min(SOA TTL, MINIMUM).
std::optional<std::uint32_t> negative_soa_ttl(const Message* aaaa_reply) {
  if (aaaa_reply == nullptr) return std::nullopt;
  std::optional<std::uint32_t> ttl;
  for (const Record& r : aaaa_reply->authority) {
    if (r.type == dns::kTypeSOA) ttl = std::min(ttl.value_or(r.ttl), r.ttl);
  }
  return ttl;
}

// The name's wire form built from presentation text known to be valid.
Name name_of(const std::string& text) { return *Name::from_text(text); }

// The SOA of the local ipv4only.arpa zone (documented in synthesis.h).
Record ipv4only_arpa_soa() {
  std::vector<std::uint8_t> rdata;
  auto append_name = [&](const std::string& text) {
    const Name n = name_of(text);
    rdata.insert(rdata.end(), n.wire.begin(), n.wire.end());
  };
  auto append_u32 = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) rdata.push_back(std::uint8_t(v >> shift));
  };
  append_name("ipv4only.arpa.");   // MNAME
  append_name("nobody.invalid.");  // RNAME: no mailbox (RFC 6761 §6.4 .invalid)
  append_u32(1);                   // SERIAL
  append_u32(kIpv4OnlyArpaTtl);    // REFRESH
  append_u32(3600);                // RETRY
  append_u32(7 * 86400);           // EXPIRE
  append_u32(kIpv4OnlyArpaTtl);    // MINIMUM: the negative TTL (RFC 2308 §4)
  return Record{.owner = ipv4only_arpa(),
                .type = dns::kTypeSOA,
                .cls = dns::kClassIN,
                .ttl = kIpv4OnlyArpaTtl,
                .rdata = std::move(rdata)};
}

// A reply to `query` with its header fields and question, no records.
Message reply_skeleton(const Message& query) {
  Message m;
  m.id = query.id;
  m.qr = true;
  m.opcode = query.opcode;
  m.rd = query.rd;
  m.ra = true;
  m.cd = query.cd;
  m.questions = query.questions;
  return m;
}

// One nibble label of an ip6.arpa name: its value, or nullopt.
std::optional<std::uint8_t> nibble(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

// RFC 3596 §2.5: the address of a full `<32 nibbles>.ip6.arpa.` name, least significant
// nibble first; nullopt for any other shape.
std::optional<Ipv6Address> ip6_arpa_address(const Name& name) {
  static const Name ip6_arpa = name_of("ip6.arpa.");
  if (name.wire.size() != 32 * 2 + ip6_arpa.wire.size() || !name.is_under(ip6_arpa)) {
    return std::nullopt;
  }
  Ipv6Address a;
  for (unsigned i = 0; i < 32; ++i) {
    if (name.wire[2 * i] != 1) return std::nullopt;
    auto v = nibble(name.wire[2 * i + 1]);
    if (!v) return std::nullopt;
    const unsigned position = 31 - i;  // nibble index from the most significant
    a.bytes[position / 2] |= static_cast<std::uint8_t>(position % 2 == 0 ? *v << 4 : *v);
  }
  return a;
}

Name in_addr_arpa_name(Ipv4Address v4) {
  std::string text;
  for (int shift = 0; shift <= 24; shift += 8) {
    text += std::to_string((v4.value >> shift) & 0xff);
    text += '.';
  }
  return name_of(text + "in-addr.arpa.");
}

}  // namespace

Plan plan_query(const dns::Message& query, const SynthesisSettings& settings) {
  if (query.opcode != 0 || query.questions.size() != 1) return Plan::kForward;
  const dns::Question& q = query.questions.front();
  // RFC 6147 §5: other classes behave as if no DNS64 were configured.
  if (q.cls != dns::kClassIN) return Plan::kForward;
  // RFC 6147 §5.5: CD=1 means the client validates; synthesized data would fail.
  if (query.cd) return Plan::kForward;
  if (q.name.is_under(ipv4only_arpa())) return Plan::kIpv4OnlyArpa;
  if (q.type == dns::kTypeAAAA) return Plan::kSynthesize;
  if (q.type == dns::kTypePTR && reverse_target(q.name, settings)) return Plan::kReversePtr;
  return Plan::kForward;  // RFC 6147 §5.3.3
}

dns::Message answer_ipv4only_arpa(const dns::Message& query, const SynthesisSettings& settings) {
  if (query.questions.empty()) return error_reply(query, dns::kRcodeFormErr);
  const dns::Question& q = query.questions.front();
  Message reply = reply_skeleton(query);
  reply.aa = true;
  if (!q.name.equals(ipv4only_arpa())) {
    reply.rcode = dns::kRcodeNxDomain;
    reply.authority.push_back(ipv4only_arpa_soa());
    return reply;
  }
  for (Ipv4Address v4 : kIpv4OnlyAddresses) {
    // Never checked against `exclude`: these must always reveal the prefix (RFC 7050 §3).
    if (q.type == dns::kTypeA || q.type == dns::kTypeANY) {
      reply.answer.push_back(dns::make_a(q.name, kIpv4OnlyArpaTtl, v4));
    } else if (q.type == dns::kTypeAAAA) {
      reply.answer.push_back(dns::make_aaaa(q.name, kIpv4OnlyArpaTtl, settings.prefix.embed(v4)));
    }
  }
  if (reply.answer.empty()) reply.authority.push_back(ipv4only_arpa_soa());
  return reply;
}

AaaaDecision decide_after_aaaa(const dns::Message* aaaa_reply, const SynthesisSettings& settings,
                               dns::Message* reply_out) {
  // RFC 6147 §5.1.3: a timeout counts as SERVFAIL, which §5.1.2 treats as an empty answer.
  if (aaaa_reply == nullptr) return AaaaDecision::kLookupA;
  // RFC 6147 §5.1.2: NXDOMAIN is returned as is, also with a CNAME chain in the answer.
  if (aaaa_reply->rcode == dns::kRcodeNxDomain) {
    if (reply_out != nullptr) {
      *reply_out = *aaaa_reply;
      remove_excluded(*reply_out, settings);  // RFC 6147 §5.1.4, even from a malformed NXDOMAIN
    }
    return AaaaDecision::kReturnReply;
  }
  if (is_rcode_error(aaaa_reply->rcode) || settings.translate_all) return AaaaDecision::kLookupA;

  Message filtered = *aaaa_reply;
  remove_excluded(filtered, settings);  // RFC 6147 §5.1.4
  auto qname = question_name(filtered);
  if (!qname) return AaaaDecision::kLookupA;
  auto end = chain_end(filtered.answer, *qname);  // RFC 6147 §5.1.5
  if (!end || !has_aaaa_at(filtered, *end)) return AaaaDecision::kLookupA;  // §5.1.6
  if (reply_out != nullptr) *reply_out = std::move(filtered);
  return AaaaDecision::kReturnReply;  // RFC 6147 §5.1.1
}

std::optional<dns::Message> synthesize(const dns::Message* aaaa_reply, const dns::Message* a_reply,
                                       const SynthesisSettings& settings) {
  // RFC 6147 §5.1.6: an A lookup that failed or found nothing gives no synthesis.
  if (a_reply == nullptr || is_rcode_error(a_reply->rcode)) return std::nullopt;
  auto qname = question_name(*a_reply);
  if (!qname && aaaa_reply != nullptr) qname = question_name(*aaaa_reply);
  if (!qname) return std::nullopt;
  auto end = chain_end(a_reply->answer, *qname);  // RFC 6147 §5.1.5
  if (!end) return std::nullopt;

  // RFC 6147 §5.1.7: TTL = min(A TTL, negative SOA TTL), or min(A TTL, 600) without an SOA.
  const std::uint32_t ttl_cap = negative_soa_ttl(aaaa_reply).value_or(kTtlCapWithoutSoa);

  Message out = *a_reply;
  out.answer.clear();
  bool synthesized = false;
  for (const Record& r : a_reply->answer) {
    if (auto v4 = r.a()) {
      // RFC 6147 §5.1.6 "removing the A records"; only the chain's terminal RRset becomes
      // AAAA (RFC 6147 §5.1.7: same owner, class IN).
      if (r.owner.equals(*end)) {
        out.answer.push_back(
            dns::make_aaaa(r.owner, std::min(r.ttl, ttl_cap), settings.prefix.embed(*v4)));
        synthesized = true;
      }
      continue;
    }
    if (rrsig_covers(r) == dns::kTypeA) continue;  // RFC 6147 §5.5: they would not validate
    // RFC 6147 §5.1.4: an excluded AAAA is never returned, not even one that a broken or
    // hostile upstream put into its A reply.
    if (auto v6 = r.aaaa(); v6 && is_excluded(*v6, settings)) continue;
    out.answer.push_back(r);  // the CNAME/DNAME chain and its signatures, unchanged
  }
  if (!synthesized) return std::nullopt;  // RFC 6147 §5.1.6: empty answer

  out.questions = {dns::Question{*qname, dns::kTypeAAAA, dns::kClassIN}};
  out.aa = false;  // synthesized data is not the zone's data
  out.ad = false;  // RFC 6147 §5.5: never AD on synthetic records
  out.edns.reset();  // finish_reply() builds the client's OPT
  // Authority and additional stay those of the A reply (RFC 6147 §5.4, §5.3.2); rcode, RA
  // and TC are the A reply's (a truncated A reply is an incomplete answer).
  return out;
}

dns::Message fallback_reply(const dns::Message* aaaa_reply, const SynthesisSettings& settings) {
  if (aaaa_reply == nullptr) {
    Message m;
    m.qr = true;
    m.ra = true;
    m.rcode = dns::kRcodeServFail;  // RFC 6147 §5.1.3
    return m;
  }
  Message m = *aaaa_reply;
  remove_excluded(m, settings);  // RFC 6147 §5.1.4: "MUST NOT return the offending AAAA"
  return m;
}

std::optional<dns::Name> reverse_target(const dns::Name& ip6_arpa, const SynthesisSettings& settings) {
  auto a = ip6_arpa_address(ip6_arpa);
  if (!a) return std::nullopt;
  // RFC 6147 §5.3.1: compare with the configured prefix and the Well-Known Prefix.
  for (const Rfc6052Prefix& p : {settings.prefix, Rfc6052Prefix::well_known()}) {
    if (p.contains(*a)) return in_addr_arpa_name(p.extract(*a));
  }
  return std::nullopt;
}

dns::Message answer_reverse(const dns::Message& query, const dns::Name& target,
                            const dns::Message* ptr_reply) {
  Message reply = reply_skeleton(query);
  // RFC 6147 §5.3.1: the CNAME into the IN-ADDR.ARPA namespace; the client's case kept.
  const Name& qname = query.questions.empty() ? target : query.questions.front().name;
  reply.answer.push_back(dns::make_name_record(qname, dns::kTypeCNAME, kReverseCnameTtl, target));
  if (ptr_reply == nullptr) {
    reply.rcode = dns::kRcodeServFail;
    return reply;
  }
  reply.answer.insert(reply.answer.end(), ptr_reply->answer.begin(), ptr_reply->answer.end());
  reply.authority = ptr_reply->authority;
  reply.rcode = ptr_reply->rcode;
  reply.tc = ptr_reply->tc;
  return reply;
}

std::vector<std::uint8_t> finish_reply(const dns::Message& query, dns::Message reply, bool over_udp) {
  if (query.edns && query.edns->version > 0) {
    reply = error_reply(query, dns::kRcodeBadVers);  // RFC 6891 §6.1.3
  }
  reply.id = query.id;
  reply.qr = true;
  reply.opcode = query.opcode;
  reply.rd = query.rd;
  reply.ra = true;
  reply.cd = query.cd;  // RFC 4035 §3.2.2
  reply.z = false;      // RFC 1035 §4.1.1: zero in all replies
  reply.questions = query.questions;

  std::size_t limit = 65535;  // RFC 1035 §4.2.2: the TCP length field
  if (query.edns) {
    // RFC 6891 §7: an OPT in the reply only when the query had one; options not echoed.
    reply.edns = dns::Edns{.udp_size = kOurUdpPayloadSize,
                           .version = 0,
                           .dnssec_ok = query.edns->dnssec_ok,  // RFC 3225 §3
                           .options = {}};
    if (over_udp) {
      limit = std::max<std::size_t>(dns::kClassicUdpLimit,
                                    std::min<std::size_t>(query.edns->udp_size, kMaxUdpReply));
    }
  } else {
    reply.edns.reset();
    // Without an OPT only the header's 4 bits exist (RFC 6891 §6.1.3).
    if (reply.rcode > 0xf) reply.rcode = dns::kRcodeServFail;
    if (over_udp) limit = dns::kClassicUdpLimit;  // RFC 1035 §4.2.1
  }
  return dns::write_message(reply, limit);  // sets TC if it had to cut (RFC 6147 §5.4)
}

dns::Message error_reply(const dns::Message& query, std::uint16_t rcode) {
  Message m = reply_skeleton(query);
  m.rcode = rcode;
  return m;
}

}  // namespace tundra::dns64
