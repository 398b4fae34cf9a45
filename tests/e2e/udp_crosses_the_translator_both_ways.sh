#!/usr/bin/env bash
# UDP through the translator with socat: the client's datagrams reach an IPv4-only echo
# server and the echoes come back (a small one, and a 3000-byte one that travels as IPv6
# and IPv4 fragments); then the server sends to the client's pool address unprompted.
source "$(dirname "$0")/lib.sh"
e2e_need socat
e2e_setup

e2e_bg "$E2E_NS_SERVER" echo socat UDP4-LISTEN:5001,bind="$SERVER4",reuseaddr,fork PIPE
e2e_wait_until 5 "the UDP echo server" e2e_listening "$E2E_NS_SERVER" udp 5001

printf 'hello over UDP through the translator\n' >"$E2E_WORK/small.txt"
head -c 2250 /dev/urandom | base64 -w0 >"$E2E_WORK/large.txt"   # 3000 bytes
# -t 3: after stdin's EOF socat waits only 0.5 s for the echo by default, too short for a
# first datagram that waits for neighbour discovery and ARP on a loaded machine.
for f in small large; do
  out=$(c6 timeout 10 socat -t 3 -T 3 -b 65536 - UDP6:"[$SERVER6]:5001" <"$E2E_WORK/$f.txt") || e2e_fail "socat $f datagram: no echo"
  [[ $out == "$(cat "$E2E_WORK/$f.txt")" ]] || e2e_fail "the $f datagram's echo differs (${#out} bytes back)"
  e2e_log "client → server → client: $(stat -c %s "$E2E_WORK/$f.txt")-byte datagram echoed intact"
done

client4=$(e2e_client_ipv4) || e2e_fail "the server never saw the client over UDP"
e2e_bg "$E2E_NS_CLIENT" recv socat -u UDP6-RECV:5002 OPEN:"$E2E_WORK/from-server.txt",creat,trunc
e2e_wait_until 5 "the client's UDP listener" e2e_listening "$E2E_NS_CLIENT" udp 5002
printf 'hello from the IPv4 side\n' | s4 timeout 5 socat -u - UDP4-SENDTO:"$client4:5002" || e2e_fail "socat in server4 could not send"
e2e_wait_until 5 "the server's datagram at the client" test -s "$E2E_WORK/from-server.txt"
[[ $(cat "$E2E_WORK/from-server.txt") == "hello from the IPv4 side" ]] || e2e_fail "the client received '$(cat "$E2E_WORK/from-server.txt")'"
e2e_log "server → client $client4: datagram received intact"
e2e_pass
