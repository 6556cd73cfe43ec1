"""``dactyl-lab-runtime`` options common to every hand backend: policy and run length, step log, episodes and
success, safety. Each ``add_*`` function adds one argument group; renamed flags keep their old dashed spelling for
one release (:func:`dactyl_lab.argtypes.renamed`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dactyl_lab.spec import safety, task as tc
from dactyl_lab.argtypes import POSITIVE, POSITIVE_INT, POSITIVE_S, renamed

HANDS = ("mujoco", "ros", "replay")


def on_off(text: str) -> bool:
    if text.lower() in ("on", "true", "1", "yes"):
        return True
    if text.lower() in ("off", "false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected on or off, got {text!r}")


def add_run_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("policy and run")
    g.add_argument("--policy", required=True, type=Path, help="exported policy .onnx carrying a dactyl_lab.contract")
    g.add_argument(
        "--hand",
        required=True,
        choices=HANDS,
        help="mujoco: plain-MuJoCo stand-in hand + simulated tracker; ros: the real Shadow hand via its "
        "ROS 1 driver; replay: feed a recorded log back through the policy and compare actions",
    )
    g.add_argument(
        "--realtime",
        type=on_off,
        default=True,
        metavar="{on,off}",
        help="on (default): sleep until each control deadline; off: run as fast as possible (stand-in "
        "and tests only; refused for --hand ros; replay always runs off)",
    )
    renamed(
        g,
        g.add_argument(
            "--control_period_s",
            type=POSITIVE_S,
            default=None,
            metavar="S",
            help="control period [s]; default: the contract's (0.08). A different value is refused: the "
            "policy only works at the period it was trained at",
        ),
        "--control-period",
    )
    g.add_argument(
        "--steps", type=POSITIVE_INT, default=None, help="stop after this many control steps (default: no limit)"
    )
    renamed(
        g,
        g.add_argument(
            "--num_trials",
            type=POSITIVE_INT,
            default=None,
            help="stop after this many trials (episodes: from a start on the palm to a drop, a goal timeout or "
            "--max_successes) (default: no limit for mujoco, 1 for ros)",
        ),
        "--episodes",
    )
    g.add_argument("--seed", type=int, default=0, help="seed of the goal sampler and of the stand-in's noise")
    g.add_argument("--threads", type=POSITIVE_INT, default=1, help="ONNX Runtime intra-op threads (default 1)")


def add_log_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("step log and summary")
    g.add_argument(
        "--log",
        type=Path,
        default=None,
        help="step log (JSON-lines) path; default dactyl_runtime_<date>_<time>.jsonl in the current folder",
    )
    renamed(g, g.add_argument("--no_log", action="store_true", help="do not write a step log"), "--no-log")
    renamed(
        g,
        g.add_argument("--summary_json", type=Path, default=None, help="also write the run summary to this JSON file"),
        "--summary-json",
    )


def add_episode_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("episodes and success (Dactyl paper defaults)")
    renamed(
        g,
        g.add_argument(
            "--goal_timeout_s",
            type=POSITIVE_S,
            default=tc.EVAL_GOAL_TIMEOUT_S,
            metavar="S",
            help="a trial (episode) ends when a goal is not reached within this time [s] "
            f"(default {tc.EVAL_GOAL_TIMEOUT_S:g}, the paper's)",
        ),
        "--goal-timeout",
    )
    renamed(
        g,
        g.add_argument(
            "--max_successes",
            type=POSITIVE_INT,
            default=tc.MAX_CONSECUTIVE_SUCCESSES,
            help=f"a trial ends after this many consecutive successes (default {tc.MAX_CONSECUTIVE_SUCCESSES}, "
            "the paper's)",
        ),
        "--max-successes",
    )
    renamed(
        g,
        g.add_argument(
            "--fall_distance_m",
            type=POSITIVE,
            default=None,
            metavar="M",
            help="a trial ends (drop) when the cube is farther than this from --object_home_m [m] (default: "
            f"the contract's task.drop_distance_m, {tc.DROP_DISTANCE_M:g} in training)",
        ),
        "--fall-distance",
    )
    renamed(
        g,
        g.add_argument(
            "--object_home_m",
            type=float,
            nargs=3,
            default=None,
            metavar=("X", "Y", "Z"),
            help="the cube's home position above the palm, relative to the hand base in the MJCF world axes "
            "[m] (default: the contract's task.cube_home_m, the task's spawn point "
            f"{' '.join(f'{v:g}' for v in tc.CUBE_HOME_POS_M)})",
        ),
        "--object-home",
    )


def add_safety_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("safety")
    renamed(
        g,
        g.add_argument(
            "--max_step_rad",
            type=POSITIVE,
            default=None,
            metavar="RAD",
            help="an operator's cap on any motor target's change per control step [rad], on top of the action "
            "law's own rate limit (the contract's action.max_target_speed_rad_s x the control period, which the "
            "policy trained under); default: the law's limit alone. A tighter cap alters what the policy commands "
            "and logs every clamp",
        ),
        "--max-step",
    )
    g.add_argument(
        "--ramp_step_rad",
        type=POSITIVE,
        default=safety.RAMP_STEP_RAD,
        metavar="RAD",
        help="fault path: largest change of any motor target per control step while ramping to the safe pose or "
        f"back to the start pose [rad] (default {safety.RAMP_STEP_RAD:g})",
    )
    renamed(
        g,
        g.add_argument(
            "--pose_stale_s",
            type=POSITIVE_S,
            default=safety.POSE_STALE_S,
            metavar="S",
            help="hold the last safe targets when the object pose is older than this [s] "
            f"(default {safety.POSE_STALE_S:g})",
        ),
        "--pose-stale",
    )
    renamed(
        g,
        g.add_argument(
            "--joints_stale_s",
            type=POSITIVE_S,
            default=safety.JOINTS_STALE_S,
            metavar="S",
            help="hold the last safe targets when the joint reading is older than this [s] "
            f"(default {safety.JOINTS_STALE_S:g}; "
            "only the ros backend reads joints asynchronously)",
        ),
        "--joints-stale",
    )
    renamed(
        g,
        g.add_argument(
            "--safe_pose",
            choices=("current", "neutral"),
            default=safety.SAFE_POSE,
            help="where to go on Ctrl-C / end of run: current = hold the hand where it is (clipped to limits), "
            "neutral = ramp to an open flat hand (0 rad clipped to limits, or --neutral_pose)",
        ),
        "--safe-pose",
    )
    renamed(
        g,
        g.add_argument(
            "--neutral_pose",
            type=Path,
            default=None,
            help="JSON file {motor name: target rad} overriding the neutral pose",
        ),
        "--neutral-pose",
    )
    renamed(
        g,
        g.add_argument(
            "--safe_move_steps",
            type=POSITIVE_INT,
            default=safety.SAFE_MOVE_STEPS,
            help=f"most control steps spent ramping to the safe pose (default {safety.SAFE_MOVE_STEPS})",
        ),
        "--safe-move-steps",
    )
    renamed(
        g,
        g.add_argument(
            "--fault_stop_s",
            type=float,
            default=safety.FAULT_STOP_S,
            metavar="S",
            help="end the run (exit 1) with a safe stop when the watchdog has held this long without a break: "
            "the last safe targets stay, then the hand's soft stop "
            f"(default {safety.FAULT_STOP_S:g}; 0 = hold for ever)",
        ),
        "--fault-stop",
    )
