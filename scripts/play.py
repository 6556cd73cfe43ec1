#!/usr/bin/env python3
"""Play a trained dactyl-lab policy through Isaac Lab 3's unified play entrypoint.

Examples:
  python scripts/play.py --checkpoint logs/rsl_rl/dactyl_reorient_ff/<run>/model_1.pt --steps 50
  python scripts/play.py --backend rl_games --checkpoint <run>/nn/dactyl_reorient_ff.pth

Playing an RSL-RL checkpoint also writes exported/policy.pt and exported/policy.onnx next to it
(Isaac Lab's exporter; scripts/export.py writes the deployable ONNX with its contract).
"""

from __future__ import annotations

import argparse
import os
import sys

from dactyl_lab import launch


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    launch.add_common_args(parser)
    parser.add_argument("--checkpoint", required=True, help="checkpoint file to play")
    parser.add_argument("--steps", type=int, default=None, help="stop after this many policy steps (default: until Ctrl-C)")
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    args, passthrough = parse(sys.argv[1:] if argv is None else argv)
    launch.check_backend(args.backend, args.variant)
    launch.check_playable(args.backend, args.variant)
    launch.check_task(args.task)
    if not os.path.isfile(args.checkpoint):
        raise launch.UsageError(f"checkpoint {args.checkpoint!r} does not exist; train first (scripts/train.py) or pass a model_*.pt / *.pth file")
    device = args.device or launch.default_device()
    forwarded = ["--rl_library", args.backend, "--task", args.task, "--device", device, "--checkpoint", args.checkpoint]
    forwarded += ["--agent", launch.agent_entry_point(args.backend, args.variant)]
    for flag in ("num_envs", "seed"):
        if getattr(args, flag) is not None:
            forwarded += [f"--{flag}", str(getattr(args, flag))]
    forwarded += passthrough + launch.agent_device_overrides(args.backend, device)

    from isaaclab_rl.entrypoints import common, run_play_cli

    if args.steps is not None:
        # Isaac Lab plays until Ctrl-C unless it records a video; bound the playback loop instead.
        common.video_playback_steps = lambda *_: args.steps
    return run_play_cli(forwarded)


if __name__ == "__main__":
    sys.exit(main())
