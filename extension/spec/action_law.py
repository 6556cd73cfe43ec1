"""Dactyl's action law, shared by the task's action term (torch) and the real-hand runtime (numpy).

Paper (arXiv 1808.00177, sec. 4.2, Appendices B.4 and C.1): each action coordinate is a change of the motor's
position *relative to the position of the joint(s) it drives when the action is issued* (coupled joints: the
sum J1 + J2); the controller turns it into an absolute target, clips it to the valid range and runs PD on it.
The actions are rescaled to [-1, 1] and smoothed by an exponential moving average, coefficient 0.3 per 80 ms.

Per control step, with ``a`` the policy action clipped to [-1, 1]:

    a_smooth_t = a_smooth_{t-1} + w * (a - a_smooth_{t-1})          (:func:`smooth`, a_smooth_0 = 0)
    target_t   = clip(motor_position_t + scale_rad * a_smooth_t,    (:func:`motor_targets`)
                      limits in force)

``scale_rad`` is per motor: half of the motor's nominal range (:func:`half_range_scale_rad`), so an action of +-1
can move a target across half of its range in one step. This is the relative control of OpenAI's own release of
this hand model (gymnasium-robotics ``ShadowHand`` with ``relative_control``: ``ctrl = actuated joint position +
action * (ctrlrange_high - ctrlrange_low) / 2``); the paper only says the actions are "rescaled to [-1, 1]".

Decisions (docs/randomization.md, "Actions"):

* What is smoothed: the *action* (as the paper says), not the target. With targets relative to the measured
  position, smoothing the target would drag it back toward where the joint was, i.e. a low-pass on the joint.
* Which weight 0.3 is: the weight of the NEW action, ``w = 0.3`` per 80 ms (the usual EMA convention, and
  Isaac Gym's ShadowHandOpenAI, the public reimplementation of Dactyl: ``0.3 * new + 0.7 * previous``).
  Policies of contract schema 1 used the other reading and are refused (:mod:`dactyl_lab.contract.schema`).
* Other control periods: the previous value keeps ``(1 - 0.3) ** (period / 80 ms)`` per step
  (:func:`smoothing_weight_per_step`), so 20 Hz (50 ms) smooths the same per second: w = 0.200.

Pure Python: the functions work on torch tensors and numpy arrays alike (``x.clip(low, high)``), and this module
imports neither, so the runtime on the robot computer uses the very same formulas.
"""

from __future__ import annotations

ACTION_LAW = "relative-to-measured, EMA on the action"
"""Name of the law, written into the policy contract (``ActionLayout.law``)."""

PAPER_SMOOTHING_NEW_WEIGHT = 0.3
"""EMA weight of the new action per :data:`PAPER_CONTROL_PERIOD_S` (paper: "coefficient 0.3 per 80 ms")."""

PAPER_CONTROL_PERIOD_S = 0.08
"""The paper's control step [s], the reference period of the smoothing coefficient."""


def half_range_scale_rad(motor_limits_rad: dict[str, tuple[float, float]]) -> dict[str, float]:
    """Per motor ``(high - low) / 2`` [rad per unit action]: the action scale of the paper's relative control
    (module docstring), from the motors' nominal limits (a calibration constant: randomized joint limits clip the
    target but do not change the scale)."""
    return {name: (high - low) / 2.0 for name, (low, high) in motor_limits_rad.items()}


def motor_scales_rad(
    scale_rad: float | dict[str, float] | None, motor_limits_rad: dict[str, tuple[float, float]]
) -> dict[str, float]:
    """The action scale of every motor in ``motor_limits_rad`` [rad per unit action]: ``None`` (the task's
    default) -> :func:`half_range_scale_rad`; a number -> that number for every motor; a dict -> its values."""
    if scale_rad is None:
        return half_range_scale_rad(motor_limits_rad)
    if isinstance(scale_rad, dict):
        missing = sorted(set(motor_limits_rad) - set(scale_rad))
        if missing:
            raise ValueError(f"scale_rad lacks the motors {missing}; give a scale for every motor (or one number)")
        return {name: float(scale_rad[name]) for name in motor_limits_rad}
    return {name: float(scale_rad) for name in motor_limits_rad}


def smoothing_weight_per_step(
    new_weight: float = PAPER_SMOOTHING_NEW_WEIGHT,
    period_s: float = PAPER_CONTROL_PERIOD_S,
    reference_period_s: float = PAPER_CONTROL_PERIOD_S,
) -> float:
    """EMA weight of the new action per control step of ``period_s`` that smooths as ``new_weight`` does per
    ``reference_period_s``: ``1 - (1 - new_weight) ** (period_s / reference_period_s)`` (0: no update, 1: no
    smoothing)."""
    if not 0.0 < new_weight <= 1.0:
        raise ValueError(f"the smoothing weight of the new action must be in (0, 1], got {new_weight} (1 = off)")
    if not (period_s > 0.0 and reference_period_s > 0.0):
        raise ValueError(f"control periods must be positive, got {period_s} s and {reference_period_s} s")
    ratio = period_s / reference_period_s
    return new_weight if ratio == 1.0 else 1.0 - (1.0 - new_weight) ** ratio


def smooth(previous, action, new_weight: float):
    """One EMA step: ``previous + new_weight * (action - previous)`` (tensors or arrays)."""
    return previous + new_weight * (action - previous)


def motor_targets(motor_position_rad, smoothed_action, scale_rad, low_rad, high_rad):
    """Absolute motor targets [rad]: the measured motor position plus ``scale_rad`` x the smoothed action,
    clipped to the limits in force (tensors or arrays; ``low``/``high`` broadcast against the targets)."""
    return (motor_position_rad + scale_rad * smoothed_action).clip(low_rad, high_rad)
