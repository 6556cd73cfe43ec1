"""Episode ends: the cube is dropped, 50 goals are reached in a row, or one goal times out."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from isaaclab.managers import SceneEntityCfg

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

    from .commands import GoalOrientationCommand


def object_dropped(
    env: ManagerBasedRLEnv,
    command_name: str,
    max_distance_m: float,
    asset_cfg: SceneEntityCfg = SceneEntityCfg("object"),
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


def any_nonfinite(*tensors: torch.Tensor) -> torch.Tensor:
    """Per env (first axis): True where any value of any of the ``(num_envs, ...)`` tensors is NaN or inf."""
    return torch.stack([~torch.isfinite(t.reshape(t.shape[0], -1)).all(dim=-1) for t in tensors]).any(dim=0)


def nonfinite_state(
    env: ManagerBasedRLEnv,
    robot_cfg: SceneEntityCfg = SceneEntityCfg("robot"),
    object_cfg: SceneEntityCfg = SceneEntityCfg("object"),
) -> torch.Tensor:
    """The guard against a diverged simulation: True where the hand's joint positions / velocities or the cube's
    pose / velocities hold NaN or inf. The env is reset like any ended episode, and the termination manager
    reports it in the episode log (``Episode_Termination/nonfinite_state``: the fraction of envs whose last episode
    the guard ended)."""
    robot, cube = env.scene[robot_cfg.name].data, env.scene[object_cfg.name].data
    return any_nonfinite(
        robot.joint_pos.torch,
        robot.joint_vel.torch,
        cube.root_pos_w.torch,
        cube.root_quat_w.torch,
        cube.root_lin_vel_w.torch,
        cube.root_ang_vel_w.torch,
    )
