"""Run a function on two real gloo ranks (torch.multiprocessing) for the distributed tests."""

from __future__ import annotations

import time

import pytest
import torch
import torch.multiprocessing as mp


def run_two_ranks(worker, *args, timeout_s: float) -> None:
    """``worker(rank, world_size, *args)`` on ranks 0 and 1; fails the test if they hang past ``timeout_s``."""
    ctx = mp.spawn(worker, args=(2, *args), nprocs=2, join=False)
    deadline = time.monotonic() + timeout_s
    while not ctx.join(timeout=1):
        if time.monotonic() > deadline:
            for process in ctx.processes:
                process.kill()
            pytest.fail(f"distributed workers did not finish within {timeout_s} s")


def feed_boundary(adr, boundary: int, perf: float, episodes: int) -> None:
    """Play ``episodes`` ADR episodes on one boundary (2 * param + side) with a fixed performance."""
    done = 0
    while done < episodes:
        adr.resample()
        ids = (adr.env_boundary == boundary).nonzero().flatten()[: episodes - done]
        adr.update(ids, torch.full((ids.numel(),), float(perf)))
        done += ids.numel()
