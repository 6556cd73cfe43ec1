"""Per-episode physics re-randomization, applied at each reset or batched into cohorts every K control steps.

Every reset that changes the Newton model (masses, frictions, gains, limits, object size, gravity) raises Newton's
model-changed flags; at the next physics step Isaac Lab's ``NewtonManager`` calls the solver's
``notify_model_changed``, which re-runs MuJoCo-Warp's ``set_const_*`` over *all* worlds (measured on the CPU:
0.29 s at 256 envs, 0.43 s at 1,024, 1.84 s at 4,096, docs/performance.md). With thousands of envs some env
resets on almost every step, so that cost is paid per step and grows with the total env count.

The physics event terms of ``presets=randomized`` and ``presets=adr`` are therefore declared in their own event
mode, :data:`PHYSICS_MODE`, which Isaac Lab never calls itself. Two terms drive them:

* :class:`resample_physics` (mode ``reset``, where the physics terms used to sit in the reset order): with
  ``physics_resample_interval_steps`` K = 1 it applies every physics term to the resetting envs at once (the
  former behaviour, in the same order); with K > 1 it only marks them in a pending boolean mask on ``env.device``
  (no host sync). The first reset and every full reset (``env.reset()``) apply at once,
  so the first episodes get their physics right away (the start-state bank, filled earlier in the first
  reset, is unchanged);
* :func:`apply_physics_cohort` (mode ``interval``, every control step): every K env steps it applies every
  physics term to the pending cohort in one call each (one coalesced model update for the cohort) and clears
  the mask. That step reads the mask's indices on the host (``nonzero``): one host sync per K steps. Like every
  ``interval`` term it costs one ``torch.rand(1)`` of Isaac Lab's timer per step on the CPU's global generator;
  the physics terms draw from the randomization stream (:func:`.randomization_terms.randomization_generator`).

Each application ends by folding the model-change flags its terms raised (masses, joint DOFs, tendon actuators,
shapes, gravity) into one (:func:`~.newton_internals.coalesce_model_changes`), and :func:`apply_physics_cohort`
folds again every step after all reset terms ran: the next physics step then updates the model once (one
``set_const`` over all worlds) rather than once per flag (three ``set_const`` before).

The deferred terms draw when they run: ADR terms read the per-env values ADR assigned to the env's current
episode at its reset (``adr.values``, ``adr.env_boundary``), so a boundary-evaluating env gets its boundary value,
only up to K - 1 control steps late. Trade-off: an env's first (up to K - 1) control steps of an episode run with
the previous episode's physics (docs/randomization.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from isaaclab.managers import EventTermCfg, ManagerTermBase

from dactyl_lab.tasks.randomization import resolve_env_ids

from .newton_internals import coalesce_model_changes
from .randomization_terms import randomization_cfg

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedEnv

PHYSICS_MODE = "physics"
"""Event mode of the physics re-randomization terms: called by :class:`resample_physics`, never by Isaac Lab."""


def cohort_due(step: int, interval_steps: int) -> bool:
    """Whether env step ``step`` (``env.common_step_counter``, 1 after the first step) applies the pending cohort."""
    return interval_steps > 1 and step % interval_steps == 0


def physics_interval_steps(env: ManagerBasedEnv) -> int:
    """K: control steps between two cohort applications (``env.cfg.randomization.physics_resample_interval_steps``,
    1 = at each reset)."""
    return max(1, int(randomization_cfg(env).physics_resample_interval_steps))


class resample_physics(ManagerTermBase):
    """``reset`` event: apply the :data:`PHYSICS_MODE` event terms to the resetting envs now (K = 1, the first
    reset, a full reset) or mark them pending for the next cohort step (K > 1); module docstring."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.pending = torch.zeros(env.num_envs, dtype=torch.bool, device=env.device)
        """Envs that reset since the last cohort step and still run the previous episode's physics."""
        self.applications = 0
        """Calls of the physics terms so far (each one model update at the next physics step): for tests, benches."""
        self._applied_once = False

    def __call__(self, env: ManagerBasedEnv, env_ids: torch.Tensor | None, mode: str = PHYSICS_MODE) -> None:
        ids = resolve_env_ids(env_ids, env.num_envs, env.device)
        full = ids.numel() == env.num_envs  # a shape, not a value: no host sync
        if physics_interval_steps(env) == 1 or full or not self._applied_once:
            if full:
                self.pending.zero_()
            self.apply(env, ids, mode)
        else:
            self.pending[ids] = True

    def apply(self, env: ManagerBasedEnv, ids: torch.Tensor, mode: str = PHYSICS_MODE) -> None:
        """Every term of event mode ``mode`` on ``ids``, in declaration order."""
        self._applied_once = True
        if mode not in env.event_manager.available_modes:
            return
        self.applications += 1
        env.event_manager.apply(mode=mode, env_ids=ids)
        coalesce_model_changes(env.sim.physics_manager)  # one model update for all the terms' flags

    def apply_pending(self, env: ManagerBasedEnv, mode: str = PHYSICS_MODE) -> None:
        """The pending cohort's physics, then an empty mask (reads the cohort's indices on the host)."""
        ids = self.pending.nonzero().squeeze(-1)
        self.pending.zero_()
        if ids.numel() > 0:
            self.apply(env, ids, mode)


def apply_physics_cohort(env: ManagerBasedEnv, env_ids: torch.Tensor | None, term_name: str = "physics") -> None:
    """``interval`` event firing every control step (``is_global_time``): every K env steps the pending cohort of
    the :class:`resample_physics` term ``term_name`` gets its physics. Every step, after all reset terms: the
    model-change flags raised in this step folded into one update."""
    if cohort_due(env.common_step_counter, physics_interval_steps(env)):
        term = env.event_manager.get_term_cfg(term_name)
        term.func.apply_pending(env, term.params.get("mode", PHYSICS_MODE))
    coalesce_model_changes(env.sim.physics_manager)
