#!/usr/bin/env bash
# Soak: ten minutes of mixed traffic through one tundra (translator and DNS64), with its
# resident memory, open file descriptors and threads sampled every 10 s. They must stay
# flat: the last sample may exceed the one taken after the warm-up minute by at most
# SOAK_RSS_SLACK_KB (default 2048) of RSS, and not at all in descriptors or threads.
#
#   bench/soak.sh                         # 600 s (needs root: namespaces, TUN)
#   SOAK_SECONDS=120 TUNDRA=build/tundra bench/soak.sh
#
# Traffic, all at once, all the time (namespaces from tests/e2e/lib.sh; nothing leaves them):
#   - TCP: iperf3 client6 -> server4 through the translator, 4 streams, restarted every 20 s
#   - UDP from many sources: a Python sender in client6 sends from ever new addresses of
#     2001:db8:1:f::/64 (the pool fills, new clients are rate-limited and refused)
#   - ping to the server and to the translator's own address
#   - DNS: dig in a loop (UDP and TCP) against the DNS64 on the router's client-side address,
#     forwarding to a Python responder in server4 that answers A queries, so queries are
#     synthesized, cached and missed: 3000 names through a 200-entry cache, so the cache
#     is full within the warm-up and keeps evicting.
# Writes the samples to build/bench-results/soak-<date>.csv and prints a summary.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
SECS=${SOAK_SECONDS:-600}
SLACK=${SOAK_RSS_SLACK_KB:-2048}
CSV=${SOAK_CSV:-$repo/build/bench-results/soak-$(date +%Y%m%d-%H%M%S).csv}
TUNDRA=${TUNDRA:-$repo/build/tundra}
export TUNDRA TRANSLATOR=tundra E2E_NOTIFY=0
DNS_PORT=53
TUNDRA_EXTRA_DAEMON_TOML=$(printf '%s\n' "http-listen = \"\"" "[dns64]" \
  "listen = [\"[2001:db8:1::1]:$DNS_PORT\"]" \
  "upstream = [\"198.51.100.2:5353\"]" "allow-clients = [\"::/0\", \"0.0.0.0/0\"]" "cache-size = 200")
export TUNDRA_EXTRA_DAEMON_TOML
# shellcheck source=../tests/e2e/lib.sh
source "$repo/tests/e2e/lib.sh"
e2e_need iperf3 ping
e2e_init
e2e_topology
e2e_translator_start
pid=$E2E_XLAT_PID

# Flood sources: a /64 that is local in client6 and routed back to it by the router.
c6 ip -6 route add local 2001:db8:1:f::/64 dev lo
rt ip -6 route add 2001:db8:1:f::/64 via "$CLIENT6"

# A tiny authoritative responder in server4 (A answers for any name, TTL 30).
cat >"$E2E_WORK/responder.py" <<'EOF'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("198.51.100.2", 5353))
while True:
    q, peer = s.recvfrom(4096)
    if len(q) < 17: continue
    end = 12
    while end < len(q) and q[end] != 0: end += 1 + q[end]
    question = q[12:end + 5]
    qtype = struct.unpack("!H", q[end + 1:end + 3])[0] if end + 3 <= len(q) else 0
    flags = 0x8180
    if qtype == 1:
        answer = b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 30, 4) + bytes([192, 0, 2, len(peer) % 250 + 1])
        s.sendto(q[:2] + struct.pack("!HHHHH", flags, 1, 1, 0, 0) + question + answer, peer)
    else:
        s.sendto(q[:2] + struct.pack("!HHHHH", flags, 1, 0, 0, 0) + question, peer)
EOF
e2e_bg "$E2E_NS_SERVER" responder "$E2E_PYTHON" "$E2E_WORK/responder.py"

