"""rl-games (1.6.5) agent configs with the Dactyl paper's discrete head (20 x 11-bin categorical), and the env wrapper
that maps the policy's bin indices to the continuous actions the task's action term takes.

rl-games' own discrete PPO (``algo: a2c_discrete``, ``model: multi_discrete_a2c``, network ``space:
multi_discrete``) needs a ``gym.spaces.Tuple`` of ``Discrete`` action spaces; Isaac Lab's ``RlGamesVecEnvWrapper``
only offers the env's ``Box``. :class:`BinnedActionVecEnv` wraps that wrapper: its action space is
``Tuple(Discrete(11) x 20)`` and ``step`` turns bin ``k`` into the bin centre ``(2k - 10) / 10`` (the one mapping of
:mod:`dactyl_lab.agents.discrete`). It is plugged in through rl-games' own env registry: the discrete configs set
``config.env_name`` to :data:`BINNED_ENV_NAME`, registered (``env_configurations.register``) to wrap the ``rlgpu`` env
that Isaac Lab's train / play entrypoints register. No rl-games or Isaac Lab file is changed.

The configs are the continuous yamls (``rl_games_ff.yaml``, ``rl_games_lstm.yaml``: same networks, same PPO
settings) with the head swapped (:func:`discrete_cfg`); the registry entry points are :func:`ff_discrete_cfg` and
:func:`lstm_discrete_cfg` (Isaac Lab's ``load_cfg_from_registry`` calls them; calling one registers the env name).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import torch
import yaml

from .discrete import NUM_BINS, bin_centres

BINNED_ENV_NAME = "dactyl_lab_binned"
"""rl-games env name of the discrete configs: Isaac Lab's ``rlgpu`` env behind :class:`BinnedActionVecEnv`."""

ISAACLAB_ENV_NAME = "rlgpu"
"""The env name Isaac Lab's ``register_rl_games_env`` registers (and the continuous yamls use)."""


class BinnedActionVecEnv:
    """Isaac Lab's rl-games env wrapper with a ``Tuple(Discrete(num_bins) x num_actions)`` action space: ``step``
    takes bin indices ``(num_envs, num_actions)`` and passes their bin centres on. Everything else is the wrapped
    env's (attribute access is forwarded)."""

    def __init__(self, env, num_bins: int = NUM_BINS):
        self.env = env
        self.num_bins = int(num_bins)
        self.num_actions = int(env.action_space.shape[0])
        self._centres: torch.Tensor | None = None

    @property
    def action_space(self):
        import gym.spaces

        return gym.spaces.Tuple([gym.spaces.Discrete(self.num_bins) for _ in range(self.num_actions)])

    def get_env_info(self) -> dict:
        return {**self.env.get_env_info(), "action_space": self.action_space}

    def to_actions(self, bins: torch.Tensor) -> torch.Tensor:
        """Bin indices (any integer tensor with ``num_actions`` per row) -> bin centres ``(rows, num_actions)``."""
        if self._centres is None or self._centres.device != bins.device:
            self._centres = bin_centres(self.num_bins, bins.device)
        return self._centres[bins.long().reshape(-1, self.num_actions)]

    def step(self, bins):
        return self.env.step(self.to_actions(torch.as_tensor(bins)))

    def reset(self):
        return self.env.reset()

    def __getattr__(self, name: str):
        if name == "env":  # not set yet (copy / unpickling): no recursion
            raise AttributeError(name)
        return getattr(self.env, name)


def register_binned_env() -> None:
    """Register :data:`BINNED_ENV_NAME` with rl-games: the ``rlgpu`` env (looked up when the agent creates its env,
    i.e. after Isaac Lab registered it) behind :class:`BinnedActionVecEnv`. Idempotent."""
    from rl_games.common import env_configurations

    def create(**kwargs):
        if ISAACLAB_ENV_NAME not in env_configurations.configurations:
            raise RuntimeError(
                f"rl-games env {ISAACLAB_ENV_NAME!r} is not registered: the discrete rl-games configs wrap the env "
                "that Isaac Lab's register_rl_games_env registers; train through scripts/train.py or Isaac Lab's "
                "entrypoint"
            )
        return BinnedActionVecEnv(env_configurations.configurations[ISAACLAB_ENV_NAME]["env_creator"](**kwargs))

    env_configurations.register(BINNED_ENV_NAME, {"vecenv_type": "IsaacRlgWrapper", "env_creator": create})


def discrete_cfg(continuous: dict[str, Any], name: str) -> dict[str, Any]:
    """A continuous rl-games config with the paper's discrete head: same network trunk and PPO settings, 11-bin
    categorical per action (``a2c_discrete`` / ``multi_discrete_a2c``) on :data:`BINNED_ENV_NAME`."""
    cfg = copy.deepcopy(continuous)
    params = cfg["params"]
    params["algo"]["name"] = "a2c_discrete"
    params["model"]["name"] = "multi_discrete_a2c"
    params["network"]["space"] = {"multi_discrete": {}}
    config = params["config"]
    config.pop("bounds_loss_coef", None)  # a bound on the Gaussian mean (continuous agents only)
    config.update(name=name, env_name=BINNED_ENV_NAME)
    return cfg


def _load_yaml(file_name: str) -> dict[str, Any]:
    with open(Path(__file__).parent / file_name, encoding="utf-8") as file:
        return yaml.safe_load(file)


def ff_discrete_cfg() -> dict[str, Any]:
    """``rl_games_ff.yaml`` (MLP 512-512-256 ReLU) with 20 x 11-bin categorical outputs."""
    register_binned_env()
    return discrete_cfg(_load_yaml("rl_games_ff.yaml"), "dactyl_reorient_ff_discrete")


def lstm_discrete_cfg() -> dict[str, Any]:
    """``rl_games_lstm.yaml`` (the paper's dense 1024 ReLU -> LSTM 512) with 20 x 11-bin categorical outputs."""
    register_binned_env()
    return discrete_cfg(_load_yaml("rl_games_lstm.yaml"), "dactyl_reorient_lstm_discrete")
