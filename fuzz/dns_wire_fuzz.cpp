// libFuzzer target for the DNS wire codec (dns64/wire.h). The input is a DNS message.
// Beyond crashes and out-of-bounds reads (ASan), whenever the input parses it checks:
//   - every name is at most 255 bytes, and to_text/from_text give its wire form back;
//   - parse_header_and_question agrees with parse_message on the header and question;
//   - writing it (no limit) parses back and equals the first reading (names compared
//     case-insensitively, as compression matches them), unless the writer had to cut it
//     at 65535 bytes; and writing that reading again gives the same bytes;
//   - writing it with a limit taken from the input's ID parses back, fits the limit (or
//     the header, question and OPT alone), and is truncated exactly as wire.h says: a
//     prefix of answer and authority, TC set iff something there was dropped (or TC was
//     already set), additional records a subsequence, the OPT and RCODE kept.
// Seeds: build make_dns_corpus and run `make_dns_corpus write DIR` (fuzz/README.md).
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "dns64/wire.h"

using namespace tundra::dns;

namespace {

void fail(const char* what) {
  std::fprintf(stderr, "dns_wire_fuzz: %s\n", what);
  std::abort();
}
void require(bool ok, const char* what) {
  if (!ok) fail(what);
}

// The types whose RDATA names may be compressed on writing (RFC 3597 §4), and so may come
// back in the case of an earlier spelling.
bool names_in_rdata_compressed(std::uint16_t type) {
  return type == kTypeNS || type == kTypeCNAME || type == kTypeSOA || type == kTypePTR ||
         type == kTypeMX;
}

std::uint8_t lower(std::uint8_t c) { return c >= 'A' && c <= 'Z' ? static_cast<std::uint8_t>(c + 32) : c; }

bool same_rdata(const Record& a, const Record& b) {
  if (!names_in_rdata_compressed(a.type)) return a.rdata == b.rdata;
  if (a.rdata.size() != b.rdata.size()) return false;
  for (std::size_t i = 0; i < a.rdata.size(); ++i) {
    if (lower(a.rdata[i]) != lower(b.rdata[i])) return false;
  }
  return true;
}

bool same_record(const Record& a, const Record& b) {
  return a.owner.equals(b.owner) && a.type == b.type && a.cls == b.cls && a.ttl == b.ttl &&
         same_rdata(a, b);
}

bool same_question(const Question& a, const Question& b) {
  return a.name.equals(b.name) && a.type == b.type && a.cls == b.cls;
}

bool same_edns(const std::optional<Edns>& a, const std::optional<Edns>& b) {
  if (a.has_value() != b.has_value()) return false;
  return !a || (a->udp_size == b->udp_size && a->version == b->version &&
                a->dnssec_ok == b->dnssec_ok && a->options == b->options);
}

bool same_header(const Message& a, const Message& b) {
  return a.id == b.id && a.qr == b.qr && a.opcode == b.opcode && a.aa == b.aa && a.rd == b.rd &&
         a.ra == b.ra && a.z == b.z && a.ad == b.ad && a.cd == b.cd && a.rcode == b.rcode;
}

// `part` is a prefix of `whole`.
bool is_prefix(const std::vector<Record>& part, const std::vector<Record>& whole) {
  if (part.size() > whole.size()) return false;
  for (std::size_t i = 0; i < part.size(); ++i) {
    if (!same_record(part[i], whole[i])) return false;
  }
  return true;
}

// `part` is `whole` with some records left out, in order.
bool is_subsequence(const std::vector<Record>& part, const std::vector<Record>& whole) {
  std::size_t j = 0;
  for (const Record& r : part) {
    while (j < whole.size() && !same_record(r, whole[j])) ++j;
    if (j == whole.size()) return false;
    ++j;
  }
  return true;
}

bool same_questions(const Message& a, const Message& b) {
  if (a.questions.size() != b.questions.size()) return false;
  for (std::size_t i = 0; i < a.questions.size(); ++i) {
    if (!same_question(a.questions[i], b.questions[i])) return false;
  }
  return true;
}

void check_name(const Name& n) {
  require(n.wire.size() <= kMaxNameWire, "a name over 255 bytes");
  const auto again = Name::from_text(n.to_text());
  require(again.has_value() && again->wire == n.wire, "to_text/from_text lost a name");
  require(n.is_under(Name{}) && n.is_under(n) && n.equals(n.lowered()), "name predicates");
}

ParseError parse(const std::vector<std::uint8_t>& bytes, Message* m) {
  return parse_message(std::span<const std::uint8_t>(bytes), m);
}

// `out` is write_message(first, limit): it parses, fits, and is truncated as wire.h says.
Message check_truncation(const Message& first, const std::vector<std::uint8_t>& out,
                         std::size_t limit) {
  Message skeleton = first;
  skeleton.answer.clear();
  skeleton.authority.clear();
  skeleton.additional.clear();
  const std::size_t floor = write_message(skeleton).size();  // header, questions, OPT
  require(out.size() <= std::max(limit, floor), "output over the limit");
  Message m;
  require(parse(out, &m) == ParseError::kOk, "our own output does not parse");
  require(same_header(first, m) && same_questions(first, m) && same_edns(first.edns, m.edns),
          "header, question or OPT changed by writing");
  const bool shortened = m.answer.size() != first.answer.size() ||
                         m.authority.size() != first.authority.size();
  require(m.tc == (first.tc || shortened), "TC does not say whether records were cut");
  require(is_prefix(m.answer, first.answer), "answer is not a prefix");
  require(m.answer.size() == first.answer.size() || m.authority.empty(),
          "authority written after a cut answer");
  require(is_prefix(m.authority, first.authority), "authority is not a prefix");
  require(!shortened || m.additional.empty(), "additional written after a cut");
  require(is_subsequence(m.additional, first.additional), "additional reordered or changed");
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);
  Message first;
  const ParseError e = parse_message(input, &first);
  Message head;
  const ParseError he = parse_header_and_question(input, &head);
  if (e != ParseError::kOk) return 0;

  for (const Question& q : first.questions) check_name(q.name);
  for (const auto* section : {&first.answer, &first.authority, &first.additional}) {
    for (const Record& r : *section) check_name(r.owner);
  }
  if (!first.questions.empty()) {
    require(he == ParseError::kOk, "parse_header_and_question refused a parsable message");
    require(head.questions.size() == 1 && head.questions[0].name.wire == first.questions[0].name.wire &&
                head.questions[0].type == first.questions[0].type && head.id == first.id,
            "parse_header_and_question disagrees");
  }

  // Whole: the writer cuts only at 65535 bytes; otherwise everything comes back, and
  // writing what came back gives the same bytes.
  const std::vector<std::uint8_t> full = write_message(first);
  const Message second = check_truncation(first, full, 65535);
  const bool cut_at_64k = second.answer.size() != first.answer.size() ||
                          second.authority.size() != first.authority.size() ||
                          second.additional.size() != first.additional.size();
  if (!cut_at_64k) {
    require(second.tc == first.tc, "TC changed in a round trip");
    require(write_message(second) == full, "writing is not idempotent");
  }
  if (!first.questions.empty()) {
    require(second.questions[0].name.wire == first.questions[0].name.wire,
            "the first question lost its case");
  }

  // Cut: a limit anywhere from below the header to a little past the whole message.
  const std::size_t limit = first.id % (full.size() + 16);
  check_truncation(first, write_message(first, limit), limit);
  return 0;
}
