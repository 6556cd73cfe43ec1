"""The fixed-rate control loop: read -> watchdog -> observe -> infer -> act, once per control period.

Timing uses ``time.perf_counter``; in real time the loop sleeps until each deadline and counts the steps that
finish late (the next step then starts at once and the schedule re-anchors). With ``realtime=False`` it
never sleeps (simulation / replay / tests) and a deadline miss is a step whose work (incl. the simulated
physics and the log) took longer than the period.

Holding: when the watchdog fires (stale/missing pose, non-finite reading) the loop sends no command (the hand's
position controllers keep the last safe targets), does not run the policy (its LSTM state and ``last_action`` stay
as they were) and logs the event; each step's record says whether it commanded the hand (``commanded``).
A hold lasting ``SafetyConfig.fault_stop_s`` ends the run: no command after the fault, only ``hand.safe_stop()``.
"""

from __future__ import annotations

import math
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from dactyl_lab.spec import hand, task as task_constants
from dactyl_lab.contract import ContractMismatchError, PolicyContract, check_against_hand
from dactyl_lab.runtime.actions import ActionProcessor
from dactyl_lab.runtime.goals import GoalSampler, RandomGoalSampler, SuccessCounter
from dactyl_lab.runtime.interfaces import HandInterface, PoseSource
from dactyl_lab.runtime.log import RunLogger
from dactyl_lab.runtime.observation import NonFiniteInputError, ObservationBuilder, StepInputs
from dactyl_lab.runtime.policy import OnnxPolicy
from dactyl_lab.runtime.quat import orientation_error_rad
from dactyl_lab.runtime.safety import (
    SafetyConfig,
    SafetyMonitor,
    go_to_safe_pose,
    motor_positions_or_none,
    ramp_to,
    rated_step_rad,
)
from dactyl_lab.runtime.stats import LatencyStats


@dataclass
class LoopConfig:
    control_period_s: float | None = None
    """Control period [s]; None: the contract's. Must equal the contract's (checked before anything moves)."""
    realtime: bool = True
    """Sleep until each deadline; False runs as fast as possible (stand-in, replay, tests)."""
    max_steps: int | None = None
    """Stop after this many control steps (None: until episodes run out or Ctrl-C)."""
    max_episodes: int | None = None
    goal_timeout_s: float = task_constants.EVAL_GOAL_TIMEOUT_S
    """Episode ends if a goal is not reached within this time [s] (80 s on the real hand in the paper)."""
    max_consecutive_successes: int = task_constants.MAX_CONSECUTIVE_SUCCESSES
    fall_distance_m: float = task_constants.DROP_DISTANCE_M
    """Episode ends (drop) when the cube is farther than this from ``object_home_m`` [m] (the task's 0.12)."""
    object_home_m: tuple[float, float, float] = task_constants.CUBE_HOME_POS_M
    """The cube's goal position above the palm in the hand-mount frame [m] (the task's cube spawn point)."""
    seed: int = 0
    """Seed of the goal sampler."""
    startup_timeout_s: float = 5.0
    """Give up (before sending anything) if no valid joint reading arrives within this time [s]."""
    return_to_start: bool = False
    """At each episode end ramp the hand back to the run's first start pose (rate-limited) before the next episode
    (a real hand, where nothing resets the joints; a simulated hand resets itself)."""

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class RunSummary:
    steps: int = 0
    policy_steps: int = 0
    held_steps: int = 0
    episodes: list[int] = field(default_factory=list)
    """Consecutive successes of each finished episode (the paper's metric)."""
    current_consecutive: int = 0
    deadline_misses: int = 0
    stop_reason: str = ""
    event_counts: dict[str, int] = field(default_factory=dict)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    control_period_s: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)


