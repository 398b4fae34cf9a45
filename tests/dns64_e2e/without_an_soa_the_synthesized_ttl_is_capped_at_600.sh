#!/usr/bin/env bash
# RFC 6147 §5.1.7: when the negative AAAA reply carries no SOA, the synthesized TTL is "the
# TTL of the original A RR or 600 seconds, whichever is shorter". A relay strips the
# authority section from NSD's replies: v4long (A TTL 3600) -> 600, v4only (A TTL 300)
# -> 300, v4short (A TTL 30) -> 30.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
relay_port=$(d64_port) || exit 1
d64_fake_start relay "$relay_port" strip-soa --forward "127.0.0.1:$D64_NSD_PORT"
D64_UPSTREAMS=("127.0.0.1:$relay_port")
d64_tundra_start

out=$(d64_dig v4long.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:203" "v4long AAAA"
d64_expect_ttls_between "$out" AAAA 590 600 "v4long AAAA without an SOA: min(A TTL 3600, 600)"
out=$(d64_kdig +tcp v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA (kdig TCP)"
d64_expect_ttls_between "$out" AAAA 290 300 "v4only AAAA without an SOA: min(A TTL 300, 600)"
out=$(d64_dig v4short.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:202" "v4short AAAA"
d64_expect_ttls_between "$out" AAAA 20 30 "v4short AAAA without an SOA: min(A TTL 30, 600)"
d64_pass
