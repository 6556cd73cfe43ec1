#!/usr/bin/env bash
# Set up a fresh machine for dactyl-lab: a Python 3.12 venv (Isaac Lab 3.0.0 requires 3.12) with the
# training, test and PhysX (OvPhysX) extras, so both physics backends run, then the offline Shadow hand assets. Idempotent: a second run only checks.
#   VENV=/path/to/venv  (default: .venv in the repository)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-$repo/.venv}"

find_python312() {
  for candidate in python3.12 "$HOME/.pyenv/versions/3.12"*/bin/python3.12 /usr/bin/python3.12 /usr/local/bin/python3.12; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
      command -v "$candidate"; return 0
    fi
  done
  echo "error: Python 3.12 not found (Isaac Lab 3.0.0 requires it). Install it (e.g. 'pyenv install 3.12') and retry." >&2
  return 1
}

if [ ! -x "$venv/bin/python" ]; then
  py="$(find_python312)"
  echo "[setup] creating $venv with $py"
  "$py" -m venv "$venv"
fi
stamp="$venv/.dactyl-lab-installed"
if [ ! -f "$stamp" ] || [ "$repo/pyproject.toml" -nt "$stamp" ]; then
  echo "[setup] installing dactyl-lab[train,test,physx] (first time: Isaac Lab 3 + CUDA torch, several GB, a few minutes)"
  "$venv/bin/python" -m pip install --progress-bar off -q --upgrade pip
  "$venv/bin/python" -m pip install --progress-bar off -e "$repo[train,test,physx]"
  touch "$stamp"
fi
# Headless OpenGL (OSMesa) for the rollout videos (play/evaluate/sim2sim --video): apt as root, else say what to do.
if ! ldconfig -p 2>/dev/null | grep -q libOSMesa; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup] installing libosmesa6 (headless OpenGL for rollout videos)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libosmesa6 >/dev/null; } \
      || echo "[setup] warning: apt-get could not install libosmesa6; videos need it" >&2
  else
    echo "[setup] warning: libOSMesa not found; videos need it: sudo apt-get install -y libosmesa6" >&2
  fi
fi
echo "[setup] building the offline Shadow hand assets, Newton and PhysX (cached by input hash)"
"$venv/bin/dactyl-lab" assets build
