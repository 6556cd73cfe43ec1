#!/usr/bin/env python3
"""Does the task learn? Train for a fixed budget, then judge the final policy against two baselines.

For each seed: scripts/train.py runs for a wall-clock budget (stopped with SIGTERM, which saves a checkpoint)
or a sample budget (--budget_samples: the iterations that many samples take); then scripts/evaluate.py scores
the final checkpoint, the zero action and uniformly random actions on the same seeds with the paper's
protocol (trials from a fresh reset until a drop, a goal timeout or 50 goals in a row; full goal distribution,
no curriculum). Learning is judged on that evaluation, not on the training log (early episode-length means
are biased towards short episodes): the verdict compares goals per trial and drops with 95 % bootstrap
intervals of the differences.

Writes <output>/learning_curve.json (settings, per-seed curves and evaluations, verdict) and
<output>/learning_curve.png: mean episode duration [s], drop fraction, orientation progress and goals per
episode, consecutive successes, goal-curriculum angle and (under ADR) entropy, against samples and wall time.

Examples:
  python bench/learning_curve.py --budget_min 60 --num_envs 256 --presets curriculum --output runs/lc_ff
  python bench/learning_curve.py --budget_samples 2e5 --variant lstm --seeds 0 1 --output runs/lc_lstm
  python bench/learning_curve.py --dry-run --output /tmp/lc   # toy size: every stage in a few minutes
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from dactyl_lab.spec import task as tc

REPO = Path(__file__).resolve().parents[1]
ARMS = ("policy", "zero", "random")
CURVES = {  # name: (TensorBoard tags, one per library, first found wins; label)
    "episode_duration_s": (("Train/mean_episode_length", "episode_lengths/step"), "mean episode duration [s]"),
    "drop_fraction": (
        ("Episode_Termination/object_dropped", "Episode/Episode_Termination/object_dropped"),
        "episodes ended by a drop",
    ),
    "orientation_progress": (
        ("Episode_Reward/orientation_progress", "Episode/Episode_Reward/orientation_progress"),
        "orientation progress per episode [rad]",
    ),
    "goals_per_episode": (("Episode_Reward/goal_bonus", "Episode/Episode_Reward/goal_bonus"), "goals per episode"),
    "consecutive_successes": (
        ("Metrics/object_pose/consecutive_successes", "Episode/Metrics/object_pose/consecutive_successes"),
        "consecutive successes",
    ),
    "goal_angle_rad": (
        ("Curriculum/goal_angle/max_angle_rad", "Episode/Curriculum/goal_angle/max_angle_rad"),
        "curriculum goal angle [rad]",
    ),
    "adr_entropy_npd": (("ADR/entropy_npd", "Episode/ADR/entropy_npd"), "ADR entropy [nats/dim]"),
}


def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--backend", default="rsl_rl", help="rsl_rl or rl_games (default: %(default)s)")
    p.add_argument("--variant", default="ff", help="policy variant, as scripts/train.py --variant (default: ff)")
    p.add_argument("--presets", nargs="*", default=[], help="task presets for training, e.g. curriculum randomized")
    p.add_argument("--num_envs", type=int, default=256, help="training envs (default: %(default)s)")
    budget = p.add_mutually_exclusive_group()
    budget.add_argument("--budget_min", type=float, default=None, help="wall-clock training budget per seed [min]")
    budget.add_argument("--budget_samples", type=float, default=None, help="training budget per seed [env steps]")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="training seeds (default: 0)")
    p.add_argument("--eval_trials", type=int, default=64, help="evaluation trials per arm and seed (default: 64)")
    p.add_argument("--eval_envs", type=int, default=16, help="envs of each evaluation (default: 16)")
    p.add_argument(
        "--baseline_trials",
        type=int,
        default=None,
        help="trials of the zero and random arms, at most --eval_trials (default: --eval_trials). A zero-action "
        "trial holds the cube until the goal timeout, the longest trial there is: with at most --eval_envs trials "
        "an arm runs one batch of goal_timeout_s / 0.08 s steps",
    )
    p.add_argument(
        "--goal_timeout_s",
        type=float,
        default=tc.EVAL_GOAL_TIMEOUT_S,
        help="evaluation goal timeout [s] (default: %(default)g)",
    )
    p.add_argument(
        "--train_override",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a Hydra override passed to scripts/train.py (repeatable), e.g. agent.algorithm.schedule=fixed",
    )
    p.add_argument("--device", default="cpu", help="simulation and agent device (default: cpu)")
    p.add_argument("--output", required=True, help="folder for runs, evaluations, JSON and PNG")
    p.add_argument("--dry-run", action="store_true", help="toy size (8 envs, 2 iterations, 4 trials) to check stages")
    args = p.parse_args(argv)
    args.train_overrides = list(args.train_override)
    if args.dry_run:
        args.num_envs, args.budget_samples, args.budget_min = 8, 1.0, None  # 1 sample: one iteration
        args.eval_trials, args.eval_envs, args.goal_timeout_s, args.seeds = 4, 4, 2.0, args.seeds[:1]
        # episodes end within the one iteration (goal timeout 0.8 s = 10 steps), so every curve has points
        args.train_overrides.append("env.terminations.goal_timeout.params.timeout_s=0.8")
    if args.budget_min is None and args.budget_samples is None:
        p.error("give a budget: --budget_min or --budget_samples")
    if min(args.num_envs, args.eval_trials, args.eval_envs) < 1 or (args.budget_min or args.budget_samples) <= 0:
        p.error("--num_envs, --eval_trials, --eval_envs and the budget must be positive")
    if args.baseline_trials is not None and args.baseline_trials < 1:
        p.error("--baseline_trials must be positive")
    return args


def log(message: str) -> None:
    print(f"[learning_curve {time.strftime('%H:%M:%S')}] {message}", flush=True)


def steps_per_iteration(backend: str, variant: str) -> int:
    """Env steps per env in one training iteration (rollout length) of the agent config."""
    import dactyl_lab.tasks  # noqa: F401
    from dactyl_lab.training import cli_args
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    cfg = load_cfg_from_registry(tc.TASK_ID, cli_args.agent_entry_point(backend, variant))
    return cfg.num_steps_per_env if backend == "rsl_rl" else cfg["params"]["config"]["horizon_length"]


def train(args, seed: int, folder: Path) -> Path:
    """Run scripts/train.py in ``folder`` (its logs/ go there) within the budget; returns the run folder."""
    folder.mkdir(parents=True, exist_ok=True)
    per_iteration = args.num_envs * steps_per_iteration(args.backend, args.variant)
    iterations = math.ceil(args.budget_samples / per_iteration) if args.budget_samples else 10**6
    cmd = [
        sys.executable,
        str(REPO / "scripts/train.py"),
        "--backend",
        args.backend,
        "--variant",
        args.variant,
        "--num_envs",
        str(args.num_envs),
        "--seed",
        str(seed),
        "--device",
        args.device,
        "--max_iterations",
        str(iterations),
    ]
    if args.presets:
        cmd.append("presets=" + ",".join(args.presets))
    cmd += args.train_overrides
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"), PYTHONUNBUFFERED="1")
    log(f"seed {seed}: training ({'%g min' % args.budget_min if args.budget_min else '%d iterations' % iterations})")
    with open(folder / "train.log", "w") as out:
        proc = subprocess.Popen(cmd, cwd=folder, stdout=out, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + 60.0 * args.budget_min if args.budget_min else None
        while proc.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                log(f"seed {seed}: budget reached, SIGTERM (the runner saves after this iteration)")
                proc.send_signal(signal.SIGTERM)
                deadline = None
            time.sleep(2.0)
    if proc.returncode not in (0, -signal.SIGTERM):
        raise SystemExit(f"training failed (exit {proc.returncode}); see {folder / 'train.log'}")
    runs = sorted((folder / "logs" / args.backend).glob("*/*/"), key=lambda p: p.stat().st_mtime)
    if not runs:
        raise SystemExit(f"training wrote no run folder under {folder / 'logs'}; see {folder / 'train.log'}")
    return runs[-1]


def physics_preset_names() -> tuple[str, ...]:
    """The task's physics presets (newton_mjwarp, physx, ...): evaluation runs on the training's physics."""
    from dactyl_lab.tasks.reorient.physics_presets_cfg import PHYSICS_PRESET_NAMES

    return PHYSICS_PRESET_NAMES


def arm_trials(args, arm: str) -> int:
    """Trials of an arm: --eval_trials for the policy, --baseline_trials (capped at --eval_trials) for a baseline."""
    if arm == "policy" or args.baseline_trials is None:
        return args.eval_trials
    return min(args.eval_trials, args.baseline_trials)


def evaluate(args, seed: int, arm: str, run: Path, folder: Path) -> dict:
    """scripts/evaluate.py on the final checkpoint or a baseline; returns its evaluation.json."""
    out = folder / f"eval_{arm}"
    trials = arm_trials(args, arm)
    cmd = [
        sys.executable,
        str(REPO / "scripts/evaluate.py"),
        "--backend",
        args.backend,
        "--variant",
        args.variant,
        "--num_trials",
        str(trials),
        "--num_envs",
        str(min(args.eval_envs, trials)),
        "--seed",
        str(1000 + seed),
        "--goal_timeout_s",
        str(args.goal_timeout_s),
        "--device",
        args.device,
        "--output",
        str(out),
    ]
    cmd += ["--checkpoint", str(run)] if arm == "policy" else ["--baseline", arm]
    physics = [p for p in args.presets if p in physics_preset_names()]
    cmd += ["--presets", *physics] if physics else []  # scored on the simulator it trained on
    log(f"seed {seed}: evaluating {arm} ({trials} trials)")
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    with open(folder / f"eval_{arm}.log", "w") as log_file:
        done = subprocess.run(cmd, cwd=folder, stdout=log_file, stderr=subprocess.STDOUT, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"evaluation of {arm} failed (exit {done.returncode}); see {folder / f'eval_{arm}.log'}")
    return json.loads((out / "evaluation.json").read_text())


def read_curves(run: Path, per_iteration: int, step_dt: float, max_episode_length_s: float, goal_bonus: float):
    """Training curves from the run's TensorBoard events, against samples and wall time [s]."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run), size_guidance={"scalars": 0})
    acc.Reload()
    tags = set(acc.Tags().get("scalars", []))
    curves = {}
    for name, (candidates, _) in CURVES.items():
        tag = next((t for t in candidates if t in tags), None)
        if tag is None:
            continue
        events = acc.Scalars(tag)
        values = np.array([e.value for e in events], dtype=float)
        if name == "episode_duration_s" and tag.startswith("Train/"):
            values = values * step_dt  # logged in steps
        if name in ("orientation_progress", "goals_per_episode"):
            values = values * max_episode_length_s  # Isaac Lab logs episode sums / max episode length [s]
        if name == "goals_per_episode":
            values = values / goal_bonus
        curves[name] = {
            "samples": [int((e.step + 1) * per_iteration) for e in events],
            "wall_s": [e.wall_time - events[0].wall_time for e in events],
            "value": values.tolist(),
            "tag": tag,
        }
    return curves


