"""Cost of domain randomization: env-steps/s of the task with every randomization on vs off, in one run.

Builds the real Isaac Lab env (Newton, CPU) for each preset and size, one at a time: ``default`` (no
randomization), ``randomized`` (every randomization with the paper's fixed ranges) and, unless
``--no-adr``, ``adr`` (the same driven by ADR). After a warm-up (reset + ``--warmup`` steps, which also
compiles the Warp kernels), ``--steps`` steps with uniform random actions in [-1, 1] (the same stream for
every preset, so cube drops and resets are part of the cost) are timed. ``--repeats`` rounds alternate the
presets (a fresh env each time) so that the load of other processes on a shared CPU hits every preset alike;
the median round is reported. Prints env-steps/s (wall clock) and the overhead of each randomized preset
relative to ``default`` at the same size, from wall time and from this process's CPU time: on a shared
machine other jobs stretch the wall time by whatever they take, while the CPU time the process itself
spends per step hardly moves, so the CPU-time overhead is the stable number (torch runs on ``--threads``
threads, 1 by default, so idle worker threads do not count; Warp's CPU kernels are single-threaded).

    /work/venv/bin/python bench/randomization_overhead.py                 # 64 and 256 envs, 20 timed steps
    /work/venv/bin/python bench/randomization_overhead.py --num-envs 64 --steps 40 --json out.json

On a shared CPU the numbers move with the load of other processes: compare the presets of one run.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)


def measure(preset: str, num_envs: int, steps: int, warmup: int, seed: int = 0) -> tuple[float, float]:
    """(wall, CPU-time) env-steps/s of ``steps`` timed steps of ``preset`` at ``num_envs`` envs."""
    import torch

    from tests.helpers.envs import close_env, make_env

    presets = () if preset == "default" else (preset,)
    env = make_env(num_envs=num_envs, seed=seed, presets=presets)
    try:
        device = env.unwrapped.device
        gen = torch.Generator(device=device).manual_seed(seed)
        actions = [torch.rand(num_envs, 20, generator=gen, device=device) * 2 - 1 for _ in range(warmup + steps)]
        env.reset(seed=seed)
        for a in actions[:warmup]:
            env.step(a)
        start, cpu_start = time.perf_counter(), time.process_time()
        for a in actions[warmup:]:
            env.step(a)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    finally:
        close_env(env)
    return num_envs * steps / elapsed, num_envs * steps / cpu


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--num-envs", type=int, nargs="+", default=[64, 256])
    p.add_argument("--steps", type=int, default=20, help="timed env steps per measurement")
    p.add_argument("--warmup", type=int, default=5, help="untimed env steps after the reset")
    p.add_argument("--repeats", type=int, default=3, help="rounds over the presets; the median is reported")
    p.add_argument("--no-adr", action="store_true", help="skip presets=adr")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    p.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = p.parse_args(argv)
    import torch

    torch.set_num_threads(args.threads)

    presets = ["default", "randomized"] + ([] if args.no_adr else ["adr"])
    rounds: dict[int, dict[str, dict[str, list[float]]]] = {}
    results: dict[int, dict[str, dict[str, float]]] = {}
    for n in args.num_envs:
        rounds[n] = {p: {"wall": [], "cpu": []} for p in presets}
        for r in range(args.repeats):
            for preset in presets:
                wall, cpu = measure(preset, n, args.steps, args.warmup, seed=r)
                rounds[n][preset]["wall"].append(wall)
                rounds[n][preset]["cpu"].append(cpu)
                print(
                    f"[bench] {n:5d} envs  round {r}  {preset:10s} {wall:8.1f} env-steps/s wall, {cpu:8.1f} per CPU-s",
                    flush=True,
                )
        results[n] = {p: {k: statistics.median(v) for k, v in d.items()} for p, d in rounds[n].items()}

    def pct(base: float, rate: float) -> str:
        return f"{100.0 * (base / rate - 1.0):+.1f}%"

    head = " | ".join(f"{p + ' wall':>15} | {p + ' CPU':>15}" for p in presets)
    lines = ["", f"{'envs':>5} | {head} | overhead vs default (CPU time; wall time)"]
    for n, r in results.items():
        base = r["default"]
        cells = " | ".join(f"{r[p]['wall']:15.1f} | {r[p]['cpu']:15.1f}" for p in presets)
        over = ", ".join(
            f"{p} {pct(base['cpu'], r[p]['cpu'])} ({pct(base['wall'], r[p]['wall'])})" for p in presets[1:]
        )
        lines.append(f"{n:>5} | {cells} | {over}")
    lines.append(
        f"(median of {args.repeats} rounds of {args.steps} steps; env-steps per wall second and per "
        "CPU second of this process; overhead = extra time per env step)"
    )
    print("\n".join(lines))
    if args.json is not None:
        out = {
            "steps": args.steps,
            "warmup": args.warmup,
            "repeats": args.repeats,
            "threads": args.threads,
            "median_env_steps_per_s": results,
            "rounds_env_steps_per_s": rounds,
        }
        args.json.write_text(json.dumps(out, indent=2))
    return results


if __name__ == "__main__":
    main()
