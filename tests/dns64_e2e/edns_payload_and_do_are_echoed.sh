#!/usr/bin/env bash
# RFC 6891 §7 and RFC 6147 §5.4 (the client's EDNS rules, not the upstream's): a query
# with OPT gets an OPT back (version 0, a UDP size of at least 512, DO echoed); a query
# without OPT gets none; the client's payload size is honoured for the synthesized reply
# (wide: 25 AAAAs, about 770 bytes: TC with 512, complete with 1400); an OPT of version 1
# gets BADVERS.
source "$(dirname "$0")/lib.sh"
d64_setup

out=$(d64_dig +noedns v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA without EDNS"
d64_has_opt "$out" && d64_fail "a query without OPT must get a reply without OPT
$out"

out=$(d64_dig +edns=0 +nodnssec v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA with EDNS"
d64_has_opt "$out" || d64_fail "a query with OPT must get a reply with OPT
$out"
grep -q 'EDNS: version: 0' <<<"$out" || d64_fail "the reply's OPT must be version 0
$out"
[[ $(d64_edns_flags "$out") != *do* ]] || d64_fail "DO must not be set when the query had DO=0
$out"
udp=$(d64_edns_udp "$out")
[[ -n $udp ]] && ((udp >= 512)) || d64_fail "the reply's OPT advertises a UDP size of '$udp' (at least 512 expected)
$out"

for client in "dig UDP" "dig TCP" "kdig UDP" "kdig TCP"; do
  case $client in
    "dig UDP") out=$(d64_dig +dnssec v4only.dns64.test AAAA) ;;
    "dig TCP") out=$(d64_dig +dnssec +tcp v4only.dns64.test AAAA) ;;
    "kdig UDP") out=$(d64_kdig +dnssec v4only.dns64.test AAAA) ;;
    "kdig TCP") out=$(d64_kdig +dnssec +tcp v4only.dns64.test AAAA) ;;
  esac
  d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA with DO ($client)"
  d64_has_opt "$out" || d64_fail "v4only AAAA with DO ($client): no OPT in the reply
$out"
  [[ $(d64_edns_flags "$out") == *do* ]] || d64_fail "v4only AAAA with DO ($client): DO not echoed (EDNS flags '$(d64_edns_flags "$out")')
$out"
  d64_expect_no_flag "$out" ad "v4only AAAA with DO ($client): a synthesized answer never carries AD (RFC 6147 §5.5)"
done

out=$(d64_dig +bufsize=512 +ignore wide.dns64.test AAAA)
d64_expect_flag "$out" tc "wide AAAA with EDNS payload 512 (about 770 bytes synthesized)"
size=$(d64_msg_size "$out")
[[ -n $size ]] && ((size <= 512)) || d64_fail "wide AAAA with EDNS payload 512: reply of '$size' bytes
$out"
d64_has_opt "$out" || d64_fail "wide AAAA with EDNS payload 512: a truncated reply keeps its OPT
$out"
out=$(d64_kdig +bufsize=1400 +ignore wide.dns64.test AAAA)
d64_expect_no_flag "$out" tc "wide AAAA with EDNS payload 1400 (kdig)"
(($(d64_count "$out" AAAA) == 25)) || d64_fail "wide AAAA with EDNS payload 1400: expected 25 AAAA records
$out"
size=$(d64_msg_size "$out")
((size > 512 && size <= 1400)) || d64_fail "wide AAAA with EDNS payload 1400: reply of $size bytes
$out"

out=$(d64_dig +edns=1 +noednsnegotiation v4only.dns64.test AAAA)
d64_expect_rcode "$out" BADVERS "a query with EDNS version 1 (RFC 6891 §6.1.3)"
d64_pass
