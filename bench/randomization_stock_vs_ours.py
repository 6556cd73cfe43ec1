#!/usr/bin/env python3
"""Isaac Lab's stock physics event terms (what ``presets=randomized`` used before issue 20 made ``randomized`` and
``adr`` one events configuration) against ours, on the same real env (Newton): the distribution of the values each
writes into the simulation, and whether it is reproducible from the env's seed.

Pairs (stock -> ours, with the paper's Table 1 ranges as ``presets=randomized`` declared them):

* ``randomize_rigid_body_mass`` (scale U[0.5, 1.5], inertia rescaled) -> ``randomize_mass_scale``, cube and hand;
* ``randomize_rigid_body_material`` (absolute U[0.7, 1.3], 250 buckets) -> ``randomize_friction_scale`` (x default);
* ``randomize_actuator_gains`` (stiffness x logU[0.75, 1.5]) -> ``randomize_gain_scale``;
* ``randomize_physics_scene_gravity`` (abs N(g, 0.4^2)) -> ``randomize_gravity_offset`` (g + N(0, 0.4^2)).

Each term runs ``--rounds`` times on every env; the values it wrote are read back (mass / friction / gain ratio to
the default, gravity offset) and compared: mean, std, range, distinct values, and the two-sample Kolmogorov-Smirnov
statistic between stock and ours and of each against the paper's distribution (with p-values), and the median wall
time of one call. Reproducibility: ours run twice from the same state of the
randomization stream (``mdp.randomization_generator``) must write the same values; the stock terms draw from torch's
global RNG, which the goal command and Isaac Lab's interval timers also consume.

  OMP_NUM_THREADS=1 python bench/randomization_stock_vs_ours.py --num_envs 8 --rounds 100
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path


def _stock_terms(env):
    """(name, stock term instance, its call params, reader, our term name) for each pair."""
    from isaaclab.envs import mdp as stock
    from isaaclab.managers import EventTermCfg, SceneEntityCfg

    from dactyl_lab.spec import randomization as paper
    from dactyl_lab.tasks.reorient.env_cfg import HAND_MOTOR_JOINTS

    u = env.unwrapped

    def make(func, params):
        for value in params.values():
            if isinstance(value, SceneEntityCfg):
                value.resolve(u.scene)
                value.finalize(u.device)  # index tensors, as the managers leave them
        return func(EventTermCfg(func=func, mode="physics", params=params), u), params

    def mass(asset):
        params = {
            "asset_cfg": SceneEntityCfg(asset),
            "mass_distribution_params": paper.MASS_SCALE_RANGE,
            "operation": "scale",
            "distribution": "uniform",
            "recompute_inertia": True,
            "min_mass": 1e-6,
        }
        return make(stock.randomize_rigid_body_mass, params)

    def friction(asset):
        params = {
            "asset_cfg": SceneEntityCfg(asset),
            "static_friction_range": paper.FRICTION_SCALE_RANGE,
            "dynamic_friction_range": paper.FRICTION_SCALE_RANGE,
            "restitution_range": (0.0, 0.0),
            "num_buckets": 250,
            "make_consistent": False,
        }
        return make(stock.randomize_rigid_body_material, params)

    gains = {
        "asset_cfg": HAND_MOTOR_JOINTS.replace(),
        "stiffness_distribution_params": paper.ACTUATOR_GAIN_SCALE_RANGE,
        "damping_distribution_params": None,
        "operation": "scale",
        "distribution": "log_uniform",
    }
    gravity = {
        "gravity_distribution_params": (list(u.cfg.sim.gravity), [paper.GRAVITY_OFFSET_STD_MPS2] * 3),
        "operation": "abs",
        "distribution": "gaussian",
    }
    return {
        "object_mass": mass("object"),
        "hand_mass": mass("robot"),
        "object_friction": friction("object"),
        "hand_friction": friction("robot"),
        "actuator_gains": make(stock.randomize_actuator_gains, gains),
        "gravity": make(stock.randomize_physics_scene_gravity, gravity),
    }


def _reader(env, name):
    """The values term ``name`` writes, as ratios to the default (masses, friction, gains) or offsets (gravity)."""
    import torch
    import warp as wp

    u = env.unwrapped
    model = u.sim.physics_manager.get_model()
    ours = u.event_manager.get_term_cfg(name)
    if name.endswith("_mass"):
        asset = u.scene[ours.params["asset_cfg"].name]
        default = ours.func.default_mass
        massive = default > 1e-6
        return lambda: (asset.data.body_mass.torch / default.clamp_min(1e-12))[massive].flatten()
    if name.endswith("_friction"):
        return lambda: ours.func.mu.flatten() / ours.func.default_mu.flatten()
    if name == "actuator_gains":
        ids = ours.params["asset_cfg"].joint_ids
        robot = u.scene["robot"]
        default = ours.func.default_joint_stiffness[:, ids]
        return lambda: (robot.data.joint_stiffness.torch[:, ids] / default).flatten()
    g = torch.tensor(u.cfg.sim.gravity)
    return lambda: (wp.to_torch(model.gravity)[: u.num_envs] - g).flatten()


def _paper_cdf(name: str):
    """The CDF of the paper's distribution (Table 1) of what :func:`_reader` reads for term ``name``."""
    import numpy as np
    from scipy import stats

    from dactyl_lab.spec import randomization as paper

    if name.endswith("_mass"):
        low, high = paper.MASS_SCALE_RANGE
    elif name.endswith("_friction"):
        low, high = paper.FRICTION_SCALE_RANGE
    elif name == "actuator_gains":
        low, high = np.log(paper.ACTUATOR_GAIN_SCALE_RANGE)
        return lambda x: stats.uniform(low, high - low).cdf(np.log(x))
    else:
        return stats.norm(0.0, paper.GRAVITY_OFFSET_STD_MPS2).cdf
    return stats.uniform(low, high - low).cdf


