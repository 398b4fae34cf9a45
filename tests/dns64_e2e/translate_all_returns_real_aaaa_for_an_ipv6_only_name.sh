#!/usr/bin/env bash
# translate-all = true (RFC 6147 §5.1.1 deviation, Appendix A): every name with A records
# gets synthesized AAAAs instead of its real ones, but a name with AAAA and no A (v6only)
# still gets its real AAAA 2001:db8::30. CoreDNS's translate_all and Unbound 1.17's
# dns64-synthall return an empty answer there: the bug operators hit. Excluded records are
# never returned, also not under translate-all.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
D64_TRANSLATE_ALL=true
d64_tundra_start

out=$(d64_dig v6only.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "v6only AAAA under translate-all"
d64_expect_rdata "$out" AAAA "2001:db8::30" "v6only AAAA under translate-all (AAAA but no A: the real AAAA)"
out=$(d64_kdig +tcp v6only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "2001:db8::30" "v6only AAAA under translate-all over TCP (kdig)"

out=$(d64_dig dual.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "dual AAAA under translate-all"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:214" "dual AAAA under translate-all (synthesized from A 192.0.2.20, the real one dropped)"

out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA under translate-all"

out=$(d64_dig mapped.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:228" "mapped AAAA under translate-all (A 192.0.2.40; ::ffff:192.0.2.40 excluded)"

out=$(d64_dig nothere.dns64.test AAAA)
d64_expect_rcode "$out" NXDOMAIN "nothere AAAA under translate-all"
d64_pass
