# shellcheck shell=bash
# Black-box harness for tundra's DNS64: a real authoritative server (NSD) on loopback, tundra
# with a [dns64]-only tundra.toml in front of it, and real clients (dig, kdig). No root, no
# namespaces: everything listens on 127.0.0.1 / ::1 on free high ports picked per run, so
# the scripts may run in parallel. Source it from a test script; see docs/testing.md.
#
#   dig/kdig ──> tundra [dns64] 127.0.0.1:D64_PORT, [::1]:D64_PORT ──> NSD 127.0.0.1:D64_NSD_PORT
#                 /health, /metrics on 127.0.0.1:D64_HTTP_PORT
#
# NSD serves (zone files written by d64_write_zones):
#   dns64.test            SOA negative TTL (minimum) 60; see the table in docs/testing.md
#   example.net           the "operator zone" (forwarded without DNS64 by the tests that say so)
#   2.0.192.in-addr.arpa  1 → v4only.dns64.test., 20 → dual.dns64.test.
#   8.b.d.0.1.0.0.2.ip6.arpa  2001:db8::20 → dual.dns64.test.
#
# Environment:
#   TUNDRA       the tundra binary (default: $REPO/build/tundra, else tundra on PATH)
#   D64_KEEP=1   keep the work directory (configs, zone files, logs) after the test
#   (E2E_KEEP=1 works too)
#
# Exit codes, CTest's convention: 0 pass, 1 fail, 77 skip (SKIP_RETURN_CODE 77).
# Safety: traffic only to loopback; the EXIT trap stops only the processes this run started,
# by PID.

D64_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
D64_REPO=$(cd "$D64_DIR/../.." && pwd)
D64_TEST_NAME=$(basename "$0" .sh)
if [[ -z ${TUNDRA:-} ]]; then
  if [[ -x $D64_REPO/build/tundra ]]; then TUNDRA=$D64_REPO/build/tundra; else TUNDRA=$(command -v tundra || echo tundra); fi
