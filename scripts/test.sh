#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite:
#   1. unit + integration tests (ctest) in the release build,
#   2. the codec tests again under ASan + UBSan (clang),
#   3. every libFuzzer target for FUZZ_SECONDS (default 30) each.
# `scripts/test.sh --quick` runs step 1 only.
#
# A test whose prerequisite is missing (../shared, osmo-stp, tshark) is
# reported as skipped (exit code 77, tests/support/prerequisite.h). With
# CI=true any skip fails the run: in CI a missing prerequisite is a broken
# set-up, not a pass.
set -euo pipefail
cd "$(dirname "$0")/.."
ci=false
[[ ${CI:-} == true ]] && ci=true
bash scripts/setup.sh
# The conformance material (read in place, never copied) sits beside the
# checkout as ../shared. A clone made one level deeper (e.g. a CI work
# directory next to the checkout) finds it in the nearest ancestor that has
# shared/vectors; USSDGW_SHARED_DIR, when set, is taken as it is.
if [[ -z ${USSDGW_SHARED_DIR:-} && ! -f ../shared/vectors/README.md ]]; then
  d=$(cd .. && pwd)
  while [[ $d != / ]]; do
    d=$(dirname "$d")
    if [[ -f $d/shared/vectors/README.md ]]; then
      export USSDGW_SHARED_DIR=$d/shared
      echo "test: conformance material found in $USSDGW_SHARED_DIR"
      break
    fi
  done
fi
t0=$(date +%s)
skips=()

echo "== build (release)"
scripts/build.sh release
echo "== ctest"
ctest --test-dir build --output-on-failure --timeout 600 | tee build/ctest.log
# ctest lists skipped tests as "N - name (Skipped)" (SKIP_RETURN_CODE 77).
while read -r line; do skips+=("ctest: $line"); done < <(grep -E '\((Skipped|Not Run)\)' build/ctest.log || true)

if [[ ${1:-} != --quick ]]; then
  echo "== ASan + UBSan"
  scripts/build.sh asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  for t in build-asan/tests/test_*; do
    [[ -x $t ]] || continue
    echo "-- $t"
    rc=0
    "$t" --minimal || rc=$?
    if ((rc == 77)); then
      skips+=("asan: $t (a prerequisite is missing; see its output above)")
    elif ((rc != 0)); then
      echo "== FAILED: $t exited $rc under ASan + UBSan"; exit 1
    fi
  done
  echo "== fuzz"
  scripts/build.sh fuzz
  scripts/fuzz.sh
fi

if ((${#skips[@]})); then
  echo "== skipped, because a prerequisite is missing (scripts/setup.sh installs the programs; ../shared holds the vectors):"
  printf '   %s\n' "${skips[@]}"
  echo "   (each test binary lists its skipped cases and why at the end of its output, e.g. build/tests/test_ussd_codec)"
  if $ci; then
    echo "== FAILED: CI=true and ${#skips[@]} test binaries were skipped: a CI run must run every test"
    exit 1
  fi
fi
echo "== all tests passed${skips:+ (${#skips[@]} skipped)} in $(( $(date +%s) - t0 ))s"
