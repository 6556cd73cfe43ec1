"""Policy actions -> 20 motor targets [rad], exactly as the task's action term computes them in training
(``dactyl_lab.tasks.reorient.mdp.actions.RelativeMotorTargetAction``; formulas in ``contract.ActionLayout``):

    a        = clip(action, -clip, clip)
    target_t = clip(target_{t-1} + scale * a, limits)       (relative; absolute: offset + scale * a)
    sent_t   = alpha * sent_{t-1} + (1 - alpha) * target_t  (alpha = weight of the previous command)

Two states, as in training: the unsmoothed ``target`` and the smoothed ``sent`` command. After the safety
layer, :meth:`ActionProcessor.commit` records what the motors really received as ``sent``. Tendon motors
rh_{FF,MF,RF,LF}J0 command J0 = J1 + J2; at episode start both states are the measured motor positions
(tendons: the sum of the two joint angles), clipped to the limits.
"""

from __future__ import annotations

import numpy as np

from dactyl_lab import hand
from dactyl_lab.contract import ActionLayout


class ActionProcessor:
    def __init__(self, layout: ActionLayout):
        self.layout = layout
        self.motor_names = tuple(layout.motor_names)
        self.scale_rad = np.asarray(layout.scale, dtype=np.float64)
        self.offset_rad = np.asarray(layout.offsets, dtype=np.float64)
        limits = np.asarray(layout.limits, dtype=np.float64)
        self.lower_rad, self.upper_rad = limits[:, 0], limits[:, 1]
        self.target_rad: np.ndarray | None = None
        """Unsmoothed target [rad] (the relative accumulator)."""
        self.sent_rad: np.ndarray | None = None
        """Smoothed command the motors received last [rad]."""
        self._pending_target: np.ndarray | None = None

    def motor_positions(self, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """Current motor coordinates [rad] in action order (tendons: J1 + J2)."""
        return np.array([sum(joint_pos_rad[j] for j in hand.joint_names_of_motor(m)) for m in self.motor_names])

    def reset(self, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """Episode start: target = sent = the hand's current pose clipped to the limits; returns it."""
        current = np.clip(self.motor_positions(joint_pos_rad), self.lower_rad, self.upper_rad)
        self.target_rad, self.sent_rad = current.copy(), current.copy()
        return current

    def env_action(self, action: np.ndarray) -> np.ndarray:
        """The action as the env saw it in training (the RL wrapper's clip, if any): the next ``last_action``."""
        action = np.asarray(action, dtype=np.float64)
        env_clip = self.layout.env_clip
        return np.clip(action, -env_clip, env_clip) if env_clip is not None else action

    def targets(self, env_action: np.ndarray) -> np.ndarray:
        """The smoothed motor command [rad] for this action, before the safety layer (call :meth:`commit` next)."""
        if self.target_rad is None:
            raise RuntimeError("ActionProcessor.reset() must be called with the hand's pose before the first action")
        a = np.asarray(env_action, dtype=np.float64)
        if self.layout.clip is not None:
            a = np.clip(a, -self.layout.clip, self.layout.clip)
        base = self.target_rad if self.layout.mode == "relative" else self.offset_rad
        self._pending_target = np.clip(base + self.scale_rad * a, self.lower_rad, self.upper_rad)
        alpha = self.layout.smoothing_alpha
        return alpha * self.sent_rad + (1.0 - alpha) * self._pending_target

    def commit(self, sent_rad: np.ndarray) -> None:
        """Record what the motors received (after safety); advances the target if :meth:`targets` ran."""
        if self._pending_target is not None:
            self.target_rad = self._pending_target
            self._pending_target = None
        self.sent_rad = np.asarray(sent_rad, dtype=np.float64).copy()

    def as_dict(self, targets_rad: np.ndarray) -> dict[str, float]:
        return {m: float(v) for m, v in zip(self.motor_names, targets_rad)}
