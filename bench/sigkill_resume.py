"""SIGKILL loop: kill a real RSL-RL training run (presets=adr, tiny envs, CPU) many times at random moments and in
the middle of checkpoint saves, resume it each time, and report what every kill lost.

    .venv/bin/python bench/sigkill_resume.py --kills 8 --total 20          # ~8 restarts: minutes per restart on a CPU
    .venv/bin/python bench/sigkill_resume.py --kills 3 --total 8 --json kills.json

Every kill: the run is SIGKILLed (its whole process group) either 0..--jitter-s seconds after it logs an
iteration, or (every third kill) while a checkpoint is half written (checkpoints written slowly through
tests/helpers/instrumented.py --slow-save-s). Then the resolver picks the newest checkpoint that loads and the run
is resumed with --resume. Checks (tests/training/kill_resume.check): at most one iteration lost per kill, Adam
steps = 16 per completed iteration, ADR versions never go back, and the last run ends at --total iterations. The
short version is tests/training/test_sigkill_resume.py.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kills", type=int, default=8, help="how many times the run is killed (default 8)")
    p.add_argument("--total", type=int, default=20, help="iterations the run must reach (default 20)")
    p.add_argument("--num-envs", type=int, default=4, help="environments (default 4)")
    p.add_argument("--jitter-s", type=float, default=3.0, help="random delay of a kill after an iteration [s]")
    p.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    p.add_argument("--workdir", type=Path, default=None, help="where the run's logs go (default: a temp folder)")
    p.add_argument("--json", type=Path, default=None, help="also write the result here")
    args = p.parse_args(argv)
    if args.kills < 1 or args.total < args.kills + 2 or args.num_envs < 1:
        p.error("--kills >= 1, --total >= kills + 2 and --num-envs >= 1")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
    from tests.training.kill_resume import check, kill_resume_loop

    rng = random.Random(args.seed)
    points = sorted(rng.sample(range(1, args.total - 1), args.kills))
    kills = [("save" if i % 3 == 2 else "random", at) for i, at in enumerate(points)]
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="sigkill_"))
    print(f"[bench] kills at iterations {kills}; logs in {workdir}", flush=True)
    result = kill_resume_loop(
        workdir, kills, args.total, num_envs=args.num_envs, jitter_s=args.jitter_s, rng_seed=args.seed
    )
    check(result)
    out = asdict(result)
    out["max_lost_iterations"] = max(k.lost_iterations for k in result.kills)
    out["total_lost_iterations"] = sum(k.lost_iterations for k in result.kills)
    print(json.dumps(out, indent=1))
    if args.json is not None:
        args.json.write_text(json.dumps(out, indent=1))
    return out


if __name__ == "__main__":
    main()
