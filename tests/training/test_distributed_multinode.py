"""Two torchrun agents on one machine as two "nodes" (--nnodes 2 --nproc_per_node 1, c10d rendezvous on
127.0.0.1, gloo): each node runs in its own working directory (its own ./logs, as on a cluster without a shared
log folder), trains, ends with the same weights, and a --resume continues the same iteration on both: rank 0
resolves the checkpoint and its completed iteration and hands them to the other node."""

import re

import pytest
import torch

from tests.helpers.scripts import train_on_two_nodes

pytestmark = [pytest.mark.sim, pytest.mark.slow]
UPDATES_PER_ITERATION = 4 * 4


def two_nodes(tmp_path, weights, *train_args: str) -> list[str]:
    """Run scripts/train.py on two single-rank torchrun agents; returns each node's output."""
    return train_on_two_nodes(tmp_path, weights, *train_args)


def assert_identical(weights, iterations: int) -> None:
    rank0, rank1 = (torch.load(weights / f"rank_{r}.pt", weights_only=False) for r in (0, 1))
    for part in ("actor_state_dict", "critic_state_dict"):
        for name, tensor in rank0[part].items():
            assert torch.equal(tensor, rank1[part][name]), f"{part}.{name} differs between the nodes"
    for rank in (rank0, rank1):
        assert int(rank["optimizer_state_dict"]["state"][0]["step"]) == iterations * UPDATES_PER_ITERATION


def test_two_nodes_train_identically_and_resume_the_same_iteration(tmp_path):
    weights = tmp_path / "rank_weights"
    two_nodes(tmp_path, weights, "--max_iterations", "2", "--seed", "1")
    assert_identical(weights, 2)
    # only node 0's working directory holds the run: node 1 resolves nothing by itself
    assert list((tmp_path / "node0").glob("logs/rsl_rl/dactyl_reorient_ff/*/model_1.pt"))
    assert not list((tmp_path / "node1").glob("logs/rsl_rl/*/*/model_*.pt"))

    outputs = two_nodes(tmp_path, weights, "--resume", "--max_iterations", "3", "--seed", "1")
    resumed = [re.findall(r"Resuming (\S+): iteration (\d+) of 3", out) for out in outputs]
    assert resumed[0] and resumed[0] == resumed[1], resumed  # the same checkpoint and iteration on both nodes
    assert resumed[0][0][1] == "2"
    assert_identical(weights, 3)
