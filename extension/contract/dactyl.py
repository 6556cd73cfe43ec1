"""The Dactyl contract: the values of every field for the task's policy, from the torch-free constants
(:mod:`dactyl_lab.spec.task`, :mod:`dactyl_lab.spec.hand`, :mod:`dactyl_lab.spec.action_law`).

Observation layout of the Dactyl policy (the task's ``policy`` group, in this order; see
:func:`dactyl_observation_terms`):

=====================  ====  =====  ===========================================================
term                   size  units  meaning
=====================  ====  =====  ===========================================================
fingertip_pos            15  m      5 fingertips x xyz in the hand-base (env) frame, order
                                    ``hand.FINGERTIP_BODY_NAMES``; tip = body origin + R * offset
object_pos                3  m      cube centre in the hand-base frame
object_quat               4  xyzw   cube orientation in the hand-base frame, w >= 0 (quat_unique)
goal_relative_quat        4  xyzw   ``quat_mul(object_quat, conj(goal_quat))``, w >= 0
last_action              20  1      the previous policy action as the env saw it, motor order
=====================  ====  =====  ===========================================================

"Hand-base/env frame" (``PolicyContract.frame``): the task's env frame, whose axes are the world axes of the
rewritten hand MJCF (z up, the palm faces +z; the task places the hand's root there with no rotation), origin
shifted so that the MJCF world origin sits at ``PolicyContract.hand_base_pos_m`` ((0, 0, 0.5) m in the task).
The body ``rh_hand_mount`` sits at that origin but is *rotated* within it (``frame.mount_quat_xyzw``): a tracker
that reports poses in the mount body's axes must rotate them by that quaternion first. The task's observation
terms (``dactyl_lab.tasks.reorient.mdp.observations``) compute world position minus env origin, and the exported
normalizer statistics are in these axes. Hardware reports positions relative to the hand base; the runtime adds
``hand_base_pos_m``.
"""

from __future__ import annotations

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
    PolicyContract,
    RnnSpec,
    TaskSpec,
)

DACTYL_HAND_BASE_POS_M = task_constants.HAND_BASE_POS_M
"""Where the Dactyl task places the hand mount in its env frame [m] (``dactyl_lab.spec.task``)."""

DACTYL_CUBE_EDGE_M = task_constants.CUBE_EDGE_M
"""Edge of the task's cube [m] (the paper's block is 5.7 cm)."""

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
        "task env frame: world axes of the rewritten hand MJCF (z up, palm facing +z), origin = MJCF world origin "
        "at hand_base_pos_m; rh_hand_mount is rotated within it by mount_quat_xyzw",
        [0.0, 0.0, 1.0],
        "rh_hand_mount",
        list(MOUNT_QUAT_XYZW),
    )


def dactyl_fingertips() -> FingertipSpec:
    return FingertipSpec(
        list(hand.FINGERTIP_BODY_NAMES), [list(o) for o in hand.FINGERTIP_OFFSETS_M], list(hand.FINGERTIP_SITE_NAMES)
    )


def dactyl_task() -> TaskSpec:
    return TaskSpec(
        DACTYL_CUBE_EDGE_M,
        list(DACTYL_CUBE_HOME_M),
        DACTYL_DROP_DISTANCE_M,
        DACTYL_TRAIN_GOAL_TIMEOUT_S,
        DACTYL_MAX_CONSECUTIVE_SUCCESSES,
    )


def dactyl_episode_start() -> EpisodeStart:
    return EpisodeStart(
        0.0,
        "the hand's measured motor positions clipped to action.limits (tendon motors rh_*J0: J1 + J2); every "
        "target is relative to the positions measured at that step",
        "the smoothed action a_smooth starts at 0 (the first target is the measured position plus "
        "scale * smoothing_alpha * a)",
        "zeros (h and c), rnn only",
    )


def dactyl_openai_map() -> OpenAIModelMap:
    """Shadow joint names -> gymnasium-robotics' ``robot0:`` names and the joints it turns the other way."""
    names = {shadow: f"robot0:{openai}" for openai, shadow in hand.OPENAI_TO_SHADOW_JOINT.items()}
    return OpenAIModelMap(names, sorted(names[shadow] for shadow in hand.AXIS_FLIPPED_VS_OPENAI))


def dactyl_observation_terms(num_actions: int = len(hand.MOTOR_NAMES)) -> list[ObservationTerm]:
    """The policy observation of the Dactyl task, with the paper's observation noise."""
    return [
        ObservationTerm(
            "fingertip_pos",
            3 * len(hand.FINGERTIP_BODY_NAMES),
            "m",
            "fingertip tip points (body origin + R * FINGERTIP_OFFSETS_M), order FINGERTIP_BODY_NAMES, xyz each, "
            "hand-base/env frame",
            ObservationNoise(*noise.FINGERTIP_POS_STD_M, POSITION_NOISE_UNITS),
        ),
        ObservationTerm(
            "object_pos",
            3,
            "m",
            "cube centre, hand-base/env frame",
            ObservationNoise(*noise.OBJECT_POS_STD_M, POSITION_NOISE_UNITS),
        ),
        ObservationTerm(
            "object_quat",
            4,
            "xyzw",
            "cube orientation, hand-base/env frame, w >= 0",
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
        ObservationTerm("last_action", num_actions, "1", "previous policy action as the env saw it, motor order"),
    ]


def make_action_layout(
    mode: str = "relative",
    scale_rad: float | dict[str, float] | None = None,
    smoothing_alpha: float = action_law.PAPER_SMOOTHING_NEW_WEIGHT,
    clip: float | None = 1.0,
    env_clip: float | None = None,
    motor_names: tuple[str, ...] = hand.MOTOR_NAMES,
) -> ActionLayout:
    """Action layout over ``motor_names`` with the hand's motor limits (defaults = the task's action term).

    relative: ``scale_rad`` [rad per unit action] (default: half of each motor's range, the task's action term;
    :func:`dactyl_lab.spec.action_law.motor_scales_rad`); absolute: scale and offsets map [-1, 1] onto each motor's
    range unless ``scale_rad`` is given.
    """
    limits = [list(hand.MOTOR_LIMITS_RAD[m]) for m in motor_names]
    # both modes default to half of each motor's range: relative = the task's law, absolute = [-1, 1] onto the range
    per_motor = action_law.motor_scales_rad(scale_rad, {m: hand.MOTOR_LIMITS_RAD[m] for m in motor_names})
    scale = [per_motor[m] for m in motor_names]
    offsets = [0.0] * len(motor_names) if mode == "relative" else [(hi + lo) / 2.0 for lo, hi in limits]
    return ActionLayout(list(motor_names), mode, scale, offsets, limits, smoothing_alpha, clip, env_clip)


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
        recurrent=recurrent,
        rnn=RnnSpec(num_layers=num_layers, hidden_size=hidden_size) if recurrent else None,
        control_period_s=control_period_s,
        hand_base_pos_m=list(hand_base_pos_m),
        **kwargs,
    )
    return contract.validate()
