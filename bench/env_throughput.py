#!/usr/bin/env python3
"""Env-steps/s of Dactyl-Reorient-Cube-Shadow vs Isaac Lab's stock Isaac-Reorient-Cube-Shadow (same hand
asset, Newton on this machine's device), measured in one run, with their ratio.

The two tasks step different amounts of simulated time per env step (ours: 80 ms = 10 physics steps;
stock: 1/60 s = 2 physics steps), so the table also gives simulated seconds per wall second.

  python bench/env_throughput.py --num_envs 64 256 --steps 30
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

from dactyl_lab.assets import scene
from dactyl_lab.spec.task import TASK_ID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
from tests.helpers.envs import close_env, make_env  # noqa: E402


def measure(task: str, num_envs: int, steps: int, warmup: int, device: str, **kwargs) -> tuple[float, float]:
    env = make_env(task, num_envs=num_envs, device=device, **kwargs)
    try:
        env.reset()
        u = env.unwrapped
        action = torch.zeros(num_envs, u.action_manager.total_action_dim, device=u.device)
        for _ in range(warmup):
            env.step(action)
        start = time.perf_counter()
        for i in range(steps):
            action.uniform_(-1.0, 1.0)
            env.step(action)
            print(f"\r  {task} @ {num_envs}: step {i + 1}/{steps}", end="", flush=True)
        seconds = time.perf_counter() - start
        print()
        return steps * num_envs / seconds, steps * num_envs * u.step_dt / seconds
    finally:
        close_env(env)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_envs", type=int, nargs="+", default=[64, 256], help="environment counts to measure")
    parser.add_argument("--steps", type=int, default=30, help="timed env steps per measurement")
    parser.add_argument("--warmup", type=int, default=5, help="untimed env steps first (kernel compilation)")
    parser.add_argument("--device", default="cpu", help="simulation device")
    args = parser.parse_args()
    rows = []
    for n in args.num_envs:
        ours = measure(TASK_ID, n, args.steps, args.warmup, args.device)
        stock = measure(
            "Isaac-Reorient-Cube-Shadow",
            n,
            args.steps,
            args.warmup,
            args.device,
            presets=("newton_mjwarp",),
            edit=scene.use_in_stock_shadow_task,
        )
        rows.append((n, ours, stock))
    print(
        f"\n{'envs':>6} | {'ours env-steps/s':>16} | {'stock env-steps/s':>17} | {'ratio':>6} | "
        f"{'ours sim-s/s':>12} | {'stock sim-s/s':>13} | {'ratio':>6}"
    )
    for n, (o_steps, o_sim), (s_steps, s_sim) in rows:
        print(
            f"{n:>6} | {o_steps:>16.1f} | {s_steps:>17.1f} | {o_steps / s_steps:>6.2f} | "
            f"{o_sim:>12.2f} | {s_sim:>13.2f} | {o_sim / s_sim:>6.2f}"
        )


if __name__ == "__main__":
    main()
