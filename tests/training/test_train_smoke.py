"""scripts/train.py trains the real task on the CPU and writes a checkpoint that loads."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch

pytestmark = [pytest.mark.sim, pytest.mark.slow]
SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


def test_rsl_rl_feed_forward_trains_one_iteration(tmp_path):
    out = subprocess.run(
        [sys.executable, str(SCRIPTS / "train.py"), "--device", "cpu", "--num_envs", "8", "--max_iterations", "1", "--seed", "2"],
        cwd=tmp_path, capture_output=True, text=True, timeout=900,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    checkpoints = sorted(tmp_path.glob("logs/rsl_rl/dactyl_reorient_ff/*/model_*.pt"))
    assert checkpoints, out.stdout[-2000:]
    state = torch.load(checkpoints[-1], map_location="cpu", weights_only=False)
    assert "optimizer_state_dict" in state and state["iter"] >= 0
    assert list(tmp_path.glob("logs/rsl_rl/dactyl_reorient_ff/*/events.out.tfevents.*"))
