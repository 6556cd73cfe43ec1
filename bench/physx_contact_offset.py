#!/usr/bin/env python3
"""Choose the PhysX hand's contact offset by measurement: the task on PhysX (OvPhysX, CPU) with the hand's and the
cube's contact offsets set to each value of ``--offsets_mm`` (rest offset 0), against the task on Newton.

Per configuration, in a process of its own (one Isaac Lab simulation per process; OvPhysX keeps per-process state),
``--num_envs`` envs:

* start-state keep rate: the task's bank (the paper's 100 random-action steps), kept / tried;
* zero action for ``--hold_s`` from the bank's starts: cubes dropped (the task's drop termination);
* uniform random actions for ``--random_s`` from fresh starts: cubes dropped;
* env-steps/s over both phases (this process's wall time; a loaded 2-core machine: compare within one run).

A contact offset is the distance at which PhysX starts generating a contact; too small lets fast fingers pass through
a face within one 8 ms step, too large creates contacts the cube does not touch and costs time. The choice: the
offset whose keep rate and drops sit closest to Newton's (the task's reference simulator, which agrees with the MuJoCo
stand-in: docs/parity.md), the faster one on a tie. Table: docs/parity.md, "Contact settings".

  OMP_NUM_THREADS=1 python bench/physx_contact_offset.py --offsets_mm 1 2 5 10 --num_envs 32
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers


def worker(offset_mm: float | None, num_envs: int, hold_s: float, random_s: float, seed: int) -> dict:
    """One configuration (``offset_mm`` None: Newton)."""
    import torch

    from tests.helpers.envs import close_env, make_env, zeros

    def edit(cfg):
        import isaaclab.sim as sim_utils

        cfg.events.start_state.params.update(max_rounds=1)
        if offset_mm is not None:
            props = sim_utils.CollisionPropertiesCfg(contact_offset=offset_mm / 1000.0, rest_offset=0.0)
            cfg.scene.robot.spawn.collision_props = props
            cfg.scene.object.spawn.collision_props = props

    presets = () if offset_mm is None else ("physx",)
    env = make_env(num_envs=num_envs, seed=seed, presets=presets, edit=edit, start_steps=None)
    try:
        env.reset()
        u = env.unwrapped
        bank = u.event_manager.get_term_cfg("start_state").func
        out = {"offset_mm": offset_mm, "kept_fraction": bank.kept_fraction, "tried": num_envs}
        generator = torch.Generator(device=u.device).manual_seed(seed)
        steps = 0
        start = time.perf_counter()
        for phase, seconds in (("zero", hold_s), ("random", random_s)):
            env.reset()
            dropped = torch.zeros(u.num_envs, dtype=torch.bool, device=u.device)
            for _ in range(round(seconds / u.step_dt)):
                if phase == "zero":
                    actions = zeros(env)
                else:
                    actions = 2.0 * torch.rand(zeros(env).shape, generator=generator, device=u.device) - 1.0
                env.step(actions)
                dropped |= u.termination_manager.get_term("object_dropped")
                steps += u.num_envs
            out[f"dropped_{phase}"] = int(dropped.sum())
        out["env_steps_per_s"] = steps / (time.perf_counter() - start)
        return out
    finally:
        close_env(env)


def markdown(rows: list[dict], args) -> str:
    lines = [
        f"| simulator, contact offset | start-state keep rate | zero action {args.hold_s:g} s: dropped | "
        f"random actions {args.random_s:g} s: dropped | env-steps/s |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        name = "Newton" if r["offset_mm"] is None else f"PhysX, {r['offset_mm']:g} mm"
        lines.append(
            f"| {name} | {100 * r['kept_fraction']:.0f} % of {r['tried']} | {r['dropped_zero']} / {r['tried']} | "
            f"{r['dropped_random']} / {r['tried']} | {r['env_steps_per_s']:.0f} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--offsets_mm", type=float, nargs="+", default=[1.0, 2.0, 5.0, 10.0], help="contact offsets [mm]")
    p.add_argument("--num_envs", type=int, default=32, help="envs per configuration (default: %(default)s)")
    p.add_argument("--hold_s", type=float, default=4.0, help="zero-action phase [s] (default: %(default)s)")
    p.add_argument("--random_s", type=float, default=2.0, help="random-action phase [s] (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="seed (default: %(default)s)")
    p.add_argument("--json", type=Path, default=None, help="write the rows here")
    p.add_argument("--worker", type=float, default=None, help=argparse.SUPPRESS)  # one PhysX configuration
    p.add_argument("--newton_worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker is not None or args.newton_worker:
        print(json.dumps(worker(args.worker, args.num_envs, args.hold_s, args.random_s, args.seed)))
        return 0
    rows = []
    common = ["--num_envs", str(args.num_envs), "--hold_s", str(args.hold_s), "--random_s", str(args.random_s)]
    common += ["--seed", str(args.seed)]
    for flag in [["--newton_worker"]] + [["--worker", str(mm)] for mm in args.offsets_mm]:
        print(f"[contact_offset] {' '.join(flag)} ...", flush=True)
        done = subprocess.run([sys.executable, __file__, *flag, *common], capture_output=True, text=True)
        if done.returncode != 0:
            print(done.stdout[-2000:], done.stderr[-3000:], file=sys.stderr)
            return 1
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))
    print(markdown(rows, args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
