"""Unmodeled effects: action delay, backlash, random object forces, timing jitter."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from dactyl_lab.spec import hand
from dactyl_lab.spec import randomization as paper
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


ROBOGYM_ACTUATORS = (
    *("A_WRJ1", "A_WRJ0", "A_FFJ3", "A_FFJ2", "A_FFJ1", "A_MFJ3", "A_MFJ2", "A_MFJ1", "A_RFJ3", "A_RFJ2"),
    *("A_RFJ1", "A_LFJ4", "A_LFJ3", "A_LFJ2", "A_LFJ1", "A_THJ4", "A_THJ3", "A_THJ2", "A_THJ1", "A_THJ0"),
)
ROBOGYM_COEF_DOWN_LOG = (4.25, 4.25, 2.93, 4.25, 4.25, 4.25, 4.25, 1.92, 4.25, 3.35)
ROBOGYM_COEF_DOWN_LOG += (4.25, 4.25, 4.25, 3.87, 1.39, 4.25, 1.25, 4.25, 4.25, 4.25)
ROBOGYM_COEF_UP_LOG = (4.25, 4.25, 4.25, 4.25, 1.86, 4.25, 4.25, 1.44, 4.25, 2.98)
ROBOGYM_COEF_UP_LOG += (2.07, 4.25, 4.25, 2.94, 1.41, 2.82, 1.53, 4.25, 2.86, 2.10)
"""robogym/wrappers/randomizations.py, BacklashWrapper (actuator order of its Shadow hand)."""


def robogym_motor(actuator: str) -> str:
    """OpenAI's actuator -> our motor: tendon actuators A_xFJ1 drive J1 + J0 (ours: rh_xFJ0), the rest one joint."""
    bare = actuator.removeprefix("A_")
    if bare[:2] in ("FF", "MF", "RF", "LF") and bare.endswith("J1"):
        return f"rh_{bare[:2]}J0"
    return hand.OPENAI_TO_SHADOW_JOINT[bare]


def test_backlash_amounts_per_motor_are_robogyms_calibration():
    """Every motor's (toward -, toward +) log coefficient is robogym's, down and up swapped on flipped axes."""
    assert set(paper.BACKLASH_LOG_COEF_PER_RAD_S) == set(hand.MOTOR_NAMES)
    for actuator, down, up in zip(ROBOGYM_ACTUATORS, ROBOGYM_COEF_DOWN_LOG, ROBOGYM_COEF_UP_LOG, strict=True):
        motor = robogym_motor(actuator)
        flipped = motor in hand.AXIS_FLIPPED_VS_OPENAI
        assert paper.BACKLASH_LOG_COEF_PER_RAD_S[motor] == ((up, down) if flipped else (down, up)), motor
    bl = Backlash(BacklashCfg(std=0.0), 1, 20, control_dt_s=0.08)
    bl.reset()
    slack = bl.reversal_slack_rad()[0]  # (M, 2) rad of commanded offset per full reversal
    at = {m: slack[i] for i, m in enumerate(hand.MOTOR_NAMES)}
    # per joint group: the least-backlash joints (wrist, J3s) 0.36 rad, the tendons and the thumb up to 7 rad
    for motor in ("rh_WRJ2", "rh_WRJ1", "rh_FFJ3", "rh_MFJ3"):
        torch.testing.assert_close(at[motor], torch.tensor([0.357, 0.357]), rtol=0, atol=2e-3)
    torch.testing.assert_close(at["rh_MFJ0"], torch.tensor([3.67, 5.92]), rtol=0, atol=0.01)
    torch.testing.assert_close(at["rh_LFJ0"], torch.tensor([6.23, 6.10]), rtol=0, atol=0.01)
    torch.testing.assert_close(at["rh_THJ4"], torch.tensor([7.16, 5.41]), rtol=0, atol=0.01)
    assert float(at["rh_FFJ4"][1]) == pytest.approx(2 / (math.exp(2.93) * 0.08), rel=1e-4)  # flipped: + is OpenAI's -


