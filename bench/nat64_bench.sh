#!/usr/bin/env bash
# End-to-end NAT64 benchmark: plain kernel IPv6 forwarding, Tayga and tundra measured in the
# same run, interleaved, on one set of network namespaces. Prints medians with ratios to
# kernel forwarding and to Tayga, and writes every raw sample to a CSV.
#
#   sudo bench/nat64_bench.sh                      # 3 rounds, 3 s per test (about 4 minutes)
#   sudo BENCH_ROUNDS=5 BENCH_SECONDS=5 TUNDRA=build/tundra bench/nat64_bench.sh
#
# Environment:
#   BENCH_ROUNDS   rounds (default 3); every test runs once per path per round
#   BENCH_SECONDS  length of each iperf3 test (default 3)
#   BENCH_CSV      raw results file (default build/bench-results/nat64-<date>.csv)
#   BENCH_PATHS    paths to measure, default "kernel tayga tundra"
#   BENCH_PIN=1    pin each translator to the last CPU and iperf3 to CPU 0
#   TUNDRA, TAYGA  the binaries; tundra is skipped while it has no `run` subcommand
#   BENCH_TUNDRA_PREFIX  tundra's /96 prefix (default 64:ff9b::/96)
#
# Topology (namespaces unique to this run; no traffic leaves them):
#
#   client ─ router ─ server          client: 2001:db8:1::2/64 (IPv6 only)
#                                       router: forwarding on, two TUNs
#                                       server: 198.51.100.2/24 and 2001:db8:2::2/64
#   kernel: client → 2001:db8:2::2              plain IPv6 forwarding, the denominator
#   tayga:  client → 2001:db8:64::198.51.100.2  TUN nat64t, pool 192.168.254.0/24
#   tundra: client → 64:ff9b::198.51.100.2      TUN nat64u, pool 192.168.255.0/24
#
# Tayga gets a network-specific prefix because 0.9.2 refuses documentation addresses under
# 64:ff9b::/96. Both translators stay up for the whole run (idle ones sleep in read()).
#
# Order: for each round, for each test, every path once, in an order that rotates per round.
# Tests, each per path per round: iperf3 TCP with 1 and 4 streams, client→server (v6→v4
# data) and server→client (-R); small UDP (iperf3 -u -l 64 -b 0, 64-byte payloads as fast as
# iperf3 sends them), counting packets delivered at the server's interface; ping RTT
# (median of 100 pings at 10 ms). For translators, CPU per packet = Δ(utime+stime) of the
# translator process (/proc/PID/stat, all threads) ÷ packets the server sent and received
# over the same test (TCP segments + UDP datagrams, counted per wire segment).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-3}
PATHS=${BENCH_PATHS:-kernel tayga tundra}
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)
TAYGA=${TAYGA:-$(command -v tayga || echo /usr/sbin/tayga)}
if [[ -z ${TUNDRA:-} ]]; then
  if [[ -x $repo/build/tundra ]]; then TUNDRA=$repo/build/tundra; else TUNDRA=$(command -v tundra || echo tundra); fi
fi
CSV=${BENCH_CSV:-$repo/build/bench-results/nat64-$(date +%Y%m%d-%H%M%S).csv}   # build/ is git-ignored
COMMAND="$0 $*"
for v in TAYGA TUNDRA BENCH_TUNDRA_PREFIX BENCH_PIN BENCH_PATHS BENCH_SECONDS BENCH_ROUNDS; do
  [[ -n ${!v:-} ]] && COMMAND="$v=$(printf '%q' "${!v}") $COMMAND"
done

ID=$$
NS_C=tdbench-$ID-client
NS_R=tdbench-$ID-router
NS_S=tdbench-$ID-server
NAMESPACES=()
PIDS=()
WORK=""

die() { echo "nat64_bench: $*" >&2; exit 1; }
log() { echo "# $*" >&2; }

cleanup() {
  local rc=$? pid ns
  trap - EXIT INT TERM HUP
  for pid in "${PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null
  done
  sleep 0.3
  for pid in "${PIDS[@]}"; do
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  for ns in "${NAMESPACES[@]}"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  [[ -n $WORK ]] && rm -rf "$WORK"
  exit "$rc"
}

