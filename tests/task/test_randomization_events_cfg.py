"""Issue 20 item 3: ``presets=randomized`` and ``presets=adr`` are one events configuration; only where each physics
term's range comes from differs (the paper's fixed distributions or ADR). Config only, no simulation."""

import math

import pytest
from isaaclab.managers import EventTermCfg

from dactyl_lab.spec import randomization as paper


def _terms(events) -> dict[str, EventTermCfg]:
    return {name: term for name, term in vars(events).items() if isinstance(term, EventTermCfg)}


def _presets():
    from dactyl_lab.tasks.reorient import presets_cfg

    presets = presets_cfg.DactylReorientEnvPresetCfg()
    return presets.randomized, presets.adr


def test_randomized_and_adr_have_the_same_event_terms_and_only_the_range_source_differs():
    from dactyl_lab.tasks.reorient import randomization_events_cfg as events_cfg

    randomized, adr = _presets()
    assert type(randomized.events) is type(adr.events) is events_cfg.RandomizationEventsCfg
    fixed, driven = _terms(randomized.events), _terms(adr.events)
    assert list(fixed) == list(driven)  # same names, same order
    adr_params = set(adr.randomization.adr.params)
    for name, term in fixed.items():
        other = driven[name]
        assert term.func is other.func and term.mode == other.mode, name
        assert term.interval_range_s == other.interval_range_s and term.is_global_time == other.is_global_time, name
        assert set(term.params) == set(other.params), name
        for key, value in term.params.items():
            if name in events_cfg.PHYSICS_RANGES and key == "value":
                continue
            assert value == other.params[key], (name, key)
    for name in events_cfg.PHYSICS_RANGES:
        value, adr_value = fixed[name].params["value"], driven[name].params["value"]
        assert value.adr_param is None, name  # randomized: always the fixed distribution
        assert adr_value.adr_param in adr_params, name  # adr: driven by one of the preset's ADR parameters
        # ... and without ADR it falls back to the same fixed distribution (only the source of the range differs)
        assert (adr_value.distribution, adr_value.params) == (value.distribution, value.params), name
        assert adr_value.operation == value.operation, name


def test_every_physics_term_is_ours_and_draws_from_the_seeded_stream():
    """No stock Isaac Lab physics term (global RNG, absolute friction, one gravity draw per call) in either preset."""
    from dactyl_lab.tasks.reorient import mdp

    seeded = (
        mdp.randomize_object_size,
        mdp.randomize_mass_scale,
        mdp.randomize_friction_scale,
        mdp.randomize_gain_scale,
        mdp.randomize_joint_damping_total,
        mdp.randomize_tendon_gain_scale,
        mdp.randomize_joint_limits,
        mdp.randomize_gravity_offset,
    )
    for preset in _presets():
        physics = {name: t for name, t in _terms(preset.events).items() if t.mode == mdp.PHYSICS_MODE}
        assert len(physics) == 10 and all(t.func in seeded for t in physics.values()), physics
        assert not any(t.func.__module__.startswith("isaaclab.") for t in _terms(preset.events).values())


def test_the_fixed_ranges_are_the_papers_table_1():
    from dactyl_lab.tasks.reorient.randomization_events_cfg import physics_range

    expect = {
        "object_size": ("uniform", paper.OBJECT_SCALE_RANGE),
        "object_mass": ("uniform", paper.MASS_SCALE_RANGE),
        "hand_mass": ("uniform", paper.MASS_SCALE_RANGE),
        "object_friction": ("uniform", paper.FRICTION_SCALE_RANGE),
        "hand_friction": ("uniform", paper.FRICTION_SCALE_RANGE),
        "actuator_gains": ("log_uniform", paper.ACTUATOR_GAIN_SCALE_RANGE),
        "tendon_gains": ("log_uniform", paper.ACTUATOR_GAIN_SCALE_RANGE),
        "joint_damping": ("log_uniform", paper.JOINT_DAMPING_SCALE_RANGE),
        "joint_limits": ("gaussian", (0.0, paper.JOINT_LIMIT_OFFSET_STD_RAD)),
        "gravity": ("gaussian", (0.0, paper.GRAVITY_OFFSET_STD_MPS2)),
    }
    for name, (distribution, params) in expect.items():
        value = physics_range(name, "fixed")
        assert (value.distribution, tuple(value.params)) == (distribution, tuple(params)), name
    with pytest.raises(ValueError, match="range source 'paper'"):
        physics_range("object_mass", "paper")


def test_the_hand_and_the_cube_have_their_own_adr_mass_and_friction_parameters():
    _, adr = _presets()
    terms = _terms(adr.events)
    assert terms["object_mass"].params["value"].adr_param == "object_mass_scale"
    assert terms["hand_mass"].params["value"].adr_param == "hand_mass_scale"
    assert terms["object_friction"].params["value"].adr_param == "object_friction_scale"
    assert terms["hand_friction"].params["value"].adr_param == "hand_friction_scale"


def test_the_object_size_bound_follows_its_range():
    """The size term's broad-phase bound is the most its range reaches: 1.05 fixed, ADR's hard limit 1.2 under ADR."""
    from dactyl_lab.tasks.randomization import largest_value

    randomized, adr = _presets()
    assert "max_scale" not in randomized.events.object_size.params
    assert largest_value(randomized.events.object_size.params["value"]) == paper.OBJECT_SCALE_RANGE[1]
    adr_cfg = adr.randomization.adr
    hard_high = adr_cfg.params["object_scale"].hard_limits[1]
    assert largest_value(adr.events.object_size.params["value"], adr_cfg) == hard_high > paper.OBJECT_SCALE_RANGE[1]
    assert largest_value(randomized.events.gravity.params["value"]) == math.inf


def test_newton_only_terms_are_identifiable():
    """For the PhysX backend check: the terms that write Newton / MuJoCo-Warp model data carry ``newton_only``."""
    from dactyl_lab.tasks.reorient.randomization_events_cfg import PHYSICS_RANGES

    newton_model_writers = {
        "object_size",
        "object_friction",
        "hand_friction",
        "tendon_gains",
        "gravity",
    }
    for preset in _presets():
        flagged = {name for name, t in _terms(preset.events).items() if getattr(t.func, "newton_only", False)}
        assert newton_model_writers <= flagged <= set(PHYSICS_RANGES)
        assert "joint_damping" not in flagged  # Isaac Lab's viscous-friction API: one term on Newton and PhysX
