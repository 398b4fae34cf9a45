#!/usr/bin/env bash
# Dynamic bindings survive the daemon: after a clean stop (SIGTERM) and after SIGKILL, the
# restarted translator still holds the client's IPv4 address. Proven from the IPv4 side
# first: right after the restart, before the client sends anything, the server can ping the
# client at its old address (an unbound pool address would be refused). Then the client's
# own traffic still comes out from that address.
#
# SIGKILL gives no chance to save, so the binding must already be on disk: the test waits
# (up to 60 s) until data-dir/dynamic.map lists it. Tayga writes the file at its 45-second
# maintenance pass; tundra is expected to write it within a few seconds of a new binding.
source "$(dirname "$0")/lib.sh"
e2e_need ping
e2e_setup

client4=$(e2e_client_ipv4) || e2e_fail "the server never saw the client"
e2e_log "the client is $client4"

t0=$SECONDS
persisted() { grep -Eq "^${client4}[[:space:]]+${CLIENT6}[[:space:]]" "$E2E_WORK/data/dynamic.map" 2>/dev/null; }
for ((i = 0; i < 600; i++)); do
  persisted && break
  # Keep the binding in use while waiting (a binding idle for long could be aged out).
  ((i % 50 == 0)) && c6 ping -6 -n -c 1 -W 1 "$SERVER6" >/dev/null 2>&1
  sleep 0.1
done
persisted || e2e_fail "dynamic.map did not list $client4 $CLIENT6 within 60 s"
e2e_log "dynamic.map lists the binding after $((SECONDS - t0)) s"

# $1: how the translator was stopped.
check_after_restart() {
  e2e_translator_start
  out=$(s4 timeout 10 ping -4 -n -c 2 -i 0.2 -W 2 "$client4" 2>&1) \
    || e2e_fail "after $1 and a restart, the server cannot reach the client at $client4: $out"
  again=$(e2e_client_ipv4) || e2e_fail "after $1 and a restart, the server never saw the client"
  [[ $again == "$client4" ]] || e2e_fail "after $1 and a restart the client is $again, was $client4"
  e2e_log "after $1: the client is still $client4"
}

e2e_translator_stop
check_after_restart "SIGTERM"
e2e_translator_kill9
check_after_restart "SIGKILL"
e2e_pass
