"""``presets=randomized``: every Dactyl randomization (arXiv 1808.00177, sec. 4.2, Tables 1, 7, 8, App. C.2)
with the paper's fixed distributions, on top of the base task (:mod:`.env_cfg`).

Observation noise, misplaced and occluded markers and per-marker dropout on the ``policy`` group only, action
noise and a one-step delay on random actuators, backlash, control-step timing jitter (as substep latency), random
forces on the cube, and per-episode physics (object size, masses, friction, actuator gains, joint limits, gravity
per Newton world). docs/randomization.md and docs/fidelity.md compare each with the paper.
"""

from __future__ import annotations

from isaaclab.managers import EventTermCfg as EventTerm
from isaaclab.managers import ObservationTermCfg as ObsTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.utils import configclass

from dactyl_lab.spec import randomization as paper
from dactyl_lab.tasks.randomization import (
    ActionDelayCfg,
    ActionNoiseCfg,
    BacklashCfg,
    PhysicsRandomizationCfg,
    TimingJitterCfg,
)

from . import mdp
from .env_cfg import (
    FINGERTIPS,
    GOAL,
    HAND_MOTOR_JOINTS,
    CriticObsCfg,
    DactylReorientEnvCfg,
    EventsCfg,
    ObservationsCfg,
    PolicyObsCfg,
)


MIDDLE_PHALANGES = SceneEntityCfg("robot", body_names=list(mdp.MIDDLE_BODY_NAMES), preserve_order=True)


@configclass
class RandomizedActionsCfg:
    """The motors with Dactyl's actuator models (Table 8, App. C.2): action noise, one-step delay of random
    actuators, backlash (slack model) and control-step timing jitter, declared on the action term."""

    motors = mdp.RelativeMotorTargetActionCfg(
        asset_name="robot",
        action_noise=ActionNoiseCfg(),
        delay=ActionDelayCfg(),
        backlash=BacklashCfg(),
        timing=TimingJitterCfg(),
    )


@configclass
class RandomizedPolicyObsCfg(PolicyObsCfg):
    """The policy's inputs as the real hand would see them: noisy markers and tracker (paper, sec. 4.2)."""

    fingertip_pos = ObsTerm(
        func=mdp.noisy_fingertip_positions, params={"asset_cfg": FINGERTIPS, "middle_cfg": MIDDLE_PHALANGES}
    )
    object_pos = ObsTerm(func=mdp.noisy_object_position)
    object_quat = ObsTerm(func=mdp.noisy_object_orientation)
    goal_relative_quat = ObsTerm(func=mdp.noisy_goal_relative_orientation, params={"command_name": GOAL})


@configclass
class RandomizedObservationsCfg(ObservationsCfg):
    policy: RandomizedPolicyObsCfg = RandomizedPolicyObsCfg()
    critic: CriticObsCfg = CriticObsCfg()


@configclass
class PhysicsCohortEventsCfg(EventsCfg):
    """The two terms that run the per-episode physics terms (event mode :data:`~.mdp.PHYSICS_MODE`) of the
    randomized presets: at each reset, or batched every ``randomization.physics_resample_interval_steps`` control
    steps (:mod:`.mdp.physics_cohort`). Declared here, before the presets' terms, so that the physics still runs
    right after the start state in the reset order and the cohort's physics before the step's object force."""

    physics = EventTerm(func=mdp.resample_physics, mode="reset", params={"mode": mdp.PHYSICS_MODE})
    # interval 0: looks at every control step; applies the pending cohort every physics_resample_interval_steps
    physics_cohort = EventTerm(
        func=mdp.apply_physics_cohort,
        mode="interval",
        interval_range_s=(0.0, 0.0),
        is_global_time=True,
        params={"term_name": "physics"},
    )


