#!/usr/bin/env python3
"""ADR's decision statistic at scale: a CPU simulation of the ADR logic (dactyl_lab's ADR objects, no physics)
on R ranks x N envs with a synthetic success model whose true mean is known.

Success model: an episode's consecutive successes are min(G, cap) with G ~ Geometric (each goal reached with
probability q, else the cube drops), the same at every ADR bound value, so every decision's statistic should
estimate E[min(G, cap)] = q (1 - q^cap) / (1 - q). An episode lasts (successes + 1) goals of goal_steps x
U(0.5, 1.5) env steps each: good episodes are long, drops are short (as in the task).

Each rank owns an ADR object (world_size = R) and its envs; every sync_steps env steps the ranks' staged
results are concatenated in rank order and applied on every rank, as ADR.sync's all-gather does.

Reported: the mean of the cohort decisions (ADR's ``decision_mean`` at each decision) against the true mean, and
the statistic the previous rule used: the mean of the first queue_length episodes to *finish* among the
envs that start evaluating a boundary together (R x N x p_b / (2P) of them; ~1,640 at 8 x 8,192 envs,
10 parameters), which holds the shortest episodes.

  python bench/adr_at_scale.py                         # 8 ranks x 8,192 envs, 10 parameters
  python bench/adr_at_scale.py --ranks 2 --envs 2048 --params 2 --queue 64 --steps 1500
"""

from __future__ import annotations

import argparse
import math
import time

import torch


def true_mean(q: float, cap: int) -> float:
    return q * (1 - q**cap) / (1 - q)


