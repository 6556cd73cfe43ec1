"""Joint damping randomization on the total damping of every hand joint (arXiv 1808.00177, Table 1: logU[0.3, 3]).

The hand's whole joint damping is the asset's passive damping (the MJCF's ``damping``, Newton ``joint_damping``,
MuJoCo ``dof_damping``; on PhysX each axis' viscous friction, :mod:`dactyl_lab.assets.physx_hand`): the 16 joint
servos have no drive damping (``assets/scene.py``: ``damping=0``), and the 8 coupled J1/J2 joints have no servo at
all. So one scale per joint of the passive damping randomizes the total, on all 24 joints, exactly as the MuJoCo
stand-in hand sees it; Isaac Lab's ``joint_viscous_friction_coeff`` is that damping on Newton and on PhysX alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from isaaclab.managers import EventTermCfg, ManagerTermBase, SceneEntityCfg

from dactyl_lab.tasks.randomization import RandomizedValueCfg, resolve_env_ids

from .randomization_terms import draw_values

if TYPE_CHECKING:
    from isaaclab.assets import Articulation
    from isaaclab.envs import ManagerBasedEnv


class randomize_joint_damping_total(ManagerTermBase):
    """Passive damping of the asset's joints = nominal x value, drawn per env and joint (ADR-driven under ADR).

    Refuses an asset whose servos add drive damping: the total would no longer be what is randomized."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.asset: Articulation = env.scene[cfg.params["asset_cfg"].name]
        self.nominal = self.asset.data.joint_viscous_friction_coeff.torch.clone()
        drive = self.asset.data.joint_damping.torch
        if torch.any(drive != 0):
            raise ValueError(
                "randomize_joint_damping_total scales the passive joint damping as the whole damping, but the "
                f"asset {cfg.params['asset_cfg'].name!r} has servo (drive) damping too; set the implicit actuators' "
                "damping=0.0 (dactyl_lab.assets.scene.joint_motors_actuator does)"
            )

    def __call__(
        self, env: ManagerBasedEnv, env_ids: torch.Tensor | None, value: RandomizedValueCfg, asset_cfg: SceneEntityCfg
    ):
        ids = resolve_env_ids(env_ids, env.num_envs, env.device)
        joints = torch.arange(self.asset.num_joints, device=env.device)[asset_cfg.joint_ids]
        damping = self.nominal[ids][:, joints] * draw_values(env, value, ids, (joints.numel(),))
        self.asset.write_joint_viscous_friction_coefficient_to_sim_index(
            joint_viscous_friction_coeff=damping, joint_ids=joints, env_ids=ids
        )
