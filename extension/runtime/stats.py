"""Latency bookkeeping: per-stage samples [ms] and their p50 / p99 / max."""

from __future__ import annotations

import numpy as np

STAGES = ("read", "observe", "infer", "act", "total", "log", "sim", "period")
"""read: hand + tracker readings; observe: build obs; infer: ONNX Runtime; act: actions + safety + send;
total: read..act (sensing to command); log: write the step; sim: simulated physics of the stand-in (0 on a
real hand); period: start-to-start time of consecutive steps."""


class LatencyStats:
    def __init__(self) -> None:
        self.samples_ms: dict[str, list[float]] = {stage: [] for stage in STAGES}

    def add(self, stage: str, seconds: float) -> None:
        self.samples_ms[stage].append(1e3 * seconds)

    def summary(self) -> dict[str, dict[str, float]]:
        """{stage: {n, p50_ms, p99_ms, max_ms}} for every stage with samples."""
        out = {}
        for stage, values in self.samples_ms.items():
            if values:
                array = np.asarray(values)
                out[stage] = {
                    "n": int(array.size),
                    "p50_ms": float(np.percentile(array, 50)),
                    "p99_ms": float(np.percentile(array, 99)),
                    "max_ms": float(array.max()),
                }
        return out


def format_latency_table(summary: dict[str, dict[str, float]], period_s: float | None = None) -> str:
    lines = [f"{'stage':<8} {'n':>6} {'p50 ms':>9} {'p99 ms':>9} {'max ms':>9}"]
    for stage, row in summary.items():
        lines.append(f"{stage:<8} {row['n']:>6} {row['p50_ms']:>9.3f} {row['p99_ms']:>9.3f} {row['max_ms']:>9.3f}")
    if period_s is not None:
        lines.append(f"(control period {1e3 * period_s:.1f} ms)")
    return "\n".join(lines)
