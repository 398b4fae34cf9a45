#!/usr/bin/env bash
# Migration from Tayga: a dynamic.map (Tayga's format: IPv4 TAB IPv6 TAB last-use) already
# in data-dir binds the client to the address recorded there at start-up, even when the
# pool's hash would have placed it elsewhere; and the file still holds the binding after a
# clean stop.
source "$(dirname "$0")/lib.sh"
e2e_need ping
e2e_init
e2e_topology

recorded=192.168.255.77   # not where the hash puts 2001:db8:1::2 (Tayga: .233)
mkdir -p "$E2E_WORK/data"
{
  printf '###\n### TAYGA dynamic map database\n###\n'
  printf '%s\t%s\t%s\n' "$recorded" "$CLIENT6" "$(($(date +%s) - 60))"   # used a minute ago: active
} >"$E2E_WORK/data/dynamic.map"
e2e_translator_start

client4=$(e2e_client_ipv4) || e2e_fail "the server never saw the client"
[[ $client4 == "$recorded" ]] || e2e_fail "the client came out as $client4, not $recorded from dynamic.map"
e2e_log "the client is $client4, as dynamic.map says"
out=$(s4 timeout 10 ping -4 -n -c 2 -i 0.2 -W 2 "$recorded" 2>&1) || e2e_fail "server → $recorded failed: $out"

e2e_translator_stop
grep -Eq "^${recorded}[[:space:]]+${CLIENT6}[[:space:]]+[0-9]+\$" "$E2E_WORK/data/dynamic.map" \
  || e2e_fail "dynamic.map lost the binding on stop: $(grep -v '^#' "$E2E_WORK/data/dynamic.map")"
e2e_pass "seeded binding honoured and kept"
