"""Dactyl in-hand cube reorientation (arXiv 1808.00177) as an Isaac Lab manager-based task.

Timing (paper, sec. 4): one policy step = 80 ms = 10 physics steps of 8 ms (Newton runs 2 substeps of
4 ms each). ``presets=hz20`` switches to Isaac Gym ShadowHandOpenAI's 20 Hz (dt 1/60 s, decimation 3).

Observations (paper, Table 2): ``policy`` holds what the real hand can sense (fingertip tip points,
cube position and orientation from the tracker, goal relative to the cube, last action); ``critic``
adds the privileged simulator state (joint positions and velocities, cube velocities, goal).

``presets=randomized`` turns on Dactyl's domain randomization (paper, sec. 4.2 / Table 1): observation
noise and marker dropout on the ``policy`` group only, action noise and a one-step delay on random
actuators, backlash, control-step timing jitter (as substep latency), random forces on the cube, and
per-episode physics (object size, masses, friction, actuator gains, joint limits, gravity per Newton world).
``presets=adr`` drives the physics and noise magnitudes by Automatic Domain Randomization instead of fixed
ranges (docs/randomization.md). The default task is not randomized.
"""

from __future__ import annotations

from isaaclab.envs import ManagerBasedRLEnvCfg
from isaaclab.managers import EventTermCfg as EventTerm
from isaaclab.managers import ObservationGroupCfg as ObsGroup
from isaaclab.managers import ObservationTermCfg as ObsTerm
from isaaclab.managers import RewardTermCfg as RewTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.managers import TerminationTermCfg as DoneTerm
from isaaclab.scene import InteractiveSceneCfg
from isaaclab.sim import SimulationCfg
from isaaclab.sim.spawners.materials import RigidBodyMaterialBaseCfg
from isaaclab.utils import configclass
from isaaclab_newton.physics import MJWarpSolverCfg, NewtonCfg
from isaaclab_tasks.utils import PresetCfg

from dactyl_lab import hand
from dactyl_lab.assets import scene as scene_assets
from dactyl_lab.tasks.randomization import (
    PhysicsRandomizationCfg,
    adr_action_noise_cfg,
    adr_observation_noise_cfg,
    adr_physics_cfg,
    dactyl_adr_cfg,
)

from . import mdp

GOAL = "object_pose"
FINGERTIPS = SceneEntityCfg("robot", body_names=list(hand.FINGERTIP_BODY_NAMES), preserve_order=True)


@configclass
class DactylSceneCfg(InteractiveSceneCfg):
    num_envs: int = 1024
    env_spacing: float = 0.75  # [m]
    replicate_physics: bool = True
    robot = scene_assets.shadow_hand_cfg()
    object = scene_assets.cube_cfg()
    ground = scene_assets.ground_cfg()


@configclass
class ActionsCfg:
    motors = mdp.RelativeMotorTargetActionCfg(asset_name="robot")


@configclass
class CommandsCfg:
    object_pose = mdp.GoalOrientationCommandCfg(
        asset_name="object", goal_marker_cfg=scene_assets.goal_marker_cfg(), debug_vis=False
    )


@configclass
class PolicyObsCfg(ObsGroup):
    """What the real hand senses (PhaseSpace fingertip markers, a cube tracker), in contract order."""

    fingertip_pos = ObsTerm(func=mdp.fingertip_positions, params={"asset_cfg": FINGERTIPS})
    object_pos = ObsTerm(func=mdp.object_position)
    object_quat = ObsTerm(func=mdp.object_orientation)
    goal_relative_quat = ObsTerm(func=mdp.goal_relative_orientation, params={"command_name": GOAL})
    last_action = ObsTerm(func=mdp.last_action)

    def __post_init__(self):
        self.concatenate_terms = True
        self.enable_corruption = True


