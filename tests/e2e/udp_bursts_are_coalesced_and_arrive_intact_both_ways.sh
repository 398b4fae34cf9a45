#!/usr/bin/env bash
# UDP coalescing (tun/coalesce.h), end to end: 4000 numbered datagrams in runs of one size
# (8 to 1400 bytes, each run ending with a shorter one) cross the translator each way while
# tundra's worker is held back (SIGSTOP while they queue on the TUN, SIGCONT after), so that
# it reads them in full batches and writes UDP super-packets. Checksum offload is off on the
# router's egress veths, so the kernel cuts every super-packet and computes every checksum
# in software from tundra's seed. Every datagram must arrive once and intact, the receivers
# count no checksum error, and the counters show that super-packets were built each way.
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/helpers/offload_checks.sh"
e2e_tundra_only "UDP coalescing"
e2e_need nstat ethtool
e2e_setup
offload_software_checksums

data_path=$(offload_stat data_path_mode)
e2e_log "data path: $data_path"
[[ $data_path == *"UDP coalescing"* ]] || e2e_skip "no UDP coalescing on this kernel (needs USO, Linux >= 6.2): $data_path"
client4=$(e2e_client_ipv4) || e2e_fail "the client has no IPv4 address yet"

COUNT=4000
BURST="$E2E_DIR/helpers/udp_burst.py"

# One direction: $1 label, $2 receiver namespace, $3 its bind address, $4 port, $5 sender
# namespace, $6 destination, $7 source port.
burst() {
  local label=$1 rx_ns=$2 rx_addr=$3 port=$4 tx_ns=$5 dest=$6 sport=$7 built0 built1 coalesced0 coalesced1
  built0=$(offload_stat gso_built)
  coalesced0=$(offload_stat gso_coalesced)
  e2e_bg "$rx_ns" "rx-$label" "$E2E_PYTHON" "$BURST" receive "$rx_addr" "$port" "$COUNT" 5
  local rx=$E2E_LAST_PID
  e2e_wait_until 5 "the $label receiver" e2e_listening "$rx_ns" udp "$port"
  kill -STOP "$E2E_XLAT_PID"
  in_ns "$tx_ns" timeout 20 "$E2E_PYTHON" "$BURST" send "$dest" "$port" "$COUNT" "$sport"
  local sent=$?
  kill -CONT "$E2E_XLAT_PID"
  ((sent == 0)) || e2e_fail "$label: the sender failed"
  wait "$rx"
  local received=$?
  e2e_log "$label: $(cat "$E2E_WORK/rx-$label.log")"
  ((received == 0)) || e2e_fail "$label: not every datagram arrived once and intact"
  built1=$(offload_stat gso_built)
  coalesced1=$(offload_stat gso_coalesced)
  e2e_log "$label: $((coalesced1 - coalesced0)) datagrams coalesced into $((built1 - built0)) super-packets"
  ((built1 - built0 >= 10 && coalesced1 - coalesced0 >= COUNT / 2)) ||
    e2e_fail "$label: too little coalescing to test ($((built1 - built0)) super-packets)"
}

burst "client6 → server4" "$E2E_NS_SERVER" "$SERVER4" 7100 "$E2E_NS_CLIENT" "$SERVER6" 7101
burst "server4 → client6" "$E2E_NS_CLIENT" "::" 7101 "$E2E_NS_SERVER" "$client4" 7100

client_errors=$(offload_csum_errors "$E2E_NS_CLIENT")
server_errors=$(offload_csum_errors "$E2E_NS_SERVER")
e2e_log "checksum errors: client6 $client_errors, server4 $server_errors"
((client_errors == 0 && server_errors == 0)) || e2e_fail "receivers counted checksum errors"
e2e_pass
