#!/usr/bin/env bash
# RFC 6147 §5.1.2 with a CNAME chain: nxalias is a CNAME to a name that does not exist, so
# the AAAA reply is NXDOMAIN *with* the CNAME in its answer. It must reach the client as
# exactly that (rcode NXDOMAIN, the CNAME, NSD's SOA), without an A lookup. CoreDNS
# classifies "NXDOMAIN with answers" as another error, synthesizes and answers NOERROR.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
relay_port=$(d64_port) || exit 1
d64_fake_start relay "$relay_port" forward --forward "127.0.0.1:$D64_NSD_PORT" --log "$D64_WORK/asked.txt"
D64_UPSTREAMS=("127.0.0.1:$relay_port")
d64_tundra_start

direct=$(d64_dig_nsd nxalias.dns64.test AAAA)
d64_expect_rcode "$direct" NXDOMAIN "NSD itself (harness check)"
for client in "dig UDP" "kdig TCP"; do
  if [[ $client == dig* ]]; then out=$(d64_dig nxalias.dns64.test AAAA); else out=$(d64_kdig +tcp nxalias.dns64.test AAAA); fi
  d64_expect_rcode "$out" NXDOMAIN "nxalias AAAA ($client)"
  d64_expect_rdata "$out" CNAME "nothere.dns64.test." "nxalias AAAA ($client): the CNAME stays"
  (($(d64_count "$out" AAAA) == 0)) || d64_fail "nxalias AAAA ($client): no AAAA may be synthesized
$out"
  [[ $(d64_records "$out" ANSWER) == "$(d64_records "$direct" ANSWER)" && $(d64_records "$out" AUTHORITY) == "$(d64_records "$direct" AUTHORITY)" ]] \
    || d64_fail "nxalias AAAA ($client): answer and authority must be NSD's
--- via tundra
$out
--- NSD directly
$direct"
done

sleep 0.5
asked=$(cat "$D64_WORK/asked.txt")
if grep -Eq ' (nxalias|nothere)\.dns64\.test\. A$' <<<"$asked"; then
  d64_fail "tundra made an A query after an NXDOMAIN AAAA reply with a CNAME chain (RFC 6147 §5.1.2). Upstream saw:
$asked"
fi
d64_pass
