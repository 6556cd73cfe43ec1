#!/usr/bin/env bash
# One-shot proof on a machine with one CUDA GPU:
#   (0) the machine: nvidia-smi, the driver, torch / CUDA / Warp / Newton / Isaac Lab versions (system.json,
#       nvidia-smi.txt); a missing driver or one too old for this torch's CUDA (torch 2.11: CUDA 13, driver >= 580)
#       stops here with what to install,
#   (a) the test suite's fast subset on cuda:0 (DACTYL_TEST_DEVICE=cuda:0),
#   (b) env-steps/s of our task and of Isaac Lab's stock Isaac-Reorient-Cube-Shadow (same hand asset), each on
#       PhysX (OvPhysX) and on Newton, at 1,024, 4,096 and 16,384 envs, one stage per env count (a failure at one
#       size spares the others; bench/env_throughput.py runs each configuration in its own process),
#   (c) for each physics backend of BACKENDS (default "newton_mjwarp physx"; physx = Isaac Sim PhysX under Kit,
#       OvPhysX kit-less): RSL-RL feed-forward training at 8,192 envs for TRAIN_MIN minutes with the learning curve and the
#       final evaluation against the zero and random baselines (bench/learning_curve.py; goal timeout
#       GOAL_TIMEOUT_S = 8 s, the training task's, and BASELINE_TRIALS = 64 trials per baseline arm: a zero-action
#       trial holds the cube until the goal timeout, so each baseline arm is one batch of at most 100 env steps),
#   (d) export of each trained policy to ONNX and its score in the MuJoCo stand-in (scripts/sim2sim.py); the PhysX
#       stages are named learning_physx, export_physx, sim2sim_physx,
#   (e) everything (JSON, PNG, logs, stages.tsv: stage, exit code, seconds, passed) under OUT_DIR.
# Every stage runs even when an earlier one failed (except (d) without a trained policy); the script exits 1
# when any stage failed, naming them. On a GPU each stage has a time limit (*_LIMIT_S below; a stage past it
# fails with exit code 124), so the whole proof ends within their sum: 60 min at TRAIN_MIN=5 per backend plus
# the second backend's training, evaluation and export (about 30 min more).
#
# Time per stage. Dry run on the CPU (2 shared cores, load ~2), measured: (0) 1 s, (a) 16 s, (b) 21 s, (c) 174 s,
# (d) 10 s: 3 min 43 s in all; 11 min at load 4-8 (docs/learning.md, "The GPU proof").
# On one GPU, expected (not yet measured on a GPU; from the step counts and the CPU profile): (0) 10 s, (a) 2-5 min
# (the first CUDA compilation of the kernels dominates), (b) 3-6 min (3 processes x 2 tasks: build, start-state bank,
# 32 steps), (c) TRAIN_MIN + 3-5 min (start-up, 3 evaluation arms), (d) 1-2 min: about 15-20 min at TRAIN_MIN=5.
#
#   bash bench/gpu_proof.sh OUT_DIR            # on the GPU machine (after scripts/setup.sh)
#   bash bench/gpu_proof.sh --dry-run OUT_DIR  # every stage at toy size on the CPU (a test runs this)
#   TRAIN_MIN=5 PRESETS=curriculum DEVICE=cuda:0 bash bench/gpu_proof.sh OUT_DIR
#   BACKENDS=physx bash bench/gpu_proof.sh OUT_DIR   # train and export on PhysX only
#   STAGES="system throughput" bash bench/gpu_proof.sh OUT_DIR   # only these stages
set -uo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${PYTHON:-$repo/.venv/bin/python}"
dry=0
if [ "${1:-}" = "--dry-run" ]; then dry=1; shift; fi
if [ $# -ne 1 ]; then
  echo "usage: bash bench/gpu_proof.sh [--dry-run] OUT_DIR" >&2
  exit 2
fi
out="$(mkdir -p "$1" && cd "$1" && pwd)" || exit 2
stages="${STAGES:-system tests throughput learning export}"
goal_timeout_s="${GOAL_TIMEOUT_S:-8}"
if [ "$dry" = 1 ]; then
  device="${DEVICE:-cpu}"; envs="8"; train_args=(--dry-run); tests_k="test_observation_groups_have_the_contract_shapes"
  sim2sim_args=(--num_trials 1 --steps 20); throughput_steps=2; require_cuda=()
  tests_limit_s=0; throughput_limit_s=0; learning_limit_s=0; export_limit_s=0  # 0: no limit
else
  device="${DEVICE:-cuda:0}"; envs="${ENVS:-1024 4096 16384}"; tests_k=""
  train_args=(--budget_min "${TRAIN_MIN:-5}" --num_envs "${TRAIN_ENVS:-8192}" --eval_trials 256 --eval_envs 256
    --baseline_trials "${BASELINE_TRIALS:-64}" --goal_timeout_s "$goal_timeout_s")
  sim2sim_args=(--num_trials 20 --goal_timeout_s "$goal_timeout_s"); throughput_steps=30; require_cuda=(--require_cuda)
  train_s="$("$python" -c "import sys; print(round(float(sys.argv[1]) * 60))" "${TRAIN_MIN:-5}")"
  tests_limit_s="${TESTS_LIMIT_S:-900}"; throughput_limit_s="${THROUGHPUT_LIMIT_S:-900}"
  learning_limit_s="${LEARNING_LIMIT_S:-$((train_s + 900))}"; export_limit_s="${EXPORT_LIMIT_S:-300}"
fi
presets="${PRESETS:-curriculum}"
backends="${BACKENDS:-newton_mjwarp physx}"  # physics presets trained and exported: Newton, then PhysX
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}" PYTHONUNBUFFERED=1 PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
cd "$repo" || exit 2
failed=()
printf "stage\texit_code\tseconds\tpassed\n" >"$out/stages.tsv"
say() { echo "[gpu_proof $(date +%H:%M:%S)] $*"; }
wants() { [[ " $stages " == *" $1 "* ]]; }

