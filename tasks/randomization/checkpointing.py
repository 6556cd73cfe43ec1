"""ADR state in checkpoints. The ADR object is owned by the task's ADR curriculum term (``presets=adr``:
:class:`dactyl_lab.tasks.reorient.mdp.adr_update_and_resample`); :func:`adr_of` finds it through the env's curriculum
manager. The training runners store its state under :data:`CHECKPOINT_KEY`
(``dactyl_lab.training.rsl_rl_runner.DactylOnPolicyRunner.save`` and the rl-games
``dactyl_lab.training.rl_games_checkpointing.CheckpointingMixin``).

The ADR state (bounds, queues, versions, staged results; see :meth:`ADR.state_dict`) is global: per-env
episode values are not saved, every env resamples at its next reset. Every rank of a multi-process run
loads the same checkpoint; :meth:`ADR.load_state_dict` re-stages saved pending results on rank 0 only.
"""

from __future__ import annotations

from .adr import ADR

CHECKPOINT_KEY = "adr_state"
"""Key of the ADR state in a training checkpoint dict (RSL-RL and rl-games)."""


def adr_term(env):
    """The curriculum term of ``env.unwrapped.curriculum_manager`` that holds ``env``'s ADR (its ``adr`` attribute;
    Isaac Lab's lift task keeps its ADR state in its curriculum term the same way), or None. ``env``: the Isaac Lab
    env or any wrapper with ``unwrapped``."""
    manager = getattr(getattr(env, "unwrapped", env), "curriculum_manager", None)
    if manager is None:
        return None
    terms = manager.cfg if isinstance(manager.cfg, dict) else vars(manager.cfg)
    for name in manager.active_terms:
        if isinstance(getattr(terms[name].func, "adr", None), ADR):
            return terms[name].func
    return None


def adr_of(env) -> ADR | None:
    """The ADR object of ``env`` (held by its ADR curriculum term, :func:`adr_term`), or None."""
    term = adr_term(env)
    return None if term is None else term.adr


def _require(env) -> ADR:
    adr = adr_of(env)
    if adr is None:
        raise ValueError(
            "this env has no ADR curriculum term: build the task with presets=adr (its curriculum term `adr`)"
        )
    return adr


def adr_state_dict(env) -> dict:
    """``env``'s ADR state for a checkpoint (CPU tensors)."""
    return _require(env).state_dict()


def load_adr_state_dict(env, state: dict, strict: bool = True) -> None:
    """Restore ``env``'s ADR state from :func:`adr_state_dict`'s output (envs resample at their next reset)."""
    _require(env).load_state_dict(state, strict=strict)
