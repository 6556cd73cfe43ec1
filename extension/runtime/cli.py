"""``dactyl-lab-runtime``: run an exported Dactyl policy on a Shadow hand (real, stand-in, or replayed).

Exit codes: 0 finished, 1 error or replay mismatch, 2 contract/configuration mismatch (nothing moved),
130 stopped by the operator (Ctrl-C / SIGTERM; the hand went to the safe pose first).
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import time
from pathlib import Path

from dactyl_lab import hand, task_constants
from dactyl_lab.argtypes import FRACTION, NON_NEGATIVE, NON_NEGATIVE_INT, POSITIVE, POSITIVE_INT, POSITIVE_S
from dactyl_lab.contract import ContractError, ContractMismatchError, check_against_hand, read_contract
from dactyl_lab.runtime.log import RunLog, RunLogger
from dactyl_lab.runtime.loop import ControlLoop, LoopConfig
from dactyl_lab.runtime.policy import OnnxPolicy
from dactyl_lab.runtime.safety import SafetyConfig
from dactyl_lab.runtime.stats import format_latency_table

EPILOG = """\
examples:
  # stand-in hand in plain MuJoCo, as fast as possible, 500 steps, log to run.jsonl
  dactyl-lab-runtime --policy policy.onnx --hand mujoco --realtime off --steps 500 --log run.jsonl
  # the real hand (ROS 1 Shadow driver running; object pose on /dactyl/object_pose)
  dactyl-lab-runtime --policy policy.onnx --hand ros --pose-topic /phasespace/cube_pose --episodes 1
  # replay a log through the same policy and check that the actions are reproduced
  dactyl-lab-runtime --policy policy.onnx --hand replay --replay-log run.jsonl --no-log

