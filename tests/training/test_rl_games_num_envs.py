"""rl-games' minibatch follows the run's env count however it is given (issue 19, item 10): ``--num_envs`` or a
Hydra ``env.scene.num_envs=N`` passed through scripts/train.py (the yamls' 1,024 needs a multiple of 64 envs)."""

import pytest
import yaml

from dactyl_lab.training import cli_args

from tests.helpers.scripts import run_script


def test_a_hydra_env_count_sizes_the_minibatch():
    overrides = cli_args.rl_games_minibatch_overrides(None, passthrough=["presets=adr", "env.scene.num_envs=100"])
    assert overrides == [
        "agent.params.config.minibatch_size=400",
        "agent.params.config.central_value_config.minibatch_size=400",
    ]  # 100 envs x 16 steps = 1,600 samples: 4 minibatches of 400 (1,024 would not divide them)
    assert cli_args.resolved_num_envs(None, ["++env.scene.num_envs=8", "env.scene.num_envs=12"]) == 12  # last wins
    assert cli_args.resolved_num_envs(32, ["env.scene.num_envs=12"]) == 32  # Isaac Lab applies --num_envs last
    assert cli_args.resolved_num_envs(None, ["env.scene.env_spacing=2.0"]) is None
    assert cli_args.rl_games_minibatch_overrides(None, passthrough=[]) == []  # the task's 1,024 envs: the yaml's


def test_a_minibatch_the_user_set_is_kept():
    overrides = cli_args.rl_games_minibatch_overrides(
        None, passthrough=["env.scene.num_envs=100", "agent.params.config.minibatch_size=800"]
    )
    assert overrides == ["agent.params.config.central_value_config.minibatch_size=400"]


@pytest.mark.sim
@pytest.mark.slow
def test_rl_games_trains_with_the_env_count_given_through_hydra(tmp_path):
    args = ["--backend", "rl_games", "--device", "cpu", "--max_iterations", "1", "--seed", "4", "env.scene.num_envs=4"]
    run_script(tmp_path, "train.py", *args)
    (run,) = tmp_path.glob("logs/rl_games/dactyl_reorient_ff/*/")
    config = yaml.unsafe_load((run / "params" / "agent.yaml").read_text())["params"]["config"]
    assert config["minibatch_size"] == 4 * cli_args.RL_GAMES_HORIZON // 4
    assert list((run / "nn").glob("*.pth"))  # it trained and saved
