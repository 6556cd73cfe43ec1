"""Multi-process training under ``torchrun``: which rank this is, its device and its process-group backend.

``torchrun --nproc_per_node=N scripts/train.py --distributed ...`` starts N copies of the script with
``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE`` set. Each rank runs its own environments on its own device
(``cuda:LOCAL_RANK``, or the CPU when there is no CUDA), and the ranks average their gradients.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Rank:
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def from_env() -> Rank:
    """This process's rank as ``torchrun`` sets it (a single process when not under torchrun)."""
    return Rank(int(os.getenv("RANK", "0")), int(os.getenv("LOCAL_RANK", "0")), int(os.getenv("WORLD_SIZE", "1")))


def device_for(rank: Rank, requested: str | None = None) -> str:
    """This rank's device: ``cpu`` when asked for or without CUDA, else :func:`cuda_device` of the visible GPUs."""
    import torch

    if (requested or "").startswith("cpu") or not torch.cuda.is_available():
        return "cpu"
    return cuda_device(rank.local_rank, torch.cuda.device_count())


def cuda_device(local_rank: int, visible_gpus: int) -> str:
    """``cuda:LOCAL_RANK`` when the node's ranks share its GPUs; ``cuda:0`` when each rank sees exactly one GPU
    (a per-rank ``CUDA_VISIBLE_DEVICES``, common under SLURM)."""
    if visible_gpus == 1:
        return "cuda:0"
    if local_rank >= visible_gpus:
        raise RuntimeError(
            f"local rank {local_rank} but only {visible_gpus} visible GPU(s): start at most {visible_gpus} ranks per "
            "node (torchrun --nproc_per_node), or give each rank one GPU with CUDA_VISIBLE_DEVICES"
        )
    return f"cuda:{local_rank}"


def backend_for(device: str) -> str:
    """Process-group backend for a device: NCCL between GPUs, gloo between CPU processes."""
    return "nccl" if str(device).startswith("cuda") else "gloo"


def join_process_group(rank: Rank, device: str) -> str:
    """Join this rank to the default process group over :func:`backend_for` ``(device)`` (unless already joined),
    after selecting ``device`` as the current CUDA device. Returns the backend.

    RSL-RL and rl-games do this themselves only for ``cuda:LOCAL_RANK`` with NCCL: it fails on CPU ranks and with
    one visible GPU per rank (a per-rank ``CUDA_VISIBLE_DEVICES``, SLURM), where the device is ``cuda:0``."""
    import torch
    import torch.distributed as dist

    backend = backend_for(device)
    if backend == "nccl":
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group(backend, rank=rank.rank, world_size=rank.world_size)
    return backend


def shared_value(rank: Rank, key: str, make: Callable[[], str]) -> str:
    """A string made by rank 0 and read by every rank (e.g. the run folder name all ranks log under).

    Goes through the key-value store that torchrun's agent hosts for its workers (the one ``env://``
    rendezvous uses), so it needs no process group: RL libraries that create their own group (rl-games
    with NCCL) still can. Outside torchrun every rank makes its own value.
    """
    if rank.world_size == 1:
        return make()
    if os.getenv("TORCHELASTIC_USE_AGENT_STORE") != "True":
        warnings.warn(f"not under torchrun: every rank chooses its own {key!r}", stacklevel=2)
        return make()
    import torch.distributed as dist

    store = dist.TCPStore(
        os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]), is_master=False, timeout=timedelta(minutes=10)
    )
    store = dist.PrefixStore(f"/dactyl_lab/attempt_{os.getenv('TORCHELASTIC_RESTART_COUNT', '0')}", store)
    if rank.is_main:
        store.set(key, make())
    return store.get(key).decode()


def shared_decision(rank: Rank, key: str, decide: Callable[[], object]) -> object:
    """``decide()`` run on rank 0 only and its JSON-able result (or the exception it raised, re-raised as a
    :class:`SharedDecisionError` on every rank) handed to every rank through :func:`shared_value`.

    For what must agree across ranks and nodes, e.g. the checkpoint to resume from and its completed iteration:
    on another node (another working directory, no or another ``logs/``) a rank would resolve a different one,
    and ranks that disagree hang in their first collective."""

    def on_rank_0() -> str:
        try:
            return json.dumps({"value": decide()})
        except Exception as error:  # noqa: BLE001  (handed to every rank, re-raised there)
            return json.dumps({"error": str(error), "type": type(error).__name__})

    if rank.world_size == 1:
        return decide()
    shared = json.loads(shared_value(rank, key, on_rank_0))
    if "error" in shared:
        raise SharedDecisionError(shared["error"], shared["type"])
    return shared["value"]


class SharedDecisionError(RuntimeError):
    """Rank 0's decision failed; every rank raises this with rank 0's message."""

    def __init__(self, message: str, kind: str):
        super().__init__(message)
        self.kind = kind
