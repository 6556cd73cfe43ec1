"""``dactyl-lab-runtime`` fault drills on the MuJoCo stand-in (``--inject_*``): make a joint read NaN or the tracker
measure nothing for a while, to watch the safety layer hold and stop the hand."""

from __future__ import annotations

import argparse

from dactyl_lab.spec import hand
from dactyl_lab.argtypes import renamed


def nan_joint(text: str) -> tuple[str, int, int]:
    """``JOINT:STEP:COUNT`` -> (Shadow joint name, first control step, number of steps)."""
    try:
        name, start, count = text.split(":")
        if name not in hand.JOINT_NAMES:
            raise ValueError(f"unknown joint {name}")
        if int(start) < 0 or int(count) < 1:
            raise ValueError("STEP >= 0 and COUNT >= 1")
        return name, int(start), int(count)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected JOINT:STEP:COUNT with a Shadow joint name ({error})") from error


def dropout(text: str) -> tuple[int, int]:
    """``STEP:COUNT`` -> (first control step, number of steps)."""
    try:
        start, count = text.split(":")
        if int(start) < 0 or int(count) < 1:
            raise ValueError(text)
        return int(start), int(count)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"expected STEP:COUNT, got {text!r}") from error


def add_fault_drill_args(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("fault drills (--hand mujoco)")
    renamed(
        g,
        g.add_argument(
            "--inject_nan_joint",
            type=nan_joint,
            action="append",
            default=[],
            metavar="JOINT:STEP:COUNT",
            help="JOINT reads NaN for COUNT control steps from STEP (repeatable)",
        ),
        "--inject-nan-joint",
    )
    renamed(
        g,
        g.add_argument(
            "--inject_stale_pose",
            type=dropout,
            action="append",
            default=[],
            metavar="STEP:COUNT",
            help="the tracker measures nothing for COUNT control steps from STEP (repeatable)",
        ),
        "--inject-stale-pose",
    )