def bootstrap_difference(a: list[float], b: list[float], rng: np.random.Generator, n: int = 4000) -> list[float]:
    """95 % bootstrap interval of mean(a) - mean(b)."""
    a_, b_ = np.asarray(a, float), np.asarray(b, float)
    diffs = rng.choice(a_, (n, a_.size)).mean(1) - rng.choice(b_, (n, b_.size)).mean(1)
    return [float(np.percentile(diffs, 2.5)), float(np.percentile(diffs, 97.5))]


def verdict(evaluations: dict[str, list[dict]], seed: int = 0) -> dict:
    """Per baseline: 95 % intervals of (policy - baseline) goals per trial and drops per trial, pooled over seeds."""
    rng = np.random.default_rng(seed)
    trials = {arm: [t for e in evaluations[arm] for t in e["trials"]] for arm in ARMS}
    goals = {arm: [t["successes"] for t in trials[arm]] for arm in ARMS}
    drops = {arm: [float(t["ended_by"] == "object_dropped") for t in trials[arm]] for arm in ARMS}
    out = {
        "num_trials": {arm: len(trials[arm]) for arm in ARMS},
        "mean_goals": {arm: float(np.mean(goals[arm])) for arm in ARMS},
        "drop_fraction": {arm: float(np.mean(drops[arm])) for arm in ARMS},
    }
    for base in ("zero", "random"):
        g = bootstrap_difference(goals["policy"], goals[base], rng)
        d = bootstrap_difference(drops["policy"], drops[base], rng)
        out[f"vs_{base}"] = {
            "goals_diff_ci95": g,
            "drop_diff_ci95": d,
            "more_goals": g[0] > 0.0,
            "fewer_drops": d[1] < 0.0,
        }
    out["learned"] = all(out[f"vs_{b}"]["more_goals"] for b in ("zero", "random"))
    return out


