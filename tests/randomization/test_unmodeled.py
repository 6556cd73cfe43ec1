"""Unmodeled effects: action delay, backlash, random object forces, timing jitter."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from dactyl_lab.spec import action_law, hand
from dactyl_lab.tasks.randomization import (
    ActionDelay,
    ActionDelayCfg,
    Backlash,
    BacklashCfg,
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


def test_backlash_scales_the_action_while_the_slack_is_taken_up():
    """The paper's slack model (App. C.2): s moves by a * delta_sign(a) * dt; alpha = the part of the step left once
    s reached the side the action pushes toward."""
    bl = Backlash(BacklashCfg(nominal=4.0, std=0.0), 1, 1, control_dt_s=0.08)
    bl.reset()
    bl.slack[:] = -1.0  # fully on the negative side
    out = [float(bl(torch.tensor([[a]]))) for a in (0.25, 0.25, 0.5, 0.5, 1.0)]
    # 0.25 x 4 = 1 slack unit per step: two steps to cross the band of 2, then the action passes
    assert out[:2] == [0.0, 0.0] and float(bl.slack) == pytest.approx(1.0)
    assert out[2:] == pytest.approx([0.5, 0.5, 1.0])
    # reversal at full action: travel 4 units, 2 of them in the slack -> alpha 0.5
    assert float(bl(torch.tensor([[-1.0]]))) == pytest.approx(-0.5) and float(bl.slack) == pytest.approx(-1.0)
    assert float(bl(torch.tensor([[-1.0]]))) == pytest.approx(-1.0)
    # a reversal costs 2 / delta control steps of full action: 2 x 0.916 rad (a J3's scale) / 36 = 0.05 rad
    scale_j3 = action_law.half_range_scale_rad(hand.MOTOR_LIMITS_RAD)["rh_FFJ3"]
    assert 2 * scale_j3 / BacklashCfg().nominal == pytest.approx(0.05, abs=0.002)


def test_backlash_deltas_per_episode_direction_and_motor_and_settable_magnitudes():
    n, m = 400, 20
    bl = Backlash(BacklashCfg(), n, m, 0.08, "cpu", make_generator(2))
    bl.reset()
    assert bl.delta.shape == (n, m, 2)
    assert float(bl.delta.mean()) == pytest.approx(BacklashCfg().nominal, abs=0.01)
    assert float(bl.delta.std()) == pytest.approx(0.1, rel=0.05)  # paper: N(nominal, 0.1)
    assert float(bl.slack.min()) >= -1.0 and float(bl.slack.max()) <= 1.0 and float(bl.slack.std()) > 0.5
    before = bl.delta.clone()
    bl.nominal[:10], bl.std[:10] = 1.0, 0.0  # what ADR may drive, per env
    bl.reset(torch.arange(10))
    assert torch.all(bl.delta[:10] == 1.0) and torch.equal(bl.delta[10:], before[10:])
    # the same per-second behaviour at 20 Hz: dt = 50 / 80 of the paper step
    assert Backlash(BacklashCfg(), 1, 1, 0.05).dt == pytest.approx(0.625)
    off = Backlash(BacklashCfg(enabled=False), 2, 3)
    a = torch.rand(2, 3)
    assert torch.equal(off(a), a)


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


def test_random_force_fires_at_the_same_rate_per_second_at_any_step_time():
    n = 20000
    for dt in (0.08, 0.04):
        f = RandomObjectForce(RandomForceCfg(), n, dt, "cpu", make_generator(7))
        f.reset()
        f.prob[:] = 0.1  # per 80 ms
        fires = float((f.step(torch.ones(n)) != 0).any(-1).float().mean())
        assert fires == pytest.approx(1 - 0.9 ** (dt / 0.08), rel=0.05)


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
    # the latency in physics substeps is the extra time itself (fractional), capped at the control step
    torch.testing.assert_close(j.latency_substeps(1 / 120, 2), (j.extra_time_s * 120).clamp(max=2.0))
    # settable per-env bounds of lambda (ADR)
    j.rate_low_per_s[:], j.rate_high_per_s[:] = 5000.0, 5000.0
    j.reset()
    assert torch.all(j.rate_per_s == 5000.0)


def test_late_target_weight_keeps_the_time_integral_of_a_late_command():
    from dactyl_lab.tasks.randomization import late_target_weight

    latency = torch.tensor([0.0, 0.25, 1.6, 10.0])  # substeps
    w = torch.stack([late_target_weight(latency, s) for s in range(10)], dim=1)  # (4, 10)
    assert torch.all(w[0] == 1.0) and torch.all(w[3] == 0.0)
    torch.testing.assert_close(w[1, :2], torch.tensor([0.75, 1.0]))
    torch.testing.assert_close(w[2, :3], torch.tensor([0.0, 0.4, 1.0]))
    torch.testing.assert_close(w.sum(1), 10.0 - latency)  # the new target acts for (10 - latency) substeps


def test_timing_jitter_disabled():
    j = TimingJitter(TimingJitterCfg(enabled=False), 4, 0.08)
    j.reset()
    assert torch.all(j.step() == 0) and torch.all(j.dt_scale == 1)


def test_models_read_their_adr_magnitudes_themselves_or_their_cfg_without_adr():
    """The ADR preset's delay, backlash, timing and force cfgs: each model maps its ADR value at its own reset
    (probability, nominal / scale, 1 / mean extra time, std per unit mass); a disabled ADR leaves the cfg's values."""
    from dactyl_lab.tasks.randomization import ADR, ADRCfg, ADRParamCfg, adr_unmodeled_cfgs

    cfgs, n, m = adr_unmodeled_cfgs(), 3, 20
    names = ("action_delay_prob", "backlash_scale", "timing_extra_step_time_s", "object_force_accel_std_mps2")
    params = {name: ADRParamCfg(nominal=0.0, hard_limits=(0.0, 2.0)) for name in names}
    adr = ADR(ADRCfg(params=params), n, "cpu", make_generator(0))
    adr.values[:] = torch.tensor([1.0, 0.5, 0.0008, 2.0])
    delay = ActionDelay(cfgs["delay"], n, m, "cpu", make_generator(1))
    backlash = Backlash(cfgs["backlash"], n, m, 0.08, "cpu", make_generator(2))
    timing = TimingJitter(cfgs["timing"], n, 0.08, "cpu", make_generator(3))
    force = RandomObjectForce(cfgs["object_force"], n, 0.08, "cpu", make_generator(4))
    for model in (backlash, timing, force):
        model.reset(adr=adr)
    delay.reset(adr=adr)
    assert delay.delayed.all()
    torch.testing.assert_close(backlash.nominal, torch.full((n,), 2.0 * cfgs["backlash"].nominal))
    torch.testing.assert_close(timing.rate_low_per_s, torch.full((n,), 1250.0))
    torch.testing.assert_close(timing.rate_high_per_s, torch.full((n,), 1250.0))
    torch.testing.assert_close(force.accel_std_mps2, torch.full((n,), 2.0))
    adr.cfg.enabled = False
    for model in (delay, backlash, timing, force):
        model.reset(adr=adr)
    assert float(delay.probability[0]) == cfgs["delay"].probability
    assert float(backlash.nominal[0]) == cfgs["backlash"].nominal
    assert (float(timing.rate_low_per_s[0]), float(timing.rate_high_per_s[0])) == cfgs["timing"].rate_range_per_s
    assert float(force.accel_std_mps2[0]) == pytest.approx(cfgs["object_force"].accel_std_mps2)
