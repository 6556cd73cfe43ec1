"""Isaac Lab configs of the Dactyl scene: the generated Shadow hand, the cube, a ground plane, the goal marker.

Nothing here touches the network: the hand USD is generated from gymnasium-robotics (see
:mod:`dactyl_lab.assets.build`) and the cube, ground and marker are procedural shapes.
"""

from __future__ import annotations

import isaaclab.sim as sim_utils
from isaaclab.actuators import ImplicitActuatorCfg
from isaaclab.assets import ArticulationCfg, AssetBaseCfg, RigidObjectCfg
from isaaclab.markers import VisualizationMarkersCfg
from isaaclab_newton.sim.schemas import MujocoRigidBodyCfg, NewtonArticulationCfg

from dactyl_lab.spec import hand, task as task_constants
from dactyl_lab.assets import shadow_mjcf
from dactyl_lab.assets.build import hand_asset

HAND_BASE_POS_M = task_constants.HAND_BASE_POS_M
"""Where the hand mount sits in each environment [m]; the palm faces up (+z) (``dactyl_lab.spec.task``)."""

CUBE_MASS_KG = shadow_mjcf.CUBE_DENSITY_KG_M3 * shadow_mjcf.CUBE_EDGE_M**3
"""Mass of the default 5 cm block [kg] (~0.071 kg)."""


GENERATED_HAND_USD = "<the generated Shadow hand: dactyl_lab.assets.build.hand_asset(), built when spawned>"
"""``usd_path`` of the hand config until the scene spawns it (loading a config must not build the USD: that
imports pxr, which Isaac Lab forbids before Kit starts)."""


def spawn_generated_hand(prim_path: str, cfg: sim_utils.UsdFileCfg, *args, **kwargs):
    """Spawn the generated hand: build (or find in the cache) its USD now, then Isaac Lab's ``spawn_from_usd``."""
    from isaaclab.sim.spawners.from_files import spawn_from_usd

    if cfg.usd_path == GENERATED_HAND_USD:
        cfg = cfg.replace(usd_path=str(hand_asset().usd_path))
    return spawn_from_usd(prim_path, cfg, *args, **kwargs)


def hand_init_state() -> ArticulationCfg.InitialStateCfg:
    """The hand's base at :data:`HAND_BASE_POS_M`, unrotated, every joint at 0 (every backend)."""
    return ArticulationCfg.InitialStateCfg(pos=HAND_BASE_POS_M, rot=(0.0, 0.0, 0.0, 1.0), joint_pos={".*": 0.0})


def joint_motors_actuator() -> ImplicitActuatorCfg:
    """The 16 joint motors' servos from :mod:`dactyl_lab.spec.hand` (stiffness, effort limit, armature) on every
    backend. The servos add no damping: the joints' passive damping is the whole (Newton: the asset's joint damping;
    PhysX: the same value as each axis' viscous friction, :mod:`dactyl_lab.assets.physx_hand`)."""
    return ImplicitActuatorCfg(
        joint_names_expr=list(hand.JOINT_MOTOR_NAMES),
        stiffness={n: hand.MOTOR_STIFFNESS[n] for n in hand.JOINT_MOTOR_NAMES},
        damping=0.0,
        effort_limit_sim={n: hand.MOTOR_EFFORT_LIMIT[n] for n in hand.JOINT_MOTOR_NAMES},
        armature={n: hand.JOINT_ARMATURE[n] for n in hand.JOINT_MOTOR_NAMES},
    )


