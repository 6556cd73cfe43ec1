"""Safety layer between the policy and the motors.

* check every target against its limits [rad] and the action law's rate limit (the contract's
  ``action.max_target_speed_rad_s`` x the control period [rad per step], the limit the policy trained under): the
  law already keeps a trained policy's commands within both, so a clamp here (``clamp_limits`` / ``clamp_step``,
  logged) means a command past the law (or an operator's tighter ``max_step_rad``);
* watchdog: a missing/stale object pose (age > ``pose_stale_s`` [s]), a stale joint reading (age >
  ``joints_stale_s`` [s]) or any missing/non-finite reading holds the last safe targets and records a
  :class:`SafetyEvent`;
* operator stop (Ctrl-C / SIGINT / SIGTERM) and the end of a run: ramp to a safe pose (the hand's current
  pose clipped to the limits, or a neutral pose) at the fault path's own ``ramp_step_rad`` per step, then
  ``hand.safe_stop()``.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from dactyl_lab.spec import action_law, hand, safety
from dactyl_lab.runtime.interfaces import HandInterface, ObjectPose


@dataclass
class SafetyConfig:
    max_step_rad: float | None = None
    """An operator's cap on any motor target's change per control step [rad], on top of the action law's own rate
    limit (None, the default: the law's limit alone; a tighter cap alters what the policy trained under and every
    clamp is logged)."""
    pose_stale_s: float = safety.POSE_STALE_S
    """Hold when the object pose is older than this [s] (about 3 control steps at 80 ms)."""
    joints_stale_s: float = safety.JOINTS_STALE_S
    """Hold when the hand's joint reading is older than this [s] (the Shadow driver publishes at 125 Hz)."""
    safe_pose: str = safety.SAFE_POSE
    """'current': hold the hand where it is (clipped to limits); 'neutral': ramp to ``neutral_pose_rad``."""
    neutral_pose_rad: dict[str, float] = field(default_factory=dict)
    """Neutral target per motor [rad]; motors not listed use 0 clipped to their limits (open, flat hand)."""
    safe_move_steps: int = safety.SAFE_MOVE_STEPS
    """Most control steps spent ramping to the safe pose."""
    fault_stop_s: float = safety.FAULT_STOP_S
    """End the run with a safe stop when the watchdog has held without a break for this long [s]: the targets stay
    the last safe ones (no ramp: the readings cannot be trusted) and ``hand.safe_stop()`` follows (ROS: the soft
    stop through max_force_factor). 0: hold for ever."""
    ramp_step_rad: float = safety.RAMP_STEP_RAD
    """Fault path: largest change of any motor target per control step while ramping to the safe pose or back to
    the start pose [rad] (0.2 rad / 80 ms = 2.5 rad/s)."""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SafetyEvent:
    step: int
    kind: str
    """Holding: no_pose | stale_pose | stale_joints | non_finite | missing_reading | error.
    Informational: clamp_limits | clamp_step | operator_stop | fault_stop (the run ends after a long hold)."""
    detail: str

    def to_dict(self) -> dict:
        return {"step": self.step, "kind": self.kind, "detail": self.detail}


