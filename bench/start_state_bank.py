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
"""

from __future__ import annotations

import argparse
import json
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


def main(argv=None) -> list[dict]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--num-envs", type=int, nargs="+", default=[64, 256], help="env counts (default: 64 256)")
    p.add_argument("--steps", type=int, default=100, help="random-action steps per round (default: 100, paper)")
    p.add_argument("--bank-size", type=int, default=None, help="states to keep (default: the survivors of one round)")
    p.add_argument("--device", default="cpu", help="simulation device (default: cpu)")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    if args.steps < 1 or any(n < 1 for n in args.num_envs):
        p.error("--steps and --num-envs must be positive; e.g. --num-envs 64 --steps 100")
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


if __name__ == "__main__":
    main()
