"""The task's random streams: each randomizing part draws from a private generator seeded with
``env.cfg.seed + <its offset>`` (the global RNG when the env has no seed), so the parts' draws are uncorrelated and
adding draws to one part leaves the others' numbers unchanged. One home for the offsets: they must differ."""

from __future__ import annotations

RANDOMIZATION = 1_000_003
"""Observation noise, random forces and the other randomization terms' modules."""
ACTION_MODELS = 2_000_003
"""The action term's models: action noise, delay, backlash, timing jitter."""
START_STATES = 3_000_017
"""The start-state bank's random actions and orientations."""
ADR = 4_000_037
"""Automatic Domain Randomization's boundary sampling and per-episode values."""

OFFSETS = {"randomization": RANDOMIZATION, "action_models": ACTION_MODELS, "start_states": START_STATES, "adr": ADR}


def seed_of(env_seed: int | None, offset: int) -> int | None:
    """The seed of a stream: ``env_seed + offset``, or None (use the global RNG) when the env has no seed."""
    return None if env_seed is None else int(env_seed) + offset
