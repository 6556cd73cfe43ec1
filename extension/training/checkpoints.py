"""Checkpoints of a training run: which one to resume from, and how far it got.

Layout (Isaac Lab's): RSL-RL writes ``logs/rsl_rl/<experiment>/<run>/model_<iteration>.pt``, rl-games
``logs/rl_games/<name>/<run>/nn/*.pth``. A resumed run keeps writing (checkpoints and TensorBoard events)
into the run folder of the checkpoint it resumed from.
"""

from __future__ import annotations

from pathlib import Path

PATTERNS = {"rsl_rl": "model_*.pt", "rl_games": "nn/*.pth"}


def log_root(backend: str, experiment: str) -> Path:
    """Where Isaac Lab's entrypoints put the runs of an experiment (relative to the working directory)."""
    return Path("logs", backend, experiment).absolute()


def run_dir(checkpoint: Path, backend: str) -> Path:
    """The run folder a checkpoint belongs to."""
    checkpoint = Path(checkpoint).absolute()
    return checkpoint.parent if backend == "rsl_rl" else checkpoint.parent.parent


def _newest(paths) -> Path | None:
    paths = [p for p in paths if p.is_file()]
    return max(paths, key=lambda p: (p.stat().st_mtime, len(p.name), p.name)) if paths else None


def latest_in_run(run: Path, backend: str) -> Path | None:
    """The most recently written checkpoint of one run folder."""
    return _newest(Path(run).glob(PATTERNS[backend]))


def latest_in_experiment(root: Path, backend: str) -> Path | None:
    """The most recently written checkpoint over every run of an experiment."""
    return _newest(Path(root).glob("*/" + PATTERNS[backend]))


def resolve(path: str | Path, backend: str) -> Path:
    """A checkpoint file, or the latest checkpoint of a run folder; FileNotFoundError when there is none."""
    path = Path(path).absolute()
    found = latest_in_run(path, backend) if path.is_dir() else (path if path.is_file() else None)
    if found is None:
        if path.is_dir():
            raise FileNotFoundError(f"run folder {str(path)!r} holds no {PATTERNS[backend]}")
        raise FileNotFoundError(f"{str(path)!r} does not exist")
    return found


def completed_iterations(checkpoint: Path, backend: str) -> int:
    """How many training iterations the checkpoint has completed (the next one to run has this index)."""
    import torch

    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    # RSL-RL stores the index of the last iteration it ran; rl-games counts epochs from 1
    return int(state["iter"]) + 1 if backend == "rsl_rl" else int(state["epoch"])
