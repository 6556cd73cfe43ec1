"""The Dactyl contract: the values of every field for the task's policy, from the torch-free constants
(:mod:`dactyl_lab.spec.task`, :mod:`dactyl_lab.spec.hand`, :mod:`dactyl_lab.spec.action_law`).

Observation layout of the Dactyl policy (the task's ``policy`` group, in this order; see
:func:`dactyl_observation_terms`):

=====================  ====  =====  ===========================================================
term                   size  units  meaning
=====================  ====  =====  ===========================================================
fingertip_pos            15  m      5 fingertips x xyz in the env frame, order
                                    ``hand.FINGERTIP_BODY_NAMES``; tip = body origin + R * offset
object_pos                3  m      cube centre in the env frame
object_quat               4  xyzw   cube orientation in the env frame, w >= 0 (quat_unique)
goal_relative_quat        4  xyzw   ``quat_mul(object_quat, conj(goal_quat))``, w >= 0
last_action              20  1      the previous policy action as the env saw it, motor order
=====================  ====  =====  ===========================================================

"Env frame" (``PolicyContract.frame``; older docs said "hand-base/env"): the task's env frame, whose axes are the
rewritten hand MJCF (z up, the palm faces +z; the task places the hand's root there with no rotation), origin
shifted so that the MJCF world origin sits at ``PolicyContract.hand_base_pos_m`` ((0, 0, 0.5) m in the task).
The body ``rh_hand_mount`` sits at that origin but is *rotated* within it (``frame.mount_quat_xyzw``): a tracker
that reports poses in the mount body's axes must rotate them by that quaternion first. The task's observation
terms (``dactyl_lab.tasks.reorient.mdp.observations``) compute world position minus env origin, and the exported
normalizer statistics are in these axes. Hardware reports positions relative to the hand base; the runtime adds
``hand_base_pos_m``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from dactyl_lab.spec import action_law, hand, noise, task as task_constants
from dactyl_lab.contract.schema import (
    DEFAULT_CONTROL_PERIOD_S,
    ActionLayout,
    EpisodeStart,
    FingertipSpec,
    FrameSpec,
    ObservationNoise,
    ObservationTerm,
    OpenAIModelMap,
    PhysicsSpec,
    PolicyContract,
    RnnSpec,
    TaskSpec,
)

DACTYL_HAND_BASE_POS_M = task_constants.HAND_BASE_POS_M
"""Where the Dactyl task places the hand mount in its env frame [m] (``dactyl_lab.spec.task``)."""

DACTYL_CUBE_EDGE_M = task_constants.CUBE_EDGE_M
"""Edge of the task's cube [m] (gymnasium-robotics' 5 cm; robogym's Dactyl block is 5.7 cm: docs/fidelity.md)."""

DACTYL_CUBE_HOME_M = task_constants.CUBE_HOME_POS_M
"""Where the cube starts and is held, relative to the hand base (MJCF world axes) [m]."""

DACTYL_DROP_DISTANCE_M = task_constants.DROP_DISTANCE_M
"""The episode ends (drop) when the cube is farther than this from its home position [m] (task termination)."""

DACTYL_TRAIN_GOAL_TIMEOUT_S = task_constants.GOAL_TIMEOUT_S
"""Training episodes end when a goal is not reached within this time [s] (the real hand uses 80 s)."""

DACTYL_MAX_CONSECUTIVE_SUCCESSES = task_constants.MAX_CONSECUTIVE_SUCCESSES
"""Episodes end after this many goals in a row (paper)."""

POSITION_NOISE_UNITS = "m, per component"
ROTATION_NOISE_UNITS = "rad, rotation angle about a uniformly random axis (not per quaternion component)"

MOUNT_QUAT_XYZW = (0.0, -0.7071067811865476, 0.7071067811865476, 0.0)
"""Orientation of the body ``rh_hand_mount`` in the observation frame (x, y, z, w): gymnasium-robotics' mount
euler (1.5708, 0, 3.14159), measured with MuJoCo on the rewritten MJCF."""


def dactyl_frame() -> FrameSpec:
    """The observation frame of the Dactyl task (the module docstring)."""
    return FrameSpec(
        "task env frame: world axes of the rewritten hand MJCF (z up, palm facing +z, fingers pointing along -y, "
        "thumb on the -x side); the hand base (rh_hand_mount, the MJCF world origin) sits at mount_pos_m = "
        "hand_base_pos_m (0.5 m above the env origin), rotated within the frame by mount_quat_xyzw; every observed "
        "position is in this frame (hardware measures relative to the hand base: add hand_base_pos_m)",
        [0.0, 0.0, 1.0],
        "rh_hand_mount",
        list(DACTYL_HAND_BASE_POS_M),
        list(MOUNT_QUAT_XYZW),
    )


