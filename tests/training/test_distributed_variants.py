"""Every policy variant of both libraries on two gloo ranks, as two torchrun "nodes" (two single-rank agents, c10d
rendezvous on 127.0.0.1, one working directory each): training runs, and both ranks end with identical weights and
identical observation / value normalizers. (The ``ff`` variants also run on two ranks of one torchrun:
test_distributed_and_resume.py, test_distributed_rl_games.py, and as two nodes with a resume:
test_distributed_multinode.py.)

Before the rl-games agents shared one multi-rank mixin, the discrete variants ran rl-games' own
``DiscreteA2CAgent``: on CPU ranks it died with "ProcessGroupNCCL is only supported with GPUs", and on GPUs its
normalizers were never averaged and its adaptive learning rate drifted per rank."""

import pytest
import torch

from tests.helpers.scripts import train_on_two_nodes

pytestmark = [pytest.mark.sim, pytest.mark.slow]

VARIANTS = [
    ("rsl_rl", "lstm"),
    ("rsl_rl", "ff_discrete"),
    ("rsl_rl", "lstm_discrete"),
    ("rl_games", "lstm"),
    ("rl_games", "ff_discrete"),
    ("rl_games", "lstm_discrete"),
]
PARTS = {"rsl_rl": ("actor_state_dict", "critic_state_dict"), "rl_games": ("model", "central_value")}
"""The networks (with their normalizers) each library's final weights hold."""
NORMALIZER_KEYS = {"rsl_rl": "obs_normalizer._mean", "rl_games": "running_mean_std.running_mean"}
"""Key suffix of an observation normalizer's mean in each library's state dicts."""


@pytest.mark.parametrize(("backend", "variant"), VARIANTS, ids=[f"{b}-{v}" for b, v in VARIANTS])
def test_variant_trains_on_two_gloo_ranks_and_ends_identical(tmp_path, backend, variant):
    weights = tmp_path / "rank_weights"
    args = ("--backend", backend, "--variant", variant, "--max_iterations", "2", "--seed", "3")
    train_on_two_nodes(tmp_path, weights, *args)
    rank0, rank1 = (torch.load(weights / f"rank_{r}.pt", weights_only=False) for r in (0, 1))
    means = []
    for part in PARTS[backend]:
        for name, tensor in rank0[part].items():
            assert torch.equal(tensor, rank1[part][name]), f"{part}.{name} differs between the ranks"
            if name.endswith(NORMALIZER_KEYS[backend]):
                means.append(tensor)
    assert len(means) >= 2, "no observation normalizers of both networks found"
    assert all(bool(mean.abs().sum() > 0) for mean in means)  # the ranks saw data: the statistics moved
    # rank 0 alone wrote the run (node 0's working directory)
    assert list((tmp_path / "node0").glob(f"logs/{backend}/*/*/"))
    assert not [p for p in (tmp_path / "node1").rglob("*.pt*") if p.suffix in (".pt", ".pth")]