def plot(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n in CURVES if any(n in s["curves"] for s in results["seeds"])]
    fig, axes = plt.subplots(len(names) + 1, 2, figsize=(11, 2.6 * (len(names) + 1)), squeeze=False)
    for row, name in enumerate(names):
        for col, x in enumerate(("samples", "wall_s")):
            ax = axes[row][col]
            for s in results["seeds"]:
                if name in s["curves"]:
                    c = s["curves"][name]
                    ax.plot(
                        np.array(c[x]) / (60.0 if x == "wall_s" else 1.0),
                        c["value"],
                        marker=".",
                        label=f"seed {s['seed']}",
                    )
            ax.set(ylabel=CURVES[name][1], xlabel="env steps" if x == "samples" else "wall time [min]")
            ax.grid(alpha=0.3)
    v = results["verdict"]
    ax = axes[-1][0]
    arms = list(ARMS)
    ax.bar(arms, [v["mean_goals"][a] for a in arms], color=["tab:blue", "tab:gray", "tab:orange"])
    ax.set(ylabel="goals per trial (evaluation)", title="final evaluation, full goal distribution")
    ax = axes[-1][1]
    ax.bar(arms, [v["drop_fraction"][a] for a in arms], color=["tab:blue", "tab:gray", "tab:orange"])
    ax.set(ylabel="drop fraction (evaluation)", title="learned: " + ("yes" if v["learned"] else "no"))
    axes[0][0].legend(fontsize=8)
    fig.suptitle(
        f"{results['settings']['backend']} {results['settings']['variant']} "
        f"presets={','.join(results['settings']['presets']) or 'default'}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def run_params(run: Path) -> tuple[float, float, float]:
    """(step_dt [s], max episode length [s], goal bonus per goal) from the run's env.yaml."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, suffix, node: None)
    env = yaml.load((run / "params" / "env.yaml").read_text(), Loader=Loader)
    step_dt = float(env["sim"]["dt"]) * int(env["decimation"])
    return step_dt, float(env["episode_length_s"]), 5.0


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else argv)
    output = Path(args.output).resolve()
    output.mkdir(parents=True, exist_ok=True)
    per_iteration = args.num_envs * steps_per_iteration(args.backend, args.variant)
    results = {"settings": {k: v for k, v in vars(args).items()}, "seeds": []}
    evaluations: dict[str, list[dict]] = {arm: [] for arm in ARMS}
    for seed in args.seeds:
        folder = output / f"seed_{seed}"
        start = time.monotonic()
        run = train(args, seed, folder)
        train_s = time.monotonic() - start
        step_dt, max_len_s, bonus = run_params(run)
        curves = read_curves(run, per_iteration, step_dt, max_len_s, bonus)
        samples = max((c["samples"][-1] for c in curves.values()), default=0)
        log(f"seed {seed}: trained {samples} samples in {train_s / 60:.1f} min ({samples / train_s:.0f} samples/s)")
        seed_result = {
            "seed": seed,
            "run": str(run),
            "train_s": train_s,
            "samples": samples,
            "curves": curves,
            "evaluation": {},
        }
        for arm in ARMS:
            e = evaluate(args, seed, arm, run, folder)
            evaluations[arm].append(e)
            seed_result["evaluation"][arm] = e["summary"]
            s = e["summary"]
            log(
                f"seed {seed}: {arm}: goals/trial {s['mean']:.2f}, drops {s['drop_fraction']:.1%}, "
                f"trial {s['mean_duration_s']:.1f} s"
            )
        results["seeds"].append(seed_result)
    results["verdict"] = verdict(evaluations)
    (output / "learning_curve.json").write_text(json.dumps(results, indent=2) + "\n")
    plot(results, output / "learning_curve.png")
    v = results["verdict"]
    log(
        f"verdict: learned={v['learned']}; goals/trial policy {v['mean_goals']['policy']:.2f} vs zero "
        f"{v['mean_goals']['zero']:.2f} vs random {v['mean_goals']['random']:.2f}; drops "
        f"{v['drop_fraction']['policy']:.1%} / {v['drop_fraction']['zero']:.1%} / {v['drop_fraction']['random']:.1%}"
    )
    log(f"wrote {output / 'learning_curve.json'} and {output / 'learning_curve.png'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