log format: JSON-lines (header, one record per control step, summary); see dactyl_lab.runtime.log.
"""


def _on_off(text: str) -> bool:
    if text.lower() in ("on", "true", "1", "yes"):
        return True
    if text.lower() in ("off", "false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, got {text!r}")


def _nan_joint(text: str) -> tuple[str, int, int]:
    try:
        name, start, count = text.split(":")
        if name not in hand.JOINT_NAMES:
            raise ValueError(f"unknown joint {name}")
        if int(start) < 0 or int(count) < 1:
            raise ValueError("STEP >= 0 and COUNT >= 1")
        return name, int(start), int(count)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected JOINT:STEP:COUNT with a Shadow joint name ({error})") from error


def _dropout(text: str) -> tuple[int, int]:
    try:
        start, count = text.split(":")
        if int(start) < 0 or int(count) < 1:
            raise ValueError(text)
        return int(start), int(count)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected STEP:COUNT, got {text!r}") from error


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dactyl-lab-runtime",
        description="Run an exported Dactyl policy (ONNX + embedded dactyl_lab.contract) on a Shadow hand at a fixed "
        "control rate, with a safety layer (limits, rate limit, stale-pose/NaN watchdog, safe stop on Ctrl-C), "
        "latency statistics and a replayable step log. Needs only numpy, onnxruntime and mujoco.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    g = parser.add_argument_group("policy and run")
    g.add_argument("--policy", required=True, type=Path, help="exported policy .onnx carrying a dactyl_lab.contract")
    g.add_argument(
        "--hand",
        required=True,
        choices=("mujoco", "ros", "replay"),
        help="mujoco: plain-MuJoCo stand-in hand + simulated tracker; ros: the real Shadow hand via its "
        "ROS 1 driver; replay: feed a recorded log back through the policy and compare actions",
    )
    g.add_argument(
        "--realtime",
        type=_on_off,
        default=True,
        metavar="{on,off}",
        help="on (default): sleep until each control deadline; off: run as fast as possible (stand-in "
        "and tests only; refused for --hand ros; replay always runs off)",
    )
    g.add_argument(
        "--control-period",
        type=POSITIVE_S,
        default=None,
        metavar="S",
        help="control period [s]; default: the contract's (0.08). A different value is refused: the "
        "policy only works at the period it was trained at",
    )
    g.add_argument(
        "--steps", type=POSITIVE_INT, default=None, help="stop after this many control steps (default: no limit)"
    )
    g.add_argument(
        "--episodes",
        type=POSITIVE_INT,
        default=None,
        help="stop after this many episodes (default: no limit for mujoco, 1 for ros)",
    )
    g.add_argument("--seed", type=int, default=0, help="seed of the goal sampler and of the stand-in's noise")
    g.add_argument("--threads", type=POSITIVE_INT, default=1, help="ONNX Runtime intra-op threads (default 1)")
    g.add_argument(
        "--log",
        type=Path,
        default=None,
        help="step log (JSON-lines) path; default dactyl_runtime_<date>_<time>.jsonl in the current folder",
    )
    g.add_argument("--no-log", action="store_true", help="do not write a step log")
    g.add_argument("--summary-json", type=Path, default=None, help="also write the run summary to this JSON file")

    g = parser.add_argument_group("episodes and success (Dactyl paper defaults)")
    tc = task_constants
    g.add_argument(
        "--goal-timeout",
        type=POSITIVE_S,
        default=tc.EVAL_GOAL_TIMEOUT_S,
        metavar="S",
        help=f"an episode ends when a goal is not reached within this time [s] (default {tc.EVAL_GOAL_TIMEOUT_S:g})",
    )
    g.add_argument(
        "--max-successes",
        type=POSITIVE_INT,
        default=tc.MAX_CONSECUTIVE_SUCCESSES,
        help=f"episode ends after this many consecutive successes (default {tc.MAX_CONSECUTIVE_SUCCESSES})",
    )
    g.add_argument(
        "--fall-distance",
        type=POSITIVE,
        default=None,
        metavar="M",
        help="episode ends (drop) when the cube is farther than this from --object-home [m] (default: "
        f"the contract's task.drop_distance_m, {tc.DROP_DISTANCE_M:g} in training)",
    )
    g.add_argument(
        "--object-home",
        type=float,
        nargs=3,
        default=None,
        metavar=("X", "Y", "Z"),
        help="the cube's home position above the palm, relative to the hand base in the MJCF world axes "
        "[m] (default: the contract's task.cube_home_m, the task's spawn point "
        f"{' '.join(f'{v:g}' for v in tc.CUBE_HOME_POS_M)})",
    )

    g = parser.add_argument_group("safety")
    g.add_argument(
        "--max-step",
        type=POSITIVE,
        default=0.2,
        metavar="RAD",
        help="largest change of any motor target per control step [rad] (default 0.2)",
    )
    g.add_argument(
        "--pose-stale",
        type=POSITIVE_S,
        default=0.25,
        metavar="S",
        help="hold the last safe targets when the object pose is older than this [s] (default 0.25)",
    )
    g.add_argument(
        "--joints-stale",
        type=POSITIVE_S,
        default=0.1,
        metavar="S",
        help="hold the last safe targets when the joint reading is older than this [s] (default 0.1; "
        "only the ros backend reads joints asynchronously)",
    )
    g.add_argument(
        "--safe-pose",
        choices=("current", "neutral"),
        default="current",
        help="where to go on Ctrl-C / end of run: current = hold the hand where it is (clipped to limits), "
        "neutral = ramp to an open flat hand (0 rad clipped to limits, or --neutral-pose)",
    )
    g.add_argument(
        "--neutral-pose", type=Path, default=None, help="JSON file {motor name: target rad} overriding the neutral pose"
    )
    g.add_argument(
        "--safe-move-steps",
        type=POSITIVE_INT,
        default=25,
        help="most control steps spent ramping to the safe pose (default 25)",
    )
    g.add_argument(
        "--fault-stop",
        type=float,
        default=1.0,
        metavar="S",
        help="end the run (exit 1) with a safe stop when the watchdog has held this long without a break: "
        "the last safe targets stay, then the hand's soft stop (default 1.0; 0 = hold for ever)",
    )

    g = parser.add_argument_group("mujoco stand-in")
    g.add_argument(
        "--physics-dt",
        type=POSITIVE_S,
        default=0.008,
        metavar="S",
        help="physics step [s] (default 0.008, the task's; substeps = control period / physics dt; "
        "--standin-physics task splits it into 2 MuJoCo steps as Newton does)",
    )
    g.add_argument(
        "--standin-physics",
        choices=("task", "mujoco-default"),
        default="task",
        help="task (default): the Newton task's solver settings (CG 20 iterations, pyramidal cone, "
        "implicitfast, 2 x 4 ms per 8 ms step, cube condim 3); mujoco-default: the MJCF's own MuJoCo "
        "options with one step per physics step (docs/parity.md)",
    )
    g.add_argument(
        "--standin-start",
        choices=("task", "yaw"),
        default="task",
        help="episode starts: task (default) = the paper's (cube on the palm in a random orientation, "
        "100 steps of random actions, drops discarded); yaw = cube upright with a random yaw",
    )
    g.add_argument(
        "--tracker-latency",
        type=NON_NEGATIVE_INT,
        default=1,
        metavar="STEPS",
        help="the simulated tracker reports the pose measured this many control steps ago (default 1)",
    )
    g.add_argument(
        "--pos-noise",
        type=NON_NEGATIVE,
        nargs=2,
        default=(0.005, 0.001),
        metavar=("CORR", "UNCORR"),
        help="object position noise std [m]: correlated per episode, uncorrelated per step (5 mm, 1 mm)",
    )
    g.add_argument(
        "--rot-noise",
        type=NON_NEGATIVE,
        nargs=2,
        default=(0.1, 0.1),
        metavar=("CORR", "UNCORR"),
        help="object orientation noise std [rad] about random axes: correlated, uncorrelated (0.1, 0.1)",
    )
    g.add_argument(
        "--fingertip-noise",
        type=NON_NEGATIVE,
        nargs=2,
        default=(0.0, 0.0),
        metavar=("CORR", "UNCORR"),
        help="fingertip position noise std [m] (default none; the paper trained with 1 mm, 2 mm)",
    )
    g.add_argument(
        "--inject-nan-joint",
        type=_nan_joint,
        action="append",
        default=[],
        metavar="JOINT:STEP:COUNT",
        help="fault drill: JOINT reads NaN for COUNT control steps from STEP (repeatable)",
    )
    g.add_argument(
        "--inject-stale-pose",
        type=_dropout,
        action="append",
        default=[],
        metavar="STEP:COUNT",
        help="fault drill: the tracker measures nothing for COUNT control steps from STEP (repeatable)",
    )

    g = parser.add_argument_group("ros (Shadow Hand ROS 1 driver)")
    g.add_argument(
        "--pose-topic",
        default="/dactyl/object_pose",
        help="geometry_msgs/PoseStamped of the cube relative to the hand base, in the rewritten MJCF's "
        "world axes (NOT the rh_hand_mount body's axes, which the contract's frame.mount_quat_xyzw rotates) "
        "(default /dactyl/object_pose)",
    )
    g.add_argument(
        "--pose-frame",
        default=None,
        help="expected header.frame_id of the pose messages; others are dropped (default: accept any)",
    )
    g.add_argument("--joint-states-topic", default="/joint_states", help="sensor_msgs/JointState topic (by name)")
    g.add_argument(
        "--controller-prefix",
        default="sh_",
        help="controller name prefix: <prefix><motor lowercase>_position_controller (default sh_)",
    )
    g.add_argument(
        "--max-force-factor",
        type=FRACTION,
        default=1.0,
        help="max_force_factor [0..1] published to every position controller at start (default 1.0)",
    )
    g.add_argument(
        "--stop-force-factor",
        type=FRACTION,
        default=0.3,
        help="max_force_factor [0..1] published after the safe pose (soft stop; default 0.3)",
    )
    g.add_argument(
        "--hand-mjcf",
        type=Path,
        default=None,
        help="rewritten hand MJCF for fingertip forward kinematics (default: build it from "
        "gymnasium-robotics; write one with dactyl_lab.assets.shadow_mjcf.write_hand_mjcf)",
    )
    g.add_argument("--no-prompt", action="store_true", help="do not wait for Enter between episodes")
    g.add_argument(
        "--driver-timeout",
        type=float,
        default=5.0,
        metavar="S",
        help="at start, wait this long for every motor's controller and the first /joint_states (default 5)",
    )
    g.add_argument(
        "--reset-timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="between episodes, wait this long for a fresh pose of the cube back on the palm (default 60)",
    )

    g = parser.add_argument_group("replay")
    g.add_argument("--replay-log", type=Path, default=None, help="the log to replay (--hand replay)")
    g.add_argument(
        "--replay-tolerance",
        type=NON_NEGATIVE,
        default=1e-5,
        help="largest allowed |action difference| between the log and the replay (default 1e-5)",
    )
    return parser


def _fall_distance_m(args, contract) -> float:
    """--fall-distance, or the contract's drop distance (what the policy was trained with)."""
    return contract.task.drop_distance_m if args.fall_distance is None else args.fall_distance


