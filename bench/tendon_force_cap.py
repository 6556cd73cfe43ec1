#!/usr/bin/env python3
"""How often the tendon motor's force cap binds: the one servo limit the PhysX hand cannot carry (a PhysX fixed tendon
has no force range; docs/parity.md, "PhysX hand").

The task (``--presets``, default Newton) runs ``--num_envs`` envs under uniform random actions in [-1, 1] (what a
policy explores with early in training: its Gaussian starts at std 1) for ``--seconds``, stepped below ``env.step``
(the action manager, then each 8 ms physics step) so that every physics step is seen, resets ignored. Per physics step
and finger tendon: the servo's demand ``kp * |target - (J1 + J2)|`` against the cap (``dactyl_lab.spec.hand``,
0.7245 N m at kp 1 N m/rad). Reports the share of tendon-steps over the cap and the demand's percentiles relative to
the cap: on Newton the servo delivers min(demand, cap), on PhysX the whole demand.

  OMP_NUM_THREADS=1 python bench/tendon_force_cap.py --num_envs 16 --seconds 8
  OMP_NUM_THREADS=1 python bench/tendon_force_cap.py --presets physx
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers


def measure(presets: tuple[str, ...], num_envs: int, seconds: float, seed: int) -> dict:
    import torch

    from dactyl_lab.spec import hand
    from tests.helpers.envs import close_env, make_env

    env = make_env(num_envs=num_envs, seed=seed, presets=presets, start_steps=None)
    try:
        env.reset()
        u = env.unwrapped
        term = u.action_manager.get_term("motors")
        n = len(hand.JOINT_MOTOR_NAMES)
        kp = torch.tensor([hand.MOTOR_STIFFNESS[m] for m in hand.TENDON_MOTOR_NAMES], device=u.device)
        cap = torch.tensor([hand.MOTOR_EFFORT_LIMIT[m] for m in hand.TENDON_MOTOR_NAMES], device=u.device)
        generator = torch.Generator(device=u.device).manual_seed(seed)
        ratios = []
        for _ in range(round(seconds / u.step_dt)):
            actions = torch.rand(u.num_envs, u.action_manager.total_action_dim, generator=generator, device=u.device)
            u.action_manager.process_action(2.0 * actions - 1.0)
            for _ in range(u.cfg.decimation):
                u.action_manager.apply_action()
                tendon_error = term.target_rad[:, n:] - term.motor_positions()[:, n:]
                ratios.append((kp * tendon_error.abs() / cap).flatten().cpu())
                u.scene.write_data_to_sim()
                u.sim.step(render=False)
                u.scene.update(dt=u.physics_dt)
        r = torch.cat(ratios)
        q = torch.quantile(r, torch.tensor([0.5, 0.9, 0.99]))
        return {
            "presets": list(presets),
            "num_envs": num_envs,
            "seconds": seconds,
            "tendon_steps": r.numel(),
            "share_over_cap": float((r > 1.0).float().mean()),
            "demand_over_cap_p50_p90_p99": [round(float(x), 3) for x in q],
            "demand_over_cap_max": round(float(r.max()), 3),
            "mean_excess_when_over": round(float((r[r > 1.0] - 1.0).mean()) if (r > 1.0).any() else 0.0, 3),
        }
    finally:
        close_env(env)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--presets", nargs="*", default=[], help="task presets (default: Newton, no randomization)")
    p.add_argument("--num_envs", type=int, default=16, help="envs (default: %(default)s)")
    p.add_argument("--seconds", type=float, default=8.0, help="simulated time per env [s] (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed of the env and the actions (default: %(default)s)")
    args = p.parse_args(argv)
    print(json.dumps(measure(tuple(args.presets), args.num_envs, args.seconds, args.seed)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
