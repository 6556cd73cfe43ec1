"""Sim2sim: an exported policy on the MuJoCo stand-in hand, scored with the Dactyl paper's protocol.

Protocol (arXiv 1808.00177, sec. 6): a trial starts with the cube in the palm and a random goal orientation;
each time the orientation error drops below the contract's success threshold (0.4 rad) a success is counted and
the next goal is drawn. A trial ends when the cube drops, when a goal is not reached within the per-goal
timeout (80 s), or at 50 consecutive successes. Reported: the consecutive successes of each trial, their mean,
median and max (plus min, std and how the trials ended when a step log is kept).

The run itself is the real-hand runtime's (:func:`dactyl_lab.runtime.session.run` with ``hand="mujoco"``,
``realtime=False``): the same contract checks, observation builder, action processing, safety layer, simulated noisy
and delayed tracker, goal sampler and success counter as on the robot, built from the runtime's own options.
Needs numpy, onnxruntime, mujoco and matplotlib only.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from pathlib import Path
from typing import Any

from dactyl_lab.spec import task as task_constants
from dactyl_lab.argtypes import POSITIVE_INT, renamed
from dactyl_lab.errors import USAGE_EXIT_CODE, UsageError
from dactyl_lab.runtime.cli_backends import add_standin_args
from dactyl_lab.runtime.cli_drills import add_fault_drill_args
from dactyl_lab.runtime.cli_options import add_episode_args, add_safety_args

OWNED_RUNTIME_OPTIONS = (
    "policy",
    "hand",
    "realtime",
    "num_trials",
    "summary_json",
    "log",
    "no_log",
    "steps",
    "goal_timeout_s",
    "max_successes",
    "seed",
)
"""dactyl-lab-runtime options that sim2sim sets itself (the others it takes are its runtime option groups)."""

RUNTIME_GROUPS = (add_episode_args, add_safety_args, add_standin_args, add_fault_drill_args)
"""The runtime's option groups sim2sim offers (the same flags as dactyl-lab-runtime's)."""


DESCRIPTION = """\
Run an exported Dactyl policy on the MuJoCo stand-in hand and score it with the Dactyl paper's protocol:
consecutive successes per trial (goal reached = orientation error below the contract's threshold, 0.4 rad; a
trial ends on a drop, when a goal is not reached within --goal_timeout_s seconds, or at --max_successes), reported
as mean, median and max over --num_trials trials in a JSON report, with a histogram PNG.

The run is dactyl-lab-runtime's own loop on its MuJoCo stand-in (--hand mujoco --realtime off): the contract
checks, observation, action processing, safety layer and a simulated noisy, delayed tracker of the real-hand
runtime. The runtime's episode, safety, stand-in and fault-drill flags below are its own (dactyl-lab-runtime
--help), e.g. --pos_noise_m 0 0 --rot_noise_rad 0 0 --tracker_latency_steps 0 --fall_distance_m 0.12.

