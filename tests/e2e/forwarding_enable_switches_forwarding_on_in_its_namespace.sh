#!/usr/bin/env bash
# forwarding = "enable" (RouterOS containers, whose host cannot set sysctls): with IPv6 and
# IPv4 forwarding off in the router namespace, as in a new container, tundra switches both
# on at start and ping crosses the translator; with "keep" it leaves them off and says so
# in its log, and the ping goes nowhere.
source "$(dirname "$0")/lib.sh"
e2e_tundra_only "the forwarding key"
e2e_need ping
e2e_init
e2e_topology
forwarding() { echo "$(rt sysctl -n net.ipv6.conf.all.forwarding) $(rt sysctl -n net.ipv4.ip_forward)"; }

rt sysctl -qw net.ipv6.conf.all.forwarding=0 net.ipv4.ip_forward=0
TUNDRA_EXTRA_TOML='forwarding = "keep"'
e2e_translator_start
[[ $(forwarding) == "0 0" ]] || e2e_fail "forwarding = \"keep\" changed forwarding to $(forwarding)"
grep -q "IPv6 forwarding is off in this network namespace" "$E2E_WORK/translator.log" ||
  e2e_fail "no warning that IPv6 forwarding is off: $(tail -5 "$E2E_WORK/translator.log")"
c6 timeout 5 ping -6 -n -c 2 -i 0.2 -W 1 "$SERVER6" >/dev/null 2>&1 && e2e_fail "a ping crossed without forwarding"
e2e_log "keep: forwarding stays off ($(forwarding)), warned, no ping through"
e2e_translator_stop

TUNDRA_EXTRA_TOML='forwarding = "enable"'
E2E_XLAT_CONF=""
e2e_translator_start
[[ $(forwarding) == "1 1" ]] || e2e_fail "forwarding = \"enable\" left forwarding at $(forwarding)"
grep -q 'IPv6 and IPv4 forwarding switched on' "$E2E_WORK/translator.log" || e2e_fail "no log line about forwarding"
out=$(c6 timeout 15 ping -6 -n -c 3 -i 0.2 -W 2 "$SERVER6" 2>&1) || e2e_fail "ping -6 $SERVER6 failed: $out"
e2e_pass "enable: forwarding $(forwarding), $(grep -m1 'packets transmitted' <<<"$out")"
