# shellcheck shell=bash
# Shared by the offload checksum tests (sourced after lib.sh): software checksums on the
# router's egress veths, the receivers' checksum error counters, and TCP both ways with the
# data verified. See docs/testing.md, "Offloads".

# Checksum offload off on the router's egress veths (TSO goes with it): the kernel then cuts
# every super-packet tundra writes and completes every checksum in software from the seed
# tundra left, and a wrong seed reaches the receivers as a wrong checksum instead of
# travelling through veth as "partial, to be completed" and being trusted.
offload_software_checksums() {
  local dev
  for dev in to-client to-server; do
    rt ethtool -K "$dev" tx off >/dev/null 2>&1 || e2e_fail "ethtool -K $dev tx off failed"
    [[ $(rt ethtool -k "$dev" | awk '$1 == "tx-checksumming:" {print $2}') == off ]] ||
      e2e_fail "$dev still has tx checksumming on"
  done
}

# The receive checksum errors (TcpInCsumErrors + UdpInCsumErrors + Udp6InCsumErrors) in
# namespace $1, from nstat (-a absolute, -s without touching its history, -z with zeros).
offload_csum_errors() {
  ip netns exec "$1" nstat -asz TcpInCsumErrors UdpInCsumErrors Udp6InCsumErrors |
    awk '$1 ~ /InCsumErrors$/ {sum += $2} END {print sum + 0}'
}

# A download (IPv4 server -> IPv6 client: curl from python3 -m http.server) and an upload
# (IPv6 client -> IPv4 server: socat), each of $1 MiB, each given $2 seconds. Returns 0 when
# both arrived intact; says what differed otherwise. Label $3 names the round in the log.
offload_transfer_both_ways() {
  local mib=$1 limit=$2 label=$3 ok=0
  local dir=$E2E_WORK/$label
  mkdir -p "$dir/www"
  e2e_random_file "$dir/www/down.bin" "$mib"
  e2e_random_file "$dir/up.bin" "$mib"
  e2e_bg "$E2E_NS_SERVER" "http-$label" "$E2E_PYTHON" -m http.server --bind "$SERVER4" --directory "$dir/www" 8080
  local http_pid=$E2E_LAST_PID
  e2e_wait_until 10 "the web server in server4" e2e_listening "$E2E_NS_SERVER" tcp 8080
  c6 timeout "$limit" curl -g -sS --fail --max-time "$limit" -o "$dir/got-down.bin" "http://[$SERVER6]:8080/down.bin" ||
    e2e_log "$label: download failed or timed out"
  if [[ -f $dir/got-down.bin && $(e2e_sha256 "$dir/got-down.bin") == "$(e2e_sha256 "$dir/www/down.bin")" ]]; then
    e2e_log "$label: download of $mib MiB intact"
  else
    e2e_log "$label: download differs ($(stat -c %s "$dir/got-down.bin" 2>/dev/null || echo 0) bytes)"
    ok=1
  fi
  e2e_stop_pid "$http_pid" 3 || true
  e2e_bg "$E2E_NS_SERVER" "sink-$label" socat -u "TCP4-LISTEN:9000,bind=$SERVER4,reuseaddr" "CREATE:$dir/got-up.bin"
  e2e_wait_until 10 "the upload sink in server4" e2e_listening "$E2E_NS_SERVER" tcp 9000
  c6 timeout "$limit" socat -u "OPEN:$dir/up.bin" "TCP6:[$SERVER6]:9000" || e2e_log "$label: upload failed or timed out"
  # The sink exits once the connection closes.
  local deadline=$((SECONDS + 5))
  while ((SECONDS < deadline)) && e2e_listening "$E2E_NS_SERVER" tcp 9000; do sleep 0.1; done
  sleep 0.3
  if [[ -f $dir/got-up.bin && $(e2e_sha256 "$dir/got-up.bin") == "$(e2e_sha256 "$dir/up.bin")" ]]; then
    e2e_log "$label: upload of $mib MiB intact"
  else
    e2e_log "$label: upload differs ($(stat -c %s "$dir/got-up.bin" 2>/dev/null || echo 0) bytes)"
    ok=1
  fi
  return $ok
}

# A counter of `tundra show stats --json` (the total over all workers), or the data path.
offload_stat() {
  e2e_tundra_ctl show stats --json | "$E2E_PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
key = sys.argv[1]
print(d["data_path_mode"] if key == "data_path_mode" else d["total"][key])' "$1"
}
