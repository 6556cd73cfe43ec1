"""scripts/train.py trains the real task on the CPU with every backend and variant, writes checkpoints that
load, and logs what a Dactyl run is judged by to TensorBoard."""

import math

import pytest
import torch

from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

from tests.helpers.scripts import evaluate, run_script

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def test_rsl_rl_feed_forward_trains_two_iterations(ff_run):
    run = next(ff_run.glob("logs/rsl_rl/dactyl_reorient_ff/*/"))
    state = torch.load(run / "model_1.pt", map_location="cpu", weights_only=False)
    assert state["iter"] == 1 and "optimizer_state_dict" in state
    assert any("normalizer" in name for name in state["actor_state_dict"])  # the normalizer resumes too
    tags = set()
    for events in run.glob("events.out.tfevents.*"):
        tags |= set(EventAccumulator(str(events)).Reload().Tags()["scalars"])
    expected = {
        "Episode_Reward/orientation_progress",
        "Episode_Reward/goal_bonus",
        "Episode_Reward/drop_penalty",
        "Metrics/object_pose/consecutive_successes",
        "Metrics/consecutive_successes_max",
        "Train/mean_episode_length",
    }
    assert expected <= tags, sorted(tags)


@pytest.mark.parametrize(
    "backend, variant, pattern",
    [
        ("rsl_rl", "lstm", "logs/rsl_rl/dactyl_reorient_lstm/*/model_1.pt"),
        ("rl_games", "ff", "logs/rl_games/dactyl_reorient_ff/*/nn/*.pth"),
        ("rl_games", "lstm", "logs/rl_games/dactyl_reorient_lstm/*/nn/*.pth"),
        ("rsl_rl", "ff_discrete", "logs/rsl_rl/dactyl_reorient_ff_discrete/*/model_1.pt"),
        ("rsl_rl", "lstm_discrete", "logs/rsl_rl/dactyl_reorient_lstm_discrete/*/model_1.pt"),
        ("rl_games", "ff_discrete", "logs/rl_games/dactyl_reorient_ff_discrete/*/nn/*.pth"),
        ("rl_games", "lstm_discrete", "logs/rl_games/dactyl_reorient_lstm_discrete/*/nn/*.pth"),
    ],
)
def test_other_variants_train_two_iterations(tmp_path, backend, variant, pattern):
    args = ["--backend", backend, "--variant", variant, "--device", "cpu", "--num_envs", "4", "--max_iterations", "2"]
    out = run_script(tmp_path, "train.py", *args, "--seed", "3")
    checkpoints = sorted(tmp_path.glob(pattern))
    assert checkpoints, out.stdout[-2000:]
    state = torch.load(checkpoints[-1], map_location="cpu", weights_only=False)
    if backend == "rsl_rl":
        weights = state["actor_state_dict"]
        assert state["iter"] == 1 and any("rnn" in name for name in weights) == variant.startswith("lstm")
        _assert_logs_the_update_kl(checkpoints[-1].parent)
    else:
        weights = state["model"]
        assert state["epoch"] == 2 and {"model", "optimizer", "assymetric_vf_nets"} <= set(state)
    discrete = variant.endswith("_discrete")
    assert ("distribution.bin_centres" in weights or "a2c_network.logits.0.weight" in weights) == discrete
    if discrete:  # the checkpoint loads into the library's model (strict) and acts with bin centres
        _assert_loads_and_acts_with_bin_centres(checkpoints[-1], backend, variant)
    if (backend, variant) == ("rl_games", "ff"):  # resuming continues the epochs in the same run folder
        out = run_script(tmp_path, "train.py", *args[:-1], "3", "--resume")
        (resumed,) = set(tmp_path.glob(pattern)) - set(checkpoints)
        assert torch.load(resumed, map_location="cpu", weights_only=False)["epoch"] == 3, out.stdout[-2000:]
        # and scripts/evaluate.py plays an rl-games checkpoint with the deterministic player
        _, evaluation = evaluate(tmp_path, resumed, tmp_path / "eval", "--backend", "rl_games")
        assert evaluation["summary"]["num_trials"] == 2
    if (backend, variant) == ("rl_games", "lstm_discrete"):  # evaluate.py maps the player's bins to actions
        _, evaluation = evaluate(
            tmp_path, checkpoints[-1], tmp_path / "eval", "--backend", backend, "--variant", variant
        )
        assert evaluation["summary"]["num_trials"] == 2


def _assert_logs_the_update_kl(run):
    """RSL-RL runs log each update's KL (dactyl_lab.agents.rsl_rl_ppo.KLReportingPPO), for every variant's head."""
    from dactyl_lab.training import report

    steps, values = report.load_scalars(run, report.load_params(run)).series["Loss/kl"]
    assert list(steps) == [0, 1] and all(math.isfinite(v) and v > 0 for v in values), values


def _assert_loads_and_acts_with_bin_centres(checkpoint, backend: str, variant: str):
    """Rebuild the policy from the run's params/agent.yaml with the library (RSL-RL: resolve_class + strict
    load_state_dict; rl-games: PpoPlayerDiscrete.restore) and check its deterministic actions are bin centres."""
    from dactyl_lab.agents.discrete import bin_centres
    from dactyl_lab.export.exporter import load_policy

    policy = load_policy(checkpoint)
    assert (policy.backend, policy.checkpoint.variant, policy.discrete) == (backend, variant, True)
    actions, _ = policy.reference(torch.randn(64, policy.obs_dim, generator=torch.Generator().manual_seed(0)))
    assert actions.shape == (64, 20)
    assert torch.isin(actions, bin_centres()).all() and actions.unique().numel() > 1


def test_adr_preset_checkpoints_and_logs_adr(tmp_path):
    run_script(tmp_path, "train.py", "--device", "cpu", "--num_envs", "4", "--max_iterations", "1", "presets=adr")
    (run,) = tmp_path.glob("logs/rsl_rl/dactyl_reorient_ff/*/")
    state = torch.load(run / "model_0.pt", map_location="cpu", weights_only=False)
    assert {"low", "high", "queue"} <= set(state["adr_state"])  # resuming restores the ADR bounds and queues
    (events,) = run.glob("events.out.tfevents.*")
    tags = set(EventAccumulator(str(events)).Reload().Tags()["scalars"])
    assert "ADR/entropy_npd" in tags and any(t.startswith("ADR/") and t.endswith("/high") for t in tags), sorted(tags)
    _assert_report_has_adr_panels(run, tmp_path)


def _assert_report_has_adr_panels(run, tmp_path):
    """The run's report (written by train.py) has the ADR rows: the entropy and every bound."""
    from PIL import Image

    from dactyl_lab.training import report

    assert (run / "report.png").is_file()
    params = report.load_params(run)
    scalars = report.load_scalars(run, params)
    bounds = {t for t in scalars.series if report.ADR_BOUND_RE.match(t)}
    assert len(bounds) >= 2 * 5  # low and high of every ADR parameter
    without = report.plot_report(scalars, params, tmp_path / "no_adr.png", "run", include_adr=False)
    with Image.open(run / "report.png") as full, Image.open(without) as plain:
        assert full.size[0] == plain.size[0] and full.size[1] > plain.size[1] * 1.5  # the ADR rows
