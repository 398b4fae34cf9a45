#!/usr/bin/env bash
# Path-MTU discovery across a narrower IPv4 link (E2E_TOPOLOGY=narrow: router ─MTU 1400─
# hop4 ─ server4). The client's 1500-byte IPv6 packets become 1480-byte IPv4 packets with
# DF set; the router answers with ICMPv4 Fragmentation Needed (MTU 1400), which the
# translator must turn into ICMPv6 Packet Too Big with MTU 1420 (RFC 7915 §4.2).
#   - tracepath -6 reports "pmtu 1420";
#   - the client's route cache learns mtu 1420 for the server;
#   - a 5 MiB TCP upload (the client sends the big segments) arrives intact;
#   - a 5 MiB TCP download still completes (its PMTUD is native IPv4, hop4 → server4).
source "$(dirname "$0")/lib.sh"
e2e_need tracepath socat curl sha256sum
E2E_TOPOLOGY=narrow
e2e_setup
want_mtu=$((NARROW_MTU + 20))

out=$(c6 timeout 30 tracepath -6 -n -m 8 "$SERVER6" 2>&1) || e2e_fail "tracepath failed: $out"
printf '%s\n' "$out" | sed 's/^/#   /'
grep -q "pmtu $want_mtu" <<<"$out" || e2e_fail "tracepath did not learn pmtu $want_mtu"

# Upload: the client is the sender of full-size segments.
e2e_random_file "$E2E_WORK/up.bin" 5
e2e_bg "$E2E_NS_SERVER" upload-sink socat -u TCP4-LISTEN:9000,bind="$SERVER4",reuseaddr OPEN:"$E2E_WORK/up-got.bin",creat,trunc
e2e_wait_until 5 "the upload sink" e2e_listening "$E2E_NS_SERVER" tcp 9000
sink=$E2E_LAST_PID
c6 ip -6 route flush cache   # forget what tracepath learned: the upload must learn it again
c6 timeout 60 socat -u OPEN:"$E2E_WORK/up.bin" TCP6:"[$SERVER6]:9000" || e2e_fail "the upload failed"
sink_done() { ! kill -0 "$sink" 2>/dev/null; }
e2e_wait_until 30 "the upload sink to see EOF" sink_done   # socat exits by itself at EOF
[[ $(e2e_sha256 "$E2E_WORK/up-got.bin") == "$(e2e_sha256 "$E2E_WORK/up.bin")" ]] \
  || e2e_fail "the upload arrived damaged ($(stat -c %s "$E2E_WORK/up-got.bin") of 5242880 bytes)"
route=$(c6 ip -6 route get "$SERVER6")
e2e_log "client route: $route"
grep -q "mtu $want_mtu" <<<"$route" || e2e_fail "the client never learned mtu $want_mtu from a Packet Too Big"
e2e_log "upload: 5 MiB intact, client path MTU $want_mtu"

# Download across the same link.
mkdir -p "$E2E_WORK/www"
e2e_random_file "$E2E_WORK/www/down.bin" 5
e2e_bg "$E2E_NS_SERVER" http "$E2E_PYTHON" -m http.server --bind "$SERVER4" --directory "$E2E_WORK/www" 8080
e2e_wait_until 10 "the web server" e2e_listening "$E2E_NS_SERVER" tcp 8080
c6 timeout 60 curl -g -sS --fail --max-time 50 -o "$E2E_WORK/down-got.bin" "http://[$SERVER6]:8080/down.bin" || e2e_fail "the download failed"
[[ $(e2e_sha256 "$E2E_WORK/down-got.bin") == "$(e2e_sha256 "$E2E_WORK/www/down.bin")" ]] || e2e_fail "the download arrived damaged"
e2e_pass "Fragmentation Needed became Packet Too Big ($want_mtu); 5 MiB each way intact"
