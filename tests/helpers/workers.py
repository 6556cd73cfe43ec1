"""One measurement of a bench in a fresh process (``python bench/<x>.py --worker ... --result FILE``): each size
starts from a clean interpreter, so memory and kernel caches of one size do not leak into the next."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path


def run_worker(command: list[str], result: Path, label: str, timeout_s: float) -> dict | None:
    """Run ``command`` (which writes its measurement as JSON to ``result``) with one torch thread unless set;
    returns the measurement, or None (printed why) if it timed out or failed."""
    print(f"  {label} ...", flush=True)
    env = {**os.environ, "OMP_NUM_THREADS": os.getenv("OMP_NUM_THREADS", "1")}
    try:
        out = subprocess.run(command, capture_output=True, text=True, env=env, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        print(f"    timed out after {timeout_s} s", flush=True)
        return None
    if out.returncode != 0 or not result.exists():
        print(f"    failed ({out.returncode}): {out.stderr[-1500:]}", flush=True)
        return None
    data = json.loads(result.read_text())
    result.unlink()
    print(f"    {json.dumps(data)}", flush=True)
    return data