@configclass
class CriticObsCfg(ObsGroup):
    """Privileged, noiseless state for the value function (asymmetric actor-critic)."""

    fingertip_pos = ObsTerm(func=mdp.fingertip_positions, params={"asset_cfg": FINGERTIPS})
    object_pos = ObsTerm(func=mdp.object_position)
    object_quat = ObsTerm(func=mdp.object_orientation)
    goal_relative_quat = ObsTerm(func=mdp.goal_relative_orientation, params={"command_name": GOAL})
    last_action = ObsTerm(func=mdp.last_action)
    joint_pos = ObsTerm(func=mdp.joint_pos)
    joint_vel = ObsTerm(func=mdp.joint_vel, scale=0.1)
    object_vel = ObsTerm(func=mdp.object_velocities, scale=0.2)
    goal_quat = ObsTerm(func=mdp.goal_orientation, params={"command_name": GOAL})

    def __post_init__(self):
        self.concatenate_terms = True
        self.enable_corruption = False


@configclass
class ObservationsCfg:
    policy: PolicyObsCfg = PolicyObsCfg()
    critic: CriticObsCfg = CriticObsCfg()


@configclass
class RewardsCfg:
    """Per-step rewards in the paper's units. Isaac Lab multiplies every term by the step time, so
    :meth:`DactylReorientEnvCfg.__post_init__` divides the weights by it: a reached goal pays +5."""

    orientation_progress = RewTerm(func=mdp.orientation_progress, weight=1.0, params={"command_name": GOAL})
    goal_bonus = RewTerm(func=mdp.goal_reached, weight=5.0, params={"command_name": GOAL})
    drop_penalty = RewTerm(func=mdp.is_terminated, weight=-20.0)


PAPER_REWARD_WEIGHTS = {"orientation_progress": 1.0, "goal_bonus": 5.0, "drop_penalty": -20.0}
"""Dactyl's reward (arXiv 1808.00177, sec. 4.3) per policy step: progress [rad], +5 per goal, -20 per drop."""


@configclass
class TerminationsCfg:
    object_dropped = DoneTerm(func=mdp.object_dropped, params={"command_name": GOAL, "max_distance_m": 0.12})
    # reaching the cap or timing out on a goal ends the episode without a terminal penalty (bootstrapped)
    max_successes = DoneTerm(
        func=mdp.max_consecutive_successes, params={"command_name": GOAL, "max_successes": 50}, time_out=True
    )
    goal_timeout = DoneTerm(func=mdp.goal_timeout, params={"command_name": GOAL, "timeout_s": 8.0}, time_out=True)
    time_out = DoneTerm(func=mdp.time_out, time_out=True)


@configclass
class EventsCfg:
    quiet_solver = EventTerm(func=mdp.silence_solver_iteration_warnings, mode="startup")
    reset_object = EventTerm(
        func=mdp.reset_root_state_with_random_orientation,
        mode="reset",
        params={
            "pose_range": {"x": (-0.005, 0.005), "y": (-0.005, 0.005), "z": (0.0, 0.0)},  # [m]
            "velocity_range": {},
            "asset_cfg": SceneEntityCfg("object"),
        },
    )
    reset_hand = EventTerm(
        func=mdp.reset_reorient_hand, mode="reset", params={"joint_position_noise": 0.1, "joint_velocity_noise": 0.0}
    )


@configclass
class RandomizedPolicyObsCfg(PolicyObsCfg):
    """The policy's inputs as the real hand would see them: noisy markers and tracker (paper, sec. 4.2)."""

    fingertip_pos = ObsTerm(func=mdp.noisy_fingertip_positions, params={"asset_cfg": FINGERTIPS})
    object_pos = ObsTerm(func=mdp.noisy_object_position)
    object_quat = ObsTerm(func=mdp.noisy_object_orientation)
    goal_relative_quat = ObsTerm(func=mdp.noisy_goal_relative_orientation, params={"command_name": GOAL})


@configclass
class RandomizedObservationsCfg(ObservationsCfg):
    policy: RandomizedPolicyObsCfg = RandomizedPolicyObsCfg()
    critic: CriticObsCfg = CriticObsCfg()


HAND_MOTOR_JOINTS = SceneEntityCfg("robot", joint_names=list(hand.JOINT_MOTOR_NAMES), preserve_order=True)


