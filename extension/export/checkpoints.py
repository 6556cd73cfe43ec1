"""Find and load a training checkpoint; tell its backend (RSL-RL / rl-games) and variant (ff / lstm) apart.

Layouts written by ``scripts/train.py``:

* RSL-RL: ``logs/rsl_rl/<experiment>/<timestamp>/model_<iteration>.pt`` (dict with ``actor_state_dict``);
* rl-games: ``logs/rl_games/<experiment>/<timestamp>/nn/<name>.pth`` or ``last_<name>_ep_<n>_rew_<r>.pth``
  (dict with ``model``; keys may carry torch.compile's ``_orig_mod.`` prefix).

Both runs keep the configs they trained with in ``<timestamp>/params/{env,agent}.yaml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dactyl_lab.export import ExportError

from dactyl_lab.launch import BACKENDS, VARIANTS  # noqa: F401  (one home: the --backend / --variant choices)

CHECKPOINT_HELP = (
    "pass a checkpoint file (RSL-RL: logs/rsl_rl/<experiment>/<run>/model_<iteration>.pt; rl-games: "
    "logs/rl_games/<experiment>/<run>/nn/<name>.pth) or a run folder (its newest checkpoint; an experiment folder: its newest run); "
    "train one with scripts/train.py"
)


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


def _iteration(path: Path) -> int:
    match = re.search(r"model_(\d+)\.pt$", path.name)
    return int(match.group(1)) if match else -1


def resolve_checkpoint(path: str | Path) -> Path:
    """The checkpoint file ``path`` names: itself, or the newest checkpoint of a run folder."""
    path = Path(path)
    if not path.exists():
        raise ExportError(f"checkpoint {path} does not exist; {CHECKPOINT_HELP}")
    if path.is_file():
        return path
    found = _newest_in_run(path)
    if found is None:  # an experiment folder: its newest run (timestamps sort by name)
        runs = [run for run in sorted(p for p in path.iterdir() if p.is_dir()) if _newest_in_run(run) is not None]
        found = _newest_in_run(runs[-1]) if runs else None
    if found is None:
        raise ExportError(f"no checkpoint (model_*.pt, nn/*.pth) in the folder {path}; {CHECKPOINT_HELP}")
    return found


def _newest_in_run(path: Path) -> Path | None:
    rsl = sorted(path.glob("model_*.pt"), key=_iteration)
    if rsl:
        return rsl[-1]
    rlg = sorted((path / "nn").glob("*.pth"), key=lambda p: p.stat().st_mtime) if (path / "nn").is_dir() else []
    rlg = rlg or sorted(path.glob("*.pth"), key=lambda p: p.stat().st_mtime)
    return rlg[-1] if rlg else None


def strip_compile_prefix(state: dict[str, Any]) -> dict[str, Any]:
    """Remove torch.compile's ``_orig_mod.`` from the keys (as rl_games.algos_torch.torch_ext.load_checkpoint)."""
    return {(k[len("_orig_mod.") :] if k.startswith("_orig_mod.") else k): v for k, v in state.items()}


def _has_discrete_head(backend: str, weights: dict[str, Any]) -> bool:
    from dactyl_lab.export import rl_games_policy, rsl_rl_policy

    return (rsl_rl_policy if backend == "rsl_rl" else rl_games_policy).is_discrete(weights)


def load_checkpoint(path: str | Path, backend: str | None = None, variant: str | None = None) -> Checkpoint:
    """Load ``path`` (file or run folder) on the CPU; detect backend and variant and check them against the
    ones requested (None: accept what the checkpoint is)."""
    import torch

    file = resolve_checkpoint(path)
    try:
        state = torch.load(file, map_location="cpu", weights_only=False)
    except Exception as error:  # noqa: BLE001 - any unreadable file gets the same advice
        raise ExportError(f"{file} is not a readable PyTorch checkpoint ({type(error).__name__}: {error}); "
                          f"{CHECKPOINT_HELP}") from error  # fmt: skip
    if not isinstance(state, dict):
        raise ExportError(f"{file} holds a {type(state).__name__}, not a training checkpoint dict; {CHECKPOINT_HELP}")
    if "actor_state_dict" in state:
        found_backend = "rsl_rl"
    elif "model" in state:
        found_backend = "rl_games"
        state = dict(state, model=strip_compile_prefix(state["model"]))
    else:
        raise ExportError(
            f"{file} is neither an RSL-RL checkpoint (no 'actor_state_dict') nor an rl-games one (no 'model'); keys: "
            f"{sorted(state)[:8]}; {CHECKPOINT_HELP}"
        )
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