def _object_home_m(args, contract) -> tuple[float, float, float]:
    """--object-home, or the contract's cube home relative to the hand base."""
    return tuple(contract.task.cube_home_m if args.object_home is None else args.object_home)


def _make_backend(args, contract, period_s):
    """(hand, pose source, goal sampler or None, loop config override or None, safety override, header info)."""
    if args.hand == "mujoco":
        from dactyl_lab.runtime.backends.mujoco_standin import Faults, MujocoStandInHand, SimulatedTracker

        substeps = max(1, round(period_s / args.physics_dt))
        standin = MujocoStandInHand(
            physics_dt_s=args.physics_dt,
            substeps=substeps,
            seed=args.seed,
            fingertip_noise_m=tuple(args.fingertip_noise),
            physics=args.standin_physics,
            start_state=args.standin_start,
            faults=Faults(nan_joints=list(args.inject_nan_joint), pose_dropouts=list(args.inject_stale_pose)),
        )
        tracker = SimulatedTracker(
            standin, args.tracker_latency, tuple(args.pos_noise), tuple(args.rot_noise), args.seed + 1
        )
        info = {
            "physics_dt_s": args.physics_dt,
            "substeps": substeps,
            "tracker_latency_steps": args.tracker_latency,
            "standin_physics": args.standin_physics,
            "standin_start": args.standin_start,
            "pos_noise_m": args.pos_noise,
            "rot_noise_rad": args.rot_noise,
        }
        return standin, tracker, None, None, None, info
    if args.hand == "ros":
        from dactyl_lab.runtime.backends.ros_shadow import RosPoseSource, RosShadowHand
        from dactyl_lab.runtime.kinematics import FingertipKinematics

        check_against_hand(contract, hand.MOTOR_NAMES, period_s)  # before connecting to anything
        ros_hand = RosShadowHand(
            FingertipKinematics(mjcf_path=args.hand_mjcf),
            args.joint_states_topic,
            args.controller_prefix,
            args.max_force_factor,
            args.stop_force_factor,
            prompt_between_episodes=not args.no_prompt,
        )
        back_on_palm = (
            _object_home_m(args, contract),
            _fall_distance_m(args, contract),
            args.pose_stale,
            args.reset_timeout,
        )
        pose = RosPoseSource(args.pose_topic, args.pose_frame, wait_for_object=back_on_palm)
        ros_hand.start(args.driver_timeout)  # every controller there, /joint_states matches: else nothing is sent
        info = {"pose_topic": args.pose_topic, "joint_states": args.joint_states_topic}
        return ros_hand, pose, None, None, None, info
    from dactyl_lab.runtime.backends.replay import ReplayGoalSampler, ReplayHand, ReplayPoseSource, replay_configs

    log = _read_replay_log(args, contract)
    replay_hand = ReplayHand(log)
    loop_config, safety_config = replay_configs(log)
    return (
        replay_hand,
        ReplayPoseSource(replay_hand),
        ReplayGoalSampler(log),
        loop_config,
        safety_config,
        {"replay_of": str(args.replay_log)},
    )


