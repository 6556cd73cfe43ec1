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
# One torch thread per test process: two workers share the cores (torch's default threads oversubscribe them).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
workers="${TEST_WORKERS:-2}"
# 1) everything but the real-time tests on $workers processes (pytest-xdist; files that share a trained run stay on
#    one worker); 2) the real-time tests (ROS, --realtime loops) alone, so no other test steals their deadlines.
# Exit code 5 (nothing selected, e.g. with -k) is not a failure of either part.
rc=0
"$venv/bin/python" -m pytest -ra --durations=25 -n "$workers" --dist loadgroup -m "not realtime" "$@" || rc=$?
[ "$rc" = 5 ] && rc=0
rt=0
"$venv/bin/python" -m pytest -ra --durations=5 -m realtime "$@" || rt=$?
[ "$rt" = 5 ] && rt=0
[ "$rc" = 0 ] && [ "$rt" = 0 ]