@configclass
class RandomizedEventsCfg(PhysicsCohortEventsCfg):
    """Dactyl's per-episode physics randomization (arXiv 1808.00177, Table 1) with Isaac Lab's event terms,
    plus the resets and the per-step object force of :mod:`.mdp.randomization_terms`.

    The object size is our term (Isaac Lab's USD ``randomize_rigid_body_scale`` cannot run kit-less, see
    :class:`.mdp.randomize_object_size`), so are the 4 tendon motors' P gains (MuJoCo actuators authored in
    the asset, not exposed as Isaac Lab gains: :class:`.mdp.randomize_tendon_gain_scale`). Joint damping scales
    the total damping of all 24 joints, which is the asset's passive damping (the servos have none):
    :class:`.mdp.randomize_joint_damping_total`. The physics terms are in event mode :data:`~.mdp.PHYSICS_MODE`,
    run by :class:`PhysicsCohortEventsCfg`'s terms (at each reset by default)."""

    object_size = EventTerm(
        func=mdp.randomize_object_size,
        mode=mdp.PHYSICS_MODE,
        params={
            "asset_cfg": SceneEntityCfg("object"),
            "value": PhysicsRandomizationCfg().object_scale,
            "max_scale": paper.OBJECT_SCALE_RANGE[1],
        },
    )

    object_mass = EventTerm(
        func=mdp.randomize_rigid_body_mass,
        mode=mdp.PHYSICS_MODE,
        params={
            "asset_cfg": SceneEntityCfg("object"),
            "mass_distribution_params": paper.MASS_SCALE_RANGE,
            "operation": "scale",
        },
    )
    hand_mass = EventTerm(
        func=mdp.randomize_rigid_body_mass,
        mode=mdp.PHYSICS_MODE,
        params={
            "asset_cfg": SceneEntityCfg("robot"),
            "mass_distribution_params": paper.MASS_SCALE_RANGE,
            "operation": "scale",
        },
    )
    # every shape's friction is 1.0 by default and Newton samples absolute values: this is a 0.7 ... 1.3 scale
    object_friction = EventTerm(
        func=mdp.randomize_rigid_body_material,
        mode=mdp.PHYSICS_MODE,
        params={
            "asset_cfg": SceneEntityCfg("object"),
            "static_friction_range": paper.FRICTION_SCALE_RANGE,
            "dynamic_friction_range": paper.FRICTION_SCALE_RANGE,
            "restitution_range": (0.0, 0.0),
            "num_buckets": 250,
        },
    )
    hand_friction = EventTerm(
        func=mdp.randomize_rigid_body_material,
        mode=mdp.PHYSICS_MODE,
        params={
            "asset_cfg": SceneEntityCfg("robot"),
            "static_friction_range": paper.FRICTION_SCALE_RANGE,
            "dynamic_friction_range": paper.FRICTION_SCALE_RANGE,
            "restitution_range": (0.0, 0.0),
            "num_buckets": 250,
        },
    )
    actuator_gains = EventTerm(
        func=mdp.randomize_actuator_gains,
        mode=mdp.PHYSICS_MODE,
        params={
            "asset_cfg": HAND_MOTOR_JOINTS,
            "stiffness_distribution_params": paper.ACTUATOR_GAIN_SCALE_RANGE,
            "operation": "scale",
            "distribution": "log_uniform",
        },
    )
    joint_damping = EventTerm(
        func=mdp.randomize_joint_damping_total,
        mode=mdp.PHYSICS_MODE,
        params={"asset_cfg": SceneEntityCfg("robot"), "value": PhysicsRandomizationCfg().joint_damping_scale},
    )
    tendon_gains = EventTerm(
        func=mdp.randomize_tendon_gain_scale,
        mode=mdp.PHYSICS_MODE,
        params={"value": PhysicsRandomizationCfg().actuator_gain_scale},
    )
    joint_limits = EventTerm(
        func=mdp.randomize_joint_limits, mode=mdp.PHYSICS_MODE, params={"std_rad": paper.JOINT_LIMIT_OFFSET_STD_RAD}
    )
    gravity = EventTerm(
        func=mdp.randomize_physics_scene_gravity,
        mode=mdp.PHYSICS_MODE,
        params={  # gravity_distribution_params: (mean, std) [m/s^2]
            "gravity_distribution_params": ([0.0, 0.0, -9.81], [paper.GRAVITY_OFFSET_STD_MPS2] * 3),
            "operation": "abs",
            "distribution": "gaussian",
        },
    )
    randomization = EventTerm(func=mdp.reset_randomization, mode="reset")
    # interval 0: fires on every control step whatever the step time (the force model reads env.step_dt)
    object_force = EventTerm(
        func=mdp.apply_random_object_force, mode="interval", interval_range_s=(0.0, 0.0), is_global_time=True
    )


@configclass
class DactylReorientRandomizedEnvCfg(DactylReorientEnvCfg):
    """Every Dactyl randomization on, with the paper's fixed distributions (no ADR)."""

    observations: RandomizedObservationsCfg = RandomizedObservationsCfg()
    actions: RandomizedActionsCfg = RandomizedActionsCfg()
    events: RandomizedEventsCfg = RandomizedEventsCfg()
    randomization: mdp.DactylRandomizationCfg = mdp.DactylRandomizationCfg()

    def __post_init__(self):
        super().__post_init__()
        self.events.gravity.params["gravity_distribution_params"] = (
            list(self.sim.gravity),
            [paper.GRAVITY_OFFSET_STD_MPS2] * 3,
        )