def _stats(x) -> dict:
    return {
        "n": int(x.numel()),
        "mean": float(x.mean()),
        "std": float(x.std()),
        "min": float(x.min()),
        "max": float(x.max()),
        "distinct": int(x.unique().numel()),
    }


def _row(v: dict) -> str:
    return f"{v['mean']:.4f}/{v['std']:.4f} [{v['min']:.3f}, {v['max']:.3f}] {v['distinct']}/{v['n']}"


def _vs_paper(v: dict) -> str:
    return f"{v['ks_paper']:.4f} ({v['ks_paper_p']:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--num_envs", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()

    import torch
    from scipy.stats import ks_2samp, kstest

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers
    from dactyl_lab.tasks.reorient import mdp
    from tests.helpers.envs import close_env, make_env

    env = make_env(num_envs=args.num_envs, seed=args.seed, presets=("randomized",), device=args.device)
    u = env.unwrapped
    stock = _stock_terms(env)  # built and called once before the first reset randomizes anything: the stock terms
    for term, params in stock.values():  # take their defaults (at construction or first call) from the nominal model
        term(u, None, **params)
    env.reset()
    results = {}
    for name, (term, params) in stock.items():
        read = _reader(env, name)
        ours = u.event_manager.get_term_cfg(name)
        stock_draws, our_draws = [], []
        stock_s, our_s = [], []
        for _ in range(args.rounds):
            start = time.perf_counter()
            term(u, None, **params)
            stock_s.append(time.perf_counter() - start)
            stock_draws.append(read().cpu())
            start = time.perf_counter()
            ours.func(u, None, **ours.params)
            our_s.append(time.perf_counter() - start)
            our_draws.append(read().cpu())
        a, b = torch.cat(stock_draws), torch.cat(our_draws)
        ks = ks_2samp(a.numpy(), b.numpy())
        results[name] = {"stock": _stats(a), "ours": _stats(b), "ks": float(ks.statistic), "ks_p": float(ks.pvalue)}
        for side, x in (("stock", a), ("ours", b)):
            fit = kstest(x.double().numpy(), _paper_cdf(name))
            results[name][side].update(ks_paper=float(fit.statistic), ks_paper_p=float(fit.pvalue))
        results[name]["call_ms"] = {"stock": 1e3 * statistics.median(stock_s), "ours": 1e3 * statistics.median(our_s)}
    # reproducibility: ours from the same stream state write the same values
    generator = mdp.randomization_generator(u)
    repeat = {}
    for name in stock:
        ours, read = u.event_manager.get_term_cfg(name), _reader(env, name)
        state = generator.get_state()
        ours.func(u, None, **ours.params)
        first = read().clone()
        generator.set_state(state)
        ours.func(u, None, **ours.params)
        repeat[name] = bool(torch.equal(first, read()))
    close_env(env)
    print(f"{'term':16s} {'stock mean/std [min, max] distinct':44s} {'ours mean/std [min, max] distinct':44s} KS (p)")
    for name, r in results.items():
        row = [_row(r[side]) for side in ("stock", "ours")]
        print(f"{name:16s} {row[0]:44s} {row[1]:44s} {r['ks']:.4f} ({r['ks_p']:.2f})  same from seed: {repeat[name]}")
    print("KS against the paper's distribution (stock; ours), statistic (p): ", end="")
    print(", ".join(f"{n} {_vs_paper(r['stock'])}; {_vs_paper(r['ours'])}" for n, r in results.items()))
    print("median wall time per call [ms] (stock / ours): ", end="")
    print(", ".join(f"{name} {r['call_ms']['stock']:.2f} / {r['call_ms']['ours']:.2f}" for name, r in results.items()))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "reproducible": repeat}, indent=1))


if __name__ == "__main__":
    main()
