"""An outside integrator's action law and motor map, written from the policy contract (JSON) and docs/export.md
only: numpy, no dactyl_lab import. ``LawClient`` turns policy actions into motor targets as the contract's
``action`` states it; :func:`openai_controls` maps those targets onto gymnasium-robotics' Shadow hand actuators
with the contract's ``openai_model``."""

from __future__ import annotations

import numpy as np


def motor_positions(contract: dict, joint_pos_rad: dict[str, float]) -> np.ndarray:
    """Motor coordinates [rad]: a joint motor's joint, a tendon motor the sum of its ``tendon_joints``."""
    tendons = contract["action"]["tendon_joints"]
    return np.array([sum(joint_pos_rad[j] for j in tendons.get(m, [m])) for m in contract["action"]["motor_names"]])


class LawClient:
    def __init__(self, contract: dict):
        self.contract, action = contract, contract["action"]
        self.p = action["smoothing_previous_weight"]
        self.scale = np.asarray(action["scale"], dtype=np.float64)
        limits = np.asarray(action["limits"], dtype=np.float64)
        self.low, self.high = limits[:, 0], limits[:, 1]
        self.max_step = np.asarray(action["max_target_speed_rad_s"], dtype=np.float64) * contract["control_period_s"]
        self.clip = action["clip"]

    def reset(self, joint_pos_rad: dict[str, float]) -> np.ndarray:
        self.ema, self.retained = np.zeros(len(self.scale)), 1.0
        self.previous = np.clip(motor_positions(self.contract, joint_pos_rad), self.low, self.high)
        return self.previous

    def step(self, action, joint_pos_rad: dict[str, float]) -> np.ndarray:
        a = np.asarray(action, dtype=np.float64)
        if self.clip is not None:
            a = np.clip(a, -self.clip, self.clip)
        self.ema = self.p * self.ema + (1.0 - self.p) * a
        self.retained *= self.p
        smoothed = self.ema / (1.0 - self.retained)
        target = motor_positions(self.contract, joint_pos_rad) + self.scale * smoothed
        target = np.clip(target, self.previous - self.max_step, self.previous + self.max_step)
        self.previous = np.clip(target, self.low, self.high)
        return self.previous


def openai_controls(contract: dict, targets_rad) -> dict[str, float]:
    """gymnasium-robotics actuator name -> its position command for our motor targets: flipped joints negated,
    a tendon motor's J1 + J2 target split along the model's coupling (J2 = target / (1 + coupling))."""
    action, model = contract["action"], contract["openai_model"]
    flipped, coupling = set(model["flipped_joints"]), model["tendon_coupling_j1_per_j2"]
    controls = {}
    for motor, target in zip(action["motor_names"], targets_rad):
        if motor in action["tendon_joints"]:
            controls[model["motor_actuators"][motor]] = float(target) / (1.0 + coupling)
        else:
            sign = -1.0 if model["joint_names"][motor] in flipped else 1.0
            controls[model["motor_actuators"][motor]] = sign * float(target)
    return controls
