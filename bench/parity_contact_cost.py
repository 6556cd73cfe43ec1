#!/usr/bin/env python3
"""Cost of the hand's self-collisions: env-steps/s of Dactyl-Reorient-Cube-Shadow with the hand's self-collisions
on (the task) and off (Newton articulation ``self_collision_enabled=False``, the task before #8 item 3), in
alternating rounds (one process per measurement: Isaac Lab allows one simulation per process), random actions.

  python bench/parity_contact_cost.py --num_envs 64 --steps 20 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys


def measure_one(self_collision: bool, num_envs: int, steps: int, warmup: int, device: str) -> float:
    from env_throughput import measure

    from dactyl_lab.spec.task import TASK_ID

    def edit(cfg):
        cfg.scene.robot.spawn.articulation_props.self_collision_enabled = self_collision

    env_steps_s, _ = measure(TASK_ID, num_envs, steps, warmup, device, edit=edit)
    return env_steps_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_envs", type=int, default=64, help="environments (default 64)")
    parser.add_argument("--steps", type=int, default=20, help="timed env steps per measurement (default 20)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed env steps first (default 3)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating on/off rounds (default 2)")
    parser.add_argument("--device", default="cpu", help="simulation device (default cpu)")
    parser.add_argument("--one", choices=("on", "off"), default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one is not None:
        print(
            json.dumps(
                {"env_steps_s": measure_one(args.one == "on", args.num_envs, args.steps, args.warmup, args.device)}
            )
        )
        return 0
    results = {"on": [], "off": []}
    for r in range(args.rounds):
        for mode in ("off", "on"):
            print(f"[contact cost] round {r + 1}/{args.rounds}: self-collisions {mode} ...", flush=True)
            out = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    mode,
                    "--num_envs",
                    str(args.num_envs),
                    "--steps",
                    str(args.steps),
                    "--warmup",
                    str(args.warmup),
                    "--device",
                    args.device,
                ],
                capture_output=True,
                text=True,
            )
            if out.returncode != 0:
                print(out.stderr[-3000:], file=sys.stderr)
                return 1
            value = json.loads(out.stdout.strip().splitlines()[-1])["env_steps_s"]
            results[mode].append(value)
            print(f"  {value:.1f} env-steps/s", flush=True)
    on, off = (sum(results[m]) / len(results[m]) for m in ("on", "off"))
    print(
        f"\n{args.num_envs} envs, {args.steps} steps x {args.rounds} rounds: self-collisions off {off:.1f}, "
        f"on {on:.1f} env-steps/s ({100 * (on / off - 1):+.1f} %); rounds: {json.dumps(results)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
