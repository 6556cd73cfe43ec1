"""The one place that reaches into Isaac Lab's Newton physics manager (checked against Isaac Lab 3.0.0).

Isaac Lab 3.0.0 exposes Newton's model, states and control (``NewtonManager.get_model()``, ``get_state_0()``,
``get_control()``) but not the MuJoCo-Warp solver it builds (``NewtonManager._solver``, a
``newton.solvers.SolverMuJoCo``). Three things of ours need that solver: turning off MuJoCo-Warp's in-kernel
overflow printf (``mjw_model.opt.warn_overflow``), the tendon actuators' per-world gains (its
``mjc_actuator_*`` index maps) and the object's geoms (``mjc_geom_to_newton_shape``). Every such read goes
through :func:`mjwarp_solver`, so an Isaac Lab upgrade that renames it breaks here alone, with ``None``
rather than an AttributeError deep in a term.
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
