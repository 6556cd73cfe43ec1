"""The Dactyl paper's evaluation protocol (arXiv 1808.00177, sec. 6.3) on a trained checkpoint.

A trial is one episode from a fresh reset. It counts the goals reached in a row and ends when the cube is
dropped, when a goal is not reached within the per-goal timeout (80 s on the real hand, 8 s in training)
or at the cap of 50 consecutive successes. The policy is deterministic (the mean action). Reported:
mean, median, max (and std, min) consecutive successes over the trials, how the trials ended, a JSON
report and a histogram.

Trials run in parallel environments; each environment runs a fixed share of the trials, so long trials
are not under-sampled (taking the first N episodes to finish would favour short, failed ones).
"""

from __future__ import annotations

import json
import statistics
from collections import Counter
from pathlib import Path

import torch

GOAL_TERM = "object_pose"
ENDINGS = ("object_dropped", "max_successes", "goal_timeout", "time_out")


def env_cfg(
    task: str,
    presets: tuple[str, ...],
    num_envs: int,
    device: str,
    seed: int,
    goal_timeout_s: float,
    max_successes: int,
):
    """The task's env config with the evaluation's goal timeout and success cap (and an episode long enough)."""
    from isaaclab_tasks.utils.hydra import resolve_presets
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    cfg = resolve_presets(load_cfg_from_registry(task, "env_cfg_entry_point"), selected=tuple(presets))
    cfg.sim.device = device
    cfg.scene.num_envs = num_envs
    cfg.seed = seed
    cfg.terminations.goal_timeout.params["timeout_s"] = goal_timeout_s
    cfg.terminations.max_successes.params["max_successes"] = max_successes
    # every goal may take the full timeout: the episode limit must never end a trial first
    cfg.episode_length_s = (max_successes + 1) * goal_timeout_s
    return cfg


def rsl_rl_policy(env, agent_cfg, checkpoint: str, device: str):
    """(wrapped env, act(obs) -> actions, reset(dones)) of an RSL-RL checkpoint; deterministic (mean action)."""
    from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper

    from .rsl_rl_runner import build

    agent_cfg.device = device
    env = RslRlVecEnvWrapper(env, clip_actions=agent_cfg.clip_actions)
    runner = build(env, agent_cfg)
    runner.load(checkpoint, map_location=device)
    policy = runner.get_inference_policy(device=device)  # forward() returns the mean unless asked to sample
    return env, policy, policy.reset


BASELINES = ("zero", "random")
"""Policies without a checkpoint to compare a trained one with: the zero action (hold the start pose) and
uniformly random actions in [-1, 1] (drawn from a generator seeded with the evaluation's seed)."""


def baseline_policy(env, kind: str, seed: int):
    """(wrapped env, act(obs) -> actions, reset(dones)) of a baseline: ``zero`` or ``random``."""
    from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper

    if kind not in BASELINES:
        raise ValueError(f"unknown baseline {kind!r}; choose one of {', '.join(BASELINES)}")
    env = RslRlVecEnvWrapper(env)
    shape = (env.num_envs, env.num_actions)
    device = env.unwrapped.device
    generator = torch.Generator(device=device).manual_seed(seed)

    def act(obs):
        if kind == "zero":
            return torch.zeros(shape, device=device)
        return torch.rand(shape, device=device, generator=generator) * 2.0 - 1.0

    return env, act, lambda dones: None


def rl_games_policy(env, agent_cfg: dict, checkpoint: str, device: str):
    """(wrapped env, act(obs) -> actions, reset(dones)) of an rl-games checkpoint; deterministic player."""
    from isaaclab_rl.rl_games import RlGamesVecEnvWrapper, register_rl_games_env
    from rl_games.torch_runner import Runner

    from .rl_games_agent import restore_player

    config = agent_cfg["params"]["config"]
    config["device"] = config["device_name"] = device
    config["num_actors"] = env.unwrapped.num_envs
    config["player"]["deterministic"] = True
    env = RlGamesVecEnvWrapper.from_agent_cfg(env, agent_cfg)
    register_rl_games_env(env)
    agent_cfg["params"]["load_checkpoint"] = True
    agent_cfg["params"]["load_path"] = checkpoint
    runner = Runner()
    runner.load(agent_cfg)
    player = runner.create_player()
    restore_player(player, checkpoint, map_location=device)
    player.reset()
    player.get_batch_size(env.reset()["obs"], 1)
    if player.is_rnn:
        player.init_rnn()

    binned = None
    if getattr(player, "is_multi_discrete", False):  # the paper's discrete head: the player gives bin indices
        from dactyl_lab.agents.rl_games_discrete import BinnedActionVecEnv

        binned = BinnedActionVecEnv(env)

    def act(obs):
        action = player.get_action(player.obs_to_torch(obs), is_deterministic=True)
        return action if binned is None else binned.to_actions(action)

    def reset(dones):
        if player.is_rnn and player.states is not None:
            for state in player.states:
                state[:, dones.bool(), :] = 0.0

    return env, act, reset


