#!/usr/bin/env bash
# The main job on a fresh machine: set up, train the Dactyl task briefly on the CPU, play the result (with a
# video), export it to ONNX with its contract, run it in the real-hand runtime against the MuJoCo stand-in,
# and record a short stand-in video; prints where the videos and the training report are.
#   ITERATIONS=2 NUM_ENVS=64 bash scripts/main_job.sh
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-$repo/.venv}"
iterations="${ITERATIONS:-2}"
num_envs="${NUM_ENVS:-64}"
bash "$repo/scripts/setup.sh"
cd "$repo"
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"  # one torch thread: on a small CPU more threads fight the simulator
echo "[main] training Dactyl-Reorient-Cube-Shadow: $num_envs envs x $iterations iterations on the CPU"
"$venv/bin/python" scripts/train.py --device cpu --num_envs "$num_envs" --max_iterations "$iterations" --seed 1
run_dir="$(ls -td logs/rsl_rl/dactyl_reorient_ff/*/ | head -1)"
checkpoint="$(ls -v "$run_dir"model_[0-9]*.pt | tail -1)"  # the last periodic one (model_last.pt rolls)
echo "[main] playing $checkpoint for 50 steps (video of env 0)"
"$venv/bin/python" scripts/play.py --device cpu --num_envs 4 --steps 50 --checkpoint "$checkpoint" --video
echo "[main] exporting $checkpoint to ONNX (normalizer folded in, contract in metadata)"
"$venv/bin/python" scripts/export.py --checkpoint "$checkpoint" --output "${run_dir}exported/dactyl_policy.onnx"
echo "[main] real-hand runtime rollout on the MuJoCo stand-in (300 control steps of 80 ms)"
"$venv/bin/dactyl-lab-runtime" --policy "${run_dir}exported/dactyl_policy.onnx" --hand mujoco --realtime off \
  --steps 300 --log "${run_dir}runtime_rollout.jsonl" --summary_json "${run_dir}runtime_summary.json"
echo "[main] video of the policy on the MuJoCo stand-in (one trial: 8 s per goal, at most 5 goals)"
"$venv/bin/python" scripts/sim2sim.py --policy "${run_dir}exported/dactyl_policy.onnx" --num_trials 1 --goal_timeout_s 8 \
  --max_successes 5 --output "${run_dir}sim2sim" --video
[ -f "${run_dir}report.png" ] || "$venv/bin/dactyl-lab" report "$run_dir"
echo "[main] training report:   ${run_dir}report.png (page: ${run_dir}report.html)"
echo "[main] Newton play video: $(ls "${run_dir}"videos/play/*.mp4 | head -1)"
echo "[main] stand-in video:    ${run_dir}sim2sim/videos/trial_000.mp4"
echo "[main] done: $run_dir (TensorBoard: $venv/bin/tensorboard --logdir logs)"
