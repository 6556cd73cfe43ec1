"""Policy actions -> 20 motor targets [rad], with the law the task's action term applies in training
(``dactyl_lab.tasks.reorient.mdp.actions.RelativeMotorTargetAction``): the formulas are
:mod:`dactyl_lab.spec.action_law`'s, the parameters the contract's ``ActionLayout``:

    a                     = clip(action, -clip, clip)
    ema, retained, a_sm   = smooth(ema, retained, a, p)          (bias-corrected EMA, p = weight of the previous value)
    target = clip(clip(measured motor position + scale * a_sm,   (absolute: offset + scale * a_sm)
                       sent - max_step, sent + max_step), limits)

The measured motor positions are the joint readings of this control step (tendon motors rh_{FF,MF,RF,LF}J0:
J1 + J2); ``sent`` is what the motors received the step before and ``max_step`` the contract's
``max_target_speed_rad_s`` x the control period (the law's rate limit, :attr:`ActionProcessor.max_step_rad`, which
the safety layer checks with the very same numbers). At episode start ``ema = 0``, ``retained = 1`` and ``sent`` =
the measured pose clipped to the limits. After the safety layer, :meth:`ActionProcessor.commit` records what the
motors really received (``sent_rad``) and advances the smoothing state.
"""

from __future__ import annotations

import numpy as np

from dactyl_lab.spec import action_law, hand
from dactyl_lab.contract import ActionLayout


class ActionProcessor:
    def __init__(self, layout: ActionLayout, control_period_s: float):
        self.layout = layout
        self.motor_names = tuple(layout.motor_names)
        self.scale_rad = np.asarray(layout.scale, dtype=np.float64)
        self.offset_rad = np.asarray(layout.offsets, dtype=np.float64)
        limits = np.asarray(layout.limits, dtype=np.float64)
        self.lower_rad, self.upper_rad = limits[:, 0], limits[:, 1]
        self.max_step_rad = action_law.max_target_step_rad(
            np.asarray(layout.max_target_speed_rad_s, dtype=np.float64), control_period_s
        )
        """Largest change of each motor's target per control step [rad]: the law's rate limit."""
        self.smoothed_action: np.ndarray | None = None
        """Bias-corrected EMA of the (clipped) policy actions (what moved the last targets)."""
        self.sent_rad: np.ndarray | None = None
        """Command the motors received last [rad] (the rate limit's reference)."""
        self._ema: np.ndarray | None = None
        self._retained = 1.0
        self._pending: tuple[np.ndarray, float, np.ndarray] | None = None

    def motor_positions(self, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """Current motor coordinates [rad] in action order (tendons: J1 + J2)."""
        return np.array([sum(joint_pos_rad[j] for j in hand.joint_names_of_motor(m)) for m in self.motor_names])

    def reset(self, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """Episode start: no smoothed action yet; returns the hand's current pose clipped to the limits (the
        command that holds it, and the reference of the first step's rate limit)."""
        current = np.clip(self.motor_positions(joint_pos_rad), self.lower_rad, self.upper_rad)
        self._ema = np.zeros(len(self.motor_names))
        self._retained = 1.0
        self.smoothed_action = np.zeros(len(self.motor_names))
        self.sent_rad = current.copy()
        self._pending = None
        return current

    def env_action(self, action: np.ndarray) -> np.ndarray:
        """The action as the env saw it in training (the RL wrapper's clip, if any): the next ``last_action``."""
        action = np.asarray(action, dtype=np.float64)
        env_clip = self.layout.env_clip
        return np.clip(action, -env_clip, env_clip) if env_clip is not None else action

    def targets(self, env_action: np.ndarray, joint_pos_rad: dict[str, float]) -> np.ndarray:
        """The motor command [rad] for this action and this step's joint readings, before the safety layer
        (call :meth:`commit` next)."""
        if self._ema is None:
            raise RuntimeError("ActionProcessor.reset() must be called with the hand's pose before the first action")
        a = np.asarray(env_action, dtype=np.float64)
        if self.layout.clip is not None:
            a = np.clip(a, -self.layout.clip, self.layout.clip)
        self._pending = action_law.smooth(self._ema, self._retained, a, self.layout.smoothing_previous_weight)
        smoothed = self._pending[2]
        base = self.motor_positions(joint_pos_rad) if self.layout.mode == "relative" else self.offset_rad
        return action_law.motor_targets(
            base, smoothed, self.scale_rad, self.lower_rad, self.upper_rad, self.sent_rad, self.max_step_rad
        )

    def commit(self, sent_rad: np.ndarray) -> None:
        """Record what the motors received (after safety); advances the smoothing state if :meth:`targets` ran."""
        if self._pending is not None:
            self._ema, self._retained, self.smoothed_action = self._pending
            self._pending = None
        self.sent_rad = np.asarray(sent_rad, dtype=np.float64).copy()

    def as_dict(self, targets_rad: np.ndarray) -> dict[str, float]:
        return {m: float(v) for m, v in zip(self.motor_names, targets_rad)}
