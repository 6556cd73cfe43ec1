"""Argparse helpers shared by the torch-free runtime CLI and the scripts: types for bounded numbers (a bad value is
refused by argparse with one line, exit 2, that says what was expected) and the deprecated old spellings of renamed
flags (:func:`renamed`)."""

from __future__ import annotations

import argparse
import math
import sys


def number(kind, low: float, low_ok: bool, high: float | None = None, what: str = "a positive number"):
    """An argparse type: ``kind`` (int or float) above ``low`` (or equal when ``low_ok``), at most ``high``."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
        too_low = value < low or (value == low and not low_ok)
        if not math.isfinite(value) or too_low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
        return value

    return parse


POSITIVE_INT = number(int, 0, False, what="a positive integer")
NON_NEGATIVE_INT = number(int, 0, True, what="an integer >= 0")
POSITIVE_S = number(float, 0.0, False, what="a positive duration [s]")
POSITIVE = number(float, 0.0, False)
NON_NEGATIVE = number(float, 0.0, True, what="a number >= 0")
FRACTION = number(float, 0.0, True, 1.0, what="a number in [0, 1]")


class DeprecatedSpelling(argparse.Action):
    """The old spelling of a renamed flag: it still works for one release, and prints one line naming the new flag."""

    def __init__(self, option_strings, dest, target: argparse.Action, **kwargs):
        super().__init__(option_strings, dest, **kwargs)
        self.target = target

    @property
    def new_flag(self) -> str:
        return max(self.target.option_strings, key=len)

    def __call__(self, parser, namespace, values, option_string=None):
        print(
            f"warning: {option_string} is deprecated, use {self.new_flag} (the old spelling goes in the next release)",
            file=sys.stderr,
        )
        self.target(parser, namespace, values, self.new_flag)


def renamed(parser, action: argparse.Action, *old_flags: str) -> argparse.Action:
    """Accept ``old_flags`` (hidden from --help) as deprecated spellings of ``action``'s flag; returns ``action``.

    ``parser`` is the parser or argument group ``action`` was added to. The old spelling takes the same values
    (type, nargs, choices) and stores into the same destination through ``action`` itself."""
    for old in old_flags:
        parser.add_argument(
            old,
            action=DeprecatedSpelling,
            target=action,
            dest=action.dest,
            nargs=action.nargs,
            const=action.const,
            type=action.type,
            choices=action.choices,
            metavar=action.metavar,
            default=argparse.SUPPRESS,
            help=argparse.SUPPRESS,
        )
    return action
