"""rl-games on two CPU ranks (torchrun, gloo) through DactylA2CAgent (registered in rl-games' algo factory):
both ranks end with identical weights and identical observation / value normalizers (the model's and the central
value's), and rank 0's checkpoint holds them."""

import subprocess
import sys

import pytest
import torch

from tests.helpers.scripts import SCRIPTS, script_env

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def test_two_gloo_ranks_train_rl_games_and_end_identical(tmp_path):
    weights = tmp_path / "rank_weights"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            str(SCRIPTS / "train.py"),
            "--backend",
            "rl_games",
            "--distributed",
            "--device",
            "cpu",
            "--num_envs",
            "4",
            "--max_iterations",
            "2",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1500,
        env=script_env(DACTYL_LAB_RANK_WEIGHTS_DIR=str(weights)),
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    rank0, rank1 = (torch.load(weights / f"rank_{r}.pt", weights_only=False) for r in (0, 1))
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
