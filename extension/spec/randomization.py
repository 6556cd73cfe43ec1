"""The paper's physics randomization and unmodeled effects (arXiv 1808.00177, Table 1 and App. C.2), torch-free.

Read by the task's randomization configs (``dactyl_lab.tasks.randomization.mapping``,
``dactyl_lab.tasks.reorient.randomized_cfg``, ``dactyl_lab.tasks.randomization.unmodeled``) and the docs' tables.
Ranges are (low, high); "scale" values multiply the default physical value.
"""

from __future__ import annotations

# ------------------------------------------------------------------------------------------ physics (Table 1)
OBJECT_SCALE_RANGE: tuple[float, float] = (0.95, 1.05)
"""Object size scale [-], uniform."""

MASS_SCALE_RANGE: tuple[float, float] = (0.5, 1.5)
"""Mass scale of each body (object and hand) [-], uniform."""

FRICTION_SCALE_RANGE: tuple[float, float] = (0.7, 1.3)
"""Surface friction scale (object and hand) [-], uniform."""

JOINT_DAMPING_SCALE_RANGE: tuple[float, float] = (0.3, 3.0)
"""Joint damping scale [-], log-uniform."""

ACTUATOR_GAIN_SCALE_RANGE: tuple[float, float] = (0.75, 1.5)
"""Actuator position (P) gain scale [-], log-uniform."""

JOINT_LIMIT_OFFSET_STD_RAD = 0.15
"""Std of the Gaussian offset added to each joint limit [rad]."""

GRAVITY_OFFSET_STD_MPS2 = 0.4
"""Std of the Gaussian offset added to each gravity axis [m/s^2]."""

# ------------------------------------------------------------------------------------------ unmodeled (App. C.2)
ACTION_DELAY_PROBABILITY = 0.5
"""Per-episode probability that an actuator's action is delayed by one control step."""

BACKLASH_STD = 0.1
"""Std of the per-episode variation of each backlash coefficient, relative on its log (OpenAI robogym's
``BacklashWrapper``: ``log c_episode = log c x (1 + 0.1 z)``, z ~ N(0, 1), per motor and direction)."""

BACKLASH_LOG_COEF_PER_RAD_S: dict[str, tuple[float, float]] = {
    "rh_WRJ2": (4.25, 4.25),  # A_WRJ1
    "rh_WRJ1": (4.25, 4.25),  # A_WRJ0
    "rh_FFJ4": (4.25, 2.93),  # A_FFJ3, axis flipped vs OpenAI: its (down, up) = (2.93, 4.25)
    "rh_FFJ3": (4.25, 4.25),  # A_FFJ2
    "rh_MFJ4": (4.25, 4.25),  # A_MFJ3, axis flipped
    "rh_MFJ3": (4.25, 4.25),  # A_MFJ2
    "rh_RFJ4": (4.25, 4.25),  # A_RFJ3
    "rh_RFJ3": (3.35, 2.98),  # A_RFJ2
    "rh_LFJ5": (4.25, 4.25),  # A_LFJ4
    "rh_LFJ4": (4.25, 4.25),  # A_LFJ3
    "rh_LFJ3": (3.87, 2.94),  # A_LFJ2
    "rh_THJ5": (4.25, 2.82),  # A_THJ4
    "rh_THJ4": (1.25, 1.53),  # A_THJ3
    "rh_THJ3": (4.25, 4.25),  # A_THJ2
    "rh_THJ2": (2.86, 4.25),  # A_THJ1, axis flipped: its (down, up) = (4.25, 2.86)
    "rh_THJ1": (2.10, 4.25),  # A_THJ0, axis flipped: its (down, up) = (4.25, 2.10)
    "rh_FFJ0": (4.25, 1.86),  # A_FFJ1 (tendon FFJ1 + FFJ0 in OpenAI's names)
    "rh_MFJ0": (1.92, 1.44),  # A_MFJ1
    "rh_RFJ0": (4.25, 2.07),  # A_RFJ1
    "rh_LFJ0": (1.39, 1.41),  # A_LFJ1
}
"""Calibrated backlash of the Shadow hand from OpenAI's robogym (``robogym/wrappers/randomizations.py``,
``BacklashWrapper.coef_down_log`` / ``coef_up_log``), per motor: (log of the coefficient toward negative angles,
toward positive angles), coefficient in [1 / (rad s)]. The slack state s in [-1, 1] moves by coefficient x
position error of the command [rad] x elapsed time [s], so a full reversal (|Delta s| = 2) swallows
``2 / (coefficient x 0.08 s)`` rad of commanded offset per 80 ms step: 0.36 rad at log 4.25 (robogym: exp(4.25) ~ 70
"acts almost like" no backlash), 7.2 rad at log 1.25 (THJ4 closing). Mapped from OpenAI's actuator names onto
Shadow's (``hand.OPENAI_TO_SHADOW_JOINT``, tendons ``A_xFJ1`` -> ``rh_xFJ0``) with down and up swapped on the
joints whose axis the asset flips (``hand.AXIS_FLIPPED_VS_OPENAI``)."""

BACKLASH_MIN_COEF_PER_RAD_S = 2.0
"""Lower bound of an episode's coefficient (robogym: a larger slack makes the hand useless): at most 12.5 rad."""

OBJECT_FORCE_PROBABILITY_RANGE: tuple[float, float] = (0.001, 0.1)
"""Per-episode probability of a new random force per paper step (80 ms), log-uniform."""

OBJECT_FORCE_ACCEL_STD_MPS2 = 1.0
"""Std of each random force component per unit object mass [m/s^2]."""

OBJECT_FORCE_DECAY = 0.99
"""The random force decays by this factor per paper step (80 ms)."""

TIMING_RATE_RANGE_PER_S: tuple[float, float] = (1250.0, 10000.0)
"""Rate lambda [1/s] of the Exp(lambda) extra time of each physics step, uniform per episode."""
