#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on an embedded
# default: `ussdgw demo`, the whole USSD pull on loopback (network simulator
# -> osmo-stp -> gateway -> demo customer server) with a readable transcript.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
scripts/build.sh release
exec ./build/app/ussdgw demo "$@"
