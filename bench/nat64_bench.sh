#!/usr/bin/env bash
# End-to-end NAT64 benchmark: plain kernel IPv6 forwarding, Tayga, tundra in plain mode and
# tundra with virtio-net offloads measured in the same run, interleaved, on one set of
# network namespaces. Writes every raw sample to a CSV, then prints one results table
# (median, min–max, ratios to kernel forwarding and to Tayga, CPU per packet), the speed
# issue's targets met or not, and draws a PNG of TCP throughput next to the CSV
# (bench/nat64_report.py; re-render an old CSV with it).
#
#   sudo bench/nat64_bench.sh                      # 3 rounds, 3 s per test (about 6 minutes)
#   sudo BENCH_ROUNDS=5 BENCH_SECONDS=5 BENCH_PIN=1 TUNDRA=build/tundra bench/nat64_bench.sh
#
# Environment:
#   BENCH_ROUNDS   rounds (default 3); every test runs once per path per round
#   BENCH_SECONDS  length of each iperf3 test (default 3)
#   BENCH_CSV      raw results file (default build/bench-results/nat64-<date>.csv)
#   BENCH_PNG      the plot (default: the CSV's name with .png); needs python3-matplotlib
#   BENCH_PATHS    paths to measure, default "kernel tayga tundra-plain tundra"
#                  (tundra-plain: offload = "off"; tundra: offload = "auto", the default)
#   BENCH_TESTS    tests to run, default "tcp1 tcp1-rev tcp4 tcp4-rev udp64 ping ping-2ms"
#   BENCH_TUNDRA_TOML  extra [translator] lines for both tundra instances, e.g. "busy-poll = 20000"
#   BENCH_PIN=1    pin each translator to the last CPU and iperf3 to CPU 0
#   TUNDRA, TAYGA  the binaries; tundra is skipped while it has no `run` subcommand
#   BENCH_TUNDRA_PREFIX        the offload tundra's /96 prefix (default 64:ff9b::/96)
#   BENCH_TUNDRA_PLAIN_PREFIX  the plain tundra's /96 prefix (default 64:ff9b:1::/96)
#
# Topology (namespaces unique to this run; no traffic leaves them):
#
#   client ─ router ─ server          client: 2001:db8:1::2/64 (IPv6 only)
#                                       router: forwarding on, two TUNs
#                                       server: 198.51.100.2/24 and 2001:db8:2::2/64
#   kernel:       client → 2001:db8:2::2              plain IPv6 forwarding, the denominator
#   tayga:        client → 2001:db8:64::198.51.100.2  TUN nat64t, pool 192.168.254.0/24
#   tundra-plain: client → 64:ff9b:1::198.51.100.2    TUN nat64p, pool 192.168.253.0/24
#   tundra:       client → 64:ff9b::198.51.100.2      TUN nat64u, pool 192.168.255.0/24
#
# Tayga gets a network-specific prefix because 0.9.2 refuses documentation addresses under
# 64:ff9b::/96. All translators stay up for the whole run (idle ones sleep in read() or
# poll()). Before the first test the script checks with `tundra show stats --json` that the
# tundra path runs with offloads (data_path_mode "offload …") and tundra-plain in plain mode,
# and stops otherwise; around every test it records the tundra instance's GSO counters
# (gso_translated: super-packets translated in one step, the proof offloads were used;
# gso_built: UDP super-packets written by coalescing datagrams, tun/coalesce.h) and
# the drops on every translator's TUN (tx_dropped: the kernel could not queue a packet to
# the translator).
#
# Order: for each round, for each test, every path once, in an order that rotates per round.
# Tests, each per path per round: iperf3 TCP with 1 and 4 streams, client→server (v6→v4
# data) and server→client (-R); small UDP (iperf3 -u -l 64 -b 0, 64-byte payloads as fast as
# iperf3 sends them), counting datagrams that reach the server's UDP layer; ping RTT
# (median of 100 pings at 10 ms, and of 300 at 2 ms: ping-2ms, where the CPUs have no time
# to go idle between pings, so it shows what a path costs without the VM's wake-up). For translators, CPU per packet = Δ(utime+stime) of the
# translator process (/proc/PID/stat, all threads) ÷ packets through it over the same test:
# TCP segments the client and the server sent (counted per wire segment) plus UDP datagrams
# that reached the server and that it sent.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
SECS=${BENCH_SECONDS:-3}
PATHS=${BENCH_PATHS:-kernel tayga tundra-plain tundra}
PYTHON=/usr/bin/python3
[[ -x $PYTHON ]] || PYTHON=$(command -v python3)
TAYGA=${TAYGA:-$(command -v tayga || echo /usr/sbin/tayga)}
if [[ -z ${TUNDRA:-} ]]; then
  if [[ -x $repo/build/tundra ]]; then TUNDRA=$repo/build/tundra; else TUNDRA=$(command -v tundra || echo tundra); fi
