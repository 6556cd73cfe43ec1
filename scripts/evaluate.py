#!/usr/bin/env python3
"""Evaluate a trained checkpoint with the Dactyl paper's protocol (arXiv 1808.00177, sec. 6.3).

Each trial is one episode from a fresh reset, counting the goals reached in a row. A trial ends when the
cube is dropped, when a goal is not reached within the per-goal timeout (80 s, as on the real hand; the
training task uses 8 s) or at 50 consecutive successes. The policy acts deterministically (mean action).
Prints mean, median and max consecutive successes, and writes evaluation.json (settings, summary, every
trial) and histogram.png. --video N records the first N trials (envs 0..N-1, their first episodes) as
videos/trial_<i>.mp4 in the report folder (dactyl-lab's headless MuJoCo renderer, as in play and sim2sim).

Examples:
  python scripts/evaluate.py --checkpoint logs/rsl_rl/dactyl_reorient_ff/<run>/model_100.pt --num_trials 100
  python scripts/evaluate.py --checkpoint <run folder> --randomization on          # latest checkpoint of the run
  python scripts/evaluate.py --backend rl_games --variant lstm --checkpoint <run>/nn/dactyl_reorient_lstm.pth
  python scripts/evaluate.py --baseline zero --output eval/zero                   # a baseline, no checkpoint
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dactyl_lab.spec import task as task_constants
from dactyl_lab.errors import UsageError
from dactyl_lab.render.options import add_video_args, video_options
from dactyl_lab.training import checkpoints, cli_args, evaluation


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli_args.add_common_args(parser)
    parser.set_defaults(seed=0)
    parser.add_argument("--checkpoint", default=None, help="checkpoint file, or a run folder (its latest checkpoint)")
    parser.add_argument(
        "--baseline",
        choices=evaluation.BASELINES,
        default=None,
        help="evaluate a baseline instead of a checkpoint: zero (the zero action) or random (uniform in [-1, 1]); "
        "needs --output",
    )
    parser.add_argument("--num_trials", type=int, default=100, help="number of trials (episodes) (default: 100)")
    parser.add_argument(
        "--max_successes",
        type=int,
        default=task_constants.MAX_CONSECUTIVE_SUCCESSES,
        help="a trial stops at this many consecutive successes (default: %(default)s)",
    )
    parser.add_argument(
        "--goal_timeout_s",
        type=float,
        default=task_constants.EVAL_GOAL_TIMEOUT_S,
        help="a trial ends when a goal is not reached within this time [s] (default: %(default)s, the real hand's)",
    )
    parser.add_argument(
        "--randomization",
        choices=("off", "on"),
        default="off",
        help="off: the default task; on: the task's 'randomized' preset (Dactyl's randomizations) (default: off)",
    )
    parser.add_argument(
        "--presets", nargs="*", default=[], help="further Isaac Lab env presets of the task, e.g. hz20 (default: none)"
    )
    parser.add_argument(
        "--output",
        default=None,
        help="report folder (default: <run folder>/evaluation/<checkpoint name>_randomization-<on|off>)",
    )
    add_video_args(parser, "record the first N trials (default 1) as <report folder>/videos/trial_<i>.mp4", count=True)
    args = parser.parse_args(argv)
    args.num_envs = args.num_envs or min(args.num_trials, 16)
    if args.video > min(args.num_envs, args.num_trials):
        raise UsageError(
            f"--video {args.video}: at most --num_envs ({args.num_envs}) and --num_trials trials "
            "can be recorded (the first trial of each env); raise --num_envs"
        )
    if (args.checkpoint is None) == (args.baseline is None):
        raise UsageError("give either --checkpoint (a trained policy) or --baseline zero|random")
    if args.baseline and not args.output:
        raise UsageError("--baseline needs --output (a baseline has no run folder to write into)")
    if min(args.num_trials, args.num_envs, args.max_successes) < 1 or args.goal_timeout_s <= 0:
        raise UsageError("--num_trials, --num_envs, --max_successes and --goal_timeout_s must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    cli_args.check_backend(args.backend, args.variant)
    cli_args.check_task(args.task)
    checkpoint = None
    if args.checkpoint is not None:
        try:
            checkpoint = checkpoints.resolve(args.checkpoint, args.backend)
        except FileNotFoundError as error:
            raise UsageError(f"--checkpoint: {error}; train first (scripts/train.py)") from None
    presets = tuple(args.presets) + (("randomized",) if args.randomization == "on" else ())
    device = args.device or cli_args.default_device()
    if args.output:
        output = Path(args.output)
    else:
        name = f"{checkpoint.stem}_randomization-{args.randomization}"
        output = checkpoints.run_dir(checkpoint, args.backend) / "evaluation" / name

    if args.video:
        from dactyl_lab.render.gl import RenderSetupError, check_available

        try:
            check_available()  # before minutes of env creation
        except RenderSetupError as error:
            raise UsageError(str(error)) from None

    import gymnasium as gym
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    env_cfg = evaluation.env_cfg(
        args.task, presets, args.num_envs, device, args.seed, args.goal_timeout_s, args.max_successes
    )
    agent_cfg = load_cfg_from_registry(args.task, cli_args.agent_entry_point(args.backend, args.variant))
    env = gym.make(args.task, cfg=env_cfg)
    if args.video:
        from dactyl_lab.render.newton import EnvVideoRecorder

        paths = [output / "videos" / f"trial_{i:03d}.mp4" for i in range(args.video)]
        env = recorder = EnvVideoRecorder(env, paths, video_options(args), until_done=True)
    try:
        if args.baseline:
            env, act, reset = evaluation.baseline_policy(env, args.baseline, args.seed)
        else:
            make_policy = evaluation.rsl_rl_policy if args.backend == "rsl_rl" else evaluation.rl_games_policy
            env, act, reset = make_policy(env, agent_cfg, str(checkpoint), device)
        trials = evaluation.run_trials(env, act, reset, args.num_trials)
    finally:
        env.close()

    summary = evaluation.summarize(trials)
    settings = {
        "checkpoint": str(checkpoint) if checkpoint else None,
        "baseline": args.baseline,
        "task": args.task,
        "backend": args.backend,
        "variant": args.variant,
        "randomization": args.randomization,
        "presets": list(presets),
        "num_trials": args.num_trials,
        "num_envs": args.num_envs,
        "max_successes": args.max_successes,
        "goal_timeout_s": args.goal_timeout_s,
        "seed": args.seed,
        "device": device,
        "deterministic_policy": args.baseline != "random",
    }
    report, histogram = evaluation.write_report(output, summary, settings, trials)
    print(
        f"\nconsecutive successes over {summary['num_trials']} trials (cap {args.max_successes}, "
        f"goal timeout {args.goal_timeout_s:g} s, randomization {args.randomization}):"
    )
    print(
        f"  mean {summary['mean']:.2f}   median {summary['median']:.1f}   max {summary['max']}   "
        f"(std {summary['std']:.2f}, min {summary['min']})"
    )
    print(
        f"  ended by: {summary['ended_by']}   drops {summary['drop_fraction']:.1%}   "
        f"mean trial {summary['mean_duration_s']:.2f} s"
    )
    print(f"report: {report}\nhistogram: {histogram}")
    for path in recorder.close_videos() if args.video else []:
        print(f"video: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
