#!/usr/bin/env bash
# Quick start, command 1: set up, build, and run the main job. Extra arguments replace
# the default `compare --in 64 --out 128`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
if [ $# -eq 0 ]; then set -- compare --in 64 --out 128; fi
exec build/conveq "$@"
