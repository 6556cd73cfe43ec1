#!/usr/bin/env bash
# The test command: set up (if needed), then run every test on the CPU with the real Newton backend.
# Extra arguments go to pytest, e.g. scripts/test.sh -k asset
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-$repo/.venv}"
bash "$repo/scripts/setup.sh"
cd "$repo"
exec "$venv/bin/python" -m pytest -ra --durations=15 "$@"