fi
# dnspython is a Debian package: use the system interpreter, not a pyenv shim.
D64_PYTHON=${D64_PYTHON:-$( [[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || command -v python3 || echo python3)}
NSD=${NSD:-$(command -v nsd || echo /usr/sbin/nsd)}

# ---- state -----------------------------------------------------------------------------------
D64_WORK=""
D64_FINISHED=0
D64_PIDS=()          # every background process this run started
D64_TUNDRA_PID=""
# Ports: a run-specific start below the ephemeral range (32768+), so that parallel runs
# start far apart; each port is also checked free (TCP and UDP) before it is handed out.
D64_NEXT_PORT=$((10000 + ($$ * 97) % 22000))

# The settings of the tundra.toml that d64_tundra_start writes. A test changes them after
# d64_init and before d64_tundra_start. Lists are bash arrays of plain strings.
D64_PORT=""; D64_HTTP_PORT=""; D64_NSD_PORT=""
D64_LISTEN=()               # default: 127.0.0.1:D64_PORT and [::1]:D64_PORT
D64_UPSTREAMS=()            # default: 127.0.0.1:D64_NSD_PORT
D64_PREFIX="64:ff9b::/96"
D64_TRANSLATE_ALL=false
D64_ALLOW_IPV4=true
D64_EXCLUDE=("::ffff:0:0/96")
D64_ALLOW_CLIENTS=("127.0.0.0/8" "::1/128")
D64_CACHE_SIZE=10000
D64_LOG_QUERIES=true
D64_UPSTREAM_TIMEOUT_MS=1000
D64_QUERY_TIMEOUT_MS=3000
D64_EXTRA_TOML=""           # more key = value lines for [dns64]
D64_ZONES_TOML=""           # [[dns64.zone]] blocks, appended at the end

exec {D64_STDOUT}>&1

d64_log() { printf '# %s\n' "$*" >&"$D64_STDOUT"; }

d64_skip() {
  printf 'SKIP: %s: %s\n' "$D64_TEST_NAME" "$*" >&"$D64_STDOUT"
  D64_FINISHED=1
  exit 77
}

# Prints "FAIL: reason", then the last lines of every log (tundra, NSD, fakes), and exits 1.
d64_fail() {
  printf 'FAIL: %s: %s\n' "$D64_TEST_NAME" "$*" >&"$D64_STDOUT"
  d64_dump_logs >&"$D64_STDOUT"
  D64_FINISHED=1
  exit 1
}

d64_pass() {
  printf 'PASS: %s%s\n' "$D64_TEST_NAME" "${1:+: $1}" >&"$D64_STDOUT"
  D64_FINISHED=1
  exit 0
}

d64_dump_logs() {
  [[ -n $D64_WORK && -d $D64_WORK ]] || return 0
  local f
  for f in "$D64_WORK"/*.log; do
    [[ -s $f ]] || continue
    printf -- '--- %s (last 25 lines)\n' "$(basename "$f")"
    tail -n 25 "$f"
  done
  if [[ -s $D64_WORK/tundra.toml ]]; then
    printf -- '--- tundra.toml\n'
    cat "$D64_WORK/tundra.toml"
  fi
}

# Skips unless every named program exists.
d64_need() {
  local p
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 || d64_skip "needs '$p' (scripts/install-deps.sh installs the test programs)"
  done
}

# Stops one PID we started: TERM, up to $2 seconds (default 3), then KILL.
d64_stop_pid() {
  local pid=$1 grace=${2:-3} i
  kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 2; }
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < grace * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 1
}

d64_cleanup() {
  local rc=$? pid
  trap - EXIT INT TERM HUP
  if [[ $D64_FINISHED == 0 && $rc != 0 && $rc != 77 ]]; then
    printf 'FAIL: %s: exited with status %s\n' "$D64_TEST_NAME" "$rc" >&"$D64_STDOUT"
    d64_dump_logs >&"$D64_STDOUT"
  fi
  for pid in "${D64_PIDS[@]}"; do d64_stop_pid "$pid" 2 >/dev/null; done
  if [[ -n $D64_WORK && -d $D64_WORK ]]; then
    if [[ ${D64_KEEP:-${E2E_KEEP:-0}} == 1 ]]; then d64_log "kept $D64_WORK"; else rm -rf "$D64_WORK"; fi
  fi
  exit "$rc"
}

# d64_wait_until SECONDS DESCRIPTION cmd...: polls cmd every 0.1 s; fails the test on timeout.
d64_wait_until() {
  local secs=$1 what=$2 deadline; shift 2
  deadline=$((SECONDS + secs))
  while ((SECONDS < deadline)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  "$@" >/dev/null 2>&1 && return 0
  d64_fail "timed out after ${secs}s waiting for $what"
}

# ---- ports -----------------------------------------------------------------------------------
# True when anything listens on TCP or UDP port $1 (any address).
d64_port_busy() { ss -Hltun "( sport = :$1 )" 2>/dev/null | grep -q .; }

# d64_port: prints a free port (nothing listens on it over TCP or UDP), never the same one
# twice in a run (the ports handed out are kept in the work directory, so that it works in
# a command substitution): relay_port=$(d64_port).
d64_port() {
  local p tries=0 next taken=$D64_WORK/ports-taken
  next=$(cat "$D64_WORK/port-next" 2>/dev/null || echo "$D64_NEXT_PORT")
  while ((tries++ < 2000)); do
    p=$next
    next=$((next + 1))
    ((next >= 32000)) && next=10000
    grep -qx "$p" "$taken" 2>/dev/null && continue
    d64_port_busy "$p" && continue
    echo "$p" >>"$taken"
    echo "$next" >"$D64_WORK/port-next"
    echo "$p"
    return 0
  done
  d64_fail "no free port found"
}

# True when something listens on PROTO (tcp|udp) port PORT at ADDRESS (default 127.0.0.1),
# or at the wildcard address of ADDRESS's family (0.0.0.0, [::]).
d64_listening() {
  local proto=$1 port=$2 addr=${3:-127.0.0.1} flag=-ltn wildcard=0.0.0.0
  [[ $proto == udp ]] && flag=-lun
  [[ $addr == *:* ]] && addr="[$addr]" && wildcard="[::]"
  ss -H "$flag" "( src $addr:$port or src $wildcard:$port )" 2>/dev/null | grep -q .
}

# ---- set-up ----------------------------------------------------------------------------------
# Checks the programs, finds the tundra binary, makes the work directory, picks the ports and
# installs the cleanup trap. Skips (77) when something needed is missing.
d64_init() {
  d64_need dig kdig ss timeout
  [[ -x $NSD ]] || d64_skip "needs nsd (apt-get install nsd)"
  [[ -x $D64_PYTHON ]] || d64_skip "needs python3"
  "$D64_PYTHON" -c 'import dns.message, dns.version' 2>/dev/null \
    || d64_skip "needs python3-dnspython for $D64_PYTHON"
  [[ -x $TUNDRA ]] || d64_skip "no tundra binary at '$TUNDRA' (set TUNDRA)"
  "$TUNDRA" --help 2>/dev/null | grep -Eq '^[[:space:]]+run([[:space:]]|$)' \
    || d64_skip "'$TUNDRA' has no 'run' subcommand"
  trap d64_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  D64_WORK=$(mktemp -d "/tmp/tundra-dns64-e2e.$D64_TEST_NAME.XXXXXX")
  chmod 755 "$D64_WORK"
  D64_PORT=$(d64_port) && D64_HTTP_PORT=$(d64_port) && D64_NSD_PORT=$(d64_port) || exit 1
  d64_log "tundra: $TUNDRA, work dir $D64_WORK, ports: dns64 $D64_PORT, http $D64_HTTP_PORT, nsd $D64_NSD_PORT"
}

# Everything most tests need: NSD with all zones, then tundra with the current settings.
d64_setup() {
  d64_init
  d64_nsd_start
  d64_tundra_start
}

# ---- NSD -------------------------------------------------------------------------------------
# Writes the zone files into DIR (default $D64_WORK/zones).
d64_write_zones() {
  local dir=${1:-$D64_WORK/zones} i
  mkdir -p "$dir"
  {
    cat <<'EOF'
$ORIGIN dns64.test.
$TTL 300
@        IN SOA   ns1.dns64.test. hostmaster.dns64.test. 1 3600 600 86400 60
@        IN NS    ns1
ns1      IN A     127.0.0.1
v4only   IN A     192.0.2.1
v4short  30 IN A  192.0.2.2
v4long   3600 IN A 192.0.2.3
v4multi  120 IN A 192.0.2.10
v4multi  900 IN A 192.0.2.11
dual     IN A     192.0.2.20
dual     IN AAAA  2001:db8::20
v6only   IN AAAA  2001:db8::30
alias    IN CNAME v4only
alias2   IN CNAME alias
mapped   IN AAAA  ::ffff:192.0.2.40
mapped   IN A     192.0.2.40
mixed    IN AAAA  ::ffff:192.0.2.41
mixed    IN AAAA  2001:db8::41
mixed    IN A     192.0.2.41
nxalias  IN CNAME nothere.dns64.test.
txtonly  IN TXT   "no address here"
mail     IN MX    10 v4only
EOF
    # big: 40 A records (the A reply does not fit in 512 bytes either; 1150 bytes synthesized).
    for ((i = 1; i <= 40; i++)); do echo "big      IN A     198.51.100.$i"; done
    # wide: 25 A records: the A reply fits in 512 bytes, the synthesized AAAA reply does not.
    for ((i = 101; i <= 125; i++)); do echo "wide     IN A     198.51.100.$i"; done
  } >"$dir/dns64.test.zone"
  cat >"$dir/example.net.zone" <<'EOF'
$ORIGIN example.net.
$TTL 300
@        IN SOA   ns1.example.net. hostmaster.example.net. 1 3600 600 86400 120
@        IN NS    ns1
ns1      IN A     127.0.0.1
host     IN A     192.0.2.99
host     IN AAAA  2001:db8::99
v4host   IN A     192.0.2.98
a.synth  IN A     192.0.2.50
EOF
  cat >"$dir/2.0.192.in-addr.arpa.zone" <<'EOF'
$ORIGIN 2.0.192.in-addr.arpa.
$TTL 300
@        IN SOA   ns1.dns64.test. hostmaster.dns64.test. 1 3600 600 86400 60
@        IN NS    ns1.dns64.test.
1        IN PTR   v4only.dns64.test.
20       IN PTR   dual.dns64.test.
EOF
  cat >"$dir/8.b.d.0.1.0.0.2.ip6.arpa.zone" <<'EOF'
$ORIGIN 8.b.d.0.1.0.0.2.ip6.arpa.
$TTL 300
@        IN SOA   ns1.dns64.test. hostmaster.dns64.test. 1 3600 600 86400 60
@        IN NS    ns1.dns64.test.
0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 IN PTR dual.dns64.test.
EOF
}

D64_ALL_ZONES=(dns64.test example.net 2.0.192.in-addr.arpa 8.b.d.0.1.0.0.2.ip6.arpa)

# d64_nsd_start [NAME [PORT [ZONE...]]]: starts `nsd -d` on 127.0.0.1:PORT serving the zones
# (default: the main instance "nsd" on D64_NSD_PORT with every zone) and waits until it
# answers the SOA of its first zone. Sets D64_LAST_PID. Zone files come from
# $D64_WORK/zones (d64_write_zones runs if they are missing); a test may edit them first.
d64_nsd_start() {
  local name=${1:-nsd} port=${2:-$D64_NSD_PORT}
  shift 2 2>/dev/null || shift $#
  local zones=("$@") dir=$D64_WORK/$name z
  ((${#zones[@]})) || zones=("${D64_ALL_ZONES[@]}")
  [[ -s $D64_WORK/zones/dns64.test.zone ]] || d64_write_zones
  mkdir -p "$dir"
  {
    echo "# written by tests/dns64_e2e/lib.sh"
    echo "server:"
    echo "    ip-address: 127.0.0.1@$port"
    echo "    username: \"\""
    echo "    chroot: \"\""
    echo "    zonesdir: \"$D64_WORK/zones\""
    echo "    database: \"\""
    echo "    zonelistfile: \"$dir/zone.list\""
    echo "    xfrdfile: \"$dir/xfrd.state\""
    echo "    xfrdir: \"$dir\""
    echo "    pidfile: \"$dir/nsd.pid\""
    echo "    logfile: \"$D64_WORK/$name.log\""
    echo "    server-count: 1"
    echo "    verbosity: 1"
    echo "    rrl-ratelimit: 0"
    echo "    rrl-whitelist-ratelimit: 0"
    echo "remote-control:"
    echo "    control-enable: no"
    for z in "${zones[@]}"; do
      echo "zone:"
      echo "    name: \"$z\""
      echo "    zonefile: \"$z.zone\""
    done
  } >"$dir/nsd.conf"
  nsd-checkconf "$dir/nsd.conf" >"$D64_WORK/$name-checkconf.log" 2>&1 || d64_fail "nsd-checkconf rejected $dir/nsd.conf"
  "$NSD" -d -c "$dir/nsd.conf" >>"$D64_WORK/$name.log" 2>&1 </dev/null {D64_STDOUT}>&- &
  D64_LAST_PID=$!
  D64_PIDS+=("$D64_LAST_PID")
  local pid=$D64_LAST_PID
  d64_nsd_ready() {
    kill -0 "$1" || return 0   # dead: stop waiting, checked below
    dig @127.0.0.1 -p "$2" +time=1 +tries=1 +norec "$3" SOA 2>/dev/null | grep -q 'status: NOERROR'
  }
  d64_wait_until 15 "$name to answer on 127.0.0.1:$port" d64_nsd_ready "$pid" "$port" "${zones[0]}"
  kill -0 "$pid" 2>/dev/null || d64_fail "$name exited at start"
  d64_log "$name (pid $pid) serves ${zones[*]} on 127.0.0.1:$port"
}

# ---- fake upstreams --------------------------------------------------------------------------
# d64_fake_start NAME PORT MODE [fake_upstream.py options...]: starts fake_upstream.py (see
# its --help) on 127.0.0.1:PORT, logs to NAME.log, and waits until it listens.
d64_fake_start() {
  local name=$1 port=$2 mode=$3; shift 3
  "$D64_PYTHON" "$D64_DIR/fake_upstream.py" --port "$port" --mode "$mode" "$@" \
    >"$D64_WORK/$name.log" 2>&1 </dev/null {D64_STDOUT}>&- &
  D64_LAST_PID=$!
  D64_PIDS+=("$D64_LAST_PID")
  d64_wait_until 10 "fake upstream $name on port $port" d64_listening udp "$port"
  d64_wait_until 10 "fake upstream $name on port $port (tcp)" d64_listening tcp "$port"
  kill -0 "$D64_LAST_PID" 2>/dev/null || d64_fail "fake upstream $name exited at start"
}

# ---- tundra ----------------------------------------------------------------------------------
# A TOML array of strings from the arguments.
d64_toml_list() {
  local out="[" sep="" s
  for s in "$@"; do out+="$sep\"$s\""; sep=", "; done
  printf '%s]' "$out"
}

d64_write_tundra_toml() {
  local conf=$1
  local listen=("${D64_LISTEN[@]}") upstreams=("${D64_UPSTREAMS[@]}")
  ((${#listen[@]})) || listen=("127.0.0.1:$D64_PORT" "[::1]:$D64_PORT")
  ((${#upstreams[@]})) || upstreams=("127.0.0.1:$D64_NSD_PORT")
  {
    echo "# written by tests/dns64_e2e/lib.sh: the DNS64 alone (no [translator] table)"
    echo "[daemon]"
    echo "control-socket = \"\""
    echo "http-listen = \"127.0.0.1:$D64_HTTP_PORT\""
    echo "log-level = \"info\""
    echo ""
    echo "[dns64]"
    echo "listen = $(d64_toml_list "${listen[@]}")"
    echo "upstream = $(d64_toml_list "${upstreams[@]}")"
    echo "prefix = \"$D64_PREFIX\""
    echo "translate-all = $D64_TRANSLATE_ALL"
    echo "allow-ipv4 = $D64_ALLOW_IPV4"
    echo "exclude = $(d64_toml_list "${D64_EXCLUDE[@]}")"
    echo "allow-clients = $(d64_toml_list "${D64_ALLOW_CLIENTS[@]}")"
    echo "cache-size = $D64_CACHE_SIZE"
    echo "log-queries = $D64_LOG_QUERIES"
    echo "upstream-timeout-ms = $D64_UPSTREAM_TIMEOUT_MS"
    echo "query-timeout-ms = $D64_QUERY_TIMEOUT_MS"
    [[ -n $D64_EXTRA_TOML ]] && printf '%s\n' "$D64_EXTRA_TOML"
    [[ -n $D64_ZONES_TOML ]] && printf '\n%s\n' "$D64_ZONES_TOML"
  } >"$conf"
  chmod 644 "$conf"
}

# d64_tundra_start [wrapper...]: writes tundra.toml from the D64_* settings and runs
# `$TUNDRA run -c tundra.toml` (after the optional wrapper command, e.g. setpriv), output to
# tundra.log. Waits until it listens on UDP and TCP on every listen address and on the HTTP
# port. Skips when this tundra does not know [dns64] yet (`tundra check` says so).
d64_tundra_start() {
  local conf=$D64_WORK/tundra.toml out
  d64_write_tundra_toml "$conf"
  if ! out=$("$TUNDRA" check -c "$conf" 2>&1); then
    if grep -Eqi 'dns64.*(not supported|unknown|unsupported)|(unknown|unsupported).*dns64' <<<"$out"; then
      d64_skip "this tundra does not know the [dns64] table yet: $out"
    fi
    d64_fail "tundra check rejects the generated tundra.toml: $out"
  fi
  "$@" "$TUNDRA" run -c "$conf" >>"$D64_WORK/tundra.log" 2>&1 </dev/null {D64_STDOUT}>&- &
  D64_TUNDRA_PID=$!
  D64_PIDS+=("$D64_TUNDRA_PID")
  d64_tundra_ready() {
    kill -0 "$D64_TUNDRA_PID" || return 0
    d64_listening udp "$D64_PORT" 127.0.0.1 && d64_listening tcp "$D64_PORT" 127.0.0.1 || return 1
    d64_listening tcp "$D64_HTTP_PORT" 127.0.0.1
  }
  d64_wait_until 10 "tundra to listen on 127.0.0.1:$D64_PORT (udp, tcp) and http 127.0.0.1:$D64_HTTP_PORT" d64_tundra_ready
  kill -0 "$D64_TUNDRA_PID" 2>/dev/null || d64_fail "tundra run exited at start"
  if ((${#D64_LISTEN[@]} == 0)); then
    d64_wait_until 5 "tundra to listen on [::1]:$D64_PORT" d64_listening udp "$D64_PORT" ::1
  fi
  d64_log "tundra (pid $D64_TUNDRA_PID) serves the DNS64 on 127.0.0.1:$D64_PORT and [::1]:$D64_PORT"
}

# Stops tundra (SIGTERM, then SIGKILL after 5 s); fails the test if it needed SIGKILL.
d64_tundra_stop() {
  [[ -n $D64_TUNDRA_PID ]] || return 0
  d64_stop_pid "$D64_TUNDRA_PID" 5
  local rc=$?
  D64_TUNDRA_PID=""
  ((rc == 1)) && d64_fail "tundra did not stop within 5 s of SIGTERM"
  return 0
}

# Stops tundra, rewrites the file from the current settings and starts it again.
d64_tundra_restart() {
  d64_tundra_stop
  d64_tundra_start "$@"
}

# ---- clients ---------------------------------------------------------------------------------
# d64_dig [dig options and arguments...]: dig at tundra on 127.0.0.1:D64_PORT, one try,
# 5 s. Prints dig's full output. d64_dig_at ADDRESS ... asks tundra at another listen
# address (::1). Add +tcp for TCP, +noedns, +dnssec (DO), +cdflag (CD), +ignore (no TCP
# retry on TC), -b ADDRESS for another source address.
d64_dig() { d64_dig_at 127.0.0.1 "$@"; }
d64_dig_at() {
  local server=$1; shift
  timeout 20 dig "@$server" -p "$D64_PORT" +time=5 +tries=1 "$@" 2>&1
}
# The same with kdig (knot-dnsutils). kdig sends no OPT unless asked (+edns, +dnssec,
# +bufsize) and retries over TCP on TC unless +ignore.
d64_kdig() { d64_kdig_at 127.0.0.1 "$@"; }
d64_kdig_at() {
  local server=$1; shift
  timeout 20 kdig "@$server" -p "$D64_PORT" +timeout=5 +retry=0 "$@" 2>&1
}
# Straight to NSD (or to PORT with d64_dig_nsd_port), for comparison.
d64_dig_nsd() { d64_dig_nsd_port "$D64_NSD_PORT" "$@"; }
d64_dig_nsd_port() {
  local port=$1; shift
  timeout 20 dig @127.0.0.1 -p "$port" +time=5 +tries=1 +norec "$@" 2>&1
}

# ---- reading dig and kdig output -------------------------------------------------------------
# Both print "status: RCODE" in the header line, a flags line ("flags:" in dig, "Flags:" in
# kdig), section headers ";; ANSWER SECTION:" and records as "name ttl class type rdata".

# The rcode ("NOERROR", "NXDOMAIN", ...), or "none" when there was no reply. (The readers
# use bash's own regular expressions where they can: forks are slow on a loaded machine.)
d64_rcode() {
  if [[ $1 =~ status:\ ([A-Z]+) ]]; then echo "${BASH_REMATCH[1]}"; else echo none; fi
}

# The header flags, space-separated, lower case ("qr rd ra").
d64_flags() {
  local re=$'(^|\n);; [Ff]lags:( [a-zA-Z ]*)?;'
  if [[ $1 =~ $re ]]; then
    local f=${BASH_REMATCH[2],,}
    f=${f# }
    echo "${f% }"
  fi
}

# True when header flag $2 (qr, aa, tc, rd, ra, ad, cd) is set in output $1.
d64_has_flag() { [[ " $(d64_flags "$1") " == *" $2 "* ]]; }

# The records of one section (ANSWER, AUTHORITY, ADDITIONAL), one per line with single
# spaces: "owner ttl class type rdata".
d64_section() {
  awk -v sec="$2" '
    $0 ~ "^;; " sec " SECTION:" { on = 1; next }
    on && (/^$/ || /^;;/) { on = 0 }
    on && !/^;/ { $1 = $1; print }
  ' <<<"$1"
}

# The RDATA of the TYPE records in SECTION (default ANSWER), sorted, one per line.
d64_rdata() {
  d64_section "$1" "${3:-ANSWER}" | awk -v t="$2" '$4 == t { $1 = $2 = $3 = $4 = ""; sub(/^ +/, ""); print }' | sort
}
# The same as one space-separated line.
d64_rdata_line() { d64_rdata "$@" | xargs; }

# The TTLs of the TYPE records in SECTION (default ANSWER), one per line.
d64_ttls() {
  d64_section "$1" "${3:-ANSWER}" | awk -v t="$2" '$4 == t { print $2 }'
}

# The records of SECTION without their TTLs ("owner class type rdata"), sorted: what must
# be equal when a reply is passed through unchanged.
d64_records() {
  d64_section "$1" "$2" | awk '{ $2 = ""; $0 = $0; $1 = $1; print }' | sort
}

# Every record of the answer, authority and additional sections without its TTL, prefixed
# with its section ("ANSWER owner class type rdata"), sorted: equal for two replies that carry
# the same records (the OPT pseudo-record aside).
d64_all_records() {
  awk '
    /^;; (ANSWER|AUTHORITY|ADDITIONAL) SECTION:/ { sec = $2; next }
    sec != "" && (/^$/ || /^;;/) { sec = "" }
    sec != "" && !/^;/ { $2 = ""; $0 = $0; $1 = $1; print sec, $0 }
  ' <<<"$1" | sort
}

# True when no answer record of OUTPUT $1 has a TTL above that of the same record (owner,
# type, rdata) in REFERENCE $2.
d64_ttls_not_above() {
  awk '
    FNR == 1 { f++ }
    /^;; ANSWER SECTION:/ { on = 1; next }
    on && (/^$/ || /^;;/) { on = 0 }
    on && !/^;/ {
      k = tolower($1) " " $4 " " $5
      if (f == 1) ref[k] = $2; else if ((k in ref) && $2 + 0 > ref[k] + 0) bad = 1
    }
    END { exit bad }
  ' <(printf '%s\n' "$2") <(printf '%s\n' "$1")
}

# The number of records of TYPE (or of any type, with "*") in SECTION (default ANSWER).
d64_count() {
  d64_section "$1" "${3:-ANSWER}" | awk -v t="$2" 't == "*" || $4 == t' | wc -l
}

# The size of the reply in bytes (dig: "MSG SIZE  rcvd: N", kdig: "Received N B").
d64_msg_size() {
  grep -Eo 'MSG SIZE +rcvd: [0-9]+|Received [0-9]+ B' <<<"$1" | head -n1 | grep -Eo '[0-9]+' | head -n1
}

# How long the client waited for the reply, in ms, as the client measured it (dig: "Query
# time: N msec", kdig: "in N.N ms"): unlike wall-clock time around the command, it leaves
# out the client's own start-up, which takes hundreds of ms on a loaded machine.
d64_query_ms() {
  local t
  t=$(grep -Eo 'Query time: [0-9]+ msec' <<<"$1" | head -n1 | grep -Eo '[0-9]+')
  [[ -n $t ]] || t=$(grep -Eo '^;; From .* in [0-9.]+ ms' <<<"$1" | head -n1 | grep -Eo '[0-9.]+ ms$' | cut -d. -f1 | grep -Eo '^[0-9]+')
  echo "${t:-}"
}

# True when the reply carries an OPT record (dig: "OPT PSEUDOSECTION", kdig: "EDNS PSEUDOSECTION").
d64_has_opt() { grep -Eq '^;;? (OPT|EDNS) PSEUDOSECTION' <<<"$1"; }

# The EDNS flags of the reply ("do" or ""), and its advertised UDP payload size.
d64_edns_flags() {
  grep -Ei '^;;? (EDNS: version|Version): ' <<<"$1" | head -n1 | sed -E 's/.*flags: *([^;]*);.*/\1/' | xargs
}
d64_edns_udp() {
  grep -Ei '^;;? (EDNS: version|Version): ' <<<"$1" | head -n1 | grep -Eio 'udp( size)?: [0-9]+' | grep -Eo '[0-9]+'
}

# ---- assertions ------------------------------------------------------------------------------
# d64_expect_rcode OUTPUT RCODE WHAT
d64_expect_rcode() {
  local got
  got=$(d64_rcode "$1")
  [[ $got == "$2" ]] || d64_fail "$3: expected rcode $2, got $got
$1"
}

# d64_expect_rdata OUTPUT TYPE "EXPECTED RDATA..." WHAT [SECTION]: the TYPE records of the
# section are exactly the expected set (order does not matter).
d64_expect_rdata() {
  local got want
  got=$(d64_rdata_line "$1" "$2" "${5:-ANSWER}")
  want=$(tr ' ' '\n' <<<"$3" | sed '/^$/d' | sort | xargs)
  [[ $got == "$want" ]] || d64_fail "$4: expected ${5:-ANSWER} $2 {$want}, got {$got}
$1"
}

# d64_expect_ttls_between OUTPUT TYPE MIN MAX WHAT: every TYPE record in the answer has
# MIN <= TTL <= MAX, and there is at least one.
d64_expect_ttls_between() {
  local ttl n=0
  for ttl in $(d64_ttls "$1" "$2"); do
    n=$((n + 1))
    ((ttl >= $3 && ttl <= $4)) || d64_fail "$5: TTL $ttl of a $2 record is outside [$3, $4]
$1"
  done
  ((n > 0)) || d64_fail "$5: no $2 record in the answer
$1"
}

d64_expect_flag() {
  d64_has_flag "$1" "$2" || d64_fail "$3: flag $2 is not set (flags: $(d64_flags "$1"))
$1"
}
d64_expect_no_flag() {
  d64_has_flag "$1" "$2" && d64_fail "$3: flag $2 is set (flags: $(d64_flags "$1"))
$1"
  return 0
}

# Fails unless the output contains no trace of IPv6 address $2 (any section).
d64_expect_absent() {
  local got
  got=$(for s in ANSWER AUTHORITY ADDITIONAL; do d64_section "$1" "$s"; done | awk '{print $5}')
  grep -Fxq "$2" <<<"$got" && d64_fail "$3: $2 must not be returned
$1"
  return 0
}

# ---- addresses, time, HTTP -------------------------------------------------------------------
# The address that embeds IPv4 address $2 under RFC 6052 prefix $1 (any of the six lengths).
d64_embed() {
  "$D64_PYTHON" - "$1" "$2" <<'EOF'
import ipaddress, sys
net = ipaddress.ip_network(sys.argv[1])
v4 = ipaddress.IPv4Address(sys.argv[2]).packed
p = bytearray(net.network_address.packed)
n = net.prefixlen // 8
assert net.prefixlen in (32, 40, 48, 56, 64, 96)
# RFC 6052 §2.2: the IPv4 octets go after the prefix, skipping octet 8 (bits 64..71, "u").
i = n
for b in v4:
    if i == 8:
        i += 1
    p[i] = b
    i += 1
print(ipaddress.IPv6Address(bytes(p)))
EOF
}

# The ip6.arpa name (with trailing dot) of IPv6 address $1.
d64_ip6_arpa() { "$D64_PYTHON" -c 'import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]).reverse_pointer + ".")' "$1"; }

d64_now_ms() { date +%s%3N; }

# d64_http PATH: prints the HTTP status code on the first line, then the body.
d64_http() {
  "$D64_PYTHON" - "http://127.0.0.1:$D64_HTTP_PORT$1" <<'EOF'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=5) as r:
        print(r.status); sys.stdout.write(r.read().decode("utf-8", "replace"))
except urllib.error.HTTPError as e:
    print(e.code); sys.stdout.write(e.read().decode("utf-8", "replace"))
except Exception as e:
    print(0); print(e)
EOF
}

# d64_metric_sum TEXT REGEX: the sum of the values of every sample whose "name{labels}"
# matches the extended regex, 0 when there is none. Prints an integer. Match the name
# loosely (the names are not final): '^tundra_dns64_queries_total', '^tundra_dns64_[^ ]*hit'
# (a hits counter, or a counter with a label value "hit").
d64_metric_sum() {
  awk -v re="$2" '
    /^#/ || NF < 2 { next }
    $1 ~ re { s += $NF }
    END { printf "%d\n", s }
  ' <<<"$1"
}
# True when some sample's "name{labels}" matches REGEX.
d64_metric_exists() {
  awk -v re="$2" '/^#/ || NF < 2 { next } $1 ~ re { f = 1 } END { exit !f }' <<<"$1"
}
