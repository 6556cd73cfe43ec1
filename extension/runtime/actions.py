"""Policy actions -> 20 motor targets [rad], exactly as in training (see ``contract.ActionLayout``).

relative: ``target_t = clip(target_{t-1} + scale * action, limits)``; absolute:
``target_t = clip(offset + scale * action, limits)``; then ``target_t = alpha * target_t + (1 - alpha) *
target_{t-1}``. Tendon motors rh_{FF,MF,RF,LF}J0 command J0 = J1 + J2 of their finger; their current
position (the first previous target) is that sum of the measured joint angles.
"""

from __future__ import annotations

import numpy as np

from dactyl_lab import hand
from dactyl_lab.contract import ActionLayout


class ActionProcessor:
    """Keeps the previous target; :meth:`targets` proposes, :meth:`commit` records what was really sent."""

    def __init__(self, layout: ActionLayout):
        self.layout = layout
        self.motor_names = tuple(layout.motor_names)
        self.scale_rad = np.asarray(layout.scale, dtype=np.float64)
        self.offset_rad = np.asarray(layout.offsets, dtype=np.float64)
        limits = np.asarray(layout.limits, dtype=np.float64)
        self.lower_rad, self.upper_rad = limits[:, 0], limits[:, 1]
        self.prev_target_rad: np.ndarray | None = None

    def motor_positions(self, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """Current motor coordinates [rad] in action order (tendons: J1 + J2)."""
        return np.array([sum(joint_pos_rad[j] for j in hand.joint_names_of_motor(m)) for m in self.motor_names])

    def reset(self, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """Episode start: the previous target is the hand's current pose, clipped to the limits."""
        self.prev_target_rad = np.clip(self.motor_positions(joint_pos_rad), self.lower_rad, self.upper_rad)
        return self.prev_target_rad.copy()

    def clip_action(self, action: np.ndarray) -> np.ndarray:
        """The action the env would have seen: clipped to [-clip, clip] if the contract says so."""
        action = np.asarray(action, dtype=np.float64)
        return np.clip(action, -self.layout.clip, self.layout.clip) if self.layout.clip is not None else action

    def targets(self, action: np.ndarray) -> np.ndarray:
        """Motor targets [rad] for a (clipped) action, before the safety layer."""
        if self.prev_target_rad is None:
            raise RuntimeError("ActionProcessor.reset() must be called with the hand's pose before the first action")
        if self.layout.mode == "relative":
            raw = self.prev_target_rad + self.scale_rad * action
        else:
            raw = self.offset_rad + self.scale_rad * action
        raw = np.clip(raw, self.lower_rad, self.upper_rad)
        alpha = self.layout.smoothing_alpha
        return np.clip(alpha * raw + (1.0 - alpha) * self.prev_target_rad, self.lower_rad, self.upper_rad)

    def commit(self, sent_targets_rad: np.ndarray) -> None:
        """Record the targets actually sent (after safety) as the previous target."""
        self.prev_target_rad = np.asarray(sent_targets_rad, dtype=np.float64).copy()

    def as_dict(self, targets_rad: np.ndarray) -> dict[str, float]:
        return {m: float(v) for m, v in zip(self.motor_names, targets_rad)}
