"""Checks for the old spellings of renamed flags (:func:`dactyl_lab.argtypes.renamed`): each still parses to the same
options as its new flag and prints one deprecation line that names the new flag."""

from __future__ import annotations

import argparse

from dactyl_lab.argtypes import DeprecatedSpelling

SAMPLES = {
    "--inject_nan_joint": "rh_FFJ3:2:3",
    "--inject_stale_pose": "4:2",
    "--video_size": "64x48",
    "--video_camera": "side",
    "--max_force_factor": "0.5",
    "--stop_force_factor": "0.5",
}
"""A valid value, not the default, of the new flags for which "2" is not."""


def old_spellings(parser: argparse.ArgumentParser) -> list[tuple[str, argparse.Action]]:
    """(old flag, the action of its new flag) of every deprecated spelling in ``parser``."""
    return [
        (old, action.target)
        for action in parser._actions
        if isinstance(action, DeprecatedSpelling)
        for old in action.option_strings
    ]


def sample_values(action: argparse.Action) -> list[str]:
    """Command-line values that ``action`` accepts (not its default where it has choices)."""
    if action.nargs == 0:
        return []
    if action.choices:
        return [list(action.choices)[-1]]
    count = action.nargs if isinstance(action.nargs, int) else 1
    return [SAMPLES.get(max(action.option_strings, key=len), "2")] * count


def assert_old_spelling_works(parser, base_argv: list[str], old: str, target: argparse.Action, capsys) -> None:
    new = max(target.option_strings, key=len)
    values = sample_values(target)
    expected = parser.parse_args([*base_argv, new, *values])
    assert capsys.readouterr().err == ""  # the new flag prints nothing
    got = parser.parse_args([*base_argv, old, *values])
    assert got == expected, (old, new)
    assert getattr(got, target.dest) != target.default, "the sample value must differ from the default"
    lines = capsys.readouterr().err.splitlines()
    assert lines == [f"warning: {old} is deprecated, use {new} (the old spelling goes in the next release)"]
