#!/usr/bin/env bash
# curl on the IPv6-only client downloads a 20 MiB file from an IPv4-only web server
# (python3 -m http.server in server4) through the translator; the SHA-256 must match.
source "$(dirname "$0")/lib.sh"
e2e_need curl sha256sum
e2e_setup

mkdir -p "$E2E_WORK/www"
e2e_random_file "$E2E_WORK/www/blob.bin" 20
want=$(e2e_sha256 "$E2E_WORK/www/blob.bin")
e2e_bg "$E2E_NS_SERVER" http "$E2E_PYTHON" -m http.server --bind "$SERVER4" --directory "$E2E_WORK/www" 8080
e2e_wait_until 10 "the web server in server4" e2e_listening "$E2E_NS_SERVER" tcp 8080

url="http://[$SERVER6]:8080/blob.bin"
c6 timeout 90 curl -g -sS --fail --max-time 80 -o "$E2E_WORK/got.bin" \
  -w '# curl: %{http_code}, %{size_download} bytes in %{time_total} s (%{speed_download} B/s)\n' "$url" \
  || e2e_fail "curl $url failed"
got=$(e2e_sha256 "$E2E_WORK/got.bin")
[[ $got == "$want" ]] || e2e_fail "SHA-256 differs: sent $want, received $got ($(stat -c %s "$E2E_WORK/got.bin") bytes)"
e2e_pass "sha256 $got"
