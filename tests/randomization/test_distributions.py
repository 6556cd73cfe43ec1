"""Sampling helpers: ranges, distribution shape (KS tests, fixed seeds), reproducibility."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from dactyl_lab.tasks.randomization import distributions as D

N = 20000


def gen(seed=0):
    return D.make_generator(seed, "cpu")


def test_uniform_in_range_and_uniform():
    x = D.sample_uniform(0.7, 1.3, (N,), "cpu", gen()).numpy()
    assert x.min() >= 0.7 and x.max() < 1.3
    assert stats.kstest(x, stats.uniform(loc=0.7, scale=0.6).cdf).pvalue > 1e-3
    # a shifted reference must be rejected: the test has power
    assert stats.kstest(x, stats.uniform(loc=0.75, scale=0.6).cdf).pvalue < 1e-6


def test_log_uniform_in_range_and_uniform_in_log():
    x = D.sample_log_uniform(0.3, 3.0, (N,), "cpu", gen(1)).numpy()
    assert x.min() >= 0.3 - 1e-6 and x.max() <= 3.0 + 1e-6
    lx = np.log(x)
    assert stats.kstest(lx, stats.uniform(loc=math.log(0.3), scale=math.log(10.0)).cdf).pvalue > 1e-3
    # not uniform in linear space
    assert stats.kstest(x, stats.uniform(loc=0.3, scale=2.7).cdf).pvalue < 1e-6


def test_gaussian_moments_and_ks():
    x = D.sample_gaussian(0.0, 0.15, (N,), "cpu", gen(2)).numpy()
    assert abs(x.mean()) < 4 * 0.15 / math.sqrt(N)
    assert abs(x.std() / 0.15 - 1) < 0.03
    assert stats.kstest(x, stats.norm(0, 0.15).cdf).pvalue > 1e-3


def test_gaussian_additive():
    base = torch.full((N,), 9.81)
    y = D.add_gaussian_noise(base, 0.4, gen(3)) - base
    assert abs(float(y.std()) / 0.4 - 1) < 0.03


def test_per_env_tensor_bounds():
    low = torch.tensor([[0.0], [10.0], [100.0]])
    high = low + 1.0
    x = D.sample_uniform(low, high, (3, 1000), "cpu", gen(4))
    assert bool(((x >= low) & (x < high)).all())


def test_exponential_and_bernoulli():
    e = D.sample_exponential(2000.0, (N,), "cpu", gen(5)).numpy()
    assert stats.kstest(e, stats.expon(scale=1 / 2000.0).cdf).pvalue > 1e-3
    b = D.sample_bernoulli(0.2, (N,), "cpu", gen(6)).float().mean().item()
    assert abs(b - 0.2) < 4 * math.sqrt(0.2 * 0.8 / N)


def test_unit_vectors():
    v = D.sample_unit_vectors((N,), "cpu", gen(7))
    assert torch.allclose(v.norm(dim=-1), torch.ones(N), atol=1e-5)
    # uniform on the sphere: each coordinate is U[-1, 1]
    assert stats.kstest(v[:, 2].numpy(), stats.uniform(loc=-1, scale=2).cdf).pvalue > 1e-3


def test_reproducible_with_generator_and_global_rng():
    a = D.sample_uniform(0, 1, (100,), "cpu", gen(42))
    b = D.sample_uniform(0, 1, (100,), "cpu", gen(42))
    c = D.sample_uniform(0, 1, (100,), "cpu", gen(43))
    assert torch.equal(a, b) and not torch.equal(a, c)
    torch.manual_seed(5)
    g1 = D.sample_gaussian(0, 1, (100,), "cpu")
    torch.manual_seed(5)
    g2 = D.sample_gaussian(0, 1, (100,), "cpu")
    assert torch.equal(g1, g2)


def test_sample_cfg_dispatch_and_errors():
    c = D.sample(D.DistributionCfg(distribution="constant", params=(0.25,)), (4, 2), "cpu")
    assert torch.all(c == 0.25)
    x = D.sample(D.DistributionCfg(distribution="log_uniform", params=(0.75, 1.5)), (N,), "cpu", gen(8))
    assert float(x.min()) >= 0.75 - 1e-6 and float(x.max()) <= 1.5 + 1e-6
    with pytest.raises(ValueError):
        D.sample(D.DistributionCfg(distribution="log_uniform", params=(0.0, 1.0)), (3,), "cpu")


def test_resolve_env_ids():
    assert D.resolve_env_ids(None, 4, "cpu").tolist() == [0, 1, 2, 3]
    assert D.resolve_env_ids(slice(1, 3), 4, "cpu").tolist() == [1, 2]
    assert D.resolve_env_ids([3, 0], 4, "cpu").tolist() == [3, 0]
    assert D.resolve_env_ids(torch.tensor([False, True, False, True]), 4, "cpu").tolist() == [1, 3]


def test_per_step_probability():
    assert D.per_step_probability(0.2, 0.08) == pytest.approx(1 - math.exp(-0.016))
