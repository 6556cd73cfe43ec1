"""Isaac Lab config of the generated Shadow hand on PhysX (OvPhysX kit-less, Isaac Sim PhysX under Kit).

The same hand as :func:`dactyl_lab.assets.scene.shadow_hand_cfg` with the PhysX layer of
:mod:`dactyl_lab.assets.physx_hand` (drives, fixed tendons, gravity off). Every gain, damping, cap and armature comes
from :mod:`dactyl_lab.spec.hand`. As on Newton, the servos add no damping (drive damping 0): each joint's passive
damping is the whole, on PhysX the axis' viscous friction the layer authors.
"""

from __future__ import annotations

import isaaclab.sim as sim_utils
from isaaclab.actuators import ImplicitActuatorCfg
from isaaclab.assets import ArticulationCfg

from dactyl_lab.spec import hand

from dactyl_lab.assets.scene import hand_init_state, joint_motors_actuator

GENERATED_PHYSX_HAND_USD = "<the generated PhysX Shadow hand: dactyl_lab.assets.physx_hand, built when spawned>"
"""``usd_path`` of the PhysX hand config until the scene spawns it (building imports pxr)."""

TENDON_JOINTS_EXPR = "rh_(FF|MF|RF|LF)J(2|1)"


def spawn_generated_physx_hand(prim_path: str, cfg: sim_utils.UsdFileCfg, *args, **kwargs):
    """Spawn the PhysX hand: build (or find in the cache) its layer now, then Isaac Lab's ``spawn_from_usd``."""
    from isaaclab.sim.spawners.from_files import spawn_from_usd

    from dactyl_lab.assets.physx_hand import physx_hand_asset

    if cfg.usd_path == GENERATED_PHYSX_HAND_USD:
        cfg = cfg.replace(usd_path=str(physx_hand_asset().usd_path))
    return spawn_from_usd(prim_path, cfg, *args, **kwargs)


def shadow_hand_physx_cfg() -> ArticulationCfg:
    """The generated Shadow hand for PhysX: 16 joint motors as joint drives, 4 tendon motors as fixed tendons."""
    tendon_joints = [j for pair in hand.TENDON_JOINTS.values() for j in pair]
    return ArticulationCfg(
        prim_path="{ENV_REGEX_NS}/Robot",
        spawn=sim_utils.UsdFileCfg(
            func=f"{__name__}:spawn_generated_physx_hand",
            usd_path=GENERATED_PHYSX_HAND_USD,
        ),
        init_state=hand_init_state(),
        # the public joint and body order is Newton's (hand.NEWTON_JOINT_ORDER), on PhysX too
        joint_ordering="mjwarp",
        body_ordering="mjwarp",
        actuators={
            "joint_motors": joint_motors_actuator(),
            # J1 and J2 are driven by their finger's fixed tendon: no drive of their own
            "tendon_joints": ImplicitActuatorCfg(
                joint_names_expr=[TENDON_JOINTS_EXPR],
                stiffness=0.0,
                damping=0.0,
                armature={n: hand.JOINT_ARMATURE[n] for n in tendon_joints},
            ),
        },
    )


def physx_collision_props() -> sim_utils.CollisionPropertiesCfg:
    """The PhysX contact settings of the hand's layer (:mod:`dactyl_lab.assets.physx_hand`), for the other bodies the
    hand touches (the cube), so that every pair uses the offsets measured together (docs/parity.md)."""
    from dactyl_lab.assets.physx_hand import CONTACT_OFFSET_M, REST_OFFSET_M

    return sim_utils.CollisionPropertiesCfg(contact_offset=CONTACT_OFFSET_M, rest_offset=REST_OFFSET_M)


def use_in_stock_shadow_task(cfg) -> None:
    """Point Isaac Lab's stock ``Isaac-Reorient-Cube-Shadow`` config, resolved for a PhysX preset, at our local assets:
    :func:`dactyl_lab.assets.scene.use_in_stock_shadow_task` (cube, ground, goal marker) with the PhysX layer of the
    generated hand as the robot USD. The stock robot config (gains, effort limits, solver iterations) stays."""
    from dactyl_lab.assets import scene
    from dactyl_lab.assets.physx_hand import physx_hand_asset

    scene.use_in_stock_shadow_task(cfg)
    cfg.scene.robot.spawn.usd_path = str(physx_hand_asset().usd_path)