@configclass
class RandomizedEventsCfg(EventsCfg):
    """Dactyl's per-episode physics randomization (arXiv 1808.00177, Table 1) with Isaac Lab's event terms,
    plus the resets and the per-step object force of :mod:`.mdp.randomization_terms`.

    The object size is our term (Isaac Lab's USD ``randomize_rigid_body_scale`` cannot run kit-less, see
    :class:`.mdp.randomize_object_size`), so are the 4 tendon motors' P gains (MuJoCo actuators authored in
    the asset, not exposed as Isaac Lab gains: :class:`.mdp.randomize_tendon_gain_scale`). Joint damping is
    the damping of the 16 joint motors' position servos (Isaac Lab's implicit actuator ``damping``)."""

    object_size = EventTerm(
        func=mdp.randomize_object_size,
        mode="reset",
        params={
            "asset_cfg": SceneEntityCfg("object"),
            "value": PhysicsRandomizationCfg().object_scale,
            "max_scale": 1.05,
        },
    )

    object_mass = EventTerm(
        func=mdp.randomize_rigid_body_mass,
        mode="reset",
        params={"asset_cfg": SceneEntityCfg("object"), "mass_distribution_params": (0.5, 1.5), "operation": "scale"},
    )
    hand_mass = EventTerm(
        func=mdp.randomize_rigid_body_mass,
        mode="reset",
        params={"asset_cfg": SceneEntityCfg("robot"), "mass_distribution_params": (0.5, 1.5), "operation": "scale"},
    )
    # every shape's friction is 1.0 by default and Newton samples absolute values: this is a 0.7 ... 1.3 scale
    object_friction = EventTerm(
        func=mdp.randomize_rigid_body_material,
        mode="reset",
        params={
            "asset_cfg": SceneEntityCfg("object"),
            "static_friction_range": (0.7, 1.3),
            "dynamic_friction_range": (0.7, 1.3),
            "restitution_range": (0.0, 0.0),
            "num_buckets": 250,
        },
    )
    hand_friction = EventTerm(
        func=mdp.randomize_rigid_body_material,
        mode="reset",
        params={
            "asset_cfg": SceneEntityCfg("robot"),
            "static_friction_range": (0.7, 1.3),
            "dynamic_friction_range": (0.7, 1.3),
            "restitution_range": (0.0, 0.0),
            "num_buckets": 250,
        },
    )
    actuator_gains = EventTerm(
        func=mdp.randomize_actuator_gains,
        mode="reset",
        params={
            "asset_cfg": HAND_MOTOR_JOINTS,
            "stiffness_distribution_params": (0.75, 1.5),
            "damping_distribution_params": (0.3, 3.0),
            "operation": "scale",
            "distribution": "log_uniform",
        },
    )
    tendon_gains = EventTerm(
        func=mdp.randomize_tendon_gain_scale,
        mode="reset",
        params={"value": PhysicsRandomizationCfg().actuator_gain_scale},
    )
    joint_limits = EventTerm(func=mdp.randomize_joint_limits, mode="reset", params={"std_rad": 0.15})
    gravity = EventTerm(
        func=mdp.randomize_physics_scene_gravity,
        mode="reset",
        params={
            "gravity_distribution_params": ([0.0, 0.0, -9.81], [0.4, 0.4, 0.4]),  # (mean, std) [m/s^2]
            "operation": "abs",
            "distribution": "gaussian",
        },
    )
    randomization = EventTerm(func=mdp.reset_randomization, mode="reset")
    object_force = EventTerm(
        func=mdp.apply_random_object_force, mode="interval", interval_range_s=(0.04, 0.04), is_global_time=True
    )


def _adr_physics():
    return adr_physics_cfg()


