#!/usr/bin/env python3
"""Train a policy on a dactyl-lab task with RSL-RL or rl-games through Isaac Lab 3's unified entrypoint.

Examples:
  python scripts/train.py --num_envs 64 --max_iterations 2                  # short CPU run
  python scripts/train.py --backend rl_games --variant lstm --device cuda:0
  python scripts/train.py --variant lstm_discrete                           # the paper's policy (11-bin head)
  python scripts/train.py --resume                                          # continue the newest run
  python scripts/train.py --checkpoint logs/rsl_rl/dactyl_reorient_ff/<run>   # continue that run
  python scripts/train.py presets=hz20                                      # Isaac Lab preset / Hydra override
  python scripts/train.py presets=physx,randomized                          # on PhysX (OvPhysX on the CPU)
  torchrun --nproc_per_node=2 scripts/train.py --distributed --num_envs 64  # one process per GPU (or CPU: gloo)

--variant: ff (MLP), lstm (the paper's dense 1024 ReLU -> LSTM 512, value network of the same shape), and
ff_discrete / lstm_discrete, the same networks with the paper's discrete head (20 independent categoricals over 11
bin centres in [-1, 1]; the env gets the bin centre).

Logs and checkpoints go to ./logs/<backend>/<experiment>/<timestamp>/ with TensorBoard event files.
Resuming (--resume or --checkpoint) restores the model, its normalizers, the optimizer and the iteration,
and keeps writing checkpoints and TensorBoard events into the same run folder; --max_iterations is then
the run's total, so re-running the command of a killed run finishes it. SIGTERM or Ctrl-C stop training
after the current iteration (rl-games: epoch) with a checkpoint, or after --stop_deadline_s (20 s, within
torchrun's 30 s before its SIGKILL) on the last complete iteration; a rolling model_last.pt (rl-games: nn/last.pth)
is rewritten after every iteration, and resuming picks the newest checkpoint that loads. At the end (also after
such a stop) the run gets its training report, <run>/report.png and report.html (dactyl-lab report RUN makes it
at any time).

--distributed (under torchrun): rank r runs on cuda:LOCAL_RANK with NCCL, or on the CPU with gloo when
there is no CUDA (or with --device cpu), with seed + r; gradients are averaged over the
ranks; rank 0 alone writes logs and checkpoints (the others keep their settings in <run>/rank_<r>/).

Anything not listed below is passed on to Isaac Lab (Hydra overrides such as env.scene.num_envs=32).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from dactyl_lab.argtypes import NON_NEGATIVE
from dactyl_lab.training import checkpoints, cli_args, distributed, stopping


def parse(argv: list[str]) -> tuple[argparse.Namespace, list[str]]:
    parser = argparse.ArgumentParser(
        description=__doc__, epilog=cli_args.PRESETS_HELP, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    cli_args.add_common_args(parser)
    parser.add_argument(
        "--max_iterations",
        type=int,
        default=None,
        help="training iterations (default: the agent's); when resuming, the total the run should reach",
    )
    parser.add_argument(
        "--checkpoint",
        default=None,
        help="resume from this checkpoint file, or from the latest checkpoint of this run folder",
    )
    parser.add_argument(
        "--resume",
        action="store_true",
        help="resume the newest run of this experiment under ./logs from its last checkpoint",
    )
    parser.add_argument(
        "--distributed", action="store_true", help="one process per rank under torchrun (NCCL on CUDA, gloo on the CPU)"
    )
    parser.add_argument(
        "--stop_deadline_s",
        type=NON_NEGATIVE,
        default=None,
        help=f"after SIGTERM / Ctrl-C, end within this many seconds: if the iteration in progress has not ended by "
        f"then it is dropped and training ends on the last complete one (the rolling checkpoint); torchrun SIGKILLs "
        f"30 s after its SIGTERM. 0: always finish the iteration. Default: ${stopping.STOP_DEADLINE_ENV} or "
        f"{stopping.STOP_DEADLINE_S:g}",
    )
    return parser.parse_known_args(argv)


def main(argv: list[str] | None = None) -> int:
    args, passthrough = parse(sys.argv[1:] if argv is None else argv)
    cli_args.check_backend(args.backend, args.variant)
    cli_args.check_task(args.task)
    cli_args.check_presets(args.task, passthrough, cli_args.agent_entry_point(args.backend, args.variant))
    stop_deadline_s = resolve_stop_deadline(args.stop_deadline_s)
    rank = distributed.from_env() if args.distributed else distributed.Rank()
    device = distributed.device_for(rank, args.device) if args.distributed else args.device or cli_args.default_device()
    cpu_ranks = args.distributed and device == "cpu"
    experiment, default_iterations, default_seed = cli_args.agent_defaults(args.task, args.backend, args.variant)
    iterations, checkpoint, run_name = args.max_iterations, None, None

    if args.resume or args.checkpoint:
        total = iterations or default_iterations
        try:  # rank 0 resolves the checkpoint and its iteration for every rank (other nodes see other files)
            resumed = distributed.shared_decision(rank, "resume", lambda: resolve_resume(args, experiment))
        except (ValueError, distributed.SharedDecisionError) as error:
            raise cli_args.UsageError(str(error)) from None
        checkpoint, done = Path(resumed[0]), int(resumed[1])
        if done >= total:
            print(f"[INFO] {checkpoint} has completed {done} of {total} iterations: nothing to do.")
            return 0
        # RSL-RL trains --max_iterations more; rl-games trains up to max_epochs
        iterations = total - done if args.backend == "rsl_rl" else total
        run_name = str(checkpoints.run_dir(checkpoint, args.backend))  # absolute: Isaac Lab logs right there
        print(f"[INFO] Resuming {checkpoint}: iteration {done} of {total}, logging into {run_name}")

    if args.distributed:
        run_name = distributed.shared_value(rank, "run_name", lambda: run_name or timestamp())
    seed = args.seed
    if cpu_ranks:
        # Isaac Lab's --distributed is CUDA-only: each rank runs as a single process here and
        # DactylOnPolicyRunner joins the ranks over gloo. Do what Isaac Lab does per rank.
        seed = (default_seed if seed is None else seed) + rank.rank
        if not rank.is_main:
            run_name = os.path.join(run_name, f"rank_{rank.rank}")

    forwarded = ["--rl_library", args.backend, "--task", args.task, "--device", device]
    forwarded += ["--agent", cli_args.agent_entry_point(args.backend, args.variant)]
    for flag, value in (("num_envs", args.num_envs), ("seed", seed), ("max_iterations", iterations)):
        if value is not None:
            forwarded += [f"--{flag}", str(value)]
    if checkpoint is not None:
        forwarded += ["--checkpoint", str(checkpoint)]
    if run_name is not None:
        forwarded += ["--run_timestamp", run_name]
    if args.distributed and not cpu_ranks:
        forwarded.append("--distributed")
    forwarded += passthrough + cli_args.agent_device_overrides(args.backend, device)
    if args.backend == "rl_games":
        forwarded += cli_args.rl_games_minibatch_overrides(args.num_envs, passthrough=passthrough)
        if cpu_ranks:  # our agents join CPU ranks over gloo (rl_games_agent.MultiRankMixin; rl-games is NCCL-only)
            forwarded.append("agent.params.config.multi_gpu=True")

    from isaaclab_rl.entrypoints import run_train_cli

    if args.backend == "rsl_rl":
        from dactyl_lab.training import rsl_rl_runner

        rsl_rl_runner.install(stop_deadline_s=stop_deadline_s)
    else:
        from dactyl_lab.training import rl_games_checkpointing

        rl_games_checkpointing.install(stop_deadline_s=stop_deadline_s)
    started = time.time()
    try:
        return run_train_cli(forwarded)
    finally:
        if rank.is_main:
            write_training_report(checkpoints.log_root(args.backend, experiment), run_name, started)


def resolve_stop_deadline(flag_s: float | None) -> float:
    """The stop deadline the runner gets: ``--stop_deadline_s``, else $DACTYL_LAB_STOP_DEADLINE_S, else 20 s;
    a usage error (exit 2) naming the fix when it is out of range."""
    if flag_s is None:
        try:
            return stopping.deadline_from_env()
        except ValueError as error:  # names the variable
            raise cli_args.UsageError(str(error)) from None
    try:
        return stopping.check_deadline(flag_s)
    except ValueError as error:
        raise cli_args.UsageError(f"--stop_deadline_s: {error}") from None


def write_training_report(root: Path, run_name: str | None, started_s: float) -> None:
    """The run's report.png / report.html; the run is ``run_name`` or the newest run folder started since
    ``started_s``. A failing report only warns: the training result stays."""
    from dactyl_lab.training import report

    if run_name is not None:
        runs = [root / run_name]
    else:
        runs = [p for p in root.glob("*/") if p.stat().st_mtime >= started_s - 1]
    run = max(runs, key=lambda p: p.stat().st_mtime, default=None)
    if run is None or not run.is_dir():
        print(f"[report] no run folder under {root} from this training; none written", file=sys.stderr)
        return
    try:
        png, page = report.write_report(run)
    except Exception as error:  # noqa: BLE001 - the report must never cost the training run
        print(f"[report] not written for {run}: {error}", file=sys.stderr)
        return
    print(f"[report] {png}\n[report] {page}")


def resolve_resume(args: argparse.Namespace, experiment: str) -> tuple[str, int]:
    """(checkpoint file, completed iterations) to resume from; ValueError naming the fix when there is none."""
    root = checkpoints.log_root(args.backend, experiment)
    try:
        checkpoint = checkpoints.resolve(args.checkpoint, args.backend) if args.checkpoint else None
    except FileNotFoundError as error:
        raise ValueError(f"--checkpoint: {error}") from None
    try:
        checkpoint = checkpoint or checkpoints.latest_in_experiment(root, args.backend)
    except FileNotFoundError as error:  # checkpoints exist but none loads: say why each was skipped
        raise ValueError(f"--resume: {error}") from None
    if checkpoint is None:
        raise ValueError(f"--resume: no checkpoint under {root}; train first (without --resume)")
    return str(checkpoint), checkpoints.completed_iterations(checkpoint, args.backend)


def timestamp() -> str:
    return datetime.now().strftime("%Y-%m-%d_%H-%M-%S")


if __name__ == "__main__":
    sys.exit(main())