Exit codes: 0 all trials finished, 1 stopped early (--steps), 2 error (bad policy or flags)."""


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
    num_trials: int = 10,
    goal_timeout_s: float = task_constants.EVAL_GOAL_TIMEOUT_S,
    max_successes: int = task_constants.MAX_CONSECUTIVE_SUCCESSES,
    seed: int = 0,
    output: str | Path | None = None,
    keep_log: bool = False,
    steps: int | None = None,
    runtime_options: dict[str, Any] | None = None,
    video=None,
    video_trials: int = 1,
) -> dict[str, Any]:
    """Run ``num_trials`` trials through the runtime's loop on the stand-in; write report.json and histogram.png.

    Args:
        output: the output folder (default: ``sim2sim_<policy name>`` next to the policy).
        keep_log: keep the runtime's JSON-lines step log (``output/run.jsonl``); adds how each trial ended.
        steps: stop after this many control steps even if trials remain (the report says so).
        runtime_options: further runtime options by name (:func:`dactyl_lab.runtime.session.runtime_options`:
            ``pos_noise_m``, ``tracker_latency_steps``, ``fall_distance_m``, ``standin_physics`` ...).
        video: a :class:`dactyl_lab.render.options.VideoOptions` to record the first ``video_trials`` trials as
            ``output/videos/trial_<i>.mp4`` (MuJoCo offscreen rendering), or None.
    """
    from dactyl_lab.contract import ContractError, read_contract
    from dactyl_lab.runtime.session import runtime_options as options_of

    policy = Path(policy)
    runtime_options = dict(runtime_options or {})
    _check_request(policy, num_trials, goal_timeout_s, max_successes, runtime_options)
    try:
        contract = read_contract(policy)
    except ContractError as error:
        raise UsageError(f"the policy does not fit the runtime, nothing ran: {error}") from None
    out = Path(output) if output is not None else policy.parent / f"sim2sim_{policy.stem}"
    out.mkdir(parents=True, exist_ok=True)
    log_path = out / "run.jsonl"
    options = options_of(
        policy=policy,
        hand="mujoco",
        realtime=False,
        num_trials=num_trials,
        goal_timeout_s=float(goal_timeout_s),
        max_successes=max_successes,
        seed=seed,
        steps=steps,
        log=log_path if keep_log else None,
        no_log=not keep_log,
        **runtime_options,
    )
    summary, videos, recorder = _run_trials(options, out, video, video_trials)
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
            "trials": num_trials,
            "goal_timeout_s": float(goal_timeout_s),
            "max_consecutive_successes": max_successes,
            "success_threshold_rad": contract.success_threshold_rad,
            "seed": seed,
            "max_steps": steps,
            "runtime_options": json.loads(json.dumps(runtime_options, default=str)),
        },
        "completed_trials": len(counts),
        "complete": len(counts) >= num_trials,
        "consecutive_successes": counts,
        **success_stats(counts),
        "trials_at_cap": sum(c >= max_successes for c in counts),
        "outcomes": None if outcomes is None else {k: outcomes.count(k) for k in ("drop", "timeout", "max_successes")},
        "unfinished_trial_successes": summary.get("current_consecutive") if len(counts) < num_trials else None,
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


def _check_request(policy: Path, num_trials, goal_timeout_s, max_successes, runtime_options: dict) -> None:
    if not policy.is_file():
        raise UsageError(f"policy {policy} does not exist; export one with scripts/export.py --checkpoint ...")
    if num_trials < 1 or max_successes < 1 or not goal_timeout_s > 0:
        raise UsageError("--num_trials and --max_successes must be >= 1 and --goal_timeout_s > 0")
    owned = sorted(set(runtime_options) & set(OWNED_RUNTIME_OPTIONS))
    if owned:
        raise UsageError(f"{owned} are set by sim2sim itself; use its own flags (see --help)")


def _run_trials(options: argparse.Namespace, out: Path, video, video_trials: int):
    """Run the runtime's loop on the stand-in; print its summary and write out/runtime_summary.json.

    Returns (summary dict, video paths, the video recorder or None)."""
    from dactyl_lab.contract import ContractError
    from dactyl_lab.runtime import session
    from dactyl_lab.runtime.cli import print_summary

    recorder = None
    if video is not None:
        from dactyl_lab.render.standin import StandInRecorder

        recorder = StandInRecorder(out / "videos", video, video_trials)
    try:
        result = session.run(options, on_loop=recorder.attach if recorder else None)
    except ContractError as error:
        raise Sim2SimError(f"the policy does not fit the runtime, nothing ran: {error}") from None
    except (RuntimeError, OSError, ValueError) as error:
        raise Sim2SimError(f"the runtime failed: {' '.join(str(error).split())}") from None
    finally:
        videos = recorder.close() if recorder else []
    print_summary(result.summary, result.log_path)
    summary = result.summary.to_dict()
    (out / "runtime_summary.json").write_text(json.dumps(summary, indent=2))
    stop = result.summary.stop_reason
    if stop.startswith("fault_stop") or stop == "operator_stop":
        raise Sim2SimError(f"the run ended early ({stop}); no report was written")
    return summary, videos, recorder


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sim2sim.py",
        allow_abbrev=False,  # --max_step_rad is not an abbreviation of anything
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="example:\n  python scripts/sim2sim.py "
        "--policy logs/rsl_rl/dactyl_reorient_lstm/<run>/exported/policy.onnx "
        "--num_trials 20\n\noutputs (in --output): report.json, histogram.png, runtime_summary.json [, run.jsonl]\n\n"
        "flag names: Isaac Lab's style (underscores, units last), as in evaluate.py and dactyl-lab-runtime; the old\n"
        "spellings (--trials, --goal-timeout, --max-successes, --out, --keep-log, --max-steps, --video-size, ...)\n"
        "still work in this release and print a line naming the new flag.",
    )
    g = parser.add_argument_group("sim2sim")
    g.add_argument("--policy", required=True, type=Path, help="exported policy .onnx (scripts/export.py)")
    renamed(
        g,
        g.add_argument(
            "--num_trials", type=POSITIVE_INT, default=10, help="number of trials (episodes) to run (default 10)"
        ),
        "--trials",
    )
    g.add_argument("--seed", type=int, default=0, help="seed of the goals and of the stand-in's noise (default 0)")
    renamed(
        g,
        g.add_argument(
            "--output",
            type=Path,
            default=None,
            help="output folder (default: sim2sim_<policy name> next to the policy)",
        ),
        "--out",
    )
    renamed(
        g,
        g.add_argument(
            "--keep_log",
            action="store_true",
            help="keep the runtime's step log (output/run.jsonl; large for good policies) and report how "
            "each trial ended (drop / timeout / max_successes)",
        ),
        "--keep-log",
    )
    renamed(
        g,
        g.add_argument(
            "--steps",
            type=POSITIVE_INT,
            default=None,
            help="stop after this many control steps even if trials remain (default: no limit)",
        ),
        "--max-steps",
    )
    for add_group in RUNTIME_GROUPS:
        add_group(parser)
    from dactyl_lab.render.options import add_video_args

    video_help = "record the first N trials (default 1) as MP4 files in output/videos/"
    add_video_args(parser, video_help, count=True, old_dashes=True)
    return parser


def runtime_group_options(args: argparse.Namespace) -> dict[str, Any]:
    """The values of the runtime flags sim2sim forwards (:data:`RUNTIME_GROUPS`), minus those it sets itself."""
    scratch = argparse.ArgumentParser(add_help=False)
    for add_group in RUNTIME_GROUPS:
        add_group(scratch)
    names = set(vars(scratch.parse_args([]))) - set(OWNED_RUNTIME_OPTIONS)
    return {name: getattr(args, name) for name in sorted(names)}


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Parse sim2sim's flags; a dactyl-lab-runtime flag that sim2sim sets itself (--hand ...) is a UsageError."""
    from dactyl_lab.runtime.cli import build_parser as runtime_parser

    args, unknown = build_parser().parse_known_args(argv)
    runtime_flags = set(runtime_parser()._option_string_actions)
    owned = [arg for arg in unknown if arg.split("=")[0] in runtime_flags]
    if owned:
        raise UsageError(f"{owned} are set by sim2sim itself (the stand-in, realtime off, its own log); drop them")
    if unknown:
        raise UsageError(f"unrecognized arguments {unknown}; see sim2sim.py --help")
    return args


