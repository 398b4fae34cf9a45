#!/usr/bin/env bash
# The negative control of
# tcp_both_ways_has_no_checksum_errors_in_either_offload_mode.sh:
# the same transfers through a tundra whose one-step seeds are off by one (the
# tundra_corrupt_seed build, tests/e2e/CMakeLists.txt) must make the receivers count
# checksum errors. If they do not, that test proves nothing.
source "$(dirname "$0")/lib.sh"
source "$E2E_DIR/helpers/offload_checks.sh"
e2e_tundra_only "offload seeds"
e2e_need curl sha256sum socat ethtool nstat
[[ -x ${TUNDRA_CORRUPT_SEED:-} ]] || e2e_skip "TUNDRA_CORRUPT_SEED (the tundra_corrupt_seed build) is not set"
TUNDRA=$TUNDRA_CORRUPT_SEED
TUNDRA_EXTRA_TOML='offload = "auto"'
e2e_setup
offload_software_checksums
[[ $(offload_stat data_path_mode) == offload* ]] || e2e_skip "the kernel refused offloads: no seeds to corrupt"

# Corrupted segments are dropped by the receivers, so the transfers stall: short limits.
if offload_transfer_both_ways 2 8 corrupt; then
  e2e_log "both transfers arrived intact despite the corrupted seeds"
fi
client_errors=$(offload_csum_errors "$E2E_NS_CLIENT")
server_errors=$(offload_csum_errors "$E2E_NS_SERVER")
e2e_log "checksum errors: client6 $client_errors, server4 $server_errors"
((client_errors > 0)) || e2e_fail "the client counted no checksum error from corrupted seeds (IPv4 -> IPv6)"
((server_errors > 0)) || e2e_fail "the server counted no checksum error from corrupted seeds (IPv6 -> IPv4)"
e2e_pass "client6 $client_errors, server4 $server_errors checksum errors"
