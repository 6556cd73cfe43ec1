#!/usr/bin/env python3
"""Memory of MuJoCo-Warp's constraint and contact capacities (``njmax`` rows per world, ``nconmax`` contacts per
world, dactyl_lab.spec.solver) at a given env count, computed from the arrays MuJoCo-Warp allocates.

Builds the task once (1 env) for the MuJoCo model Newton converts the scene into (``solver.mj_model``), then
allocates MuJoCo-Warp's ``Data`` (``put_data``, as Newton does) and the CG solver's per-step workspace
(``_create_solver_context``) on the CPU for two world counts and each (njmax, nconmax), sums the bytes of every
array, and extrapolates linearly (every array is per world or per contact slot) to ``--num_envs``.
Use ``bench/soak.py`` (``capacity_peaks``) for the rows and contacts a run actually uses.

  python bench/solver_capacity.py                                      # 8,192 envs: the old and the new capacities
  python bench/solver_capacity.py --num_envs 4096 --capacities 300:150 128:48
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path


def array_bytes(obj, seen: set[int] | None = None) -> int:
    """Bytes of every Warp array reachable from ``obj`` through dataclass fields (Data, its contact / efc parts)."""
    import warp as wp

    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, wp.array):
        return int(obj.capacity) if obj.capacity else 0
    if dataclasses.is_dataclass(obj):
        return sum(array_bytes(getattr(obj, f.name), seen) for f in dataclasses.fields(obj))
    return 0


def capacity_bytes(solver, nworld: int, njmax: int, nconmax: int) -> dict[str, int]:
    """Bytes of MuJoCo-Warp's Data and CG workspace for ``nworld`` worlds of ``solver``'s model (on the CPU)."""
    import mujoco_warp
    import warp as wp
    from mujoco_warp._src.solver import _create_solver_context

    with wp.ScopedDevice("cpu"):
        model = mujoco_warp.put_model(solver.mj_model)
        data = mujoco_warp.put_data(solver.mj_model, solver.mj_data, nworld=nworld, nconmax=nconmax, njmax=njmax)
        context = _create_solver_context(model, data)
        result = {"data": array_bytes(data), "solver_workspace": array_bytes(context)}
    del model, data, context
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_envs", type=int, default=8192, help="env count to report the memory at")
    parser.add_argument(
        "--capacities", nargs="+", default=None, help="njmax:nconmax pairs (default: 300:150 and the task's)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the table here")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers
    from dactyl_lab.spec.solver import TASK_SOLVER
    from dactyl_lab.tasks.reorient.mdp.newton_internals import mjwarp_solver
    from tests.helpers.envs import close_env, make_env

    pairs = args.capacities or ["300:150", f"{TASK_SOLVER.njmax}:{TASK_SOLVER.nconmax}"]
    capacities = list(dict.fromkeys(tuple(int(v) for v in pair.split(":")) for pair in pairs))
    env = make_env(num_envs=1, seed=0, device="cpu")
    try:
        env.reset()
        solver = mjwarp_solver()
        small, large = 32, 64
        rows = []
        for njmax, nconmax in capacities:
            a = capacity_bytes(solver, small, njmax, nconmax)
            b = capacity_bytes(solver, large, njmax, nconmax)
            at = {k: a[k] + (b[k] - a[k]) * (args.num_envs - small) / (large - small) for k in a}
            rows.append(
                {
                    "njmax": njmax,
                    "nconmax": nconmax,
                    "num_envs": args.num_envs,
                    "data_mib": at["data"] / 2**20,
                    "solver_workspace_mib": at["solver_workspace"] / 2**20,
                    "total_mib": sum(at.values()) / 2**20,
                    "per_env_kib": sum(at.values()) / args.num_envs / 2**10,
                }
            )
        info = {"nv": int(solver.mj_model.nv), "ngeom": int(solver.mj_model.ngeom)}
    finally:
        close_env(env)
    print(f"\nMuJoCo-Warp memory at {args.num_envs} envs (model nv {info['nv']}, ngeom {info['ngeom']}):")
    print(f"{'njmax':>6} | {'nconmax':>7} | {'Data MiB':>9} | {'CG workspace MiB':>16} | {'total MiB':>9} | KiB/env")
    for r in rows:
        print(
            f"{r['njmax']:>6} | {r['nconmax']:>7} | {r['data_mib']:>9.1f} | {r['solver_workspace_mib']:>16.1f} | "
            f"{r['total_mib']:>9.1f} | {r['per_env_kib']:.1f}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps({"model": info, "rows": rows}, indent=2))


if __name__ == "__main__":
    main()
