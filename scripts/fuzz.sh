#!/usr/bin/env bash
# Runs every libFuzzer target in build-fuzz/fuzz for a bounded time:
# FUZZ_SECONDS each (default 30), FUZZ_JOBS targets at a time (default 2, the
# CI machine's cores), so the step takes about
#   FUZZ_SECONDS * ceil(targets / FUZZ_JOBS).
# Seeds come from scripts/fuzz_seeds.py (the conformance vectors in ../shared
# when they are there, plus built-in BER and GSM 7-bit seeds). A crash, leak,
# sanitizer report or broken round trip fails the run and leaves the input in
# build-fuzz/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-30}
jobs=${FUZZ_JOBS:-2}
mkdir -p build-fuzz/artifacts
targets=()
for bin in build-fuzz/fuzz/fuzz_*; do [[ -x $bin ]] && targets+=("$bin"); done
((${#targets[@]})) || { echo "fuzz: no targets in build-fuzz/fuzz (scripts/build.sh fuzz)"; exit 1; }

run_one() {
  local bin=$1 name corpus
  name=$(basename "$bin")
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  python3 scripts/fuzz_seeds.py "$name" "$corpus"
  echo "fuzz: $name for ${secs}s ($(ls "$corpus" | wc -l) seeds)"
  "$bin" -max_total_time="$secs" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix=build-fuzz/artifacts/"$name"- "$corpus" >build-fuzz/"$name".log 2>&1
}

fail=0
for ((i = 0; i < ${#targets[@]}; i += jobs)); do
  batch=("${targets[@]:i:jobs}")
  pids=()
  for bin in "${batch[@]}"; do run_one "$bin" & pids+=($!); done
  for k in "${!batch[@]}"; do
    name=$(basename "${batch[k]}")
    if wait "${pids[k]}"; then
      echo "fuzz: $name ok: $(grep -E '^stat::number_of_executed_units' build-fuzz/"$name".log | tr -s ' ' || true)"
    else
      echo "fuzz: $name FAILED"; tail -40 build-fuzz/"$name".log; fail=1
    fi
  done
done
exit $fail
