#!/usr/bin/env bash
# [[dns64.zone]] with dns64 = false (the operator's own zone, CoreDNS's second server
# block): queries at or under example.net go to that zone's own upstream (a second NSD that
# alone serves example.net) and come back unchanged in rcode and records: a real AAAA as
# it is, NODATA for an A-only name (no synthesis), NXDOMAIN for a name that does not
# exist. A longer zone block (synth.example.net, dns64 = true) wins inside it (longest
# suffix), and names outside both blocks still get the global upstream and synthesis.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start nsd "$D64_NSD_PORT" dns64.test 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa
op_port=$(d64_port) || exit 1
d64_nsd_start operator "$op_port" example.net
D64_ZONES_TOML="[[dns64.zone]]
name = \"example.net\"
dns64 = false
upstream = [\"127.0.0.1:$op_port\"]

[[dns64.zone]]
name = \"synth.example.net\"
dns64 = true
upstream = [\"127.0.0.1:$op_port\"]"
d64_tundra_start

same() {  # NAME TYPE CLIENT
  local out direct s
  direct=$(d64_dig_nsd_port "$op_port" "$1" "$2")
  if [[ $3 == kdig* ]]; then out=$(d64_kdig +tcp "$1" "$2"); else out=$(d64_dig "$1" "$2"); fi
  [[ $(d64_rcode "$out") == "$(d64_rcode "$direct")" ]] \
    || d64_fail "$1 $2 ($3): rcode $(d64_rcode "$out") differs from the operator NSD's $(d64_rcode "$direct")
$out"
  for s in ANSWER AUTHORITY ADDITIONAL; do
    [[ $(d64_records "$out" $s) == "$(d64_records "$direct" $s)" ]] || d64_fail "$1 $2 ($3): the $s section differs from the operator NSD's
--- via tundra
$out
--- operator NSD directly
$direct"
  done
  REPLY=$out
}

for client in "dig UDP" "kdig TCP"; do
  same host.example.net AAAA "$client"
  d64_expect_rcode "$REPLY" NOERROR "host.example.net AAAA ($client)"
  d64_expect_rdata "$REPLY" AAAA "2001:db8::99" "host.example.net AAAA ($client)"
  same v4host.example.net AAAA "$client"
  d64_expect_rcode "$REPLY" NOERROR "v4host.example.net AAAA ($client)"
  (($(d64_count "$REPLY" AAAA) == 0)) || d64_fail "v4host.example.net AAAA ($client): dns64 = false, nothing may be synthesized
$REPLY"
  [[ -n $(d64_rdata "$REPLY" SOA AUTHORITY) ]] || d64_fail "v4host.example.net AAAA ($client): NODATA must keep the SOA
$REPLY"
  same nothere.example.net AAAA "$client"
  d64_expect_rcode "$REPLY" NXDOMAIN "nothere.example.net AAAA ($client)"
  same v4host.example.net A "$client"
  d64_expect_rdata "$REPLY" A "192.0.2.98" "v4host.example.net A ($client)"
done

out=$(d64_dig a.synth.example.net AAAA)
d64_expect_rcode "$out" NOERROR "a.synth.example.net AAAA (zone block synth.example.net, dns64 = true)"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:232" "a.synth.example.net AAAA: the longer zone block synthesizes"

out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only.dns64.test AAAA (outside the zone blocks: the global upstream, synthesis on)"
out=$(d64_dig host.example.net A)
d64_expect_rdata "$out" A "192.0.2.99" "host.example.net A"
d64_pass
