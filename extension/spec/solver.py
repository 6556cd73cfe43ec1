"""The task's physics settings, torch-free: one home for the Newton task and the MuJoCo stand-in hand.

The Newton task (:func:`dactyl_lab.tasks.reorient.env_cfg.newton_cpu_friendly_physics`) builds its
``MJWarpSolverCfg`` from :data:`TASK_SOLVER`; the stand-in hand of the real-hand runtime
(:mod:`dactyl_lab.runtime.backends.mujoco_standin`) writes the same values into plain MuJoCo's ``mjOption``
(``--standin_physics task``), so both simulators run the same solver, cone, integrator and timestep.
``--standin_physics mujoco-default`` keeps the model's own MuJoCo options (gymnasium-robotics' MJCF: Newton
solver, 20 iterations, Euler) with one 8 ms step: a second simulator's own settings, the parity comparison's
``before`` configuration (docs/parity.md).

Also the start-state procedure of the paper (arXiv 1808.00177, C.1) that the stand-in follows:
the cube on the palm in a random orientation, then random actions, discarding starts that drop it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

# the task's timing and start-state facts live in task_constants; the stand-in reads them through this module
from .task import DROP_DISTANCE_M, PHYSICS_DT_S, START_RANDOM_ACTION_STEPS  # noqa: F401

NUM_SUBSTEPS = 1
"""Newton substeps per physics step: one 8 ms MuJoCo-Warp step, as the paper steps MuJoCo (10 x 8 ms per 80 ms).
One substep rather than two of 4 ms because it is as stable and cheaper (measured with
``bench/substep_stability.py``: docs/learning.md, "What had to change before anything could learn")."""


@dataclass(frozen=True)
class SolverSettings:
    """MuJoCo(-Warp) solver options; names as in ``MJWarpSolverCfg`` and MuJoCo's MJCF ``<option>``."""

    solver: str = "cg"
    iterations: int = 20
    ls_iterations: int = 10
    integrator: str = "implicitfast"
    cone: str = "pyramidal"
    impratio: float = 1.0
    tolerance: float = 1e-6
    njmax: int = 224
    """Constraint rows per world (MuJoCo-Warp ``njmax``): about twice the most seen (measured: docs/performance.md,
    Contact and constraint capacities); a world needing more drops rows, which ``Physics/overflow_nefc`` counts."""
    nconmax: int = 64
    """Contacts per world (``nconmax``; one buffer of ``nconmax`` x worlds shared by all worlds): about twice the most
    seen in one world (measured: docs/performance.md, Contact and constraint capacities);
    ``Physics/overflow_broadphase`` / ``Physics/overflow_narrowphase`` count a full buffer."""


TASK_SOLVER = SolverSettings()
"""What the Newton task runs on the CPU: CG (20 iterations) with pyramidal cones, because MuJoCo-Warp's default
Newton method spends most of its CPU time in a dense Hessian kernel (measured: docs/performance.md, Solver choice);
also the stand-in hand's ``--standin_physics task``."""

GPU_TASK_SOLVER = replace(
    TASK_SOLVER, solver="newton", iterations=100, ls_iterations=50, cone="elliptic", impratio=10.0
)
"""What the Newton task runs on a CUDA device: the solver, iterations, cone and impratio of Isaac Lab's stock
Shadow-hand reorient task (``isaaclab_tasks.core.reorient.config.shadow_hand``, its ``newton_mjwarp`` preset:
Newton method, 100 + 50 line-search iterations, elliptic cones, impratio 10), whose cost a GPU absorbs; the
integrator, tolerance and contact capacities stay the task's (docs/performance.md, Solver choice)."""

PHYSICS_SETTINGS_CHOICES: tuple[str, ...] = ("auto", "cpu", "gpu")
"""The task config's ``physics_settings``: ``auto`` picks by ``sim.device`` (:func:`solver_settings_for`)."""


def solver_settings_for(physics_settings: str, device: str) -> SolverSettings:
    """:data:`TASK_SOLVER` (``cpu``) or :data:`GPU_TASK_SOLVER` (``gpu``); ``auto``: ``gpu`` on a CUDA device."""
    if physics_settings not in PHYSICS_SETTINGS_CHOICES:
        raise ValueError(
            f"physics_settings={physics_settings!r}: choose one of {', '.join(PHYSICS_SETTINGS_CHOICES)} "
            "(e.g. env.physics_settings=cpu)"
        )
    if physics_settings == "auto":
        physics_settings = "gpu" if str(device).startswith("cuda") else "cpu"
    return GPU_TASK_SOLVER if physics_settings == "gpu" else TASK_SOLVER


STANDIN_PHYSICS_CHOICES: tuple[str, ...] = ("task", "mujoco-default")
"""``task``: :data:`TASK_SOLVER` with :data:`NUM_SUBSTEPS` MuJoCo steps of ``PHYSICS_DT_S / NUM_SUBSTEPS``
per physics step; ``mujoco-default``: the MJCF's own options with one ``PHYSICS_DT_S`` step."""

START_CUBE_HEIGHT_M = 0.01
"""The cube starts this far above its resting place on the palm [m] (the task's cube init state)."""

START_MAX_ATTEMPTS = 100
"""Start states tried before giving up (each that drops the cube is discarded). Generous because the stand-in
keeps the cube in far fewer starts than Newton does (keep rates measured: docs/fidelity.md, item 5), and running
out of attempts fails the run."""


def mujoco_option_values(settings: SolverSettings = TASK_SOLVER) -> dict[str, int | float]:
    """``settings`` as MuJoCo ``mjOption`` field values (enums resolved), without importing MuJoCo here."""
    solvers = {"pgs": 0, "cg": 1, "newton": 2}
    integrators = {"euler": 0, "rk4": 1, "implicit": 2, "implicitfast": 3}
    cones = {"pyramidal": 0, "elliptic": 1}
    for value, table, name in (
        (settings.solver, solvers, "solver"),
        (settings.integrator, integrators, "integrator"),
        (settings.cone, cones, "cone"),
    ):
        if value not in table:
            raise ValueError(f"unknown MuJoCo {name} {value!r}; choose one of {', '.join(table)}")
    return {
        "solver": solvers[settings.solver],
        "iterations": settings.iterations,
        "ls_iterations": settings.ls_iterations,
        "integrator": integrators[settings.integrator],
        "cone": cones[settings.cone],
        "impratio": settings.impratio,
        "tolerance": settings.tolerance,
    }


START_DROP_DISTANCE_M = DROP_DISTANCE_M
"""A settled start whose cube ended farther than this from its start place is discarded [m] (the task's drop
distance)."""

TASK_CUBE_CONDIM = 3
"""Contact dimension of the task's cube: Isaac Lab's ``CuboidCfg`` authors none, so Newton uses MuJoCo's
default 3 (sliding friction); the hand's distal phalanges have 4 (torsional too), as in the MJCF."""