cat >"$E2E_WORK/flood.py" <<'EOF'
import socket, sys, time, random
dst, end = sys.argv[1], time.time() + float(sys.argv[2])
n = 0
while time.time() < end:
    n += 1
    src = "2001:db8:1:f::%x:%x" % (n >> 16 & 0xffff, n & 0xffff)
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, 78, 1)  # IPV6_FREEBIND: any source of the /64
    try:
        s.bind((src, 0))
        for _ in range(5):
            s.sendto(b"x" * 64, (dst, 9))
    except OSError as e:
        if n < 3: print("flood:", src, e, file=sys.stderr)
    s.close()
    if n % 200 == 0: time.sleep(0.05)
EOF
cat >"$E2E_WORK/dns.sh" <<EOF
end=\$((SECONDS + $SECS))
i=0
while ((SECONDS < end)); do
  i=\$((i + 1))
  dig +tries=1 +time=2 @2001:db8:1::1 -p $DNS_PORT "n\$((i % 3000)).soak.test" AAAA >/dev/null 2>&1
  dig +tries=1 +time=2 +tcp @2001:db8:1::1 -p $DNS_PORT "hot.soak.test" AAAA >/dev/null 2>&1
done
EOF

s4 iperf3 -s -D -p 5201 >/dev/null 2>&1
e2e_bg "$E2E_NS_CLIENT" flood "$E2E_PYTHON" "$E2E_WORK/flood.py" "$SERVER6" "$SECS"
command -v dig >/dev/null && e2e_bg "$E2E_NS_CLIENT" dns bash "$E2E_WORK/dns.sh"
e2e_bg "$E2E_NS_CLIENT" ping-server ping -6 -q -i 0.2 -w "$SECS" "$SERVER6"
e2e_bg "$E2E_NS_CLIENT" ping-self ping -6 -q -i 0.5 -w "$SECS" 64:ff9b::c0a8:ff01
(
  end=$((SECONDS + SECS))
  while ((SECONDS < end)); do c6 timeout 25 iperf3 -c "$SERVER6" -p 5201 -P 4 -t 20 >/dev/null 2>&1; done
) &
E2E_BG_PIDS+=($!)

mkdir -p "$(dirname "$CSV")"
echo "seconds,rss_kb,fds,threads" >"$CSV"
sample() {
  local rss fds threads
  rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads:/ {print $2}' "/proc/$pid/status")
  fds=$(ls "/proc/$pid/fd" | wc -l)
  echo "$1,$rss,$fds,$threads" >>"$CSV"
}
start=$SECONDS
while ((SECONDS - start < SECS)); do
  kill -0 "$pid" 2>/dev/null || e2e_fail "tundra died during the soak"
  sample $((SECONDS - start))
  sleep 10
done
sample $((SECONDS - start))
e2e_tundra_ctl show stats >"$E2E_WORK/stats.txt" 2>&1 || true

summary=$("$E2E_PYTHON" - "$CSV" "$SLACK" <<'EOF'
import csv, sys
rows = [dict((k, int(v)) for k, v in r.items()) for r in csv.DictReader(open(sys.argv[1]))]
slack = int(sys.argv[2])
warm_up = min(60, rows[-1]["seconds"] // 2)
warm = next((r for r in rows if r["seconds"] >= warm_up), rows[0])
last = rows[-1]
print(f"samples {len(rows)}; after warm-up (t={warm['seconds']}s): rss {warm['rss_kb']} KiB, fds {warm['fds']}, threads {warm['threads']}")
print(f"last (t={last['seconds']}s): rss {last['rss_kb']} KiB, fds {last['fds']}, threads {last['threads']}; "
      f"max rss {max(r['rss_kb'] for r in rows)} KiB")
bad = []
if last["rss_kb"] > warm["rss_kb"] + slack: bad.append("rss grew")
if last["fds"] > warm["fds"]: bad.append("fds grew")
if last["threads"] > warm["threads"]: bad.append("threads grew")
print("FLAT" if not bad else "GREW: " + ", ".join(bad))
EOF
)
echo "$summary"
echo "samples: $CSV"
cat "$E2E_WORK/flood.log"
grep -E "drop_pool_rate_limited|drop_pool_exhausted|translated_6to4|translated_4to6" "$E2E_WORK/stats.txt" | head -4
[[ $summary == *FLAT* ]] || e2e_fail "resources grew during the soak"
e2e_pass
