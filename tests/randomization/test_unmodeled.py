"""Unmodeled effects: action delay, backlash, random object forces, timing jitter."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from dactyl_lab.tasks.randomization import (
    ActionDelay,
    ActionDelayCfg,
    Backlash,
    BacklashCfg,
    DistributionCfg,
    RandomForceCfg,
    RandomObjectForce,
    TimingJitter,
    TimingJitterCfg,
    make_generator,
)


def test_delay_shows_scripted_action_one_step_late_only_on_delayed_actuators():
    n, m = 32, 20
    delay = ActionDelay(ActionDelayCfg(), n, m, "cpu", make_generator(0))
    delay.reset()
    mask = delay.delayed.clone()
    assert 0 < int(mask.sum()) < n * m
    outs = []
    for t in range(6):
        a = torch.full((n, m), float(t + 1))  # scripted: action value = step number
        outs.append(delay(a))
    for t in range(1, 6):
        assert torch.all(outs[t][mask] == t)  # delayed: previous step's action
        assert torch.all(outs[t][~mask] == t + 1)  # others: current action
    assert torch.all(outs[0] == 1)  # first step after reset: nothing earlier to use
    assert torch.equal(delay.delayed, mask)  # mask is per episode


def test_delay_mask_rate_and_reset_changes_it():
    n, m = 500, 20
    delay = ActionDelay(ActionDelayCfg(), n, m, "cpu", make_generator(1))
    delay.reset()
    assert float(delay.delayed.float().mean()) == pytest.approx(0.5, abs=0.02)
    before = delay.delayed.clone()
    delay.reset(torch.arange(10))
    assert not torch.equal(delay.delayed[:10], before[:10]) and torch.equal(delay.delayed[10:], before[10:])


def test_delay_initial_action_and_disabled():
    delay = ActionDelay(ActionDelayCfg(probability=1.0), 2, 3)
    delay.reset(initial_action=torch.full((2, 3), -1.0))
    assert torch.all(delay(torch.ones(2, 3)) == -1.0)
    off = ActionDelay(ActionDelayCfg(enabled=False, probability=1.0), 2, 3)
    off.reset()
    off(torch.zeros(2, 3))
    assert torch.all(off(torch.ones(2, 3)) == 1.0)


def fixed_width(w, mode="play"):
    return BacklashCfg(width_rad=DistributionCfg(distribution="constant", params=(w,)), mode=mode)


def test_backlash_play_operator():
    bl = Backlash(fixed_width(0.1), 1, 1)
    bl.reset(initial_target=torch.zeros(1, 1))
    seq = [0.04, -0.04, 0.2, 0.15, 0.11, 0.08, 0.3]
    out = [float(bl(torch.tensor([[c]]))) for c in seq]
    # small moves inside the half-width do nothing; beyond it the target follows lagging by b/2
    assert out[:2] == [0.0, 0.0]
    assert out[2] == pytest.approx(0.15)
    assert out[3] == pytest.approx(0.15) and out[4] == pytest.approx(0.15)  # reversal: play not yet taken up
    assert out[5] == pytest.approx(0.13)  # reversal larger than b: follows at +b/2
    assert out[6] == pytest.approx(0.25)


def test_backlash_threshold_mode_and_per_env_widths():
    bl = Backlash(fixed_width(0.1, "threshold"), 1, 1)
    bl.reset(initial_target=torch.zeros(1, 1))
    out = [float(bl(torch.tensor([[c]]))) for c in (0.09, 0.11, 0.15, 0.3)]
    assert out == pytest.approx([0.0, 0.11, 0.11, 0.3])
    n, m = 200, 20
    bl = Backlash(BacklashCfg(), n, m, "cpu", make_generator(2))
    bl.reset()
    assert float(bl.width.min()) >= 0.0 and float(bl.width.max()) <= 0.02
    assert float(bl.width.std()) > 0.004  # differs per env and motor
    cmd = torch.zeros(n, m)
    assert torch.equal(bl(cmd), cmd)  # first step: no history, the command passes


def test_random_force_probability_decay_and_scale():
    n = 4000
    f = RandomObjectForce(RandomForceCfg(), n, 0.08, "cpu", make_generator(3))
    f.reset()
    p = f.prob.numpy()
    assert p.min() >= 0.001 - 1e-7 and p.max() <= 0.1 + 1e-7
    assert stats.kstest(np.log(p), stats.uniform(loc=math.log(0.001), scale=math.log(100)).cdf).pvalue > 1e-3
    assert f.decay_per_step == pytest.approx(0.99)
    mass = torch.full((n,), 0.2)
    fires, prev = 0, f.force.clone()
    for _ in range(40):
        force = f.step(mass).clone()
        new = (force != prev * 0.99).any(-1)  # envs that did not fire decayed exactly by 0.99
        fires += int(new.sum())
        prev = force
    expected = 40 * float(f.prob.sum())
    assert fires == pytest.approx(expected, rel=0.1)
    # force std per axis = 1 m/s^2 x mass, on the envs that just fired
    fresh = torch.ones(n, dtype=torch.bool)
    f.prob[:] = 1.0
    force = f.step(mass)
    assert float(force[fresh].std()) == pytest.approx(0.2, rel=0.05)
    f.prob[:] = 0.0
    assert torch.allclose(f.step(mass), force * 0.99)  # no new force: decays by 0.99 per 80 ms
    f.reset(torch.arange(10))
    assert torch.all(f.force[:10] == 0) and torch.any(f.force[10:] != 0)


def test_random_force_decay_interval_scales_with_dt():
    f = RandomObjectForce(RandomForceCfg(), 1, 1 / 60)
    assert f.decay_per_step == pytest.approx(0.99 ** (1 / 60 / 0.08))


def test_timing_jitter_rates_and_extra_time():
    n = 4000
    j = TimingJitter(TimingJitterCfg(), n, 0.08, "cpu", make_generator(4))
    j.reset()
    lam = j.rate_per_s.numpy()
    assert lam.min() >= 1250 and lam.max() <= 10000
    assert stats.kstest(lam, stats.uniform(loc=1250, scale=8750).cdf).pvalue > 1e-3
    j.rate_per_s[:] = 2000.0
    extra = torch.stack([j.step() for _ in range(5)])
    assert not torch.allclose(extra[0], extra[1])
    assert bool((extra > 0).all())
    assert float(extra.mean()) == pytest.approx(10 / 2000.0, rel=0.03)  # 10 paper steps x 1/lambda
    assert float(extra.std()) == pytest.approx(math.sqrt(10) / 2000.0, rel=0.05)  # Gamma(10, lambda)
    assert torch.allclose(j.dt_scale, 1 + j.extra_time_s / 0.08)
    k = torch.stack([j.latency_substeps(1 / 120, 2) for _ in range(200)]).float()
    mean_frac = float((j.extra_time_s * 120).mean())
    assert float(k.mean()) == pytest.approx(min(mean_frac, 2.0), rel=0.05)
    assert int(k.max()) <= 2


def test_timing_jitter_disabled():
    j = TimingJitter(TimingJitterCfg(enabled=False), 4, 0.08)
    j.reset()
    assert torch.all(j.step() == 0) and torch.all(j.dt_scale == 1)
