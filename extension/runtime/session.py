"""The runtime as a Python API: build the control loop from the runtime's options and run it.

``dactyl-lab-runtime`` (:mod:`.cli`) and sim2sim (:mod:`dactyl_lab.export.sim2sim`) both run a policy this way::

    options = runtime_options("policy.onnx", "mujoco", realtime=False, num_trials=10, no_log=True)
    result = run(options)             # RunResult: the loop's RunSummary, the log path, the loop and the hand

:func:`prepare` checks the request and builds everything without moving the hand (errors: :class:`UsageError`,
``ContractError``, ``RuntimeError`` / ``OSError`` / ``ValueError`` of a backend that cannot start);
:meth:`PreparedRun.run` runs the loop (``RuntimeError`` when the loop fails; the hand was stopped).
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dactyl_lab.spec import hand
from dactyl_lab.contract import ContractError, check_against_hand, read_contract
from dactyl_lab.errors import UsageError
from dactyl_lab.runtime.log import RunLog, RunLogger
from dactyl_lab.runtime.loop import ControlLoop, LoopConfig, RunSummary
from dactyl_lab.runtime.policy import OnnxPolicy
from dactyl_lab.runtime.safety import SafetyConfig


def runtime_options(policy: str | Path, hand: str, **values) -> argparse.Namespace:
    """The runtime's options as ``dactyl-lab-runtime --policy POLICY --hand HAND`` parses them: every other flag's
    default, with ``values`` (by destination name: ``goal_timeout_s=2.0``, ``pos_noise_m=(0, 0)``) set. An unknown
    name is a UsageError."""
    from dactyl_lab.runtime.cli import build_parser

    options = build_parser().parse_args(["--policy", str(policy), "--hand", hand])
    unknown = sorted(set(values) - set(vars(options)))
    if unknown:
        raise UsageError(f"unknown runtime options {unknown}; the names are {sorted(vars(options))}")
    for name, value in values.items():
        setattr(options, name, value)
    return options


@dataclass
class RunResult:
    summary: RunSummary
    loop: ControlLoop
    hand: object
    """The hand interface the loop drove (the replay hand holds the replayed log)."""
    log_path: Path | None


@dataclass
class PreparedRun:
    """A control loop built from the options, the hand not yet moved."""

    options: argparse.Namespace
    loop: ControlLoop
    hand: object
    pose_source: object
    log_path: Path | None

    def run(self) -> RunResult:
        """Run the loop to its end (SIGTERM and Ctrl-C end it with a safe stop); close the hand and pose source."""

        def _sigterm(signum, frame):
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, _sigterm)
        try:
            summary = self.loop.run()
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.hand.close()
            self.pose_source.close()
        return RunResult(summary, self.loop, self.hand, self.log_path)


def run(options: argparse.Namespace, on_loop: Callable[[ControlLoop], None] | None = None) -> RunResult:
    """:func:`prepare` then run; ``on_loop(loop)`` sees the loop before it runs (sim2sim's video recorder)."""
    prepared = prepare(options)
    if on_loop is not None:
        on_loop(prepared.loop)
    return prepared.run()


def prepare(options: argparse.Namespace) -> PreparedRun:
    """Check the request against the policy's contract and build the policy, the backend and the loop."""
    if options.hand == "ros" and not options.realtime:
        raise UsageError("--realtime off is refused for the real hand")
    neutral = read_neutral_pose(options.neutral_pose)
    contract = read_contract(options.policy)
    period_s = options.control_period_s if options.control_period_s is not None else contract.control_period_s
    check_against_hand(contract, contract.action.motor_names, period_s)  # the period, before building anything
    policy = OnnxPolicy(options.policy, contract, threads=options.threads)
    hand_if, pose_source, goals, loop_config, safety_config, info = make_backend(options, contract, period_s)
    safety_config = safety_config or safety_config_of(options, neutral)
    loop_config = loop_config or loop_config_of(options, contract, period_s)
    log_path = None
    if not options.no_log:
        log_path = options.log or Path(time.strftime("dactyl_runtime_%Y%m%d_%H%M%S.jsonl"))
    logger = RunLogger(log_path) if log_path else None
    header = {
        "backend": options.hand,
        "backend_options": info,
        "policy_path": str(options.policy),
        "argv": sys.argv[1:],
    }
    try:
        loop = ControlLoop(
            contract,
            policy,
            hand_if,
            pose_source,
            safety_config,
            loop_config,
            goals,
            logger,
            header,
            keep_records=options.hand == "replay",
        )
    except ContractError:
        if logger:
            logger.close()
            log_path.unlink(missing_ok=True)  # nothing ran: leave no empty log behind
        raise
    return PreparedRun(options, loop, hand_if, pose_source, log_path)


def safety_config_of(options: argparse.Namespace, neutral: dict[str, float]) -> SafetyConfig:
    return SafetyConfig(
        options.max_step_rad,
        options.pose_stale_s,
        options.joints_stale_s,
        options.safe_pose,
        neutral,
        options.safe_move_steps,
        fault_stop_s=options.fault_stop_s,
        ramp_step_rad=options.ramp_step_rad,
    )


def loop_config_of(options: argparse.Namespace, contract, period_s: float) -> LoopConfig:
    trials = options.num_trials if options.num_trials is not None else (1 if options.hand == "ros" else None)
    return LoopConfig(
        control_period_s=period_s,
        realtime=options.realtime,
        max_steps=options.steps,
        max_episodes=trials,
        goal_timeout_s=options.goal_timeout_s,
        max_consecutive_successes=options.max_successes,
        fall_distance_m=fall_distance_m(options, contract),
        object_home_m=object_home_m(options, contract),
        seed=options.seed,
        return_to_start=options.hand == "ros",
    )


def fall_distance_m(options, contract) -> float:
    """--fall_distance_m, or the contract's drop distance (what the policy was trained with)."""
    return contract.task.drop_distance_m if options.fall_distance_m is None else options.fall_distance_m


def object_home_m(options, contract) -> tuple[float, float, float]:
    """--object_home_m, or the contract's cube home relative to the hand base."""
    return tuple(contract.task.cube_home_m if options.object_home_m is None else options.object_home_m)


def make_backend(options, contract, period_s):
    """(hand, pose source, goal sampler or None, loop config override or None, safety override, header info)."""
    if options.hand == "mujoco":
        return _standin_backend(options, period_s)
    if options.hand == "ros":
        return _ros_backend(options, contract, period_s)
    from dactyl_lab.runtime.backends.replay import ReplayGoalSampler, ReplayHand, ReplayPoseSource, replay_configs

    log = read_replay_log(options, contract)
    replay_hand = ReplayHand(log)
    loop_config, safety_config = replay_configs(log)
    pose = ReplayPoseSource(replay_hand)
    return replay_hand, pose, ReplayGoalSampler(log), loop_config, safety_config, {"replay_of": str(options.replay_log)}


def _standin_backend(options, period_s):
    from dactyl_lab.runtime.backends.mujoco_standin import Faults, MujocoStandInHand, SimulatedTracker

    substeps = max(1, round(period_s / options.physics_dt_s))
    standin = MujocoStandInHand(
        physics_dt_s=options.physics_dt_s,
        substeps=substeps,
        seed=options.seed,
        fingertip_noise_m=tuple(options.fingertip_noise_m),
        physics=options.standin_physics,
        start_state=options.standin_start,
        faults=Faults(nan_joints=list(options.inject_nan_joint), pose_dropouts=list(options.inject_stale_pose)),
    )
    tracker = SimulatedTracker(
        standin,
        options.tracker_latency_steps,
        tuple(options.pos_noise_m),
        tuple(options.rot_noise_rad),
        options.seed + 1,
    )
    info = {
        "physics_dt_s": options.physics_dt_s,
        "substeps": substeps,
        "tracker_latency_steps": options.tracker_latency_steps,
        "standin_physics": options.standin_physics,
        "standin_start": options.standin_start,
        "pos_noise_m": list(options.pos_noise_m),
        "rot_noise_rad": list(options.rot_noise_rad),
    }
    return standin, tracker, None, None, None, info


def _ros_backend(options, contract, period_s):
    from dactyl_lab.runtime.backends.ros_shadow import RosPoseSource, RosShadowHand
    from dactyl_lab.runtime.kinematics import FingertipKinematics

    check_against_hand(contract, hand.MOTOR_NAMES, period_s)  # before connecting to anything
    ros_hand = RosShadowHand(
        FingertipKinematics(mjcf_path=options.hand_mjcf),
        options.joint_states_topic,
        options.controller_prefix,
        options.max_force_factor,
        options.stop_force_factor,
        prompt_between_episodes=not options.no_prompt,
    )
    back_on_palm = (
        object_home_m(options, contract),
        fall_distance_m(options, contract),
        options.pose_stale_s,
        options.reset_timeout_s,
    )
    pose = RosPoseSource(options.pose_topic, options.pose_frame, wait_for_object=back_on_palm)
    ros_hand.start(options.driver_timeout_s)  # every controller there, /joint_states matches: else nothing is sent
    info = {"pose_topic": options.pose_topic, "joint_states": options.joint_states_topic}
    return ros_hand, pose, None, None, None, info


def read_replay_log(options, contract) -> RunLog:
    """The log to replay: complete, of this runtime's format, recorded with this very policy contract."""
    path = options.replay_log
    if path is None:
        raise UsageError("--hand replay needs --replay_log LOG.jsonl (a log written by dactyl-lab-runtime --log)")
    if not Path(path).is_file():
        raise UsageError(f"replay log {path} does not exist; pass a log written by dactyl-lab-runtime --log")
    try:
        log = RunLog(path)
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError(
            f"{path} is not a readable runtime log ({error}); pass a log written by dactyl-lab-runtime --log"
        ) from None
    if log.truncated_at_line is not None:
        raise UsageError(
            f"{path} is cut in the middle of line {log.truncated_at_line} (the recording was killed "
            f"mid-write); replay compares every step, so truncate the log to its {len(log.steps)} complete steps "
            f"(head -n {log.truncated_at_line - 1}) or record it again"
        )
    missing = [
        key for key in ("contract", "loop", "safety", "motor_names", "control_period_s") if key not in log.header
    ]
    if missing:
        raise UsageError(f"{path}: the log header lacks {missing}; record the log again")
    if log.header["contract"] != contract.to_dict():
        raise UsageError(
            f"{path} was recorded with another policy (its contract differs from {options.policy}'s); "
            "replay it with the policy file that recorded it (the log header's policy_path: "
            f"{log.header.get('policy_path', 'unknown')})"
        )
    return log


def read_neutral_pose(path: Path | None) -> dict[str, float]:
    if path is None:
        return {}
    try:
        pose = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise UsageError(f"--neutral_pose {path}: not a readable JSON file ({error})") from None
    if not isinstance(pose, dict) or not all(
        name in hand.MOTOR_NAMES and isinstance(v, (int, float)) and math.isfinite(v) for name, v in pose.items()
    ):
        raise UsageError(
            f"--neutral_pose {path}: expected {{motor name: target rad}} with names from "
            f"{', '.join(hand.MOTOR_NAMES[:3])}, ..."
        )
    return pose