def main(argv: list[str] | None = None) -> int:
    from dactyl_lab.render.gl import RenderSetupError
    from dactyl_lab.render.options import video_options

    try:
        args = parse(argv)
        video = video_options(args) if args.video else None
        report = run_sim2sim(
            args.policy,
            args.num_trials,
            args.goal_timeout_s,
            args.max_successes,
            args.seed,
            args.output,
            args.keep_log,
            args.steps,
            runtime_group_options(args),
            video,
            args.video,
        )
    except UsageError:
        return USAGE_EXIT_CODE  # its line is printed
    except (Sim2SimError, RenderSetupError) as error:
        print(f"error: {error}", file=sys.stderr)
        return USAGE_EXIT_CODE
    print_report(report, args.num_trials)
    return 0 if report["complete"] else 1


def print_report(report: dict[str, Any], num_trials: int) -> None:
    stats = ", ".join(
        f"{k} {report[k]:.3g}" if isinstance(report[k], float) else f"{k} {report[k]}"
        for k in ("mean", "median", "max")
    )
    print(
        f"sim2sim: {report['completed_trials']}/{num_trials} trials, consecutive successes "
        f"{report['consecutive_successes']}: {stats}"
    )
    if report["outcomes"] is not None:
        print(f"trial ends: {report['outcomes']}")
    print(f"report: {Path(report['histogram_png']).parent / 'report.json'}\nhistogram: {report['histogram_png']}")
    for path in report["videos"]:
        print(f"video: {path}")
