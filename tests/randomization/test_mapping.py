"""Physical randomizations and noise magnitudes: fixed paper distributions or ADR-driven values."""

import math

import numpy as np
import pytest
import torch
from scipy import stats

from dactyl_lab.tasks.randomization import (
    ADR,
    ActionNoise,
    PhysicsRandomizationCfg,
    RandomizedValueCfg,
    adr_action_noise_cfg,
    adr_observation_noise_cfg,
    adr_physics_cfg,
    apply_operation,
    dactyl_adr_cfg,
    make_generator,
    sample_physics,
    sample_value,
)

N = 4000
SHAPES = {"mass_scale": (7,), "joint_limit_offset_rad": (24,), "gravity_offset_mps2": (3,)}


def test_paper_table_1_fixed_distributions():
    v = sample_physics(PhysicsRandomizationCfg(), None, N, SHAPES, generator=make_generator(0))
    assert v["gravity_offset_mps2"].shape == (N, 3) and v["mass_scale"].shape == (N, 7)
    assert v["object_scale"].shape == (N,)
    uniform = {"object_scale": (0.95, 1.05), "mass_scale": (0.5, 1.5), "friction_scale": (0.7, 1.3)}
    for name, (lo, hi) in uniform.items():
        x = v[name].flatten().numpy()
        assert x.min() >= lo and x.max() <= hi
        assert stats.kstest(x, stats.uniform(loc=lo, scale=hi - lo).cdf).pvalue > 1e-3, name
    for name, (lo, hi) in {"joint_damping_scale": (0.3, 3.0), "actuator_gain_scale": (0.75, 1.5)}.items():
        lx = np.log(v[name].numpy())
        assert stats.kstest(lx, stats.uniform(loc=math.log(lo), scale=math.log(hi / lo)).cdf).pvalue > 1e-3, name
    assert float(v["joint_limit_offset_rad"].std()) == pytest.approx(0.15, rel=0.03)
    assert float(v["gravity_offset_mps2"].std()) == pytest.approx(0.4, rel=0.03)
    # per-element i.i.d.: different bodies of one env differ
    assert float(v["mass_scale"].std(1).mean()) > 0.2


def test_disabled_returns_neutral():
    v = sample_physics(PhysicsRandomizationCfg(enabled=False), [0, 1], 2, SHAPES)
    assert torch.all(v["mass_scale"] == 1) and torch.all(v["gravity_offset_mps2"] == 0)
    cfg = PhysicsRandomizationCfg()
    cfg.friction_scale.enabled = False
    v = sample_physics(cfg, None, 8, SHAPES)
    assert torch.all(v["friction_scale"] == 1) and not torch.all(v["object_scale"] == 1)


def make_adr(n, seed=0):
    adr = ADR(dactyl_adr_cfg(), n, "cpu", make_generator(seed))
    adr.high[:] = torch.minimum(adr.nominal + 0.2, adr.hard_high)
    adr.low[:] = torch.maximum(adr.nominal - 0.2, adr.hard_low)
    adr.resample()
    return adr


