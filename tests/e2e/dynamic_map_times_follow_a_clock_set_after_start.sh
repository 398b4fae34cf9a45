#!/usr/bin/env bash
# A router without a real-time clock starts tundra before NTP has set the time. tundra keeps
# its bindings on a monotonic clock (a clock step neither expires nor revives them), but
# what it writes to dynamic.map must be in the wall clock of the moment of writing, or the
# next start, with the right time, would find every binding 26 years old and drop it.
#
# libfaketime (Debian package faketime) plays the unset clock: tundra starts in 2000-01-01
# (the real monotonic clock untouched), a first client is bound and saved with a 2000 time;
# then the clock is "set" and a second client makes tundra save again: now both bindings
# must carry times of today.
source "$(dirname "$0")/lib.sh"
e2e_tundra_only "dynamic.map times in the wall clock"
e2e_need ping
faketime_lib=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -n 1)
[[ -n $faketime_lib ]] || e2e_skip "needs libfaketime (Debian package faketime)"

e2e_init
e2e_topology
clock="$E2E_WORK/faketime"
echo "@2000-01-01 00:00:00" >"$clock"
LD_PRELOAD=$faketime_lib FAKETIME_TIMESTAMP_FILE=$clock FAKETIME_NO_CACHE=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
  e2e_translator_start

map="$E2E_WORK/data/dynamic.map"
second6=2001:db8:1::3
c6 ip addr add "$second6/64" dev eth0 nodad

# The time dynamic.map gives client $1, or nothing.
saved_time() { awk -v c="$1" '$2 == c { print $3 }' "$map" 2>/dev/null; }
wait_saved() {
  local i
  for ((i = 0; i < 200; i++)); do
    [[ -n $(saved_time "$1") ]] && return 0
    sleep 0.1
  done
  e2e_fail "dynamic.map did not list $1 within 20 s: $(cat "$map" 2>&1)"
}

first4=$(e2e_client_ipv4) || e2e_fail "the server never saw the first client"
wait_saved "$CLIENT6"
t1=$(saved_time "$CLIENT6")
((t1 < 978307200)) || e2e_fail "before the clock was set, $CLIENT6 was saved at $t1, not in 2000 (is libfaketime working?)"
e2e_log "clock unset: $CLIENT6 ($first4) saved at $t1 ($(date -u -d "@$t1" +%F))"

echo "+0" >"$clock"  # NTP sets the clock
e2e_client_ipv4 "$second6" >/dev/null || e2e_fail "the server never saw the second client"
wait_saved "$second6"
now=$(date +%s)
for c in "$CLIENT6" "$second6"; do
  t=$(saved_time "$c")
  ((t > now - 3600 && t <= now + 5)) ||
    e2e_fail "after the clock was set, dynamic.map gives $c the time $t ($(date -u -d "@$t" +%F)), not today ($now): $(cat "$map")"
done
e2e_log "clock set: both clients saved with today's times ($(saved_time "$CLIENT6"), $(saved_time "$second6"))"

# And the binding made before the clock was set is still the first client's.
again=$(e2e_client_ipv4) || e2e_fail "the server no longer sees the first client"
[[ $again == "$first4" ]] || e2e_fail "the first client moved from $first4 to $again when the clock was set"
e2e_pass
