# shellcheck shell=bash
# End-to-end harness for tundra (and Tayga, the baseline): three network namespaces and a
# translator between them. Source it from a test script; see docs/testing.md.
#
#   client6 ──veth── router ──veth── server4
#   2001:db8:1::2/64   2001:db8:1::1/64          198.51.100.2/24 (IPv6 disabled)
#   IPv6 only          198.51.100.1/24
#                      TUN "nat64": the translator; routes 64:ff9b::/96 and the pool into it
#
# With E2E_TOPOLOGY=narrow a fourth namespace, hop4, sits between router and server4, and
# the router–hop4 link has MTU 1400 (path-MTU discovery tests):
#
#   router 203.0.113.1/30 ──MTU 1400── 203.0.113.2/30 hop4 198.51.100.1/24 ── server4
#
# Environment:
#   TRANSLATOR   tundra (default) or tayga
#   TUNDRA       the tundra binary (default: $REPO/build/tundra, else tundra on PATH)
#   TAYGA        the tayga binary (default: tayga on PATH)
#   PREFIX, POOL4, XLAT4, XLAT6  override the translator settings (see below)
#   E2E_KEEP=1   keep the work directory (configs, logs) after the test
#   E2E_VERBOSE=1  print every command the helpers run in a namespace
#
# Exit codes, CTest's convention: 0 pass, 1 fail, 77 skip (SKIP_RETURN_CODE 77).
#
# Safety: every namespace has a name unique to this run, traffic goes only between them,
# and the EXIT trap stops the processes this run started (by PID) and deletes its
# namespaces, on success and on failure alike.

E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO=$(cd "$E2E_DIR/../.." && pwd)
E2E_TEST_NAME=$(basename "$0" .sh)

TRANSLATOR=${TRANSLATOR:-tundra}
if [[ -z ${TUNDRA:-} ]]; then
  if [[ -x $E2E_REPO/build/tundra ]]; then TUNDRA=$E2E_REPO/build/tundra; else TUNDRA=$(command -v tundra || echo tundra); fi
