#!/usr/bin/env bash
# Runs every go test -fuzz target in ./fuzz for the given time each
# (default 10s). New crashers land in fuzz/testdata/fuzz/<Target>/ and become
# regression inputs that plain `go test ./fuzz` replays.
set -euo pipefail
t=${1:-10s}
cd "$(dirname "$0")/.."
targets=$(go test ./fuzz -list '^Fuzz' | grep '^Fuzz')
for f in $targets; do
  echo "== $f ($t)"
  go test ./fuzz -run '^$' -fuzz "^${f}\$" -fuzztime "$t"
done
