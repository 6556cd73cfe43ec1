#!/usr/bin/env python3
"""The task at scale on this machine's device: build and step Dactyl-Reorient-Cube-Shadow with 256, 1,024 and
4,096 envs per preset (default, randomized, adr) and report memory per env, env-steps/s and the cost of a
randomized reset.

Each (preset, num_envs) runs in a fresh process (Isaac Lab allows one simulation per process):
* memory: the process's resident set size (VmRSS) after the env is built and has stepped, minus the RSS before
  the build (torch, Warp and Isaac Lab imported), divided by num_envs; peak (VmHWM) as well. On CUDA, add
  torch's and Warp's device memory (not measured here);
* env-steps/s: ``--steps`` env steps of random actions after ``--warmup`` untimed ones;
* model-change cost: Newton's ``notify_model_changed`` with the flags a randomized reset raises (masses,
  shapes, dof and actuator properties, gravity), timed alone: the part of a reset that scales with all envs;
* reset cost: ``env.unwrapped._reset_idx`` of ``--reset_envs`` envs (the preset's reset events: physics
  re-randomization, ADR) plus the next env step (where Newton applies the model changes), minus a plain step.
  If it grows with num_envs for a fixed number of resetting envs, the re-randomization costs O(all envs).

  python bench/scale.py                                    # every preset at 256, 1024, 4096 envs
  python bench/scale.py --presets default --num_envs 256 1024 --steps 3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

PRESETS = {"default": (), "randomized": ("randomized",), "adr": ("adr",)}


def rss_mib(field: str = "VmRSS") -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker(args: argparse.Namespace) -> None:
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
    import isaaclab  # noqa: F401
    import warp  # noqa: F401
    from tests.helpers.envs import make_env

    before = rss_mib()
    start = time.perf_counter()
    env = make_env(num_envs=args.num_envs, seed=0, presets=PRESETS[args.preset], device=args.device)
    env.reset()
    build_s = time.perf_counter() - start
    u = env.unwrapped
    action = torch.zeros(u.num_envs, u.action_manager.total_action_dim, device=u.device)
    for _ in range(args.warmup):
        env.step(action)
    step_s = []
    for _ in range(args.steps):
        action.uniform_(-1.0, 1.0)
        t = time.perf_counter()
        env.step(action)
        step_s.append(time.perf_counter() - t)
    reset_s = []
    ids = torch.arange(min(args.reset_envs, u.num_envs), device=u.device)
    for _ in range(args.resets):
        t = time.perf_counter()
        u._reset_idx(ids)
        env.step(action)
        reset_s.append(time.perf_counter() - t)
    notify_s = model_change_seconds(u, repeats=3)
    plain = sorted(step_s)[len(step_s) // 2]
    result = {
        "preset": args.preset,
        "num_envs": args.num_envs,
        "build_s": build_s,
        "env_steps_per_s": args.num_envs * len(step_s) / sum(step_s),
        "median_step_s": plain,
        "reset_plus_step_s": sorted(reset_s)[len(reset_s) // 2],
        "reset_overhead_s": sorted(reset_s)[len(reset_s) // 2] - plain,
        "notify_s": notify_s,
        "rss_mib": rss_mib(),
        "peak_mib": rss_mib("VmHWM"),
        "mib_per_env": (rss_mib() - before) / args.num_envs,
    }
    Path(args.result).write_text(json.dumps(result))
    os._exit(0)  # skip the slow teardown of the simulation


def model_change_seconds(u, repeats: int) -> float:
    """Median seconds of the solver update a randomized reset triggers at the next step (Newton's
    ``notify_model_changed`` with the flags our reset terms and Isaac Lab's setters raise): it runs over every
    world, whatever the number of envs that reset."""
    from newton import ModelFlags

    solver = u.sim.physics_manager._solver
    flags = (
        ModelFlags.BODY_INERTIAL_PROPERTIES
        | ModelFlags.SHAPE_PROPERTIES
        | ModelFlags.JOINT_DOF_PROPERTIES
        | ModelFlags.ACTUATOR_PROPERTIES
        | ModelFlags.MODEL_PROPERTIES
    )
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        solver.notify_model_changed(flags)
        times.append(time.perf_counter() - t)
    return sorted(times)[len(times) // 2]


def measure(preset: str, num_envs: int, args: argparse.Namespace) -> dict | None:
    result = Path(f"/tmp/dactyl_scale_{os.getpid()}_{preset}_{num_envs}.json")
    command = [
        sys.executable,
        __file__,
        "--worker",
        "--preset",
        preset,
        "--num_envs",
        str(num_envs),
        "--steps",
        str(args.steps),
        "--warmup",
        str(args.warmup),
        "--resets",
        str(args.resets),
        "--reset_envs",
        str(args.reset_envs),
        "--device",
        args.device,
        "--result",
        str(result),
    ]
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
    from tests.helpers.workers import run_worker

    return run_worker(command, result, f"{preset} @ {num_envs} envs", args.timeout_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", nargs="+", default=list(PRESETS), choices=list(PRESETS), help="task presets")
    parser.add_argument("--num_envs", type=int, nargs="+", default=[256, 1024, 4096], help="env counts")
    parser.add_argument("--steps", type=int, default=5, help="timed env steps per measurement")
    parser.add_argument("--warmup", type=int, default=2, help="untimed env steps first (kernel compilation)")
    parser.add_argument("--resets", type=int, default=3, help="timed resets (+ next step) per measurement")
    parser.add_argument("--reset_envs", type=int, default=8, help="envs reset at once in the reset measurement")
    parser.add_argument("--device", default="cpu", help="simulation device")
    parser.add_argument("--timeout_s", type=float, default=1800, help="give up on one measurement after this")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--preset", default="default", help=argparse.SUPPRESS)
    parser.add_argument("--result", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.num_envs = args.num_envs[0]
        worker(args)
        return
    rows = [r for p in args.presets for n in args.num_envs if (r := measure(p, n, args)) is not None]
    print(
        f"\n{'preset':<10} | {'envs':>5} | {'env-steps/s':>11} | {'step s':>7} | {'reset+step s':>12} | "
        f"{'reset overhead s':>16} | {'notify s':>8} | {'MiB/env':>7} | {'RSS MiB':>7} | {'build s':>7}"
    )
    for r in rows:
        print(
            f"{r['preset']:<10} | {r['num_envs']:>5} | {r['env_steps_per_s']:>11.1f} | {r['median_step_s']:>7.2f} | "
            f"{r['reset_plus_step_s']:>12.2f} | {r['reset_overhead_s']:>16.2f} | "
            f"{r.get('notify_s', math.nan):>8.3f} | "
            f"{r['mib_per_env']:>7.3f} | {r['rss_mib']:>7.0f} | {r['build_s']:>7.0f}"
        )
    print(f"(device {args.device}; {args.steps} timed steps, {args.resets} resets of {args.reset_envs} envs each)")


if __name__ == "__main__":
    main()
