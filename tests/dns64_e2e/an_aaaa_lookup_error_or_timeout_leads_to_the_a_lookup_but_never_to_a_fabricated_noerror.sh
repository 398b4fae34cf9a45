#!/usr/bin/env bash
# RFC 6147 §5.1.2, §5.1.3, §5.1.6: an AAAA lookup that ends in SERVFAIL (or any error but
# NXDOMAIN) or times out is treated as empty and leads to the A lookup; if that gives A
# records they are synthesized. If the A lookup is empty too, the original AAAA reply is
# returned with its rcode: never a fabricated NOERROR.
#  (1) a relay answers every AAAA query with SERVFAIL and relays the rest to NSD:
#      v4only -> 64:ff9b::c000:201; txtonly (no A either) -> SERVFAIL; dual -> synthesized
#      64:ff9b::c000:214 (its real AAAA was never seen).
#  (2) a relay drops every AAAA query and relays the rest: v4only -> 64:ff9b::c000:201
#      within query-timeout-ms; txtonly -> SERVFAIL.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
sf_port=$(d64_port) || exit 1
d64_fake_start aaaa-servfail "$sf_port" aaaa-servfail --forward "127.0.0.1:$D64_NSD_PORT" --log "$D64_WORK/sf-asked.txt"
drop_port=$(d64_port) || exit 1
d64_fake_start aaaa-silent "$drop_port" aaaa-silent --forward "127.0.0.1:$D64_NSD_PORT" --log "$D64_WORK/drop-asked.txt"

D64_UPSTREAMS=("127.0.0.1:$sf_port")
d64_tundra_start
out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "v4only AAAA when the AAAA lookup gets SERVFAIL"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA when the AAAA lookup gets SERVFAIL (RFC 6147 §5.1.2: go on to the A lookup)"
out=$(d64_kdig +tcp dual.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:214" "dual AAAA when the AAAA lookup gets SERVFAIL (kdig TCP)"
out=$(d64_dig txtonly.dns64.test AAAA)
d64_expect_rcode "$out" SERVFAIL "txtonly AAAA: AAAA lookup SERVFAIL, A lookup empty: the AAAA reply's rcode, not a fabricated NOERROR (RFC 6147 §5.1.6)"
grep -Eq ' v4only\.dns64\.test\. A$' "$D64_WORK/sf-asked.txt" || d64_fail "the upstream never saw an A query for v4only:
$(cat "$D64_WORK/sf-asked.txt")"

D64_UPSTREAMS=("127.0.0.1:$drop_port")
D64_UPSTREAM_TIMEOUT_MS=500
D64_QUERY_TIMEOUT_MS=3000
d64_tundra_restart
out=$(timeout 20 dig @127.0.0.1 -p "$D64_PORT" +time=8 +tries=1 v4only.dns64.test AAAA 2>&1)
ms=$(d64_query_ms "$out")
d64_expect_rcode "$out" NOERROR "v4only AAAA when the AAAA lookup times out (after $ms ms)"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA when the AAAA lookup times out (RFC 6147 §5.1.3: a timeout counts as SERVFAIL, so the A lookup decides)"
((ms <= 3500)) || d64_fail "v4only AAAA with the AAAA lookup timing out took $ms ms (query-timeout-ms 3000)"
d64_log "v4only AAAA with the AAAA lookup timing out: $ms ms"
out=$(timeout 20 dig @127.0.0.1 -p "$D64_PORT" +time=8 +tries=1 txtonly.dns64.test AAAA 2>&1)
d64_expect_rcode "$out" SERVFAIL "txtonly AAAA: AAAA lookup timed out, A lookup empty"
d64_pass
