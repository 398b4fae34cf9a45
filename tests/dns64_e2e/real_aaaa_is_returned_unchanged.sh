#!/usr/bin/env bash
# RFC 6147 §5.1.1: a name with real (not excluded) AAAA records gets them, as they are, and
# nothing synthesized: dual (A 192.0.2.20 + AAAA 2001:db8::20) -> 2001:db8::20 only;
# v6only -> 2001:db8::30. The records equal NSD's own answer, TTL at most 300. Over UDP and
# TCP, both listen addresses, dig and kdig.
source "$(dirname "$0")/lib.sh"
d64_setup

for name in dual v6only; do
  direct=$(d64_dig_nsd $name.dns64.test AAAA)
  for client in "dig UDP" "kdig TCP" "dig [::1] TCP" "kdig [::1] UDP"; do
    case $client in
      "dig UDP") out=$(d64_dig $name.dns64.test AAAA) ;;
      "kdig TCP") out=$(d64_kdig +tcp $name.dns64.test AAAA) ;;
      "dig [::1] TCP") out=$(d64_dig_at ::1 +tcp $name.dns64.test AAAA) ;;
      "kdig [::1] UDP") out=$(d64_kdig_at ::1 $name.dns64.test AAAA) ;;
    esac
    d64_expect_rcode "$out" NOERROR "$name AAAA ($client)"
    [[ $(d64_records "$out" ANSWER) == "$(d64_records "$direct" ANSWER)" ]] \
      || d64_fail "$name AAAA ($client): the answer must be NSD's real AAAA, unchanged
--- via tundra
$out
--- NSD directly
$direct"
    d64_expect_ttls_between "$out" AAAA 1 300 "$name AAAA ($client)"
  done
done
out=$(d64_dig dual.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "2001:db8::20" "dual AAAA"
d64_expect_absent "$out" "64:ff9b::c000:214" "dual AAAA: no synthesized AAAA next to a real one (RFC 6147 §5.1.1)"
d64_pass
