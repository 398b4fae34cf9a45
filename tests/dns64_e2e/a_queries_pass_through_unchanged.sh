#!/usr/bin/env bash
# RFC 6147 §5.3.3: "All other RRs MUST be returned unchanged. This includes responses to
# queries for A RRs." §5.3.2: the additional section is never rewritten. For A, TXT and MX
# queries the rcode and the answer, authority and additional records (TTLs aside) equal
# NSD's own reply; TTLs are at most NSD's. The MX reply's additional A record for
# v4only.dns64.test stays an A.
source "$(dirname "$0")/lib.sh"
d64_setup

check() {  # NAME TYPE CLIENT-DESCRIPTION
  local name=$1 type=$2 how=$3 out direct s t
  direct=$(d64_dig_nsd "$name" "$type")
  case $how in
    "dig UDP") out=$(d64_dig "$name" "$type") ;;
    "kdig TCP") out=$(d64_kdig +tcp "$name" "$type") ;;
    "dig [::1] UDP") out=$(d64_dig_at ::1 "$name" "$type") ;;
  esac
  [[ $(d64_rcode "$out") == "$(d64_rcode "$direct")" ]] \
    || d64_fail "$name $type ($how): rcode $(d64_rcode "$out") differs from NSD's $(d64_rcode "$direct")
$out"
  for s in ANSWER AUTHORITY ADDITIONAL; do
    [[ $(d64_records "$out" $s) == "$(d64_records "$direct" $s)" ]] || d64_fail "$name $type ($how): the $s section differs from NSD's
--- via tundra
$out
--- NSD directly
$direct"
  done
  # TTLs: never above NSD's (a cache only counts them down).
  paste <(d64_section "$out" ANSWER | sort -k4,5 | awk '{print $2}') <(d64_section "$direct" ANSWER | sort -k4,5 | awk '{print $2}') \
    | while read -r t d; do ((t <= d)) || { echo "TTL $t above NSD's $d"; exit 1; }; done \
    || d64_fail "$name $type ($how): a TTL is above NSD's
$out"
}

for how in "dig UDP" "kdig TCP" "dig [::1] UDP"; do
  for name in v4only v4multi dual v6only mapped mixed alias big wide nothere txtonly nxalias; do
    check "$name.dns64.test" A "$how"
  done
done
check v4only.dns64.test TXT "dig UDP"
check txtonly.dns64.test TXT "dig UDP"
check mail.dns64.test MX "dig UDP"
check mail.dns64.test MX "kdig TCP"
check dns64.test SOA "dig UDP"
check dns64.test NS "dig UDP"

out=$(d64_dig v4multi.dns64.test A)
d64_expect_rdata "$out" A "192.0.2.10 192.0.2.11" "v4multi A"
out=$(d64_dig mail.dns64.test MX)
[[ $(d64_section "$out" ADDITIONAL | awk '$1 == "v4only.dns64.test." {print $4, $5}') == "A 192.0.2.1" ]] \
  || d64_fail "mail MX: the additional section must keep v4only.dns64.test. A 192.0.2.1 as it is (RFC 6147 §5.3.2)
$out"
d64_pass
