"""Run a dactyl-lab script with test instrumentation patched in from outside (production code has no test hooks):

  python tests/helpers/instrumented.py [--rank-weights DIR] [--slow-save-s S] SCRIPT [ARGS ...]

* ``--rank-weights DIR``: when training ends (also after a stop), every rank writes its final weights to
  ``DIR/rank_<rank>.pt`` (RSL-RL: ``alg.save()``; rl-games: ``{"model", "central_value"}`` state dicts), so a test
  can check that the ranks ended identical (only rank 0 writes checkpoints).
* ``--slow-save-s S``: every checkpoint write writes half of its temporary file, prints ``[checkpoint] saving
  <path>`` and sleeps ``S`` s before the rest, so a test can SIGKILL a run in the middle of a save.

Works under torchrun (``torchrun ... tests/helpers/instrumented.py --rank-weights DIR scripts/train.py ...``): the
script runs as ``__main__`` in this process after the patches.
"""

from __future__ import annotations

import functools
import os
import runpy
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve()


def command(script: str | Path, *args: str, rank_weights: Path | None = None, slow_save_s: float | None = None):
    """The argv (after the interpreter) that runs ``script args`` through this launcher."""
    argv = [str(HERE)]
    if rank_weights is not None:
        argv += ["--rank-weights", str(rank_weights)]
    if slow_save_s:
        argv += ["--slow-save-s", str(slow_save_s)]
    return [*argv, str(script), *args]


def dump_rank_weights(folder: str) -> None:
    import torch

    from dactyl_lab.training import rl_games_checkpointing, rsl_rl_runner

    def dump(rank: int, state: dict) -> None:
        os.makedirs(folder, exist_ok=True)
        torch.save(state, os.path.join(folder, f"rank_{rank}.pt"))

    learn = rsl_rl_runner.DactylOnPolicyRunner.learn

    @functools.wraps(learn)
    def learn_and_dump(self, *args, **kwargs):
        learn(self, *args, **kwargs)
        dump(self.gpu_global_rank, self.alg.save())

    train = rl_games_checkpointing.CheckpointingMixin.train

    @functools.wraps(train)
    def train_and_dump(self):
        result = train(self)
        state = {"model": self.model.state_dict()}
        if self.has_central_value:
            state["central_value"] = self.central_value_net.state_dict()
        dump(self.global_rank, state)
        return result

    rsl_rl_runner.DactylOnPolicyRunner.learn = learn_and_dump
    rl_games_checkpointing.CheckpointingMixin.train = train_and_dump


def slow_checkpoint_writes(slow_s: float) -> None:
    from dactyl_lab.training import checkpoints

    def write_slowly(file, data, path: Path) -> None:
        half = len(data) // 2
        file.write(data[:half])
        file.flush()
        print(f"[checkpoint] saving {path}", flush=True)
        time.sleep(slow_s)
        file.write(data[half:])

    checkpoints.write_bytes = write_slowly


def main(argv: list[str]) -> None:
    """Our options come first, up to the script; everything after the script is the script's, verbatim."""
    options = {"--rank-weights": None, "--slow-save-s": None}
    while argv and argv[0] in options:
        options[argv[0]], argv = argv[1], argv[2:]
    if not argv or argv[0].startswith("-"):
        raise SystemExit(f"usage: {__doc__.strip().splitlines()[2].strip()}")
    if options["--rank-weights"]:
        dump_rank_weights(options["--rank-weights"])
    if options["--slow-save-s"]:
        slow_checkpoint_writes(float(options["--slow-save-s"]))
    sys.argv = argv
    runpy.run_path(argv[0], run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
