#!/usr/bin/env bash
# RFC 6147 §5.1.6 and the cache: when the AAAA lookup is empty and the A lookup fails
# (SERVFAIL), the DNS64 answers with the AAAA reply (NOERROR, no records) but must not
# cache it, or an IPv4-only name would stay without addresses for the SOA's negative TTL
# (an hour here) after the A side recovers. A relay fails the first A query for each name
# and relays everything else to NSD: the first query gets the empty answer, the very next
# one the synthesized AAAA.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
port=$(d64_port) || exit 1
d64_fake_start a-servfail-once "$port" a-servfail-once --forward "127.0.0.1:$D64_NSD_PORT" --log "$D64_WORK/asked.txt"
D64_UPSTREAMS=("127.0.0.1:$port")
d64_tundra_start

out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "v4only AAAA while the A lookup fails"
grep -q 'ANSWER: 0,' <<<"$out" || d64_fail "v4only AAAA while the A lookup fails: expected no records:
$out"
out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA right after (the empty answer must not have been cached)"
[[ $(grep -c ' v4only\.dns64\.test\. A$' "$D64_WORK/asked.txt") == 2 ]] || d64_fail "expected two A queries upstream:
$(cat "$D64_WORK/asked.txt")"
d64_pass
