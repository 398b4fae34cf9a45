#!/usr/bin/env bash
# Runs every end-to-end test script in this folder, one after another, and prints a summary
# line "N passed, N failed, N skipped". Exit status 1 when any test failed, else 0.
#
#   sudo TRANSLATOR=tayga tests/e2e/run_all.sh            # against Tayga (the baseline)
#   sudo TUNDRA=build/tundra tests/e2e/run_all.sh         # against tundra (the default)
#   sudo tests/e2e/run_all.sh ping udp                    # only scripts whose name matches
#
# Each script runs under `timeout` (E2E_TEST_TIMEOUT seconds, default 300); a timed-out
# script gets SIGTERM, which runs its cleanup trap.
set -u
here=$(cd "$(dirname "$0")" && pwd)
limit=${E2E_TEST_TIMEOUT:-300}
passed=0 failed=0 skipped=0

# Namespaces left by a run that was killed with SIGKILL (its trap could not run).
for ns in $(ip netns list 2>/dev/null | awk '{ print $1 }' | grep -E '^tde2e-[0-9]+-'); do
  pid=${ns#tde2e-}; pid=${pid%%-*}
  kill -0 "$pid" 2>/dev/null || echo "warning: stale namespace $ns from an earlier run (ip netns pids $ns; ip netns del $ns)"
done
failed_names=() skipped_names=()

for script in "$here"/*.sh; do
  name=$(basename "$script" .sh)
  [[ $name == lib || $name == run_all ]] && continue
  if (($# > 0)); then
    match=0
    for pattern in "$@"; do [[ $name == *"$pattern"* ]] && match=1; done
    ((match)) || continue
  fi
  echo "=== $name"
  start=$SECONDS
  timeout -k 10 "$limit" bash "$script"
  rc=$?
  case $rc in
    0) passed=$((passed + 1)) ;;
    77) skipped=$((skipped + 1)); skipped_names+=("$name") ;;
    *) failed=$((failed + 1)); failed_names+=("$name")
       ((rc == 124 || rc == 137)) && echo "FAIL: $name: timed out after ${limit}s" ;;
  esac
  echo "=== $name: exit $rc, $((SECONDS - start)) s"
  echo
done

((${#skipped_names[@]})) && printf 'skipped: %s\n' "${skipped_names[@]}"
((${#failed_names[@]})) && printf 'failed: %s\n' "${failed_names[@]}"
echo "$passed passed, $failed failed, $skipped skipped (TRANSLATOR=${TRANSLATOR:-tundra})"
((failed == 0))
