"""Sim2sim: an exported policy on the MuJoCo stand-in hand, scored with the Dactyl paper's protocol.

Protocol (arXiv 1808.00177, sec. 6): a trial starts with the cube in the palm and a random goal orientation;
each time the orientation error drops below the contract's success threshold (0.4 rad) a success is counted and
the next goal is drawn. A trial ends when the cube drops, when a goal is not reached within the per-goal
timeout (80 s), or at 50 consecutive successes. Reported: the consecutive successes of each trial, their mean,
median and max (plus min, std and how the trials ended when a step log is kept).

The run itself is the real-hand runtime's (``dactyl_lab.runtime.cli.main`` with ``--hand mujoco --realtime off``):
the same contract checks, observation builder, action processing, safety layer, simulated noisy and delayed
tracker, goal sampler and success counter as on the robot. Needs numpy, onnxruntime, mujoco and matplotlib only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from dactyl_lab import task_constants

OWNED_RUNTIME_FLAGS = (
    "--policy",
    "--hand",
    "--realtime",
    "--episodes",
    "--summary-json",
    "--log",
    "--no-log",
    "--steps",
    "--goal-timeout",
    "--max-successes",
    "--seed",
)
"""dactyl-lab-runtime flags that sim2sim sets itself (others pass through)."""


DESCRIPTION = """\
Run an exported Dactyl policy on the MuJoCo stand-in hand and score it with the Dactyl paper's protocol:
consecutive successes per trial (goal reached = orientation error below the contract's threshold, 0.4 rad; a
trial ends on a drop, when a goal is not reached within --goal-timeout seconds, or at --max-successes), reported
as mean, median and max over --trials trials in a JSON report, with a histogram PNG.

The run is dactyl-lab-runtime's own loop on its MuJoCo stand-in (--hand mujoco --realtime off): the contract
checks, observation, action processing, safety layer and a simulated noisy, delayed tracker of the real-hand
runtime. Flags not listed here go to it, e.g. --pos-noise 0 0 --rot-noise 0 0 --tracker-latency 0
--fall-distance 0.12 (see dactyl-lab-runtime --help).

