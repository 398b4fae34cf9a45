#!/usr/bin/env bash
# Tayga drop-in details (issue 3 §4): `map-file` is re-read on SIGHUP, and Tayga's `log`
# categories produce log lines (self: packets to the translator; drop: packets dropped;
# reject: packets refused with an ICMP error). One private network namespace; tundra
# configures its own TUN there.
set -u
[[ $(id -u) == 0 ]] || { echo "SKIP: needs root"; exit 77; }
TUNDRA=${TUNDRA:-build/tundra}
[[ -x $TUNDRA ]] || { echo "SKIP: no tundra at $TUNDRA"; exit 77; }
for p in ip ping; do command -v "$p" >/dev/null || { echo "SKIP: needs $p"; exit 77; }; done

NS="tdmapfile-$$"
WORK=$(mktemp -d /tmp/tundra-mapfile.XXXXXX)
PID=""
cleanup() {
  [[ -n $PID ]] && kill -TERM "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; tail -20 "$WORK/log"; exit 1; }
ip netns add "$NS" || { echo "SKIP: cannot create a network namespace"; exit 77; }
ip -n "$NS" link set lo up
ip -n "$NS" -6 addr add 2001:db8:99::2/128 dev lo nodad  # a global source for our probes

mkdir -p "$WORK/data"
echo "map 192.168.255.50 2001:db8:1::50" >"$WORK/data/maps"
cat >"$WORK/t.toml" <<TOML
[translator]
data-dir = "$WORK/data"
map-file = "maps"
log = ["self", "drop", "reject"]
[daemon]
control-socket = "$WORK/control.sock"
http-listen = ""
TOML
ip netns exec "$NS" "$TUNDRA" run -c "$WORK/t.toml" >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 50); do grep -q "translating on" "$WORK/log" && break; sleep 0.1; done
grep -q "translating on" "$WORK/log" || fail "not ready"

"$TUNDRA" show mappings --csv -s "$WORK/control.sock" | grep -q "2001:db8:1::50,192.168.255.50" \
  || fail "map-file entry missing from show mappings"

# self: a ping to the translator's own address; reject: a packet to an unmapped IPv6
# destination (answered with Destination Unreachable); drop: a link-local source.
ip netns exec "$NS" ping -6 -c 1 -W 2 64:ff9b::192.168.255.1 >/dev/null || fail "own address does not answer"
grep -q "self: echo_replied_6" "$WORK/log" || fail "no 'self' log line"
ip netns exec "$NS" ip -6 route add 2001:db8:dead::/64 dev nat64
ip netns exec "$NS" bash -c 'exec 3<>/dev/udp/2001:db8:dead::1/9; echo x >&3' 2>/dev/null || true
for _ in $(seq 20); do grep -q "reject: drop_dest_unmapped_6" "$WORK/log" && break; sleep 0.1; done
grep -q "reject: drop_dest_unmapped_6" "$WORK/log" || fail "no 'reject' log line"
# drop: the kernel's own router solicitations from the TUN's link-local address.
for _ in $(seq 50); do grep -q "drop: drop_source_invalid_6" "$WORK/log" && break; sleep 0.1; done
grep -q "drop: drop_source_invalid_6" "$WORK/log" || fail "no 'drop' log line"

# SIGHUP re-reads map-file: the old entry goes, the new one appears.
echo "map 192.168.255.60 2001:db8:1::60" >"$WORK/data/maps"
kill -HUP "$PID"
for _ in $(seq 30); do
  "$TUNDRA" show mappings --csv -s "$WORK/control.sock" | grep -q "2001:db8:1::60,192.168.255.60" && break
  sleep 0.1
done
maps=$("$TUNDRA" show mappings --csv -s "$WORK/control.sock")
grep -q "2001:db8:1::60,192.168.255.60" <<<"$maps" || fail "SIGHUP did not load the new map-file entry: $maps"
grep -q "2001:db8:1::50" <<<"$maps" && fail "SIGHUP kept the removed map-file entry"
grep -q "configuration reloaded" "$WORK/log" || fail "no reload log line"
echo "PASS: sighup_rereads_map_file_and_log_categories_log"
