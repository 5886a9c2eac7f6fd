#!/usr/bin/env bash
# Configures and builds one flavour of the tree.
#   scripts/build.sh [release|asan|fuzz]   (default: release)
# Build directories: build/ (release), build-asan/, build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
flavour=${1:-release}
gen=()
command -v ninja >/dev/null 2>&1 && gen=(-G Ninja)
jobs=$(nproc)
case "$flavour" in
  release)
    cmake -S . -B build "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j "$jobs" ;;
  asan)
    # Only the codec and decode tests: they take hostile input. The network
    # pieces run their own integration tests in the release build.
    cmake -S . -B build-asan "${gen[@]}" -DCMAKE_BUILD_TYPE=Debug -DUSSDGW_SANITIZE=ON \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
    cmake --build build-asan -j "$jobs" --target ${ASAN_TARGETS:-test_common test_gateway_codec test_ussd_codec test_hlr-sms_codec} ;;
  fuzz)
    cmake -S . -B build-fuzz "${gen[@]}" -DCMAKE_BUILD_TYPE=Debug -DUSSDGW_FUZZ=ON \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
    cmake --build build-fuzz -j "$jobs" --target fuzzers ;;
  *) echo "usage: $0 [release|asan|fuzz]" >&2; exit 2 ;;
esac
