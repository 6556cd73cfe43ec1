"""Event terms of the Dactyl task that Isaac Lab does not provide."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .newton_internals import mjwarp_solver

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedEnv


def silence_solver_iteration_warnings(env: ManagerBasedEnv, env_ids) -> None:
    """Stop MuJoCo-Warp printing 'iterations limit reached' from inside its kernels.

    With the CG solver capped at 20 iterations (chosen for CPU speed) the cap is often reached; the
    device-side printf then floods the console on every step. Convergence is still available through
    ``NewtonCfg(debug_mode=True)``, which logs the solver's iteration statistics.

    ``opt.warn_overflow`` gates *every* overflow print of MuJoCo-Warp (constraint rows over ``njmax``, contacts
    over ``nconmax``, CCD, islands), not only the iteration one: those overflows are counted from the per-world
    flags instead (:class:`.solver_overflow.track_solver_overflow`, ``Physics/overflow_*`` in the log).
    """
    solver = mjwarp_solver()
    if solver is not None:
        solver.mjw_model.opt.warn_overflow = False
