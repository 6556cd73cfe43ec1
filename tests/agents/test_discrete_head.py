"""The paper's discrete head (20 x 11-bin categorical): the RSL-RL distribution against torch.distributions.Categorical,
the deterministic action (centre of the argmax bin), and the rl-games discrete configs. The rl-games env wrapper is
tested on the real env in tests/export/test_export_parity.py."""

import math

import pytest
import torch
from torch.distributions import Categorical, kl_divergence

from dactyl_lab.agents.discrete import NUM_BINS, BinnedCategoricalDistribution, bin_centres, centres_to_bins

ACTIONS = 20


@pytest.fixture
def logits():
    return torch.randn(64, ACTIONS, NUM_BINS, generator=torch.Generator().manual_seed(0)) * 2.0


@pytest.fixture
def head(logits):
    distribution = BinnedCategoricalDistribution(ACTIONS)
    distribution.update(logits)
    return distribution


def test_bin_centres_are_eleven_equal_bins_over_minus_one_to_one():
    centres = bin_centres()
    assert centres.shape == (11,) and centres.dtype == torch.float32
    assert centres[0] == -1.0 and centres[5] == 0.0 and centres[-1] == 1.0
    assert torch.allclose(centres.diff(), torch.full((10,), 0.2))
    assert torch.equal(centres_to_bins(centres), torch.arange(11))
    assert centres_to_bins(torch.tensor([-3.0, 0.09, 0.11, 7.0])).tolist() == [0, 5, 6, 10]
    with pytest.raises(ValueError, match="at least 2"):
        bin_centres(1)


def test_mlp_output_shape_is_actions_by_bins():
    assert BinnedCategoricalDistribution(ACTIONS).input_dim == [ACTIONS, NUM_BINS]
    assert BinnedCategoricalDistribution(3, num_bins=5).input_dim == [3, 5]


def test_log_prob_entropy_kl_match_torch_categorical(head, logits):
    reference = Categorical(logits=logits)  # batch shape (64, 20)
    bins = reference.sample()
    actions = bin_centres()[bins]
    assert torch.allclose(head.log_prob(actions), reference.log_prob(bins).sum(-1), atol=1e-5)
    assert torch.allclose(head.entropy, reference.entropy().sum(-1), atol=1e-5)
    # uniform logits: 20 ln 11 nats
    uniform = BinnedCategoricalDistribution(ACTIONS)
    uniform.update(torch.zeros(2, ACTIONS, NUM_BINS))
    assert torch.allclose(uniform.entropy, torch.full((2,), ACTIONS * math.log(NUM_BINS)))
    other = logits.flip(0)
    expected_kl = kl_divergence(reference, Categorical(logits=other)).sum(-1)
    assert torch.allclose(head.kl_divergence((logits,), (other,)), expected_kl, atol=1e-5)
    assert torch.allclose(head.kl_divergence((logits,), (logits,)), torch.zeros(64), atol=1e-6)
    assert head.params[0] is logits


def test_mean_and_std_are_those_of_the_bin_centres(head, logits):
    probs = torch.softmax(logits, -1)
    mean = (probs * bin_centres()).sum(-1)
    var = (probs * (bin_centres() - mean.unsqueeze(-1)) ** 2).sum(-1)
    assert torch.allclose(head.mean, mean, atol=1e-6) and torch.allclose(head.std, var.sqrt(), atol=1e-5)


def test_samples_are_bin_centres_with_the_categorical_frequencies():
    torch.manual_seed(0)
    probs = torch.tensor([0.5, 0.3, 0.2] + [0.0] * 8)
    distribution = BinnedCategoricalDistribution(ACTIONS)
    distribution.update(probs.log().expand(4000, ACTIONS, NUM_BINS))
    samples = distribution.sample()
    assert samples.shape == (4000, ACTIONS)
    assert set(samples.unique().tolist()) <= set(bin_centres()[:3].tolist())  # never a zero-probability bin
    counts = torch.bincount(centres_to_bins(samples).flatten(), minlength=NUM_BINS).double() / samples.numel()
    assert torch.allclose(counts[:3], probs[:3].double(), atol=0.01), counts  # 80 000 draws: std ~0.002


def test_deterministic_output_is_the_argmax_bin_centre(head, logits):
    expected = bin_centres()[logits.argmax(-1)]
    assert torch.equal(head.deterministic_output(logits), expected)
    assert torch.equal(head.as_deterministic_output_module()(logits), expected)
    one_hot = torch.full((1, ACTIONS, NUM_BINS), -5.0)
    one_hot[0, torch.arange(ACTIONS), torch.arange(ACTIONS) % NUM_BINS] = 5.0
    assert torch.equal(head.deterministic_output(one_hot)[0], bin_centres()[torch.arange(ACTIONS) % NUM_BINS])


def test_rl_games_discrete_configs_keep_the_continuous_networks():
    pytest.importorskip("rl_games")
    from rl_games.common import env_configurations

    from dactyl_lab.agents import rl_games_discrete as rgd

    for make, yaml_name in ((rgd.ff_discrete_cfg, "rl_games_ff.yaml"), (rgd.lstm_discrete_cfg, "rl_games_lstm.yaml")):
        cfg, continuous = make()["params"], rgd._load_yaml(yaml_name)["params"]
        assert cfg["algo"]["name"] == "a2c_discrete" and cfg["model"]["name"] == "multi_discrete_a2c"
        assert cfg["network"]["space"] == {"multi_discrete": {}}
        assert cfg["config"]["env_name"] == rgd.BINNED_ENV_NAME and cfg["config"]["name"].endswith("_discrete")
        assert "bounds_loss_coef" not in cfg["config"]
        for key in ("mlp", "rnn"):
            assert cfg["network"].get(key) == continuous["network"].get(key)
        assert cfg["config"]["central_value_config"] == continuous["config"]["central_value_config"]
    assert env_configurations.configurations[rgd.BINNED_ENV_NAME]["vecenv_type"] == "IsaacRlgWrapper"
