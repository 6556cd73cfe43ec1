"""The PhysX versions of the physics terms of ``presets=randomized`` / ``adr`` whose Newton functions write Newton
model data (``newton_only = True``), through Isaac Lab's asset APIs and PhysX tensor bindings; :mod:`.physx`
puts them in place of the Newton ones when the env is built on a PhysX preset.

* friction (``object_friction``, ``hand_friction``): each shape's static and dynamic friction = default x value
  (one value per env and shape, as Newton's one ``mu`` per shape), through the asset's shape-material binding
  (OvPhysX ``*SHAPE_FRICTION_AND_RESTITUTION``, Isaac Sim PhysX ``set_material_properties``); restitution kept;
* tendon gains (``tendon_gains``): each finger's fixed-tendon stiffness (the tendon motor's P gain on the PhysX
  hand, :mod:`dactyl_lab.assets.physx_hand`) = default x value (``set_fixed_tendon_stiffness_index``);

Material and tendon bindings live on the host (PhysX's tensor API), so these terms copy their draws to the CPU on
a reset (Isaac Lab's stock material term does the same); nothing here runs on the step path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import warp as wp

from isaaclab.managers import EventTermCfg, ManagerTermBase, SceneEntityCfg

from dactyl_lab.tasks.randomization import RandomizedValueCfg, resolve_env_ids

from ..mdp.randomization_terms import draw_values

if TYPE_CHECKING:
    from isaaclab.assets import Articulation, RigidObject
    from isaaclab.envs import ManagerBasedEnv


class ShapeMaterials:
    """Read / write (N, shapes, 3) static friction, dynamic friction, restitution of an asset's collision shapes
    in the PhysX simulation (OvPhysX or Isaac Sim PhysX); the buffer lives where PhysX keeps it (the host)."""

    def __init__(self, asset: RigidObject | Articulation):
        self.view = asset.root_view
        self.isaacsim = hasattr(self.view, "get_material_properties")  # omni.physics.tensors (Isaac Sim PhysX)
        if not self.isaacsim:
            from isaaclab import assets
            from isaaclab_ov import tensor_types

            articulation = isinstance(asset, assets.BaseArticulation)
            self.kind = (
                tensor_types.SHAPE_FRICTION_AND_RESTITUTION
                if articulation
                else tensor_types.RIGID_BODY_SHAPE_FRICTION_AND_RESTITUTION
            )

    def read(self) -> torch.Tensor:
        """The materials as PhysX holds them now: (N, shapes, 3)."""
        if self.isaacsim:
            return wp.to_torch(self.view.get_material_properties()).clone()
        return wp.to_torch(self.view.get_attribute(self.kind)).clone()

    def write(self, materials: torch.Tensor, ids: torch.Tensor) -> None:
        """Write rows ``ids`` of the full buffer ``materials`` (PhysX's indexed writes take the full buffer)."""
        rows = ids.to(device=materials.device, dtype=torch.int32)
        if self.isaacsim:
            self.view.set_material_properties(wp.from_torch(materials.contiguous()), wp.from_torch(rows))
            return
        self.view.set_attribute(self.kind, wp.from_torch(materials.contiguous(), dtype=wp.float32), indices=rows)


FRICTION_LEVELS_PER_UNIT = 256
"""Friction scales are rounded to multiples of 1/256 on PhysX: PhysX holds at most 64,000 distinct materials per
scene, and one continuous value per env and shape would pass that at ~2,300 envs (28 shapes each: the hand's 27, the
cube's 1). The rounding keeps
the distinct values to ~150 over the paper's [0.7, 1.3] (~440 over ADR's hard limits) per default friction, at most
0.002 from the drawn value (Isaac Lab's stock term draws from 250 buckets for the same reason)."""


class randomize_friction_scale(ManagerTermBase):
    """PhysX: static and dynamic friction of every shape of the asset = default x value (one value per shape)."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.materials = ShapeMaterials(env.scene[cfg.params["asset_cfg"].name])
        self.default = self.materials.read()  # (N, S, 3) on PhysX's device for materials
        self.current = self.default.clone()

    def __call__(
        self, env: ManagerBasedEnv, env_ids: torch.Tensor | None, value: RandomizedValueCfg, asset_cfg: SceneEntityCfg
    ):
        ids = resolve_env_ids(env_ids, env.num_envs, env.device)
        scale = draw_values(env, value, ids, (self.default.shape[1],)).to(self.current.device)
        scale = torch.round(scale * FRICTION_LEVELS_PER_UNIT) / FRICTION_LEVELS_PER_UNIT  # bounded distinct materials
        rows = ids.to(self.current.device)
        self.current[rows, :, :2] = self.default[rows, :, :2] * scale[..., None]
        self.materials.write(self.current, ids)


class randomize_tendon_gain_scale(ManagerTermBase):
    """PhysX: each fixed tendon's stiffness (the tendon motor's P gain) = default x value."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.asset: Articulation = env.scene[cfg.params.get("asset_name", "robot")]
        self.default = self.asset.data.fixed_tendon_stiffness.torch.clone()  # (N, tendons)

    def __call__(self, env: ManagerBasedEnv, env_ids: torch.Tensor | None, value: RandomizedValueCfg):
        if self.default.shape[1] == 0:
            return
        ids = resolve_env_ids(env_ids, env.num_envs, env.device)
        k = self.default[ids] * draw_values(env, value, ids, (self.default.shape[1],))
        self.asset.set_fixed_tendon_stiffness_index(stiffness=k.contiguous(), env_ids=ids)
        self.asset.write_fixed_tendon_properties_to_sim_index(env_ids=ids)