class SafetyMonitor:
    """Keeps the last safe targets and checks every reading and every target."""

    def __init__(
        self,
        config: SafetyConfig,
        motor_names: tuple[str, ...],
        limits_rad: list[list[float]],
        law_step_rad: np.ndarray | None = None,
    ):
        """``law_step_rad``: the action law's largest target change per control step per motor [rad]
        (:attr:`dactyl_lab.runtime.actions.ActionProcessor.max_step_rad`); None: no law limit (then only
        ``config.max_step_rad``, if set)."""
        self.config = config
        self.motor_names = tuple(motor_names)
        step = np.full(len(self.motor_names), np.inf) if law_step_rad is None else np.asarray(law_step_rad, float)
        self.step_rad = step if config.max_step_rad is None else np.minimum(step, config.max_step_rad)
        """Largest change of each motor's target per control step [rad] in normal operation."""
        contract_limits = np.asarray(limits_rad, dtype=np.float64)
        # the tighter of the policy's limits and the hand's own limits
        hand_limits = np.array([hand.MOTOR_LIMITS_RAD.get(m, (-np.inf, np.inf)) for m in self.motor_names])
        self.lower_rad = np.maximum(contract_limits[:, 0], hand_limits[:, 0])
        self.upper_rad = np.minimum(contract_limits[:, 1], hand_limits[:, 1])
        self.last_safe_rad: np.ndarray | None = None
        self.events: list[SafetyEvent] = []

    def record(self, step: int, kind: str, detail: str) -> SafetyEvent:
        """Append an event to the run's event list and return it."""
        event = SafetyEvent(step, kind, detail)
        self.events.append(event)
        return event

    def reset(self, targets_rad: np.ndarray) -> None:
        """Start from these (finite) targets, e.g. the hand's current pose."""
        self.last_safe_rad = np.clip(np.asarray(targets_rad, dtype=np.float64), self.lower_rad, self.upper_rad)

    # -- watchdog ---------------------------------------------------------------------------------------
    def check_readings(
        self,
        step: int,
        joint_pos_rad: dict[str, float],
        fingertip_pos_m: dict[str, np.ndarray],
        pose: ObjectPose | None,
        now_s: float,
        joint_age_s: float = 0.0,
    ) -> list[SafetyEvent]:
        """Events that must make the loop hold the last safe targets (empty list: all good).

        ``now_s`` is the pose source's clock [s]; ``joint_age_s`` the age of the joint reading [s]."""
        events = []
        if not joint_age_s <= self.config.joints_stale_s:
            events.append(
                self.record(
                    step,
                    "stale_joints",
                    f"joint reading is {joint_age_s:.3f} s old (limit {self.config.joints_stale_s} s)",
                )
            )
        for name in hand.JOINT_NAMES:
            if name not in joint_pos_rad:
                events.append(self.record(step, "missing_reading", f"joint {name} missing from the hand's readings"))
            elif not math.isfinite(joint_pos_rad[name]):
                events.append(self.record(step, "non_finite", f"joint {name} reads {joint_pos_rad[name]} rad"))
        for body in hand.FINGERTIP_BODY_NAMES:
            tip = fingertip_pos_m.get(body)
            if tip is None:
                events.append(self.record(step, "missing_reading", f"fingertip {body} missing"))
            elif not np.all(np.isfinite(tip)):
                events.append(self.record(step, "non_finite", f"fingertip {body} reads {list(tip)} m"))
        if pose is None:
            events.append(self.record(step, "no_pose", "no object pose received yet"))
        else:
            if not (np.all(np.isfinite(pose.pos_m)) and np.all(np.isfinite(pose.quat_xyzw))):
                events.append(self.record(step, "non_finite", f"object pose {list(pose.pos_m)} {list(pose.quat_xyzw)}"))
            age_s = now_s - pose.stamp_s
            if not age_s <= self.config.pose_stale_s:
                events.append(
                    self.record(
                        step, "stale_pose", f"object pose is {age_s:.3f} s old (limit {self.config.pose_stale_s} s)"
                    )
                )
        return events

    # -- target clamping --------------------------------------------------------------------------------
    def clamp(
        self, step: int, desired_rad: np.ndarray, step_rad: np.ndarray | float | None = None
    ) -> tuple[np.ndarray, list[SafetyEvent]]:
        """Targets within limits and within ``step_rad`` (default :attr:`step_rad`, the law's) of the last safe
        targets."""
        desired = np.asarray(desired_rad, dtype=np.float64)
        events = []
        if not np.all(np.isfinite(desired)):
            bad = self.motor_names[int(np.flatnonzero(~np.isfinite(desired))[0])]
            events.append(self.record(step, "non_finite", f"target of motor {bad} is {desired.tolist()}"))
            return self.last_safe_rad.copy(), events
        limited = np.clip(desired, self.lower_rad, self.upper_rad)
        if np.any(limited != desired):
            names = [m for m, a, b in zip(self.motor_names, limited, desired) if a != b]
            events.append(self.record(step, "clamp_limits", f"targets clamped to limits: {names}"))
        step_rad = self.step_rad if step_rad is None else step_rad
        stepped = np.clip(limited, self.last_safe_rad - step_rad, self.last_safe_rad + step_rad)
        if np.any(stepped != limited):
            names = [m for m, a, b in zip(self.motor_names, stepped, limited) if a != b]
            events.append(self.record(step, "clamp_step", f"targets past the per-step rate limit, clamped: {names}"))
        return stepped, events

    def ramp_step(self, goal_rad: np.ndarray) -> np.ndarray:
        """One step of the fault path's ramp toward ``goal_rad``: within limits and within ``ramp_step_rad`` of the
        last safe targets. The ramp's rate is its design, not a clamp of a policy command: no event."""
        limited = np.clip(np.asarray(goal_rad, dtype=np.float64), self.lower_rad, self.upper_rad)
        step_rad = self.config.ramp_step_rad
        return np.clip(limited, self.last_safe_rad - step_rad, self.last_safe_rad + step_rad)

    def accept(self, targets_rad: np.ndarray) -> None:
        self.last_safe_rad = np.asarray(targets_rad, dtype=np.float64).copy()

    # -- safe pose ----------------------------------------------------------------------------------------
    def safe_pose_rad(self, joint_pos_rad: dict[str, float] | None) -> np.ndarray:
        """Where to stop: the current pose (if readable and finite) or the neutral pose, within limits."""
        if self.config.safe_pose == "current":
            current = motor_positions_or_none(joint_pos_rad, self.motor_names)
            if current is None:  # cannot read the hand: keep the last safe command
                return self.last_safe_rad.copy()
            return np.clip(current, self.lower_rad, self.upper_rad)
        neutral = np.array([self.config.neutral_pose_rad.get(m, 0.0) for m in self.motor_names], dtype=np.float64)
        return np.clip(neutral, self.lower_rad, self.upper_rad)


