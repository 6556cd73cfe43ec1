"""Observation noise: correlated vs uncorrelated parts, paper stds, orientation noise, marker dropout."""

import math

import pytest
import torch
import isaaclab.utils.math as math_utils

from dactyl_lab.tasks.randomization import (
    MarkerDropout,
    MarkerDropoutCfg,
    NoiseTermCfg,
    ObservationNoise,
    ObservationNoiseCfg,
    make_generator,
)

DT = 0.08


def make(n, cfg=None, seed=0):
    cfg = cfg or ObservationNoiseCfg()
    noise = ObservationNoise(cfg, n, DT, 5, "cpu", make_generator(seed))
    noise.reset()
    return noise


def only(corr, uncorr, dropout=False):
    cfg = ObservationNoiseCfg()
    for t in (cfg.fingertip_pos, cfg.object_pos, cfg.object_rot):
        t.correlated_std = t.correlated_std if corr else 0.0
        t.uncorrelated_std = t.uncorrelated_std if uncorr else 0.0
    cfg.dropout.enabled = dropout
    cfg.misplacement.enabled = False
    return cfg


def test_paper_defaults():
    c = ObservationNoiseCfg()
    assert (c.fingertip_pos.correlated_std, c.fingertip_pos.uncorrelated_std) == (0.001, 0.002)
    assert (c.object_pos.correlated_std, c.object_pos.uncorrelated_std) == (0.005, 0.001)
    assert (c.object_rot.correlated_std, c.object_rot.uncorrelated_std) == (0.1, 0.1)
    assert (c.dropout.rate_per_s, c.dropout.duration_s) == (0.2, 1.0) and c.dropout.per_fingertip
    assert (c.misplacement.fingertip_std_m, c.misplacement.hand_base_std_m) == (0.003, 0.001)
    assert c.occlusion.enabled and c.occlusion.distance_m == 0.005


def test_correlated_constant_within_episode_and_changes_at_reset():
    n = 64
    noise = make(n, only(corr=True, uncorr=False))
    tips, pos = torch.randn(n, 15), torch.randn(n, 3)
    d1 = noise.apply_fingertip_pos(tips) - tips
    d2 = noise.apply_fingertip_pos(tips + 1.0) - (tips + 1.0)
    p1, p2 = noise.apply_object_pos(pos) - pos, noise.apply_object_pos(pos) - pos
    assert torch.allclose(d1, d2, atol=1e-6) and torch.allclose(p1, p2)
    assert d1.abs().min() > 0  # noise is really there
    noise.reset(torch.tensor([0, 1]))
    d3 = noise.apply_fingertip_pos(tips) - tips
    assert not torch.allclose(d3[:2], d1[:2])  # reset envs change
    assert torch.allclose(d3[2:], d1[2:], atol=1e-6)  # the others keep their episode noise


def test_correlated_and_uncorrelated_stds_match_paper():
    n = 4000
    corr = make(n, only(corr=True, uncorr=False), seed=1)
    tips = torch.zeros(n, 5, 3)
    assert float(corr.apply_fingertip_pos(tips).std()) == pytest.approx(0.001, rel=0.03)
    assert float(corr.apply_object_pos(torch.zeros(n, 3)).std()) == pytest.approx(0.005, rel=0.03)
    unc = make(n, only(corr=False, uncorr=True), seed=2)
    a, b = unc.apply_fingertip_pos(tips), unc.apply_fingertip_pos(tips)
    assert not torch.allclose(a, b)  # changes every step
    assert float(a.std()) == pytest.approx(0.002, rel=0.03)
    assert float(unc.apply_object_pos(torch.zeros(n, 3)).std()) == pytest.approx(0.001, rel=0.03)


def test_orientation_noise_unit_quaternions_and_angle_std():
    n = 4000
    q = torch.nn.functional.normalize(torch.randn(n, 4, generator=torch.Generator().manual_seed(0)), dim=-1)
    corr = make(n, only(corr=True, uncorr=False), seed=3)
    o1, o2 = corr.apply_object_quat(q), corr.apply_object_quat(q)
    assert torch.allclose(o1.norm(dim=-1), torch.ones(n), atol=1e-5)
    assert torch.allclose(o1, o2, atol=1e-6)  # correlated only: constant within episode
    ang = math_utils.quat_error_magnitude(o1, q)  # angle of o1 * q^-1
    assert float(ang.pow(2).mean().sqrt()) == pytest.approx(0.1, rel=0.05)
    unc = make(n, only(corr=False, uncorr=True), seed=4)
    u1, u2 = unc.apply_object_quat(q), unc.apply_object_quat(q)
    assert not torch.allclose(u1, u2)
    ang = math_utils.quat_error_magnitude(u1, q)
    assert float(ang.pow(2).mean().sqrt()) == pytest.approx(0.1, rel=0.05)
    # axes are isotropic: the mean rotation axis component is ~0
    rel = math_utils.quat_mul(u1, math_utils.quat_conjugate(q))
    axis = torch.nn.functional.normalize(rel[:, :3] * torch.sign(rel[:, 3:]), dim=-1)
    assert float(axis.mean(0).abs().max()) < 0.05


