"""SIGKILL a real training run (scripts/train.py, RSL-RL, presets=adr) at chosen moments, resume it each time,
and measure what each kill lost. Shared by tests/training/test_sigkill_resume.py (short) and
bench/sigkill_resume.py (long loop).

A kill is ``("random", iteration)``: SIGKILL a random 0..``jitter_s`` seconds after the run logs that iteration,
or ``("save", iteration)``: checkpoints are written slowly (tests/helpers/instrumented.py ``--slow-save-s``) and
the run is killed while the first save after that iteration is half written. After every kill the resolver picks
the newest checkpoint that loads; the iterations lost are the logged (finished) iterations that checkpoint lacks.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from dactyl_lab.training import checkpoints

from tests.helpers import instrumented
from tests.helpers.scripts import SCRIPTS, SHORT_START_STATES

TRAIN = SCRIPTS / "train.py"

UPDATES_PER_ITERATION = 4 * 4  # num_learning_epochs x num_mini_batches of the RSL-RL configs
ITERATION_RE = re.compile(r"Learning iteration (\d+)/(\d+)")
ADR_FAST = [  # short episodes, every env at a boundary, a decision per episode, always widen: ADR moves every iteration
    "env.randomization.adr.queue_length=1",
    "env.randomization.adr.threshold_high=0.0",
    "env.randomization.adr.threshold_low=-1.0",
    "env.randomization.adr.boundary_prob=1.0",
    "env.terminations.goal_timeout.params.timeout_s=0.4",
]


def adam_steps(state: dict) -> int:
    return int(state["optimizer_state_dict"]["state"][0]["step"])


def adr_versions(state: dict) -> int:
    return int(state["adr_state"]["version"].sum())


@dataclass
class KillResult:
    kind: str
    logged_iterations: int
    """Iterations the run had logged as finished (the highest index printed + 1)."""
    checkpoint: str
    completed_iterations: int
    lost_iterations: int
    adam_steps: int
    adr_versions: int
    skipped: list[str] = field(default_factory=list)
    torn_files: list[str] = field(default_factory=list)
    """Temporary files a kill left half written (never candidates)."""


@dataclass
class LoopResult:
    kills: list[KillResult]
    total_iterations: int
    final_iter: int
    final_adam_steps: int
    final_adr_versions: int
    resumed_from: list[int]
    """For every resumed run: the first iteration it logged."""
    wall_s: float


def _env() -> dict:
    return {"OMP_NUM_THREADS": "1", **os.environ, "PYTHONUNBUFFERED": "1"}


def _start(cwd: Path, args: list[str], slow_save_s: float | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, *instrumented.command(TRAIN, *args, SHORT_START_STATES, slow_save_s=slow_save_s)],
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=_env(),
        start_new_session=True,
    )


def _watchdog(proc: subprocess.Popen, timeout_s: float) -> threading.Timer:
    timer = threading.Timer(timeout_s, lambda: proc.poll() is None and os.killpg(proc.pid, signal.SIGKILL))
    timer.daemon = True
    timer.start()
    return timer


def _run_until_kill(proc, kind: str, at_iteration: int, jitter_s: float, rng: random.Random, log: list[str]):
    """Read the run's output; SIGKILL it at the requested moment. Returns (highest logged iteration, first)."""
    highest, first, armed = -1, None, False
    for line in proc.stdout:
        log.append(line)
        match = ITERATION_RE.search(line)
        if match:
            highest = int(match.group(1))
            first = highest if first is None else first
            armed = armed or highest >= at_iteration
            if armed and kind == "random":
                time.sleep(rng.uniform(0.0, jitter_s))
                break
        elif armed and kind == "save" and line.startswith("[checkpoint] saving"):
            break  # half of the checkpoint is on disk, the rest is not
    os.killpg(proc.pid, signal.SIGKILL)
    log.extend(proc.communicate(timeout=60)[0].splitlines(keepends=True))  # what it wrote before it died
    for line in log[-200:]:  # the kill may have landed after more iterations were logged (random delay)
        match = ITERATION_RE.search(line)
        if match:
            highest = max(highest, int(match.group(1)))
    if first is None:
        raise AssertionError("the run logged no iteration before it was killed:\n" + "".join(log[-60:]))
    return highest, first


def kill_resume_loop(
    cwd: Path,
    kills: list[tuple[str, int]],
    total: int,
    num_envs: int = 4,
    seed: int = 7,
    jitter_s: float = 3.0,
    slow_save_s: float = 20.0,
    timeout_s: float = 1200.0,
    rng_seed: int = 0,
) -> LoopResult:
    """Train to ``total`` iterations through the given kills (iteration indices are the run's global ones)."""
    rng, start_s = random.Random(rng_seed), time.perf_counter()
    base = [
        "--device",
        "cpu",
        "--num_envs",
        str(num_envs),
        "--seed",
        str(seed),
        "--max_iterations",
        str(total),
        "presets=adr",
        *ADR_FAST,
    ]
    results, resumed_from, log = [], [], []
    root = cwd / "logs" / "rsl_rl" / "dactyl_reorient_ff"
    for index, (kind, at_iteration) in enumerate(kills):
        args = base + (["--resume"] if index else [])
        proc = _start(cwd, args, slow_save_s if kind == "save" else None)
        timer = _watchdog(proc, timeout_s)
        try:
            highest, first = _run_until_kill(proc, kind, at_iteration, jitter_s, rng, log)
        finally:
            timer.cancel()
        if index:
            resumed_from.append(first)
        found = checkpoints.newest_in_experiment(root, "rsl_rl")
        results.append(
            KillResult(
                kind,
                highest + 1,
                found.path.name,
                found.iterations,
                highest + 1 - found.iterations,
                adam_steps(found.state),
                adr_versions(found.state),
                [f"{p.name}: {why}" for p, why in found.skipped],
                [p.name for p in found.path.parent.glob(f".*{checkpoints.TMP_MARK}*")],
            )
        )
    proc = _start(cwd, base + ["--resume"])
    timer = _watchdog(proc, timeout_s)
    try:
        out = proc.communicate()[0]
    finally:
        timer.cancel()
    assert proc.returncode == 0, out[-4000:]
    firsts = [int(m.group(1)) for m in ITERATION_RE.finditer(out)]
    resumed_from.append(firsts[0] if firsts else total)
    (run,) = (p for p in root.iterdir() if p.is_dir())
    final = checkpoints.read_checkpoint(run / f"model_{total - 1}.pt", "rsl_rl")
    return LoopResult(
        results,
        total,
        int(final["iter"]),
        adam_steps(final),
        adr_versions(final),
        resumed_from,
        time.perf_counter() - start_s,
    )


def check(result: LoopResult) -> None:
    """At most one iteration lost per kill; iterations, optimizer steps and ADR state continue."""
    previous_versions = 0
    for kill, resumed in zip(result.kills, result.resumed_from):
        assert kill.lost_iterations <= 1, kill
        assert kill.adam_steps == kill.completed_iterations * UPDATES_PER_ITERATION, kill
        assert resumed == kill.completed_iterations, (kill, resumed)  # the next run starts right after it
        assert kill.adr_versions >= previous_versions, kill  # ADR went on from the checkpoint, not from scratch
        previous_versions = kill.adr_versions
    assert result.final_iter == result.total_iterations - 1
    assert result.final_adam_steps == result.total_iterations * UPDATES_PER_ITERATION
    assert result.final_adr_versions >= previous_versions
