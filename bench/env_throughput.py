#!/usr/bin/env python3
"""Env-steps/s of Dactyl-Reorient-Cube-Shadow and of Isaac Lab's stock Isaac-Reorient-Cube-Shadow (on our generated
hand: its Newton USD, or the PhysX layer of dactyl_lab.assets.physx_hand) on PhysX (OvPhysX) and on Newton, in one
run, with the ratios that hold on a shared machine.

Every measurement runs in its own process (OvPhysX keeps per-process state; one Isaac Lab simulation per process).
For each env count the configurations run interleaved, ``--repeats`` rounds, each round in a rotated order, so load
from other jobs hits them alike; each ratio is taken within a round (the pairing ratio) and its median reported.

The tasks step different amounts of simulated time per env step (ours: 80 ms = 10 physics steps of 8 ms; stock:
1/60 s = decimation 2 of 1/120 s), so the tables also give physics steps/s (env-steps/s x decimation), the figure
to compare across tasks, and env-steps per CPU-second of the process (all its threads).

  python bench/env_throughput.py --num_envs 64 256 1024 --steps 20 --repeats 3
  python bench/env_throughput.py --backends newton_mjwarp --no_stock    # ours on Newton only
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dactyl_lab.spec.task import TASK_ID

STOCK = "Isaac-Reorient-Cube-Shadow"
TASKS = {"ours": TASK_ID, "stock": STOCK}
BACKENDS = ("ovphysx", "newton_mjwarp")
"""Physics presets measured by default: OvPhysX (what ``physx`` resolves to kit-less) and Newton (MuJoCo-Warp)."""


def stock_edit(backend: str):
    """The config edit that points the stock task at our local hand for ``backend`` (no cloud host)."""
    from dactyl_lab.assets import physx_scene, scene

    return scene.use_in_stock_shadow_task if backend == "newton_mjwarp" else physx_scene.use_in_stock_shadow_task


def worker(args: argparse.Namespace) -> None:
    """One measurement in this process: build, reset, ``--warmup`` zero-action steps, ``--steps`` timed steps."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers
    import torch
    from tests.helpers.envs import make_env

    stock, num_envs = args.task == STOCK, args.num_envs[0]
    if stock and args.backend != "newton_mjwarp":  # our task applies them itself (tasks/reorient/backends)
        from dactyl_lab.tasks.reorient.backends import ovphysx_workarounds

        ovphysx_workarounds.apply()
    env = make_env(
        args.task,
        num_envs=num_envs,
        device=args.device,
        presets=(args.backend,),
        edit=stock_edit(args.backend) if stock else None,
    )
    env.reset()
    u = env.unwrapped
    action = torch.zeros(num_envs, u.action_manager.total_action_dim, device=u.device)
    for _ in range(args.warmup):
        env.step(action)
    generator = torch.Generator(device=u.device).manual_seed(0)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.steps):
        action.uniform_(-1.0, 1.0, generator=generator)
        env.step(action)
    if u.device.startswith("cuda"):
        torch.cuda.synchronize()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    samples = args.steps * num_envs
    result = {
        "env_steps_per_s": samples / wall,
        "env_steps_per_cpu_s": samples / cpu,
        "step_dt": u.step_dt,
        "physics_dt": u.physics_dt,
        "decimation": u.cfg.decimation,
        "physics": type(u.cfg.sim.physics).__name__,
    }
    Path(args.result).write_text(json.dumps(result))
    os._exit(0)  # skip the slow teardown of the simulation


