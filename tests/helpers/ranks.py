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


def feed_boundary(adr, boundary: int, perf: float, episodes: int) -> int:
    """Play ``episodes`` ADR episodes on one boundary (2 * param + side) with a fixed performance; fewer when
    this rank's tickets of the boundary's cohort run out (returns how many were played)."""
    done = 0
    while done < episodes:
        adr.resample()
        ids = (adr.env_boundary == boundary).nonzero().flatten()[: episodes - done]
        if ids.numel() == 0 and int(adr.issued.flatten()[boundary]) >= adr.tickets_per_rank:
            break  # the cohort's other tickets are out on other ranks (results staged until sync)
        adr.update(ids, torch.full((ids.numel(),), float(perf)))
        done += ids.numel()
    return done