def test_disabled_is_identity():
    cfg = ObservationNoiseCfg(enabled=False)
    noise = make(8, cfg)
    tips, pos, q = torch.randn(8, 15), torch.randn(8, 3), torch.tensor([[0.0, 0.0, 0.0, 1.0]]).repeat(8, 1)
    for _ in range(50):
        assert torch.equal(noise.apply_fingertip_pos(tips), tips)
    assert torch.equal(noise.apply_object_pos(pos), pos) and torch.equal(noise.apply_object_quat(q), q)
    cfg = ObservationNoiseCfg()
    cfg.object_pos = NoiseTermCfg(enabled=False, correlated_std=1.0, uncorrelated_std=1.0)
    assert torch.equal(make(8, cfg).apply_object_pos(pos), pos)


def test_dropout_holds_last_value_for_one_second():
    n = 256
    drop = MarkerDropout(MarkerDropoutCfg(rate_per_s=2.0, per_fingertip=False), n, 5, DT, "cpu", make_generator(5))
    assert drop.duration_steps == 13  # 1 s at 80 ms, rounded to whole steps
    prev_out = None
    left = torch.zeros(n, dtype=torch.long)  # our own count of the dropout steps still due
    onsets = 0
    for t in range(200):
        x = torch.full((n, 5, 3), float(t))  # a fresh value each step
        out = drop(x)
        d, s = drop.dropped[:, 0], drop.started[:, 0]
        assert torch.equal(drop.dropped, d[:, None].expand(-1, 5))  # whole observation drops together
        assert not bool((s & (left > 0)).any())  # no new onset while dropped
        left = torch.where(s, torch.full_like(left, 13), left)
        assert torch.equal(d, left > 0)  # every dropout lasts exactly 13 steps
        if prev_out is not None:
            assert torch.equal(out[d], prev_out[d])  # held: exactly the last output
        assert torch.equal(out[~d], x[~d])
        left = (left - 1).clamp(min=0)
        onsets += int(s.sum())
        prev_out = out
    assert onsets > 300


def test_dropout_rate_matches_0_2_per_second():
    n, steps = 2000, 250
    noise = make(n, only(corr=False, uncorr=False, dropout=True), seed=6)
    tips = torch.zeros(n, 15)
    onsets, eligible, dropped_steps = 0, 0, 0
    for t in range(steps):
        noise.apply_fingertip_pos(tips + t)
        d, s = noise.dropout.dropped[:, 0], noise.dropout.started[:, 0]
        onsets += int(s.sum())
        eligible += int((~d | s).sum())  # steps on which an onset could be drawn
        dropped_steps += int(d.sum())
    p = onsets / eligible
    rate = -math.log(1 - p) / DT
    assert rate == pytest.approx(0.2, rel=0.06)  # ~6,000 onsets: 6 % is > 4 sigma
    D = noise.dropout.duration_steps
    expected = D / (D + 1 / (1 - math.exp(-0.2 * DT)) - 1)  # renewal: D dropped per 1/p - 1 visible
    assert dropped_steps / (n * steps) == pytest.approx(expected, rel=0.05)


def test_dropout_cleared_at_reset_and_never_holds_across_episodes():
    n = 64
    drop = MarkerDropout(MarkerDropoutCfg(rate_per_s=1e6), n, 5, DT, "cpu", make_generator(7))
    first = drop(torch.zeros(n, 5, 3))
    assert not bool(drop.dropped.any())  # nothing to hold on the first step
    second = drop(torch.ones(n, 5, 3))
    assert bool(drop.dropped.all()) and torch.equal(second, first)
    drop.reset(torch.arange(n))
    third = drop(torch.full((n, 5, 3), 2.0))
    assert torch.all(third == 2.0)


def test_per_fingertip_dropout_is_independent():
    n = 512
    drop = MarkerDropout(MarkerDropoutCfg(rate_per_s=1.0), n, 5, DT, "cpu", make_generator(8))  # default: per marker
    mixed = False
    for t in range(30):
        drop(torch.full((n, 5, 3), float(t)))
        k = drop.dropped.sum(1)
        mixed |= bool(((k > 0) & (k < 5)).any())
    assert mixed


def test_adr_drives_magnitudes():
    from dactyl_lab.tasks.randomization import ADR, ADRCfg, ADRParamCfg

    cfg = ObservationNoiseCfg()
    cfg.fingertip_pos.uncorrelated_adr_param = "tip_std"
    adr = ADR(ADRCfg(params={"tip_std": ADRParamCfg(nominal=0.0, hard_limits=(0.0, 1.0))}), 4)
    adr.low[:] = 0.03
    adr.high[:] = 0.03
    adr.resample()
    noise = ObservationNoise(cfg, 4, DT, 5, "cpu", make_generator(9))
    noise.reset(adr=adr)
    assert torch.allclose(noise.fingertip_noise.uncorr_std, torch.full((4,), 0.03))
    assert torch.allclose(noise.fingertip_noise.corr_std, torch.full((4,), 0.001))  # not ADR-driven: paper


