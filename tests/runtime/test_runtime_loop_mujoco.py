"""The control loop closed on the MuJoCo stand-in (real ONNX Runtime, real MuJoCo): runs, faults, stops."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dactyl_lab.spec import hand
from dactyl_lab.contract import ContractMismatchError, dactyl_physics, make_action_layout
from dactyl_lab.runtime.backends.mujoco_standin import Faults, MujocoStandInHand, SimulatedTracker
from dactyl_lab.runtime.log import RunLog, RunLogger
from dactyl_lab.runtime.loop import ControlLoop, LoopConfig
from dactyl_lab.runtime.policy import OnnxPolicy
from dactyl_lab.runtime.safety import SafetyConfig

from tests.helpers import runtime_policies as rp

LOW = np.array([hand.MOTOR_LIMITS_RAD[m][0] for m in hand.MOTOR_NAMES])
HIGH = np.array([hand.MOTOR_LIMITS_RAD[m][1] for m in hand.MOTOR_NAMES])


def _run(
    policy_path, standin=None, steps=300, safety=None, tracker_kwargs=None, log_path=None, goals=None, **loop_kwargs
):
    standin = standin or MujocoStandInHand(seed=0)
    tracker = SimulatedTracker(standin, seed=1, **(tracker_kwargs or {}))
    policy = OnnxPolicy(policy_path)
    config = LoopConfig(realtime=False, max_steps=steps, **loop_kwargs)
    logger = RunLogger(log_path) if log_path else None
    loop = ControlLoop(
        policy.contract, policy, standin, tracker, safety or SafetyConfig(), config, goals, logger, keep_records=True
    )
    summary = loop.run()
    return loop, summary, standin


def _sent(standin):
    return np.array([[t[m] for m in hand.MOTOR_NAMES] for t in standin.sent_targets])


def _policy_steps(loop) -> np.ndarray:
    """|change| of every motor's command between consecutive policy steps of one episode [rad]."""
    steps = []
    for a, b in zip(loop.records, loop.records[1:]):
        if a["commanded"] and b["commanded"] and a["episode"] == b["episode"] and a["phase"] == b["phase"] == "run":
            steps.append([abs(b["targets_rad"][m] - a["targets_rad"][m]) for m in hand.MOTOR_NAMES])
    return np.array(steps)


@pytest.mark.parametrize("which", ["ff", "lstm"])
def test_loop_closes_for_hundreds_of_steps(which, ff_policy, lstm_policy):
    path = (ff_policy if which == "ff" else lstm_policy)[0]
    loop, summary, standin = _run(path, steps=300)
    assert summary.steps == 300 and summary.stop_reason == "max_steps"
    assert summary.policy_steps >= 280  # only episode ends (drops) hold
    assert standin.commands_sent >= 300 and standin.stopped
    ticks = standin.data.time / 0.08  # 80 ms per control step; the safe-pose ramp at the end may add a few
    assert ticks == pytest.approx(round(ticks), abs=1e-6) and 300 <= round(ticks) <= 300 + 25
    sent = _sent(standin)
    assert np.all(np.isfinite(sent)) and np.all(sent >= LOW - 1e-12) and np.all(sent <= HIGH + 1e-12)
    assert np.ptp(sent, axis=0).max() > 0.05  # the policy really moves the hand
    # the commanded targets reached the simulated motors, by actuator name
    for name in ("rh_WRJ2", "rh_FFJ0", "rh_THJ1"):
        assert standin.data.ctrl[standin.actuator_id[name]] == pytest.approx(standin.sent_targets[-1][name])
    for stage in ("read", "observe", "infer", "act", "total"):
        assert summary.latency[stage]["p99_ms"] < 80.0
    assert summary.deadline_misses <= 3  # at most 1 %: a shared CI machine can pause a process for a period


def test_observations_are_built_from_the_standin_by_name(ff_policy):
    loop, summary, standin = _run(
        ff_policy[0], steps=3, tracker_kwargs={"latency_steps": 0, "pos_noise_m": (0, 0), "rot_noise_rad": (0, 0)}
    )
    record = next(r for r in loop.records if r["obs"] is not None)
    obs = np.asarray(record["obs"])
    base = np.array([0.0, 0.0, 0.5])
    # the fingertip of the little finger is the rh_lftip site, shifted into the env frame
    np.testing.assert_allclose(obs[9:12], np.asarray(record["fingertip_pos_m"]["rh_lfdistal"]) + base)
    # the object's quaternion is MuJoCo's (w, x, y, z) reordered to (x, y, z, w), w >= 0
    q = np.asarray(record["pose"]["quat_xyzw"])
    np.testing.assert_allclose(obs[18:22], q if q[3] >= 0 else -q)
    assert abs(np.linalg.norm(q) - 1.0) < 1e-9