[[ $(id -u) == 0 ]] || die "needs root (network namespaces, TUN)"
for p in ip iperf3 ping "$PYTHON"; do command -v "$p" >/dev/null || die "needs $p (bench/install-bench-deps.sh)"; done
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
WORK=$(mktemp -d /tmp/tundra-bench.XXXXXX)

want() { [[ " $PATHS " == *" $1 "* ]]; }
if want tayga && [[ ! -x $TAYGA ]]; then log "no tayga binary: Tayga skipped"; PATHS=${PATHS/tayga/}; fi
if want tundra && ! { [[ -x $TUNDRA ]] && "$TUNDRA" --help 2>/dev/null | grep -Eq '^[[:space:]]+run([[:space:]]|$)'; }; then
  log "'$TUNDRA' has no 'run' subcommand: tundra skipped"
  PATHS=${PATHS/tundra/}
fi
read -r -a PATH_LIST <<<"$PATHS"
((${#PATH_LIST[@]} > 0)) || die "nothing to measure"

c() { ip netns exec "$NS_C" "$@"; }
r() { ip netns exec "$NS_R" "$@"; }
s() { ip netns exec "$NS_S" "$@"; }

# ---- namespaces -----------------------------------------------------------------------------
for ns in "$NS_C" "$NS_R" "$NS_S"; do
  ip netns add "$ns" || die "ip netns add $ns failed"
  NAMESPACES+=("$ns")
  ip -n "$ns" link set lo up
done
ip -n "$NS_C" link add eth0 type veth peer name to-client netns "$NS_R" || die "veth"
ip -n "$NS_R" link add to-server type veth peer name eth0 netns "$NS_S" || die "veth"
c sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.eth0.accept_ra=0
r sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1 net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
s sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.eth0.accept_ra=0
c ip addr add 2001:db8:1::2/64 dev eth0 nodad
r ip addr add 2001:db8:1::1/64 dev to-client nodad
r ip addr add 2001:db8:2::1/64 dev to-server nodad
r ip addr add 198.51.100.1/24 dev to-server
s ip addr add 2001:db8:2::2/64 dev eth0 nodad
s ip addr add 198.51.100.2/24 dev eth0
c ip link set eth0 up
r ip link set to-client up
r ip link set to-server up
s ip link set eth0 up
c ip -6 route add default via 2001:db8:1::1
s ip -6 route add default via 2001:db8:2::1
s ip route add default via 198.51.100.1

declare -A DEST XPID
DEST[kernel]=2001:db8:2::2
DEST[tayga]=2001:db8:64::c633:6402
TUNDRA_PREFIX=${BENCH_TUNDRA_PREFIX:-64:ff9b::/96}   # a /96
DEST[tundra]=${TUNDRA_PREFIX%/96}c633:6402
[[ $TUNDRA_PREFIX == *::/96 ]] || die "BENCH_TUNDRA_PREFIX must be a /96 ending in ::"

pin_translator() { [[ ${BENCH_PIN:-0} == 1 ]] && taskset -a -p -c "$(($(nproc) - 1))" "$1" >/dev/null; }
IPERF=(iperf3)
[[ ${BENCH_PIN:-0} == 1 ]] && IPERF=(taskset -c 0 iperf3)

# Waits until the TUN has carrier (a process holds it) and routes $2 into it.
wait_tun() {
  local tun=$1 dst=$2 pid=$3 i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || die "the translator on $tun exited; log: $(tail -n 5 "$WORK/$tun.log")"
    local link
    link=$(r ip -o link show dev "$tun" 2>/dev/null)
    if [[ $link == *LOWER_UP* && $link != *NO-CARRIER* && $(r ip route get "$dst" 2>/dev/null) == *" dev $tun "* ]]; then
      r ip link set "$tun" txqueuelen 5000   # the same for both; 500 drops TCP bursts
      return 0
    fi
    sleep 0.1
  done
  die "the translator on $tun did not come up in 10 s; log: $(tail -n 5 "$WORK/$tun.log")"
}

if want tayga; then
  mkdir -p "$WORK/tayga"
  printf 'tun-device nat64t\nipv4-addr 192.168.254.1\nprefix 2001:db8:64::/96\ndynamic-pool 192.168.254.0/24\ndata-dir %s\n' \
    "$WORK/tayga" >"$WORK/tayga.conf"
  r "$TAYGA" -c "$WORK/tayga.conf" --mktun >"$WORK/nat64t.log" 2>&1 || die "tayga --mktun failed"
  r ip link set nat64t up
  r ip route add 192.168.254.0/24 dev nat64t
  r ip -6 route add 2001:db8:64::/96 dev nat64t
  ip netns exec "$NS_R" "$TAYGA" -c "$WORK/tayga.conf" -d >>"$WORK/nat64t.log" 2>&1 </dev/null &
  XPID[tayga]=$!
  PIDS+=("$!")
  wait_tun nat64t "${DEST[tayga]}" "${XPID[tayga]}"
  pin_translator "${XPID[tayga]}"
fi
if want tundra; then
  mkdir -p "$WORK/tundra"
  # Its own control socket: the default under /run/tundra may belong to a real daemon.
  printf '[translator]\ntun-device = "nat64u"\nipv4-addr = "192.168.255.1"\nprefix = "%s"\ndynamic-pool = "192.168.255.0/24"\ndata-dir = "%s"\n[daemon]\ncontrol-socket = "%s"\n' \
    "$TUNDRA_PREFIX" "$WORK/tundra" "$WORK/tundra/control.sock" >"$WORK/tundra.toml"
  ip netns exec "$NS_R" "$TUNDRA" run -c "$WORK/tundra.toml" >"$WORK/nat64u.log" 2>&1 </dev/null &
  XPID[tundra]=$!
  PIDS+=("$!")
  wait_tun nat64u "${DEST[tundra]}" "${XPID[tundra]}"
  pin_translator "${XPID[tundra]}"
fi

# Warm-up: neighbour discovery, pool bindings.
for p in "${PATH_LIST[@]}"; do
  c ping -6 -n -c 2 -i 0.2 -W 2 "${DEST[$p]}" >/dev/null 2>&1 || die "$p: ping -6 ${DEST[$p]} fails before the benchmark"
done

# ---- measurement helpers ----------------------------------------------------------------------
CLK_TCK=$(getconf CLK_TCK)
cpu_ticks() {   # utime + stime of a process, all threads, in clock ticks
  [[ -n ${1:-} ]] || { echo 0; return; }
  awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"   # fields 14, 15 after "pid (comm) "
}
# Packets the server's stack sent and received, counted as on the wire: TCP segments
# (InSegs/OutSegs count every segment of a GSO/GRO super-packet) plus UDP datagrams, both
# families. Interface counters would count a super-packet once.
server_packets() {
  s cat /proc/net/snmp /proc/net/snmp6 | awk '
    $1 == "Tcp:" && $2 ~ /^[0-9]+$/ { n += $11 + $12 }
    $1 == "Udp:" && $2 ~ /^[0-9]+$/ { n += $2 + $5 }
    $1 == "Udp6InDatagrams" || $1 == "Udp6OutDatagrams" { n += $2 }
    END { print n }'
}

mkdir -p "$(dirname "$CSV")"
echo "round,test,path,metric,value,unit" >"$CSV"
emit() { echo "$1,$2,$3,$4,$5,$6" >>"$CSV"; }

# Runs one test on one path and records its samples. $1 round, $2 test name, $3 path.
run_one() {
  local round=$1 test=$2 path=$3 dest=${DEST[$3]} pid=${XPID[$3]:-}
  local t0 t1 n0 n1 json=$WORK/out.json
  n0=$(server_packets)
  t0=$(cpu_ticks "$pid")
  case $test in
    tcp1|tcp1-rev|tcp4|tcp4-rev)
      local streams=${test#tcp}; streams=${streams%-rev}
      local rev=""; [[ $test == *-rev ]] && rev=-R
      ip netns exec "$NS_S" "${IPERF[@]}" -s -1 -p 5201 >/dev/null 2>&1 &
      local srv=$!
      PIDS+=("$srv")
      for ((i = 0; i < 50; i++)); do s ss -Hltn 'sport = :5201' | grep -q . && break; sleep 0.1; done
      # shellcheck disable=SC2086
      c timeout $((SECS + 20)) "${IPERF[@]}" -c "$dest" -p 5201 -t "$SECS" -P "$streams" $rev -J >"$json" 2>&1
      wait "$srv" 2>/dev/null
      "$PYTHON" - "$json" <<'PY' >"$WORK/vals" || { log "$path $test: iperf3 failed: $(head -c 300 "$json")"; return; }
import json, sys
d = json.load(open(sys.argv[1]))
e = d["end"]
print(f'{e["sum_received"]["bits_per_second"] / 1e9:.4f} {e["sum_sent"].get("retransmits", 0)}')
PY
      local gbps retr
      read -r gbps retr <"$WORK/vals"
      emit "$round" "$test" "$path" throughput "$gbps" Gbit/s
      emit "$round" "$test" "$path" retransmits "$retr" count
      ;;
    udp64)
      ip netns exec "$NS_S" "${IPERF[@]}" -s -1 -p 5201 >/dev/null 2>&1 &
      local srv=$!
      PIDS+=("$srv")
      for ((i = 0; i < 50; i++)); do s ss -Hltn 'sport = :5201' | grep -q . && break; sleep 0.1; done
      local rxa rxb
      rxa=$(s cat /sys/class/net/eth0/statistics/rx_packets)
      c timeout $((SECS + 20)) "${IPERF[@]}" -c "$dest" -p 5201 -u -l 64 -b 0 -t "$SECS" -J >"$json" 2>&1
      rxb=$(s cat /sys/class/net/eth0/statistics/rx_packets)
      wait "$srv" 2>/dev/null
      "$PYTHON" - "$json" "$((rxb - rxa))" "$SECS" <<'PY' >"$WORK/vals" || { log "$path $test: iperf3 failed: $(head -c 300 "$json")"; return; }
import json, sys
d = json.load(open(sys.argv[1]))
s = d["end"]["sum"]
sent, lost = s["packets"], s.get("lost_packets", 0)
secs = float(sys.argv[3])
# delivered: what the server's interface received (iperf3's own receiver count is printed too)
print(f'{int(sys.argv[2]) / secs:.0f} {sent / secs:.0f} {(sent - lost) / secs:.0f}')
PY
      local delivered offered iperf_delivered
      read -r delivered offered iperf_delivered <"$WORK/vals"
      emit "$round" "$test" "$path" delivered_pps "$delivered" pkt/s
      emit "$round" "$test" "$path" offered_pps "$offered" pkt/s
      emit "$round" "$test" "$path" iperf3_received_pps "$iperf_delivered" pkt/s
      ;;
    ping)
      c timeout 30 ping -6 -n -c 100 -i 0.01 -W 1 "$dest" >"$json" 2>&1
      local med
      med=$("$PYTHON" -c '
import re, statistics, sys
t = [float(x) for x in re.findall(r"time=([0-9.]+) ms", open(sys.argv[1]).read())]
print(f"{statistics.median(t) * 1000:.1f} {len(t)}" if t else "nan 0")' "$json")
      emit "$round" "$test" "$path" rtt_median "${med% *}" us
      emit "$round" "$test" "$path" replies "${med#* }" count
      ;;
  esac
  t1=$(cpu_ticks "$pid")
  n1=$(server_packets)
  local pkts=$((n1 - n0))
  if [[ -n $pid && $test != ping ]] && ((pkts > 0)); then
    emit "$round" "$test" "$path" cpu_ns_per_packet "$("$PYTHON" -c "print(f'{($t1 - $t0) / $CLK_TCK * 1e9 / $pkts:.0f}')")" ns
  fi
}

TESTS=(tcp1 tcp1-rev tcp4 tcp4-rev udp64 ping)
log "paths: ${PATH_LIST[*]}; ${ROUNDS} rounds × ${#TESTS[@]} tests, ${SECS} s each; raw results: $CSV"
log "loadavg before: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((round = 1; round <= ROUNDS; round++)); do
  for test in "${TESTS[@]}"; do
    # Interleaved, and the order rotates each round (A B C, B C A, C A B, ...) so that no
    # path always runs first or right after another one.
    for ((j = 0; j < ${#PATH_LIST[@]}; j++)); do
      path=${PATH_LIST[(j + round - 1) % ${#PATH_LIST[@]}]}
      log "round $round/$ROUNDS: $test via $path"
      run_one "$round" "$test" "$path"
      if [[ -n ${XPID[$path]:-} ]] && ! kill -0 "${XPID[$path]}" 2>/dev/null; then die "the $path translator died during $test"; fi
    done
  done
done
log "loadavg after: $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- report -------------------------------------------------------------------------------------
"$PYTHON" - "$CSV" <<'PY'
import collections, csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
vals = collections.defaultdict(list)
for r in rows:
    try:
        vals[(r["test"], r["metric"], r["path"])].append(float(r["value"]))
    except ValueError:
        pass
paths = [p for p in ("kernel", "tayga", "tundra") if any(k[2] == p for k in vals)]
lines = [
    ("tcp1", "throughput", "TCP 1 stream v6→v4, Gbit/s"),
    ("tcp1-rev", "throughput", "TCP 1 stream v4→v6, Gbit/s"),
    ("tcp4", "throughput", "TCP 4 streams v6→v4, Gbit/s"),
    ("tcp4-rev", "throughput", "TCP 4 streams v4→v6, Gbit/s"),
    ("udp64", "delivered_pps", "UDP 64 B delivered, kpkt/s"),
    ("udp64", "offered_pps", "UDP 64 B offered, kpkt/s"),
    ("ping", "rtt_median", "ping RTT median, µs"),
    ("tcp1", "cpu_ns_per_packet", "CPU/pkt TCP 1 v6→v4, ns"),
    ("tcp1-rev", "cpu_ns_per_packet", "CPU/pkt TCP 1 v4→v6, ns"),
    ("tcp4", "cpu_ns_per_packet", "CPU/pkt TCP 4 v6→v4, ns"),
    ("tcp4-rev", "cpu_ns_per_packet", "CPU/pkt TCP 4 v4→v6, ns"),
    ("udp64", "cpu_ns_per_packet", "CPU/pkt UDP 64 B, ns"),
    ("tcp1", "retransmits", "TCP 1 v6→v4 retransmits"),
]
def med(test, metric, path):
    v = vals.get((test, metric, path))
    return statistics.median(v) if v else None
def fmt(x, metric):
    if x is None:
        return "-"
    if metric.endswith("_pps"):
        return f"{x / 1000:.1f}"
    if metric == "throughput":
        return f"{x:.2f}"
    return f"{x:.0f}"
head = f"{'median of ' + str(max(len(v) for v in vals.values())) + ' rounds':<30}" + "".join(f"{p:>26}" for p in paths)
print(head)
print("-" * len(head))
for test, metric, label in lines:
    cells = []
    k, t = med(test, metric, "kernel"), med(test, metric, "tayga")
    for p in paths:
        x = med(test, metric, p)
        s = fmt(x, metric)
        ratios = []
        if x is not None and p != "kernel" and k and metric != "retransmits":
            ratios.append(f"{x / k:.3g}×k")
        if x is not None and p == "tundra" and t and metric != "retransmits":
            ratios.append(f"{x / t:.3g}×T")
        if ratios:
            s += " (" + ", ".join(ratios) + ")"
        cells.append(f"{s:>26}")
    if any(c.strip() != "-" for c in cells):
        print(f"{label:<30}" + "".join(cells))
print("×k: ratio to plain kernel IPv6 forwarding; ×T: ratio to Tayga (same run, interleaved).")
print("For RTT and CPU/pkt lower is better; for the rest higher is better.")
PY
echo "raw results: $CSV"
echo "command: $COMMAND"
echo "kernel $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), tayga $(dpkg-query -W -f='${Version}' tayga 2>/dev/null || echo '?'), checkout $(git -C "$repo" rev-parse --short HEAD 2>/dev/null)$(git -C "$repo" diff --quiet 2>/dev/null || echo +dirty)$(want tundra && echo ", $("$TUNDRA" version 2>/dev/null || echo "tundra ?")")"