@configclass
class ADREventsCfg(EventsCfg):
    """``presets=adr``: every physics randomization driven by ADR (our ADR-aware terms, same sim writes as
    Isaac Lab's), noise magnitudes from ADR in ``reset_randomization``; ADR sync and logging every step.
    Order matters: ``adr`` (update with the finished episodes, resample) runs before the terms reading it."""

    adr = EventTerm(func=mdp.adr_update_and_resample, mode="reset", params={"command_name": GOAL})
    object_size = EventTerm(
        func=mdp.randomize_object_size,
        mode="reset",
        params={"asset_cfg": SceneEntityCfg("object"), "value": _adr_physics().object_scale, "max_scale": 1.2},
    )
    object_mass = EventTerm(
        func=mdp.randomize_mass_scale,
        mode="reset",
        params={"asset_cfg": SceneEntityCfg("object"), "value": _adr_physics().mass_scale},
    )
    hand_mass = EventTerm(
        func=mdp.randomize_mass_scale,
        mode="reset",
        params={"asset_cfg": SceneEntityCfg("robot"), "value": _adr_physics().mass_scale},
    )
    object_friction = EventTerm(
        func=mdp.randomize_friction_scale,
        mode="reset",
        params={"asset_cfg": SceneEntityCfg("object"), "value": _adr_physics().friction_scale},
    )
    hand_friction = EventTerm(
        func=mdp.randomize_friction_scale,
        mode="reset",
        params={"asset_cfg": SceneEntityCfg("robot"), "value": _adr_physics().friction_scale},
    )
    actuator_gains = EventTerm(
        func=mdp.randomize_gain_scale,
        mode="reset",
        params={
            "asset_cfg": HAND_MOTOR_JOINTS,
            "stiffness": _adr_physics().actuator_gain_scale,
            "damping": _adr_physics().joint_damping_scale,
        },
    )
    tendon_gains = EventTerm(
        func=mdp.randomize_tendon_gain_scale, mode="reset", params={"value": _adr_physics().actuator_gain_scale}
    )
    joint_limits = EventTerm(
        func=mdp.randomize_joint_limits, mode="reset", params={"value": _adr_physics().joint_limit_offset_rad}
    )
    gravity = EventTerm(
        func=mdp.randomize_gravity_offset, mode="reset", params={"value": _adr_physics().gravity_offset_mps2}
    )
    randomization = EventTerm(func=mdp.reset_randomization, mode="reset")
    object_force = EventTerm(
        func=mdp.apply_random_object_force, mode="interval", interval_range_s=(0.04, 0.04), is_global_time=True
    )
    adr_sync = EventTerm(
        func=mdp.adr_sync_and_log, mode="interval", interval_range_s=(0.04, 0.04), is_global_time=True
    )


def newton_cpu_friendly_physics(num_substeps: int = 2) -> NewtonCfg:
    """MuJoCo-Warp with the CG solver and pyramidal friction cones.

    Measured on the CPU (docs/performance.md): the default Newton-method solver spends ~90% of its time
    in a dense Hessian kernel, and the elliptic cone's cost grows with the allocated contact capacity;
    CG (20 iterations) with pyramidal cones ran about 10x faster for this hand.
    """
    return NewtonCfg(
        solver_cfg=MJWarpSolverCfg(
            solver="cg",
            iterations=20,
            ls_iterations=10,
            integrator="implicitfast",
            cone="pyramidal",
            impratio=1.0,
            njmax=300,
            nconmax=150,
        ),
        num_substeps=num_substeps,
    )


@configclass
class CurriculumPresetCfg(PresetCfg):
    """``presets=curriculum`` (composable with the others, e.g. ``presets=randomized,curriculum``): goals start
    within 0.6 rad of the cube and widen to uniform on SO(3) with the success rate (:mod:`.mdp.curriculum`)."""

    default = mdp.NoCurriculumCfg()
    curriculum = mdp.GoalCurriculumCfg()


