#!/usr/bin/env bash
# An IPv4 UDP datagram with checksum 0 ("none", legal in IPv4) sent from server4 to the
# client must arrive intact: IPv6 forbids a zero UDP checksum (RFC 8200 §8.1), so the
# translator computes one (RFC 7915 §4.5; tundra's default udp-zero-checksum = "calc").
# The client's kernel verifies that checksum, so a wrong one means no delivery.
# Tayga 0.9.2 drops such datagrams: this test is expected to fail with TRANSLATOR=tayga.
source "$(dirname "$0")/lib.sh"
e2e_need socat
e2e_setup

client4=$(e2e_client_ipv4) || e2e_fail "the server never saw the client over UDP"
e2e_bg "$E2E_NS_CLIENT" recv socat -u UDP6-RECV:5003 OPEN:"$E2E_WORK/got.txt",creat,append
e2e_wait_until 5 "the client's UDP listener" e2e_listening "$E2E_NS_CLIENT" udp 5003

# send_until_received [--valid] PAYLOAD: up to three hand-built datagrams (one is not
# retransmitted), each given a second to show up at the client.
send_until_received() {
  local i j payload=${*: -1}
  for ((i = 1; i <= 3; i++)); do
    s4 "$E2E_PYTHON" "$E2E_DIR/helpers/send_udp_zero_checksum.py" "${@:1:$#-1}" "$SERVER4" "$client4" 5999 5003 "$payload" \
      || e2e_fail "could not send the raw datagram from server4"
    for ((j = 0; j < 10; j++)); do grep -qF "$payload" "$E2E_WORK/got.txt" 2>/dev/null && return 0; sleep 0.1; done
  done
  return 1
}

# Control: the same hand-built datagram with a correct checksum must arrive, or the harness
# (not the translator's zero-checksum handling) is at fault.
send_until_received --valid "control datagram with a checksum $RANDOM" \
  || e2e_fail "even the control datagram (valid UDP checksum) did not reach the client"
e2e_log "control datagram with a valid checksum arrived"

payload="zero checksum datagram $RANDOM$RANDOM"
send_until_received "$payload" \
  || e2e_fail "the client did not receive the datagram with UDP checksum 0 (3 sent to $client4)"
e2e_pass "payload intact after the checksum was filled in"
