"""Goal orientations and success counting as in the Dactyl paper.

A goal is reached when the cube's orientation error is below the contract's threshold (0.4 rad); the next
goal is drawn at once and the count of consecutive successes grows. An episode ends when the cube drops
(farther than ``fall_distance_m`` [m] from its home position), when a goal is not reached within
``goal_timeout_s`` [s] (80 s on the real hand), or after ``max_consecutive_successes`` (50).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from dactyl_lab.runtime.quat import random_quat


class GoalSampler(Protocol):
    def sample(self, step: int) -> np.ndarray:
        """The goal orientation (x, y, z, w) to use from control step ``step`` on."""


class RandomGoalSampler:
    """Uniformly random orientations from a seeded generator."""

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)

    def sample(self, step: int) -> np.ndarray:
        return random_quat(self.rng)


class SuccessCounter:
    """Consecutive successes of the current episode; decides when the episode ends."""

    def __init__(self, threshold_rad: float, max_consecutive: int, timeout_steps: int, fall_distance_m: float, home_m):
        self.threshold_rad = threshold_rad
        self.max_consecutive = max_consecutive
        self.timeout_steps = timeout_steps
        self.fall_distance_m = fall_distance_m
        self.home_m = np.asarray(home_m, dtype=np.float64)
        self.episode_results: list[int] = []
        self.new_episode()

    def new_episode(self) -> None:
        self.consecutive = 0
        self.steps_on_goal = 0

    def update(self, orientation_error_rad: float, object_pos_m: np.ndarray) -> str | None:
        """Outcome of this step: 'success' (draw a new goal), 'drop' / 'timeout' / 'max_successes' (end)."""
        self.steps_on_goal += 1
        if np.linalg.norm(np.asarray(object_pos_m) - self.home_m) > self.fall_distance_m:
            return "drop"
        if orientation_error_rad < self.threshold_rad:
            self.consecutive += 1
            self.steps_on_goal = 0
            return "max_successes" if self.consecutive >= self.max_consecutive else "success"
        if self.steps_on_goal >= self.timeout_steps:
            return "timeout"
        return None

    def end_episode(self) -> int:
        self.episode_results.append(self.consecutive)
        result = self.consecutive
        self.new_episode()
        return result
