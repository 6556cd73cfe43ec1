#!/usr/bin/env python3
"""Per-step cost of randomized resets with the physics re-randomization at each reset (K = 1) or batched every K
control steps (``randomization.physics_resample_interval_steps``, tasks/reorient/mdp/physics_cohort.py).

At thousands of envs some env resets on almost every step, and each step with a physics re-randomization pays
Newton's ``notify_model_changed`` over all worlds at the next physics step. This bench reproduces that regime at
a few hundred envs: before each timed step the cubes of ``--drops_per_step`` envs (round-robin) are lifted 0.5 m, so
the step's ``object_dropped`` resets them (the randomized preset re-randomizes their physics). It wraps the
solver's ``notify_model_changed`` to count its calls and time them, counts MuJoCo-Warp's ``set_const_0`` (the model
rebuild over every world that the mass, joint-DOF and actuator changes each need; one per update since the flags of
a step are folded into one notification, three before), and times every env step (wall and this process's CPU
time). Each (num_envs, K) runs in a fresh process (one Isaac Lab simulation per process).

  python bench/physics_cohort.py                                  # 256 and 1,024 envs, K = 1 and 8
  python bench/physics_cohort.py --num_envs 256 --intervals 1 4 8 --steps 16
  python bench/physics_cohort.py --intervals 1 --unfolded          # before the fold: each flag notified on its own
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path


def worker(args: argparse.Namespace) -> None:
    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
    from dactyl_lab.tasks.reorient.mdp.newton_internals import mjwarp_solver
    from tests.helpers.envs import make_env

    def edit(cfg):
        cfg.randomization.physics_resample_interval_steps = args.interval

    if args.unfolded:  # bench-only: notify the flags one by one, as before they were folded into one
        from dactyl_lab.tasks.reorient.mdp import physics_cohort

        physics_cohort.coalesce_model_changes = lambda manager: 0
    start = time.perf_counter()
    env = make_env(num_envs=args.num_envs, seed=0, presets=(args.preset,), device=args.device, edit=edit)
    env.reset()
    build_s = time.perf_counter() - start
    u = env.unwrapped
    action = torch.zeros(u.num_envs, u.action_manager.total_action_dim, device=u.device)
    for _ in range(args.warmup):
        env.step(action)

    solver = mjwarp_solver()
    notify = solver.notify_model_changed
    notify_s, notify_cpu_s, notify_steps = [], [], set()

    def timed_notify(flags):
        t, c = time.perf_counter(), time.process_time()
        notify(flags)
        notify_s.append(time.perf_counter() - t)
        notify_cpu_s.append(time.process_time() - c)
        notify_steps.add(u.common_step_counter)

    solver.notify_model_changed = timed_notify  # a bench-only wrapper of the solver's public method
    import mujoco_warp

    set_const_0, set_const_calls = mujoco_warp.set_const_0, []

    def counted_set_const_0(*a, **kw):
        set_const_calls.append(u.common_step_counter)
        return set_const_0(*a, **kw)

    mujoco_warp.set_const_0 = counted_set_const_0  # bench-only: the solver calls it through the module
    cube = u.scene["object"]
    step_s, cpu_s, resets, next_drop = [], [], 0, 0
    for _ in range(args.steps):
        ids = (torch.arange(args.drops_per_step, device=u.device) + next_drop) % u.num_envs
        next_drop += args.drops_per_step
        pose = cube.data.root_pose_w.torch[ids].clone()
        pose[:, 2] += 0.5
        cube.write_root_pose_to_sim_index(root_pose=pose, env_ids=ids)
        action.uniform_(-1.0, 1.0)
        t, c = time.perf_counter(), time.process_time()
        _, _, terminated, truncated, _ = env.step(action)
        step_s.append(time.perf_counter() - t)
        cpu_s.append(time.process_time() - c)
        resets += int((terminated | truncated).sum())
    result = {
        "preset": args.preset,
        "num_envs": args.num_envs,
        "interval_steps": args.interval,
        "folded": not args.unfolded,
        "steps": args.steps,
        "resets": resets,
        "build_s": build_s,
        "median_step_s": sorted(step_s)[len(step_s) // 2],
        "mean_step_s": sum(step_s) / len(step_s),
        "mean_step_cpu_s": sum(cpu_s) / len(cpu_s),
        "notify_calls": len(notify_s),
        "notify_steps": len(notify_steps),
        "notify_s_per_step": sum(notify_s) / args.steps,
        "notify_s_per_update": sum(notify_s) / max(1, len(notify_steps)),
        "notify_cpu_s_per_step": sum(notify_cpu_s) / args.steps,
        "set_const_calls": len(set_const_calls),
        "set_const_per_update": len(set_const_calls) / max(1, len(notify_steps)),
        "physics_applications": u.event_manager.get_term_cfg("physics").func.applications,
    }
    Path(args.result).write_text(json.dumps(result))
    os._exit(0)  # skip the slow teardown of the simulation


def measure(num_envs: int, interval: int, args: argparse.Namespace) -> dict | None:
    result = Path(f"/tmp/dactyl_cohort_{os.getpid()}_{num_envs}_{interval}.json")
    command = [sys.executable, __file__, "--worker", "--num_envs", str(num_envs), "--interval", str(interval)]
    command += ["--steps", str(args.steps), "--warmup", str(args.warmup), "--drops_per_step", str(args.drops_per_step)]
    command += ["--preset", args.preset, "--device", args.device, "--result", str(result)]
    command += ["--unfolded"] if args.unfolded else []
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
    from tests.helpers.workers import run_worker

    return run_worker(command, result, f"{args.preset} @ {num_envs} envs, K = {interval}", args.timeout_s)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_envs", type=int, nargs="+", default=[256, 1024], help="env counts")
    parser.add_argument("--intervals", type=int, nargs="+", default=[1, 8], help="K values to compare")
    parser.add_argument("--steps", type=int, default=8, help="timed env steps, each with forced resets")
    parser.add_argument("--warmup", type=int, default=1, help="untimed env steps first (kernel compilation)")
    parser.add_argument("--drops_per_step", type=int, default=4, help="envs whose cube is dropped before each step")
    parser.add_argument("--preset", default="randomized", choices=["randomized", "adr"], help="task preset")
    parser.add_argument("--device", default="cpu", help="simulation device")
    parser.add_argument(
        "--unfolded", action="store_true", help="notify each model-change flag separately (the cost before the fold)"
    )
    parser.add_argument("--timeout_s", type=float, default=1800, help="give up on one measurement after this")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--interval", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--result", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        args.num_envs = args.num_envs[0]
        worker(args)
        return
    rows = [r for n in args.num_envs for k in args.intervals if (r := measure(n, k, args)) is not None]
    print(
        f"\n{'envs':>5} | {'K':>2} | {'resets':>6} | {'step s (median)':>15} | {'step CPU s':>10} | "
        f"{'notify steps':>12} | {'notify s / step':>15} | {'notify CPU s / step':>19} | {'notify s / update':>17} | "
        f"{'set_const / update':>18}"
    )
    for r in rows:
        print(
            f"{r['num_envs']:>5} | {r['interval_steps']:>2} | {r['resets']:>6} | {r['median_step_s']:>15.2f} | "
            f"{r['mean_step_cpu_s']:>10.2f} | {r['notify_steps']:>5} / {r['steps']:<4} | "
            f"{r['notify_s_per_step']:>15.3f} | {r['notify_cpu_s_per_step']:>19.3f} | "
            f"{r['notify_s_per_update']:>17.3f} | {r['set_const_per_update']:>18.1f}"
        )
    folded = "flags notified one by one (--unfolded)" if args.unfolded else "flags folded into one update per step"
    print(
        f"(preset {args.preset}, device {args.device}; {args.steps} timed steps, {args.drops_per_step} drops each; "
        f"{folded})"
    )


if __name__ == "__main__":
    main()
