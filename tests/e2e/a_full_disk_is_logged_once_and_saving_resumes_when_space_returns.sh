#!/usr/bin/env bash
# Faults (issue 7 §4): when data-dir fills up, saving dynamic.map fails; tundra says so in
# one log line (not one per retry), does not spin, keeps translating, and saves again as
# soon as space returns. data-dir is a 64 KiB tmpfs filled to the last byte.
source "$(dirname "$0")/lib.sh"
e2e_need ping mount umount dd
e2e_tundra_only "dynamic.map persistence and its log"
e2e_init
trap 'rc=$?; umount "$E2E_WORK/data" 2>/dev/null; (exit $rc); e2e_cleanup' EXIT
e2e_topology
mkdir -p "$E2E_WORK/data"
mount -t tmpfs -o size=64k tundra-e2e-full "$E2E_WORK/data" || e2e_skip "cannot mount a tmpfs"
dd if=/dev/zero of="$E2E_WORK/data/filler" bs=1k 2>/dev/null  # until ENOSPC
e2e_translator_start

# A new client: a binding to save, on a full disk.
c6 ping -6 -n -c 2 -i 0.2 -W 2 "$SERVER6" >/dev/null || e2e_fail "the client cannot reach the server"
ticks() { awk '{print $14 + $15}' "/proc/$E2E_XLAT_PID/stat"; }
before=$(ticks)
sleep 4  # eight retries at 0.5 s
spent=$(($(ticks) - before))
errors=$(grep -c "dynamic.map.*No space left" "$E2E_WORK/translator.log" || true)
[[ $errors == 1 ]] || e2e_fail "expected one log line about the full disk, found $errors"
# Busy-looping would cost about 400 ticks in 4 s; retries twice a second cost almost nothing.
((spent < 100)) || e2e_fail "tundra used $spent clock ticks in 4 s on a full disk"
c6 ping -6 -n -c 1 -W 2 "$SERVER6" >/dev/null || e2e_fail "translation stopped while the disk was full"
e2e_log "one error line, $spent ticks of CPU in 4 s, still translating"

rm -f "$E2E_WORK/data/filler"
e2e_wait_until 5 "'dynamic.map saved again' in the log after space returned" \
  grep -q "dynamic.map saved again" "$E2E_WORK/translator.log"
grep -Eq "[[:space:]]$CLIENT6[[:space:]]" "$E2E_WORK/data/dynamic.map" || e2e_fail "dynamic.map does not list the client"
e2e_pass
