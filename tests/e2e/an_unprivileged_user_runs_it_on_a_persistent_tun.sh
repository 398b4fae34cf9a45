#!/usr/bin/env bash
# Least privilege (issue 3 §6): tundra runs as an unprivileged user with no capabilities
# on a persistent TUN owned by that user (configure-interface = false, as with a TUN made by
# `ip tuntap add ... user` or `tayga --mktun`); and, started as root with [daemon] user, it
# drops to that user after opening the TUN. Both answer a ping to the translator's address.
# Self-contained: one private network namespace, and a private mount namespace in which a
# world-usable copy of the TUN character device is bind-mounted over /dev/net/tun (the
# host's node may be 0600), so nothing on the host changes.
set -u
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 77; }
TUNDRA=${TUNDRA:-build/tundra}
[[ -x $TUNDRA ]] || { echo "SKIP: no tundra at $TUNDRA"; exit 77; }
for p in ip setpriv unshare ping; do command -v "$p" >/dev/null || { echo "SKIP: needs $p"; exit 77; }; done
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }

NS="tdunpriv-$$"
WORK=$(mktemp -d /tmp/tundra-unpriv.XXXXXX)
PID=""
cleanup() {
  [[ -n $PID ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
chmod 755 "$WORK"
mknod "$WORK/tun" c 10 200 && chmod 666 "$WORK/tun" || { echo "SKIP: cannot mknod"; exit 77; }
ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip -n "$NS" link set lo up
ip -n "$NS" tuntap add dev nat64 mode tun user nobody multi_queue
ip -n "$NS" link set nat64 up
ip -n "$NS" route add 192.168.255.0/24 dev nat64
ip -n "$NS" -6 route add 64:ff9b::/96 dev nat64

fail() { echo "FAIL: $*"; [[ -f $WORK/log ]] && tail -20 "$WORK/log"; exit 1; }

# $1: config file; rest: how to start it inside the namespace (before the tundra command).
start() {
  local config=$1; shift
  ip netns exec "$NS" unshare -m sh -c "mount --bind $WORK/tun /dev/net/tun && exec $* $TUNDRA run -c $config" \
    >"$WORK/log" 2>&1 &
  PID=$!
  for _ in $(seq 50); do
    grep -q "translating on" "$WORK/log" 2>/dev/null && return 0
    kill -0 "$PID" 2>/dev/null || fail "tundra exited: $(cat "$WORK/log")"
    sleep 0.1
  done
  fail "tundra not ready within 5 s"
}
stop() { kill -TERM "$PID"; wait "$PID"; PID=""; }
user_of() { ps -o user= -p "$PID" | tr -d ' '; }

mkdir -p "$WORK/data" && chown nobody "$WORK/data"
cat >"$WORK/a.toml" <<TOML
[translator]
configure-interface = false
data-dir = "$WORK/data"
[daemon]
control-socket = "$WORK/data/a.sock"
http-listen = ""
TOML
start "$WORK/a.toml" setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all
[[ $(user_of) == nobody ]] || fail "expected to run as nobody, runs as $(user_of)"
grep -q '^CapEff:\s*0000000000000000' "/proc/$PID/status" || fail "has effective capabilities: $(grep CapEff /proc/$PID/status)"
ip netns exec "$NS" ping -6 -c 2 -W 2 64:ff9b::192.168.255.1 >/dev/null || fail "no answer from 64:ff9b::192.168.255.1 as nobody"
echo "# as nobody without capabilities on a TUN owned by nobody: ping answered"
stop

cat >"$WORK/b.toml" <<TOML
[translator]
configure-interface = false
data-dir = "$WORK/data"
[daemon]
control-socket = "$WORK/b.sock"
http-listen = ""
user = "nobody"
TOML
start "$WORK/b.toml"
for _ in $(seq 20); do [[ $(user_of) == nobody ]] && break; sleep 0.1; done
[[ $(user_of) == nobody ]] || fail "[daemon] user = nobody: still runs as $(user_of)"
for _ in $(seq 20); do grep -q "running as uid" "$WORK/log" && break; sleep 0.1; done
# It keeps CAP_NET_ADMIN (12) and CAP_NET_BIND_SERVICE (10) for reloads and the clean-up
# at exit, nothing else, not even in the bounding set; and no exec can gain privileges.
grep -q '^CapEff:\s*0000000000001400' "/proc/$PID/status" || fail "effective capabilities: $(grep CapEff /proc/$PID/status)"
grep -q '^CapPrm:\s*0000000000001400' "/proc/$PID/status" || fail "permitted capabilities: $(grep CapPrm /proc/$PID/status)"
grep -q '^CapBnd:\s*0000000000001400' "/proc/$PID/status" || fail "bounding set: $(grep CapBnd /proc/$PID/status)"
grep -q '^NoNewPrivs:\s*1' "/proc/$PID/status" || fail "NoNewPrivs is not set"
ip netns exec "$NS" ping -6 -c 2 -W 2 64:ff9b::192.168.255.1 >/dev/null || fail "no answer after dropping to nobody"
echo "# started as root with user = nobody: dropped to nobody, ping answered"
stop
echo "PASS: an_unprivileged_user_runs_it_on_a_persistent_tun"