def rated_step_rad(motor_names: tuple[str, ...], period_s: float) -> np.ndarray:
    """The hand's rated speed x ``period_s`` per motor [rad] (:data:`dactyl_lab.spec.hand.MOTOR_MAX_SPEED_RAD_S`;
    inf for a motor the hand does not list): the most a target may move in one control step on this hand."""
    speeds = np.array([hand.MOTOR_MAX_SPEED_RAD_S.get(m, np.inf) for m in motor_names], dtype=np.float64)
    return action_law.max_target_step_rad(speeds, period_s)


def motor_positions_or_none(joint_pos_rad: dict[str, float] | None, motor_names) -> np.ndarray | None:
    """Motor coordinates [rad] (tendons J1 + J2) if every needed joint is present and finite, else None."""
    if joint_pos_rad is None:
        return None
    try:
        values = np.array([sum(joint_pos_rad[j] for j in hand.joint_names_of_motor(m)) for m in motor_names])
    except KeyError:
        return None
    return values if np.all(np.isfinite(values)) else None


def ramp_to(
    hand_if: HandInterface, monitor: SafetyMonitor, goal_rad: np.ndarray, step: int, period_s: float, realtime: bool
) -> np.ndarray:
    """Command ``goal_rad`` at ``ramp_step_rad`` per control period (the fault path's own rate, at most
    ``safe_move_steps`` periods), within limits; returns the last targets sent [rad]."""
    for _ in range(max(1, monitor.config.safe_move_steps)):
        targets = monitor.ramp_step(goal_rad)
        hand_if.send_targets({m: float(v) for m, v in zip(monitor.motor_names, targets)})
        monitor.accept(targets)
        if np.allclose(targets, goal_rad, atol=1e-9):
            break
        hand_if.tick(period_s)
        if realtime:
            time.sleep(period_s)
    return monitor.last_safe_rad.copy()


def go_to_safe_pose(
    hand_if: HandInterface, monitor: SafetyMonitor, step: int, period_s: float, realtime: bool, hold: bool = False
) -> np.ndarray:
    """Ramp to the safe pose at ``ramp_step_rad`` per step (at most ``safe_move_steps``), then ``safe_stop()``.

    ``hold``: the readings are not trusted (fault stop): no command at all (the hand's position controllers keep the
    last safe targets they were sent), only ``safe_stop()``. A second Ctrl-C during the ramp skips straight to
    ``safe_stop()``. Returns the last targets sent [rad].
    """
    try:
        if hold and monitor.last_safe_rad is not None:
            return monitor.last_safe_rad.copy()
        try:
            joints = hand_if.read_joint_positions()
        except Exception:  # noqa: BLE001 - a broken reading must not prevent the stop
            joints = None
        if monitor.last_safe_rad is None:  # stopped before the first command: start from the measured pose
            current = motor_positions_or_none(joints, monitor.motor_names)
            if current is None:
                return np.full(len(monitor.motor_names), np.nan)
            monitor.reset(current)
        goal = monitor.safe_pose_rad(joints)
        return ramp_to(hand_if, monitor, goal, step, period_s, realtime)
    except KeyboardInterrupt:
        if monitor.last_safe_rad is None:
            return np.full(len(monitor.motor_names), np.nan)
        return monitor.last_safe_rad.copy()
    finally:
        hand_if.safe_stop()
