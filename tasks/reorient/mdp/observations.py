"""Observation terms of the Dactyl task (positions in the environment frame [m], quaternions x, y, z, w)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

import isaaclab.utils.math as math_utils
from isaaclab.managers import SceneEntityCfg

from dactyl_lab import hand

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .commands import GoalOrientationCommand


def fingertip_positions(env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg) -> torch.Tensor:
    """Tip points of the 5 fingertips [m], env frame, shape (num_envs, 15), order hand.FINGERTIP_BODY_NAMES.

    ``asset_cfg.body_names`` must list hand.FINGERTIP_BODY_NAMES with preserve_order=True.
    """
    asset = env.scene[asset_cfg.name]
    pos = asset.data.body_pos_w.torch[:, asset_cfg.body_ids]
    quat = asset.data.body_quat_w.torch[:, asset_cfg.body_ids]
    offsets = torch.tensor(hand.FINGERTIP_OFFSETS_M, device=env.device).expand(env.num_envs, -1, -1)
    tips = pos + math_utils.quat_apply(quat, offsets) - env.scene.env_origins[:, None, :]
    return tips.reshape(env.num_envs, -1)


def object_position(env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg = SceneEntityCfg("object")) -> torch.Tensor:
    """Cube position [m], env frame."""
    return env.scene[asset_cfg.name].data.root_pos_w.torch - env.scene.env_origins


def object_orientation(env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg = SceneEntityCfg("object")) -> torch.Tensor:
    """Cube orientation (x, y, z, w), real part made non-negative."""
    return math_utils.quat_unique(env.scene[asset_cfg.name].data.root_quat_w.torch)


def goal_relative_orientation(env: ManagerBasedRLEnv, command_name: str) -> torch.Tensor:
    """Rotation from the goal to the cube, ``q_object * conj(q_goal)`` (x, y, z, w), real part >= 0."""
    command: GoalOrientationCommand = env.command_manager.get_term(command_name)
    rel = math_utils.quat_mul(command.object.data.root_quat_w.torch, math_utils.quat_conjugate(command.quat_command_w))
    return math_utils.quat_unique(rel)


def goal_orientation(env: ManagerBasedRLEnv, command_name: str) -> torch.Tensor:
    """Goal orientation (x, y, z, w)."""
    return env.command_manager.get_term(command_name).quat_command_w


def object_velocities(env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg = SceneEntityCfg("object")) -> torch.Tensor:
    """Cube linear [m/s] and angular [rad/s] velocity, world frame, shape (num_envs, 6)."""
    data = env.scene[asset_cfg.name].data
    return torch.cat((data.root_lin_vel_w.torch, data.root_ang_vel_w.torch), dim=-1)