fi
CSV=${BENCH_CSV:-$repo/build/bench-results/nat64-$(date +%Y%m%d-%H%M%S).csv}   # build/ is git-ignored
PNG=${BENCH_PNG:-${CSV%.csv}.png}
COMMAND="$0 $*"
for v in TAYGA TUNDRA BENCH_TUNDRA_PREFIX BENCH_TUNDRA_PLAIN_PREFIX BENCH_PIN BENCH_PATHS BENCH_SECONDS BENCH_ROUNDS BENCH_TESTS BENCH_TUNDRA_TOML; do
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

read -r -a PATH_LIST <<<"$PATHS"
for p in "${PATH_LIST[@]}"; do
  case $p in kernel | tayga | tundra-plain | tundra) ;; *) die "unknown path '$p' in BENCH_PATHS (kernel tayga tundra-plain tundra)" ;; esac
done
want() { [[ " ${PATH_LIST[*]} " == *" $1 "* ]]; }
drop_path() {   # removes $1 from PATH_LIST (whole words only: "tundra" is not "tundra-plain")
  local p keep=()
  for p in "${PATH_LIST[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  PATH_LIST=("${keep[@]}")
}
if want tayga && [[ ! -x $TAYGA ]]; then log "no tayga binary: Tayga skipped"; drop_path tayga; fi
if { want tundra || want tundra-plain; } && ! { [[ -x $TUNDRA ]] && "$TUNDRA" --help 2>/dev/null | grep -Eq '^[[:space:]]+run([[:space:]]|$)'; }; then
  log "'$TUNDRA' has no 'run' subcommand: tundra skipped"
  drop_path tundra
  drop_path tundra-plain
fi
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