def shadow_hand_cfg() -> ArticulationCfg:
    """The generated Shadow hand (24 joints, 20 motors), fixed at :data:`HAND_BASE_POS_M`; its USD is built
    when the scene is created (:func:`spawn_generated_hand`).

    Self-collisions on: Newton filters the two bodies of every joint and the asset's
    :data:`~dactyl_lab.assets.shadow_mjcf.SELF_COLLISION_EXCLUDES` (``physics:filteredPairs``), as the MJCF does.
    Joint damping is the asset's passive joint damping alone (:data:`dactyl_lab.spec.hand.JOINT_DAMPING`, the MJCF's
    ``damping``, which Newton imports as ``joint_damping``): the servos add no damping of their own (``damping=0``),
    so the total per joint equals the model's and the MuJoCo stand-in's."""
    return ArticulationCfg(
        prim_path="{ENV_REGEX_NS}/Robot",
        spawn=sim_utils.UsdFileCfg(
            func=f"{__name__}:spawn_generated_hand",
            usd_path=GENERATED_HAND_USD,
            articulation_props=NewtonArticulationCfg(self_collision_enabled=True),
            rigid_props=MujocoRigidBodyCfg(gravcomp=shadow_mjcf.HAND_GRAVCOMP),  # the hand holds its pose
        ),
        init_state=hand_init_state(),
        joint_ordering="mjwarp",
        body_ordering="mjwarp",
        actuators={
            "joint_motors": joint_motors_actuator(),
            # J1 and J2 of each finger are driven through the tendon motor authored in the asset
            "tendon_joints": ImplicitActuatorCfg(
                joint_names_expr=["rh_(FF|MF|RF|LF)J(2|1)"],
                stiffness=None,
                damping=None,
                armature=hand.JOINT_ARMATURE["rh_FFJ1"],
            ),
        },
    )


def cube_cfg(edge_m: float = shadow_mjcf.CUBE_EDGE_M) -> RigidObjectCfg:
    """The Dactyl block: a free cube at its home above the palm (``task_constants.cube_home_env_m``)."""
    return RigidObjectCfg(
        prim_path="{ENV_REGEX_NS}/object",
        spawn=sim_utils.CuboidCfg(
            size=(edge_m, edge_m, edge_m),
            rigid_props=sim_utils.RigidBodyPropertiesCfg(),
            mass_props=sim_utils.MassPropertiesCfg(mass=shadow_mjcf.CUBE_DENSITY_KG_M3 * edge_m**3),
            collision_props=sim_utils.CollisionPropertiesCfg(),
            visual_material=sim_utils.PreviewSurfaceCfg(diffuse_color=(0.9, 0.5, 0.1)),
        ),
        init_state=RigidObjectCfg.InitialStateCfg(pos=task_constants.cube_home_env_m(), rot=(0.0, 0.0, 0.0, 1.0)),
    )


def ground_cfg() -> AssetBaseCfg:
    """A static 4 m x 4 m slab at z = 0 (Isaac Lab's grid-plane USD lives on the cloud host)."""
    return AssetBaseCfg(
        prim_path="/World/ground",
        spawn=sim_utils.CuboidCfg(
            size=(4.0, 4.0, 0.02),
            collision_props=sim_utils.CollisionPropertiesCfg(),
            visual_material=sim_utils.PreviewSurfaceCfg(diffuse_color=(0.2, 0.2, 0.25)),
        ),
        init_state=AssetBaseCfg.InitialStateCfg(pos=(0.0, 0.0, -0.01)),
    )


def goal_marker_cfg(edge_m: float = shadow_mjcf.CUBE_EDGE_M) -> VisualizationMarkersCfg:
    """A translucent green cube drawn at the goal orientation."""
    return VisualizationMarkersCfg(
        prim_path="/Visuals/goal_marker",
        markers={
            "goal": sim_utils.CuboidCfg(
                size=(edge_m, edge_m, edge_m),
                visual_material=sim_utils.PreviewSurfaceCfg(diffuse_color=(0.1, 0.8, 0.2), opacity=0.5),
            )
        },
    )


def use_in_stock_shadow_task(cfg) -> None:
    """Point Isaac Lab's stock ``Isaac-Reorient-Cube-Shadow`` config at our local assets (no cloud host).

    Swaps the robot USD for the generated hand, the DexCube for :func:`cube_cfg`, drops the grid
    ground plane and draws the goal as a plain cube. Everything else stays stock.
    """
    cfg.scene.robot.spawn.usd_path = str(hand_asset().usd_path)
    cfg.scene.robot.spawn.variants = None
    cfg.scene.object.spawn = cube_cfg().spawn
    cfg.scene.ground = None
    cfg.commands.object_pose.debug_vis = False
    cfg.commands.object_pose.goal_pose_visualizer_cfg.markers = {
        "goal": sim_utils.CuboidCfg(size=(task_constants.CUBE_EDGE_M,) * 3)
    }
