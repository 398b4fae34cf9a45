#!/usr/bin/env bash
# iperf3 TCP for 3 seconds from the client to the IPv4-only server and 3 seconds back (-R).
# A correctness test, not a benchmark (bench/nat64_bench.sh measures): both runs must
# finish and move data; the rate is only printed.
source "$(dirname "$0")/lib.sh"
e2e_need iperf3
e2e_setup

e2e_bg "$E2E_NS_SERVER" iperf3-server iperf3 -s -B "$SERVER4" -p 5201
e2e_wait_until 5 "iperf3 -s in server4" e2e_listening "$E2E_NS_SERVER" tcp 5201

for dir in forward reverse; do
  flag=""; [[ $dir == reverse ]] && flag=-R
  json=$E2E_WORK/iperf3-$dir.json
  # shellcheck disable=SC2086
  c6 timeout 30 iperf3 -6 -c "$SERVER6" -p 5201 -t 3 -J $flag >"$json" 2>&1 || e2e_fail "iperf3 $dir failed: $(head -c 400 "$json")"
  summary=$("$E2E_PYTHON" - "$json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = d["end"]["sum_received"]
print(f'{r["bytes"]} {r["bits_per_second"] / 1e9:.2f} {d["end"]["sum_sent"].get("retransmits", 0)}')
PY
) || e2e_fail "cannot read iperf3 $dir output: $(head -c 400 "$json")"
  read -r bytes gbps retrans <<<"$summary"
  ((bytes > 0)) || e2e_fail "iperf3 $dir moved no data"
  e2e_log "iperf3 $dir: $gbps Gbit/s received, $bytes bytes, $retrans retransmits"
done
e2e_pass
