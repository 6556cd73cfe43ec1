"""The paper's observation and action noise (arXiv 1808.00177, Tables 7 and 8, App. C.2), torch-free.

Read by the task's noise models (``dactyl_lab.tasks.randomization``), the policy contract
(``dactyl_lab.contract.dactyl``) and the stand-in hands of the runtime (MuJoCo stand-in, ROS stand-in node).
"Correlated" noise is drawn once per episode, "uncorrelated" noise every control step.
"""

from __future__ import annotations

# ------------------------------------------------------------------------------------------ observation (Table 7)
FINGERTIP_POS_STD_M: tuple[float, float] = (0.001, 0.002)
"""Fingertip positions [m]: (correlated, uncorrelated) Gaussian std per axis."""

OBJECT_POS_STD_M: tuple[float, float] = (0.005, 0.001)
"""Object position [m]: (correlated, uncorrelated) Gaussian std per axis."""

OBJECT_ROT_STD_RAD: tuple[float, float] = (0.1, 0.1)
"""Object orientation [rad]: (correlated, uncorrelated) angle std of a rotation about a uniformly random axis."""

FINGERTIP_MARKER_MISPLACEMENT_STD_M = 0.003
"""Misplaced fingertip markers: per-episode Gaussian std per axis, in the fingertip's own frame [m]."""

HAND_BASE_MARKER_MISPLACEMENT_STD_M = 0.001
"""Misplaced hand-base marker: per-episode Gaussian std per axis [m] (shifts every marker reading)."""

MARKER_DROPOUT_RATE_PER_S = 0.2
"""Rate of fingertip-marker dropouts [1/s] (Poisson, while visible)."""

MARKER_DROPOUT_DURATION_S = 1.0
"""Length of one marker dropout [s]."""

MARKER_OCCLUSION_DISTANCE_M = 0.005
"""A marker is occluded while another finger or the cube is closer than this to its nail site [m] (ours: the
paper's site is a few mm small)."""

# ------------------------------------------------------------------------------------------ action (Table 8)
ACTION_UNCORRELATED_FRAC = 0.05
"""Additive per-step action noise std, as a fraction of each motor's range."""

ACTION_CORRELATED_FRAC = 0.015
"""Additive per-episode action noise std, as a fraction of each motor's range."""

ACTION_MULTIPLICATIVE_FRAC = 0.015
"""Std of the per-step multiplicative action factor (1 + m)."""
