#!/usr/bin/env bash
# Installs what is missing, builds, and runs the main job on an embedded
# default. Until the gateway's end-to-end demo lands, the main job is the
# operator's decoder: it writes a capture of a USSD dialogue built with the
# project's own encoders and decodes it back to JSON Lines.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
scripts/build.sh release
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
./build/app/ussdgw decode --write-sample "$out/sample.pcap"
./build/app/ussdgw decode --pcap "$out/sample.pcap"
