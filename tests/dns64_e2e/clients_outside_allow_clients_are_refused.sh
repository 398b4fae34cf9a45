#!/usr/bin/env bash
# allow-clients: only clients inside the listed prefixes are served; others get REFUSED
# (not an open resolver). With allow-clients = ["127.0.0.1/32"]: 127.0.0.1 is answered,
# 127.0.0.2 (another loopback source address) and ::1 are refused, over UDP and TCP.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
D64_ALLOW_CLIENTS=("127.0.0.1/32")
d64_tundra_start

out=$(d64_dig -b 127.0.0.1 v4only.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "127.0.0.1 (allowed)"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "127.0.0.1 (allowed)"

refused() {  # OUTPUT WHAT
  d64_expect_rcode "$1" REFUSED "$2"
  (($(d64_count "$1" '*') == 0)) || d64_fail "$2: a refused client must get no records
$1"
}
refused "$(d64_dig -b 127.0.0.2 v4only.dns64.test AAAA)" "a query from 127.0.0.2 over UDP"
refused "$(d64_dig -b 127.0.0.2 +tcp v4only.dns64.test AAAA)" "a query from 127.0.0.2 over TCP"
refused "$(d64_dig -b 127.0.0.2 v4only.dns64.test A)" "an A query from 127.0.0.2"
refused "$(d64_dig -b 127.0.0.2 ipv4only.arpa AAAA)" "ipv4only.arpa from 127.0.0.2"
refused "$(d64_dig_at ::1 v4only.dns64.test AAAA)" "a query from ::1 over UDP"
refused "$(d64_kdig_at ::1 +tcp v4only.dns64.test AAAA)" "a query from ::1 over TCP (kdig)"

out=$(d64_kdig +tcp v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "127.0.0.1 over TCP (kdig), after the refusals"
d64_pass
