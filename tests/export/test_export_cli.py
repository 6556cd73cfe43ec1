"""scripts/export.py: every flag documented, clear errors for a missing or mismatched checkpoint."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from dactyl_lab.export.cli import build_parser, main
from dactyl_lab.spec import hand
from dactyl_lab.spec.task import TASK_ID

from tests.helpers.renamed_flags import assert_old_spelling_works, old_spellings
from tests.helpers.scripts import SCRIPTS


def test_help_explains_every_flag():
    parser = build_parser()
    for action in parser._actions:
        assert action.help, f"{action.option_strings} has no help"
    assert dict(old_spellings(parser)).keys() == {"--registry-cfg", "--check-tolerance", "--print-contract"}
    out = subprocess.run(
        [sys.executable, str(SCRIPTS / "export.py"), "--help"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0
    for flag in (
        "--checkpoint",
        "--output",
        "--backend",
        "--variant",
        "--task",
        "--preset",
        "--registry_cfg",
        "--opset",
        "--check_tolerance",
        "--print_contract",
    ):
        assert flag in out.stdout
    for words in ("h_in, c_in", "normalizer", "Gaussian mean", "dynamo=False", "metadata_props", "obs_clip"):
        assert words in out.stdout


@pytest.mark.parametrize("old", ["--registry-cfg", "--check-tolerance", "--print-contract"])
def test_an_old_flag_spelling_still_works_and_names_the_new_flag(old, capsys):
    parser = build_parser()
    target = dict(old_spellings(parser))[old]
    assert_old_spelling_works(parser, ["--checkpoint", "run"], old, target, capsys)


def test_missing_checkpoint_names_problem_and_fix(tmp_path, capsys):
    assert main(["--checkpoint", str(tmp_path / "nope" / "model_3.pt")]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "model_<iteration>.pt" in err and "scripts/train.py" in err
    assert main(["--checkpoint", str(tmp_path)]) == 2  # a folder without checkpoints
    assert "no checkpoint" in capsys.readouterr().err


def test_not_a_checkpoint(tmp_path, capsys):
    (tmp_path / "model_1.pt").write_text("not a checkpoint")
    assert main(["--checkpoint", str(tmp_path / "model_1.pt")]) == 2
    assert "not a readable PyTorch checkpoint" in capsys.readouterr().err


def _shrink_obs(state: dict, keys: list[str], weight_keys: list[str], size: int) -> None:
    for key in keys:
        state[key] = state[key][..., :size].clone()
    for key in weight_keys:
        state[key] = state[key][:, :size].clone()


@pytest.mark.sim
@pytest.mark.slow
@pytest.mark.parametrize("backend", ["rsl_rl", "rl_games"])
def test_checkpoint_of_another_observation_size_is_refused(backend, trained_run, tmp_path, capsys):
    """A checkpoint taking 40 observations (not the task's 46): exit 2, naming both sizes and the fix."""
    run = trained_run(backend, "ff")
    source = next(run.glob("model_*.pt")) if backend == "rsl_rl" else next(run.glob("nn/*.pth"))
    ckpt = torch.load(source, map_location="cpu", weights_only=False)
    if backend == "rsl_rl":
        norm = [f"obs_normalizer.{k}" for k in ("_mean", "_var", "_std")]
        _shrink_obs(ckpt["actor_state_dict"], norm, ["mlp.0.weight"], 40)
        bad = tmp_path / "model_5.pt"
    else:
        prefix = "_orig_mod." if any(k.startswith("_orig_mod.") for k in ckpt["model"]) else ""
        norm = [f"{prefix}running_mean_std.running_{k}" for k in ("mean", "var")]
        _shrink_obs(ckpt["model"], norm, [f"{prefix}a2c_network.actor_mlp.0.weight"], 40)
        (tmp_path / "nn").mkdir()
        bad = tmp_path / "nn" / "other.pth"
    torch.save(ckpt, bad)
    assert main(["--checkpoint", str(bad), "-o", str(tmp_path / "p.onnx")]) == 2
    err = capsys.readouterr().err
    assert "observation size mismatch" in err and "takes 40 observations" in err and "has 46" in err
    assert "scripts/train.py" in err and not (tmp_path / "p.onnx").exists()


@pytest.mark.sim
@pytest.mark.slow
def test_backend_and_variant_are_checked(trained_run, tmp_path, capsys):
    run = trained_run("rsl_rl", "ff")
    assert main(["--checkpoint", str(run), "--backend", "rl_games", "-o", str(tmp_path / "p.onnx")]) == 2
    assert "is an rsl_rl checkpoint but --backend rl_games" in capsys.readouterr().err
    assert main(["--checkpoint", str(run), "--variant", "lstm", "-o", str(tmp_path / "p.onnx")]) == 2
    assert "holds a ff policy but --variant lstm" in capsys.readouterr().err


@pytest.mark.sim
@pytest.mark.slow
def test_registry_configs_give_the_same_contract(export_run, tmp_path, capsys):
    """Without the run's params/*.yaml the registered task and agent configs fill the same contract."""
    from dactyl_lab.contract import read_contract

    exp = export_run("rl_games", "lstm")
    out = tmp_path / "registry.onnx"
    assert main(["--checkpoint", str(exp.run_dir), "--registry_cfg", "-o", str(out)]) == 0
    assert "agent cfg: registry" in capsys.readouterr().out
    assert read_contract(out) == read_contract(exp.onnx_path)


@pytest.mark.sim
def test_registry_settings_follow_presets():
    """Without run params the contract's period comes from the registered cfg with its presets (hz20: 20 Hz)."""
    from dactyl_lab.export.task import registered_env_cfg, task_settings

    default = task_settings(registered_env_cfg(TASK_ID), TASK_ID, "registry")
    assert default.control_period_s == pytest.approx(0.08)
    assert default.action_scale_rad["rh_FFJ3"] == pytest.approx(0.916298, abs=1e-5)  # half of J3's range
    assert default.action_scale_rad["rh_FFJ0"] == pytest.approx(1.570796, abs=1e-5)  # half of a tendon's range
    assert default.action_smoothing_previous_weight == pytest.approx(0.3)
    assert default.success_threshold_rad == pytest.approx(0.4)
    assert default.action_max_target_speed_rad_s == hand.MOTOR_MAX_SPEED_RAD_S
    assert default.policy_terms == ["fingertip_pos", "object_pos", "object_quat", "goal_relative_quat", "last_action"]
    hz20 = task_settings(registered_env_cfg(TASK_ID, ("hz20",)), "x", "registry hz20")
    assert hz20.control_period_s == pytest.approx(3 / 60)
    assert hz20.action_smoothing_previous_weight == pytest.approx(0.3 ** (0.05 / 0.08))  # same smoothing per second


@pytest.mark.sim
def test_a_run_trained_under_an_earlier_action_law_is_refused_with_the_fix():
    """A run whose action term has no smoothing_previous_weight / max_target_speed_rad_s (params/env.yaml of a run
    trained before contract schema 3) learned another law: exporting it must fail and say to retrain."""
    from dactyl_lab.export import ExportError
    from dactyl_lab.export.task import registered_env_cfg, task_settings

    cfg = registered_env_cfg(TASK_ID)
    term = next(t for t in cfg["actions"].values() if isinstance(t, dict) and "scale_rad" in t)
    del term["smoothing_previous_weight"], term["max_target_speed_rad_s"]
    term["smoothing"] = 0.3  # what such a run's env.yaml holds
    with pytest.raises(ExportError, match="earlier action law.*retrain"):
        task_settings(cfg, TASK_ID, "an old run")


@pytest.mark.sim
def test_contract_states_the_noise_and_episode_rules_the_run_trained_with():
    """A noise-free preset's contract says no noise, the randomized one the paper's; the episode rules follow the
    env cfg (a Hydra override of the per-goal timeout or the drop distance shows in the contract)."""
    from dactyl_lab.export.exporter import trained_observation_terms, trained_task
    from dactyl_lab.export.task import registered_env_cfg, task_settings

    default = task_settings(registered_env_cfg(TASK_ID), TASK_ID, "registry")
    assert set(default.observation_noise.values()) == {(0.0, 0.0)}
    noise = {t.name: t.noise for t in trained_observation_terms(default)}
    assert (noise["object_quat"].correlated_std, noise["object_quat"].uncorrelated_std) == (0.0, 0.0)
    assert "rad" in noise["object_quat"].units
    randomized = task_settings(registered_env_cfg(TASK_ID, ("randomized",)), TASK_ID, "registry randomized")
    assert randomized.observation_noise == {
        "fingertip_pos": (0.001, 0.002),
        "object_pos": (0.005, 0.001),
        "object_quat": (0.1, 0.1),
    }
    adr_cfg = registered_env_cfg(TASK_ID, ("adr",))
    assert set(task_settings(adr_cfg, TASK_ID, "adr").observation_noise.values()) == {(0.0, 0.0)}  # ADR starts at 0
    names = ["obs_object_rot_corr_std_rad", "obs_object_rot_uncorr_std_rad", "obs_object_pos_corr_std_m"]
    state = {"names": names, "high": torch.tensor([0.25, 0.125, 0.01], dtype=torch.float64)}
    adr = task_settings(adr_cfg, TASK_ID, "adr", adr_state=state).observation_noise
    assert adr["object_quat"] == (0.25, 0.125) and adr["object_pos"] == (0.01, 0.0)  # ADR's upper bounds
    cfg = registered_env_cfg(TASK_ID)
    cfg["terminations"]["goal_timeout"]["params"]["timeout_s"] = 0.8
    cfg["terminations"]["object_dropped"]["params"]["max_distance_m"] = 0.2
    task = trained_task(task_settings(cfg, TASK_ID, "overridden"))
    assert (task.train_goal_timeout_s, task.drop_distance_m, task.max_consecutive_successes) == (0.8, 0.2, 50)


def test_run_params_yaml_with_python_tags(tmp_path):
    from dactyl_lab.export.task import load_params_yaml

    (tmp_path / "env.yaml").write_text(
        "a: !!python/tuple\n- 1.0\n- 2.0\nids: !!python/object/apply:builtins.slice\n- null\n- null\n- null\nb: 3\n"
    )
    assert load_params_yaml(tmp_path / "env.yaml") == {"a": [1.0, 2.0], "ids": None, "b": 3}