def test_misplaced_markers_are_per_episode_turn_with_the_finger_and_share_the_hand_base_offset():
    from dactyl_lab.tasks.randomization.observation_noise import _rotate

    n = 4000
    cfg = only(corr=False, uncorr=False)
    cfg.misplacement.enabled = True
    noise = make(n, cfg, seed=10)
    tips, identity = torch.zeros(n, 5, 3), torch.tensor([0.0, 0.0, 0.0, 1.0]).expand(n, 5, 4)
    a = noise.apply_fingertip_pos(tips, identity)
    torch.testing.assert_close(noise.apply_fingertip_pos(tips, identity), a)  # correlated: constant in an episode
    base = noise.base_offset
    assert float(base.std()) == pytest.approx(0.001, rel=0.05)  # Table 7: hand base 1 mm
    assert float(noise.marker_offset_b.std()) == pytest.approx(0.003, rel=0.03)  # Table 7: fingertips 3 mm
    torch.testing.assert_close(a, noise.marker_offset_b + base[:, None])
    torch.testing.assert_close(noise.apply_object_pos(torch.zeros(n, 3)), base)  # the cube moves with the base frame
    # a finger turned 90 degrees about z carries its marker's offset with it
    quarter = torch.tensor([0.0, 0.0, math.sin(math.pi / 4), math.cos(math.pi / 4)]).expand(n, 5, 4)
    turned = noise.apply_fingertip_pos(tips, quarter) - base[:, None]
    off = noise.marker_offset_b
    torch.testing.assert_close(turned, torch.stack((-off[..., 1], off[..., 0], off[..., 2]), -1), atol=1e-7, rtol=0)
    torch.testing.assert_close(_rotate(quarter, off), turned, atol=1e-7, rtol=0)
    old = noise.marker_offset_b.clone()
    noise.reset(torch.tensor([0]))
    assert not torch.allclose(noise.marker_offset_b[0], old[0]) and torch.equal(noise.marker_offset_b[1:], old[1:])


def test_nail_site_occlusion_sees_other_fingers_and_the_cube_but_not_its_own_finger():
    from dactyl_lab.tasks.randomization import nail_site_occlusion

    n, d = 3, 0.005
    nail = torch.zeros(n, 5, 3)
    nail[:, :, 0] = torch.arange(5) * 0.05  # fingers 5 cm apart along x
    segments = torch.zeros(n, 5, 2, 2, 3)
    segments[..., 0] = nail[:, :, None, None, 0]  # each finger's capsules pass through its own nail site
    segments[..., 1, 2] = 0.02
    radii = torch.full((5, 2), 0.007)
    far_cube = torch.tensor([[1.0, 1.0, 1.0]]).expand(n, 3)
    q = torch.tensor([[0.0, 0.0, 0.0, 1.0]]).expand(n, 4)
    occluded = nail_site_occlusion(nail, segments, radii, far_cube, q, 0.025, d)
    assert not occluded.any()  # a marker is never occluded by its own finger
    # env 1: the middle finger's distal capsule lies across the first finger's nail, 3 mm above its surface
    segments[1, 1, 0] = torch.tensor([[-0.01, 0.0, 0.01], [0.01, 0.0, 0.01]])
    # env 2: the cube's face is 4 mm from the ring finger's nail (cube centre 29 mm away, half edge 25 mm)
    cube = far_cube.clone()
    cube[2] = nail[2, 2] + torch.tensor([0.0, 0.029, 0.0])
    occluded = nail_site_occlusion(nail, segments, radii, cube, q, 0.025, d)
    want = torch.zeros(n, 5, dtype=torch.bool)
    want[1, 0], want[2, 2] = True, True
    assert torch.equal(occluded, want), occluded
    cube[2] = nail[2, 2] + torch.tensor([0.0, 0.031, 0.0])  # 6 mm: visible again
    assert not nail_site_occlusion(nail, segments, radii, cube, q, 0.025, d)[2].any()


def test_an_occluded_marker_holds_its_last_reading():
    n = 8
    cfg = only(corr=False, uncorr=False)
    noise = make(n, cfg, seed=11)
    first = noise.apply_fingertip_pos(torch.zeros(n, 15))
    occluded = torch.zeros(n, 5, dtype=torch.bool)
    occluded[0, 2] = True
    out = noise.apply_fingertip_pos(torch.ones(n, 15), occluded=occluded).view(n, 5, 3)
    assert torch.equal(out[0, 2], first.view(n, 5, 3)[0, 2]) and torch.equal(noise.dropout.occluded, occluded)
    assert torch.all(out[~occluded] == 1.0)
    out = noise.apply_fingertip_pos(torch.full((n, 15), 2.0)).view(n, 5, 3)  # visible again: the new reading
    assert torch.all(out == 2.0)
