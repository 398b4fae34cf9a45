#!/usr/bin/env bash
# Serving and forwarding: the upstream reply is matched to the question (ID, name
# case-insensitively, type, class, and the upstream's address and port), so spoofed or
# stray replies are ignored. For every query, a fake upstream first sends replies carrying
# a bad address (AAAA 2001:db8:bad::1, A 203.0.113.66): the right ID from another source
# port, a wrong ID, the right ID for another name, the right ID for another type; 300 ms
# later it relays NSD's real reply with the question name in flipped case (which must be
# accepted). The client must get exactly the real data. Without the real reply the query
# ends in SERVFAIL, never in the spoofed data.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
spoof_port=$(d64_port) || exit 1
d64_fake_start spoofer "$spoof_port" wrong-id --forward "127.0.0.1:$D64_NSD_PORT" --delay-ms 300
D64_UPSTREAMS=("127.0.0.1:$spoof_port")
d64_tundra_start

bad_synth=$(d64_embed 64:ff9b::/96 203.0.113.66)
clean() {  # OUTPUT WHAT
  d64_expect_absent "$1" 2001:db8:bad::1 "$2: a spoofed AAAA was accepted"
  d64_expect_absent "$1" "$bad_synth" "$2: an AAAA synthesized from a spoofed A was accepted"
  [[ $(d64_rdata_line "$1" A) != *203.0.113.66* ]] || d64_fail "$2: a spoofed A was accepted
$1"
}
out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rcode "$out" NOERROR "v4only AAAA behind the spoofer"
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA behind the spoofer"
clean "$out" "v4only AAAA"
out=$(d64_dig v4short.dns64.test A)
d64_expect_rdata "$out" A "192.0.2.2" "v4short A behind the spoofer"
clean "$out" "v4short A"
out=$(d64_kdig +tcp dual.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "2001:db8::20" "dual AAAA behind the spoofer (kdig TCP)"
clean "$out" "dual AAAA"
out=$(d64_dig alias.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "alias AAAA behind the spoofer"
clean "$out" "alias AAAA"

# Spoofed replies only, the real one never comes.
liar_port=$(d64_port) || exit 1
d64_fake_start liar "$liar_port" wrong-id
D64_UPSTREAMS=("127.0.0.1:$liar_port")
D64_UPSTREAM_TIMEOUT_MS=500
D64_QUERY_TIMEOUT_MS=1500
d64_tundra_restart
for q in "v4only.dns64.test AAAA" "v4only.dns64.test A"; do
  # shellcheck disable=SC2086
  set -- $q
  out=$(timeout 20 dig @127.0.0.1 -p "$D64_PORT" +time=6 +tries=1 "$1" "$2" 2>&1)
  d64_expect_rcode "$out" SERVFAIL "$q when the upstream sends only spoofed replies"
  clean "$out" "$q (spoofed replies only)"
done
d64_pass
