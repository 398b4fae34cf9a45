#!/usr/bin/env bash
# RFC 6147 §5.1.4: AAAA records inside `exclude` (default ::ffff:0:0/96; here also
# 2001:db8::30/128) count as absent and "MUST NOT" be returned:
#  - mapped (only AAAA ::ffff:192.0.2.40, A 192.0.2.40): an empty set -> synthesized
#    64:ff9b::c000:228;
#  - mixed (AAAA ::ffff:192.0.2.41 and 2001:db8::41): the excluded one is dropped, the real
#    one returned, nothing synthesized;
#  - v6only (only AAAA 2001:db8::30, excluded here, no A): no AAAA at all, NOERROR.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
D64_EXCLUDE=("::ffff:0:0/96" "2001:db8::30/128")
d64_tundra_start

for client in "dig UDP" "kdig TCP"; do
  q() { if [[ $client == dig* ]]; then d64_dig "$@"; else d64_kdig +tcp "$@"; fi; }
  out=$(q mapped.dns64.test AAAA)
  d64_expect_rcode "$out" NOERROR "mapped AAAA ($client)"
  d64_expect_rdata "$out" AAAA "64:ff9b::c000:228" "mapped AAAA ($client): only-excluded counts as empty, so synthesized from A 192.0.2.40"
  d64_expect_absent "$out" "::ffff:192.0.2.40" "mapped AAAA ($client)"

  out=$(q mixed.dns64.test AAAA)
  d64_expect_rcode "$out" NOERROR "mixed AAAA ($client)"
  d64_expect_rdata "$out" AAAA "2001:db8::41" "mixed AAAA ($client): the excluded ::ffff:192.0.2.41 is removed from the set"

  out=$(q v6only.dns64.test AAAA)
  d64_expect_rcode "$out" NOERROR "v6only AAAA ($client) with 2001:db8::30/128 excluded"
  (($(d64_count "$out" AAAA) == 0)) || d64_fail "v6only AAAA ($client): 2001:db8::30 is excluded and must not be returned
$out"
done
d64_pass
