"""Dactyl's reward (arXiv 1808.00177, sec. 4.3): r = d_t - d_{t+1}, +5 per reached goal, -20 on a drop.

Isaac Lab's reward manager pays ``weight * term * env.step_dt`` per step. Each term here returns its paper value
per policy step divided by ``env.step_dt``, read at run time, so with the paper's weights (1, 5, -20) a step pays
exactly the paper's reward whatever ``sim.dt`` and ``decimation`` are (a Hydra override included). Each pays 0 for an
env whose world diverged (:mod:`.divergence`), so neither the step reward nor the episode sums carry it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from .divergence import zero_where_diverged

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .commands import GoalOrientationCommand


def per_policy_step(env: ManagerBasedRLEnv, value: torch.Tensor) -> torch.Tensor:
    """``value / env.step_dt``: what a term returns so that the manager's ``x step_dt`` pays ``value`` per step;
    0 where the divergence guard fired and where ``value`` is NaN or inf (:func:`~.divergence.zero_where_diverged`)."""
    return zero_where_diverged(env, value) / env.step_dt


def orientation_progress(env: ManagerBasedRLEnv, command_name: str) -> torch.Tensor:
    """Decrease of the orientation error [rad] over the last policy step (positive when improving), per step."""
    command: GoalOrientationCommand = env.command_manager.get_term(command_name)
    return per_policy_step(env, command.orientation_error - command.current_error())


def goal_reached(env: ManagerBasedRLEnv, command_name: str) -> torch.Tensor:
    """1 per step where the cube is within the success threshold of its goal now (the goal is then redrawn)."""
    command: GoalOrientationCommand = env.command_manager.get_term(command_name)
    return per_policy_step(env, (command.current_error() < command.cfg.success_threshold_rad).float())


def episode_terminated(env: ManagerBasedRLEnv) -> torch.Tensor:
    """1 per step where the episode ended by a termination (not a time-out): the drop."""
    return per_policy_step(env, env.termination_manager.terminated.float())