def test_stale_pose_holds_the_last_safe_targets_and_logs_it(ff_policy, tmp_path):
    standin = MujocoStandInHand(seed=0, faults=Faults(pose_dropouts=[(40, 10)]))
    log_path = tmp_path / "stale.jsonl"
    safety = SafetyConfig(pose_stale_s=0.25)
    loop, summary, standin = _run(ff_policy[0], standin, steps=80, safety=safety, log_path=log_path)
    records = loop.records
    stale = [r["step"] for r in records if any(e["kind"] == "stale_pose" for e in r["events"])]
    # the tracker's last pose is from step 39 (1 step latency); it is older than 0.25 s from step 43 on,
    # and fresh again at step 51 (the first new measurement, made at step 50, arrives one step late)
    assert stale == list(range(43, 51))
    for k in stale:
        assert records[k]["held"] and records[k]["obs"] is None and not records[k]["commanded"]
        assert records[k]["targets_rad"] == records[42]["targets_rad"]  # the last safe targets, unchanged
    sent_before = sum(r["commanded"] for r in records[:43])
    assert standin.sent_targets[sent_before - 1] == records[42]["targets_rad"]
    assert standin.sent_targets[sent_before] != records[42]["targets_rad"]  # step 51's new target: none in between
    assert not records[51]["held"]
    assert summary.event_counts["stale_pose"] == 8
    logged = RunLog(log_path)
    assert [s["step"] for s in logged.steps if any(e["kind"] == "stale_pose" for e in s["events"])] == stale


def test_a_hold_longer_than_fault_stop_ends_the_run_holding_then_stops_the_hand(ff_policy):
    standin = MujocoStandInHand(seed=0, faults=Faults(pose_dropouts=[(40, 100)]))
    safety = SafetyConfig(pose_stale_s=0.25, fault_stop_s=1.0)
    loop, summary, standin = _run(ff_policy[0], standin, steps=200, safety=safety)
    assert summary.stop_reason.startswith("fault_stop") and "stale_pose" in summary.stop_reason
    assert summary.steps == 43 + 13  # stale from step 43 (as above); 13 held steps = 1.04 s >= fault_stop_s
    assert summary.event_counts["fault_stop"] == 1 and standin.stopped
    sent = _sent(standin)
    last_safe = np.array([loop.records[42]["targets_rad"][m] for m in hand.MOTOR_NAMES])
    assert len(sent) == sum(r["commanded"] for r in loop.records[:43])  # no command after the fault
    assert np.all(sent[-1] == last_safe)  # the controllers keep the last safe targets


def test_nan_joint_reading_holds_and_names_the_joint(ff_policy):
    standin = MujocoStandInHand(seed=0, faults=Faults(nan_joints=[("rh_MFJ2", 30, 3)]))
    loop, summary, standin = _run(ff_policy[0], standin, steps=60)
    records = loop.records
    for k in (30, 31, 32):
        events = records[k]["events"]
        assert records[k]["held"] and records[k]["targets_rad"] == records[29]["targets_rad"]
        assert not records[k]["commanded"]
        assert any(e["kind"] == "non_finite" and "rh_MFJ2" in e["detail"] for e in events), events
    assert not next(r for r in records[33:] if r["phase"] == "run")["held"]  # the hold ends with the fault
    assert summary.event_counts["non_finite"] == 3


def test_out_of_range_actions_are_clamped_to_limits_and_max_step(tmp_path):
    """A policy emitting actions of +-1000, no action clamp, and a contract whose limits are 1 rad wider than the
    hand's: the safety layer must still keep every command within the hand's limits and the rate limit."""
    layout = make_action_layout(clip=None, smoothing_previous_weight=0.3)
    layout.limits = [[lo - 1.0, hi + 1.0] for lo, hi in layout.limits]
    contract = dataclasses.replace(rp.ff_contract(), action=layout)
    path = tmp_path / "wild.onnx"
    rp.write_ff_policy(path, contract, gain=3000.0, tanh=False)
    max_step = 0.15
    loop, summary, standin = _run(path, steps=40, safety=SafetyConfig(max_step_rad=max_step))
    actions = np.array([r["action"] for r in loop.records if r["action"] is not None])
    assert np.abs(actions).max() > 100.0
    sent = _sent(standin)
    assert np.all(sent >= LOW - 1e-12) and np.all(sent <= HIGH + 1e-12)
    assert np.abs(np.diff(sent, axis=0)).max() <= max_step + 1e-12
    assert np.isclose(np.abs(np.diff(sent, axis=0)).max(), max_step)  # the rate limit was reached, not avoided
    assert summary.event_counts["clamp_limits"] > 0 and summary.event_counts["clamp_step"] > 0
    assert np.any(np.isclose(sent, LOW) | np.isclose(sent, HIGH))  # and the limits were reached


