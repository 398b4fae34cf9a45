#!/usr/bin/env bash
# TCP both ways (a 16 MiB download by curl, a 16 MiB upload by socat) with checksum offload
# off on the router's egress veths, so that the kernel cuts every super-packet tundra writes
# and completes its checksums in software from tundra's seeds: first with offload = "auto"
# (super-packets must have been translated in one step), then with offload = "off" (plain
# mode). Both transfers arrive intact, and the client and the server count no checksum
# error (TcpInCsumErrors, UdpInCsumErrors, Udp6InCsumErrors). The negative control, with
# seeds off by one, is a_corrupted_offload_seed_is_caught_by_the_checksum_check.sh.
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/helpers/offload_checks.sh"
e2e_tundra_only "offload modes"
e2e_need curl sha256sum socat ethtool nstat

for mode in auto off; do
  TUNDRA_EXTRA_TOML="offload = \"$mode\""
  E2E_XLAT_CONF=""  # rewritten with this mode
  if [[ $mode == auto ]]; then
    e2e_setup
    offload_software_checksums
  else
    e2e_translator_start
  fi
  data_path=$(offload_stat data_path_mode)
  e2e_log "offload = \"$mode\": data path $data_path"
  if [[ $mode == auto ]]; then
    [[ $data_path == offload* ]] || e2e_fail "offload = \"auto\" runs \"$data_path\" on this kernel"
  else
    [[ $data_path == plain* ]] || e2e_fail "offload = \"off\" runs \"$data_path\""
  fi
  offload_transfer_both_ways 16 60 "$mode" || e2e_fail "offload = \"$mode\": a transfer did not arrive intact"
  client_errors=$(offload_csum_errors "$E2E_NS_CLIENT")
  server_errors=$(offload_csum_errors "$E2E_NS_SERVER")
  e2e_log "offload = \"$mode\": checksum errors: client6 $client_errors, server4 $server_errors"
  ((client_errors == 0 && server_errors == 0)) || e2e_fail "offload = \"$mode\": receivers counted checksum errors"
  translated=$(offload_stat gso_translated)
  e2e_log "offload = \"$mode\": $(offload_stat gso_received) super-packets read, $translated translated in one step, $(offload_stat gso_segmented) cut"
  if [[ $mode == auto ]]; then
    ((translated > 100)) || e2e_fail "offload = \"auto\": only $translated super-packets translated in one step"
  else
    ((translated == 0)) || e2e_fail "offload = \"off\": $translated super-packets"
  fi
  e2e_translator_stop
done
e2e_pass
