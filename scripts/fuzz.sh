#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time (FUZZ_SECONDS each, default
# 30), seeded from the conformance vectors in ../shared when they are there.
# A crash, leak or sanitizer report fails the run and leaves the input in
# build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-30}
shared=${USSDGW_SHARED_DIR:-../shared}
mkdir -p build-fuzz/artifacts
fail=0
for bin in build-fuzz/fuzz/fuzz_*; do
  [[ -x $bin ]] || continue
  name=$(basename "$bin")
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  if [[ -d $shared/vectors/hex ]]; then
    python3 scripts/fuzz_seeds.py "$shared/vectors/hex" "$corpus" "$name"
  else
    echo "fuzz: $shared/vectors absent, $name starts from an empty corpus"
  fi
  echo "fuzz: $name for ${secs}s ($(ls "$corpus" | wc -l) seeds)"
  if ! "$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix=build-fuzz/artifacts/"$name"- "$corpus" >build-fuzz/"$name".log 2>&1; then
    echo "fuzz: $name FAILED"; tail -40 build-fuzz/"$name".log; fail=1
  else
    grep -E '^stat::number_of_executed_units|^cov:|^#.*DONE' build-fuzz/"$name".log | tail -2 || true
  fi
done
exit $fail
