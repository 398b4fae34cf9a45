#!/usr/bin/env bash
# DNS64 benchmark: tundra's DNS64 against Unbound's (`module-config: "dns64 iterator"`),
# measured in the same run, interleaved, with dnsperf, both forwarding to one NSD on
# loopback. Prints medians of queries per second, median latency and queries per
# CPU-second of the server, with the ratio tundra/Unbound, and writes raw samples to a CSV.
#
#   bench/dns64_bench.sh                               # 5 rounds, 5 s per run
#   BENCH_ROUNDS=3 BENCH_SECONDS=3 TUNDRA=build/tundra bench/dns64_bench.sh
#
# Query mixes (docs/performance.md):
#   hot     one synthesized name (v4only AAAA): the cache-hit path
#   mix     A-only, two-A, dual-stack, IPv6-only, CNAME, NXDOMAIN AAAA and an A query
#   unique  20 000 distinct A-only names asked once each (AAAA): cache misses that go
#           AAAA then A to NSD; each server restarts before the run so its cache is empty
#
# Pinning on a 2-core machine: the server under test on CPU 1; NSD and dnsperf on CPU 0
# (dnsperf -T 1). Each server has one thread. Only loopback is used.
#
# Needs: nsd, unbound, dnsperf, python3 (bench/install-bench-deps.sh installs them).
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
ROUNDS=${BENCH_ROUNDS:-5}
SECS=${BENCH_SECONDS:-5}
TUNDRA=${TUNDRA:-$repo/build/tundra}
UNIQUE=${BENCH_UNIQUE:-20000}
CSV=${BENCH_CSV:-$repo/build/bench-results/dns64-$(date +%Y%m%d-%H%M%S).csv}
for p in nsd unbound dnsperf python3 taskset; do
  command -v $p >/dev/null || { echo "dns64_bench: $p is missing (bench/install-bench-deps.sh)" >&2; exit 1; }
done
[[ -x $TUNDRA ]] || { echo "dns64_bench: $TUNDRA is not built" >&2; exit 1; }
CPU_SERVER=1; CPU_LOAD=0
[[ $(nproc) -lt 2 ]] && CPU_SERVER=0

dir=$(mktemp -d /tmp/dns64-bench.XXXXXX)
base=$(( 20000 + ($$ % 2000) * 10 ))
NSD_PORT=$base; TUNDRA_PORT=$((base + 1)); UNBOUND_PORT=$((base + 2)); HTTP_PORT=$((base + 3))
declare -A PID
cleanup() {
  for p in "${PID[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$dir"
}
trap cleanup EXIT

# --- the zone, served by NSD ---------------------------------------------------------------
{
  echo '$ORIGIN bench.test.'
  echo '$TTL 300'
  echo '@ IN SOA ns1 hostmaster 1 3600 600 86400 60'
  echo '@ IN NS ns1'
  echo 'ns1 IN A 127.0.0.1'
  echo 'v4only IN A 192.0.2.1'
  echo 'v4multi 120 IN A 192.0.2.10'
  echo 'v4multi 900 IN A 192.0.2.11'
  echo 'dual IN A 192.0.2.20'
  echo 'dual IN AAAA 2001:db8::20'
  echo 'v6only IN AAAA 2001:db8::30'
  echo 'alias IN CNAME v4only'
  for ((i = 1; i <= UNIQUE; i++)); do echo "h$i IN A 198.18.$((i / 256)).$((i % 256))"; done
} > "$dir/bench.test.zone"
cat > "$dir/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$NSD_PORT
    username: ""
    chroot: ""
    zonesdir: "$dir"
    database: ""
    zonelistfile: "$dir/zone.list"
    xfrdfile: "$dir/xfrd.state"
    xfrdir: "$dir"
    pidfile: "$dir/nsd.pid"
    logfile: "$dir/nsd.log"
    server-count: 1
    verbosity: 0
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: "bench.test"
    zonefile: "bench.test.zone"
EOF
cat > "$dir/unbound.conf" <<EOF
server:
    interface: 127.0.0.1@$UNBOUND_PORT
    username: ""
    chroot: ""
    directory: "$dir"
    pidfile: "$dir/unbound.pid"
    do-daemonize: no
    use-syslog: no
    logfile: "$dir/unbound.log"
    verbosity: 0
    num-threads: 1
    msg-cache-size: 64m
    rrset-cache-size: 128m
    access-control: 127.0.0.0/8 allow
    do-not-query-localhost: no
    module-config: "dns64 iterator"
    dns64-prefix: 64:ff9b::/96
    local-zone: "test." nodefault
remote-control:
    control-enable: no
forward-zone:
    name: "."
    forward-addr: 127.0.0.1@$NSD_PORT
EOF
cat > "$dir/tundra.toml" <<EOF
[daemon]
control-socket = ""
http-listen = "127.0.0.1:$HTTP_PORT"
[dns64]
listen = ["127.0.0.1:$TUNDRA_PORT"]
upstream = ["127.0.0.1:$NSD_PORT"]
cache-size = 100000
EOF
echo "v4only.bench.test AAAA" > "$dir/q-hot.txt"
printf '%s\n' "v4only.bench.test AAAA" "v4multi.bench.test AAAA" "dual.bench.test AAAA" \
  "v6only.bench.test AAAA" "alias.bench.test AAAA" "nx.bench.test AAAA" "v4only.bench.test A" > "$dir/q-mix.txt"
