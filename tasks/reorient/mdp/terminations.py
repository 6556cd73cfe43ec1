"""Episode ends: the cube is dropped, 50 goals are reached in a row, or one goal times out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from isaaclab.managers import SceneEntityCfg

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .commands import GoalOrientationCommand


def object_dropped(
    env: ManagerBasedRLEnv, command_name: str, max_distance_m: float, asset_cfg: SceneEntityCfg = SceneEntityCfg("object")
) -> torch.Tensor:
    """The cube is farther than ``max_distance_m`` [m] from its goal position above the palm."""
    command: GoalOrientationCommand = env.command_manager.get_term(command_name)
    pos_e = env.scene[asset_cfg.name].data.root_pos_w.torch - env.scene.env_origins
    return torch.linalg.norm(pos_e - command.pos_command_e, dim=-1) > max_distance_m


def max_consecutive_successes(env: ManagerBasedRLEnv, command_name: str, max_successes: int) -> torch.Tensor:
    """The episode reached ``max_successes`` goals in a row (paper: 50)."""
    return env.command_manager.get_term(command_name).goals_reached >= max_successes


def goal_timeout(env: ManagerBasedRLEnv, command_name: str, timeout_s: float) -> torch.Tensor:
    """The current goal was not reached within ``timeout_s`` [s] (paper: 8 s in training, 80 s on the hand)."""
    return env.command_manager.get_term(command_name).goal_time_s >= timeout_s
