"""Dactyl's action law, shared by the task's action term (torch), the real-hand runtime and its MuJoCo stand-in
(numpy): one set of formulas, so what the robot runs is what the policy trained under.

Paper (arXiv 1808.00177, sec. 4.2, Appendices B.4 and C.1): each action coordinate is a change of the motor's
position *relative to the position of the joint(s) it drives when the action is issued* (coupled joints: the
sum J1 + J2); the controller turns it into an absolute target, clips it to the valid range and runs PD on it.
The actions are rescaled to [-1, 1] and smoothed by an exponential moving average, coefficient 0.3 per 80 ms.

Per control step, with ``a`` the policy action clipped to [-1, 1] and ``p`` the smoothing's previous weight per
step (:func:`smoothing_previous_weight_per_step`):

    ema_t      = p * ema_{t-1} + (1 - p) * a                  ema_0 = 0            (:func:`smooth`)
    retained_t = p * retained_{t-1}                           retained_0 = 1
    a_smooth_t = ema_t / (1 - retained_t)                     (bias-corrected: a_smooth_1 = a_1)
    target_t   = clip(clip(motor_position_t + scale_rad * a_smooth_t,                  (:func:`motor_targets`)
                           target_{t-1} - max_step_rad, target_{t-1} + max_step_rad),
                      limits in force)                        target_0 = the measured pose, clipped

``scale_rad`` is per motor: half of the motor's nominal range (:func:`half_range_scale_rad`), so an action of +-1
can move a target across half of its range in one step (the relative control of OpenAI's release of this hand
model, gymnasium-robotics ``ShadowHand`` with ``relative_control``: ``ctrl = joint position + action * (high -
low) / 2``; on the tendon motors our J0 = J1 + J2 spans pi, so its scale is 1.571, where gymnasium-robotics'
single driven joint J2 spans pi / 2 and gets 0.785). ``max_step_rad`` is per motor: the hand's rated joint speed
times the control period (:func:`max_target_step_rad`, :data:`dactyl_lab.spec.hand.MOTOR_MAX_SPEED_RAD_S`): the
target never moves faster than the real hand can follow, in training, in the runtime and on the stand-in, so the
runtime's safety layer never has to alter what a trained policy commands.

Decisions (docs/randomization.md, "Actions"; docs/fidelity.md):

* What is smoothed: the *action* (as the paper says), not the target. With targets relative to the measured
  position, smoothing the target would drag it back toward where the joint was, i.e. a low-pass on the joint.
* Which weight 0.3 is: the weight of the PREVIOUS value, as OpenAI's own code has it (robogym's
  ``SmoothActionWrapper`` keeps ``alpha * previous + (1 - alpha) * new``, raises ``alpha`` to the power
  ``control step / 80 ms`` and divides by ``1 - alpha ** steps`` since the episode began). Contract schemas 1
  and 2 used other laws and are refused (:mod:`dactyl_lab.contract.schema`).
* Other control periods: ``p = 0.3 ** (period / 80 ms)`` (20 Hz, 50 ms: p = 0.471), the same smoothing per second.

Pure Python: the functions work on torch tensors and numpy arrays alike (``x.clip(low, high)`` with tensor or
array bounds), and this module imports neither, so the runtime on the robot computer uses the very same formulas.
"""

from __future__ import annotations

ACTION_LAW = "relative-to-measured, bias-corrected EMA on the action (weight on the previous value), target rate limit"
"""Name of the law, written into the policy contract (``ActionLayout.law``)."""

PAPER_SMOOTHING_PREVIOUS_WEIGHT = 0.3
"""EMA weight of the PREVIOUS value per :data:`PAPER_CONTROL_PERIOD_S` (robogym's ``alpha``; 0 = no smoothing)."""

PAPER_CONTROL_PERIOD_S = 0.08
"""The paper's control step [s], the reference period of the smoothing coefficient (robogym's ``/ 0.08``)."""


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
    return _per_motor(scale_rad, motor_limits_rad, "scale_rad")


def motor_max_speeds_rad_s(
    max_speed_rad_s: float | dict[str, float] | None, default_rad_s: dict[str, float]
) -> dict[str, float]:
    """The target speed limit of every motor in ``default_rad_s`` [rad/s]: ``None`` (the task's default) -> the
    hand's rated speeds ``default_rad_s``; a number -> that speed for every motor; a dict -> its values."""
    speeds = dict(default_rad_s) if max_speed_rad_s is None else _per_motor(max_speed_rad_s, default_rad_s, "speed")
    bad = {name: v for name, v in speeds.items() if not v > 0.0}
    if bad:
        raise ValueError(f"target speed limits must be positive [rad/s], got {bad}")
    return speeds


def _per_motor(value: float | dict[str, float], motors: dict, what: str) -> dict[str, float]:
    if isinstance(value, dict):
        missing = sorted(set(motors) - set(value))
        if missing:
            raise ValueError(f"{what} lacks the motors {missing}; give a value for every motor (or one number)")
        return {name: float(value[name]) for name in motors}
    return {name: float(value) for name in motors}


def max_target_step_rad(max_speed_rad_s, period_s: float):
    """Largest change of a motor target in one control step [rad]: speed limit [rad/s] x ``period_s`` (numbers,
    tensors or arrays)."""
    if not period_s > 0.0:
        raise ValueError(f"the control period must be positive, got {period_s} s")
    return max_speed_rad_s * period_s


def smoothing_previous_weight_per_step(
    previous_weight: float = PAPER_SMOOTHING_PREVIOUS_WEIGHT,
    period_s: float = PAPER_CONTROL_PERIOD_S,
    reference_period_s: float = PAPER_CONTROL_PERIOD_S,
) -> float:
    """EMA weight of the previous value per control step of ``period_s`` that smooths as ``previous_weight`` does
    per ``reference_period_s``: ``previous_weight ** (period_s / reference_period_s)`` (robogym's
    ``alpha ** (dt / 0.08)``; 0: no smoothing)."""
    if not 0.0 <= previous_weight < 1.0:
        raise ValueError(
            f"the smoothing weight of the previous value must be in [0, 1), got {previous_weight} (0 = off; 1 would "
            "never let a new action through)"
        )
    if not (period_s > 0.0 and reference_period_s > 0.0):
        raise ValueError(f"control periods must be positive, got {period_s} s and {reference_period_s} s")
    ratio = period_s / reference_period_s
    return previous_weight if ratio == 1.0 else previous_weight**ratio


def smooth(ema, retained, action, previous_weight: float):
    """One step of the bias-corrected EMA (tensors, arrays or numbers): returns ``(ema, retained, a_smooth)`` with
    ``ema = p ema + (1 - p) action``, ``retained = p retained`` and ``a_smooth = ema / (1 - retained)``.
    At an episode's start ``ema = 0`` and ``retained = 1``, so the first smoothed action is the action itself."""
    ema = previous_weight * ema + (1.0 - previous_weight) * action
    retained = retained * previous_weight
    return ema, retained, ema / (1.0 - retained)


def motor_targets(motor_position_rad, smoothed_action, scale_rad, low_rad, high_rad, previous_target_rad, max_step_rad):
    """Absolute motor targets [rad]: the measured motor position plus ``scale_rad`` x the smoothed action, moved
    at most ``max_step_rad`` from ``previous_target_rad`` (the target of the step before), then clipped to the
    limits in force (tensors or arrays; every argument broadcasts against the targets)."""
    target = motor_position_rad + scale_rad * smoothed_action
    target = target.clip(previous_target_rad - max_step_rad, previous_target_rad + max_step_rad)
    return target.clip(low_rad, high_rad)
