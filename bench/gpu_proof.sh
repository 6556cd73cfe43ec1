#!/usr/bin/env bash
# One-shot proof on a machine with one CUDA GPU, in about 10 minutes of wall time:
#   (a) the test suite's fast subset on cuda:0 (DACTYL_TEST_DEVICE=cuda:0),
#   (b) env-steps/s of our task and of Isaac Lab's stock Isaac-Reorient-Cube-Shadow (same hand asset)
#       at 1,024, 4,096 and 16,384 envs,
#   (c) RSL-RL feed-forward training at 8,192 envs for TRAIN_MIN minutes with the learning curve and the
#       final evaluation against the zero and random baselines (bench/learning_curve.py),
#   (d) export of the trained policy to ONNX and its score in the MuJoCo stand-in (scripts/sim2sim.py),
#   (e) everything (JSON, PNG, logs) under OUT_DIR.
#
#   bash bench/gpu_proof.sh OUT_DIR            # on the GPU machine (after scripts/setup.sh)
#   bash bench/gpu_proof.sh --dry-run OUT_DIR  # every stage at toy size on the CPU (a test runs this)
#   TRAIN_MIN=5 PRESETS=curriculum DEVICE=cuda:0 bash bench/gpu_proof.sh OUT_DIR
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
dry=0
if [ "${1:-}" = "--dry-run" ]; then dry=1; shift; fi
if [ $# -ne 1 ]; then
  echo "usage: bash bench/gpu_proof.sh [--dry-run] OUT_DIR" >&2
  exit 2
fi
out="$(mkdir -p "$1" && cd "$1" && pwd)"
if [ "$dry" = 1 ]; then
  device="${DEVICE:-cpu}"; envs="8"; train_args=(--dry-run); tests_k="test_observation_groups_have_the_contract_shapes"
  sim2sim_trials=1; sim2sim_steps=(--max-steps 20)
else
  device="${DEVICE:-cuda:0}"; envs="1024 4096 16384"; tests_k=""
  train_args=(--budget_min "${TRAIN_MIN:-5}" --num_envs "${TRAIN_ENVS:-8192}" --eval_trials 256 --eval_envs 256)
  sim2sim_trials=20; sim2sim_steps=()
  "$python" -c "import torch, sys; sys.exit(0 if torch.cuda.is_available() else 'no CUDA device: use --dry-run')"
fi
presets="${PRESETS:-curriculum}"
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" PYTHONUNBUFFERED=1 PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
cd "$repo"
stage() { echo "[gpu_proof $(date +%H:%M:%S)] $*"; }

stage "(a) fast tests on $device"
set +e
DACTYL_TEST_DEVICE="$device" "$python" -m pytest -q -x -m "not slow" tests/task/test_task_env.py \
  ${tests_k:+-k "$tests_k"} >"$out/tests.log" 2>&1
echo "$?" >"$out/tests.rc"
set -e
stage "    tests exit code $(cat "$out/tests.rc") (log: $out/tests.log)"

stage "(b) env-steps/s at $envs envs (ours vs stock)"
# shellcheck disable=SC2086
"$python" bench/env_throughput.py --device "$device" --num_envs $envs --steps "$([ "$dry" = 1 ] && echo 2 || echo 30)" \
  --warmup 2 >"$out/env_throughput.log" 2>&1
tail -n "$(( $(wc -w <<<"$envs") + 1 ))" "$out/env_throughput.log"

stage "(c) training with presets=$presets on $device, then evaluation vs baselines"
"$python" bench/learning_curve.py --device "$device" --presets $presets --output "$out/learning" "${train_args[@]}" \
  2>&1 | tee "$out/learning_curve.log" | grep -E "verdict|wrote|samples/s" || true
[ -f "$out/learning/learning_curve.json" ] || { echo "learning curve failed: $out/learning_curve.log" >&2; exit 1; }

stage "(d) export and score in the MuJoCo stand-in"
run="$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['seeds'][0]['run'])" \
  "$out/learning/learning_curve.json")"
"$python" scripts/export.py --checkpoint "$run" --output "$out/policy.onnx" >"$out/export.log" 2>&1
# exit 1 = fewer trials completed than asked (the dry run stops after a few steps): the report is still written
"$python" scripts/sim2sim.py --policy "$out/policy.onnx" --trials "$sim2sim_trials" --seed 1000 \
  --out "$out/sim2sim" "${sim2sim_steps[@]}" >"$out/sim2sim.log" 2>&1 || [ $? -eq 1 ]
[ -f "$out/sim2sim/report.json" ] || { echo "sim2sim failed: $out/sim2sim.log" >&2; exit 1; }
tail -n 3 "$out/sim2sim.log"
stage "(e) results in $out"
ls "$out"
