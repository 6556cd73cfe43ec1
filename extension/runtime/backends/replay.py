"""Replay backend: feeds a recorded run log's readings (joints, fingertips, object pose, tracker clock, goals)
back through the runtime, step by step, so the same ONNX policy must reproduce the recorded actions.

Nothing physical moves: the "sent" targets are kept in :attr:`ReplayHand.sent_targets` for comparison.
"""

from __future__ import annotations

import numpy as np

from dactyl_lab.runtime.interfaces import HandInterface, ObjectPose, PoseSource
from dactyl_lab.runtime.log import RunLog
from dactyl_lab.runtime.loop import LoopConfig
from dactyl_lab.runtime.safety import SafetyConfig


class ReplayHand(HandInterface):
    def __init__(self, log: RunLog):
        self.log = log
        self.steps = log.steps
        if not self.steps:
            raise ValueError(f"{log.path} has no steps to replay")
        self._motor_names = tuple(log.header["motor_names"])
        self.control_period_s = float(log.header["control_period_s"])
        self.index = 0
        self.sent_targets: list[dict[str, float]] = []

    @property
    def motor_names(self) -> tuple[str, ...]:
        return self._motor_names

    @property
    def current(self) -> dict:
        return self.steps[min(self.index, len(self.steps) - 1)]

    def read_joint_positions(self) -> dict[str, float]:
        return {name: float(value) for name, value in self.current["joint_pos_rad"].items()}

    def read_fingertip_positions(self) -> dict[str, np.ndarray]:
        return {body: np.asarray(value, dtype=np.float64) for body, value in self.current["fingertip_pos_m"].items()}

    def joint_reading_age_s(self) -> float:
        return float(self.current.get("joint_age_s", 0.0))

    def send_targets(self, targets_rad: dict[str, float]) -> None:
        self.sent_targets.append(dict(targets_rad))

    def tick(self, dt_s: float) -> None:
        self.index += 1

    def safe_stop(self) -> None:
        pass


class ReplayPoseSource(PoseSource):
    def __init__(self, replay_hand: ReplayHand):
        self.hand = replay_hand

    def read_pose(self) -> ObjectPose | None:
        pose = self.hand.current["pose"]
        if pose is None:
            return None
        return ObjectPose(
            np.asarray(pose["pos_m"], dtype=np.float64),
            np.asarray(pose["quat_xyzw"], dtype=np.float64),
            float(pose["stamp_s"]),
        )

    def now_s(self) -> float:
        return float(self.hand.current["now_s"])


class ReplayGoalSampler:
    """The goals of the recording: the goal in use at control step ``step``."""

    def __init__(self, log: RunLog):
        self.steps = log.steps

    def sample(self, step: int) -> np.ndarray:
        return np.asarray(self.steps[min(step, len(self.steps) - 1)]["goal_quat_xyzw"], dtype=np.float64)


def replay_configs(log: RunLog) -> tuple[LoopConfig, SafetyConfig]:
    """The recording's loop and safety settings, run as fast as possible for exactly its number of steps."""
    loop = LoopConfig(**{**log.header["loop"], "realtime": False, "max_steps": len(log.steps), "max_episodes": None})
    loop.object_home_m = tuple(loop.object_home_m)
    return loop, SafetyConfig(**log.header["safety"])


def compare_actions(recorded: RunLog, replayed_steps: list[dict]) -> dict:
    """Largest |action difference| over steps where both ran the policy, and steps that disagree on holding."""
    max_diff, compared, held_mismatch = 0.0, 0, []
    for a, b in zip(recorded.steps, replayed_steps):
        if (a["action"] is None) != (b["action"] is None):
            held_mismatch.append(a["step"])
            continue
        if a["action"] is not None:
            diff = float(np.max(np.abs(np.asarray(a["action"]) - np.asarray(b["action"]))))
            max_diff = max(max_diff, diff)
            compared += 1
    return {
        "max_abs_diff": max_diff,
        "compared_steps": compared,
        "held_mismatch_steps": held_mismatch,
        "recorded_steps": len(recorded.steps),
        "replayed_steps": len(replayed_steps),
    }
