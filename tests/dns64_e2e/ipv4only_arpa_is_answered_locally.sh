#!/usr/bin/env bash
# RFC 8880 §7.2, RFC 7050: ipv4only.arpa is answered by the DNS64 itself: A 192.0.0.170 and
# 192.0.0.171, AAAA the same two synthesized under the prefix (64:ff9b::c000:aa and
# 64:ff9b::c000:ab), so clients discover the prefix. The upstream (a relay in front of NSD,
# which does not even serve ipv4only.arpa) never sees the query. Other types at the name:
# NOERROR without records; names under it: NXDOMAIN.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
relay_port=$(d64_port) || exit 1
d64_fake_start relay "$relay_port" forward --forward "127.0.0.1:$D64_NSD_PORT" --log "$D64_WORK/asked.txt"
D64_UPSTREAMS=("127.0.0.1:$relay_port")
d64_tundra_start

for client in "dig UDP" "kdig TCP" "dig [::1] UDP"; do
  q() {
    case $client in
      "dig UDP") d64_dig "$@" ;;
      "kdig TCP") d64_kdig +tcp "$@" ;;
      "dig [::1] UDP") d64_dig_at ::1 "$@" ;;
    esac
  }
  out=$(q ipv4only.arpa AAAA)
  d64_expect_rcode "$out" NOERROR "ipv4only.arpa AAAA ($client)"
  d64_expect_rdata "$out" AAAA "64:ff9b::c000:aa 64:ff9b::c000:ab" "ipv4only.arpa AAAA ($client)"
  out=$(q ipv4only.arpa A)
  d64_expect_rcode "$out" NOERROR "ipv4only.arpa A ($client)"
  d64_expect_rdata "$out" A "192.0.0.170 192.0.0.171" "ipv4only.arpa A ($client)"
done
out=$(d64_dig IPv4Only.ARPA AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:aa 64:ff9b::c000:ab" "IPv4Only.ARPA AAAA (names are case-insensitive)"
out=$(d64_dig +dnssec ipv4only.arpa AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:aa 64:ff9b::c000:ab" "ipv4only.arpa AAAA +dnssec"
out=$(d64_dig ipv4only.arpa TXT)
d64_expect_rcode "$out" NOERROR "ipv4only.arpa TXT (RFC 8880 §7.2: a negative answer)"
(($(d64_count "$out" '*') == 0)) || d64_fail "ipv4only.arpa TXT: no records expected
$out"
out=$(d64_dig foo.ipv4only.arpa A)
d64_expect_rcode "$out" NXDOMAIN "foo.ipv4only.arpa A"

sleep 0.3
if grep -qi 'ipv4only' "$D64_WORK/asked.txt" 2>/dev/null; then
  d64_fail "ipv4only.arpa must be answered locally, but the upstream saw:
$(cat "$D64_WORK/asked.txt")"
fi
d64_pass
