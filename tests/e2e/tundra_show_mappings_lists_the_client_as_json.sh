#!/usr/bin/env bash
# `tundra show mappings --json` on the running daemon lists the client's dynamic binding:
# an object with "ipv6" = the client, "ipv4" = the address the IPv4 server saw, and
# "kind" = "dynamic" (cli/daemon_view.h, MappingRow). The JSON may be a list of rows or an
# object holding that list under "mappings".
source "$(dirname "$0")/lib.sh"
e2e_tundra_only "tundra show mappings"
e2e_setup

client4=$(e2e_client_ipv4) || e2e_fail "the server never saw the client"
e2e_tundra_ctl show mappings --json >"$E2E_WORK/mappings.json" 2>"$E2E_WORK/show.log" \
  || e2e_fail "tundra show mappings --json failed: $(cat "$E2E_WORK/show.log")"
"$E2E_PYTHON" - "$E2E_WORK/mappings.json" "$CLIENT6" "$client4" <<'PY' || e2e_fail "the client's binding is not in the JSON: $(head -c 600 "$E2E_WORK/mappings.json")"
import ipaddress, json, sys
doc = json.load(open(sys.argv[1]))
rows = doc.get("mappings", []) if isinstance(doc, dict) else doc
want6, want4 = ipaddress.ip_address(sys.argv[2]), ipaddress.ip_address(sys.argv[3])
def same(text, want):
    try:
        return ipaddress.ip_address(str(text)) == want
    except ValueError:
        return False
for row in rows:
    if isinstance(row, dict) and same(row.get("ipv6"), want6) and same(row.get("ipv4"), want4):
        kind = str(row.get("kind", "dynamic")).lower()
        if kind != "dynamic":
            sys.exit(f"row found but kind is {kind!r}")
        print("# row:", json.dumps(row))
        sys.exit(0)
sys.exit(1)
PY
e2e_pass "$CLIENT6 → $client4 listed"
