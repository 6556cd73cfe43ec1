"""rl-games on two CPU ranks (torchrun, gloo) through DactylA2CAgent (registered in rl-games' algo factory):
both ranks end with identical weights and identical observation / value normalizers (the model's and the central
value's), and rank 0's checkpoint holds them."""

import pytest
import torch

from tests.helpers.scripts import train_on_two_ranks

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def test_two_gloo_ranks_train_rl_games_and_end_identical(tmp_path):
    rank0, rank1 = train_on_two_ranks(tmp_path, "--backend", "rl_games", "--max_iterations", "2", timeout=1500)
    assert set(rank0) == {"model", "central_value"}
    normalizers = 0
    for part in rank0:
        for name, tensor in rank0[part].items():
            assert torch.equal(tensor, rank1[part][name]), f"{part}.{name} differs between the ranks"
            normalizers += name.endswith("running_mean")
    assert normalizers >= 3  # obs and value normalizers of the model, the central value's obs normalizer
    # the ranks really saw different data: their normalizers moved away from the initial statistics
    assert not torch.equal(
        rank0["model"]["running_mean_std.running_mean"],
        torch.zeros_like(rank0["model"]["running_mean_std.running_mean"]),
    )
    checkpoint = max(tmp_path.glob("logs/rl_games/dactyl_reorient_ff/*/nn/*.pth"), key=lambda p: p.stat().st_mtime)
    saved = torch.load(checkpoint, weights_only=False)
    torch.testing.assert_close(
        saved["model"]["running_mean_std.running_mean"], rank1["model"]["running_mean_std.running_mean"], rtol=0, atol=0
    )
    assert not list(tmp_path.glob("logs/rl_games/dactyl_reorient_ff/*/rank_1/nn/*.pth"))  # rank 0 alone saves
