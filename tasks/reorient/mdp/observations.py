"""Observation terms of the Dactyl task (positions in the environment frame [m], quaternions x, y, z, w)."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import torch

import isaaclab.utils.math as math_utils
from isaaclab.managers import SceneEntityCfg

from dactyl_lab.spec import hand

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .commands import GoalOrientationCommand


@functools.cache
def device_constant(values: tuple, device: str) -> torch.Tensor:
    """``values`` (nested tuples of floats) as a float32 tensor on ``device``, built once per device: a tensor made
    from host data is a blocking host-to-device copy on CUDA, which the step path must not make. Shared: never write
    into it. Made outside inference mode, so that it is an ordinary tensor whichever context builds it first."""
    with torch.inference_mode(False):
        return torch.tensor(values, dtype=torch.float32, device=device)


def fingertip_positions(env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg) -> torch.Tensor:
    """Tip points of the 5 fingertips [m], env frame, shape (num_envs, 15), order hand.FINGERTIP_BODY_NAMES.

    ``asset_cfg.body_names`` must list hand.FINGERTIP_BODY_NAMES with preserve_order=True.
    """
    asset = env.scene[asset_cfg.name]
    pos = asset.data.body_pos_w.torch[:, asset_cfg.body_ids]
    quat = asset.data.body_quat_w.torch[:, asset_cfg.body_ids]
    offsets = device_constant(hand.FINGERTIP_OFFSETS_M, str(env.device)).expand(env.num_envs, -1, -1)
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


# --------------------------------------------------------------------------------------------- marker geometry
MIDDLE_BODY_NAMES: tuple[str, ...] = ("rh_ffmiddle", "rh_mfmiddle", "rh_rfmiddle", "rh_lfmiddle", "rh_thmiddle")
"""Middle phalanges, same finger order as ``hand.FINGERTIP_BODY_NAMES`` (distal phalanges)."""

NAIL_SITES_M: tuple[tuple[float, float, float], ...] = (
    (0.0, 0.00705, 0.018),
    (0.0, 0.00705, 0.018),
    (0.0, 0.00705, 0.018),
    (0.0, 0.00705, 0.018),
    (0.00918, 0.0, 0.019),
)
"""Nail site of each distal phalanx in its body frame [m]: on the back of the phalanx (the side away from the palm:
+y for the fingers, whose J1 flexes about +x, +x for the thumb, whose THJ1 flexes about -y), on the surface of the
distal collision capsule (radius 7.05 / 9.18 mm), 18-19 mm from the joint (the tip points are at 26 / 27.5 mm)."""

FINGER_CAPSULES_M: tuple[tuple[tuple[float, float], tuple[float, float]], ...] = (
    ((0.024, 0.00705), (0.025, 0.00805)),
    ((0.024, 0.00705), (0.025, 0.00805)),
    ((0.024, 0.00705), (0.025, 0.00805)),
    ((0.024, 0.00705), (0.025, 0.00805)),
    ((0.026, 0.00918), (0.032, 0.011)),
)
"""Per finger, (length along body z, radius) [m] of the distal and the middle collision capsule (the rewritten
MJCF's ``rh_C_*distal`` / ``rh_C_*middle``: axis from the body origin along +z)."""


def marker_geometry(env: ManagerBasedRLEnv, distal_cfg: SceneEntityCfg, middle_cfg: SceneEntityCfg):
    """Nail sites (N, 5, 3), finger capsule axes (N, 5, 2, 2, 3) [distal, middle] x [start, end] and radii (5, 2),
    env frame [m]; body cfgs as :data:`FINGERTIPS` and :data:`MIDDLE_BODY_NAMES` with preserve_order=True."""
    robot = env.scene[distal_cfg.name]
    origins = env.scene.env_origins[:, None, :]
    pos_d = robot.data.body_pos_w.torch[:, distal_cfg.body_ids] - origins
    quat_d = robot.data.body_quat_w.torch[:, distal_cfg.body_ids]
    pos_m = robot.data.body_pos_w.torch[:, middle_cfg.body_ids] - origins
    quat_m = robot.data.body_quat_w.torch[:, middle_cfg.body_ids]
    n = env.num_envs
    nail_sites = device_constant(NAIL_SITES_M, str(env.device)).expand(n, -1, -1)
    nail = pos_d + math_utils.quat_apply(quat_d, nail_sites)
    caps = device_constant(FINGER_CAPSULES_M, str(env.device))  # (5, 2, 2): (length, radius)
    axis = torch.zeros((n, 5, 2, 3), device=env.device)
    axis[..., 2] = caps[:, :, 0]
    pos, quat = torch.stack((pos_d, pos_m), dim=2), torch.stack((quat_d, quat_m), dim=2)  # (N, 5, 2, ...)
    segments = torch.stack((pos, pos + math_utils.quat_apply(quat, axis)), dim=3)
    return nail, segments, caps[:, :, 1]
