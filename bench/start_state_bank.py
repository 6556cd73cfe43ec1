"""Start-up cost of the start-state bank (paper App. C.1; ``tasks/reorient/mdp/start_states.py``).

Builds the real Isaac Lab env (Newton, CPU unless ``--device``) of the default task at each ``--num-envs`` and
times its first ``env.reset()``, which fills the bank: rounds of ``--steps`` control steps (paper: 100) of
uniform random actions over every env (default: one round, the survivors form the bank; ``--bank-size``: rounds
until that many starts kept the cube).
The Warp kernels are compiled by a short warm-up bank first (2 random-action steps), so the timed reset
measures stepping, not compilation. Prints the bank's generation time [s], the rounds, the kept fraction and the
bank size; ``--json`` writes them.

    .venv/bin/python bench/start_state_bank.py --num-envs 64 256
    .venv/bin/python bench/start_state_bank.py --num-envs 64 --steps 100 --json bank.json

On a shared CPU the wall time moves with the load of other processes; the CPU time of this process is printed
too.

``--refresh``: the bank's refresh during training (``refresh_start_state_bank``). After the bank is built, the env
runs uniform random actions in [-1, 1] (an untrained policy) with episodes cut to ``--episode-length-s``, first
with the refresh off (``refresh_fraction=0``: the bank of the first reset for all of training, as before) until
``--episodes`` episodes started, then with the task's refresh (warm-up of ``--warmup-episodes``, then
``--episodes``). Per phase: the number of distinct starts (bank row ids) the episodes drew, per 1,000 episodes, and
the median step time; plus the refresh call alone (``--refresh-calls`` calls, device-synchronised).

    .venv/bin/python bench/start_state_bank.py --refresh --num-envs 16 --steps 20 --episodes 200
    .venv/bin/python bench/start_state_bank.py --refresh --num-envs 1024 4096 --device cuda:0 --json refresh.json
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)


def measure(num_envs: int, steps: int, bank_size: int | None, device: str, seed: int = 0) -> dict:
    from tests.helpers.envs import close_env, make_env

    def edit(cfg):
        cfg.events.start_state.params.update(bank_size=bank_size, refresh_on_full_reset=True)

    env = make_env(num_envs=num_envs, seed=seed, device=device, edit=edit, start_steps=2)
    try:
        env.reset(seed=seed)  # warm-up bank: compiles the Warp kernels
        term = env.unwrapped.event_manager.get_term_cfg("start_state")
        term.params["random_action_steps"] = steps
        cpu = time.process_time()
        env.reset(seed=seed)  # refresh_on_full_reset: fills the bank again, with ``steps`` steps
        cpu = time.process_time() - cpu
        bank = term.func
        return {
            "num_envs": num_envs,
            "random_action_steps": steps,
            "bank_size": int(bank.bank.shape[0]),
            "rounds": bank.rounds,
            "kept_fraction": bank.kept_fraction,
            "generation_wall_s": bank.generation_time_s,
            "generation_cpu_s": bank.generation_cpu_s,
            "reset_cpu_s": cpu,
        }
    finally:
        close_env(env)


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize(device)


def _run_episodes(env, term, episodes: int, device: str, max_steps: int) -> tuple[list[int], list[float]]:
    """Step uniform random actions until ``episodes`` episodes started; the start ids they drew and step times."""
    import torch

    u = env.unwrapped
    ids: list[int] = []
    times: list[float] = []
    for _ in range(max_steps):
        actions = 2.0 * torch.rand(u.num_envs, u.action_manager.total_action_dim, device=u.device) - 1.0
        _sync(device)
        start = time.perf_counter()
        env.step(actions)
        _sync(device)
        times.append(time.perf_counter() - start)
        ids += term.start_id[u.episode_length_buf == 0].tolist()  # the envs that reset in this step (bench only)
        if len(ids) >= episodes:
            break
    return ids[:episodes], times


def _distinct_per_1000(ids: list[int]) -> float:
    return 1000.0 * len(set(ids)) / max(1, len(ids))


def measure_refresh(
    num_envs: int, steps: int, episodes: int, warmup: int, episode_length_s: float, calls: int, device: str, seed=0
) -> dict:
    """Distinct starts per 1,000 episodes and step time without and with the bank's refresh (module docstring)."""
    from tests.helpers.envs import close_env, make_env

    def edit(cfg):
        cfg.episode_length_s = episode_length_s

    env = make_env(num_envs=num_envs, seed=seed, device=device, edit=edit, start_steps=steps)
    try:
        env.reset(seed=seed)
        u = env.unwrapped
        term = u.event_manager.get_term_cfg("start_state").func
        refresh_cfg = u.event_manager.get_term_cfg("start_state_refresh")
        fraction = refresh_cfg.params.get("refresh_fraction", 0.75)
        max_steps = 50 * int(episodes * episode_length_s / u.step_dt / num_envs + 10)
        refresh_cfg.params["refresh_fraction"] = 0.0
        old_ids, old_times = _run_episodes(env, term, episodes, device, max_steps)
        refresh_cfg.params["refresh_fraction"] = fraction
        _run_episodes(env, term, warmup, device, max_steps)
        refreshed_before = int(term.refreshed)
        new_ids, new_times = _run_episodes(env, term, episodes, device, max_steps)
        refreshed = int(term.refreshed) - refreshed_before
        params = dict(refresh_cfg.params, refresh_fraction=fraction)
        after = max(1, int(round(params.pop("refresh_after_s", 0.8) / u.step_dt)))
        params.pop("bank_term", None)
        _sync(device)
        start = time.perf_counter()
        for _ in range(calls):
            term.refresh(u, after, **params)
        _sync(device)
        call_s = (time.perf_counter() - start) / calls
        return {
            "num_envs": num_envs,
            "bank_size": int(term.bank.shape[0]),
            "refresh_fraction": fraction,
            "episodes": len(new_ids),
            "distinct_per_1000_episodes_without_refresh": _distinct_per_1000(old_ids),
            "distinct_per_1000_episodes_with_refresh": _distinct_per_1000(new_ids),
            "rows_refreshed_per_1000_episodes": 1000.0 * refreshed / max(1, len(new_ids)),
            "max_generation": int(term.row_generation.max()),
            "step_median_s_without_refresh": statistics.median(old_times),
            "step_median_s_with_refresh": statistics.median(new_times),
            "refresh_call_s": call_s,
        }
    finally:
        close_env(env)


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--num-envs", type=int, nargs="+", default=[64, 256], help="env counts (default: 64 256)")
    p.add_argument("--steps", type=int, default=100, help="random-action steps per round (default: 100, paper)")
    p.add_argument("--bank-size", type=int, default=None, help="states to keep (default: the survivors of one round)")
    p.add_argument("--device", default="cpu", help="simulation device (default: cpu)")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    p.add_argument("--refresh", action="store_true", help="measure the refresh during training instead")
    p.add_argument("--episodes", type=int, default=1000, help="--refresh: episodes per phase (default: 1000)")
    p.add_argument("--warmup-episodes", type=int, default=500, help="--refresh: episodes before counting")
    p.add_argument("--episode-length-s", type=float, default=2.0, help="--refresh: episode cut [s] (default: 2)")
    p.add_argument("--refresh-calls", type=int, default=200, help="--refresh: timed calls of the refresh alone")
    args = p.parse_args(argv)
    if args.steps < 1 or any(n < 1 for n in args.num_envs):
        p.error("--steps and --num-envs must be positive; e.g. --num-envs 64 --steps 100")
    if args.refresh:
        return _main_refresh(args)
    results = []
    for n in args.num_envs:
        print(f"[bench] {n} envs, {args.steps} random-action steps ...", flush=True)
        r = measure(n, args.steps, args.bank_size, args.device)
        results.append(r)
        print(
            f"[bench] {n} envs: bank of {r['bank_size']} states in {r['generation_wall_s']:.1f} s wall "
            f"({r['generation_cpu_s']:.1f} s CPU), {r['rounds']} round(s), kept {100 * r['kept_fraction']:.0f} %",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


def _main_refresh(args) -> list[dict]:
    results = []
    for n in args.num_envs:
        print(f"[bench] refresh: {n} envs, {args.episodes} episodes per phase ...", flush=True)
        r = measure_refresh(
            n, args.steps, args.episodes, args.warmup_episodes, args.episode_length_s, args.refresh_calls, args.device
        )
        results.append(r)
        print(
            f"[bench] {n} envs, bank {r['bank_size']}: distinct starts per 1000 episodes "
            f"{r['distinct_per_1000_episodes_without_refresh']:.0f} without refresh, "
            f"{r['distinct_per_1000_episodes_with_refresh']:.0f} with; step median "
            f"{1e3 * r['step_median_s_without_refresh']:.1f} / {1e3 * r['step_median_s_with_refresh']:.1f} ms; "
            f"refresh call {1e3 * r['refresh_call_s']:.3f} ms",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return results


if __name__ == "__main__":
    main()
