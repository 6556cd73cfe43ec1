"""Soak: many policy steps under ``presets=adr`` with every ADR bound at its hard limits and random actions.

Builds the real task (Newton, CPU or GPU), pushes every ADR parameter's bounds to its hard limits and turns boundary
evaluation off (so the bounds stay there: every env samples the whole hard range each episode), then steps with
uniform random actions in [-1, 1]. Counts, on the device (one host sync per ``--report-every`` steps): NaN / inf
values in every observation group, in the reward and in the ADR state (bounds and this episode's values), and the
envs the task's non-finite guard (termination ``nonfinite_state``) reset; and MuJoCo-Warp's overflows (constraint
rows over ``njmax``, contacts over ``nconmax``, ...: the task's ``solver_overflow`` term, read every
``--overflow-interval`` steps, with the peak constraint rows and contacts per world it sampled). Prints progress and
a JSON summary with policy steps/s and env-steps/s (wall clock); exits 1 if it counted any non-finite value, guard
reset or solver overflow.

    .venv/bin/python bench/soak.py                                  # 10,000 policy steps, 64 envs
    .venv/bin/python bench/soak.py --steps 500 --num-envs 16 --json soak.json

tests/task/test_soak.py runs a few hundred steps of the same loop.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def push_to_hard_limits(adr) -> None:
    """Every ADR bound at its hard limit (in place)."""
    adr.low.copy_(adr.hard_low)
    adr.high.copy_(adr.hard_high)


def no_boundary_evaluation(cfg) -> None:
    """Env cfg edit: ADR never evaluates a boundary, so its bounds stay where they are put."""
    cfg.randomization.adr.boundary_prob = 0.0
    cfg.randomization.adr.boundary_fraction = None


def overflow_interval(steps: int):
    """Env cfg edit: the ``solver_overflow`` term reads MuJoCo-Warp's flags (and samples its use) every ``steps``."""

    def edit(cfg) -> None:
        cfg.events.solver_overflow.params["interval_steps"] = steps

    return edit


def solver_summary(u) -> dict:
    """The ``solver_overflow`` term's counts after one last read (flags set since its last interval), the sampled
    peak use and the capacities (host reads: once, at the end)."""
    from dactyl_lab.tasks.reorient.mdp.newton_internals import mjwarp_solver

    term = u.event_manager.get_term_cfg("solver_overflow").func
    term.read()
    data = mjwarp_solver().mjw_data
    totals = term.totals()
    return {
        "solver_overflows": {
            k: v for k, v in totals.items() if k not in ("solver_iteration_limit", "linesearch_iteration_limit")
        },
        "solver_iteration_limits": {k: totals[k] for k in ("solver_iteration_limit", "linesearch_iteration_limit")},
        "solver_reads": term.reads,
        "capacity_peaks": term.peak_usage(),
        "njmax": int(data.njmax),
        "nconmax": int(data.naconmax) // max(1, int(data.nworld)),
    }


