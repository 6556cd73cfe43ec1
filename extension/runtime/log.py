"""Run log: one JSON object per line (JSON-lines), written as the loop runs and flushed every step.

Layout (``format`` = :data:`LOG_FORMAT`, ``version`` = :data:`LOG_VERSION`):

* line 1, ``{"kind": "header", ...}``: contract (full JSON), loop and safety config, backend name and options,
  motor / joint / fingertip names, wall-clock start time;
* one ``{"kind": "step", ...}`` per control step:
  ``step``, ``episode``, ``t_s`` (since start), ``joint_pos_rad`` {joint: rad}, ``fingertip_pos_m``
  {body: [x, y, z]}, ``pose`` {``pos_m``, ``quat_xyzw``, ``stamp_s``} or null, ``now_s`` (tracker clock),
  ``joint_age_s``,
  ``goal_quat_xyzw``, ``obs`` (list or null when holding), ``action`` (raw policy output or null),
  ``targets_rad`` {motor: rad} (the targets the hand holds), ``commanded`` (bool: sent this step; a fault hold
  sends nothing), ``held`` (bool), ``phase`` (``run`` | ``episode_end``),
  ``orientation_error_rad``, ``consecutive_successes``, ``timings_ms`` {read, observe, infer, act, total},
  ``events`` [{step, kind, detail}];
* last line ``{"kind": "summary", ...}``: the run summary (successes, latency percentiles, deadline misses).

Floats are written with Python's shortest round-trip repr, so a replay sees bit-identical float64
readings; non-finite readings are written as ``NaN`` / ``Infinity`` (Python's json reads them back).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

LOG_FORMAT = "dactyl_lab.runtime.log"
LOG_VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class RunLogger:
    """Writes the JSON-lines log; use as a context manager or call :meth:`close`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("w", encoding="utf-8")

    def write(self, kind: str, record: dict[str, Any]) -> None:
        self._file.write(json.dumps({"kind": kind, **_plain(record)}) + "\n")
        self._file.flush()

    def header(self, record: dict[str, Any]) -> None:
        self.write("header", {"format": LOG_FORMAT, "version": LOG_VERSION, **record})

    def step(self, record: dict[str, Any]) -> None:
        self.write("step", record)

    def summary(self, record: dict[str, Any]) -> None:
        self.write("summary", record)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def __enter__(self) -> RunLogger:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class RunLog:
    """A log read back: ``header``, ``steps`` (list of dicts), ``summary`` (or None if the run was cut)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.header: dict[str, Any] = {}
        self.steps: list[dict[str, Any]] = []
        self.summary: dict[str, Any] | None = None
        self.truncated_at_line: int | None = None
        """The line a killed run left half written (reading stopped there), or None."""
        with self.path.open(encoding="utf-8") as file:
            for number, line in enumerate(file, 1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    if number > 1:  # a run killed mid-write leaves a partial last line
                        self.truncated_at_line = number
                        break
                    raise
                if not isinstance(record, dict):
                    raise ValueError(f"{self.path}: line {number} is not a JSON object")
                kind = record.pop("kind", None)
                if kind == "header":
                    self.header = record
                elif kind == "step":
                    self.steps.append(record)
                elif kind == "summary":
                    self.summary = record
        if self.header.get("format") != LOG_FORMAT:
            raise ValueError(f"{self.path} is not a dactyl-lab runtime log (no '{LOG_FORMAT}' header)")
        if self.header.get("version") != LOG_VERSION:
            version = self.header.get("version")
            raise ValueError(f"{self.path}: log version {version} (this runtime reads {LOG_VERSION})")

    def actions(self) -> list[np.ndarray | None]:
        return [None if s["action"] is None else np.asarray(s["action"]) for s in self.steps]
