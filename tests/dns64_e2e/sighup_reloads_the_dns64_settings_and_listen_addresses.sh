#!/usr/bin/env bash
# Reload (SIGHUP) applies a changed [dns64] table to the running DNS64: translate-all turned
# on changes the answer for a dual-stack name (the cache is emptied because the answers
# change); a new listen address starts answering and a removed one stops; a configuration
# whose new listen address cannot be bound is refused and the old one keeps serving; a new
# upstream empties the cache too (a second NSD that serves dns64.test without v4only's A
# record, so the old cached answer would show).
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
d64_tundra_start

out=$(d64_dig dual.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "2001:db8::20" "dual AAAA before the reload (its real AAAA)"

# translate-all on, and a second listen port instead of [::1].
second=$(d64_port)
D64_TRANSLATE_ALL=true
D64_LISTEN=("127.0.0.1:$D64_PORT" "127.0.0.1:$second")
d64_write_tundra_toml "$D64_WORK/tundra.toml"
kill -HUP "$D64_TUNDRA_PID"
d64_wait_until 5 "the DNS64 to listen on 127.0.0.1:$second after SIGHUP" d64_listening udp "$second" 127.0.0.1
kill -0 "$D64_TUNDRA_PID" || d64_fail "tundra exited on SIGHUP"

out=$(d64_dig dual.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:214" "dual AAAA after reloading with translate-all (synthesized, not the cached real one)"
out=$(timeout 20 dig @127.0.0.1 -p "$second" +time=5 +tries=1 v4only.dns64.test AAAA 2>&1)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA at the new listen address"
d64_wait_until 5 "[::1]:$D64_PORT to be closed after the reload" bash -c "! ss -Hlun '( sport = :$D64_PORT )' | grep -q '\[::1\]'"

# A listen address that cannot be bound (not on this host): refused, the old settings stay.
D64_TRANSLATE_ALL=false
D64_LISTEN=("127.0.0.1:$D64_PORT" "192.0.2.1:$second")
d64_write_tundra_toml "$D64_WORK/tundra.toml"
kill -HUP "$D64_TUNDRA_PID"
d64_wait_until 5 "the refused reload in the log" grep -q "reload refused" "$D64_WORK/tundra.log"
grep "reload refused" "$D64_WORK/tundra.log" | grep -q "192.0.2.1" || d64_fail "the refusal does not name the address: $(grep 'reload refused' "$D64_WORK/tundra.log")"
out=$(d64_dig dual.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:214" "dual AAAA after a refused reload (translate-all still on)"
d64_listening udp "$second" 127.0.0.1 || d64_fail "the refused reload closed 127.0.0.1:$second"

# Only the upstream changes: to an NSD that does not serve dns64.test at all.
out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA before the upstream changes (now cached)"
other=$(d64_port) || exit 1
d64_nsd_start other "$other" example.net
D64_TRANSLATE_ALL=true  # as running: nothing else changes
D64_LISTEN=("127.0.0.1:$D64_PORT" "127.0.0.1:$second")
D64_UPSTREAMS=("127.0.0.1:$other")
d64_write_tundra_toml "$D64_WORK/tundra.toml"
kill -HUP "$D64_TUNDRA_PID"
d64_wait_until 5 "the second reload in the log" bash -c "(( \$(grep -c 'configuration reloaded' '$D64_WORK/tundra.log') >= 2 ))"
out=$(d64_dig v4only.dns64.test AAAA)
[[ $(d64_rcode "$out") != NOERROR ]] || d64_fail "v4only AAAA after the upstream changed: still the cached answer of the old upstream
$out"
d64_pass
