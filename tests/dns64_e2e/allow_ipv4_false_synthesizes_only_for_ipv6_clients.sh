#!/usr/bin/env bash
# allow-ipv4 = false (CoreDNS's default): clients that ask over IPv4 get the upstream's
# reply without synthesis (NODATA for v4only AAAA), clients over IPv6 (::1) get the
# synthesized AAAA. Real AAAA records reach both.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
D64_ALLOW_IPV4=false
d64_tundra_start

for client in "dig UDP" "kdig TCP"; do
  if [[ $client == dig* ]]; then out=$(d64_dig v4only.dns64.test AAAA); else out=$(d64_kdig +tcp v4only.dns64.test AAAA); fi
  d64_expect_rcode "$out" NOERROR "v4only AAAA over IPv4 ($client) with allow-ipv4 = false"
  (($(d64_count "$out" AAAA) == 0)) || d64_fail "v4only AAAA over IPv4 ($client): allow-ipv4 = false, nothing may be synthesized
$out"
  if [[ $client == dig* ]]; then out=$(d64_dig_at ::1 v4only.dns64.test AAAA); else out=$(d64_kdig_at ::1 +tcp v4only.dns64.test AAAA); fi
  d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA over IPv6 ($client) with allow-ipv4 = false"
done
out=$(d64_dig dual.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "2001:db8::20" "dual AAAA over IPv4"
d64_pass
