#!/usr/bin/env bash
# Set up the real-hand runtime over ROS 1 on Debian bookworm: Debian's ROS 1 packages (for the system Python 3.11)
# and a venv for the runtime that sees them (--system-site-packages), with dactyl-lab[standin] installed editable.
# Idempotent: a second run only checks. The runtime needs neither torch nor Isaac Lab.
#   ROS_VENV=/path/to/venv  (default: .venv-ros in the repository)
# Exit codes: 0 ready, 3 ROS 1 is not installed and cannot be installed here (not root, or no apt-get).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${ROS_VENV:-$repo/.venv-ros}"
py=/usr/bin/python3
packages=(ros-core python3-rospy python3-rostopic python3-sensor-msgs python3-geometry-msgs python3-std-msgs)

have_ros() {
  command -v roscore >/dev/null 2>&1 && [ -x "$py" ] &&
    "$py" -c 'import rospy, std_msgs.msg, sensor_msgs.msg, geometry_msgs.msg' 2>/dev/null
}

if ! have_ros; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "[setup_ros] ROS 1 is not installed and cannot be installed here (needs root and apt-get on Debian" \
      "bookworm): run 'apt-get install ${packages[*]}' as root, then this script again." >&2
    exit 3
  fi
  echo "[setup_ros] installing Debian's ROS 1 packages: ${packages[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q "${packages[@]}"
  have_ros || { echo "[setup_ros] error: rospy still not importable by $py after apt-get (a broken install, not a missing one)" >&2; exit 1; }
fi

if [ ! -x "$venv/bin/python" ]; then
  echo "[setup_ros] creating $venv over $py ($("$py" --version)) with --system-site-packages (sees rospy)"
  "$py" -m venv --system-site-packages "$venv"
fi
stamp="$venv/.dactyl-lab-ros-installed"
if [ ! -f "$stamp" ] || [ "$repo/pyproject.toml" -nt "$stamp" ]; then
  echo "[setup_ros] installing dactyl-lab[standin] into $venv (numpy, onnxruntime, mujoco, gymnasium-robotics)"
  "$venv/bin/python" -m pip install --progress-bar off -q -e "$repo[standin]"
  touch "$stamp"
fi
"$venv/bin/python" - <<'EOF'
import sys

import rospy  # noqa: F401 - Debian's ROS 1, seen through --system-site-packages

import dactyl_lab.runtime.backends.ros_standin_node  # noqa: F401

assert "torch" not in sys.modules, "the runtime must not import torch"
print(f"[setup_ros] ready: {sys.executable} (Python {sys.version.split()[0]}) imports rospy and dactyl_lab")
EOF
