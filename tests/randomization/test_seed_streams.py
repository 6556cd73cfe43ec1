"""Every randomizing part of the task draws from its own stream (tasks/reorient/mdp/seed_streams.py)."""

import dataclasses

from dactyl_lab.tasks.reorient.mdp import actions, adr_terms, randomization_terms, seed_streams, start_states


def default(cfg_class, name: str):
    """A configclass field's default value (configclass turns defaults into factories)."""
    field = {f.name: f for f in dataclasses.fields(cfg_class)}[name]
    return field.default_factory() if field.default is dataclasses.MISSING else field.default


def test_the_streams_are_distinct_and_used_by_their_parts():
    offsets = list(seed_streams.OFFSETS.values())
    assert len(set(offsets)) == len(offsets), seed_streams.OFFSETS
    # seeds 0..999,999 of two streams never coincide (the offsets are more than that apart)
    assert min(abs(a - b) for i, a in enumerate(offsets) for b in offsets[i + 1 :]) > 1_000_000 - 1
    assert default(actions.RelativeMotorTargetActionCfg, "seed_offset") == seed_streams.ACTION_MODELS
    assert default(randomization_terms.DactylRandomizationCfg, "seed_offset") == seed_streams.RANDOMIZATION
    assert start_states.START_STATE_SEED_OFFSET == seed_streams.START_STATES
    assert adr_terms.ADR_SEED_OFFSET == seed_streams.ADR


def test_an_unseeded_env_uses_the_global_generator():
    assert seed_streams.seed_of(None, seed_streams.ADR) is None
    assert seed_streams.seed_of(7, seed_streams.ADR) == 7 + seed_streams.ADR