declare -A DEST XPID TUN SOCK MODE
DEST[kernel]=2001:db8:2::2
DEST[tayga]=2001:db8:64::c633:6402
TUN[tayga]=nat64t
TUNDRA_PREFIX=${BENCH_TUNDRA_PREFIX:-64:ff9b::/96}   # a /96
TUNDRA_PLAIN_PREFIX=${BENCH_TUNDRA_PLAIN_PREFIX:-64:ff9b:1::/96}
[[ $TUNDRA_PREFIX == *::/96 ]] || die "BENCH_TUNDRA_PREFIX must be a /96 ending in ::"
[[ $TUNDRA_PLAIN_PREFIX == *::/96 ]] || die "BENCH_TUNDRA_PLAIN_PREFIX must be a /96 ending in ::"
[[ $TUNDRA_PREFIX != "$TUNDRA_PLAIN_PREFIX" ]] || die "the two tundra prefixes must differ"
DEST[tundra]=${TUNDRA_PREFIX%/96}c633:6402
DEST[tundra-plain]=${TUNDRA_PLAIN_PREFIX%/96}c633:6402

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
# tundra's `show stats --json`, one field: data_path_mode or total.<counter>.
tundra_stat() {
  "$TUNDRA" show stats --json -s "${SOCK[$1]}" 2>/dev/null | "$PYTHON" -c '
import json, sys
d, key = json.load(sys.stdin), sys.argv[1]
print(d["data_path_mode"] if key == "data_path_mode" else d["total"].get(key, 0))' "$2" 2>/dev/null
}
# $1 path, $2 TUN, $3 first three octets of its /24 pool, $4 NAT64 prefix, $5 offload setting.
start_tundra() {
  local path=$1 tun=$2 net=$3 prefix=$4 offload=$5 dir=$WORK/$1 mode="" i
  mkdir -p "$dir"
  SOCK[$path]=$dir/control.sock
  TUN[$path]=$tun
  # Its own control socket (the default under /run/tundra may belong to a real daemon) and
  # no HTTP listener (two instances share the router namespace).
  printf '%s\n' "[translator]" "tun-device = \"$tun\"" "ipv4-addr = \"$net.1\"" "prefix = \"$prefix\"" \
    "dynamic-pool = \"$net.0/24\"" "data-dir = \"$dir\"" "offload = \"$offload\"" ${BENCH_TUNDRA_TOML:+"$BENCH_TUNDRA_TOML"} \
    "[daemon]" "control-socket = \"${SOCK[$path]}\"" 'http-listen = ""' >"$WORK/$path.toml"
  ip netns exec "$NS_R" "$TUNDRA" run -c "$WORK/$path.toml" >"$WORK/$tun.log" 2>&1 </dev/null &
  XPID[$path]=$!
  PIDS+=("$!")
  wait_tun "$tun" "${DEST[$path]}" "${XPID[$path]}"
  pin_translator "${XPID[$path]}"
  for ((i = 0; i < 50; i++)); do
    mode=$(tundra_stat "$path" data_path_mode) && [[ -n $mode ]] && break
    sleep 0.1
  done
  MODE[$path]=$mode
  log "$path: data path: $mode"
  case $path in
    tundra) [[ $mode == offload* ]] || die "tundra (offload = \"auto\") runs '$mode', not offload; log: $(tail -n 3 "$WORK/$tun.log")" ;;
    tundra-plain) [[ $mode == plain* ]] || die "tundra-plain (offload = \"off\") runs '$mode', not plain" ;;
  esac
}
want tundra-plain && start_tundra tundra-plain nat64p 192.168.253 "$TUNDRA_PLAIN_PREFIX" off
want tundra && start_tundra tundra nat64u 192.168.255 "$TUNDRA_PREFIX" auto

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
# Packets through the path, counted as on the wire: the TCP segments that the client and the
# server sent (OutSegs + RetransSegs, both families: the sender counts every segment of a
# GSO super-packet; the receiver's InSegs would count a super-packet that left a TUN as one,
# its gso_segs being 0) plus the UDP datagrams the server received and sent. Interface
# counters would count a super-packet once too.
path_packets() {
  {
    c cat /proc/net/snmp | awk '$1 == "Tcp:" && $2 ~ /^[0-9]+$/ { print $12 + $13 }'
    s cat /proc/net/snmp /proc/net/snmp6 | awk '
      $1 == "Tcp:" && $2 ~ /^[0-9]+$/ { print $12 + $13 }
      $1 == "Udp:" && $2 ~ /^[0-9]+$/ { print $5 }
      $1 == "Udp6OutDatagrams" { print $2 }'
    server_udp_datagrams
  } | awk '{ n += $1 } END { print n }'
}
# UDP datagrams that reached the server's UDP layer, both families: delivered to a socket
# (InDatagrams) or dropped there for a full receive buffer (RcvbufErrors). Counted per
# datagram after the kernel cut any UDP super-packet, unlike the interface's rx_packets,
# which counts a super-packet that a coalescing translator wrote as one packet.
server_udp_datagrams() {
  s cat /proc/net/snmp /proc/net/snmp6 | awk '
    $1 == "Udp:" && $2 ~ /^[0-9]+$/ { n += $2 + $6 }
    $1 == "Udp6InDatagrams" || $1 == "Udp6RcvbufErrors" { n += $2 }
    END { print n }'
}

mkdir -p "$(dirname "$CSV")"
echo "round,test,path,metric,value,unit" >"$CSV"
emit() { echo "$1,$2,$3,$4,$5,$6" >>"$CSV"; }

tun_tx_dropped() { [[ -n ${TUN[$1]:-} ]] && r cat "/sys/class/net/${TUN[$1]}/statistics/tx_dropped"; }

