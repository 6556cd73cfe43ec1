#!/usr/bin/env bash
# The test command: set up (if needed), then run every test on the CPU with the real Newton backend.
# Extra arguments go to pytest, e.g. scripts/test.sh -k asset
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-$repo/.venv}"
bash "$repo/scripts/setup.sh"
# ROS 1 (Debian's, Python 3.11) for the real-ROS runtime tests: they start roscore, the stand-in hand node and the
# runtime as processes of .venv-ros. Where ROS cannot be installed (exit 3: not root / no apt) they skip, saying why.
ros_rc=0
bash "$repo/scripts/setup_ros.sh" || ros_rc=$?
if [ "$ros_rc" = 0 ]; then
  export DACTYL_LAB_REQUIRE_ROS=1  # ROS is set up: a ROS test that cannot run fails instead of skipping
elif [ "$ros_rc" = 3 ]; then
  echo "[test] ROS 1 cannot be installed here: tests/runtime/test_ros_*.py will be skipped"
else
  exit "$ros_rc"
fi
cd "$repo"
exec "$venv/bin/python" -m pytest -ra --durations=15 "$@"
