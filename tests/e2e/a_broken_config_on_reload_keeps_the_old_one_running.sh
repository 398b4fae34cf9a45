#!/usr/bin/env bash
# A reload with a broken configuration file is refused with one clear line and the daemon
# keeps translating with the configuration it had, both through `tundra reload` (which must
# exit non-zero) and through SIGHUP (the daemon must stay up). A good file then reloads.
# (Tayga 0.9.2's SIGHUP does not re-read tayga.conf at all: tundra-only.)
source "$(dirname "$0")/lib.sh"
e2e_tundra_only "tundra reload"
e2e_need ping
e2e_setup

traffic_flows() { c6 timeout 10 ping -6 -n -c 2 -i 0.2 -W 2 "$SERVER6" >/dev/null 2>&1; }
traffic_flows || e2e_fail "no traffic before the reload"
cp "$E2E_XLAT_CONF" "$E2E_WORK/good.toml"

# A prefix length RFC 6052 does not allow: parses as TOML, fails validation.
sed 's|^prefix = .*|prefix = "64:ff9b::/95"|' "$E2E_WORK/good.toml" >"$E2E_XLAT_CONF"
if e2e_tundra_ctl reload >"$E2E_WORK/reload.log" 2>&1; then
  e2e_fail "tundra reload accepted a /95 prefix: $(cat "$E2E_WORK/reload.log")"
fi
e2e_log "tundra reload refused it: $(head -n 3 "$E2E_WORK/reload.log")"
grep -q . "$E2E_WORK/reload.log" || e2e_fail "tundra reload failed without saying why"
kill -0 "$E2E_XLAT_PID" 2>/dev/null || e2e_fail "the daemon exited after a refused reload"
traffic_flows || e2e_fail "traffic stopped after a refused reload"

# Not TOML at all, via SIGHUP.
printf '[translator\nprefix = \n' >"$E2E_XLAT_CONF"
kill -HUP "$E2E_XLAT_PID"
sleep 1
kill -0 "$E2E_XLAT_PID" 2>/dev/null || e2e_fail "the daemon exited on SIGHUP with a broken file"
traffic_flows || e2e_fail "traffic stopped after SIGHUP with a broken file"
e2e_log "SIGHUP with a broken file: still running and translating"

cp "$E2E_WORK/good.toml" "$E2E_XLAT_CONF"
e2e_tundra_ctl reload >"$E2E_WORK/reload.log" 2>&1 || e2e_fail "tundra reload of the good file failed: $(cat "$E2E_WORK/reload.log")"
traffic_flows || e2e_fail "traffic stopped after reloading the good file"
e2e_pass