def test_the_runtime_alters_none_of_a_policys_commands_with_default_settings(tmp_path):
    """A policy of large, fast-changing actions (every motor flips between about -1 and +1): the law's own rate
    limit keeps each target within the hand's rated speed x 80 ms of the last one (as the task trained it), so
    the safety layer, with the runtime's defaults, clamps nothing. Before the law had the limit, the safety layer's
    0.2 rad per step clamped most of these steps."""
    path = tmp_path / "fast.onnx"
    rp.write_ff_policy(path, rp.ff_contract(), gain=30.0)
    loop, summary, standin = _run(path, steps=60)
    actions = np.array([r["action"] for r in loop.records if r["action"] is not None])
    assert np.abs(np.diff(actions, axis=0)).max() > 1.0  # the policy does command fast changes
    steps = _policy_steps(loop)
    rated = np.array([hand.MOTOR_MAX_SPEED_RAD_S[m] for m in hand.MOTOR_NAMES]) * 0.08
    assert np.all(steps <= rated + 1e-12) and np.any(np.isclose(steps, rated))  # the law's limit, reached
    assert summary.event_counts.get("clamp_step", 0) == 0 and summary.event_counts.get("clamp_limits", 0) == 0


def test_a_command_past_the_laws_limit_is_still_clamped_and_logged(tmp_path):
    """A contract whose law allows 1000 rad/s (a policy trained for a faster hand) on this hand: with the
    runtime's default settings the safety layer holds every target within the hand's rated speed x 80 ms and logs
    each step it clamped."""
    layout = make_action_layout(max_target_speed_rad_s=1000.0)
    contract = dataclasses.replace(rp.ff_contract(), action=layout)
    path = tmp_path / "faster_law.onnx"
    rp.write_ff_policy(path, contract, gain=30.0)
    loop, summary, standin = _run(path, steps=30)
    rated = np.array([hand.MOTOR_MAX_SPEED_RAD_S[m] for m in hand.MOTOR_NAMES]) * 0.08
    assert np.all(_policy_steps(loop) <= rated + 1e-12)
    clamped = [e for r in loop.records for e in r["events"] if e["kind"] == "clamp_step"]
    assert summary.event_counts["clamp_step"] == len(clamped) > 10
    assert "rate limit" in clamped[0]["detail"] and "rh_" in clamped[0]["detail"]


@pytest.mark.parametrize("what", ["names", "count", "period"])
def test_contract_mismatch_is_refused_before_anything_moves(what, tmp_path):
    contract = rp.ff_contract()
    if what == "names":
        layout = make_action_layout()
        layout.motor_names = [m if m != "rh_LFJ5" else "lh_LFJ5" for m in layout.motor_names]
        contract = dataclasses.replace(contract, action=layout)
        message = r"motor names differ.*lh_LFJ5"
    elif what == "count":
        motors = hand.MOTOR_NAMES[:-1]
        contract = dataclasses.replace(
            rp.ff_contract(), action=make_action_layout(motor_names=motors), physics=dactyl_physics(motors)
        )
        contract = dataclasses.replace(
            contract,
            observation=[
                dataclasses.replace(t, size=19) if t.name == "last_action" else t for t in contract.observation
            ],
        )
        message = r"motor count differs: the policy drives 19 motors, the hand has 20"
    else:
        contract = dataclasses.replace(contract, control_period_s=0.05)
        message = r"control period differs: the policy was trained at 0.05 s per step but the "
        message += r"MujocoStandInHand runs at 0.08 s"
    path = tmp_path / f"{what}.onnx"
    rp.write_ff_policy(path, contract)
    standin = MujocoStandInHand(seed=0)
    qpos, ctrl = standin.data.qpos.copy(), standin.data.ctrl.copy()
    tracker = SimulatedTracker(standin)
    policy = OnnxPolicy(path)
    with pytest.raises(ContractMismatchError, match=message):
        ControlLoop(policy.contract, policy, standin, tracker, config=LoopConfig(realtime=False, max_steps=5))
    assert standin.commands_sent == 0
    np.testing.assert_array_equal(standin.data.qpos, qpos)
    np.testing.assert_array_equal(standin.data.ctrl, ctrl)


