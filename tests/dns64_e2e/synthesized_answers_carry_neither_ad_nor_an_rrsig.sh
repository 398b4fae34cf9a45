#!/usr/bin/env bash
# RFC 6147 §5.5 (a non-validating DNS64): synthesized data is never marked authenticated
# and never carries the RRSIG of the A records it was made from. A relay in front of NSD
# sets AD on every reply. With a DO query: v4only AAAA is synthesized without AD and with
# no RRSIG in the answer; real data (dual AAAA, v4only A) passes through with its RRSIGs.
# The RRSIG checks need a signed zone (ldns-signzone, package ldnsutils); without it only
# the AD checks run.
source "$(dirname "$0")/lib.sh"
d64_init
signed=0
if command -v ldns-keygen >/dev/null && command -v ldns-signzone >/dev/null; then
  d64_write_zones
  (
    cd "$D64_WORK/zones" || exit 1
    zsk=$(ldns-keygen -a ECDSAP256SHA256 dns64.test) || exit 1
    ksk=$(ldns-keygen -k -a ECDSAP256SHA256 dns64.test) || exit 1
    ldns-signzone -f dns64.test.zone.signed dns64.test.zone "$zsk" "$ksk" || exit 1
    mv dns64.test.zone.signed dns64.test.zone
  ) >"$D64_WORK/sign.log" 2>&1 || d64_fail "signing dns64.test with ldns-signzone failed: $(cat "$D64_WORK/sign.log")"
  signed=1
else
  d64_log "ldns-signzone not installed (ldnsutils): checking AD only, not RRSIGs"
fi
d64_nsd_start
ad_port=$(d64_port) || exit 1
d64_fake_start ad-setter "$ad_port" set-ad --forward "127.0.0.1:$D64_NSD_PORT"
D64_UPSTREAMS=("127.0.0.1:$ad_port")
d64_tundra_start

for client in "dig UDP" "kdig TCP"; do
  if [[ $client == dig* ]]; then out=$(d64_dig +dnssec +adflag v4only.dns64.test AAAA); else out=$(d64_kdig +tcp +dnssec +adflag v4only.dns64.test AAAA); fi
  d64_expect_rcode "$out" NOERROR "v4only AAAA +dnssec ($client)"
  d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA +dnssec ($client)"
  d64_expect_no_flag "$out" ad "v4only AAAA +dnssec ($client): a synthesized answer must not carry AD (RFC 6147 §5.5), even when the upstream's A reply had it"
  (($(d64_count "$out" RRSIG) == 0)) || d64_fail "v4only AAAA +dnssec ($client): no RRSIG may accompany synthesized records (the RRSIG of the A does not cover them)
$out"
done
out=$(d64_dig +adflag v4short.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:202" "v4short AAAA (AD asked, DO not set)"
d64_expect_no_flag "$out" ad "v4short AAAA: a synthesized answer must not carry AD"

if ((signed)); then
  out=$(d64_dig +dnssec dual.dns64.test AAAA)
  d64_expect_rdata "$out" AAAA "2001:db8::20" "dual AAAA +dnssec (signed zone)"
  d64_section "$out" ANSWER | awk '$4 == "RRSIG" && $5 == "AAAA"' | grep -q . \
    || d64_fail "dual AAAA +dnssec: the real AAAA must come with its RRSIG (DO forwarded, reply unchanged)
$out"
  out=$(d64_dig +dnssec v4only.dns64.test A)
  d64_expect_rdata "$out" A "192.0.2.1" "v4only A +dnssec (signed zone)"
  d64_section "$out" ANSWER | awk '$4 == "RRSIG" && $5 == "A"' | grep -q . \
    || d64_fail "v4only A +dnssec: the A must come with its RRSIG (passed through unchanged)
$out"
fi
d64_pass
