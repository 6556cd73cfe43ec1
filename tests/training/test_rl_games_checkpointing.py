"""rl-games runs get what RSL-RL runs have: SIGTERM saves after the current epoch, checkpoints carry the ADR
state and are written atomically, a rolling nn/last.pth after every epoch, and --resume continues from them."""

import pytest
import torch

from dactyl_lab.training import checkpoints

from tests.helpers.scripts import run_script, train_until_sigterm
from tests.training.kill_resume import ADR_FAST, adr_versions

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def test_rl_games_sigterm_saves_with_adr_state_and_resume_continues(tmp_path):
    args = ["--backend", "rl_games", "--device", "cpu", "--num_envs", "4", "--seed", "4", "presets=adr", *ADR_FAST]
    code, log = train_until_sigterm(tmp_path, *args, "--max_iterations", "50", after="epoch: 2/50")
    assert code == 0 and "Stop requested: ending after epoch" in log, log[-3000:]

    (run,) = tmp_path.glob("logs/rl_games/dactyl_reorient_ff/*/")
    (stopped,) = run.glob("nn/last_*_rew_stop.pth")
    state = checkpoints.read_checkpoint(stopped, "rl_games")
    epoch = state["epoch"]
    assert 2 <= epoch < 50 and {"low", "high", "queue", "version"} <= set(state["adr_state"])
    assert adr_versions(state) > 0  # ADR moved before the stop, so "resume restores it" can fail
    rolling = checkpoints.read_checkpoint(run / "nn" / "last.pth", "rl_games")
    assert rolling["epoch"] == epoch and "adr_state" in rolling  # the rolling checkpoint is the stopped epoch too
    assert not list(run.glob("nn/.*tmp*"))
    found = checkpoints.resolve_checkpoint(run)
    assert found.iterations == epoch

    out = run_script(tmp_path, "train.py", *args, "--resume", "--max_iterations", str(epoch + 1))
    assert f"iteration {epoch} of {epoch + 1}" in out.stdout  # train.py's resume line
    final = checkpoints.resolve_checkpoint(run)
    assert final.iterations == epoch + 1, out.stdout[-2000:]
    assert adr_versions(final.state) >= adr_versions(state)  # ADR went on from the checkpoint, not from scratch
    low, saved_low = torch.as_tensor(final.state["adr_state"]["low"]), torch.as_tensor(state["adr_state"]["low"])
    assert bool((low <= saved_low).all())  # ADR_FAST only widens: a restart from the initial bounds would not be
