#!/usr/bin/env bash
# Serving and forwarding: upstream queries go over UDP and are retried over TCP when the
# reply has TC=1. A relay answers every UDP query with an empty TC=1 reply and relays TCP
# queries to NSD: big (40 A records) AAAA over UDP with EDNS 4096 and over TCP gets all 40
# synthesized records without TC, and the relay saw TCP queries.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
tc_port=$(d64_port) || exit 1
d64_fake_start truncator "$tc_port" truncate --forward "127.0.0.1:$D64_NSD_PORT" --log "$D64_WORK/asked.txt"
D64_UPSTREAMS=("127.0.0.1:$tc_port")
d64_tundra_start

want=$(for i in $(seq 1 40); do d64_embed 64:ff9b::/96 "198.51.100.$i"; done | xargs)
out=$(d64_dig +bufsize=4096 +ignore big.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "big AAAA (UDP, EDNS 4096) behind a truncating upstream"
d64_expect_no_flag "$out" tc "big AAAA (UDP, EDNS 4096): tundra must have fetched the whole A reply over TCP"
d64_expect_rdata "$out" AAAA "$want" "big AAAA (UDP, EDNS 4096) behind a truncating upstream"
out=$(d64_kdig +tcp v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA (kdig TCP) behind a truncating upstream"
out=$(d64_dig v4multi.dns64.test A)
d64_expect_rdata "$out" A "192.0.2.10 192.0.2.11" "v4multi A behind a truncating upstream"
d64_expect_no_flag "$out" tc "v4multi A behind a truncating upstream"
grep -q '^tcp ' "$D64_WORK/asked.txt" || d64_fail "the upstream never saw a TCP query:
$(cat "$D64_WORK/asked.txt")"
d64_pass
