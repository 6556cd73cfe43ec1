"""Dactyl's reward (arXiv 1808.00177, sec. 4.3): r = d_t - d_{t+1}, +5 per reached goal, -20 on a drop."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .commands import GoalOrientationCommand


def orientation_progress(env: ManagerBasedRLEnv, command_name: str) -> torch.Tensor:
    """Decrease of the orientation error [rad] over the last policy step (positive when improving)."""
    command: GoalOrientationCommand = env.command_manager.get_term(command_name)
    return command.orientation_error - command.current_error()


def goal_reached(env: ManagerBasedRLEnv, command_name: str) -> torch.Tensor:
    """1 where the cube is within the success threshold of its goal now (the goal is then redrawn)."""
    command: GoalOrientationCommand = env.command_manager.get_term(command_name)
    return (command.current_error() < command.cfg.success_threshold_rad).float()
