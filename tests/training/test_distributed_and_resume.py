"""Multi-process training on the CPU (gloo, under torchrun) and resuming a stopped run."""

import re

import pytest
import torch

from tests.helpers.scripts import run_script, train_on_two_ranks, train_until_sigterm

pytestmark = [pytest.mark.sim, pytest.mark.slow]
UPDATES_PER_ITERATION = 4 * 4  # num_learning_epochs x num_mini_batches of the RSL-RL configs


def adam_steps(state: dict) -> int:
    return int(state["optimizer_state_dict"]["state"][0]["step"])


def test_two_gloo_ranks_train_and_end_identical(tmp_path):
    rank0, rank1 = train_on_two_ranks(tmp_path, "--max_iterations", "2", timeout=1200)
    for part in ("actor_state_dict", "critic_state_dict"):
        for name, tensor in rank0[part].items():
            assert torch.equal(tensor, rank1[part][name]), f"{part}.{name} differs between the ranks"
    assert adam_steps(rank0) == adam_steps(rank1) == 2 * UPDATES_PER_ITERATION

    # one run folder: rank 0 wrote the checkpoints and TensorBoard events, rank 1 only its settings
    (run,) = tmp_path.glob("logs/rsl_rl/dactyl_reorient_ff/*/")
    checkpoint = torch.load(run / "model_1.pt", weights_only=False)
    assert all(torch.equal(t, rank1["actor_state_dict"][n]) for n, t in checkpoint["actor_state_dict"].items())
    assert list(run.glob("events.out.tfevents.*"))
    assert not list((run / "rank_1").glob("model_*.pt")) and not list((run / "rank_1").glob("events.*"))
    seeds = [re.search(r"^seed: (\d+)$", (d / "params" / "env.yaml").read_text(), re.M) for d in (run, run / "rank_1")]
    seeds = [match.group(1) for match in seeds]
    assert seeds[0] != seeds[1]  # the ranks simulate different episodes


def test_sigterm_saves_and_resume_continues_iterations_and_optimizer(tmp_path):
    args = ["--device", "cpu", "--num_envs", "4", "--seed", "5"]
    code, log = train_until_sigterm(tmp_path, *args, "--max_iterations", "50", after="Learning iteration 1/50")
    assert code == 0 and "Stop requested" in log, log[-3000:]

    (run,) = tmp_path.glob("logs/rsl_rl/dactyl_reorient_ff/*/")
    assert (run / "report.png").is_file() and (run / "report.html").is_file()  # the report is written on a stop too
    stopped = max(int(p.stem.split("_")[1]) for p in run.glob("model_*.pt") if p.stem.split("_")[1].isdigit())
    assert 1 <= stopped < 49
    saved = torch.load(run / f"model_{stopped}.pt", weights_only=False)
    assert adam_steps(saved) == (stopped + 1) * UPDATES_PER_ITERATION

    total = stopped + 3  # the run's total: two more iterations
    out = run_script(tmp_path, "train.py", *args, "--resume", "--max_iterations", str(total))
    assert f"Learning iteration {stopped + 1}/{total}" in out.stdout
    assert f"Learning iteration {stopped}/" not in out.stdout  # the saved iteration is not run again
    final = torch.load(run / f"model_{total - 1}.pt", weights_only=False)
    assert final["iter"] == total - 1
    assert adam_steps(final) == total * UPDATES_PER_ITERATION  # the optimizer state went on, not restarted
    assert len(list(run.glob("events.out.tfevents.*"))) == 2  # TensorBoard continues in the same run folder
