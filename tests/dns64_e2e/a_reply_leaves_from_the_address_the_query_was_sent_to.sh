#!/usr/bin/env bash
# RFC 2181 §4: a client accepts a reply only from the address it sent the query to. tundra
# listens on the wildcard address (0.0.0.0, and [::] when the test runs as root) and is
# asked at an address the kernel would not pick as the reply's source on its own: at
# 127.0.0.2 from 127.0.0.1, and (as root, in a network namespace of its own) at fd00:53::2
# from ::1 and at fd00:99::5, an address of a prefix routed to the host but on no
# interface (AnyIP, `ip route add local`). dig drops a reply from any other address ("reply
# from unexpected source") and times out. Every way a UDP reply leaves is asked, each
# server with a name of its own so that nothing comes from another's cache: after an
# upstream lookup, from the cache's fast path (no query log) and answered locally
# (ipv4only.arpa).
if [[ $EUID -eq 0 && -z ${D64_IN_NETNS:-} ]] && command -v unshare >/dev/null && unshare -n true 2>/dev/null; then
  exec unshare -n env D64_IN_NETNS=1 "$BASH" "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
d64_init
servers=(127.0.0.2)
names=(v4only.dns64.test)
if [[ -n ${D64_IN_NETNS:-} ]]; then
  ip link set lo up && ip -6 addr add fd00:53::2/128 dev lo nodad && ip -6 route add local fd00:99::/64 dev lo \
    || d64_fail "cannot set up the namespace's loopback"
  servers+=(fd00:53::2 fd00:99::5)
  names+=(v4short.dns64.test v4long.dns64.test)
else
  d64_log "not root: IPv4 only (the IPv6 half needs a network namespace)"
fi
d64_nsd_start
D64_LOG_QUERIES=false  # so that cache hits take the fast path
D64_LISTEN=("0.0.0.0:$D64_PORT")
[[ -n ${D64_IN_NETNS:-} ]] && D64_LISTEN+=("[::]:$D64_PORT")
d64_tundra_start

for i in "${!servers[@]}"; do
  server=${servers[i]}
  source_address=127.0.0.1
  [[ $server == *:* ]] && source_address=::1
  for how in "looked up" "from the cache" "answered locally"; do
    name=${names[i]}
    [[ $how == "answered locally" ]] && name=ipv4only.arpa
    out=$(d64_dig_at "$server" -b "$source_address" "$name" AAAA)
    d64_expect_rcode "$out" NOERROR "$name AAAA asked at $server from $source_address ($how)"
    grep -q "SERVER: $server#$D64_PORT" <<<"$out" || d64_fail "the reply did not come from $server:
$out"
  done
done
d64_pass "replies came from ${servers[*]}"