for ((i = 1; i <= UNIQUE; i++)); do echo "h$i.bench.test AAAA"; done > "$dir/q-unique.txt"

wait_port() {  # $1 port: until a query is answered
  for _ in $(seq 50); do
    dnsperf -s 127.0.0.1 -p "$1" -d "$dir/q-hot.txt" -n 1 -t 1 2>/dev/null | grep -q "Queries completed: *1 " && return 0
    sleep 0.1
  done
  echo "dns64_bench: nothing answers on port $1" >&2
  exit 1
}
start_server() {  # $1 tundra|unbound
  case $1 in
    tundra) taskset -c $CPU_SERVER "$TUNDRA" run -c "$dir/tundra.toml" > "$dir/tundra.log" 2>&1 & PID[tundra]=$! ; wait_port $TUNDRA_PORT ;;
    unbound) taskset -c $CPU_SERVER unbound -d -c "$dir/unbound.conf" > "$dir/unbound.out" 2>&1 & PID[unbound]=$! ; wait_port $UNBOUND_PORT ;;
  esac
}
stop_server() { kill "${PID[$1]}" 2>/dev/null; wait "${PID[$1]}" 2>/dev/null; unset "PID[$1]"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
port_of() { [[ $1 == tundra ]] && echo $TUNDRA_PORT || echo $UNBOUND_PORT; }

# One dnsperf run; appends "server,mix,round,qps,median_latency_ms,qps_per_cpu_second".
measure() {  # $1 server $2 mix $3 round
  local server=$1 mix=$2 round=$3 args
  if [[ $mix == unique ]]; then args=(-n 1); else args=(-l "$SECS"); fi
  local t0; t0=$(cpu_ticks "${PID[$server]}")
  taskset -c $CPU_LOAD dnsperf -s 127.0.0.1 -p "$(port_of "$server")" -d "$dir/q-$mix.txt" "${args[@]}" \
    -c 4 -q 200 -T 1 -v > "$dir/run.out" 2>&1
  local t1; t1=$(cpu_ticks "${PID[$server]}")
  python3 - "$dir/run.out" "$server" "$mix" "$round" "$((t1 - t0))" "$(getconf CLK_TCK)" >> "$CSV" <<'EOF'
import re, statistics, sys
path, server, mix, rnd, ticks, hz = sys.argv[1:]
lat, qps = [], None
for line in open(path, errors="replace"):
    if line.startswith("> ") and not line.startswith("> T "):  # "> T ..." = timed out
        lat.append(float(line.split()[-1]))
    m = re.search(r"Queries per second:\s+([\d.]+)", line)
    if m: qps = float(m.group(1))
    m = re.search(r"Run time \(s\):\s+([\d.]+)", line)
    if m: run = float(m.group(1))
cpu = int(ticks) / int(hz)
done = len(lat)
print(f"{server},{mix},{rnd},{qps:.0f},{statistics.median(lat) * 1000:.3f},{(done / cpu) if cpu > 0 else 0:.0f}")
EOF
}

mkdir -p "$(dirname "$CSV")"
echo "server,mix,round,qps,median_latency_ms,queries_per_cpu_second" > "$CSV"
taskset -c $CPU_LOAD nsd -d -c "$dir/nsd.conf" > "$dir/nsd.out" 2>&1 & PID[nsd]=$!
sleep 0.5
servers=(tundra unbound)
for ((round = 1; round <= ROUNDS; round++)); do
  # Rotate which server goes first in each round.
  if (( round % 2 )); then order=(tundra unbound); else order=(unbound tundra); fi
  for server in "${order[@]}"; do
    start_server "$server"
    measure "$server" unique "$round"   # the cache is empty after the start
    measure "$server" hot "$round"
    measure "$server" mix "$round"
    stop_server "$server"
  done
  echo "round $round/$ROUNDS done" >&2
done

python3 - "$CSV" "$0 $*" <<'EOF'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"DNS64 benchmark: medians of {max(int(r['round']) for r in rows)} interleaved rounds; raw: {sys.argv[1]}")
print(f"{'mix':8} {'metric':24} {'tundra':>12} {'unbound':>12} {'tundra/unbound':>15}")
for mix in ("hot", "mix", "unique"):
    for key, label in (("qps", "queries/s"), ("median_latency_ms", "median latency (ms)"),
                       ("queries_per_cpu_second", "queries per CPU-second")):
        med = {}
        for server in ("tundra", "unbound"):
            vals = [float(r[key]) for r in rows if r["server"] == server and r["mix"] == mix]
            med[server] = statistics.median(vals) if vals else float("nan")
        ratio = med["tundra"] / med["unbound"] if med["unbound"] else float("nan")
        print(f"{mix:8} {label:24} {med['tundra']:12.3f} {med['unbound']:12.3f} {ratio:15.2f}")
EOF
