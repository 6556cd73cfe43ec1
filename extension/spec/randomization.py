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
"""Std of the per-episode Gaussian around the calibrated backlash value."""

OBJECT_FORCE_PROBABILITY_RANGE: tuple[float, float] = (0.001, 0.1)
"""Per-episode probability of a new random force per paper step (80 ms), log-uniform."""

OBJECT_FORCE_ACCEL_STD_MPS2 = 1.0
"""Std of each random force component per unit object mass [m/s^2]."""

OBJECT_FORCE_DECAY = 0.99
"""The random force decays by this factor per paper step (80 ms)."""

TIMING_RATE_RANGE_PER_S: tuple[float, float] = (1250.0, 10000.0)
"""Rate lambda [1/s] of the Exp(lambda) extra time of each physics step, uniform per episode."""