@configclass
class DactylReorientEnvCfg(ManagerBasedRLEnvCfg):
    """Shadow hand cube reorientation with Dactyl's timing, reward, goals and terminations."""

    scene: DactylSceneCfg = DactylSceneCfg()
    observations: ObservationsCfg = ObservationsCfg()
    actions: ActionsCfg = ActionsCfg()
    commands: CommandsCfg = CommandsCfg()
    rewards: RewardsCfg = RewardsCfg()
    terminations: TerminationsCfg = TerminationsCfg()
    events: EventsCfg = EventsCfg()
    curriculum: CurriculumPresetCfg = CurriculumPresetCfg()

    decimation: int = 10  # 10 x 8 ms = 80 ms per policy step
    episode_length_s: float = 400.0  # 50 goals x 8 s: the goal terms end episodes first
    sim: SimulationCfg = SimulationCfg(
        dt=0.008,  # [s]
        physics_material=RigidBodyMaterialBaseCfg(static_friction=1.0, dynamic_friction=1.0),
    )

    def __post_init__(self):
        self.sim.physics = newton_cpu_friendly_physics()
        self.sim.render_interval = self.decimation
        self.reward_weights_per_step()

    def reward_weights_per_step(self) -> None:
        """Undo Isaac Lab's ``reward * step_dt`` so each term pays what the paper says per policy step."""
        step_dt = self.sim.dt * self.decimation
        for name, weight in PAPER_REWARD_WEIGHTS.items():
            getattr(self.rewards, name).weight = weight / step_dt


@configclass
class DactylReorient20HzEnvCfg(DactylReorientEnvCfg):
    """Isaac Gym ShadowHandOpenAI timing: dt 1/60 s, 3 physics steps per policy step (20 Hz)."""

    decimation: int = 3

    def __post_init__(self):
        super().__post_init__()
        self.sim.dt = 1.0 / 60.0
        self.sim.physics = newton_cpu_friendly_physics(num_substeps=4)
        self.reward_weights_per_step()


@configclass
class DactylReorientRandomizedEnvCfg(DactylReorientEnvCfg):
    """Every Dactyl randomization on, with the paper's fixed distributions (no ADR)."""

    observations: RandomizedObservationsCfg = RandomizedObservationsCfg()
    events: RandomizedEventsCfg = RandomizedEventsCfg()
    randomization: mdp.DactylRandomizationCfg = mdp.DactylRandomizationCfg()

    def __post_init__(self):
        super().__post_init__()
        step_dt = self.sim.dt * self.decimation
        # fire every control step: half a step is robust to the float sum of step times
        self.events.object_force.interval_range_s = (0.5 * step_dt, 0.5 * step_dt)
        self.events.gravity.params["gravity_distribution_params"] = (list(self.sim.gravity), [0.4, 0.4, 0.4])


@configclass
class DactylReorientADREnvCfg(DactylReorientEnvCfg):
    """Every randomization of ``randomized``, with the physics and noise magnitudes driven by ADR
    (:func:`~dactyl_lab.tasks.randomization.dactyl_adr_cfg`; delay, backlash, forces and timing jitter keep
    the paper's fixed distributions)."""

    observations: RandomizedObservationsCfg = RandomizedObservationsCfg()
    events: ADREventsCfg = ADREventsCfg()
    randomization: mdp.DactylRandomizationCfg = mdp.DactylRandomizationCfg(
        observation_noise=adr_observation_noise_cfg(), action_noise=adr_action_noise_cfg(), adr=dactyl_adr_cfg()
    )

    def __post_init__(self):
        super().__post_init__()
        step_dt = self.sim.dt * self.decimation
        self.events.object_force.interval_range_s = (0.5 * step_dt, 0.5 * step_dt)
        self.events.adr_sync.interval_range_s = (0.5 * step_dt, 0.5 * step_dt)
        self.events.object_size.params["max_scale"] = mdp.adr_terms.size_hard_limit(self.randomization.adr)


@configclass
class DactylReorientEnvPresetCfg(PresetCfg):
    """``presets=hz20`` selects the 20 Hz timing of Isaac Gym's ShadowHandOpenAI; ``presets=randomized``
    turns Dactyl's domain randomization on; ``presets=adr`` drives it by Automatic Domain Randomization."""

    default = DactylReorientEnvCfg()
    hz20 = DactylReorient20HzEnvCfg()
    randomized = DactylReorientRandomizedEnvCfg()
    adr = DactylReorientADREnvCfg()
