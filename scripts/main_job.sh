#!/usr/bin/env bash
# The main job on a fresh machine: set up, train the Dactyl task briefly on the CPU, then play the result.
#   ITERATIONS=2 NUM_ENVS=64 bash scripts/main_job.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-$repo/.venv}"
iterations="${ITERATIONS:-2}"
num_envs="${NUM_ENVS:-64}"
bash "$repo/scripts/setup.sh"
cd "$repo"
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
echo "[main] training Dactyl-Reorient-Cube-Shadow: $num_envs envs x $iterations iterations on the CPU"
"$venv/bin/python" scripts/train.py --device cpu --num_envs "$num_envs" --max_iterations "$iterations" --seed 1
run_dir="$(ls -td logs/rsl_rl/dactyl_reorient_ff/*/ | head -1)"
checkpoint="$(ls -t "$run_dir"model_*.pt | head -1)"
echo "[main] playing $checkpoint for 50 steps"
"$venv/bin/python" scripts/play.py --device cpu --num_envs 4 --steps 50 --checkpoint "$checkpoint"
echo "[main] done. TensorBoard: $venv/bin/tensorboard --logdir logs"