Exit codes: 0 all trials finished, 1 stopped early (--max-steps), 2 error (bad policy or flags)."""


class Sim2SimError(RuntimeError):
    pass


def success_stats(counts: list[int]) -> dict[str, Any]:
    """mean, median, max, min, std (population) of consecutive successes per trial (None when no trial ended)."""
    if not counts:
        return {"mean": None, "median": None, "max": None, "min": None, "std": None}
    return {
        "mean": statistics.fmean(counts),
        "median": statistics.median(counts),
        "max": max(counts),
        "min": min(counts),
        "std": statistics.pstdev(counts),
    }


def episode_outcomes(log_path: Path) -> list[str]:
    """How each finished trial ended ('drop', 'timeout', 'max_successes'), from a runtime step log."""
    from dactyl_lab.runtime.log import RunLog

    return [step["episode_outcome"] for step in RunLog(log_path).steps if step.get("phase") == "episode_end"]


def write_histogram(counts: list[int], cap: int, path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    fig, ax = plt.subplots(figsize=(7, 4), dpi=100)
    ax.hist(counts, bins=np.arange(-0.5, cap + 1.5, 1.0), color="tab:blue", edgecolor="black")
    stats = success_stats(counts)
    if counts:
        ax.axvline(stats["mean"], color="tab:red", linestyle="--", label=f"mean {stats['mean']:.2f}")
        ax.axvline(stats["median"], color="tab:green", linestyle=":", label=f"median {stats['median']:g}")
        ax.legend()
    ax.set_xlim(-0.5, cap + 0.5)
    ax.set_xlabel(f"consecutive successes per trial (cap {cap})")
    ax.set_ylabel("trials")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)


def run_sim2sim(
    policy: str | Path,
    trials: int = 10,
    goal_timeout_s: float = task_constants.EVAL_GOAL_TIMEOUT_S,
    max_successes: int = task_constants.MAX_CONSECUTIVE_SUCCESSES,
    seed: int = 0,
    out_dir: str | Path | None = None,
    keep_log: bool = False,
    max_steps: int | None = None,
    runtime_args: list[str] | tuple[str, ...] = (),
    video=None,
    video_trials: int = 1,
) -> dict[str, Any]:
    """Run ``trials`` trials through the runtime's CLI on the stand-in; write report.json and histogram.png.

    Args:
        keep_log: keep the runtime's JSON-lines step log (``out_dir/run.jsonl``); adds how each trial ended.
        max_steps: stop after this many control steps even if trials remain (the report says so).
        runtime_args: further dactyl-lab-runtime flags (tracker noise and latency, fall distance, ...).
        video: a :class:`dactyl_lab.render.options.VideoOptions` to record the first ``video_trials`` trials as
            ``out_dir/videos/trial_<i>.mp4`` (MuJoCo offscreen rendering), or None.
    """
    from dactyl_lab.contract import read_contract
    from dactyl_lab.runtime import cli as runtime_cli

    policy = Path(policy)
    if not policy.is_file():
        raise Sim2SimError(f"policy {policy} does not exist; export one with scripts/export.py --checkpoint ...")
    if trials < 1 or max_successes < 1 or not goal_timeout_s > 0:
        raise Sim2SimError("--trials and --max-successes must be >= 1 and --goal-timeout > 0")
    owned = [a for a in runtime_args if a.split("=")[0] in OWNED_RUNTIME_FLAGS]
    if owned:
        raise Sim2SimError(f"{owned} are set by sim2sim itself; use its own flags (see --help)")
    out = Path(out_dir) if out_dir is not None else policy.parent / f"sim2sim_{policy.stem}"
    out.mkdir(parents=True, exist_ok=True)
    summary_path, log_path = out / "runtime_summary.json", out / "run.jsonl"
    contract = read_contract(policy)
    argv = [
        "--policy",
        str(policy),
        "--hand",
        "mujoco",
        "--realtime",
        "off",
        "--episodes",
        str(trials),
        "--goal-timeout",
        repr(float(goal_timeout_s)),
        "--max-successes",
        str(max_successes),
        "--seed",
        str(seed),
        "--summary-json",
        str(summary_path),
        *(["--log", str(log_path)] if keep_log else ["--no-log"]),
        *(["--steps", str(max_steps)] if max_steps is not None else []),
        *runtime_args,
    ]
    recorder = None
    if video is not None:
        from dactyl_lab.render.standin import StandInRecorder

        recorder = StandInRecorder(out / "videos", video, video_trials)
    try:
        code = runtime_cli.main(argv, on_loop=recorder.attach if recorder else None)
    finally:
        videos = recorder.close() if recorder else []
    if code != 0 or not summary_path.is_file():
        raise Sim2SimError(
            f"the runtime exited with code {code} (2: contract mismatch, 1: error); see its message above"
        )
    summary = json.loads(summary_path.read_text())
    counts = [int(c) for c in summary["episodes"]]
    outcomes = episode_outcomes(log_path) if keep_log else None
    report = {
        "policy": str(policy),
        "contract": {
            "task_id": contract.task_id,
            "backend": contract.backend,
            "recurrent": contract.recurrent,
            "control_period_s": contract.control_period_s,
            "success_threshold_rad": contract.success_threshold_rad,
        },
        "protocol": {
            "hand": "mujoco stand-in (dactyl_lab.runtime), realtime off",
            "trials": trials,
            "goal_timeout_s": float(goal_timeout_s),
            "max_consecutive_successes": max_successes,
            "success_threshold_rad": contract.success_threshold_rad,
            "seed": seed,
            "max_steps": max_steps,
            "runtime_args": list(runtime_args),
        },
        "completed_trials": len(counts),
        "complete": len(counts) >= trials,
        "consecutive_successes": counts,
        **success_stats(counts),
        "trials_at_cap": sum(c >= max_successes for c in counts),
        "outcomes": None if outcomes is None else {k: outcomes.count(k) for k in ("drop", "timeout", "max_successes")},
        "unfinished_trial_successes": summary.get("current_consecutive") if len(counts) < trials else None,
        "runtime": {
            k: summary.get(k)
            for k in ("steps", "policy_steps", "held_steps", "stop_reason", "deadline_misses", "event_counts")
        },
        "histogram_png": str(out / "histogram.png"),
        "videos": [str(v) for v in videos],
        "video_render_ms_per_frame": recorder.times.per_frame_ms() if recorder else None,
        "log": str(log_path) if keep_log else None,
    }
    title = (
        f"{policy.name} ({contract.backend}, {'LSTM' if contract.recurrent else 'FF'}) on the MuJoCo stand-in: "
        f"{len(counts)} trials, {goal_timeout_s:g} s per goal"
    )
    write_histogram(counts, max_successes, out / "histogram.png", title)
    (out / "report.json").write_text(json.dumps(report, indent=2))
    return report


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim2sim.py",
        allow_abbrev=False,  # flags it does not know go to dactyl-lab-runtime: --max-step is not --max-steps
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  python scripts/sim2sim.py "
        "--policy logs/rsl_rl/dactyl_reorient_lstm/<run>/exported/policy.onnx "
        "--trials 20\n\noutputs (in --out): report.json, histogram.png, runtime_summary.json [, run.jsonl]",
    )
    parser.add_argument("--policy", required=True, type=Path, help="exported policy .onnx (scripts/export.py)")
    parser.add_argument("--trials", type=int, default=10, help="number of trials (episodes) to run (default 10)")
    parser.add_argument(
        "--goal-timeout",
        type=float,
        default=task_constants.EVAL_GOAL_TIMEOUT_S,
        metavar="S",
        help="a trial ends when a goal is not reached within this time [s] (default: %(default)g, the paper's)",
    )
    parser.add_argument(
        "--max-successes",
        type=int,
        default=task_constants.MAX_CONSECUTIVE_SUCCESSES,
        help="a trial ends at this many consecutive successes (default: %(default)s, the paper's)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the goals and of the stand-in's noise (default 0)")
    parser.add_argument(
        "--out", type=Path, default=None, help="output folder (default: sim2sim_<policy name> next to the policy)"
    )
    parser.add_argument(
        "--keep-log",
        action="store_true",
        help="keep the runtime's step log (out/run.jsonl; large for good policies) and report how "
        "each trial ended (drop / timeout / max_successes)",
    )
    parser.add_argument(
        "--standin-physics",
        choices=("task", "mujoco-default"),
        default="task",
        help="the stand-in's solver settings: task (default) = the Newton task's, mujoco-default = "
        "the MJCF's own MuJoCo options (docs/parity.md)",
    )
    parser.add_argument(
        "--max-steps",
        type=int,
        default=None,
        help="stop after this many control steps even if trials remain (default: no limit)",
    )
    from dactyl_lab.render.options import add_video_args

    add_video_args(parser, "record the first N trials (default 1) as MP4 files in out/videos/", sep="-", count=True)
    return parser


def main(argv: list[str] | None = None) -> int:
    args, runtime_args = build_parser().parse_known_args(argv)
    from dactyl_lab.render.gl import RenderSetupError
    from dactyl_lab.render.options import video_options

    video = video_options(args) if args.video else None
    runtime_args = [*runtime_args, "--standin-physics", args.standin_physics]
    try:
        report = run_sim2sim(
            args.policy,
            args.trials,
            args.goal_timeout,
            args.max_successes,
            args.seed,
            args.out,
            args.keep_log,
            args.max_steps,
            runtime_args,
            video,
            args.video,
        )
    except (Sim2SimError, RenderSetupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    stats = ", ".join(
        f"{k} {report[k]:.3g}" if isinstance(report[k], float) else f"{k} {report[k]}"
        for k in ("mean", "median", "max")
    )
    print(
        f"sim2sim: {report['completed_trials']}/{args.trials} trials, consecutive successes "
        f"{report['consecutive_successes']}: {stats}"
    )
    if report["outcomes"] is not None:
        print(f"trial ends: {report['outcomes']}")
    print(f"report: {Path(report['histogram_png']).parent / 'report.json'}\nhistogram: {report['histogram_png']}")
    for path in report["videos"]:
        print(f"video: {path}")
    return 0 if report["complete"] else 1
