#!/usr/bin/env python3
"""Train a policy on a dactyl-lab task with RSL-RL or rl-games through Isaac Lab 3's unified entrypoint.

Examples:
  python scripts/train.py --num_envs 64 --max_iterations 2                  # short CPU run
  python scripts/train.py --backend rl_games --variant lstm --device cuda:0
  python scripts/train.py --checkpoint logs/rsl_rl/dactyl_reorient_ff/<run>/model_50.pt   # resume
  python scripts/train.py presets=hz20                                      # Isaac Lab preset / Hydra override

Logs and checkpoints go to ./logs/<backend>/<experiment>/<timestamp>/ with TensorBoard event files.
Anything not listed below is passed on to Isaac Lab (Hydra overrides such as env.scene.num_envs=32).
"""

from __future__ import annotations

import argparse
import sys

from dactyl_lab import launch


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    launch.add_common_args(parser)
    parser.add_argument("--max_iterations", type=int, default=None, help="training iterations (default: the agent's)")
    parser.add_argument("--checkpoint", default=None, help="checkpoint file or run folder to resume from")
    parser.add_argument("--distributed", action="store_true", help="one process per device under torchrun")
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    args, passthrough = parse(sys.argv[1:] if argv is None else argv)
    launch.check_backend(args.backend, args.variant)
    launch.check_task(args.task)
    device = args.device or launch.default_device()
    forwarded = ["--rl_library", args.backend, "--task", args.task, "--device", device]
    forwarded += ["--agent", launch.agent_entry_point(args.backend, args.variant)]
    for flag in ("num_envs", "seed", "max_iterations", "checkpoint"):
        if getattr(args, flag) is not None:
            forwarded += [f"--{flag}", str(getattr(args, flag))]
    if args.distributed:
        forwarded.append("--distributed")
    forwarded += passthrough + launch.agent_device_overrides(args.backend, device)
    if args.backend == "rl_games":
        forwarded += launch.rl_games_minibatch_overrides(args.num_envs)

    from isaaclab_rl.entrypoints import run_train_cli

    return run_train_cli(forwarded)


if __name__ == "__main__":
    sys.exit(main())
