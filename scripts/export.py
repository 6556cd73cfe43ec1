#!/usr/bin/env python3
"""Export a trained Dactyl policy (RSL-RL or rl-games, feed-forward or LSTM) to ONNX for the real-hand runtime.

  python scripts/export.py --checkpoint logs/rsl_rl/dactyl_reorient_ff/<run>/model_<iteration>.pt
  python scripts/export.py --checkpoint logs/rl_games/dactyl_reorient_lstm/<run> -o policy.onnx

``--help`` explains every flag; the logic lives in :mod:`dactyl_lab.export`.
"""

from __future__ import annotations

import sys

from dactyl_lab.export.cli import main

if __name__ == "__main__":
    sys.exit(main())
