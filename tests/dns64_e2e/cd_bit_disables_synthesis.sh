#!/usr/bin/env bash
# RFC 6147 §5.5: with CD=1 the client validates itself, so the DNS64 "MUST NOT perform
# synthesis": v4only AAAA +cdflag gets NSD's NODATA (NOERROR, no AAAA, the SOA), with and
# without DO, over UDP and TCP; a real AAAA (dual) is still returned. The cache keeps the CD
# and non-CD answers apart (issue: "keyed so that DO/CD variants do not mix"): a plain
# query first and a CD query second, and the other way round, each get their own answer.
source "$(dirname "$0")/lib.sh"
d64_setup

nodata() {  # OUTPUT WHAT
  d64_expect_rcode "$1" NOERROR "$2"
  (($(d64_count "$1" AAAA) == 0)) || d64_fail "$2: CD=1 must not get a synthesized AAAA (RFC 6147 §5.5)
$1"
  [[ -n $(d64_rdata "$1" SOA AUTHORITY) ]] || d64_fail "$2: expected NSD's NODATA with the SOA in the authority section
$1"
}

# Plain first (fills the cache with the synthesized answer), then CD.
out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA without CD"
nodata "$(d64_dig +cdflag v4only.dns64.test AAAA)" "v4only AAAA +cdflag after a plain query (dig UDP)"
nodata "$(d64_kdig +tcp +cdflag v4only.dns64.test AAAA)" "v4only AAAA +cdflag (kdig TCP)"
nodata "$(d64_dig +dnssec +cdflag v4only.dns64.test AAAA)" "v4only AAAA +dnssec +cdflag (dig UDP)"
nodata "$(d64_kdig +dnssec +cdflag v4only.dns64.test AAAA)" "v4only AAAA +dnssec +cdflag (kdig UDP)"

# CD first, then plain.
nodata "$(d64_dig +cdflag v4short.dns64.test AAAA)" "v4short AAAA +cdflag first"
out=$(d64_dig v4short.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:202" "v4short AAAA without CD after a CD query (a cached CD answer must not be served)"
out=$(d64_dig +dnssec v4short.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:202" "v4short AAAA with DO, without CD"

out=$(d64_dig +cdflag dual.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "dual AAAA +cdflag"
d64_expect_rdata "$out" AAAA "2001:db8::20" "dual AAAA +cdflag: the real AAAA"
d64_pass