class _InterruptingHand(MujocoStandInHand):
    """Ctrl-C arrives while reading the hand at a given control step."""

    def __init__(self, interrupt_at: int, **kwargs):
        super().__init__(**kwargs)
        self.interrupt_at = interrupt_at

    def read_joint_positions(self):
        if self.control_step == self.interrupt_at and not self.stopped:
            self.interrupt_at = -1
            raise KeyboardInterrupt
        return super().read_joint_positions()


def test_ctrl_c_holds_the_current_pose_and_stops(ff_policy):
    standin = _InterruptingHand(25, seed=0)
    loop, summary, standin = _run(ff_policy[0], standin, steps=200)
    assert summary.stop_reason == "operator_stop" and summary.steps == 25
    assert summary.event_counts["operator_stop"] == 1 and standin.stopped
    joints = standin.read_joint_positions()
    # safe pose 'current': the last command is where the hand was when stopped (rate-limited from the last target)
    final = _sent(standin)[-1]
    current = np.clip([sum(joints[j] for j in hand.joint_names_of_motor(m)) for m in hand.MOTOR_NAMES], LOW, HIGH)
    assert np.abs(final - current).max() < 0.05


def test_ctrl_c_with_neutral_safe_pose_ramps_at_the_rate_limit(ff_policy):
    standin = _InterruptingHand(25, seed=0)
    safety = SafetyConfig(safe_pose="neutral", ramp_step_rad=0.05, safe_move_steps=70)  # pi / 0.05 = 63
    loop, summary, standin = _run(ff_policy[0], standin, steps=200, safety=safety)
    sent = _sent(standin)
    ramp = sent[25:]
    assert len(ramp) > 3  # it took several steps, not a jump
    assert np.abs(np.diff(sent[24:], axis=0)).max() <= 0.05 + 1e-12  # the ramp: the fault path's own rate
    # the policy's steps, within each episode (the stand-in puts the hand back at its start pose between episodes):
    # the action law's rate limit, the hand's rated speed x 80 ms
    records = loop.records
    new_episode = [k for k in range(1, len(records)) if records[k]["episode"] != records[k - 1]["episode"]]
    steps = np.delete(np.abs(np.diff(sent[:25], axis=0)), [k - 1 for k in new_episode if k < 25], axis=0)
    assert np.all(steps <= loop.actions.max_step_rad + 1e-12)
    np.testing.assert_allclose(ramp[-1], np.clip(np.zeros(20), LOW, HIGH), atol=1e-12)
    assert standin.stopped


def test_success_counting_draws_new_goals_and_ends_after_the_cap(ff_policy):
    """A goal equal to the cube's current orientation is reached at once: each step is one more success."""
    standin = MujocoStandInHand(seed=0)

    class CurrentOrientation:
        def sample(self, step):
            return standin.object_pose_true()[1]

    loop, summary, standin = _run(
        ff_policy[0],
        standin,
        steps=30,
        goals=CurrentOrientation(),
        max_consecutive_successes=5,
        tracker_kwargs={"latency_steps": 0, "pos_noise_m": (0, 0), "rot_noise_rad": (0, 0)},
    )
    ends = [r for r in loop.records if r["phase"] == "episode_end"]
    assert ends and ends[0]["episode_outcome"] == "max_successes"
    assert summary.episodes[:2] == [5, 5]


def test_success_counter_outcomes():
    from dactyl_lab.runtime.goals import SuccessCounter

    counter = SuccessCounter(0.4, max_consecutive=3, timeout_steps=4, fall_distance_m=0.12, home_m=(0, -0.38, 0.06))
    home = np.array([0.0, -0.38, 0.06])
    assert counter.update(0.5, home) is None
    assert counter.update(0.39, home) == "success" and counter.consecutive == 1
    assert [counter.update(0.5, home) for _ in range(4)] == [None, None, None, "timeout"]
    assert counter.end_episode() == 1 and counter.consecutive == 0
    assert counter.update(0.1, home + [0, 0, 0.13]) == "drop"


