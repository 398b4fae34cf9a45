#!/usr/bin/env bash
# A tundra.toml with only [daemon] and [dns64] runs the DNS64 alone: no TUN, no root
# needed on unprivileged ports. As root the script starts tundra as nobody (setpriv,
# no capabilities left); otherwise as the user running it. Checks: the process runs
# without uid 0 and with no effective capability, holds no /dev/net/tun, and answers
# (synthesized AAAA over UDP and TCP, /health 200).
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
wrapper=()
if [[ $(id -u) == 0 ]]; then
  d64_need setpriv
  # A copy nobody can read and execute, wherever the build directory is.
  cp "$TUNDRA" "$D64_WORK/tundra-bin"
  chmod 755 "$D64_WORK/tundra-bin"
  TUNDRA=$D64_WORK/tundra-bin
  wrapper=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
fi
d64_tundra_start "${wrapper[@]}"

status=/proc/$D64_TUNDRA_PID/status
uids=$(awk '/^Uid:/ {print $2, $3, $4, $5}' "$status")
[[ " $uids " != *" 0 "* ]] || d64_fail "tundra runs with uid 0 (Uid: $uids)"
capeff=$(awk '/^CapEff:/ {print $2}' "$status")
[[ $capeff =~ ^0+$ ]] || d64_fail "tundra has effective capabilities $capeff"
for fd in "/proc/$D64_TUNDRA_PID"/fd/*; do
  [[ $(readlink "$fd" 2>/dev/null) == /dev/net/tun ]] && d64_fail "a DNS64-only tundra opened /dev/net/tun"
done
d64_log "tundra runs as uid $uids, CapEff $capeff"

out=$(d64_dig v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA from an unprivileged tundra (UDP)"
out=$(d64_kdig +tcp v4only.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "64:ff9b::c000:201" "v4only AAAA from an unprivileged tundra (TCP, kdig)"
out=$(d64_dig_at ::1 dual.dns64.test AAAA)
d64_expect_rdata "$out" AAAA "2001:db8::20" "dual AAAA from an unprivileged tundra over [::1]"
resp=$(d64_http /health)
[[ $(head -n1 <<<"$resp") == 200 ]] || d64_fail "GET /health: expected 200, got: $resp"
d64_tundra_stop
d64_pass
