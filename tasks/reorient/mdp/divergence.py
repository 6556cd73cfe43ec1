"""A diverged world never reaches the learner.

Isaac Lab's ``ManagerBasedRLEnv.step`` computes, after the physics steps: terminations, then rewards (with the
episode sums), then resets the ended envs, then observations. A world whose state went non-finite (a NaN cube pose
or velocity, a NaN hand joint, a contact blow-up, within any of the decimation's physics steps: NaN stays NaN) is
caught by the guard termination (:func:`~.terminations.nonfinite_state`, term :data:`GUARD_TERM`, a time-out:
bootstrapped, no drop penalty), which resets the env in the same step. What it must not hand out on the way:

* rewards: the reward terms pay 0 for an env the guard fired on, and for any non-finite value
  (:func:`zero_where_diverged`, applied by :func:`~.rewards.per_policy_step`), so the step reward and the episode
  sums stay finite; the physics may have left a finite but meaningless cube pose (MuJoCo-Warp normalises a NaN
  quaternion), which would pay a spurious orientation "progress";
* observations: computed after the reset, so the reset envs observe their fresh start; an env whose world is still
  non-finite (a reset that did not restore it) observes zeros, and any non-finite entry (a noise model's state, a
  non-finite action fed back as ``last_action``) becomes 0 (:func:`mask_diverged_observations`, applied by the
  task's env class, :class:`~dactyl_lab.tasks.reorient.env.DactylReorientEnv`, to every group it hands out).

All of it is elementwise on the env's device: no host sync.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from .terminations import nonfinite_state

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv

GUARD_TERM = "nonfinite_state"
"""Name of the divergence guard in the task's termination cfg."""


def guard_fired(env: ManagerBasedRLEnv) -> torch.Tensor:
    """Per env: True where the divergence guard fired this step (its termination term, computed before the
    rewards); the guard evaluated now for a task without that term."""
    terminations = env.termination_manager
    if GUARD_TERM in terminations.active_terms:
        return terminations.get_term(GUARD_TERM)
    return nonfinite_state(env)


def zero_where_diverged(env: ManagerBasedRLEnv, value: torch.Tensor) -> torch.Tensor:
    """A per-env reward ``value`` (num_envs,) with 0 where the guard fired and where it is NaN or inf."""
    return torch.where(guard_fired(env) | ~torch.isfinite(value), torch.zeros_like(value), value)


def mask_diverged_observations(env: ManagerBasedRLEnv, obs: dict) -> dict:
    """In place in ``obs`` (group -> tensor, or group -> term -> tensor; the env's ``obs_buf``): 0 for every
    observation of an env whose state is non-finite now and for every non-finite entry. Returns ``obs``."""
    diverged = nonfinite_state(env)
    for name, value in obs.items():
        if isinstance(value, dict):
            for term, term_value in value.items():
                value[term] = _zero_rows_and_nonfinite(term_value, diverged)
        else:
            obs[name] = _zero_rows_and_nonfinite(value, diverged)
    return obs


def _zero_rows_and_nonfinite(value: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """A new tensor (the term may return a buffer it owns): 0 in the ``rows`` (num_envs,) and where non-finite."""
    rows = rows.view(-1, *([1] * (value.dim() - 1)))
    return torch.where(rows | ~torch.isfinite(value), torch.zeros_like(value), value)
