"""The stop path ends within its deadline (torchrun SIGKILLs 30 s after forwarding SIGTERM): an iteration still
running at the deadline is dropped, a checkpoint being written is finished first."""

from __future__ import annotations

import os
import signal
import time

import pytest

from dactyl_lab.training import stopping


def _wait(seconds: float) -> None:
    """Work in small slices (as a training loop does: the handler runs between Python bytecodes)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        time.sleep(0.01)


def test_iteration_still_running_at_the_deadline_is_dropped():
    stop = stopping.StopOnSignals(deadline_s=0.3)
    with stop:
        os.kill(os.getpid(), signal.SIGTERM)
        started = time.monotonic()
        with pytest.raises(stopping.StopDeadline, match="did not end within 0.3 s"):
            _wait(5.0)
        elapsed = time.monotonic() - started
    assert stop.requested
    assert 0.25 < elapsed < 1.5, elapsed


def test_a_save_in_progress_at_the_deadline_is_finished_first():
    stop = stopping.StopOnSignals(deadline_s=0.2)
    written = []
    with stop:
        os.kill(os.getpid(), signal.SIGTERM)
        with pytest.raises(stopping.StopDeadline):
            with stop.saving():
                _wait(0.6)  # the deadline passes here
                written.append(time.monotonic())
            pytest.fail("the deadline must take effect right after the write")
    assert written


def test_no_signal_no_deadline_and_handlers_restored():
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGALRM)}
    alarm_before = signal.getitimer(signal.ITIMER_REAL)[0]  # e.g. pytest-timeout's (signal method)
    stop = stopping.StopOnSignals(deadline_s=0.1)
    with stop:
        _wait(0.3)
    assert not stop.requested
    assert {sig: signal.getsignal(sig) for sig in before} == before
    alarm_after = signal.getitimer(signal.ITIMER_REAL)[0]
    assert (alarm_after > 0) == (alarm_before > 0)  # nobody else's pending alarm was cancelled


def test_deadline_zero_waits_for_the_iteration():
    stop = stopping.StopOnSignals(deadline_s=0)
    with stop:
        os.kill(os.getpid(), signal.SIGTERM)
        _wait(0.3)
    assert stop.requested


@pytest.mark.parametrize("value", ["soon", "-1", "inf", "nan", "1e12"])
def test_bad_deadline_setting_is_named(monkeypatch, value):
    monkeypatch.setenv(stopping.STOP_DEADLINE_ENV, value)
    with pytest.raises(ValueError, match=stopping.STOP_DEADLINE_ENV):
        stopping.deadline_from_env()


def test_a_foreign_alarm_goes_to_its_own_handler_not_to_a_stop():
    """With no stop requested, someone else's SIGALRM (pytest-timeout's signal method, a library's) is theirs."""
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        stop = stopping.StopOnSignals(deadline_s=5.0)
        with stop:
            signal.setitimer(signal.ITIMER_REAL, 0.1)
            _wait(0.4)  # no StopDeadline
        assert fired == [signal.SIGALRM] and not stop.requested
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_the_stop_paths_own_save_is_not_cut_by_the_deadline():
    """Once the loop stops by itself (disarm), a deadline passing during its last save does not raise."""
    stop = stopping.StopOnSignals(deadline_s=0.2)
    with stop:
        os.kill(os.getpid(), signal.SIGTERM)
        stop.disarm()
        with stop.saving():
            _wait(0.5)
    assert stop.requested


@pytest.mark.sim
@pytest.mark.slow
def test_torchrun_stop_ends_before_its_sigkill_with_the_last_complete_iteration(tmp_path):
    """A real training under torchrun whose iteration outlasts the deadline: SIGTERM to torchrun (it forwards it and
    SIGKILLs 30 s later) ends the worker at the deadline, the iteration in progress dropped, model_last.pt intact."""
    import sys

    from tests.helpers.scripts import DISTRIBUTED_TRAIN, run_until_signalled

    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=1", *DISTRIBUTED_TRAIN]
    command += ["--max_iterations", "50", "--stop_deadline_s", "1.0", "agent.num_steps_per_env=300"]

    def iteration_1_saved() -> bool:  # then iteration 2 runs: the stop comes in its first moments
        return any(_saved_iteration(p) == 1 for p in tmp_path.glob("logs/rsl_rl/*/*/model_last.pt"))

    _, log, took_s = run_until_signalled(
        command, tmp_path, after="Learning iteration 1/50", timeout=120, until=iteration_1_saved
    )

    assert "Stop deadline" in log and "it is dropped" in log, log[-3000:]
    assert "forcefully" not in log and "SIGKILL" not in log, log[-3000:]  # torchrun's kill after its 30 s
    assert took_s < 25, (took_s, log[-2000:])
    (last,) = tmp_path.glob("logs/rsl_rl/*/*/model_last.pt")
    assert _saved_iteration(last) == 1  # the last complete iteration; iteration 2 dropped
    assert not list(last.parent.glob("model_2.pt"))


def _saved_iteration(path) -> int | None:
    import torch

    try:
        return int(torch.load(path, weights_only=False)["iter"])
    except Exception:  # noqa: BLE001 - not written yet
        return None


def test_an_alarm_pending_before_the_stop_gets_its_remaining_time_back():
    """Someone else's SIGALRM (e.g. pytest-timeout's signal method) survives our deadline."""
    previous = signal.signal(signal.SIGALRM, signal.SIG_IGN)
    signal.setitimer(signal.ITIMER_REAL, 30.0)
    try:
        stop = stopping.StopOnSignals(deadline_s=5.0)
        with stop:
            os.kill(os.getpid(), signal.SIGTERM)
            assert signal.getitimer(signal.ITIMER_REAL)[0] <= 5.0  # ours, meanwhile
        assert 25.0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 30.0
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
