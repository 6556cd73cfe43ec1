"""Every agent config trains with the paper's PPO settings (dactyl_lab.spec.ppo), or its header says why not."""

from pathlib import Path

import pytest
import yaml

from dactyl_lab.agents import rl_games_discrete, rsl_rl_cfg
from dactyl_lab.spec import ppo

AGENTS = Path(rl_games_discrete.__file__).parent


def rl_games_configs() -> dict[str, dict]:
    continuous = {name: yaml.safe_load((AGENTS / f"rl_games_{name}.yaml").read_text()) for name in ("ff", "lstm")}
    return {
        **continuous,
        "ff_discrete": rl_games_discrete.ff_discrete_cfg(),
        "lstm_discrete": rl_games_discrete.lstm_discrete_cfg(),
    }


@pytest.mark.parametrize("variant", ["ff", "lstm", "ff_discrete", "lstm_discrete"])
def test_rl_games_configs_use_the_papers_ppo_settings(variant):
    config = rl_games_configs()[variant]["params"]["config"]
    assert config["gamma"] == ppo.GAMMA and config["tau"] == ppo.GAE_LAMBDA and config["e_clip"] == ppo.CLIP_RATIO
    assert config["entropy_coef"] == ppo.ENTROPY_COEF
    assert float(config["learning_rate"]) == ppo.ADAM_LEARNING_RATE
    assert float(config["central_value_config"]["learning_rate"]) == ppo.ADAM_LEARNING_RATE


@pytest.mark.parametrize("name", ["ff", "lstm"])
def test_each_departure_from_the_paper_is_stated_in_the_yaml_header(name):
    text = (AGENTS / f"rl_games_{name}.yaml").read_text()
    header = "\n".join(line for line in text.splitlines() if line.startswith("#"))
    config = yaml.safe_load(text)["params"]["config"]
    assert config["lr_schedule"] == "adaptive" and "lr_schedule adaptive" in header
    assert "critic_coef" in header and "horizon" in header
    if "seq_length" in config:
        assert "seq_length" in header


@pytest.mark.parametrize(
    "cfg_class",
    [
        rsl_rl_cfg.DactylFFPPORunnerCfg,
        rsl_rl_cfg.DactylLSTMPPORunnerCfg,
        rsl_rl_cfg.DactylFFDiscretePPORunnerCfg,
        rsl_rl_cfg.DactylLSTMDiscretePPORunnerCfg,
    ],
)
def test_rsl_rl_configs_use_the_papers_ppo_settings(cfg_class):
    algorithm = cfg_class().algorithm
    assert (algorithm.gamma, algorithm.lam, algorithm.clip_param) == (ppo.GAMMA, ppo.GAE_LAMBDA, ppo.CLIP_RATIO)
    assert algorithm.entropy_coef == ppo.ENTROPY_COEF and algorithm.learning_rate == ppo.ADAM_LEARNING_RATE
    assert algorithm.schedule == "adaptive" and "adaptive" in rsl_rl_cfg.__doc__
