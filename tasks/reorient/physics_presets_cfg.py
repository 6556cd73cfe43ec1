"""Physics presets of the task, declared as Isaac Lab's stock Shadow task declares them (``shadow_hand_common``):
``presets=newton_mjwarp`` (the default), ``ovphysx`` (kit-less OvPhysX), ``isaacsim_physx`` (Isaac Sim PhysX under
Kit) and ``physx`` (auto: OvPhysX kit-less, Isaac Sim PhysX under Kit). Each selects ``sim.physics`` and the
matching hand (``scene.robot``: the Newton asset, or its PhysX layer); they compose with ``randomized``, ``adr``,
``curriculum`` and ``hz20`` (``presets=physx,hz20``)."""

from __future__ import annotations

from typing import Any

from isaaclab.physics import PhysxAutoCfg
from isaaclab.utils import configclass
from isaaclab_ov.physics import OvPhysxCfg
from isaaclab_physx.physics import PhysxCfg
from isaaclab_tasks.utils import PresetCfg

from dactyl_lab.assets.physx_scene import shadow_hand_physx_cfg

PHYSICS_PRESET_NAMES: tuple[str, ...] = ("newton_mjwarp", "physx", "ovphysx", "isaacsim_physx")


@configclass
class PhysicsPresetCfg(PresetCfg):
    """``sim.physics`` per backend (filled by :func:`with_physics_presets`)."""

    default: Any = None
    newton_mjwarp: Any = None
    ovphysx: Any = None
    isaacsim_physx: Any = None
    physx: Any = None


@configclass
class RobotPresetCfg(PresetCfg):
    """``scene.robot`` per backend: the same hand; only the asset's physics layer differs."""

    default: Any = None
    newton_mjwarp: Any = None
    ovphysx: Any = None
    isaacsim_physx: Any = None
    physx: Any = None


def physx_physics() -> tuple[OvPhysxCfg, PhysxCfg, PhysxAutoCfg]:
    """(OvPhysX, Isaac Sim PhysX, auto) physics configs (Isaac Lab's stock Shadow-hand settings)."""
    ovphysx = OvPhysxCfg()
    isaacsim = PhysxCfg(
        bounce_threshold_velocity=0.2, gpu_max_rigid_contact_count=2**23, gpu_max_rigid_patch_count=2**23
    )
    return ovphysx, isaacsim, PhysxAutoCfg(isaacsim_physx=isaacsim, ovphysx=ovphysx)


def with_physics_presets(cfg):
    """``cfg`` (a concrete env config on Newton) with its ``sim.physics`` and ``scene.robot`` turned into the
    physics presets; Newton stays the default. Returns ``cfg``."""
    newton, newton_robot = cfg.sim.physics, cfg.scene.robot
    ovphysx, isaacsim, auto = physx_physics()
    cfg.sim.physics = PhysicsPresetCfg(
        default=newton, newton_mjwarp=newton, ovphysx=ovphysx, isaacsim_physx=isaacsim, physx=auto
    )
    physx_robot = shadow_hand_physx_cfg()
    cfg.scene.robot = RobotPresetCfg(
        default=newton_robot,
        newton_mjwarp=newton_robot,
        ovphysx=physx_robot,
        isaacsim_physx=physx_robot,
        physx=physx_robot,
    )
    return cfg