class ControlLoop:
    def __init__(
        self,
        contract: PolicyContract,
        policy: OnnxPolicy,
        hand_if: HandInterface,
        pose_source: PoseSource,
        safety_config: SafetyConfig | None = None,
        config: LoopConfig | None = None,
        goal_sampler: GoalSampler | None = None,
        logger: RunLogger | None = None,
        header: dict | None = None,
        keep_records: bool = False,
    ):
        """Checks the contract against the hand and runtime first: a mismatch raises before anything moves."""
        self.config = config or LoopConfig()
        self.period_s = self.config.control_period_s or contract.control_period_s
        check_against_hand(contract, hand_if.motor_names, self.period_s)
        hand_period_s = hand_if.control_period_s
        if hand_period_s is not None and not math.isclose(hand_period_s, self.period_s, abs_tol=1e-6):
            raise ContractMismatchError(
                f"control period differs: the policy was trained at {contract.control_period_s:g} s per step but the "
                f"{type(hand_if).__name__} runs at {hand_if.control_period_s:g} s per step; configure the hand for "
                f"{self.period_s:g} s (stand-in: --physics_dt_s x substeps) or re-export a policy trained at "
                f"{hand_if.control_period_s:g} s"
            )
        self.contract, self.policy, self.hand, self.pose_source = contract, policy, hand_if, pose_source
        self.motor_names = tuple(contract.action.motor_names)
        self.hand_base_pos_m = np.asarray(contract.hand_base_pos_m, dtype=np.float64)
        self.observations = ObservationBuilder(contract)
        self.actions = ActionProcessor(contract.action, self.period_s)
        # the law's rate limit, and never faster than this hand is rated for (as the limits: the tighter of both)
        step_rad = np.minimum(self.actions.max_step_rad, rated_step_rad(self.motor_names, self.period_s))
        self.safety = SafetyMonitor(safety_config or SafetyConfig(), self.motor_names, contract.action.limits, step_rad)
        self.goals = goal_sampler or RandomGoalSampler(self.config.seed)
        self.successes = SuccessCounter(
            contract.success_threshold_rad,
            self.config.max_consecutive_successes,
            max(1, round(self.config.goal_timeout_s / self.period_s)),
            self.config.fall_distance_m,
            self.config.object_home_m,
        )
        self.logger = logger
        self.header = header or {}
        self.records: list[dict] | None = [] if keep_records else None
        """Every step's record, when ``keep_records`` (replay comparison, tests)."""
        self.stats = LatencyStats()
        self.summary = RunSummary(control_period_s=self.period_s)
        self.step_index = 0
        self.episode = 0
        self.goal_xyzw = np.array([0.0, 0.0, 0.0, 1.0])
        self.last_action = self._episode_start_action()
        self._episode_pending = True
        self._last_error = float("nan")
        self._held_streak = 0
        """Consecutive control steps the watchdog has held (for the fault stop)."""
        self._commanded = False
        """Whether the current step sent targets to the hand."""
        self._nonfinite_hold = False
        """Whether the current step held on a non-finite observation or policy action (a fault hold)."""
        self._start_pose_rad: np.ndarray | None = None
        """Motor targets at the run's first episode start (``return_to_start``)."""
        self._t_start = time.perf_counter()

    # -- one control step -------------------------------------------------------------------------------
    def step(self) -> dict:
        """Run one control step (without sleeping); returns the step's log record."""
        k = self.step_index
        t0 = time.perf_counter()
        joints = self.hand.read_joint_positions()
        joint_age_s = self.hand.joint_reading_age_s()
        tips = self.hand.read_fingertip_positions()
        pose = self.pose_source.read_pose()
        now_s = self.pose_source.now_s()
        t_read = time.perf_counter()
        record = {
            "step": k,
            "episode": self.episode,
            "t_s": t0 - self._t_start,
            "phase": "run",
            "joint_pos_rad": dict(joints),
            "fingertip_pos_m": {b: np.asarray(v) for b, v in tips.items()},
            "pose": None
            if pose is None
            else {"pos_m": pose.pos_m, "quat_xyzw": pose.quat_xyzw, "stamp_s": pose.stamp_s},
            "now_s": now_s,
            "joint_age_s": joint_age_s,
            "obs": None,
            "action": None,
            "held": True,
            "orientation_error_rad": None,
        }
        timings = {"read": t_read - t0}
        n_events = len(self.safety.events)
        holding = self.safety.check_readings(k, joints, tips, pose, now_s, joint_age_s)
        joints_ok = motor_positions_or_none(joints, self.motor_names) is not None

        if self._episode_pending and joints_ok:
            self._start_episode(k, joints)
        sent = None
        self._commanded = self._nonfinite_hold = False
        if self.safety.last_safe_rad is None:
            pass  # no valid reading yet: nothing has been commanded and nothing will be
        elif holding:  # a fault: no command (the controllers keep the last safe targets)
            sent = self._hold(send=False)
        else:
            outcome = self._update_successes(k, pose)
            if outcome in ("drop", "timeout", "max_successes"):
                record["phase"] = "episode_end"
                record["episode_outcome"] = outcome
                sent = self._hold()
            else:
                sent = self._policy_step(k, joints, tips, pose, record, timings)
        # fault holds in a row (readings, or a non-finite observation / action): a long streak is a fault stop
        fault_hold = (holding or self._nonfinite_hold) and self.safety.last_safe_rad is not None
        self._held_streak = self._held_streak + 1 if fault_hold else 0
        t_end = time.perf_counter()
        timings["total"] = t_end - t0
        record.update(
            goal_quat_xyzw=self.goal_xyzw.copy(),
            targets_rad=None if sent is None else self.actions.as_dict(sent),
            commanded=self._commanded,
            consecutive_successes=self.successes.consecutive,
            timings_ms={s: 1e3 * v for s, v in timings.items()},
            events=[e.to_dict() for e in self.safety.events[n_events:]],
        )
        if record["obs"] is not None:
            for stage, seconds in timings.items():
                self.stats.add(stage, seconds)
        if record["phase"] == "episode_end":
            self._end_episode()
        return record

    def _start_episode(self, k: int, joints: dict[str, float]) -> None:
        self.safety.reset(self.actions.reset(joints))
        if self._start_pose_rad is None:
            self._start_pose_rad = self.safety.last_safe_rad.copy()
        self.policy.reset()
        self.successes.new_episode()
        self.goal_xyzw = np.asarray(self.goals.sample(k), dtype=np.float64)
        self.last_action = self._episode_start_action()
        self._episode_pending = False

    def _episode_start_action(self) -> np.ndarray:
        """The ``last_action`` observation of an episode's first step, as the contract states it."""
        return np.full(len(self.motor_names), self.contract.episode_start.last_action_value, dtype=np.float64)

    def _end_episode(self) -> None:
        self.summary.episodes.append(self.successes.end_episode())
        self.episode += 1
        self._episode_pending = True
        if self.config.return_to_start and self._start_pose_rad is not None:
            ramp_to(self.hand, self.safety, self._start_pose_rad, self.step_index, self.period_s, self.config.realtime)
        self.hand.reset_episode()
        self.pose_source.reset_episode()

    def _hold(self, send: bool = True) -> np.ndarray:
        """Keep the last safe targets. ``send``: command them again (an episode end); a fault hold sends nothing,
        the hand's position controllers keep the last command."""
        held = self.safety.last_safe_rad.copy()
        if send:
            self.hand.send_targets(self.actions.as_dict(held))
            self._commanded = True
        self.actions.commit(held)
        return held

    def _update_successes(self, k: int, pose) -> str | None:
        error = orientation_error_rad(pose.quat_xyzw, self.goal_xyzw)
        outcome = self.successes.update(error, pose.pos_m)
        if outcome == "success":
            self.goal_xyzw = np.asarray(self.goals.sample(k), dtype=np.float64)
        self._last_error = error
        return outcome

    def _policy_step(self, k, joints, tips, pose, record, timings) -> np.ndarray:
        record["orientation_error_rad"] = self._last_error
        t0 = time.perf_counter()
        inputs = StepInputs(tips, pose, self.goal_xyzw, self.last_action, self.motor_names, self.hand_base_pos_m)
        try:
            obs = self.observations.build(inputs)
        except NonFiniteInputError as error:
            self.safety.record(k, "non_finite", str(error))
            self._nonfinite_hold = True
            return self._hold(send=False)
        t1 = time.perf_counter()
        action = self.policy(obs)
        t2 = time.perf_counter()
        if not np.all(np.isfinite(action)):
            bad = self.motor_names[int(np.flatnonzero(~np.isfinite(action))[0])]
            self.safety.record(k, "non_finite", f"policy action for motor {bad} is not finite")
            record["action"] = action
            self._nonfinite_hold = True
            return self._hold(send=False)
        env_action = self.actions.env_action(action)
        targets, _ = self.safety.clamp(k, self.actions.targets(env_action, joints))
        self.hand.send_targets(self.actions.as_dict(targets))
        self._commanded = True
        self.safety.accept(targets)
        self.actions.commit(targets)
        self.last_action = env_action
        t3 = time.perf_counter()
        timings.update(observe=t1 - t0, infer=t2 - t1, act=t3 - t2)
        record.update(obs=obs, action=action, held=False)
        return targets

    # -- the run -----------------------------------------------------------------------------------------
    def _write_header(self) -> None:
        if self.logger is None:
            return
        self.logger.header(
            {
                "contract": self.contract.to_dict(),
                "loop": self.config.to_dict(),
                "safety": self.safety.config.to_dict(),
                "control_period_s": self.period_s,
                "motor_names": list(self.motor_names),
                "joint_names": list(hand.JOINT_NAMES),
                "fingertip_names": list(hand.FINGERTIP_BODY_NAMES),
                "created_unix_s": time.time(),
                **self.header,
            }
        )

    def _done(self) -> bool:
        c = self.config
        if c.max_steps is not None and self.step_index >= c.max_steps:
            self.summary.stop_reason = "max_steps"
            return True
        if c.max_episodes is not None and len(self.summary.episodes) >= c.max_episodes:
            self.summary.stop_reason = "episodes"
            return True
        return False

    def run(self) -> RunSummary:
        """Loop until max_steps / max_episodes / Ctrl-C, then ramp to the safe pose and stop the hand."""
        self._write_header()
        period = self.period_s
        startup_steps = max(1, math.ceil(self.config.startup_timeout_s / period))
        self._t_start = time.perf_counter()
        deadline = self._t_start
        last_start = None
        fault_stop = False
        try:
            while not self._done():
                start = time.perf_counter()
                if last_start is not None:
                    self.stats.add("period", start - last_start)
                last_start = start
                record = self.step()
                if self.safety.last_safe_rad is None and self.step_index + 1 >= startup_steps:
                    raise RuntimeError(
                        f"no valid hand reading within {self.config.startup_timeout_s} s; nothing was commanded. "
                        f"Last problems: {[e['detail'] for e in record['events']]}"
                    )
                t_log = time.perf_counter()
                if self.logger is not None:
                    self.logger.step(record)
                if self.records is not None:
                    self.records.append(record)
                t_sim = time.perf_counter()
                self.hand.tick(period)
                t_done = time.perf_counter()
                self.stats.add("log", t_sim - t_log)
                self.stats.add("sim", t_done - t_sim)
                self._count_step(record)
                if self._fault_stop_due(record):
                    fault_stop = True
                    break
                deadline += period
                if record["phase"] == "episode_end" and self.config.return_to_start:
                    deadline, last_start = time.perf_counter(), None  # the hand went back, the cube was put back
                elif self.config.realtime:
                    remaining = deadline - time.perf_counter()
                    if remaining > 0:
                        time.sleep(remaining)
                    else:
                        self.summary.deadline_misses += 1
                        deadline = time.perf_counter()
                elif t_done - start > period:
                    self.summary.deadline_misses += 1
        except KeyboardInterrupt:
            self.summary.stop_reason = "operator_stop"
            self.safety.record(self.step_index, "operator_stop", "Ctrl-C / SIGINT / SIGTERM: going to the safe pose")
        except BaseException as error:
            self.summary.stop_reason = f"error: {type(error).__name__}: {error}"
            self.safety.record(self.step_index, "error", self.summary.stop_reason)
            raise
        finally:
            # during a fault hold (or its stop) the readings are not trusted: no command, only the soft stop
            no_commands = fault_stop or self._held_streak > 0
            go_to_safe_pose(self.hand, self.safety, self.step_index, period, self.config.realtime, hold=no_commands)
            self._finish()
        return self.summary

    def _fault_stop_due(self, record: dict) -> bool:
        """True (and the stop reason set) once the watchdog has held for ``fault_stop_s`` without a break."""
        limit_s = self.safety.config.fault_stop_s
        if not limit_s or self._held_streak * self.period_s < limit_s - 1e-9:
            return False
        causes = sorted({e["kind"] for e in record["events"]})
        detail = "; ".join(e["detail"] for e in record["events"])
        self.summary.stop_reason = f"fault_stop: held {self._held_streak * self.period_s:.2f} s on {causes} ({detail})"
        self.safety.record(
            self.step_index,
            "fault_stop",
            f"{self.summary.stop_reason}: holding the last safe targets and stopping the hand",
        )
        return True

    def _count_step(self, record: dict) -> None:
        self.step_index += 1
        self.summary.steps += 1
        if record["held"]:
            self.summary.held_steps += 1
        else:
            self.summary.policy_steps += 1

    def _finish(self) -> None:
        counts: dict[str, int] = {}
        for event in self.safety.events:
            counts[event.kind] = counts.get(event.kind, 0) + 1
        self.summary.event_counts = counts
        self.summary.current_consecutive = self.successes.consecutive
        self.summary.latency = self.stats.summary()
        if self.logger is not None:
            self.logger.summary(self.summary.to_dict())
            self.logger.close()
