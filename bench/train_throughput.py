#!/usr/bin/env python3
"""Training samples/s (simulation + policy inference + PPO update) with RSL-RL on this machine's device:
Dactyl-Reorient-Cube-Shadow on 1 and 2 ranks (gloo on the CPU, NCCL on GPUs), and Isaac Lab's stock
Isaac-Reorient-Cube-Shadow (on our hand asset) trained with the same library and settings, on each physics backend of
``--backends`` (``newton_mjwarp``, ``ovphysx``: OvPhysX, what ``presets=physx`` resolves to kit-less).

Same settings for both tasks: dactyl_lab.agents.rsl_rl_cfg.DactylFFPPORunnerCfg (16 steps per env and
iteration, MLP 512-512-256, 4 epochs x 4 mini-batches) and the runner scripts/train.py uses. The stock task
has no privileged critic group, so its critic sees the policy observations. Each configuration runs in fresh
processes (one per rank, under torchrun); one untimed iteration first (kernel compilation, first resets).
A sample is one env step of one env; ours simulate 80 ms per step, the stock task 1/60 s (see env_throughput.py).
Every rank runs with OMP_NUM_THREADS=--threads (torchrun sets 1 for its workers; a plain process would use
every core, so the comparison would not be fair). On this shared 2-core machine torch's default 2 threads made
the single-process PPO update about 60x slower (OpenMP threads spinning against the simulation and other jobs).

  python bench/train_throughput.py --num_envs 16 --iterations 3
  python bench/train_throughput.py --num_envs 256 --ranks 1 --backends ovphysx newton_mjwarp --no_stock
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dactyl_lab.spec.task import TASK_ID

OURS, STOCK = TASK_ID, "Isaac-Reorient-Cube-Shadow"


def worker(args: argparse.Namespace) -> None:
    """One rank: build the env and the runner, train one untimed then ``--iterations`` timed iterations."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
    from tests.helpers.envs import make_env
    from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper

    from dactyl_lab.agents.rsl_rl_cfg import DactylFFPPORunnerCfg
    from dactyl_lab.assets import physx_scene, scene
    from dactyl_lab.training import distributed
    from dactyl_lab.training.rsl_rl_runner import build

    rank = distributed.from_env()
    # every rank its own GPU (cuda:LOCAL_RANK, or cuda:0 with one visible GPU per rank); rsl_rl refuses ranks
    # that share one
    device = distributed.device_for(rank, args.device) if rank.world_size > 1 else args.device
    stock, newton = args.task == STOCK, args.backend == "newton_mjwarp"
    if stock and not newton:  # our task applies them itself (tasks/reorient/backends)
        from dactyl_lab.tasks.reorient.backends import ovphysx_workarounds

        ovphysx_workarounds.apply()
    env = make_env(
        args.task,
        num_envs=args.num_envs,
        seed=args.seed + rank.rank,
        device=device,
        presets=(args.backend,),
        edit=(scene.use_in_stock_shadow_task if newton else physx_scene.use_in_stock_shadow_task) if stock else None,
    )
    env = RslRlVecEnvWrapper(env)
    cfg = DactylFFPPORunnerCfg(device=device, seed=args.seed + rank.rank)
    if stock:
        cfg.obs_groups = {"actor": ["policy"], "critic": ["policy"]}
    runner = build(env, cfg)
    times = {"collect": 0.0, "learn": 0.0}
    log = runner.logger.log

    def timed_log(**kwargs):
        times["collect"] += kwargs["collect_time"]
        times["learn"] += kwargs["learn_time"]
        log(**kwargs)

    runner.logger.log = timed_log
    runner.learn(1)  # untimed: compilation, first resets
    times.update(collect=0.0, learn=0.0)
    start = time.perf_counter()
    runner.learn(args.iterations)
    seconds = time.perf_counter() - start
    if rank.is_main:
        samples = args.iterations * cfg.num_steps_per_env * args.num_envs * rank.world_size
        result = {"samples_per_s": samples / seconds, "step_dt": env.unwrapped.step_dt, "seconds": seconds, **times}
        Path(args.result).write_text(json.dumps(result))
    env.close()
    os._exit(0)  # skip the slow teardown of the simulation


def measure(task: str, backend: str, ranks: int, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder, "result.json")
        launcher = (
            [sys.executable]
            if ranks == 1
            else [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={ranks}"]
        )
        command = launcher + [
            __file__,
            "--worker",
            "--task",
            task,
            "--backend",
            backend,
            "--result",
            str(result),
            "--device",
            args.device,
            "--num_envs",
            str(args.num_envs),
            "--iterations",
            str(args.iterations),
            "--seed",
            str(args.seed),
        ]
        print(f"  {task} on {backend}, {ranks} rank(s) x {args.num_envs} envs ...", flush=True)
        env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
        out = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env)
        if out.returncode != 0 or not result.exists():
            tail = f"{out.stdout[-2000:]}\n{out.stderr[-3000:]}"
            raise RuntimeError(f"{task} on {backend}, {ranks} rank(s) failed:\n{tail}")
        return json.loads(result.read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_envs", type=int, default=16, help="environments per rank")
    parser.add_argument("--iterations", type=int, default=3, help="timed training iterations")
    parser.add_argument("--ranks", type=int, nargs="+", default=[1, 2], help="rank counts to measure on our task")
    parser.add_argument(
        "--device",
        default="cpu",
        help="simulation and training device: cpu, or cuda (with several ranks each rank takes cuda:LOCAL_RANK)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1, help="OMP_NUM_THREADS of every rank (default: %(default)s)")
    parser.add_argument(
        "--backends", nargs="+", default=["newton_mjwarp"], help="physics presets (newton_mjwarp, ovphysx, physx)"
    )
    parser.add_argument("--no_stock", action="store_true", help="skip Isaac Lab's stock task")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--task", default=OURS, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="newton_mjwarp", help=argparse.SUPPRESS)
    parser.add_argument("--result", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    runs = [(OURS, b, r) for b in args.backends for r in args.ranks]
    runs += [] if args.no_stock else [(STOCK, b, 1) for b in args.backends]
    rows = [(task, backend, ranks, measure(task, backend, ranks, args)) for task, backend, ranks in runs]
    base = rows[0][3]["samples_per_s"]
    print(
        f"\n{'task':<28} | {'backend':<13} | {'ranks':>5} | {'envs/rank':>9} | {'samples/s':>9} | {'vs first':>8} | "
        f"{'sim-s/s':>7} | {'collect s':>9} | {'update s':>8}"
    )
    for task, backend, ranks, r in rows:
        print(
            f"{task:<28} | {backend:<13} | {ranks:>5} | {args.num_envs:>9} | {r['samples_per_s']:>9.1f} | "
            f"{r['samples_per_s'] / base:>8.2f} | {r['samples_per_s'] * r['step_dt']:>7.2f} | "
            f"{r['collect']:>9.2f} | {r['learn']:>8.2f}"
        )
    print(
        f"({args.iterations} timed iterations of 16 steps per env; device {args.device}; {args.threads} thread(s) "
        "per rank; sim-s/s: simulated seconds per wall second; collect / update: rank 0's seconds over the timed "
        "iterations)"
    )


if __name__ == "__main__":
    main()