# Runs one test on one path and records its samples. $1 round, $2 test name, $3 path.
run_one() {
  local round=$1 test=$2 path=$3 dest=${DEST[$3]} pid=${XPID[$3]:-}
  local t0 t1 n0 n1 json=$WORK/out.json g0="" g1="" d0 d1
  local b0="" b1=""
  [[ $path == tundra ]] && g0=$(tundra_stat tundra gso_translated) && b0=$(tundra_stat tundra gso_built)
  d0=$(tun_tx_dropped "$path")
  n0=$(path_packets)
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
      rxa=$(server_udp_datagrams)
      c timeout $((SECS + 20)) "${IPERF[@]}" -c "$dest" -p 5201 -u -l 64 -b 0 -t "$SECS" -J >"$json" 2>&1
      rxb=$(server_udp_datagrams)
      wait "$srv" 2>/dev/null
      "$PYTHON" - "$json" "$((rxb - rxa))" "$SECS" <<'PY' >"$WORK/vals" || { log "$path $test: iperf3 failed: $(head -c 300 "$json")"; return; }
import json, sys
d = json.load(open(sys.argv[1]))
s = d["end"]["sum"]
sent, lost = s["packets"], s.get("lost_packets", 0)
secs = float(sys.argv[3])
# delivered: what reached the server's UDP layer (iperf3's own receiver count is printed too)
print(f'{int(sys.argv[2]) / secs:.0f} {sent / secs:.0f} {(sent - lost) / secs:.0f}')
PY
      local delivered offered iperf_delivered
      read -r delivered offered iperf_delivered <"$WORK/vals"
      emit "$round" "$test" "$path" delivered_pps "$delivered" pkt/s
      emit "$round" "$test" "$path" offered_pps "$offered" pkt/s
      emit "$round" "$test" "$path" iperf3_received_pps "$iperf_delivered" pkt/s
      ;;
    ping | ping-2ms)
      if [[ $test == ping ]]; then
        c timeout 30 ping -6 -n -c 100 -i 0.01 -W 1 "$dest" >"$json" 2>&1
      else
        c timeout 30 ping -6 -n -c 300 -i 0.002 -W 1 "$dest" >"$json" 2>&1
      fi
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
  n1=$(path_packets)
  d1=$(tun_tx_dropped "$path")
  [[ -n $d0 && -n $d1 ]] && emit "$round" "$test" "$path" tun_tx_dropped "$((d1 - d0))" count
  if [[ $path == tundra ]]; then
    g1=$(tundra_stat tundra gso_translated)
    [[ -n $g0 && -n $g1 ]] && emit "$round" "$test" "$path" gso_translated "$((g1 - g0))" count
    b1=$(tundra_stat tundra gso_built)
    [[ -n $b0 && -n $b1 ]] && emit "$round" "$test" "$path" gso_built "$((b1 - b0))" count
  fi
  local pkts=$((n1 - n0))
  if [[ -n $pid && $test != ping* ]] && ((pkts > 0)); then
    emit "$round" "$test" "$path" cpu_ns_per_packet "$("$PYTHON" -c "print(f'{($t1 - $t0) / $CLK_TCK * 1e9 / $pkts:.0f}')")" ns
  fi
}

# shellcheck disable=SC2206
TESTS=(${BENCH_TESTS:-tcp1 tcp1-rev tcp4 tcp4-rev udp64 ping ping-2ms})
for t in "${TESTS[@]}"; do
  case $t in tcp1 | tcp1-rev | tcp4 | tcp4-rev | udp64 | ping | ping-2ms) ;; *) die "unknown test '$t' in BENCH_TESTS (tcp1 tcp1-rev tcp4 tcp4-rev udp64 ping ping-2ms)" ;; esac
done
log "paths: ${PATH_LIST[*]}; ${ROUNDS} rounds × ${#TESTS[@]} tests, ${SECS} s each; raw results: $CSV"
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
log "loadavg before: $LOAD_BEFORE"
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
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)
log "loadavg after: $LOAD_AFTER"

# ---- report -------------------------------------------------------------------------------------
for p in tundra-plain tundra; do
  want "$p" || continue
  log "$p: $(tundra_stat "$p" data_path_mode); GSO super-packets read $(tundra_stat "$p" gso_received), translated in one step $(tundra_stat "$p" gso_translated), cut into segments $(tundra_stat "$p" gso_segmented); UDP datagrams coalesced $(tundra_stat "$p" gso_coalesced) into $(tundra_stat "$p" gso_built) super-packets"
done
for p in tundra-plain tundra; do
  want "$p" || continue
  log "$p: non-zero counters: $("$TUNDRA" show stats --json -s "${SOCK[$p]}" 2>/dev/null | "$PYTHON" -c '
import json, sys
print(" ".join(f"{k}={v}" for k, v in json.load(sys.stdin)["total"].items() if v))' 2>/dev/null)"
done
for p in tayga tundra-plain tundra; do
  want "$p" || continue
  log "$p: ip -s link show ${TUN[$p]}:"
  r ip -s link show "${TUN[$p]}" | sed 's/^/#   /' >&2
done
echo
"$PYTHON" "$here/nat64_report.py" "$CSV" --png "$PNG" || log "bench/nat64_report.py failed; no plot without python3-matplotlib (bench/install-bench-deps.sh)"
echo
echo "raw results: $CSV"
[[ -f $PNG ]] && echo "plot: $PNG"
echo "command: $COMMAND"
echo "loadavg before: $LOAD_BEFORE; after: $LOAD_AFTER"
for p in tundra-plain tundra; do want "$p" && echo "$p data path: ${MODE[$p]}"; done
echo "kernel $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), tayga $(dpkg-query -W -f='${Version}' tayga 2>/dev/null || echo '?'), checkout $(git -C "$repo" rev-parse --short HEAD 2>/dev/null)$(git -C "$repo" diff --quiet 2>/dev/null || echo +dirty)$({ want tundra || want tundra-plain; } && echo ", $("$TUNDRA" version 2>/dev/null || echo "tundra ?")")"