def draw_episodes(n: int, q: float, cap: int, goal_steps: int, generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(successes [n] float, duration [n] long steps) of n fresh episodes."""
    u = torch.rand(n, generator=generator, dtype=torch.float64).clamp_min(1e-12)
    successes = torch.floor(torch.log(u) / math.log(q)).clamp(max=cap)  # Geometric: goals before the first drop
    jitter = 0.5 + torch.rand(n, generator=generator, dtype=torch.float64)
    duration = ((successes + 1) * goal_steps * jitter).round().long().clamp(min=1)
    return successes, duration


def first_finishers_mean(concurrent: int, m: int, q: float, cap: int, goal_steps: int, trials: int, seed: int):
    """The previous rule's statistic: mean successes of the first ``m`` of ``concurrent`` episodes to end."""
    generator = torch.Generator().manual_seed(seed)
    means = []
    for _ in range(trials):
        successes, duration = draw_episodes(concurrent, q, cap, goal_steps, generator)
        means.append(float(successes[torch.argsort(duration, stable=True)[:m]].mean()))
    return sum(means) / len(means)


def simulate(
    ranks: int = 8,
    envs: int = 8192,
    params: int = 10,
    queue: int = 240,
    steps: int = 2000,
    q: float = 0.97,
    cap: int = 50,
    goal_steps: int = 10,
    sync_steps: int = 16,
    seed: int = 0,
    progress=None,
) -> dict:
    """Run the ADR logic; returns the decisions' statistics and the true mean."""
    from dactyl_lab.tasks.randomization import ADR, ADRCfg, ADRParamCfg, make_generator

    cfg = ADRCfg(
        params={f"p{i}": ADRParamCfg(nominal=1.0, hard_limits=(0.0, 2.0)) for i in range(params)}, queue_length=queue
    )
    adrs = [ADR(cfg, envs, "cpu", make_generator(seed + r), world_size=ranks) for r in range(ranks)]
    generator = torch.Generator().manual_seed(seed + 10_000)
    episodes = []
    for adr in adrs:
        adr.resample()
        episodes.append(list(draw_episodes(envs, q, cap, goal_steps, generator)))
    elapsed = [torch.zeros(envs, dtype=torch.long) for _ in range(ranks)]
    decision_means, seen = [], torch.zeros_like(adrs[0].decisions)
    start = time.perf_counter()
    for step in range(1, steps + 1):
        for r, adr in enumerate(adrs):
            elapsed[r] += 1
            ended = (elapsed[r] >= episodes[r][1]).nonzero().flatten()
            if ended.numel():
                adr.update(ended, episodes[r][0][ended])
                adr.resample(ended)
                fresh = draw_episodes(ended.numel(), q, cap, goal_steps, generator)
                episodes[r][0][ended], episodes[r][1][ended] = fresh
                elapsed[r][ended] = 0
        if step % sync_steps == 0:
            rows = torch.cat([adr.take_staged() for adr in adrs])
            for adr in adrs:
                adr.apply_staged(rows)
            new = adrs[0].decisions > seen
            decision_means += adrs[0].decision_mean[new].tolist()
            seen = adrs[0].decisions.clone()
            if progress and step % (sync_steps * 25) == 0:
                progress(f"  step {step}/{steps}: {len(decision_means)} decisions, {time.perf_counter() - start:.0f} s")
    identical = all(torch.equal(a.high, adrs[0].high) and torch.equal(a.fill, adrs[0].fill) for a in adrs)
    n = len(decision_means)
    mean = sum(decision_means) / n if n else math.nan
    std = math.sqrt(sum((x - mean) ** 2 for x in decision_means) / max(1, n - 1)) if n else math.nan
    concurrent = round(ranks * envs * cfg.boundary_prob / (2 * params))
    return {
        "true_mean": true_mean(q, cap),
        "decisions": n,
        "decision_mean": mean,
        "decision_std": std,
        "decision_se": std / math.sqrt(n) if n else math.nan,
        "widened": int((adrs[0].high > 1.0).sum()),
        "high_mean": float(adrs[0].high.mean()),
        "ranks_identical": identical,
        "concurrent_per_boundary": concurrent,
        "first_finishers_mean": first_finishers_mean(concurrent, queue, q, cap, goal_steps, 20, seed),
        "seconds": time.perf_counter() - start,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ranks", type=int, default=8, help="simulated ranks (GPUs)")
    parser.add_argument("--envs", type=int, default=8192, help="envs per rank")
    parser.add_argument("--params", type=int, default=10, help="ADR parameters (2 boundaries each)")
    parser.add_argument("--queue", type=int, default=240, help="ADR queue_length (episodes per decision)")
    parser.add_argument("--steps", type=int, default=2000, help="env steps to simulate")
    parser.add_argument("--q", type=float, default=0.97, help="probability of reaching each goal")
    parser.add_argument("--cap", type=int, default=50, help="consecutive-success cap of an episode")
    parser.add_argument("--goal_steps", type=int, default=10, help="mean env steps per goal")
    parser.add_argument("--sync_steps", type=int, default=16, help="env steps between two ADR syncs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"ADR logic at {args.ranks} x {args.envs} envs, {args.params} parameters, queue {args.queue}:", flush=True)
    out = simulate(
        args.ranks,
        args.envs,
        args.params,
        args.queue,
        args.steps,
        args.q,
        args.cap,
        args.goal_steps,
        args.sync_steps,
        args.seed,
        progress=lambda s: print(s, flush=True),
    )
    print(f"true mean successes per episode      {out['true_mean']:.2f}")
    print(
        f"cohort decisions (this ADR)          {out['decision_mean']:.2f} +- {out['decision_se']:.2f} (s.e.) over "
        f"{out['decisions']} decisions (std of one decision {out['decision_std']:.2f})"
    )
    print(
        f"first {args.queue} finishers of {out['concurrent_per_boundary']} concurrent (previous rule) "
        f"{out['first_finishers_mean']:.2f}"
    )
    print(
        f"bounds widened: {out['widened']} of {args.params} high bounds (thresholds 10 / 20); ranks identical: "
        f"{out['ranks_identical']}; {out['seconds']:.0f} s"
    )


if __name__ == "__main__":
    main()
