#!/usr/bin/env bash
# Runs every go test -fuzz target (./fuzz and ./onvif) for the given -fuzztime each
# (default 10s; 1h, or a count such as 100000x): scripts/fuzz-ci.sh with a
# fixed time per target instead of its budget, so one instrumented build
# serves every target, every target runs even when one fails, and the
# go1.26 engine's deadline race is told apart from a finding the same way.
# New failing inputs land in <package>/testdata/fuzz/<Target>/ and become
# regression inputs that plain `go test` of the package replays.
#
#   FUZZ_CI_MINIMIZE  -fuzzminimizetime (default 10000x here; see fuzz-ci.sh)
#   FUZZ_CI_TARGETS   regexp: only the targets it matches
set -euo pipefail
export FUZZ_CI_EACH=${1:-10s}
export FUZZ_CI_MINIMIZE=${FUZZ_CI_MINIMIZE:-10000x}
exec "$(dirname "$0")/fuzz-ci.sh"
