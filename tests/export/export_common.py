"""Shared constants and records of the export tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
VARIANTS = (("rsl_rl", "ff"), ("rsl_rl", "lstm"), ("rl_games", "ff"), ("rl_games", "lstm"))
NUM_ENVS = 4
"""Envs of the observation env (the trajectories are (steps, NUM_ENVS, 46))."""
TRAJECTORY_STEPS = 100


@dataclass
class Exported:
    backend: str
    variant: str
    run_dir: Path
    onnx_path: Path
    export_stdout: str

    @property
    def recurrent(self) -> bool:
        return self.variant == "lstm"


@dataclass
class Library:
    """A library's own inference path: ``policy`` (RSL-RL actor) or ``player`` (rl-games), and the observation
    clip its wrapper applies (rl-games ``clip_observations``; None for RSL-RL)."""

    backend: str
    model: object
    clip_obs: float | None