# run_stage NAME LIMIT_S LOG COMMAND...: COMMAND > LOG (under `timeout LIMIT_S`, 0: none); records its exit code,
# seconds and whether it passed (its exit code is one of $OK_RC, default 0) in stages.tsv, and NAME in $failed if not
run_stage() {
  local name="$1" limit_s="$2" log="$3"; shift 3
  local start=$SECONDS rc
  timeout --kill-after=30 "$limit_s" "$@" >"$log" 2>&1
  rc=$?
  if [[ " ${OK_RC:-0} " == *" $rc "* ]]; then
    printf "%s\t%s\t%s\tyes\n" "$name" "$rc" "$((SECONDS - start))" >>"$out/stages.tsv"
    return 0
  fi
  printf "%s\t%s\t%s\tno\n" "$name" "$rc" "$((SECONDS - start))" >>"$out/stages.tsv"
  failed+=("$name")
  local why="exit code $rc"
  [ "$rc" -eq 124 ] && why="past its limit of $limit_s s"
  say "    $name FAILED ($why): $log"
  return "$rc"
}

if wants system; then
  say "(0) the machine (nvidia-smi, driver, torch/CUDA versions)"
  if ! run_stage system 0 "$out/system.log" "$python" bench/gpu_system.py --out "$out" "${require_cuda[@]}"; then
    cat "$out/system.log" >&2
    [ "$dry" = 1 ] || { echo "gpu_proof: no usable CUDA device; see above (or use --dry-run)" >&2; exit 1; }
  else
    tail -n 1 "$out/system.log"
  fi
fi

if wants tests; then
  say "(a) fast tests on $device"
  DACTYL_TEST_DEVICE="$device" run_stage tests "$tests_limit_s" "$out/tests.log" \
    "$python" -m pytest -q -x -m "not slow" -p no:cacheprovider tests/task/test_task_env.py ${tests_k:+-k "$tests_k"}
  echo "$?" >"$out/tests.rc"
  say "    tests exit code $(cat "$out/tests.rc") (log: $out/tests.log)"
fi

if wants throughput; then
  say "(b) env-steps/s at $envs envs (ours vs stock), one process per env count"
  : >"$out/env_throughput.log"
  for n in $envs; do
    run_stage "throughput_$n" "$throughput_limit_s" "$out/env_throughput_$n.log" "$python" bench/env_throughput.py \
      --device "$device" --num_envs "$n" --steps "$throughput_steps" --warmup 2 --repeats 1
    cat "$out/env_throughput_$n.log" >>"$out/env_throughput.log"
    tail -n 1 "$out/env_throughput_$n.log"
  done
fi

# (c) and (d) per physics backend: training, evaluation, export and the stand-in score of each backend's policy
for backend in $backends; do
  sfx="$([ "$backend" = newton_mjwarp ] && echo "" || echo "_$backend")"  # Newton keeps the stage names it had
  trained=0
  if wants learning; then
    say "(c) training with presets=$presets,$backend on $device, then evaluation vs baselines"
    # shellcheck disable=SC2086
    run_stage "learning$sfx" "$learning_limit_s" "$out/learning_curve$sfx.log" "$python" bench/learning_curve.py \
      --device "$device" --presets $presets "$backend" --output "$out/learning$sfx" "${train_args[@]}"
    grep -E "verdict|wrote|samples/s" "$out/learning_curve$sfx.log"
    [ -f "$out/learning$sfx/learning_curve.json" ] && trained=1
  fi

  if wants export; then
    say "(d) export the $backend policy and score it in the MuJoCo stand-in"
    if [ "$trained" = 0 ]; then
      failed+=("export$sfx")
      printf "export%s\tskipped\t0\tno\n" "$sfx" >>"$out/stages.tsv"
      say "    export$sfx SKIPPED: no trained policy (no $out/learning$sfx/learning_curve.json)"
    else
      run="$("$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['seeds'][0]['run'])" \
        "$out/learning$sfx/learning_curve.json")"
      if run_stage "export$sfx" "$export_limit_s" "$out/export$sfx.log" \
        "$python" scripts/export.py --checkpoint "$run" --output "$out/policy$sfx.onnx"; then
        # sim2sim exit 1 = fewer trials completed than asked (the dry run stops after --steps): still a report
        OK_RC="0 $([ "$dry" = 1 ] && echo 1)" run_stage "sim2sim$sfx" "$export_limit_s" "$out/sim2sim$sfx.log" \
          "$python" scripts/sim2sim.py --policy "$out/policy$sfx.onnx" --seed 1000 --output "$out/sim2sim$sfx" \
          "${sim2sim_args[@]}"
        tail -n 3 "$out/sim2sim$sfx.log"
      fi
    fi
  fi
done

say "(e) results in $out"
column -t -s $'\t' "$out/stages.tsv" 2>/dev/null || cat "$out/stages.tsv"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "gpu_proof: FAILED stages: ${failed[*]} (logs and stages.tsv in $out)" >&2
  exit 1
fi
say "every stage passed"
