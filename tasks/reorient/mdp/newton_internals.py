"""The one place that reaches into Isaac Lab's Newton physics manager (checked against Isaac Lab 3.0.0).

Isaac Lab 3.0.0 exposes Newton's model, states and control (``NewtonManager.get_model()``, ``get_state_0()``,
``get_control()``) but not the MuJoCo-Warp solver it builds (``NewtonManager._solver``, a
``newton.solvers.SolverMuJoCo``). Four things of ours need that solver: turning off MuJoCo-Warp's in-kernel
overflow printf (``mjw_model.opt.warn_overflow``), reading its per-world overflow flags instead
(``mjw_data.overflow``, :mod:`.solver_overflow`), the tendon actuators' per-world gains (its
``mjc_actuator_*`` index maps) and the object's geoms (``mjc_geom_to_newton_shape``). Every such read goes
through :func:`mjwarp_solver`, so an Isaac Lab upgrade that renames it breaks here alone, with ``None``
rather than an AttributeError deep in a term.

:func:`coalesce_model_changes` is the one write: the manager keeps the model-change flags raised since the last
physics step as a set (``NewtonManager._model_changes``) and calls the solver's ``notify_model_changed`` once per
*flag*; each of the mass, joint-DOF and actuator flags re-runs MuJoCo-Warp's ``set_const_0`` over every world, so a
reset that re-randomizes all three paid it three times. Newton's ``notify_model_changed`` takes the flags OR-ed
together and then runs each update once, with the same result.
"""

from __future__ import annotations

from typing import Any

CHECKED_AGAINST = "isaaclab 3.0.0 (isaaclab_newton.physics.NewtonManager._solver)"


def mjwarp_solver() -> Any | None:
    """Isaac Lab's MuJoCo-Warp solver object, or None (another backend, or the solver not built yet)."""
    try:
        from isaaclab_newton.physics.newton_manager import NewtonManager
    except ImportError:  # another physics backend (PhysX)
        return None
    solver = getattr(NewtonManager, "_solver", None)
    return solver if hasattr(solver, "mjw_model") else None


def coalesce_model_changes(manager: Any) -> int:
    """Fold the model-change flags pending on Isaac Lab's Newton ``manager`` (``env.sim.physics_manager``) into one
    OR-ed flag, so its next physics step calls ``notify_model_changed`` (and ``set_const``) once instead of once per
    flag. Flags the active solver ignores (the manager warns about each once) stay separate. A host-side set
    operation, no device work. Returns the number of flags folded (0: nothing to do, or not a Newton manager)."""
    pending = getattr(manager, "_model_changes", None)
    if not isinstance(pending, set):
        return 0
    ignored = getattr(manager, "_ignored_model_changes", None) or {}
    foldable = [int(flag) for flag in pending if flag not in ignored]
    if len(foldable) < 2:
        return 0
    combined = 0
    for flag in foldable:
        combined |= flag
    pending.difference_update(foldable)  # in place: the manager's own set, read at its next step
    pending.add(combined)
    return len(foldable)
