#!/usr/bin/env bash
# RFC 6147 §5.1.2: NXDOMAIN for the AAAA query "is handled according to normal DNS
# operation": it reaches the client as NXDOMAIN with the upstream's SOA, and no A query is
# made for the name. A relaying fake upstream in front of NSD logs what tundra asks.
# (A DNS64 that turns NXDOMAIN into an empty NOERROR breaks getaddrinfo's search list.)
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
relay_port=$(d64_port) || exit 1
d64_fake_start relay "$relay_port" forward --forward "127.0.0.1:$D64_NSD_PORT" --log "$D64_WORK/asked.txt"
D64_UPSTREAMS=("127.0.0.1:$relay_port")
d64_tundra_start

direct=$(d64_dig_nsd nothere.dns64.test AAAA)
for client in "dig UDP" "kdig TCP" "dig +dnssec"; do
  case $client in
    "dig UDP") out=$(d64_dig nothere.dns64.test AAAA) ;;
    "kdig TCP") out=$(d64_kdig +tcp NotHere.dns64.test AAAA) ;;
    "dig +dnssec") out=$(d64_dig +dnssec nothere.dns64.test AAAA) ;;
  esac
  d64_expect_rcode "$out" NXDOMAIN "nothere AAAA ($client)"
  (($(d64_count "$out" '*') == 0)) || d64_fail "nothere AAAA ($client): the answer section must stay empty
$out"
  [[ $(d64_records "$out" AUTHORITY) == "$(d64_records "$direct" AUTHORITY)" ]] \
    || d64_fail "nothere AAAA ($client): the authority section must be NSD's (SOA dns64.test.)
--- via tundra
$out
--- NSD directly
$direct"
done
ttl=$(d64_ttls "$out" SOA AUTHORITY | head -n1)
[[ -n $ttl ]] && ((ttl <= 60)) || d64_fail "nothere AAAA: the SOA's TTL must stay at most 60, got '$ttl'
$out"

sleep 0.5   # an A query sent after the reply would still show
asked=$(cat "$D64_WORK/asked.txt")
grep -Eq ' nothere\.dns64\.test\. AAAA$' <<<"$asked" || d64_fail "the relay never saw the AAAA query: $asked"
if grep -Eq ' nothere\.dns64\.test\. A$' <<<"$asked"; then
  d64_fail "tundra made an A query for a name whose AAAA query gave NXDOMAIN (RFC 6147 §5.1.2). Upstream saw:
$asked"
fi
d64_pass