def measure(task: str, backend: str, num_envs: int, args: argparse.Namespace) -> dict:
    """One measurement in a fresh process; raises with its output's tail when it fails."""
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder, "result.json")
        command = [sys.executable, __file__, "--worker", "--task", task, "--backend", backend, "--result", str(result)]
        command += ["--num_envs", str(num_envs), "--steps", str(args.steps), "--warmup", str(args.warmup)]
        command += ["--device", args.device]
        started = time.perf_counter()
        out = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout_s)
        if out.returncode != 0 or not result.exists():
            raise RuntimeError(f"{task} on {backend} @ {num_envs} failed:\n{out.stdout[-2000:]}\n{out.stderr[-3000:]}")
        r = json.loads(result.read_text())
        print(
            f"  {task:<28} {backend:<13} {num_envs:>5} envs: {r['env_steps_per_s']:8.1f} env-steps/s "
            f"({r['env_steps_per_cpu_s']:.1f} per CPU-s; process {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        return r


def configurations(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(task name, backend) pairs in measurement order."""
    names = ["ours"] + ([] if args.no_stock else ["stock"])
    return [(name, backend) for name in names for backend in args.backends]


def run_rounds(args: argparse.Namespace) -> dict:
    """{num_envs: [{(name, backend): result} per round]}: rounds interleave the configurations, order rotated."""
    configs = configurations(args)
    out = {}
    for n in args.num_envs:
        out[n] = []
        for r in range(args.repeats):
            order = configs[r % len(configs) :] + configs[: r % len(configs)]
            out[n].append({(name, backend): measure(TASKS[name], backend, n, args) for name, backend in order})
    return out


def physics_steps_per_s(result: dict) -> float:
    return result["env_steps_per_s"] * result["decimation"]


def median_ratio(rounds: list[dict], top: tuple[str, str], bottom: tuple[str, str], key) -> tuple[float, float, float]:
    """(median, min, max) over the rounds of key(top) / key(bottom), each ratio within one round."""
    ratios = [key(r[top]) / key(r[bottom]) for r in rounds if top in r and bottom in r]
    return statistics.median(ratios), min(ratios), max(ratios)


def summary_rows(results: dict, args: argparse.Namespace) -> list[dict]:
    """One row per env count and configuration: min / median env-steps/s, physics steps/s, per CPU-second."""
    rows = []
    for n, rounds in results.items():
        for config in configurations(args):
            runs = [r[config] for r in rounds]
            steps = [r["env_steps_per_s"] for r in runs]
            rows.append(
                {
                    "num_envs": n,
                    "task": config[0],
                    "backend": config[1],
                    "env_steps_per_s_min": min(steps),
                    "env_steps_per_s_median": statistics.median(steps),
                    "physics_steps_per_s_median": statistics.median(physics_steps_per_s(r) for r in runs),
                    "env_steps_per_cpu_s_median": statistics.median(r["env_steps_per_cpu_s"] for r in runs),
                    "decimation": runs[0]["decimation"],
                    "physics_dt": runs[0]["physics_dt"],
                }
            )
    return rows


def ratio_rows(results: dict, args: argparse.Namespace) -> list[dict]:
    """Pairing ratios per env count: PhysX / Newton per task, ours / stock per physics step on each backend."""
    wall, cpu = physics_steps_per_s, lambda r: r["env_steps_per_cpu_s"] * r["decimation"]
    rows = []
    for n, rounds in results.items():
        pairs = []
        if len(args.backends) == 2:
            physx, newton = args.backends
            for name in ["ours"] + ([] if args.no_stock else ["stock"]):
                pairs.append((f"{name}: {physx} / {newton}", (name, physx), (name, newton)))
        if not args.no_stock:
            for backend in args.backends:
                pairs.append((f"ours / stock per physics step, {backend}", ("ours", backend), ("stock", backend)))
        for label, top, bottom in pairs:
            rows.append(
                {
                    "num_envs": n,
                    "ratio": label,
                    "wall": median_ratio(rounds, top, bottom, wall),
                    "cpu": median_ratio(rounds, top, bottom, cpu),
                }
            )
    return rows


def print_tables(summary: list[dict], ratios: list[dict], args: argparse.Namespace) -> None:
    print(
        f"\n{'envs':>6} | {'task':<5} | {'backend':<13} | {'env-steps/s min':>15} | {'median':>8} | "
        f"{'physics steps/s':>15} | {'env-steps/CPU-s':>15}"
    )
    for r in summary:
        print(
            f"{r['num_envs']:>6} | {r['task']:<5} | {r['backend']:<13} | {r['env_steps_per_s_min']:>15.1f} | "
            f"{r['env_steps_per_s_median']:>8.1f} | {r['physics_steps_per_s_median']:>15.0f} | "
            f"{r['env_steps_per_cpu_s_median']:>15.1f}"
        )
    print(f"\n{'envs':>6} | {'ratio (median of rounds, [min, max])':<44} | {'wall':>18} | {'per CPU-s':>18}")
    for r in ratios:
        w, c = r["wall"], r["cpu"]
        print(
            f"{r['num_envs']:>6} | {r['ratio']:<44} | {w[0]:>6.2f} [{w[1]:.2f}, {w[2]:.2f}] | "
            f"{c[0]:>6.2f} [{c[1]:.2f}, {c[2]:.2f}]"
        )
    print_legacy_table(summary)
    print(
        f"({args.repeats} round(s) of {args.steps} timed random-action steps after {args.warmup} warm-up steps; "
        f"device {args.device}; median env-steps/s; physics steps/s = env-steps/s x decimation)"
    )


def print_legacy_table(summary: list[dict]) -> None:
    """Ours against the stock task per backend (env-steps/s medians; the table bench/gpu_proof.sh logs)."""
    by = {(r["num_envs"], r["task"], r["backend"]): r for r in summary}
    print(f"\n{'envs':>6} | {'backend':<13} | {'ours env-steps/s':>16} | {'stock env-steps/s':>17} | {'ratio':>6}")
    for (n, task, backend), r in by.items():
        stock = by.get((n, "stock", backend))
        if task != "ours" or stock is None:
            continue
        o, s = r["env_steps_per_s_median"], stock["env_steps_per_s_median"]
        print(f"{n:>6} | {backend:<13} | {o:>16.1f} | {s:>17.1f} | {o / s:>6.2f}")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_envs", type=int, nargs="+", default=[64, 256, 1024], help="environment counts")
    parser.add_argument("--steps", type=int, default=20, help="timed env steps per measurement")
    parser.add_argument("--warmup", type=int, default=3, help="untimed env steps first (kernel compilation)")
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds per env count")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), help="physics presets to measure")
    parser.add_argument("--no_stock", action="store_true", help="skip Isaac Lab's stock task")
    parser.add_argument("--device", default="cpu", help="simulation device")
    parser.add_argument("--timeout_s", type=float, default=1800.0, help="limit of one measurement's process [s]")
    parser.add_argument("--json", default=None, help="also write the results to this JSON file")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--task", default=TASK_ID, help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="newton_mjwarp", help=argparse.SUPPRESS)
    parser.add_argument("--result", default=None, help=argparse.SUPPRESS)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.worker:
        worker(args)
        return
    results = run_rounds(args)
    summary, ratios = summary_rows(results, args), ratio_rows(results, args)
    print_tables(summary, ratios, args)
    if args.json:
        rounds = {n: [{f"{k[0]}/{k[1]}": v for k, v in r.items()} for r in rs] for n, rs in results.items()}
        Path(args.json).write_text(json.dumps({"summary": summary, "ratios": ratios, "rounds": rounds}, indent=1))


if __name__ == "__main__":
    main()
