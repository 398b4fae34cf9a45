#!/usr/bin/env bash
# log-queries = true writes one line per query on stderr with the client, the query (name
# and type), the rcode returned, flags, size and duration: the first thing an operator
# compares when a client sees another rcode than the upstream sent. Checked loosely: one
# line holds the client address, the name, the type and the rcode. log-queries = false
# writes no such line.
source "$(dirname "$0")/lib.sh"
d64_init
d64_nsd_start
D64_ALLOW_CLIENTS=("127.0.0.1/32" "::1/128")
d64_tundra_start

d64_dig v4only.dns64.test AAAA >/dev/null
d64_dig_at ::1 +tcp nothere.dns64.test AAAA >/dev/null
d64_dig -b 127.0.0.3 dual.dns64.test AAAA >/dev/null
d64_kdig txtonly.dns64.test TXT >/dev/null

# has_line CLIENT NAME TYPE RCODE: a line of tundra.log with all four (case-insensitive).
has_line() {
  grep -Fi -- "$1" "$D64_WORK/tundra.log" | grep -Fi -- "$2" | grep -Ei -- "(^|[^A-Za-z])$3([^A-Za-z]|$)" | grep -Fqi -- "$4"
}
check() {
  d64_wait_until 5 "a query log line with $1, $2, $3, $4" has_line "$@"
}
check 127.0.0.1 v4only.dns64.test AAAA NOERROR
check ::1 nothere.dns64.test AAAA NXDOMAIN
check 127.0.0.3 dual.dns64.test AAAA REFUSED
check 127.0.0.1 txtonly.dns64.test TXT NOERROR
line=$(grep -Fi v4only.dns64.test "$D64_WORK/tundra.log" | head -n1)
grep -Eq '[0-9]' <<<"${line//127.0.0.1/}" || d64_fail "the query log line has no size or duration: $line"
d64_log "query log line: $line"

D64_LOG_QUERIES=false
d64_tundra_restart
d64_dig v4short.dns64.test AAAA >/dev/null
sleep 0.5
if grep -Fqi v4short.dns64.test "$D64_WORK/tundra.log"; then
  d64_fail "log-queries = false still logs queries: $(grep -Fi v4short.dns64.test "$D64_WORK/tundra.log")"
fi
d64_pass
