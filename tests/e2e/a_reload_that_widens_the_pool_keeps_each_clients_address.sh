#!/usr/bin/env bash
# A reload that gives the dynamic pool a new shape (192.168.255.0/24 → 192.168.254.0/23)
# replaces the pool, and the clients' bindings come across: the IPv4 server sees the first
# client at the same address before and after. A second client that the new file maps
# statically (map 192.0.2.3 <-> 2001:db8:1::3) leaves its dynamic binding behind, as a
# start would: `tundra show mappings` lists it only as the static map.
source "$(dirname "$0")/lib.sh"
e2e_tundra_only "tundra reload"
SECOND6=2001:db8:1::3
e2e_init
e2e_topology
c6 ip addr add "$SECOND6/64" dev eth0 nodad
e2e_translator_start

first4=$(e2e_client_ipv4 "$CLIENT6") || e2e_fail "the server never saw $CLIENT6"
second4=$(e2e_client_ipv4 "$SECOND6") || e2e_fail "the server never saw $SECOND6"
e2e_log "before the reload: $CLIENT6 is $first4, $SECOND6 is $second4"

sed -e 's|^dynamic-pool = .*|dynamic-pool = "192.168.254.0/23"|' \
    -e "s|^\\[daemon\\]|map = [\"192.0.2.3 $SECOND6\"]\\n[daemon]|" "$E2E_XLAT_CONF" >"$E2E_WORK/wider.toml"
cp "$E2E_WORK/wider.toml" "$E2E_XLAT_CONF"
e2e_tundra_ctl reload >"$E2E_WORK/reload.log" 2>&1 || e2e_fail "tundra reload failed: $(cat "$E2E_WORK/reload.log")"

after4=$(e2e_client_ipv4 "$CLIENT6") || e2e_fail "the server no longer sees $CLIENT6"
[[ $after4 == "$first4" ]] || e2e_fail "$CLIENT6 was $first4 before the reload and is $after4 after it"
e2e_log "after the reload: $CLIENT6 is still $after4"
static4=$(e2e_client_ipv4 "$SECOND6") || e2e_fail "the server no longer sees $SECOND6"
[[ $static4 == 192.0.2.3 ]] || e2e_fail "$SECOND6 is $static4 after the reload, not its static 192.0.2.3"

e2e_tundra_ctl show mappings --json >"$E2E_WORK/mappings.json" 2>&1 || e2e_fail "tundra show mappings failed"
"$E2E_PYTHON" - "$E2E_WORK/mappings.json" "$CLIENT6" "$first4" "$SECOND6" <<'PY' || e2e_fail "tundra show mappings: $(head -c 800 "$E2E_WORK/mappings.json")"
import ipaddress, json, sys
doc = json.load(open(sys.argv[1]))
rows = doc.get("mappings", []) if isinstance(doc, dict) else doc
first6, first4, second6 = (ipaddress.ip_address(a) for a in sys.argv[2:5])
dynamic = {ipaddress.ip_address(r["ipv6"]): ipaddress.ip_address(r["ipv4"])
           for r in rows if str(r.get("kind")).lower() == "dynamic"}
if dynamic.get(first6) != first4:
    sys.exit(f"no dynamic row {first6} -> {first4}")
if second6 in dynamic:
    sys.exit(f"{second6} still has a dynamic binding ({dynamic[second6]}) beside its static map")
print(f"# dynamic rows after the reload: {len(dynamic)}")
PY
e2e_pass