def dactyl_fingertips() -> FingertipSpec:
    return FingertipSpec(
        list(hand.FINGERTIP_BODY_NAMES), [list(o) for o in hand.FINGERTIP_OFFSETS_M], list(hand.FINGERTIP_SITE_NAMES)
    )


CUBE_FACES = {
    "+z": "up, away from the palm (env +z)",
    "-z": "down, onto the palm",
    "+y": "towards the wrist (env +y)",
    "-y": "towards the fingertips (env -y)",
    "+x": "towards the little finger (env +x)",
    "-x": "towards the thumb (env -x)",
}
"""Where each face of the cube (outward normal along the cube body's axis) points at the identity orientation."""


def dactyl_task() -> TaskSpec:
    return TaskSpec(
        DACTYL_CUBE_EDGE_M,
        list(DACTYL_CUBE_HOME_M),
        DACTYL_DROP_DISTANCE_M,
        DACTYL_TRAIN_GOAL_TIMEOUT_S,
        DACTYL_MAX_CONSECUTIVE_SUCCESSES,
        task_constants.EVAL_GOAL_TIMEOUT_S,
        dict(CUBE_FACES),
    )


def dactyl_episode_start() -> EpisodeStart:
    return EpisodeStart(
        0.0,
        "the hand's measured motor positions clipped to action.limits (tendon motors rh_*J0: J1 + J2): the "
        "target_0 of the rate limit; every target is relative to the positions measured at that step",
        "ema = 0 and retained = 1, so the first smoothed action is the first action itself (bias-corrected EMA)",
        "zeros (h and c), rnn only",
        "cube at task.cube_home_m (+-5 mm in x and y) in a uniformly random orientation, then "
        "settle_random_action_steps control steps of uniform random actions in [-1, 1] through this action law; "
        "starts whose cube went farther than task.drop_distance_m were discarded; the episode starts from the "
        "settled hand and cube at rest, with a uniformly random goal orientation",
        task_constants.START_RANDOM_ACTION_STEPS,
    )


def dactyl_openai_map() -> OpenAIModelMap:
    """Shadow joint names -> gymnasium-robotics' ``robot0:`` names, the joints it turns the other way, its
    actuators, its J1/J2 coupling and its mount position."""
    names = {shadow: f"robot0:{openai}" for openai, shadow in hand.OPENAI_TO_SHADOW_JOINT.items()}
    actuators = {motor: f"robot0:A_{names[motor].removeprefix('robot0:')}" for motor in hand.JOINT_MOTOR_NAMES}
    for motor, (j2, _) in hand.TENDON_JOINTS.items():
        actuators[motor] = f"robot0:A_{names[j2].removeprefix('robot0:')}"  # drives J2, J1 follows its coupling
    return OpenAIModelMap(
        names,
        sorted(names[shadow] for shadow in hand.AXIS_FLIPPED_VS_OPENAI),
        actuators,
        hand.OPENAI_TENDON_COUPLING_J1_PER_J2,
        hand.OPENAI_TENDON_COUPLING_SLACK_RAD,
        list(hand.OPENAI_MOUNT_POS_M),
    )


def dactyl_physics(motor_names: tuple[str, ...] = hand.MOTOR_NAMES) -> PhysicsSpec:
    """The simulated hand of the task (:mod:`dactyl_lab.spec.hand`, :mod:`dactyl_lab.spec.task`)."""
    return PhysicsSpec(
        task_constants.PHYSICS_DT_S,
        hand.HAND_GRAVITY_COMPENSATION,
        [hand.MOTOR_STIFFNESS[m] for m in motor_names],
        [hand.MOTOR_EFFORT_LIMIT[m] for m in motor_names],
        dict(hand.JOINT_DAMPING),
        "position servos (torque = kp (target - position), clipped to the effort limit; a tendon motor acts on "
        "J1 + J2 with equal moment arms), passive joint damping, hand links gravity-compensated, cube not; "
        "control_period_s / physics_dt_s physics steps per action, the target held constant over them",
    )