def run_trials(env, act, reset, num_trials: int, progress=print) -> list[dict]:
    """Run ``num_trials`` episodes (env i runs trials i, i + num_envs, ...); one dict per trial:
    ``successes`` (goals reached in a row), ``ended_by`` (termination term), ``steps``, ``duration_s``."""
    unwrapped = env.unwrapped
    goals = unwrapped.command_manager.get_term(GOAL_TERM)
    terms = unwrapped.termination_manager
    num_envs = unwrapped.num_envs
    quota = torch.tensor([len(range(i, num_trials, num_envs)) for i in range(num_envs)], device=unwrapped.device)
    trials: list[dict] = []
    obs = env.get_observations() if hasattr(env, "get_observations") else env.reset()
    endings = [t for t in ENDINGS if t in terms.active_terms]
    with torch.inference_mode():
        while len(trials) < num_trials:
            reached = goals.goals_reached.clone()  # a reset zeroes it: read the count before the step
            steps = unwrapped.episode_length_buf.clone()
            obs, _, dones, _ = env.step(act(obs))
            reset(dones)
            finished = dones.bool() & (quota > 0)
            if not bool(finished.any()):
                continue
            # one batch per step, not a loop over envs: which term ended each finished trial (first of ENDINGS)
            ids = finished.nonzero().flatten()
            fired = [terms.get_term(t)[ids].bool() for t in endings] + [torch.ones_like(ids, dtype=torch.bool)]
            fired = torch.stack(fired)
            ended_by = fired.int().argmax(0)  # the "other" row catches trials no listed term ended
            quota[ids] -= 1
            names = endings + ["other"]
            for i, k, n, e in zip(ids.tolist(), reached[ids].int().tolist(), steps[ids].tolist(), ended_by.tolist()):
                trials.append(
                    {
                        "env": i,
                        "successes": k,
                        "ended_by": names[e],
                        "steps": n + 1,
                        "duration_s": (n + 1) * unwrapped.step_dt,
                    }
                )
                progress(f"trial {len(trials)}/{num_trials}: {k} consecutive successes ({names[e]})")
    return trials


def summarize(trials: list[dict]) -> dict:
    successes = [t["successes"] for t in trials]
    return {
        "num_trials": len(successes),
        "mean": statistics.fmean(successes),
        "median": statistics.median(successes),
        "max": max(successes),
        "min": min(successes),
        "std": statistics.pstdev(successes),
        "ended_by": dict(Counter(t["ended_by"] for t in trials)),
        "drop_fraction": sum(t["ended_by"] == "object_dropped" for t in trials) / len(trials),
        "mean_duration_s": statistics.fmean(t.get("duration_s", 0.0) for t in trials),
    }


def write_report(folder: Path, summary: dict, settings: dict, trials: list[dict]) -> tuple[Path, Path]:
    """``evaluation.json`` (settings, summary, every trial) and ``histogram.png`` in ``folder``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "evaluation.json"
    report.write_text(json.dumps({"settings": settings, "summary": summary, "trials": trials}, indent=2) + "\n")
    cap = settings["max_successes"]
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.hist([t["successes"] for t in trials], bins=range(0, cap + 2), align="left", color="tab:blue", edgecolor="white")
    ax.axvline(summary["mean"], color="tab:red", label=f"mean {summary['mean']:.1f}")
    ax.axvline(summary["median"], color="tab:green", linestyle="--", label=f"median {summary['median']:.1f}")
    ax.set(
        xlabel="consecutive successes",
        ylabel="trials",
        xlim=(-1, cap + 1),
        title=f"{summary['num_trials']} trials, randomization {settings['randomization']}, "
        f"goal timeout {settings['goal_timeout_s']:g} s",
    )
    ax.legend()
    fig.tight_layout()
    histogram = folder / "histogram.png"
    fig.savefig(histogram, dpi=100)
    plt.close(fig)
    return report, histogram
