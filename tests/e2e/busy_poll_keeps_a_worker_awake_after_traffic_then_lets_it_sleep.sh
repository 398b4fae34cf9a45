#!/usr/bin/env bash
# `busy-poll` in the daemon: with busy-poll = 700000 (0.7 s) `show stats` names it in the
# data path, and after one ping the worker that carried it keeps running (it polls its
# queue instead of sleeping) for the window, then sleeps: its CPU time, from
# /proc/PID/task/*/stat, grows by at least 150 ms in the 0.4 s after the ping and by at most
# 50 ms in a 0.4 s stretch a second later. Without busy-poll the same ping leaves every
# worker asleep.
source "$(dirname "$0")/lib.sh"
e2e_tundra_only "busy-poll"
e2e_need ping

# CPU time of all of tundra's worker threads (tundra-q*), in milliseconds.
workers_cpu_ms() {
  local task total=0 fields
  for task in /proc/"$E2E_XLAT_PID"/task/*; do
    [[ $(cat "$task/comm" 2>/dev/null) == tundra-q* ]] || continue
    read -ra fields <<<"$(sed 's/^.*) //' "$task/stat")"
    total=$((total + fields[11] + fields[12]))   # utime, stime: fields 14 and 15 of stat
  done
  echo $((total * 1000 / $(getconf CLK_TCK)))
}

# Pings once, then prints the workers' CPU in the 0.4 s after it and in 0.4 s a second later.
cpu_after_one_ping() {
  c6 timeout 5 ping -6 -n -c 1 -W 2 "$SERVER6" >/dev/null || e2e_fail "ping -6 $SERVER6 failed"
  local a b c d
  a=$(workers_cpu_ms); sleep 0.4; b=$(workers_cpu_ms)
  sleep 0.6
  c=$(workers_cpu_ms); sleep 0.4; d=$(workers_cpu_ms)
  echo "$((b - a)) $((d - c))"
}

TUNDRA_EXTRA_TOML="busy-poll = 700000"
e2e_setup
data_path=$(e2e_tundra_ctl show stats --json | "$E2E_PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["data_path_mode"])')
e2e_log "data path: $data_path"
[[ $data_path == *"busy-poll 700000 µs"* ]] || e2e_fail "show stats does not name busy-poll: $data_path"
read -r during after < <(cpu_after_one_ping)
e2e_log "busy-poll = 700000: workers' CPU $during ms in the 0.4 s after a ping, $after ms a second later"
((during >= 150)) || e2e_fail "the worker did not keep polling after the ping ($during ms of CPU)"
((after <= 50)) || e2e_fail "the worker still polls a second after the ping ($after ms of CPU)"
e2e_translator_stop

TUNDRA_EXTRA_TOML=""
E2E_XLAT_CONF=""  # rewritten without busy-poll
e2e_translator_start
read -r during after < <(cpu_after_one_ping)
e2e_log "busy-poll = 0: workers' CPU $during ms in the 0.4 s after a ping, $after ms a second later"
((during <= 50)) || e2e_fail "without busy-poll a worker used $during ms of CPU after one ping"
e2e_pass
