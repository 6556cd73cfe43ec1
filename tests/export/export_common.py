"""Shared constants and records of the export tests (imported by conftest.py and the test modules)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

VARIANTS = tuple(
    (backend, variant)
    for backend in ("rsl_rl", "rl_games")
    for variant in ("ff", "lstm", "ff_discrete", "lstm_discrete")
)
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
        return self.variant.startswith("lstm")

    @property
    def discrete(self) -> bool:
        """The paper's 11-bin head: actions are bin centres (the argmax bin's when deterministic)."""
        return self.variant.endswith("_discrete")


@dataclass
class Library:
    """A library's own inference path: ``policy`` (RSL-RL actor) or ``player`` (rl-games), and the observation
    clip its wrapper applies (rl-games ``clip_observations``; None for RSL-RL)."""

    backend: str
    model: object
    clip_obs: float | None
    binned_env: object = None
    """rl-games discrete head: the training env wrapper (``BinnedActionVecEnv``), whose ``to_actions`` maps the
    player's bin indices to the actions the env receives."""
