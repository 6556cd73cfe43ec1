"""Find and load a training checkpoint; tell its backend (RSL-RL / rl-games) and variant (ff / lstm) apart.

Layouts written by ``scripts/train.py``:

* RSL-RL: ``logs/rsl_rl/<experiment>/<timestamp>/model_<iteration>.pt`` (dict with ``actor_state_dict``);
* rl-games: ``logs/rl_games/<experiment>/<timestamp>/nn/<name>.pth`` or ``last_<name>_ep_<n>_rew_<r>.pth``
  (dict with ``model``; keys may carry torch.compile's ``_orig_mod.`` prefix).

Both runs keep the configs they trained with in ``<timestamp>/params/{env,agent}.yaml``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dactyl_lab.export import ExportError
from dactyl_lab.training import checkpoints as training_checkpoints
from dactyl_lab.training.cli_args import BACKENDS, VARIANTS  # noqa: F401  (one home: the --backend / --variant choices)

CHECKPOINT_HELP = training_checkpoints.HELP


@dataclass
class Checkpoint:
    path: Path
    backend: str
    variant: str
    state: dict[str, Any]
    """The loaded checkpoint dict (rl-games keys without the ``_orig_mod.`` prefix)."""

    @property
    def run_dir(self) -> Path:
        """The training run folder (holds ``params/``)."""
        parent = self.path.parent
        return parent.parent if parent.name == "nn" else parent

    @property
    def policy_state(self) -> dict[str, Any]:
        """The state dict of the policy network (RSL-RL: the actor; rl-games: the whole model)."""
        return self.state["actor_state_dict"] if self.backend == "rsl_rl" else self.state["model"]


def resolve_checkpoint(path: str | Path) -> Path:
    """The checkpoint file ``path`` names: itself, or the newest loadable checkpoint of a run / experiment folder
    (the training resolver, :func:`dactyl_lab.training.checkpoints.resolve_checkpoint`)."""
    return _resolve(path).path


def _resolve(path: str | Path) -> training_checkpoints.Resolved:
    try:
        found = training_checkpoints.resolve_checkpoint(path)
    except training_checkpoints.CheckpointError as error:
        raise ExportError(str(error)) from None
    for line in found.report()[:-1]:
        print(line, file=sys.stderr)
    return found


def strip_compile_prefix(state: dict[str, Any]) -> dict[str, Any]:
    """Remove torch.compile's ``_orig_mod.`` from the keys (as rl_games.algos_torch.torch_ext.load_checkpoint)."""
    return {(k[len("_orig_mod.") :] if k.startswith("_orig_mod.") else k): v for k, v in state.items()}


def _has_discrete_head(backend: str, weights: dict[str, Any]) -> bool:
    from dactyl_lab.export import rl_games_policy, rsl_rl_policy

    return (rsl_rl_policy if backend == "rsl_rl" else rl_games_policy).is_discrete(weights)


def load_checkpoint(path: str | Path, backend: str | None = None, variant: str | None = None) -> Checkpoint:
    """Load ``path`` (file or run folder) on the CPU; detect backend and variant and check them against the
    ones requested (None: accept what the checkpoint is)."""
    found = _resolve(path)
    file, state = found.path, found.state
    if "actor_state_dict" in state:
        found_backend = "rsl_rl"
    else:
        found_backend = "rl_games"
        state = dict(state, model=strip_compile_prefix(state["model"]))
    if backend is not None and backend != found_backend:
        raise ExportError(
            f"{file} is an {found_backend} checkpoint but --backend {backend} was given; drop --backend (it is "
            f"detected) or pass --backend {found_backend}"
        )
    weights = state["actor_state_dict"] if found_backend == "rsl_rl" else state["model"]
    found_variant = "lstm" if any(".rnn." in f".{k}" for k in weights) else "ff"
    if _has_discrete_head(found_backend, weights):
        found_variant += "_discrete"
    if variant is not None and variant != found_variant:
        raise ExportError(
            f"{file} holds a {found_variant} policy but --variant {variant} was given; drop --variant (it is "
            f"detected) or pass --variant {found_variant}"
        )
    return Checkpoint(file, found_backend, found_variant, state)
