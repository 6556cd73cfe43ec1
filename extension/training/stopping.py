"""Stopping training with a checkpoint: SIGTERM (a scheduler, torchrun stopping its workers) or Ctrl-C ends training
after the current iteration, or at a deadline on the last complete one.

:class:`StopOnSignals` is what the runners of :mod:`.rsl_rl_runner` and :mod:`.rl_games_checkpointing` enter
around their training loop; its deadline is an argument of theirs (``stop_deadline_s``), which scripts/train.py
takes from ``--stop_deadline_s`` or :func:`deadline_from_env`.
"""

from __future__ import annotations

import math
import os
import time
from contextlib import contextmanager

STOP_DEADLINE_S = 20.0
"""Seconds after the first SIGTERM / Ctrl-C within which training ends. torchrun SIGKILLs its workers 30 s after
forwarding SIGTERM (hard-coded in torch 2.11, ``PContext.close(timeout=30)``), as SLURM's default ``KillWait``
does; 20 s leave 10 s to close the env and write the report."""
STOP_DEADLINE_ENV = "DACTYL_LAB_STOP_DEADLINE_S"
"""Overrides :data:`STOP_DEADLINE_S` (e.g. a scheduler with a longer grace period; 0: no deadline)."""
MAX_STOP_DEADLINE_S = 1e6
"""Longest deadline accepted [s] (about 11.6 days; ``setitimer`` overflows far beyond)."""


class StopDeadline(BaseException):
    """The iteration in progress did not end within the stop deadline; it is dropped (the rolling checkpoint holds
    the last complete one). A ``BaseException``, so no library's ``except Exception`` swallows it."""


def deadline_from_env() -> float:
    """:data:`STOP_DEADLINE_S`, or the value of ``DACTYL_LAB_STOP_DEADLINE_S`` (ValueError naming the fix when it
    is not a number of seconds in range)."""
    value = os.getenv(STOP_DEADLINE_ENV)
    if value is None:
        return STOP_DEADLINE_S
    try:
        return check_deadline(float(value))
    except ValueError as error:
        raise ValueError(f"{STOP_DEADLINE_ENV}={value!r}: {error}; set e.g. 20, or 0 for none") from None


def check_deadline(deadline_s: float) -> float:
    """``deadline_s`` if it is a deadline we can arm (finite, 0 to :data:`MAX_STOP_DEADLINE_S`), else ValueError."""
    if not (math.isfinite(deadline_s) and 0 <= deadline_s <= MAX_STOP_DEADLINE_S):
        raise ValueError(f"the stop deadline must be 0 to {MAX_STOP_DEADLINE_S:g} s (got {deadline_s!r})")
    return float(deadline_s)


class StopOnSignals:
    """While entered, SIGTERM (a scheduler, torchrun stopping its workers) and Ctrl-C set :attr:`requested`: the
    training loop saves and ends after the current iteration. The same signal again stops at once.

    **Deadline**: an iteration can take minutes (large CPU runs), longer than the grace period before the SIGKILL
    that follows a SIGTERM (torchrun: 30 s). So ``deadline_s`` after the first signal (default
    :data:`STOP_DEADLINE_S`), a SIGALRM raises :class:`StopDeadline` in the training loop: the iteration in progress
    is dropped and training ends on the last complete iteration, which the rolling checkpoint holds. A checkpoint
    being written when the deadline comes is finished first (:meth:`saving`); the stop path's own save runs after
    :meth:`disarm`. A SIGALRM that is not our deadline goes to the handler that was there before (e.g.
    pytest-timeout's)."""

    def __init__(self, deadline_s: float | None = None):
        self.requested = False
        self.deadline_s = STOP_DEADLINE_S if deadline_s is None else check_deadline(deadline_s)
        self._previous: dict = {}
        self._saving = 0
        self._deadline_passed = False
        self._armed = False
        self._other_alarm: tuple[float, float, float] = (0.0, 0.0, 0.0)
        """The alarm someone else had pending when ours was set: (remaining s, interval s, monotonic time then)."""

    def _request(self, signum, frame) -> None:
        import signal

        if self.requested:  # asked twice: stop now
            signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        self.requested = True
        name = signal.Signals(signum).name
        if self.deadline_s > 0:
            other, interval = signal.setitimer(signal.ITIMER_REAL, self.deadline_s)
            self._other_alarm, self._armed = (other, interval, time.monotonic()), True
            print(
                f"[INFO] {name}: stopping after this iteration, or in {self.deadline_s:g} s without it if it has not "
                "ended by then (again to stop now).",
                flush=True,
            )
        else:
            print(f"[INFO] {name}: stopping after this iteration (again to stop now).", flush=True)

    def _deadline(self, signum, frame) -> None:
        import signal

        if not self._armed:  # not ours: the previous handler's alarm
            previous = self._previous.get(signal.SIGALRM)
            if callable(previous):
                previous(signum, frame)
            return
        if self._saving:  # finish the checkpoint being written; :meth:`saving` raises after it
            self._deadline_passed = True
            return
        self._armed = False
        raise StopDeadline(f"the iteration in progress did not end within {self.deadline_s:g} s of the stop signal")

    @contextmanager
    def saving(self):
        """Context of a checkpoint write: a deadline passing during it takes effect when the write is done."""
        self._saving += 1
        try:
            yield
        finally:
            self._saving -= 1
        if self._deadline_passed and not self._saving:
            self._deadline_passed = False
            self._deadline(None, None)

    def disarm(self) -> None:
        """Cancel our deadline (the loop is stopping on its own now: its last save must not be cut short); an alarm
        someone else had pending gets its remaining time and interval back."""
        if self._armed:
            self._armed = self._deadline_passed = False
            self._restore_other_alarm()  # replaces our timer

    def _restore_other_alarm(self) -> None:
        import signal

        remaining, interval, since = self._other_alarm
        left = max(remaining - (time.monotonic() - since), 1e-3) if remaining > 0 else 0.0
        signal.setitimer(signal.ITIMER_REAL, left, interval)

    def __enter__(self) -> StopOnSignals:
        import signal

        self._previous = {sig: signal.signal(sig, self._request) for sig in (signal.SIGTERM, signal.SIGINT)}
        self._previous[signal.SIGALRM] = signal.signal(signal.SIGALRM, self._deadline)
        return self

    def __exit__(self, *exc) -> None:
        import signal

        armed, self._armed = self._armed, False
        if armed:
            signal.setitimer(signal.ITIMER_REAL, 0)  # ours off before the owners' handlers come back
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        if armed:
            self._restore_other_alarm()


def stop_agreed(requested: bool, device, distributed: bool) -> bool:
    """Whether any rank asked to stop (a collective when ``distributed``: every rank calls it at the same point)."""
    import torch

    stop = torch.tensor([float(requested)], device=device)
    if distributed:
        import torch.distributed as dist

        dist.all_reduce(stop, op=dist.ReduceOp.MAX)
    return bool(stop.item())