class UsageError(ValueError):
    """A request the runtime refuses before anything moves (exit code 2); the message names the fix."""


def _read_replay_log(args, contract) -> RunLog:
    """The log to replay: complete, of this runtime's format, recorded with this very policy contract."""
    if args.replay_log is None:
        raise UsageError("--hand replay needs --replay-log LOG.jsonl (a log written by dactyl-lab-runtime --log)")
    if not args.replay_log.is_file():
        raise UsageError(f"replay log {args.replay_log} does not exist")
    try:
        log = RunLog(args.replay_log)
    except (ValueError, UnicodeDecodeError) as error:
        raise UsageError(
            f"{args.replay_log} is not a readable runtime log ({error}); pass a log written by dactyl-lab-runtime --log"
        ) from None
    if log.truncated_at_line is not None:
        raise UsageError(
            f"{args.replay_log} is cut in the middle of line {log.truncated_at_line} (the recording was killed "
            f"mid-write); replay compares every step, so truncate the log to its {len(log.steps)} complete steps "
            f"(head -n {log.truncated_at_line - 1}) or record it again"
        )
    needed = ("contract", "loop", "safety", "motor_names", "control_period_s")
    missing = [key for key in needed if key not in log.header]
    if missing:
        raise UsageError(f"{args.replay_log}: the log header lacks {missing}; record the log again")
    if log.header["contract"] != contract.to_dict():
        raise UsageError(
            f"{args.replay_log} was recorded with another policy (its contract differs from {args.policy}'s); "
            "replay it with the policy file that recorded it (the log header's policy_path: "
            f"{log.header.get('policy_path', 'unknown')})"
        )
    return log


def _read_neutral_pose(path: Path | None) -> dict[str, float]:
    if path is None:
        return {}
    try:
        pose = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise UsageError(f"--neutral-pose {path}: not a readable JSON file ({error})") from None
    if not isinstance(pose, dict) or not all(
        name in hand.MOTOR_NAMES and isinstance(v, (int, float)) and math.isfinite(v) for name, v in pose.items()
    ):
        raise UsageError(
            f"--neutral-pose {path}: expected {{motor name: target rad}} with names from "
            f"{', '.join(hand.MOTOR_NAMES[:3])}, ..."
        )
    return pose


