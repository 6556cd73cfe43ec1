"""Which device each rank takes (pure functions: checkable without GPUs)."""

import pytest

from dactyl_lab.training.distributed import Rank, cuda_device, device_for


def test_ranks_of_a_node_take_their_own_gpu():
    assert [cuda_device(r, 8) for r in range(8)] == [f"cuda:{r}" for r in range(8)]


def test_one_visible_gpu_per_rank_is_cuda_0():
    assert [cuda_device(r, 1) for r in range(4)] == ["cuda:0"] * 4  # per-rank CUDA_VISIBLE_DEVICES (SLURM)


def test_more_ranks_than_gpus_names_the_fix():
    with pytest.raises(RuntimeError, match="nproc_per_node"):
        cuda_device(3, 2)


def test_cpu_when_asked_or_without_cuda():
    import torch

    assert device_for(Rank(1, 1, 2), "cpu") == "cpu"
    if not torch.cuda.is_available():
        assert device_for(Rank(1, 1, 2), "cuda") == "cpu"
