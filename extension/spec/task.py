"""The Dactyl task's constants: one home for every number the task, the contract and the runtime share.

Pure Python on purpose (no torch, no Isaac Lab, no numpy): the Isaac Lab task (``dactyl_lab.tasks.reorient``),
the scene (``dactyl_lab.assets.scene``), the policy contract (``dactyl_lab.contract``) and the real-hand runtime
(``dactyl_lab.runtime``) import these values instead of repeating them, so training and deployment cannot drift.

Source: OpenAI, "Learning Dexterous In-Hand Manipulation" (arXiv 1808.00177, sec. 4 and 6.2) unless noted.
Frames: "env frame" = the Isaac Lab env's frame (the MJCF world axes), in which the hand mount sits at
:data:`HAND_BASE_POS_M`; positions "relative to the hand base" are env-frame offsets from it (not in the axes of
the rotated ``rh_hand_mount`` body).
"""

from __future__ import annotations

# ------------------------------------------------------------------------------------------ task
TASK_ID = "Dactyl-Reorient-Cube-Shadow"
"""The registered gym id of the task (``dactyl_lab.tasks.reorient``); the scripts' default ``--task``."""

# ------------------------------------------------------------------------------------------ timing
PHYSICS_DT_S = 0.008
"""One physics step of the paper's MuJoCo simulation [s]."""

DECIMATION = 10
"""Physics steps per policy step."""

CONTROL_PERIOD_S = PHYSICS_DT_S * DECIMATION
"""One policy step [s] (80 ms, ~12.5 Hz)."""

# ------------------------------------------------------------------------------------------ scene
HAND_BASE_POS_M = (0.0, 0.0, 0.5)
"""Where the hand mount sits in each environment (env frame) [m]; the palm faces up (+z)."""

CUBE_EDGE_M = 0.05
"""Edge of the Dactyl block [m] (5 cm)."""

CUBE_HOME_POS_M = (0.0, -0.38, 0.06)
"""The cube's place above the palm, relative to the hand base in the env (MJCF world) axes [m]:
gymnasium-robotics' block position relative to its mount
((1, 0.87, 0.2) vs (1, 1.25, 0.15)) raised 1 cm so a freshly placed cube does not start in the palm. The task
spawns the cube here, its goal position is here, and a drop is measured from here."""

# ------------------------------------------------------------------------------------------ goals and episodes
SUCCESS_THRESHOLD_RAD = 0.4
"""Orientation error below which a goal counts as reached [rad]."""

MAX_CONSECUTIVE_SUCCESSES = 50
"""An episode ends after this many goals in a row."""

GOAL_TIMEOUT_S = 8.0
"""Training: an episode ends when a goal is not reached within this time [s]."""

EVAL_GOAL_TIMEOUT_S = 80.0
"""Evaluation and the real hand: the goal timeout [s] (paper, sec. 6.2)."""

DROP_DISTANCE_M = 0.12
"""An episode ends (drop, -20 reward) when the cube is farther than this from :data:`CUBE_HOME_POS_M` [m]."""

START_RANDOM_ACTION_STEPS = 100
"""Policy steps of uniformly random actions that settle a start state (paper App. C.1: 100); a start whose cube
goes farther than :data:`DROP_DISTANCE_M` is discarded (the share kept, measured with
``bench/start_state_bank.py``: docs/fidelity.md, item 5 and "Start-state bank cost")."""


def cube_home_env_m() -> tuple[float, float, float]:
    """:data:`CUBE_HOME_POS_M` in the env frame [m] (shifted by :data:`HAND_BASE_POS_M`)."""
    return tuple(b + c for b, c in zip(HAND_BASE_POS_M, CUBE_HOME_POS_M))  # type: ignore[return-value]
