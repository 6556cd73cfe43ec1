#!/usr/bin/env python3
"""Does physics change far from the world origin? (issue 19, item 10)

Newton steps every world in one float32 world frame; Isaac Lab tiles the worlds on a grid of ``env_spacing``
(0.75 m here), so at 16,384 envs (a 128 x 128 grid) the corner worlds sit 67 m from the origin, where float32
positions resolve 7.6 um (0.06 um at 0.5 m). This builds the real task with 16 envs on a 4 x 4 grid of spacing
``D * sqrt(2)`` (the nearest worlds at D, the farthest at 3 D) for each D, and runs from the same seeded placements
(cube on the palm in a random orientation, hand near its default pose; start-state bank and terminations off):

* hold: the hand's PD targets at its default pose (physics steps only, no action term: a still hand); after
  ``--settle_steps`` control steps, over ``--rest_steps`` more: drift [um] (env frame) and RMS speed [mm/s] of the
  cubes that stayed on the palm (within the drop distance), contacts per world (MuJoCo-Warp's count);
* random: seeded uniform random actions in [-1, 1] through the task's action term for ``--random_steps`` steps
  (the start-state procedure): cubes kept within the drop distance, and how far the kept ones travelled [mm].

  python bench/far_origin.py --distances_m 0.53 1.06 67 1000
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np
import torch

from dactyl_lab.spec import task as tc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers
from tests.helpers.envs import close_env, make_env  # noqa: E402

NUM_ENVS = 16
"""A 4 x 4 grid of spacing ``D * sqrt(2)``: the nearest worlds are ``D`` from the world origin, the farthest 3 ``D``."""


def contacts_per_world() -> float:
    from dactyl_lab.tasks.reorient.mdp.newton_internals import mjwarp_solver

    solver = mjwarp_solver()
    return float(solver.mjw_data.nacon.numpy()[0]) / NUM_ENVS if solver is not None else float("nan")


def cube_pos_env(u) -> torch.Tensor:
    return u.scene["object"].data.root_pos_w.torch - u.scene.env_origins


def hold_step(u, target: torch.Tensor) -> None:
    """One control step of physics with the hand's PD targets at ``target`` (no action term: a still hand)."""
    u.scene["robot"].set_joint_position_target_index(target=target, env_ids=torch.arange(NUM_ENVS, device=u.device))
    steps_per_call = u.cfg.decimation if getattr(u, "_physics_handles_decimation", False) else 1
    for _ in range(u.cfg.decimation // steps_per_call):
        u.scene.write_data_to_sim()
        u.sim.step(render=False)
        u.scene.update(dt=u.physics_dt * steps_per_call)


def run(distance_m: float, args) -> dict:
    def edit(cfg):
        cfg.scene.env_spacing = distance_m * math.sqrt(2.0)
        cfg.events.start_state.params["enabled"] = False  # placement only: the same start for every distance
        for term in ("object_dropped", "goal_timeout", "max_successes"):  # no resets: one trajectory per env
            setattr(cfg.terminations, term, None)
        cfg.episode_length_s = 1e6

    env = make_env(num_envs=NUM_ENVS, seed=args.seed, device=args.device, edit=edit)
    try:
        u = env.unwrapped
        env.reset()
        robot = u.scene["robot"]
        origin_m = u.scene.env_origins.norm(dim=-1)
        target = robot.data.default_joint_pos.torch.clone()
        home = cube_pos_env(u).clone()
        worst = torch.zeros(NUM_ENVS, device=u.device)
        for _ in range(args.settle_steps):
            hold_step(u, target)
            worst = torch.maximum(worst, (cube_pos_env(u) - home).norm(dim=-1))
        start, speeds, contacts = cube_pos_env(u).clone(), [], []
        for _ in range(args.rest_steps):
            hold_step(u, target)
            worst = torch.maximum(worst, (cube_pos_env(u) - home).norm(dim=-1))
            speeds.append(u.scene["object"].data.root_lin_vel_w.torch.norm(dim=-1))
            contacts.append(contacts_per_world())
        kept = worst <= tc.DROP_DISTANCE_M  # only cubes that stayed on the palm say anything about resting
        drift_um = 1e6 * (cube_pos_env(u) - start).norm(dim=-1)[kept]
        rms_speed_mm_s = 1e3 * torch.stack(speeds).pow(2).mean(0).sqrt()[kept]

        env.reset()
        gen = torch.Generator(device=u.device).manual_seed(args.seed)
        home = cube_pos_env(u).clone()
        worst = torch.zeros(NUM_ENVS, device=u.device)
        zeros = torch.zeros(NUM_ENVS, u.action_manager.total_action_dim, device=u.device)
        for _ in range(args.random_steps):
            env.step(2.0 * torch.rand(zeros.shape, device=u.device, generator=gen) - 1.0)
            worst = torch.maximum(worst, (cube_pos_env(u) - home).norm(dim=-1))
        random_kept = worst <= tc.DROP_DISTANCE_M
        return {
            "distance_m": (float(origin_m.min()), float(origin_m.max())),
            "float32_resolution_um": 1e6 * float(np.spacing(np.float32(origin_m.max()))),
            "hold_kept": int(kept.sum()),
            "hold_drift_um": drift_um.tolist(),
            "hold_rms_speed_mm_s": rms_speed_mm_s.tolist(),
            "contacts_per_world": float(np.mean(contacts)),
            "random_kept": int(random_kept.sum()),
            "random_travel_kept_mm": (1e3 * (cube_pos_env(u) - home).norm(dim=-1)[random_kept]).tolist(),
        }
    finally:
        close_env(env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--distances_m",
        type=float,
        nargs="+",
        default=[0.53, 1.06, 67.0, 1000.0],
        help="distances D of the nearest worlds from the origin [m] (default: %(default)s)",
    )
    parser.add_argument("--settle_steps", type=int, default=25, help="hold steps before the measured window")
    parser.add_argument("--rest_steps", type=int, default=50, help="hold steps measured (80 ms each)")
    parser.add_argument("--random_steps", type=int, default=50, help="random-action steps")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    rows = [run(d, args) for d in args.distances_m]
    print(
        f"\n{'worlds at m':>15} | {'f32 res um':>10} | {'hold kept':>9} | {'drift um (median, max)':>22} | "
        f"{'rms mm/s (median)':>17} | {'contacts/world':>14} | {'random kept':>11} | {'travel mm (kept, mean)':>22}"
    )
    for r in rows:
        lo, hi = r["distance_m"]
        drift, rms = np.asarray(r["hold_drift_um"]), np.asarray(r["hold_rms_speed_mm_s"])
        travel = np.asarray(r["random_travel_kept_mm"])
        print(
            f"{lo:>6.1f} - {hi:>6.1f} | {r['float32_resolution_um']:>10.3f} | {r['hold_kept']:>6}/{NUM_ENVS} | "
            f"{np.median(drift):>10.1f}, {drift.max():>10.1f} | {np.median(rms):>17.3f} | "
            f"{r['contacts_per_world']:>14.1f} | {r['random_kept']:>8}/{NUM_ENVS} | "
            f"{travel.mean() if travel.size else float('nan'):>22.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
