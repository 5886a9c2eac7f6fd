#!/usr/bin/env bash
# Line coverage that the fuzz targets reach in a CI-length run, for
# docs/fuzzing.md. Builds the targets with clang's source-based coverage
# (-fprofile-instr-generate -fcoverage-mapping) in build-cov/, fuzzes each for
# FUZZ_SECONDS (default 30, as scripts/fuzz.sh does; 0 = run the seeds only,
# which gives a figure that does not depend on the machine's speed) from the
# same seeds, and reports the files named (default: the BER reader/writer and
# the GSM 7-bit code) over all targets together. USSDGW_SHARED_DIR=/nonexistent
# measures the built-in seeds alone.
#   scripts/fuzz_coverage.sh [source files...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${FUZZ_SECONDS:-30}
dir=build-cov
files=("$@")
((${#files[@]})) || files=(common/ber.cpp common/gsm7.cpp ussd/codec/ussd_text.cpp)
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
cmake -S . -B "$dir" "${gen[@]}" -DCMAKE_BUILD_TYPE=Debug -DUSSDGW_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_CXX_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
  -DCMAKE_EXE_LINKER_FLAGS=-fprofile-instr-generate >/dev/null
cmake --build "$dir" -j "$(nproc)" --target fuzzers >/dev/null
rm -rf "$dir/profiles" "$dir/corpus"
mkdir -p "$dir/profiles"
objects=()
for bin in "$dir"/fuzz/fuzz_*; do
  [[ -x $bin ]] || continue
  name=$(basename "$bin")
  corpus=$dir/corpus/$name
  mkdir -p "$corpus"
  python3 scripts/fuzz_seeds.py "$name" "$corpus"
  limit=(-max_total_time="$secs")
  ((secs > 0)) || limit=(-runs=0)
  LLVM_PROFILE_FILE="$dir/profiles/$name.profraw" "$bin" -seed=1 "${limit[@]}" -timeout=5 \
    -rss_limit_mb=2048 "$corpus" >"$dir/$name.log" 2>&1
  objects+=(-object "$bin")
  echo "coverage: $name ran ${secs}s, corpus $(ls "$corpus" | wc -l)"
done
llvm-profdata-14 merge -sparse "$dir"/profiles/*.profraw -o "$dir/fuzz.profdata"
# llvm-cov names the files relative to the build tree; keep the ones asked for.
pattern=$(printf '|^%s' "${files[@]}")
llvm-cov-14 report "${objects[@]:1}" -instr-profile "$dir/fuzz.profdata" 2>/dev/null |
  grep -E "^Filename|${pattern:1}"
