#!/usr/bin/env bash
# RFC 6147 §5.3.3: "All other RRs MUST be returned unchanged. This includes responses to
# queries for A RRs." §5.3.2: the additional section is never rewritten. For A, TXT and MX
# queries the rcode and the answer, authority and additional records (TTLs aside) equal
# NSD's own reply; TTLs are at most NSD's. The MX reply's additional A record for
# v4only.dns64.test stays an A.
source "$(dirname "$0")/lib.sh"
d64_setup

declare -A direct direct_records   # NSD's own replies, asked once per question

check() {  # NAME TYPE CLIENT-DESCRIPTION
  local name=$1 type=$2 how=$3 out d
  if [[ -z ${direct["$name $type"]:-} ]]; then
    direct["$name $type"]=$(d64_dig_nsd "$name" "$type")
    direct_records["$name $type"]=$(d64_all_records "${direct["$name $type"]}")
  fi
  d=${direct["$name $type"]}
  case $how in
    "dig UDP") out=$(d64_dig "$name" "$type") ;;
    "kdig TCP") out=$(d64_kdig +tcp "$name" "$type") ;;
    "dig [::1] UDP") out=$(d64_dig_at ::1 "$name" "$type") ;;
  esac
  [[ $(d64_rcode "$out") == "$(d64_rcode "$d")" ]] \
    || d64_fail "$name $type ($how): rcode $(d64_rcode "$out") differs from NSD's $(d64_rcode "$d")
$out"
  [[ $(d64_all_records "$out") == "${direct_records["$name $type"]}" ]] || d64_fail "$name $type ($how): the records differ from NSD's
--- via tundra
$out
--- NSD directly
$d"
  # TTLs: never above NSD's (a cache only counts them down).
  d64_ttls_not_above "$out" "$d" || d64_fail "$name $type ($how): a TTL is above NSD's
$out"
}

for name in v4only v4multi dual v6only mapped mixed alias big nothere txtonly nxalias; do
  check "$name.dns64.test" A "dig UDP"
done
for name in v4only alias big nothere; do
  check "$name.dns64.test" A "kdig TCP"
  check "$name.dns64.test" A "dig [::1] UDP"
done
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