def test_backlash_scales_the_action_while_the_slack_is_taken_up():
    """The paper's slack model (App. C.2): s moves by a * scale * c_sign(a) * dt; alpha = the part of the step left
    once s reached the side the action pushes toward."""
    cfg = BacklashCfg(std=0.0, log_coef_per_rad_s={"rh_FFJ3": (math.log(4.0 / 0.08), math.log(4.0 / 0.08))})
    bl = Backlash(cfg, 1, 1, control_dt_s=0.08, scale_rad=torch.tensor([1.0]), motor_names=("rh_FFJ3",))
    bl.reset()
    torch.testing.assert_close(bl.delta, torch.full((1, 1, 2), 4.0))  # c x scale x 80 ms per unit action
    bl.slack[:] = -1.0  # fully on the negative side
    out = [float(bl(torch.tensor([[a]]))) for a in (0.25, 0.25, 0.5, 0.5, 1.0)]
    # 0.25 x 4 = 1 slack unit per step: two steps to cross the band of 2, then the action passes
    assert out[:2] == [0.0, 0.0] and float(bl.slack) == pytest.approx(1.0)
    assert out[2:] == pytest.approx([0.5, 0.5, 1.0])
    # reversal at full action: travel 4 units, 2 of them in the slack -> alpha 0.5
    assert float(bl(torch.tensor([[-1.0]]))) == pytest.approx(-0.5) and float(bl.slack) == pytest.approx(-1.0)
    assert float(bl(torch.tensor([[-1.0]]))) == pytest.approx(-1.0)
    # the slack in rad does not depend on the action scale: a twice larger scale takes half the steps
    big = Backlash(cfg, 1, 1, 0.08, scale_rad=torch.tensor([2.0]), motor_names=("rh_FFJ3",))
    big.reset()
    torch.testing.assert_close(big.reversal_slack_rad(), bl.reversal_slack_rad())
    torch.testing.assert_close(big.delta, 2.0 * bl.delta)


def test_backlash_varies_per_episode_relative_on_the_log_of_each_coefficient():
    """robogym: log c = log c_cal x (1 + 0.1 z) per episode, motor and direction (not N(nominal, 0.1))."""
    n = 4000
    bl = Backlash(BacklashCfg(), n, 20, 0.08, "cpu", make_generator(2))
    bl.reset()
    log_c = bl.coef_per_rad_s.log()  # (N, M, 2)
    cal = torch.tensor([paper.BACKLASH_LOG_COEF_PER_RAD_S[m] for m in hand.MOTOR_NAMES])
    torch.testing.assert_close(log_c.mean(0), cal, rtol=0, atol=0.02)
    torch.testing.assert_close(log_c.std(0), 0.1 * cal, rtol=0.08, atol=0)  # relative: 0.425 at 4.25, 0.125 at 1.25
    # the two directions and the motors are drawn independently
    assert abs(float(torch.corrcoef(log_c[:, 0, :].T)[0, 1])) < 0.1
    assert float(bl.coef_per_rad_s.min()) >= paper.BACKLASH_MIN_COEF_PER_RAD_S
    assert float(bl.slack.min()) >= -1.0 and float(bl.slack.max()) <= 1.0 and float(bl.slack.std()) > 0.5


def test_backlash_scale_and_std_are_settable_per_env_and_scale_the_slack():
    n = 40
    bl = Backlash(BacklashCfg(), n, 20, 0.08, "cpu", make_generator(3))
    bl.reset()
    before = bl.coef_per_rad_s.clone()
    bl.std[:10] = 0.0  # what ADR may drive, per env
    bl.scale[:5], bl.scale[5:10] = 2.0, 0.0
    bl.reset(torch.arange(10))
    cal = torch.tensor([paper.BACKLASH_LOG_COEF_PER_RAD_S[m] for m in hand.MOTOR_NAMES]).exp()
    torch.testing.assert_close(bl.coef_per_rad_s[:5], (cal / 2.0).clamp(min=2.0).expand(5, -1, -1))  # twice the slack
    assert (bl.coef_per_rad_s[5:10] >= 1e5 * cal).all()  # scale 0: no slack left
    out = bl(torch.full((n, 20), 0.3))
    torch.testing.assert_close(out[5:10], torch.full((5, 20), 0.3))  # the action passes at once
    assert torch.equal(bl.coef_per_rad_s[10:], before[10:])
    # the same per-second behaviour at 20 Hz: dt = 50 / 80 of the paper step
    assert Backlash(BacklashCfg(), 1, 20, 0.05).dt == pytest.approx(0.625)
    off = Backlash(BacklashCfg(enabled=False), 2, 20)
    a = torch.rand(2, 20)
    assert torch.equal(off(a), a)
    with pytest.raises(ValueError, match="motor_names"):
        Backlash(BacklashCfg(), 2, 3)


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
    (probability, slack scale, 1 / mean extra time, std per unit mass); a disabled ADR leaves the cfg's values."""
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
    torch.testing.assert_close(backlash.scale, torch.full((n,), 0.5))  # half the calibrated slack
    torch.testing.assert_close(timing.rate_low_per_s, torch.full((n,), 1250.0))
    torch.testing.assert_close(timing.rate_high_per_s, torch.full((n,), 1250.0))
    torch.testing.assert_close(force.accel_std_mps2, torch.full((n,), 2.0))
    adr.cfg.enabled = False
    for model in (delay, backlash, timing, force):
        model.reset(adr=adr)
    assert float(delay.probability[0]) == cfgs["delay"].probability
    assert float(backlash.scale[0]) == cfgs["backlash"].scale == 1.0
    assert (float(timing.rate_low_per_s[0]), float(timing.rate_high_per_s[0])) == cfgs["timing"].rate_range_per_s
    assert float(force.accel_std_mps2[0]) == pytest.approx(cfgs["object_force"].accel_std_mps2)
