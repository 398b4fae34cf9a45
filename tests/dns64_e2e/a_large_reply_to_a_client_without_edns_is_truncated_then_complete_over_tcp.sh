#!/usr/bin/env bash
# RFC 6147 §5.4: the synthesized reply "is subject to all the standard DNS rules, including
# truncation": each AAAA is 12 bytes longer than its A. `wide` has 25 A records: its A reply
# fits in 512 bytes, its synthesized AAAA reply (about 770 bytes) does not. `big` has 40.
# A client without EDNS gets TC=1 and at most 512 bytes over UDP; over TCP it gets every
# record; dig and kdig retrying on their own over TCP get them all too. With EDNS 4096 the
# whole reply comes over UDP.
source "$(dirname "$0")/lib.sh"
d64_setup

want_wide=$(for i in $(seq 101 125); do d64_embed 64:ff9b::/96 "198.51.100.$i"; done | xargs)
want_big=$(for i in $(seq 1 40); do d64_embed 64:ff9b::/96 "198.51.100.$i"; done | xargs)

out=$(d64_dig +noedns +ignore wide.dns64.test A)
d64_expect_no_flag "$out" tc "wide A without EDNS (25 A records fit in 512 bytes)"
(($(d64_count "$out" A) == 25)) || d64_fail "wide A without EDNS: expected 25 A records
$out"

for name in wide big; do
  if [[ $name == wide ]]; then want=$want_wide; else want=$want_big; fi
  out=$(d64_dig +noedns +ignore $name.dns64.test AAAA)
  d64_expect_rcode "$out" NOERROR "$name AAAA, UDP without EDNS"
  d64_expect_flag "$out" tc "$name AAAA, UDP without EDNS: the synthesized reply exceeds 512 bytes"
  size=$(d64_msg_size "$out")
  [[ -n $size ]] && ((size <= 512)) || d64_fail "$name AAAA, UDP without EDNS: reply of '$size' bytes, more than 512
$out"
  d64_has_opt "$out" && d64_fail "$name AAAA, UDP without EDNS: a query without OPT must get a reply without OPT
$out"

  out=$(d64_dig +noedns +tcp $name.dns64.test AAAA)
  d64_expect_rcode "$out" NOERROR "$name AAAA over TCP without EDNS"
  d64_expect_no_flag "$out" tc "$name AAAA over TCP"
  d64_expect_rdata "$out" AAAA "$want" "$name AAAA over TCP: every synthesized record"

  out=$(d64_dig +noedns $name.dns64.test AAAA)   # dig retries over TCP by itself
  d64_expect_rdata "$out" AAAA "$want" "$name AAAA, dig without EDNS falling back to TCP"
  grep -q 'Truncated, retrying in TCP mode' <<<"$out" || d64_fail "$name AAAA: dig did not see TC over UDP
$out"

  out=$(d64_kdig $name.dns64.test AAAA)          # kdig: no EDNS by default, TCP on TC
  d64_expect_rdata "$out" AAAA "$want" "$name AAAA, kdig without EDNS falling back to TCP"

  out=$(d64_dig +bufsize=4096 +ignore $name.dns64.test AAAA)
  d64_expect_no_flag "$out" tc "$name AAAA over UDP with EDNS 4096"
  d64_expect_rdata "$out" AAAA "$want" "$name AAAA over UDP with EDNS 4096"
done
d64_pass
