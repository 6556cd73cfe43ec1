"""ADR state in checkpoints: helpers over an env whose task exposes its :class:`~.adr.ADR` as ``env.adr``
(``presets=adr`` does, on the unwrapped env), and a hook for an RSL-RL ``OnPolicyRunner``.

The ADR state (bounds, queues, versions, staged results; see :meth:`ADR.state_dict`) is global: per-env
episode values are not saved, every env resamples at its next reset. Every rank of a multi-process run
loads the same checkpoint; :meth:`ADR.load_state_dict` re-stages saved pending results on rank 0 only.
"""

from __future__ import annotations

from .adr import ADR

CHECKPOINT_KEY = "adr_state"
"""Key of the ADR state in an RSL-RL checkpoint dict written through :func:`attach_adr_checkpointing`."""


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


def attach_adr_checkpointing(runner, env) -> None:
    """Store ``env``'s ADR state in every checkpoint ``runner.save`` writes (key :data:`CHECKPOINT_KEY` of the
    saved dict) and restore it on ``runner.load``. Wraps the runner's algorithm ``save`` / ``load`` (RSL-RL's
    ``OnPolicyRunner.save`` writes ``alg.save()`` plus ``iter`` / ``infos``; ``load`` passes the loaded dict to
    ``alg.load``), so it composes with runner subclasses. A checkpoint without the key leaves ADR as it is.
    No-op when the env has no ADR. Idempotent."""
    if env_adr(env) is None:
        return
    alg = runner.alg
    if getattr(alg, "_dactyl_adr_checkpointing", False):
        return
    save, load = alg.save, alg.load

    def save_with_adr(*args, **kwargs):
        saved = save(*args, **kwargs)
        saved[CHECKPOINT_KEY] = adr_state_dict(env)
        return saved

    def load_with_adr(loaded_dict, *args, **kwargs):
        result = load(loaded_dict, *args, **kwargs)
        state = loaded_dict.get(CHECKPOINT_KEY) if isinstance(loaded_dict, dict) else None
        if state is not None:
            load_adr_state_dict(env, state)
        return result

    alg.save, alg.load = save_with_adr, load_with_adr
    alg._dactyl_adr_checkpointing = True
