"""The task's physics settings, torch-free: one home for the Newton task and the MuJoCo stand-in hand.

The Newton task (:func:`dactyl_lab.tasks.reorient.env_cfg.newton_cpu_friendly_physics`) builds its
``MJWarpSolverCfg`` from :data:`TASK_SOLVER`; the stand-in hand of the real-hand runtime
(:mod:`dactyl_lab.runtime.backends.mujoco_standin`) writes the same values into plain MuJoCo's ``mjOption``
(``--standin-physics task``), so both simulators run the same solver, cone, integrator and timestep.
``--standin-physics mujoco-default`` keeps the model's own MuJoCo options (gymnasium-robotics' MJCF: Newton
solver, 20 iterations, Euler) with one 8 ms step, the stand-in's settings before the parity work (docs/parity.md).

Also the start-state procedure of the paper (arXiv 1808.00177, C.1) that the stand-in follows:
the cube on the palm in a random orientation, then random actions, discarding starts that drop it.
"""

from __future__ import annotations

from dataclasses import dataclass

# the task's timing and start-state facts live in task_constants; the stand-in reads them through this module
from dactyl_lab.task_constants import DROP_DISTANCE_M, PHYSICS_DT_S, START_RANDOM_ACTION_STEPS  # noqa: F401

NUM_SUBSTEPS = 1
"""Newton substeps per physics step: one 8 ms MuJoCo-Warp step, as the paper steps MuJoCo (10 x 8 ms per 80 ms).
Measured against 2 x 4 ms (``bench/substep_stability.py --num_envs 32 --substeps 2 1``, docs/learning.md): the
same resting-cube drops and drift, fewer drops under random actions (0.97 vs 1.19 per env per 8 s), no
non-finite state, 2.5x the env-steps/s on the CPU (122 vs 48 at 32 envs)."""


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
    njmax: int = 300
    nconmax: int = 150


TASK_SOLVER = SolverSettings()
"""What the Newton task runs: CG (20 iterations) with pyramidal cones, ~10x faster on the CPU than the
default Newton method (README, Performance)."""

STANDIN_PHYSICS_CHOICES: tuple[str, ...] = ("task", "mujoco-default")
"""``task``: :data:`TASK_SOLVER` with :data:`NUM_SUBSTEPS` MuJoCo steps of ``PHYSICS_DT_S / NUM_SUBSTEPS``
per physics step; ``mujoco-default``: the MJCF's own options with one ``PHYSICS_DT_S`` step."""

START_CUBE_HEIGHT_M = 0.01
"""The cube starts this far above its resting place on the palm [m] (the task's cube init state)."""

START_MAX_ATTEMPTS = 100
"""Start states tried before giving up (each that drops the cube is discarded). The stand-in keeps the cube in
about 1 of 6 (6 starts took 36 attempts at 100 random-action steps, seed 0): 100 attempts all fail with
probability about 1e-8."""


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
