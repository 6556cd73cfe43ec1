"""Argparse types for bounded numbers, shared by the torch-free runtime CLI and the training scripts: a bad value is
refused by argparse with one line (exit 2) that says what was expected."""

from __future__ import annotations

import argparse
import math


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
