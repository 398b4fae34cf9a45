#!/bin/sh
# DESIGN.md §1: translator/ is pure. Fails if it includes headers for syscalls, threads,
# locks, streams or logging, or calls functions that do I/O.
set -eu
dir="${1:?usage: translator_is_pure.sh TRANSLATOR_DIR}"
bad=$(grep -nE '#include <(sys/[^>]*|thread|mutex|shared_mutex|condition_variable|iostream|fstream|cstdio|fmt/[^>]*|unistd\.h|fcntl\.h|poll\.h)>|\b(printf|fprintf|std::cout|std::cerr)\b' \
  "$dir"/*.h "$dir"/*.cpp | grep -v '^\s*//' | grep -vE ':[0-9]+:\s*//' || true)
if [ -n "$bad" ]; then
  echo "translator/ must stay pure (DESIGN.md §1); found:"
  echo "$bad"
  exit 1
fi
echo "translator/ includes nothing impure: 1 passed, 0 failed"