def soak(env, steps: int, seed: int = 0, report_every: int = 500, log=print) -> dict:
    """Step ``env`` (a reset-able gym env of the task with ADR) ``steps`` times with random actions; count
    non-finite values, guard resets and solver overflows. Returns the summary dict."""
    import torch

    from dactyl_lab.tasks.randomization import adr_of

    u = env.unwrapped
    adr = adr_of(env)
    push_to_hard_limits(adr)
    obs, _ = env.reset(seed=seed)
    device, n = u.device, u.num_envs
    gen = torch.Generator(device=device).manual_seed(seed)
    counts = {f"obs/{k}": torch.zeros((), dtype=torch.long, device=device) for k in obs}
    counts.update({k: torch.zeros((), dtype=torch.long, device=device) for k in ("reward", "adr", "guard_resets")})
    dims = u.action_manager.total_action_dim
    start = time.perf_counter()
    done = 0
    for step in range(steps):
        action = torch.rand(n, dims, generator=gen, device=device) * 2 - 1
        obs, reward, _, _, _ = env.step(action)
        for key, value in obs.items():
            counts[f"obs/{key}"] += (~torch.isfinite(value)).any(dim=-1).sum()
        counts["reward"] += (~torch.isfinite(reward)).sum()
        adr_values = torch.cat((adr.low.float(), adr.high.float(), adr.values.flatten()))
        counts["adr"] += (~torch.isfinite(adr_values)).sum()
        counts["guard_resets"] += u.termination_manager.get_term("nonfinite_state").sum()
        done = step + 1
        if report_every and done % report_every == 0:
            rate = done / (time.perf_counter() - start)
            guard = int(counts["guard_resets"])
            bad = sum(int(v) for v in counts.values()) - guard
            log(f"[soak] {done}/{steps} policy steps, {rate:.2f} steps/s, guard resets {guard}, non-finite {bad}")
    wall_s = time.perf_counter() - start
    at_limits = bool(torch.equal(adr.low, adr.hard_low) and torch.equal(adr.high, adr.hard_high))
    return {
        "policy_steps": done,
        "num_envs": n,
        "wall_s": wall_s,
        "policy_steps_per_s": done / wall_s,
        "env_steps_per_s": done * n / wall_s,
        "nonfinite_guard_resets": int(counts.pop("guard_resets")),
        "nonfinite_values": {k: int(v) for k, v in counts.items()},
        "adr_bounds_at_hard_limits": at_limits,
        "adr_params": len(adr.names),
        "device": str(device),
        **solver_summary(u),
    }


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=10_000, help="policy steps (default 10,000)")
    p.add_argument("--num-envs", type=int, default=64, help="parallel environments (default 64)")
    p.add_argument("--device", default="cpu", help="simulation device, e.g. cpu or cuda:0 (default cpu)")
    p.add_argument("--seed", type=int, default=0, help="env and action seed")
    p.add_argument("--report-every", type=int, default=500, help="progress line every this many steps")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads (default 1)")
    p.add_argument(
        "--overflow-interval", type=int, default=1, help="steps between two reads of the solver's overflow flags"
    )
    p.add_argument("--json", type=Path, default=None, help="also write the summary here")
    args = p.parse_args(argv)
    if min(args.steps, args.num_envs, args.threads, args.overflow_interval) < 1 or args.report_every < 0:
        p.error("--steps, --num-envs, --threads and --overflow-interval must be positive, --report-every >= 0")
    import torch

    torch.set_num_threads(args.threads)
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
    from tests.helpers.envs import close_env, make_env

    def edit(cfg) -> None:
        no_boundary_evaluation(cfg)
        overflow_interval(args.overflow_interval)(cfg)

    env = make_env(num_envs=args.num_envs, seed=args.seed, presets=("adr",), device=args.device, edit=edit)
    try:
        result = soak(env, args.steps, args.seed, args.report_every, log=lambda line: print(line, flush=True))
    finally:
        close_env(env)
    print(json.dumps(result, indent=2))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2))
    return result


def problems(result: dict) -> list[str]:
    """What the soak found wrong (empty: clean): non-finite values anywhere, envs the guard had to reset, solver
    overflows (dropped constraints or contacts)."""
    found = [f"{k}: {v} non-finite" for k, v in result["nonfinite_values"].items() if v]
    if result["nonfinite_guard_resets"]:
        found.append(f"the non-finite guard reset {result['nonfinite_guard_resets']} envs")
    found += [
        f"MuJoCo-Warp {kind} overflow in {n} world-intervals (raise njmax / nconmax in dactyl_lab.spec.solver, "
        f"peaks sampled: {result['capacity_peaks']})"
        for kind, n in result.get("solver_overflows", {}).items()
        if n
    ]
    return found


if __name__ == "__main__":
    found = problems(main())
    if found:
        print("[soak] FAILED: " + "; ".join(found), file=sys.stderr)
    sys.exit(1 if found else 0)
