#!/usr/bin/env python3
"""The sim2sim gap of a trained policy in one command: the same trials on the Newton task (scripts/evaluate.py)
and on the MuJoCo stand-in (scripts/sim2sim.py) with the task's solver settings and with MuJoCo's defaults
(``--standin_physics task`` / ``mujoco-default``); prints goals per episode and drops for each.

  python bench/parity_sim2sim.py --checkpoint logs/rsl_rl/dactyl_reorient_ff/<run> --num_trials 64 --goal_timeout_s 8

The ONNX policy defaults to ``<run>/exported/policy.onnx`` (make it with scripts/export.py --checkpoint <run>).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from dactyl_lab.spec import task as tc
from dactyl_lab.argtypes import renamed

ROOT = Path(__file__).resolve().parents[1]
PHYSICS = ("task", "mujoco-default")


def run(cmd: list[str]) -> None:
    print("[sim2sim gap] " + " ".join(cmd), flush=True)
    code = subprocess.call(cmd)
    if code not in (0, 1):  # sim2sim exits 1 when --steps cut trials short; the report says so
        raise SystemExit(f"error: {cmd[1]} exited with code {code}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, type=Path, help="RSL-RL / rl-games run folder or checkpoint")
    parser.add_argument("--policy", type=Path, default=None, help="exported ONNX (default <run>/exported/policy.onnx)")
    trials = parser.add_argument("--num_trials", type=int, default=64, help="trials per simulator (default 64)")
    renamed(parser, trials, "--trials")
    timeout = parser.add_argument(
        "--goal_timeout_s",
        type=float,
        default=tc.GOAL_TIMEOUT_S,
        help="per-goal timeout [s] (default %(default)g, training's)",
    )
    renamed(parser, timeout, "--goal-timeout")
    parser.add_argument("--seed", type=int, default=123, help="seed (default 123)")
    parser.add_argument("--device", default="cpu", help="Newton device (default cpu)")
    parser.add_argument("--backend", default="rsl_rl", help="RL library of the checkpoint (default rsl_rl)")
    parser.add_argument("--variant", default="ff", help="policy variant of the checkpoint, as train.py (default ff)")
    renamed(
        parser,
        parser.add_argument("--output", type=Path, default=None, help="output folder (default <run>/sim2sim_gap)"),
        "--out",
    )
    args = parser.parse_args()
    run_dir = args.checkpoint if args.checkpoint.is_dir() else args.checkpoint.parent
    policy = args.policy or run_dir / "exported" / "policy.onnx"
    if not args.checkpoint.exists() or not policy.is_file():
        print(
            f"error: need the checkpoint {args.checkpoint} and its ONNX export {policy}; export with "
            f"scripts/export.py --checkpoint {args.checkpoint} (or pass --policy)",
            file=sys.stderr,
        )
        return 2
    out = args.output or run_dir / "sim2sim_gap"
    py = sys.executable
    run(
        [
            py,
            str(ROOT / "scripts" / "evaluate.py"),
            "--backend",
            args.backend,
            "--variant",
            args.variant,
            "--checkpoint",
            str(args.checkpoint),
            "--num_trials",
            str(args.num_trials),
            "--goal_timeout_s",
            str(args.goal_timeout_s),
            "--seed",
            str(args.seed),
            "--device",
            args.device,
            "--output",
            str(out / "newton"),
        ]
    )
    newton = json.loads((out / "newton" / "evaluation.json").read_text())["summary"]
    rows = [
        (
            "newton task",
            newton["mean"],
            newton["median"],
            newton["ended_by"].get("object_dropped", 0),
            newton["num_trials"],
        )
    ]
    for physics in PHYSICS:
        folder = out / f"standin_{physics}"
        run(
            [
                py,
                str(ROOT / "scripts" / "sim2sim.py"),
                "--policy",
                str(policy),
                "--num_trials",
                str(args.num_trials),
                "--goal_timeout_s",
                str(args.goal_timeout_s),
                "--seed",
                str(args.seed),
                "--output",
                str(folder),
                "--keep_log",
                "--standin_physics",
                physics,
            ]
        )
        report = json.loads((folder / "report.json").read_text())
        rows.append(
            (
                f"stand-in {physics}",
                report["mean"],
                report["median"],
                (report["outcomes"] or {}).get("drop", 0),
                report["completed_trials"],
            )
        )
    lines = ["| simulator | goals per episode (mean) | median | drops | trials |", "|---|---|---|---|---|"]
    lines += [
        f"| {name} | {mean:.2f} | {median:g} | {drops} ({100 * drops / max(n, 1):.1f} %) | {n} |"
        for name, mean, median, drops, n in rows
    ]
    table = "\n".join(lines) + "\n"
    (out / "sim2sim_gap.md").write_text(table)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