fi
TAYGA=${TAYGA:-$(command -v tayga || echo /usr/sbin/tayga)}
E2E_PYTHON=${E2E_PYTHON:-$( [[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || command -v python3 || echo python3)}
E2E_TOPOLOGY=${E2E_TOPOLOGY:-plain}

# ---- addresses (documentation ranges; nothing leaves the namespaces) ----------------------
CLIENT6=2001:db8:1::2
ROUTER6=2001:db8:1::1
ROUTER4=198.51.100.1        # server4's gateway (the router, or hop4 in the narrow topology)
SERVER4=198.51.100.2
# The NAT64 prefix. tundra uses the well-known prefix (its wkpf-strict is off by default, so
# documentation addresses may be embedded). Tayga 0.9.2 always applies RFC 6052 §3.1 to
# 64:ff9b::/96 and answers "no route" for 198.51.100.2 under it, so for Tayga the harness
# uses a network-specific prefix instead (docs/testing.md, "Tayga baseline").
if [[ -z ${PREFIX:-} ]]; then
  if [[ $TRANSLATOR == tayga ]]; then PREFIX=2001:db8:64::/96; else PREFIX=64:ff9b::/96; fi
fi
POOL4=${POOL4:-192.168.255.0/24}
XLAT4=${XLAT4:-192.168.255.1}   # the translator's own IPv4 address (ipv4-addr)
# The translator's own IPv6 address (ipv6-addr). Empty: derived as prefix + ipv4-addr by the
# translator itself (both Tayga and tundra do it); e2e_init computes it for the tests.
XLAT6=${XLAT6:-}
XLAT6_EXPLICIT=0
SERVER6=""   # the server as the client sees it, e.g. 64:ff9b::c633:6402 (set by e2e_init)
# A test may change PREFIX, POOL4, XLAT4, XLAT6 or E2E_TOPOLOGY after sourcing this file
# and before e2e_init/e2e_setup.
TUN=${TUN:-nat64}
TRANSIT_ROUTER4=203.0.113.1     # narrow topology only
TRANSIT_HOP4=203.0.113.2
NARROW_MTU=1400

# ---- state --------------------------------------------------------------------------------
E2E_ID="$$"
E2E_NS_CLIENT="tde2e-$E2E_ID-client6"
E2E_NS_ROUTER="tde2e-$E2E_ID-router"
E2E_NS_SERVER="tde2e-$E2E_ID-server4"
E2E_NS_HOP="tde2e-$E2E_ID-hop4"
E2E_NAMESPACES=()
E2E_BG_PIDS=()
E2E_XLAT_PID=""
E2E_WORK=""
E2E_FINISHED=0

# The test's own stdout, saved: messages from e2e_fail and the cleanup trap go there even
# when they fire inside a command whose stdout is redirected (`c6 prog >file` runs the
# function, and a trap that fires during it, with stdout pointing at the file).
exec {E2E_STDOUT}>&1

e2e_log() { printf '# %s\n' "$*" >&"$E2E_STDOUT"; }

# Prints "SKIP: reason" and exits 77.
e2e_skip() {
  printf 'SKIP: %s: %s\n' "$E2E_TEST_NAME" "$*" >&"$E2E_STDOUT"
  E2E_FINISHED=1
  exit 77
}

# Prints "FAIL: reason" with the logs that explain it, and exits 1.
e2e_fail() {
  printf 'FAIL: %s: %s\n' "$E2E_TEST_NAME" "$*" >&"$E2E_STDOUT"
  e2e_dump_logs >&"$E2E_STDOUT"
  E2E_FINISHED=1
  exit 1
}

e2e_pass() {
  printf 'PASS: %s%s\n' "$E2E_TEST_NAME" "${1:+: $1}" >&"$E2E_STDOUT"
  E2E_FINISHED=1
  exit 0
}

e2e_dump_logs() {
  [[ -n $E2E_WORK && -d $E2E_WORK ]] || return 0
  local f
  for f in "$E2E_WORK"/*.log; do
    [[ -s $f ]] || continue
    printf -- '--- %s (last 25 lines)\n' "$(basename "$f")"
    tail -n 25 "$f"
  done
}

# Skips unless every named program exists.
e2e_need() {
  local p
  for p in "$@"; do
    command -v "$p" >/dev/null 2>&1 || e2e_skip "needs '$p' (bench/install-bench-deps.sh installs the test programs)"
  done
}

# Runs a command in a namespace: in_ns NS cmd...; c6/rt/s4/h4 are shorthands.
in_ns() {
  local ns=$1; shift
  [[ ${E2E_VERBOSE:-0} == 1 ]] && printf '+ [%s] %s\n' "${ns##*-}" "$*" >&2
  ip netns exec "$ns" "$@"
}
c6() { in_ns "$E2E_NS_CLIENT" "$@"; }
rt() { in_ns "$E2E_NS_ROUTER" "$@"; }
s4() { in_ns "$E2E_NS_SERVER" "$@"; }
h4() { in_ns "$E2E_NS_HOP" "$@"; }

# Starts a command in the background in a namespace, output to $E2E_WORK/NAME.log.
# Sets E2E_LAST_PID. `ip netns exec` execs the command, so the PID is the program's own.
e2e_bg() {
  local ns=$1 name=$2; shift 2
  [[ ${E2E_VERBOSE:-0} == 1 ]] && printf '+ [%s] %s &\n' "${ns##*-}" "$*" >&2
  ip netns exec "$ns" "$@" >"$E2E_WORK/$name.log" 2>&1 </dev/null {E2E_STDOUT}>&- &
  E2E_LAST_PID=$!
  E2E_BG_PIDS+=("$E2E_LAST_PID")
}

# Stops one PID we started: TERM, up to $2 seconds (default 3), then KILL. Returns 0 when
# it ended on TERM, 1 when it needed KILL, 2 when it was not running.
e2e_stop_pid() {
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

# e2e_wait_until SECONDS DESCRIPTION cmd...: polls cmd every 0.1 s; fails the test on timeout.
e2e_wait_until() {
  local secs=$1 what=$2 deadline; shift 2
  deadline=$((SECONDS + secs))
  while ((SECONDS < deadline)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  "$@" >/dev/null 2>&1 && return 0
  e2e_fail "timed out after ${secs}s waiting for $what"
}

# True when something in NS listens on PROTO (tcp|udp) PORT.
e2e_listening() {
  local ns=$1 proto=$2 port=$3 flag=-ltn
  [[ $proto == udp ]] && flag=-lun
  ip netns exec "$ns" ss -H "$flag" "sport = :$port" | grep -q .
}

# ---- cleanup ------------------------------------------------------------------------------
e2e_cleanup() {
  local rc=$? pid ns
  trap - EXIT INT TERM HUP
  if [[ $E2E_FINISHED == 0 && $rc != 0 && $rc != 77 ]]; then
    printf 'FAIL: %s: exited with status %s\n' "$E2E_TEST_NAME" "$rc" >&"$E2E_STDOUT"
    e2e_dump_logs >&"$E2E_STDOUT"
  fi
  if [[ -n $E2E_XLAT_PID ]]; then e2e_stop_pid "$E2E_XLAT_PID" 3; fi
  for pid in "${E2E_BG_PIDS[@]}"; do e2e_stop_pid "$pid" 1 >/dev/null; done
  for ns in "${E2E_NAMESPACES[@]}"; do
    # Anything still running inside a namespace this run created was started by this run.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null; done
  done
  if [[ " ${E2E_NAMESPACES[*]} " == *" $E2E_NS_ROUTER "* ]]; then
    ip -n "$E2E_NS_ROUTER" link del "$TUN" 2>/dev/null
  fi
  for ns in "${E2E_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  if [[ -n $E2E_WORK && -d $E2E_WORK ]]; then
    if [[ ${E2E_KEEP:-0} == 1 ]]; then e2e_log "kept $E2E_WORK"; else rm -rf "$E2E_WORK"; fi
  fi
  exit "$rc"
}

# ---- set-up -------------------------------------------------------------------------------
# Checks the preconditions (root, namespaces, the translator), creates the work directory
# and installs the cleanup trap. Skips (77) when the environment cannot run e2e tests.
e2e_init() {
  [[ $(id -u) == 0 ]] || e2e_skip "needs root (network namespaces, TUN)"
  e2e_need ip ss timeout "$E2E_PYTHON"
  [[ -c /dev/net/tun ]] || e2e_skip "no /dev/net/tun"
  case $TRANSLATOR in
    tayga) [[ -x $TAYGA ]] || e2e_skip "TRANSLATOR=tayga but no tayga binary (apt-get install tayga)" ;;
    tundra)
      [[ -x $TUNDRA ]] || e2e_skip "TRANSLATOR=tundra but no tundra binary at '$TUNDRA' (set TUNDRA)"
      # Until the daemon lands, `tundra --help` lists no "run" subcommand.
      "$TUNDRA" --help 2>/dev/null | grep -Eq '^[[:space:]]+run([[:space:]]|$)' \
        || e2e_skip "'$TUNDRA' has no 'run' subcommand yet"
      ;;
    *) e2e_fail "TRANSLATOR must be tundra or tayga, not '$TRANSLATOR'" ;;
  esac
  SERVER6=$(e2e_embed "$SERVER4") || e2e_fail "cannot embed $SERVER4 in $PREFIX"
  if [[ -n $XLAT6 ]]; then XLAT6_EXPLICIT=1; else XLAT6=$(e2e_embed "$XLAT4"); fi
  # The pool's first host address, to check that the pool is routed into the TUN.
  E2E_POOL_PROBE=$("$E2E_PYTHON" -c 'import ipaddress,sys; print(ipaddress.IPv4Network(sys.argv[1], strict=False).network_address + 1)' "$POOL4")
  trap e2e_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  trap 'exit 129' HUP
  E2E_WORK=$(mktemp -d "/tmp/tundra-e2e.$E2E_TEST_NAME.XXXXXX")
  chmod 755 "$E2E_WORK"
  # `tundra show`/`tundra reload` talk to this test's own control socket (see the config).
  TUNDRA_CTL_ARGS=${TUNDRA_CTL_ARGS-"-s $E2E_WORK/control.sock"}
  ip netns add "$E2E_NS_CLIENT" 2>"$E2E_WORK/netns.log" || e2e_skip "cannot create network namespaces: $(cat "$E2E_WORK/netns.log")"
  E2E_NAMESPACES+=("$E2E_NS_CLIENT")
  e2e_log "translator: $TRANSLATOR ($( [[ $TRANSLATOR == tayga ]] && echo "$TAYGA" || echo "$TUNDRA")), work dir $E2E_WORK"
}

# Builds the namespaces (E2E_TOPOLOGY plain or narrow), addresses, routes and sysctls.
# The translator's TUN and its routes are made by e2e_translator_start.
e2e_topology() {
  local ns
  for ns in "$E2E_NS_ROUTER" "$E2E_NS_SERVER"; do
    ip netns add "$ns" || e2e_fail "ip netns add $ns"
    E2E_NAMESPACES+=("$ns")
  done
  if [[ $E2E_TOPOLOGY == narrow ]]; then
    ip netns add "$E2E_NS_HOP" || e2e_fail "ip netns add $E2E_NS_HOP"
    E2E_NAMESPACES+=("$E2E_NS_HOP")
  fi
  for ns in "${E2E_NAMESPACES[@]}"; do ip -n "$ns" link set lo up; done

  # client6: IPv6 only.
  ip -n "$E2E_NS_CLIENT" link add eth0 type veth peer name to-client netns "$E2E_NS_ROUTER" || e2e_fail "veth client6"
  c6 sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.eth0.accept_dad=0
  c6 sysctl -qw net.ipv6.conf.eth0.accept_ra=0
  c6 ip addr add "$CLIENT6/64" dev eth0 nodad
  c6 ip link set eth0 up
  c6 ip -6 route add default via "$ROUTER6" dev eth0

  # router: both families, forwarding on.
  rt sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
  rt sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  rt ip addr add "$ROUTER6/64" dev to-client nodad
  rt ip link set to-client up

  # server4: IPv4 only.
  s4 sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.lo.disable_ipv6=1
  if [[ $E2E_TOPOLOGY == narrow ]]; then
    ip -n "$E2E_NS_ROUTER" link add to-hop type veth peer name to-router netns "$E2E_NS_HOP" || e2e_fail "veth hop4"
    ip -n "$E2E_NS_HOP" link add to-server type veth peer name eth0 netns "$E2E_NS_SERVER" || e2e_fail "veth server4"
    h4 sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    rt ip link set to-hop mtu "$NARROW_MTU"
    h4 ip link set to-router mtu "$NARROW_MTU"
    rt ip addr add "$TRANSIT_ROUTER4/30" dev to-hop
    h4 ip addr add "$TRANSIT_HOP4/30" dev to-router
    h4 ip addr add "$ROUTER4/24" dev to-server
    rt ip link set to-hop up
    h4 ip link set to-router up
    h4 ip link set to-server up
    rt ip route add "${SERVER4%.*}.0/24" via "$TRANSIT_HOP4"
    h4 ip route add default via "$TRANSIT_ROUTER4"
  else
    ip -n "$E2E_NS_ROUTER" link add to-server type veth peer name eth0 netns "$E2E_NS_SERVER" || e2e_fail "veth server4"
    rt ip addr add "$ROUTER4/24" dev to-server
    rt ip link set to-server up
  fi
  s4 ip addr add "$SERVER4/24" dev eth0
  s4 ip link set eth0 up
  s4 ip route add default via "$ROUTER4"
  e2e_whoami_server
  e2e_log "topology $E2E_TOPOLOGY: namespaces ${E2E_NAMESPACES[*]}"
}

# ---- address helpers -----------------------------------------------------------------------
# The IPv6 address that embeds IPv4 address $1 under $PREFIX (a /96 prefix), canonical form.
e2e_embed() {
  "$E2E_PYTHON" - "$PREFIX" "$1" <<'EOF'
import ipaddress, sys
net = ipaddress.ip_network(sys.argv[1])
assert net.prefixlen == 96, "the harness only embeds under a /96"
print(ipaddress.IPv6Address(int(net.network_address) | int(ipaddress.IPv4Address(sys.argv[2]))))
EOF
}
# Canonical (RFC 5952) text of an IPv6 address, for comparing with program output.
e2e_canon6() { "$E2E_PYTHON" -c 'import ipaddress,sys; print(ipaddress.IPv6Address(sys.argv[1]))' "$1"; }
# True when IPv4 address $1 lies in prefix $2.
e2e_in4() { "$E2E_PYTHON" -c 'import ipaddress,sys; sys.exit(0 if ipaddress.IPv4Address(sys.argv[1]) in ipaddress.IPv4Network(sys.argv[2], strict=False) else 1)' "$1" "$2"; }
# True when IPv6 address $1 lies in prefix $2.
e2e_in6() { "$E2E_PYTHON" -c 'import ipaddress,sys; sys.exit(0 if ipaddress.IPv6Address(sys.argv[1]) in ipaddress.IPv6Network(sys.argv[2], strict=False) else 1)' "$1" "$2"; }


# ---- the translator -------------------------------------------------------------------------
E2E_XLAT_CONF=""

e2e_write_tayga_conf() {
  E2E_XLAT_CONF=$E2E_WORK/tayga.conf
  mkdir -p "$E2E_WORK/data"
  {
    echo "# written by tests/e2e/lib.sh"
    echo "tun-device $TUN"
    echo "ipv4-addr $XLAT4"
    [[ $XLAT6_EXPLICIT == 1 ]] && echo "ipv6-addr $XLAT6"
    echo "prefix $PREFIX"
    echo "dynamic-pool $POOL4"
    echo "data-dir $E2E_WORK/data"
  } >"$E2E_XLAT_CONF"
}

# Only used when TRANSLATOR=tundra: the same settings as a tundra.toml, plus a control
# socket of its own. tundra configures the TUN itself (up, routes for the prefix, the pool
# and its own addresses). TUNDRA_EXTRA_TOML is appended to [translator],
# TUNDRA_EXTRA_DAEMON_TOML to [daemon].
e2e_write_tundra_toml() {
  E2E_XLAT_CONF=$E2E_WORK/tundra.toml
  mkdir -p "$E2E_WORK/data"
  {
    echo "# written by tests/e2e/lib.sh"
    echo "[translator]"
    echo "tun-device = \"$TUN\""
    echo "ipv4-addr = \"$XLAT4\""
    [[ $XLAT6_EXPLICIT == 1 ]] && echo "ipv6-addr = \"$XLAT6\""
    echo "prefix = \"$PREFIX\""
    echo "dynamic-pool = \"$POOL4\""
    echo "data-dir = \"$E2E_WORK/data\""
    [[ -n ${TUNDRA_EXTRA_TOML:-} ]] && printf '%s\n' "$TUNDRA_EXTRA_TOML"
    # The control socket is a file-system path, shared by every network namespace: give
    # each test its own rather than the default under /run/tundra.
    echo "[daemon]"
    echo "control-socket = \"$E2E_WORK/control.sock\""
    [[ -n ${TUNDRA_EXTRA_DAEMON_TOML:-} ]] && printf '%s\n' "$TUNDRA_EXTRA_DAEMON_TOML"
  } >"$E2E_XLAT_CONF"
}

# What Tayga's container launch script does around `tayga --mktun`: bring the TUN up and
# route the prefix, the pool and Tayga's own addresses into it. Idempotent (restarts).
e2e_tayga_configure_tun() {
  if ! rt ip link show "$TUN" >/dev/null 2>&1; then
    rt "$TAYGA" -c "$E2E_XLAT_CONF" --mktun >>"$E2E_WORK/translator.log" 2>&1 || e2e_fail "tayga --mktun failed"
  fi
  rt ip link set "$TUN" up
  rt ip route replace "$POOL4" dev "$TUN"
  e2e_in4 "$XLAT4" "$POOL4" || rt ip route replace "$XLAT4/32" dev "$TUN"
  rt ip -6 route replace "$PREFIX" dev "$TUN"
  e2e_in6 "$XLAT6" "$PREFIX" || rt ip -6 route replace "$XLAT6/128" dev "$TUN"
}

# True once the translator owns the TUN and the routes point into it: the link is UP and
# has carrier (a TUN has carrier only while a process holds it open), and the router routes
# the prefix, the pool and the translator's own addresses into it.
e2e_translator_ready() {
  kill -0 "$E2E_XLAT_PID" 2>/dev/null || return 1
  # `ip netns exec` must have exec'd the translator: until then the PID is `ip` itself.
  local exe
  exe=$(readlink "/proc/$E2E_XLAT_PID/exe" 2>/dev/null) || return 1
  [[ $(basename "$exe") != ip ]] || return 1
  local link
  link=$(rt ip -o link show dev "$TUN" 2>/dev/null) || return 1
  [[ $link == *"LOWER_UP"* && $link != *"NO-CARRIER"* ]] || return 1
  # The router sends the server's embedded address, the translator's own addresses and a
  # pool address into the TUN.
  local dst
  for dst in "$SERVER6" "$XLAT6" "$XLAT4" "$E2E_POOL_PROBE"; do
    [[ $(rt ip route get "$dst" 2>/dev/null) == *" dev $TUN "* ]] || return 1
  done
  return 0
}

# Starts the translator in the router namespace and waits (up to 10 s) until it is ready.
# Sets E2E_XLAT_PID. Appends to $E2E_WORK/translator.log across restarts.
e2e_translator_start() {
  local ready_before=0
  case $TRANSLATOR in
    tayga)
      [[ -n $E2E_XLAT_CONF ]] || e2e_write_tayga_conf
      e2e_tayga_configure_tun
      # -d: stay in the foreground and log to stdout, as the container launch script runs it.
      # (Not through the rt function: a backgrounded function is a subshell, and its PID
      # would not be the translator's. `ip netns exec` execs, so $! is the translator.)
      ip netns exec "$E2E_NS_ROUTER" "$TAYGA" -c "$E2E_XLAT_CONF" -d >>"$E2E_WORK/translator.log" 2>&1 </dev/null {E2E_STDOUT}>&- &
      ;;
    tundra)
      [[ -n $E2E_XLAT_CONF ]] || e2e_write_tundra_toml
      e2e_notify_listener
      ready_before=$(e2e_notify_count READY=1)
      NOTIFY_SOCKET=$E2E_NOTIFY_SOCKET ip netns exec "$E2E_NS_ROUTER" "$TUNDRA" run -c "$E2E_XLAT_CONF" \
        >>"$E2E_WORK/translator.log" 2>&1 </dev/null {E2E_STDOUT}>&- &
      ;;
  esac
  E2E_XLAT_PID=$!
  local deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    # tundra also has to say so: READY=1 on $NOTIFY_SOCKET (systemd Type=notify), unless
    # E2E_NOTIFY=0.
    if [[ $TRANSLATOR == tundra && ${E2E_NOTIFY:-1} == 1 ]] && (($(e2e_notify_count READY=1) <= ready_before)); then
      kill -0 "$E2E_XLAT_PID" 2>/dev/null || { wait "$E2E_XLAT_PID"; e2e_fail "$TRANSLATOR exited with status $? while starting"; }
      sleep 0.1
      continue
    fi
    if e2e_translator_ready; then
      e2e_log "$TRANSLATOR ready (pid $E2E_XLAT_PID)"
      return 0
    fi
    kill -0 "$E2E_XLAT_PID" 2>/dev/null || { wait "$E2E_XLAT_PID"; e2e_fail "$TRANSLATOR exited with status $? while starting"; }
    sleep 0.1
  done
  {
    echo "--- router state when the wait gave up:"
    rt ip -o link show dev "$TUN"
    rt ip route show dev "$TUN"
    rt ip -6 route show dev "$TUN"
  } >>"$E2E_WORK/translator.log" 2>&1
  if [[ $TRANSLATOR == tundra && ${E2E_NOTIFY:-1} == 1 ]] && (($(e2e_notify_count READY=1) <= ready_before)); then
    e2e_fail "tundra sent no READY=1 to \$NOTIFY_SOCKET within 10 s (E2E_NOTIFY=0 skips this check)"
  fi
  e2e_fail "$TRANSLATOR not ready after 10 s (wanted: TUN $TUN up with carrier; $PREFIX, $POOL4, $XLAT4 and $XLAT6 routed into it)"
}

# systemd's notification socket, simulated: tundra gets NOTIFY_SOCKET pointing here, and
# every assignment it sends lands, one per line, in $E2E_WORK/notify.log.
E2E_NOTIFY_SOCKET=""
e2e_notify_listener() {
  [[ -n $E2E_NOTIFY_SOCKET ]] && return 0
  E2E_NOTIFY_SOCKET=$E2E_WORK/notify.sock
  : >"$E2E_WORK/notify.log"
  "$E2E_PYTHON" "$E2E_DIR/helpers/notify_listen.py" "$E2E_NOTIFY_SOCKET" "$E2E_WORK/notify.log" \
    >"$E2E_WORK/notify-listener.out" 2>&1 </dev/null {E2E_STDOUT}>&- &
  E2E_BG_PIDS+=("$!")
  e2e_wait_until 5 "the notify socket" test -S "$E2E_NOTIFY_SOCKET"
}
# How many times the translator has sent the assignment $1 (e.g. READY=1).
e2e_notify_count() { grep -cx "$1" "$E2E_WORK/notify.log" 2>/dev/null || true; }

# Stops the translator with SIGTERM. Fails the test if it needs SIGKILL (5 s grace): an
# operator's `systemctl stop` or `docker stop` must work.
e2e_translator_stop() {
  [[ -n $E2E_XLAT_PID ]] || return 0
  e2e_stop_pid "$E2E_XLAT_PID" 5
  local r=$?
  E2E_XLAT_PID=""
  [[ $r == 1 ]] && e2e_fail "$TRANSLATOR did not exit within 5 s of SIGTERM"
  e2e_wait_until 5 "the TUN to be released" e2e_tun_released
  return 0
}

# True when no process holds the TUN: it is gone, or it has no carrier.
e2e_tun_released() {
  local link
  link=$(rt ip -o link show dev "$TUN" 2>/dev/null) || return 0
  [[ $link == *"NO-CARRIER"* || $link != *"LOWER_UP"* ]]
}

# Kills the translator with SIGKILL (no chance to save state).
e2e_translator_kill9() {
  [[ -n $E2E_XLAT_PID ]] || return 0
  kill -KILL "$E2E_XLAT_PID" 2>/dev/null
  wait "$E2E_XLAT_PID" 2>/dev/null
  E2E_XLAT_PID=""
  e2e_wait_until 5 "the TUN to be released" e2e_tun_released
}

# Shorthand for the common case: namespaces, then the translator.
e2e_setup() {
  e2e_init
  e2e_topology
  e2e_translator_start
}

# Skips unless TRANSLATOR=tundra (tests of tundra-only features).
e2e_tundra_only() {
  [[ $TRANSLATOR == tundra ]] || e2e_skip "tundra-only ($*); TRANSLATOR=$TRANSLATOR"
}

# Runs `tundra ARGS...` in the router namespace against the running daemon (show, reload).
# TUNDRA_CTL_ARGS go after ARGS; by default "-s $E2E_WORK/control.sock", the socket the
# harness's tundra.toml names.
e2e_tundra_ctl() {
  # shellcheck disable=SC2086
  rt "$TUNDRA" "$@" ${TUNDRA_CTL_ARGS:-}
}

# ---- traffic helpers -------------------------------------------------------------------------
E2E_WHOAMI_PORT=7777
# Starts the UDP "who am I" responder in server4 (e2e_topology does, so that its PID is
# known to the cleanup trap): it answers each datagram with the source address it saw,
# i.e. the client's IPv4 address in the pool.
e2e_whoami_server() {
  e2e_bg "$E2E_NS_SERVER" whoami "$E2E_PYTHON" "$E2E_DIR/helpers/udp_whoami.py" serve "$SERVER4" "$E2E_WHOAMI_PORT"
  e2e_wait_until 5 "the whoami responder in server4" e2e_listening "$E2E_NS_SERVER" udp "$E2E_WHOAMI_PORT"
}
# Prints the IPv4 address the server sees for client source address $1 (default CLIENT6).
# Returns non-zero when no answer came back. Usually called as $(e2e_client_ipv4), i.e. in
# a subshell, so it must not change the harness's state.
e2e_client_ipv4() {
  c6 timeout 10 "$E2E_PYTHON" "$E2E_DIR/helpers/udp_whoami.py" ask "$SERVER6" "$E2E_WHOAMI_PORT" "${1:-$CLIENT6}"
}

# A file of $2 MiB of random bytes at path $1.
e2e_random_file() { head -c "$(($2 * 1024 * 1024))" /dev/urandom >"$1"; }
e2e_sha256() { sha256sum "$1" | cut -d' ' -f1; }
