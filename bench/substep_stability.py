#!/usr/bin/env python3
"""Is one 8 ms Newton substep per physics step stable for this hand (the paper steps MuJoCo at 8 ms)?

For each substep count (default: 2 x 4 ms, the task's, and 1 x 8 ms) on the real task:
  - rest: the cube on the palm with the zero action for 8 s: cube drift [mm] and rotation [rad], drops;
  - random: uniformly random actions for 8 s: drops, largest joint and cube speeds, non-finite states;
  - speed: env-steps/s over the random phase.
Prints a table and writes --json. A substep count is "stable" when nothing became non-finite, the resting cube
stayed on the palm, and the random-action drop rate is not worse than the task's within noise.

  python bench/substep_stability.py --num_envs 64 --substeps 2 1 --json substeps.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
from tests.helpers.envs import close_env, make_env  # noqa: E402


def run(num_envs: int, substeps: int, seconds: float, device: str) -> dict:
    def edit(cfg):
        cfg.sim.physics.num_substeps = substeps
        cfg.terminations.goal_timeout.params["timeout_s"] = 1.0e6  # only drops end an episode here

    env = make_env(num_envs=num_envs, seed=7, device=device, edit=edit)
    try:
        env.reset()
        u = env.unwrapped
        cube, robot = u.scene["object"], u.scene["robot"]
        steps = round(seconds / u.step_dt)
        action = torch.zeros(num_envs, u.action_manager.total_action_dim, device=u.device)
        start_pos = cube.data.root_pos_w.torch.clone()
        start_quat = cube.data.root_quat_w.torch.clone()
        rest_drops = torch.zeros(num_envs, dtype=torch.bool, device=u.device)
        for _ in range(steps):
            _, _, terminated, _, _ = env.step(action)
            rest_drops |= terminated
        drift_mm = (cube.data.root_pos_w.torch - start_pos).norm(dim=-1) * 1000.0
        dot = (cube.data.root_quat_w.torch * start_quat).sum(-1).abs().clamp(max=1.0)
        rotation_rad = 2.0 * torch.acos(dot)
        held = ~rest_drops
        drops = 0
        max_joint_vel, max_cube_vel, nonfinite = 0.0, 0.0, 0
        began = time.perf_counter()
        for _ in range(steps):
            action.uniform_(-1.0, 1.0)
            obs, _, terminated, _, _ = env.step(action)
            drops += int(terminated.sum())
            max_joint_vel = max(max_joint_vel, float(robot.data.joint_vel.torch.abs().max()))
            max_cube_vel = max(max_cube_vel, float(cube.data.root_lin_vel_w.torch.norm(dim=-1).max()))
            nonfinite += int((~torch.isfinite(obs["critic"])).any(dim=-1).sum())
        wall = time.perf_counter() - began
        return {
            "substeps": substeps,
            "substep_ms": 1000.0 * u.cfg.sim.dt / substeps,
            "rest_drop_fraction": float(rest_drops.float().mean()),
            "rest_drift_mm_median": float(drift_mm[held].median()) if held.any() else float("nan"),
            "rest_drift_mm_max": float(drift_mm[held].max()) if held.any() else float("nan"),
            "rest_rotation_rad_median": float(rotation_rad[held].median()) if held.any() else float("nan"),
            "random_drops_per_env_per_8s": drops / num_envs * (8.0 / seconds),
            "random_max_joint_vel_rad_s": max_joint_vel,
            "random_max_cube_speed_m_s": max_cube_vel,
            "nonfinite_env_steps": nonfinite,
            "env_steps_per_s": steps * num_envs / wall,
        }
    finally:
        close_env(env)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--num_envs", type=int, default=64, help="envs per measurement (default: %(default)s)")
    p.add_argument("--substeps", type=int, nargs="+", default=[2, 1], help="substep counts to compare")
    p.add_argument("--seconds", type=float, default=8.0, help="simulated seconds per phase (default: 8)")
    p.add_argument("--device", default="cpu", help="simulation device (default: cpu)")
    p.add_argument("--json", default=None, help="write the rows to this JSON file")
    args = p.parse_args()
    rows = []
    for n in args.substeps:
        rows.append(run(args.num_envs, n, args.seconds, args.device))
        print(json.dumps(rows[-1]), flush=True)
    keys = list(rows[0])
    print("\n" + " | ".join(keys))
    for r in rows:
        print(" | ".join(f"{r[k]:.3g}" if isinstance(r[k], float) else str(r[k]) for k in keys))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")


if __name__ == "__main__":
    main()
