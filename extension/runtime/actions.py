"""Policy actions -> 20 motor targets [rad], with the law the task's action term applies in training
(``dactyl_lab.tasks.reorient.mdp.actions.RelativeMotorTargetAction``): the formulas are
:mod:`dactyl_lab.spec.action_law`'s, the parameters the contract's ``ActionLayout``:

    a        = clip(action, -clip, clip)
    a_smooth = a_smooth + alpha * (a - a_smooth)                        (alpha = EMA weight of the new action)
    target   = clip(measured motor position + scale * a_smooth, limits) (absolute: offset + scale * a_smooth)

The measured motor positions are the joint readings of this control step (tendon motors rh_{FF,MF,RF,LF}J0:
J1 + J2). At episode start ``a_smooth = 0``. After the safety layer, :meth:`ActionProcessor.commit` records what
the motors really received (``sent_rad``) and advances the smoothing state.
"""

from __future__ import annotations

import numpy as np

from dactyl_lab.spec import action_law, hand
from dactyl_lab.contract import ActionLayout


class ActionProcessor:
    def __init__(self, layout: ActionLayout):
        self.layout = layout
        self.motor_names = tuple(layout.motor_names)
        self.scale_rad = np.asarray(layout.scale, dtype=np.float64)
        self.offset_rad = np.asarray(layout.offsets, dtype=np.float64)
        limits = np.asarray(layout.limits, dtype=np.float64)
        self.lower_rad, self.upper_rad = limits[:, 0], limits[:, 1]
        self.smoothed_action: np.ndarray | None = None
        """EMA of the (clipped) policy actions, the state of the law."""
        self.sent_rad: np.ndarray | None = None
        """Command the motors received last [rad]."""
        self._pending_smoothed: np.ndarray | None = None

    def motor_positions(self, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """Current motor coordinates [rad] in action order (tendons: J1 + J2)."""
        return np.array([sum(joint_pos_rad[j] for j in hand.joint_names_of_motor(m)) for m in self.motor_names])

    def reset(self, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """Episode start: no smoothed action yet; returns the hand's current pose clipped to the limits (the
        command that holds it)."""
        current = np.clip(self.motor_positions(joint_pos_rad), self.lower_rad, self.upper_rad)
        self.smoothed_action = np.zeros(len(self.motor_names))
        self.sent_rad = current.copy()
        self._pending_smoothed = None
        return current

    def env_action(self, action: np.ndarray) -> np.ndarray:
        """The action as the env saw it in training (the RL wrapper's clip, if any): the next ``last_action``."""
        action = np.asarray(action, dtype=np.float64)
        env_clip = self.layout.env_clip
        return np.clip(action, -env_clip, env_clip) if env_clip is not None else action

    def targets(self, env_action: np.ndarray, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """The motor command [rad] for this action and this step's joint readings, before the safety layer
        (call :meth:`commit` next)."""
        if self.smoothed_action is None:
            raise RuntimeError("ActionProcessor.reset() must be called with the hand's pose before the first action")
        a = np.asarray(env_action, dtype=np.float64)
        if self.layout.clip is not None:
            a = np.clip(a, -self.layout.clip, self.layout.clip)
        self._pending_smoothed = action_law.smooth(self.smoothed_action, a, self.layout.smoothing_alpha)
        base = self.motor_positions(joint_pos_rad) if self.layout.mode == "relative" else self.offset_rad
        return action_law.motor_targets(base, self._pending_smoothed, self.scale_rad, self.lower_rad, self.upper_rad)

    def commit(self, sent_rad: np.ndarray) -> None:
        """Record what the motors received (after safety); advances the smoothing state if :meth:`targets` ran."""
        if self._pending_smoothed is not None:
            self.smoothed_action = self._pending_smoothed
            self._pending_smoothed = None
        self.sent_rad = np.asarray(sent_rad, dtype=np.float64).copy()

    def as_dict(self, targets_rad: np.ndarray) -> dict[str, float]:
        return {m: float(v) for m, v in zip(self.motor_names, targets_rad)}
