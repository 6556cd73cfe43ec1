#!/usr/bin/env python3
"""Score an exported policy on the MuJoCo stand-in hand with the Dactyl paper's consecutive-successes protocol.

  python scripts/sim2sim.py --policy policy.onnx --num_trials 20        # report.json + histogram.png

``--help`` explains every flag; the logic lives in :mod:`dactyl_lab.export.sim2sim` (needs no torch).
"""

from __future__ import annotations

import sys

from dactyl_lab.export.sim2sim import main

if __name__ == "__main__":
    sys.exit(main())
