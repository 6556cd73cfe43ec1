"""Run scripts/ as a user would: in a scratch working directory (logs go to ./logs), one torch thread a process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The repository root."""

SCRIPTS = REPO / "scripts"


def script_env(**extra: str) -> dict:
    """The scripts' environment: one torch thread per process unless set (on this shared 2-core machine torch's
    default threads made the PPO update ~60x slower, bench/train_throughput.py)."""
    return {"OMP_NUM_THREADS": "1", **os.environ, **extra}


def run_script(cwd: Path, script: str, *args: str, timeout: float = 900, env: dict | None = None):
    out = subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=script_env(**(env or {})),
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out