def test_adr_preset_drives_physics():
    adr = make_adr(N)
    v = sample_physics(adr_physics_cfg("hand"), None, N, SHAPES, adr=adr, generator=make_generator(1))
    i = adr.index("hand_mass_scale")
    low, high = float(adr.low[i]), float(adr.high[i])
    pinned = (adr.env_boundary >= 0) & (adr.env_boundary // 2 == i)
    # value mode: every body draws its own U[low, high] value; an env evaluating the boundary gets the bound
    mass = v["mass_scale"]
    assert float(mass.min()) >= low - 1e-6 and float(mass.max()) <= high + 1e-6
    free = mass[~pinned].flatten().numpy()
    assert stats.kstest(free, stats.uniform(loc=low, scale=high - low).cdf).pvalue > 1e-3
    assert float(mass[~pinned].std(1).mean()) > 0.05  # bodies of one env differ
    assert pinned.any() and torch.allclose(mass[pinned], adr.get("hand_mass_scale")[pinned, None].expand(-1, 7))
    # a scalar quantity takes the env's ADR value itself
    assert torch.allclose(v["object_scale"], adr.get("object_scale"))
    # exp transform: log-scale parameters (shape () here: the env's value)
    assert torch.allclose(v["joint_damping_scale"], torch.exp(adr.get("joint_damping_scale_log")))
    # std mode: per-element N(0, lambda) offsets; pinned-boundary envs show the bound as their std
    lam = adr.get("gravity_offset_std_mps2")
    z = v["gravity_offset_mps2"] / lam[:, None].clamp_min(1e-9)
    assert float(z[lam > 0.01].std()) == pytest.approx(1.0, rel=0.05)
    pinned_high = adr.env_boundary == 2 * i + 1
    assert pinned_high.any() and torch.allclose(v["mass_scale"][pinned_high, 0], adr.high[i].float())
    # the cube has its own mass range: hand and cube are not driven by one shared value
    assert adr_physics_cfg("object").mass_scale.adr_param == "object_mass_scale" != "hand_mass_scale"
    # without an ADR object the same cfg falls back to the paper's distributions
    fixed = sample_physics(adr_physics_cfg(), None, N, SHAPES)
    assert float(fixed["mass_scale"].min()) >= 0.5 and float(fixed["mass_scale"].max()) <= 1.5
    assert float(fixed["mass_scale"].std()) == pytest.approx(1 / math.sqrt(12), rel=0.05)


def test_adr_at_nominal_means_no_randomization():
    adr = ADR(dactyl_adr_cfg(), 16)
    adr.resample()
    v = sample_physics(adr_physics_cfg(), None, 16, SHAPES, adr=adr)
    for name in ("object_scale", "mass_scale", "friction_scale", "joint_damping_scale", "actuator_gain_scale"):
        assert torch.allclose(v[name], torch.ones_like(v[name])), name
    assert torch.all(v["joint_limit_offset_rad"] == 0) and torch.all(v["gravity_offset_mps2"] == 0)


def test_adr_preset_names_exist_and_noise_magnitudes_follow_adr():
    adr = make_adr(64)
    names = set(adr.names)
    obs = adr_observation_noise_cfg()
    for t in (obs.fingertip_pos, obs.object_pos, obs.object_rot):
        assert {t.correlated_adr_param, t.uncorrelated_adr_param} <= names
    act = adr_action_noise_cfg()
    noise = ActionNoise(act, 64, -torch.ones(3), torch.ones(3))
    noise.reset(adr=adr)
    assert torch.allclose(noise.additive.uncorr_std, adr.get("action_uncorr_frac"))
    assert torch.allclose(noise.mult_std, adr.get("action_mult_frac"))
    noise.reset()  # without ADR: paper values
    assert torch.allclose(noise.mult_std, torch.full((64,), 0.015))


def test_preset_cfgs_do_not_leak_into_defaults():
    assert adr_physics_cfg().mass_scale.adr_param == "object_mass_scale"
    assert PhysicsRandomizationCfg().mass_scale.adr_param is None
    assert adr_observation_noise_cfg().object_rot.correlated_adr_param == "obs_object_rot_corr_std_rad"
    from dactyl_lab.tasks.randomization import ObservationNoiseCfg

    assert ObservationNoiseCfg().object_rot.correlated_adr_param is None


def test_apply_operation_and_errors():
    d = torch.tensor([[2.0, 4.0]])
    assert torch.equal(apply_operation(d, torch.tensor([[0.5, 0.5]]), "scale"), torch.tensor([[1.0, 2.0]]))
    assert torch.equal(apply_operation(d, torch.tensor([[1.0, -1.0]]), "add"), torch.tensor([[3.0, 3.0]]))
    assert torch.equal(apply_operation(d, torch.tensor([[7.0]]), "abs"), torch.tensor([[7.0, 7.0]]))
    with pytest.raises(ValueError):
        sample_value(RandomizedValueCfg(enabled=False, operation="abs"), None, 2)
    with pytest.raises(KeyError):
        sample_value(RandomizedValueCfg(adr_param="nope"), None, 2, adr=make_adr(2))


def test_largest_value_covers_the_fixed_range_and_the_adr_hard_limit():
    """What ``randomize_object_size`` sizes its broad-phase bounds for: the most a value can reach from either
    source (the fixed distribution's upper bound, the ADR parameter's upper hard limit, after ``exp``)."""
    from dactyl_lab.tasks.randomization import largest_value

    adr_cfg = dactyl_adr_cfg()
    fixed, driven = PhysicsRandomizationCfg(), adr_physics_cfg()
    assert largest_value(fixed.object_scale) == 1.05
    assert largest_value(fixed.object_scale, adr_cfg) == 1.05  # no ADR parameter named: the fixed bound
    assert largest_value(driven.object_scale, adr_cfg) == adr_cfg.params["object_scale"].hard_limits[1] == 1.2
    assert largest_value(driven.object_scale) == 1.05  # without ADR the fixed distribution applies
    assert largest_value(driven.actuator_gain_scale, adr_cfg) == pytest.approx(2.0)  # exp(log 2)
    assert largest_value(fixed.gravity_offset_mps2) == math.inf
    assert largest_value(RandomizedValueCfg(enabled=False)) == 1.0
