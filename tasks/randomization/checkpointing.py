"""ADR state in checkpoints: helpers over an env whose task exposes its :class:`~.adr.ADR` as ``env.adr``
(``presets=adr`` does, on the unwrapped env). The training runners store it under :data:`CHECKPOINT_KEY`
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


def env_adr(env) -> ADR | None:
    """The ADR object of ``env`` (a gym wrapper, an RSL-RL / rl-games wrapper or the Isaac Lab env), or None."""
    seen = set()
    while env is not None and id(env) not in seen:
        seen.add(id(env))
        adr = getattr(env, "__dict__", {}).get("adr")
        if isinstance(adr, ADR):
            return adr
        env = getattr(env, "unwrapped", None) if getattr(env, "unwrapped", None) is not env else None
    return None


def _require(env) -> ADR:
    adr = env_adr(env)
    if adr is None:
        raise ValueError("this env has no ADR (build the task with presets=adr)")
    return adr


def adr_state_dict(env) -> dict:
    """``env``'s ADR state for a checkpoint (CPU tensors)."""
    return _require(env).state_dict()


def load_adr_state_dict(env, state: dict, strict: bool = True) -> None:
    """Restore ``env``'s ADR state from :func:`adr_state_dict`'s output (envs resample at their next reset)."""
    _require(env).load_state_dict(state, strict=strict)
