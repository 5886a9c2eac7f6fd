#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite:
#   1. unit + integration tests (ctest) in the release build,
#   2. the codec tests again under ASan + UBSan (clang),
#   3. every libFuzzer target for FUZZ_SECONDS (default 30) each.
# `scripts/test.sh --quick` runs step 1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
t0=$(date +%s)
echo "== build (release)"
scripts/build.sh release
echo "== ctest"
ctest --test-dir build --output-on-failure --timeout 600
[[ ${1:-} == --quick ]] && exit 0
echo "== ASan + UBSan"
scripts/build.sh asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for t in build-asan/tests/test_*; do
  [[ -x $t ]] || continue
  echo "-- $t"; "$t" --minimal
done
echo "== fuzz"
scripts/build.sh fuzz
scripts/fuzz.sh
echo "== all tests passed in $(( $(date +%s) - t0 ))s"
