"""``dactyl-lab-runtime`` options of each hand backend, one argument group each: the MuJoCo stand-in
(``--hand mujoco``), the Shadow hand's ROS 1 driver (``--hand ros``) and log replay (``--hand replay``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dactyl_lab.argtypes import FRACTION, NON_NEGATIVE, NON_NEGATIVE_INT, POSITIVE_S, renamed
from dactyl_lab.spec import noise as paper_noise
from dactyl_lab.spec.task import PHYSICS_DT_S


def add_standin_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("mujoco stand-in (--hand mujoco)")
    renamed(
        g,
        g.add_argument(
            "--physics_dt_s",
            type=POSITIVE_S,
            default=PHYSICS_DT_S,
            metavar="S",
            help=f"physics step [s] (default {PHYSICS_DT_S:g}, the task's; substeps = control period / physics dt; "
            "--standin_physics task splits it into 2 MuJoCo steps as Newton does)",
        ),
        "--physics-dt",
    )
    renamed(
        g,
        g.add_argument(
            "--standin_physics",
            choices=("task", "mujoco-default"),
            default="task",
            help="task (default): the Newton task's solver settings (CG 20 iterations, pyramidal cone, "
            "implicitfast, 2 x 4 ms per 8 ms step, cube condim 3); mujoco-default: the MJCF's own MuJoCo "
            "options with one step per physics step (docs/parity.md)",
        ),
        "--standin-physics",
    )
    renamed(
        g,
        g.add_argument(
            "--standin_start",
            choices=("task", "yaw"),
            default="task",
            help="trial starts: task (default) = the paper's (cube on the palm in a random orientation, "
            "100 steps of random actions, drops discarded); yaw = cube upright with a random yaw",
        ),
        "--standin-start",
    )
    renamed(
        g,
        g.add_argument(
            "--tracker_latency_steps",
            type=NON_NEGATIVE_INT,
            default=1,
            metavar="STEPS",
            help="the simulated tracker reports the pose measured this many control steps ago (default 1)",
        ),
        "--tracker-latency",
    )
    noise = (
        (
            "--pos_noise_m",
            "--pos-noise",
            paper_noise.OBJECT_POS_STD_M,
            "object position noise std [m]: correlated per trial, uncorrelated per step (default %g, %g)"
            % paper_noise.OBJECT_POS_STD_M,
        ),
        (
            "--rot_noise_rad",
            "--rot-noise",
            paper_noise.OBJECT_ROT_STD_RAD,
            "object orientation noise std [rad] about random axes: correlated, uncorrelated (default %g, %g)"
            % paper_noise.OBJECT_ROT_STD_RAD,
        ),
        (
            "--fingertip_noise_m",
            "--fingertip-noise",
            (0.0, 0.0),
            "fingertip position noise std [m]: correlated, "
            "uncorrelated (default none; the paper trained with %g, %g)" % paper_noise.FINGERTIP_POS_STD_M,
        ),
    )
    for flag, old, default, text in noise:
        action = g.add_argument(
            flag, type=NON_NEGATIVE, nargs=2, default=default, metavar=("CORR", "UNCORR"), help=text
        )
        renamed(g, action, old)


def add_ros_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("ros: the real hand (Shadow Hand ROS 1 driver, --hand ros)")
    renamed(
        g,
        g.add_argument(
            "--pose_topic",
            default="/dactyl/object_pose",
            help="geometry_msgs/PoseStamped of the cube relative to the hand base, in the rewritten MJCF's "
            "world axes (NOT the rh_hand_mount body's axes, which the contract's frame.mount_quat_xyzw rotates) "
            "(default /dactyl/object_pose)",
        ),
        "--pose-topic",
    )
    renamed(
        g,
        g.add_argument(
            "--pose_frame",
            default=None,
            help="expected header.frame_id of the pose messages; others are dropped (default: accept any)",
        ),
        "--pose-frame",
    )
    renamed(
        g,
        g.add_argument("--joint_states_topic", default="/joint_states", help="sensor_msgs/JointState topic (by name)"),
        "--joint-states-topic",
    )
    renamed(
        g,
        g.add_argument(
            "--controller_prefix",
            default="sh_",
            help="controller name prefix: <prefix><motor lowercase>_position_controller (default sh_)",
        ),
        "--controller-prefix",
    )
    renamed(
        g,
        g.add_argument(
            "--max_force_factor",
            type=FRACTION,
            default=1.0,
            help="max_force_factor [0..1] published to every position controller at start (default 1.0)",
        ),
        "--max-force-factor",
    )
    renamed(
        g,
        g.add_argument(
            "--stop_force_factor",
            type=FRACTION,
            default=0.3,
            help="max_force_factor [0..1] published after the safe pose (soft stop; default 0.3)",
        ),
        "--stop-force-factor",
    )
    renamed(
        g,
        g.add_argument(
            "--hand_mjcf",
            type=Path,
            default=None,
            help="rewritten hand MJCF for fingertip forward kinematics (default: build it from "
            "gymnasium-robotics; write one with dactyl_lab.assets.shadow_mjcf.write_hand_mjcf)",
        ),
        "--hand-mjcf",
    )
    renamed(
        g,
        g.add_argument("--no_prompt", action="store_true", help="do not wait for Enter between trials"),
        "--no-prompt",
    )
    renamed(
        g,
        g.add_argument(
            "--driver_timeout_s",
            type=float,
            default=5.0,
            metavar="S",
            help="at start, wait this long for every motor's controller and the first /joint_states (default 5)",
        ),
        "--driver-timeout",
    )
    renamed(
        g,
        g.add_argument(
            "--reset_timeout_s",
            type=float,
            default=60.0,
            metavar="S",
            help="between trials, wait this long for a fresh pose of the cube back on the palm (default 60)",
        ),
        "--reset-timeout",
    )


def add_replay_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("replay (--hand replay)")
    renamed(
        g,
        g.add_argument("--replay_log", type=Path, default=None, help="the log to replay (--hand replay)"),
        "--replay-log",
    )
    renamed(
        g,
        g.add_argument(
            "--replay_tolerance",
            type=NON_NEGATIVE,
            default=1e-5,
            help="largest allowed |action difference| between the log and the replay (default 1e-5)",
        ),
        "--replay-tolerance",
    )
