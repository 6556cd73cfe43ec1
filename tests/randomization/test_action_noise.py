"""Action noise: per-motor stds as fractions of the range, correlated vs uncorrelated vs multiplicative."""

import pytest
import torch

from dactyl_lab.tasks.randomization import ActionNoise, ActionNoiseCfg, make_generator

LOW = torch.tensor([-1.0, 0.0, -0.2])
HIGH = torch.tensor([1.0, 3.0, 0.2])  # ranges 2, 3, 0.4
RANGE = HIGH - LOW


def make(n, seed=0, **kw):
    cfg = ActionNoiseCfg(clip=False, **kw)
    noise = ActionNoise(cfg, n, LOW, HIGH, "cpu", make_generator(seed))
    noise.reset()
    return noise


def test_paper_defaults():
    c = ActionNoiseCfg()
    assert (c.uncorrelated_frac, c.correlated_frac, c.multiplicative_frac) == (0.05, 0.015, 0.015)


def test_uncorrelated_std_is_5_percent_of_each_range_and_changes_every_step():
    n = 6000
    noise = make(n, correlated_frac=0.0, multiplicative_frac=0.0)
    a = torch.zeros(n, 3)
    d1, d2 = noise(a), noise(a)
    assert not torch.allclose(d1, d2)
    assert torch.allclose(d1.std(0) / RANGE, torch.full((3,), 0.05), rtol=0.04)


def test_correlated_constant_within_episode_std_1_5_percent():
    n = 6000
    noise = make(n, 1, uncorrelated_frac=0.0, multiplicative_frac=0.0)
    a = torch.rand(n, 3)
    d1, d2 = noise(a) - a, noise(a + 0.5) - (a + 0.5)
    assert torch.allclose(d1, d2, atol=1e-6)
    assert torch.allclose(d1.std(0) / RANGE, torch.full((3,), 0.015), rtol=0.04)
    noise.reset(torch.tensor([0]))
    d3 = noise(a) - a
    assert not torch.allclose(d3[0], d1[0]) and torch.allclose(d3[1:], d1[1:], atol=1e-6)


def test_multiplicative_factor_is_drawn_every_step_std_1_5_percent():
    """Table 8: the multiplicative noise is uncorrelated, a fresh factor (1 + m) on every step."""
    n = 6000
    noise = make(n, 2, uncorrelated_frac=0.0, correlated_frac=0.0)
    a = torch.full((n, 3), 2.0)
    r1, r2 = noise(a) / a, noise(a) / a
    assert not torch.allclose(r1, r2)
    for r in (r1, r2):
        assert float(r.mean()) == pytest.approx(1.0, abs=0.002)
        assert float(r.std()) == pytest.approx(0.015, rel=0.04)
    # independent from step to step: the two factors are uncorrelated
    assert abs(float(torch.corrcoef(torch.stack(((r1 - 1).flatten(), (r2 - 1).flatten())))[0, 1])) < 0.03
    noise.mult_std[:] = 0.1  # a settable per-env magnitude (what ADR drives)
    assert float((noise(a) / a).std()) == pytest.approx(0.1, rel=0.04)


def test_clip_disabled_and_subset():
    noise = ActionNoise(ActionNoiseCfg(uncorrelated_frac=5.0), 64, LOW, HIGH, "cpu", make_generator(3))
    noise.reset()
    out = noise(torch.zeros(64, 3))
    assert bool((out >= LOW).all() and (out <= HIGH).all()) and bool((out == HIGH).any())
    sub = noise(torch.zeros(2, 3), env_ids=torch.tensor([5, 7]))
    assert sub.shape == (2, 3)
    off = ActionNoise(ActionNoiseCfg(enabled=False), 4, LOW, HIGH)
    off.reset()
    a = torch.rand(4, 3)
    assert torch.equal(off(a), a)
