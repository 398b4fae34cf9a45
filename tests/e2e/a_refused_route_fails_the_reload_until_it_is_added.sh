#!/usr/bin/env bash
# A reload is applied before the interface follows it, so a route the kernel then refuses
# cannot undo the reload; but it must not pass in silence. The router already routes
# 203.0.113.0/24 elsewhere (a blackhole); a reload that adds `tun-route =
# ["203.0.113.0/24"]` runs the new configuration, and `tundra reload` exits non-zero with
# one line that names the route. Once the blackhole is gone, the next reload adds the
# route into the TUN and succeeds.
source "$(dirname "$0")/lib.sh"
e2e_tundra_only "tundra reload"
e2e_setup

rt ip route add blackhole 203.0.113.0/24 || e2e_fail "cannot add the blackhole route"
sed -i 's|^\[daemon\]|tun-route = ["203.0.113.0/24"]\n[daemon]|' "$E2E_XLAT_CONF"
if e2e_tundra_ctl reload >"$E2E_WORK/reload.log" 2>&1; then
  e2e_fail "tundra reload succeeded although the route could not be added: $(cat "$E2E_WORK/reload.log")"
fi
e2e_log "tundra reload: $(cat "$E2E_WORK/reload.log")"
grep -q "configuration reloaded, but the interface did not follow: route 203.0.113.0/24" "$E2E_WORK/reload.log" \
  || e2e_fail "the reload's error does not name the route: $(cat "$E2E_WORK/reload.log")"
(($(wc -l <"$E2E_WORK/reload.log") == 1)) || e2e_fail "more than one line: $(cat "$E2E_WORK/reload.log")"
e2e_tundra_ctl show config >"$E2E_WORK/config.txt" 2>&1 || e2e_fail "show config: $(cat "$E2E_WORK/config.txt")"
grep -q '203.0.113.0/24' "$E2E_WORK/config.txt" || e2e_fail "the new configuration is not running: $(grep tun-route "$E2E_WORK/config.txt")"
kill -0 "$E2E_XLAT_PID" 2>/dev/null || e2e_fail "the daemon exited"

rt ip route del blackhole 203.0.113.0/24
e2e_tundra_ctl reload >"$E2E_WORK/reload.log" 2>&1 || e2e_fail "the second reload failed: $(cat "$E2E_WORK/reload.log")"
rt ip route show 203.0.113.0/24 | grep -q "dev $TUN" || e2e_fail "no route into $TUN after the second reload: $(rt ip route show 203.0.113.0/24)"
e2e_pass