def test_first_step_last_action_is_the_contracts_episode_start_value(tmp_path):
    contract = rp.ff_contract()
    start = dataclasses.replace(contract.episode_start, last_action_value=0.25)
    path = tmp_path / "start.onnx"
    rp.write_ff_policy(path, dataclasses.replace(contract, episode_start=start))
    loop, _, _ = _run(path, steps=3)
    offset = 0
    for term in contract.observation:
        if term.name == "last_action":
            break
        offset += term.size
    first = np.asarray(next(r for r in loop.records if r["obs"] is not None)["obs"])
    np.testing.assert_allclose(first[offset : offset + len(contract.action.motor_names)], 0.25)


class _PolicyGoingNaN:
    """The test policy, whose actions turn NaN from its ``after``-th call on (an LSTM state gone bad)."""

    def __init__(self, policy, after: int):
        self.policy, self.after, self.calls = policy, after, 0
        self.contract = policy.contract

    def reset(self):
        self.policy.reset()

    def __call__(self, obs):
        self.calls += 1
        action = self.policy(obs)
        return action * np.nan if self.calls > self.after else action


def test_a_policy_that_goes_nan_holds_without_commands_then_fault_stops(ff_policy):
    standin = MujocoStandInHand(seed=0)
    tracker = SimulatedTracker(standin, seed=1)
    policy = _PolicyGoingNaN(OnnxPolicy(ff_policy[0]), after=20)
    safety = SafetyConfig(fault_stop_s=1.0)
    config = LoopConfig(realtime=False, max_steps=200, fall_distance_m=10.0)  # no drop ends the hold's episode
    loop = ControlLoop(policy.contract, policy, standin, tracker, safety, config, keep_records=True)
    summary = loop.run()
    assert summary.stop_reason.startswith("fault_stop") and "non_finite" in summary.stop_reason
    first_nan = next(r["step"] for r in loop.records if any(e["kind"] == "non_finite" for e in r["events"]))
    assert summary.steps == first_nan + 13  # 13 held steps = 1.04 s >= fault_stop_s
    assert len(standin.sent_targets) == sum(r["commanded"] for r in loop.records[:first_nan])  # none after it
    assert standin.stopped


class _InterruptedStandIn(MujocoStandInHand):
    """A stand-in whose control step ``at`` is interrupted by Ctrl-C."""

    def __init__(self, at: int, **kwargs):
        super().__init__(**kwargs)
        self.interrupt_at = at

    def tick(self, dt_s: float) -> None:
        if self.control_step == self.interrupt_at:
            raise KeyboardInterrupt
        super().tick(dt_s)


def test_ctrl_c_during_a_fault_hold_sends_no_ramp(ff_policy):
    """The readings are not trusted during a hold: the operator stop then only stops the hand (no safe-pose ramp)."""
    standin = _InterruptedStandIn(45, seed=0, faults=Faults(pose_dropouts=[(40, 100)]))
    loop, summary, standin = _run(ff_policy[0], standin, steps=200, safety=SafetyConfig(pose_stale_s=0.25))
    assert summary.stop_reason == "operator_stop"
    assert loop.records[-1]["held"] and not loop.records[-1]["commanded"]
    assert len(standin.sent_targets) == sum(r["commanded"] for r in loop.records)  # no ramp after the records
    assert standin.stopped


def test_the_fault_paths_ramp_moves_at_its_own_rate_and_is_no_clamp_event():
    """Ramping to a safe or start pose is the fault path's design (``ramp_step_rad`` per step), not a clamp of a
    policy command: it moves at that rate and records no ``clamp_step`` (which would read as the runtime altering
    a trained policy's commands; the stand-in's sim2sim reported 13 of them per run from its episode resets)."""
    from dactyl_lab.runtime.safety import SafetyMonitor, ramp_to

    standin = MujocoStandInHand(seed=0)
    monitor = SafetyMonitor(SafetyConfig(), hand.MOTOR_NAMES, [[lo, hi] for lo, hi in zip(LOW, HIGH)])
    monitor.reset(LOW.copy())
    sent = ramp_to(standin, monitor, HIGH.copy(), step=0, period_s=0.08, realtime=False)
    steps = np.abs(np.diff(_sent(standin), axis=0))
    assert steps.max() == pytest.approx(monitor.config.ramp_step_rad)  # the ramp's own rate, reached
    assert not np.allclose(sent, LOW)  # it moved
    assert [e.kind for e in monitor.events] == []
