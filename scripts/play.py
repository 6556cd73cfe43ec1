#!/usr/bin/env python3
"""Play a trained dactyl-lab policy through Isaac Lab 3's unified play entrypoint.

Examples:
  python scripts/play.py --checkpoint logs/rsl_rl/dactyl_reorient_ff/<run>/model_1.pt --steps 50
  python scripts/play.py --backend rl_games --checkpoint <run>/nn/dactyl_reorient_ff.pth

Playing an RSL-RL checkpoint also writes exported/policy.pt and exported/policy.onnx next to it
(Isaac Lab's exporter; scripts/export.py writes the deployable ONNX with its contract).

--video records env 0 into <run>/videos/play/<checkpoint name>.mp4 (H.264), one frame per control step, drawn
by dactyl-lab's headless MuJoCo renderer of the same hand MJCF (the stand-in's videos look alike), with the
goal cube beside the hand and time, goals reached and orientation error in the corner. Isaac Lab's own Kit
video recorder is not used (kit-less Newton has none).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dactyl_lab.render.options import add_video_args, video_options
from dactyl_lab.training import checkpoints, cli_args, entrypoint_hooks


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    cli_args.add_common_args(parser)
    parser.add_argument(
        "--checkpoint",
        required=True,
        help="checkpoint file to play, or a run folder (its newest checkpoint that loads)",
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=None,
        help=f"stop after this many policy steps (default: until Ctrl-C; {VIDEO_STEPS} with --video)",
    )
    add_video_args(parser, "record env 0 into <run>/videos/play/<checkpoint>.mp4")
    return parser.parse_known_args(argv)


VIDEO_STEPS = 250
"""Policy steps played with --video when --steps is not given (20 s at 80 ms per step)."""


def video_path(checkpoint: str) -> Path:
    """<run>/videos/play/<checkpoint name>.mp4 (rl-games keeps checkpoints in <run>/nn/)."""
    path = Path(checkpoint).resolve()
    run = path.parent.parent if path.parent.name == "nn" else path.parent
    return run / "videos" / "play" / f"{path.stem}.mp4"


def record_created_env(options, path: Path) -> list:
    """Wrap the env Isaac Lab's play entrypoint creates in our recorder (Isaac Lab has no hook for it:
    :func:`~dactyl_lab.training.entrypoint_hooks.wrap_created_envs`). Returns the list that will hold the recorder."""
    from dactyl_lab.render.newton import EnvVideoRecorder

    recorders = []

    def record(env):
        recorders.append(EnvVideoRecorder(env, [path], options))
        return recorders[-1]

    entrypoint_hooks.wrap_created_envs(record)
    return recorders


def main(argv: list[str] | None = None) -> int:
    args, passthrough = parse(sys.argv[1:] if argv is None else argv)
    cli_args.check_backend(args.backend, args.variant)
    cli_args.check_playable(args.backend, args.variant)
    cli_args.check_task(args.task)
    try:  # the one resolver of training, evaluation and export: a file that loads, or a run folder's newest
        args.checkpoint = str(checkpoints.resolve(args.checkpoint, args.backend))
    except FileNotFoundError as error:
        raise cli_args.UsageError(f"--checkpoint: {error}") from None
    device = args.device or cli_args.default_device()
    forwarded = ["--rl_library", args.backend, "--task", args.task, "--device", device, "--checkpoint", args.checkpoint]
    forwarded += ["--agent", cli_args.agent_entry_point(args.backend, args.variant)]
    for flag in ("num_envs", "seed"):
        if getattr(args, flag) is not None:
            forwarded += [f"--{flag}", str(getattr(args, flag))]
    forwarded += passthrough + cli_args.agent_device_overrides(args.backend, device)

    if args.video:
        from dactyl_lab.render.gl import RenderSetupError, check_available

        try:
            check_available()  # before minutes of env creation
        except RenderSetupError as error:
            raise cli_args.UsageError(str(error)) from None
        args.steps = VIDEO_STEPS if args.steps is None else args.steps

    from isaaclab_rl.entrypoints import run_play_cli

    if args.backend == "rsl_rl":  # our runner / players: the checkpoint loads onto the play device
        from dactyl_lab.training import rsl_rl_runner

        rsl_rl_runner.install("play")
    else:
        from dactyl_lab.training import rl_games_checkpointing

        rl_games_checkpointing.install("play")
    if args.steps is not None:
        entrypoint_hooks.limit_playback_steps(args.steps)  # Isaac Lab plays until Ctrl-C unless it records a video
    recorders = record_created_env(video_options(args), video_path(args.checkpoint)) if args.video else []
    code = run_play_cli(forwarded)
    for recorder in recorders:
        for path in recorder.close_videos():  # closing the env has closed them; this returns the paths
            print(f"video: {path}")
    if args.video and not recorders:
        print("warning: no video was written: Isaac Lab's play entrypoint did not create an env here", file=sys.stderr)
    return code


if __name__ == "__main__":
    sys.exit(main())