def main(argv: list[str] | None = None, on_loop=None) -> int:
    """``on_loop(loop)``, when given, sees the ControlLoop before it runs (sim2sim's video recorder attaches there)."""
    args = build_parser().parse_args(argv)
    if args.hand == "ros" and not args.realtime:
        print("error: --realtime off is refused for the real hand", file=sys.stderr)
        return 2
    try:
        neutral = _read_neutral_pose(args.neutral_pose)
        contract = read_contract(args.policy)
        period_s = args.control_period if args.control_period is not None else contract.control_period_s
        check_against_hand(contract, contract.action.motor_names, period_s)  # the period, before building anything
        policy = OnnxPolicy(args.policy, contract, threads=args.threads)
        hand_if, pose_source, goals, loop_config, safety_config, info = _make_backend(args, contract, period_s)
    except ContractMismatchError as error:
        return _refuse(f"contract mismatch, nothing was moved: {error}")
    except (ContractError, UsageError) as error:
        return _refuse(f"error, nothing was moved: {error}")
    except (RuntimeError, FileNotFoundError, ValueError) as error:
        print(f"error, nothing was moved: {_one_line(error)}", file=sys.stderr)
        return 1

    safety_config = safety_config or SafetyConfig(
        args.max_step,
        args.pose_stale,
        args.joints_stale,
        args.safe_pose,
        neutral,
        args.safe_move_steps,
        fault_stop_s=args.fault_stop,
    )
    episodes = args.episodes if args.episodes is not None else (1 if args.hand == "ros" else None)
    loop_config = loop_config or LoopConfig(
        control_period_s=period_s,
        realtime=args.realtime,
        max_steps=args.steps,
        max_episodes=episodes,
        goal_timeout_s=args.goal_timeout,
        max_consecutive_successes=args.max_successes,
        fall_distance_m=_fall_distance_m(args, contract),
        object_home_m=_object_home_m(args, contract),
        seed=args.seed,
        return_to_start=args.hand == "ros",
    )
    log_path = None if args.no_log else (args.log or Path(time.strftime("dactyl_runtime_%Y%m%d_%H%M%S.jsonl")))
    logger = RunLogger(log_path) if log_path else None
    header = {"backend": args.hand, "backend_options": info, "policy_path": str(args.policy), "argv": sys.argv[1:]}
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
            keep_records=args.hand == "replay",
        )
    except ContractError as error:
        if logger:
            logger.close()
            log_path.unlink(missing_ok=True)  # nothing ran: leave no empty log behind
        return _refuse(f"contract mismatch, nothing was moved: {error}")

    def _sigterm(signum, frame):
        raise KeyboardInterrupt

    if on_loop is not None:
        on_loop(loop)
    previous = signal.signal(signal.SIGTERM, _sigterm)
    try:
        summary = loop.run()
    except RuntimeError as error:
        print(f"error (the hand was stopped): {error}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
        hand_if.close()
        pose_source.close()

    _print_summary(summary, log_path)
    if args.summary_json:
        args.summary_json.write_text(json.dumps(summary.to_dict(), indent=2))
    if args.hand == "replay":
        return _report_replay(args, loop, hand_if)
    if summary.stop_reason.startswith("fault_stop"):
        print(f"safe stop after a fault: {summary.stop_reason}", file=sys.stderr)
        return 1
    return 130 if summary.stop_reason == "operator_stop" else 0


def _one_line(error: BaseException | str) -> str:
    return " ".join(str(error).split())


def _refuse(message: str) -> int:
    """Print one line on stderr; exit code 2 (bad input, nothing moved)."""
    print(_one_line(message), file=sys.stderr)
    return 2


def _print_summary(summary, log_path) -> None:
    print(
        f"stop: {summary.stop_reason}; steps {summary.steps} (policy {summary.policy_steps}, "
        f"held {summary.held_steps}); deadline misses {summary.deadline_misses}"
    )
    print(f"consecutive successes per episode: {summary.episodes} (current episode: {summary.current_consecutive})")
    print(f"safety events: {summary.event_counts or 'none'}")
    print(format_latency_table(summary.latency, summary.control_period_s))
    if log_path:
        print(f"log: {log_path}")


def _report_replay(args, loop, replay_hand) -> int:
    from dactyl_lab.runtime.backends.replay import compare_actions

    result = compare_actions(replay_hand.log, loop.records)
    print(f"replay: {json.dumps(result)}")
    ok = not result["held_mismatch_steps"] and result["max_abs_diff"] <= args.replay_tolerance
    ok = ok and result["replayed_steps"] == result["recorded_steps"]
    print("replay reproduces the recorded actions" if ok else "REPLAY MISMATCH: the policy does not reproduce the log")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
