#!/usr/bin/env bash
# Short fuzzing for CI (make test): runs every go test -fuzz target in ./fuzz
# for a slice of one time budget, so the whole run stays within about two
# minutes on two cores however many targets there are.
#
#   FUZZ_CI_BUDGET    total seconds for all targets (default 100)
#   FUZZ_CI_MIN_MS    least fuzzing time per target in ms (default 1000)
#   FUZZ_CI_MINIMIZE  time to minimise a crasher (default 5s; go's is 60s)
#
# Every target runs even when one fails; the script then exits 1 and names
# the failing targets. go test keeps each crasher in
# fuzz/testdata/fuzz/<Target>/: fix the parser and commit the file as a
# regression input, which plain `go test ./fuzz` then replays.
# For long campaigns use scripts/fuzz-all.sh (make fuzz FUZZTIME=1h).
set -euo pipefail
cd "$(dirname "$0")/.."

budget=${FUZZ_CI_BUDGET:-100}
min_ms=${FUZZ_CI_MIN_MS:-1000}
minimize=${FUZZ_CI_MINIMIZE:-5s}
overhead_ms=800 # start-up of one `go test -fuzz` run once the build is cached

# Listing compiles the package: a build error stops here, as it should.
list=$(go test ./fuzz -run '^$' -list '^Fuzz')
targets=$(grep '^Fuzz' <<<"$list" || true)
if [ -z "$targets" ]; then
  echo "fuzz-ci: no fuzz targets in ./fuzz" >&2
  exit 1
fi
n=$(wc -l <<<"$targets")
per_ms=$(((budget * 1000 - n * overhead_ms) / n))
if ((per_ms < min_ms)); then
  per_ms=$min_ms
fi
echo "fuzz-ci: $n targets, ${per_ms}ms each"

start=$SECONDS
failed=()
for f in $targets; do
  if out=$(go test ./fuzz -run '^$' -fuzz "^${f}\$" -fuzztime "${per_ms}ms" -fuzzminimizetime "$minimize" 2>&1); then
    execs=$(grep -o 'execs: [0-9]*' <<<"$out" | tail -n 1 || true)
    echo "ok   $f ${execs:+($execs)}"
  elif grep -q 'context deadline exceeded' <<<"$out" && ! grep -q 'Failing input written to' <<<"$out"; then
    # The fuzzing engine sometimes reports its own deadline as a failure
    # when -fuzztime runs out mid-step; no input failed. Not a finding.
    echo "ok   $f (fuzzing engine deadline hiccup, no failing input)"
  else
    echo "$out"
    echo "FAIL $f"
    failed+=("$f")
  fi
done
echo "fuzz-ci: $n targets in $((SECONDS - start))s"
if ((${#failed[@]} > 0)); then
  echo "fuzz-ci: failing targets: ${failed[*]} (crashers in fuzz/testdata/fuzz/)" >&2
  exit 1
fi