def dactyl_observation_terms(num_actions: int = len(hand.MOTOR_NAMES)) -> list[ObservationTerm]:
    """The policy observation of the Dactyl task, with the paper's observation noise."""
    return [
        ObservationTerm(
            "fingertip_pos",
            3 * len(hand.FINGERTIP_BODY_NAMES),
            "m",
            "fingertip tip points (body origin + R * FINGERTIP_OFFSETS_M), order FINGERTIP_BODY_NAMES, xyz each, "
            "env frame (hand base at hand_base_pos_m)",
            ObservationNoise(*noise.FINGERTIP_POS_STD_M, POSITION_NOISE_UNITS),
        ),
        ObservationTerm(
            "object_pos",
            3,
            "m",
            "cube centre, env frame (hand base at hand_base_pos_m)",
            ObservationNoise(*noise.OBJECT_POS_STD_M, POSITION_NOISE_UNITS),
        ),
        ObservationTerm(
            "object_quat",
            4,
            "xyzw",
            "cube body frame (task.cube_faces) in the env frame, w >= 0",
            ObservationNoise(*noise.OBJECT_ROT_STD_RAD, ROTATION_NOISE_UNITS),
            quat_unique=True,
        ),
        ObservationTerm(
            "goal_relative_quat",
            4,
            "xyzw",
            "quat_mul(object_quat, conj(goal_quat)), w >= 0; noisy through object_quat",
            quat_unique=True,
        ),
        ObservationTerm(
            "last_action",
            num_actions,
            "1",
            "previous policy action as the env saw it (action.last_action_source: raw, or clipped to +-env_clip), "
            "motor order; episode_start.last_action_value at an episode's first step",
        ),
    ]


def make_action_layout(
    mode: str = "relative",
    scale_rad: float | dict[str, float] | None = None,
    smoothing_previous_weight: float = action_law.PAPER_SMOOTHING_PREVIOUS_WEIGHT,
    clip: float | None = 1.0,
    env_clip: float | None = None,
    motor_names: tuple[str, ...] = hand.MOTOR_NAMES,
    max_target_speed_rad_s: float | dict[str, float] | None = None,
) -> ActionLayout:
    """Action layout over ``motor_names`` with the hand's motor limits (defaults = the task's action term).

    relative: ``scale_rad`` [rad per unit action] (default: half of each motor's range, the task's action term;
    :func:`dactyl_lab.spec.action_law.motor_scales_rad`); absolute: scale and offsets map [-1, 1] onto each motor's
    range unless ``scale_rad`` is given. ``max_target_speed_rad_s``: the law's rate limit (default: the hand's rated
    speeds, :data:`dactyl_lab.spec.hand.MOTOR_MAX_SPEED_RAD_S`, as the task's action term).
    """
    limits = [list(hand.MOTOR_LIMITS_RAD[m]) for m in motor_names]
    # both modes default to half of each motor's range: relative = the task's law, absolute = [-1, 1] onto the range
    per_motor = action_law.motor_scales_rad(scale_rad, {m: hand.MOTOR_LIMITS_RAD[m] for m in motor_names})
    scale = [per_motor[m] for m in motor_names]
    offsets = [0.0] * len(motor_names) if mode == "relative" else [(hi + lo) / 2.0 for lo, hi in limits]
    speeds = action_law.motor_max_speeds_rad_s(
        max_target_speed_rad_s, {m: hand.MOTOR_MAX_SPEED_RAD_S[m] for m in motor_names}
    )
    return ActionLayout(
        list(motor_names),
        mode,
        scale,
        offsets,
        limits,
        [speeds[m] for m in motor_names],
        smoothing_previous_weight=smoothing_previous_weight,
        clip=clip,
        env_clip=env_clip,
        tendon_joints={m: list(j) for m, j in hand.TENDON_JOINTS.items() if m in motor_names},
    )


def make_dactyl_contract(
    task_id: str,
    backend: str = "rsl_rl",
    recurrent: bool = False,
    hidden_size: int = 512,
    num_layers: int = 1,
    action: ActionLayout | None = None,
    control_period_s: float = DEFAULT_CONTROL_PERIOD_S,
    hand_base_pos_m: tuple[float, float, float] = DACTYL_HAND_BASE_POS_M,
    observation: list[ObservationTerm] | None = None,
    **kwargs: Any,
) -> PolicyContract:
    """The contract of a Dactyl policy (observation: :func:`dactyl_observation_terms` unless given, 20 motors)."""
    action = action or make_action_layout()
    contract = PolicyContract(
        task_id=task_id,
        backend=backend,
        observation=observation or dactyl_observation_terms(len(action.motor_names)),
        action=action,
        physics=kwargs.pop("physics", None) or dactyl_physics(tuple(action.motor_names)),
        recurrent=recurrent,
        rnn=RnnSpec(num_layers=num_layers, hidden_size=hidden_size) if recurrent else None,
        control_period_s=control_period_s,
        hand_base_pos_m=list(hand_base_pos_m),
        frame=kwargs.pop("frame", None) or dataclasses.replace(dactyl_frame(), mount_pos_m=list(hand_base_pos_m)),
        **kwargs,
    )
    return contract.validate()
