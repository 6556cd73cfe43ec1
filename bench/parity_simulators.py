#!/usr/bin/env python3
"""Physics parity across three simulators: the task on Newton (MuJoCo-Warp), the task on PhysX (OvPhysX, CPU;
``presets=ovphysx``, what ``physx`` resolves to kit-less) and the MuJoCo stand-in hand (plain MuJoCo).

The harness of bench/parity.py (one env stepped below the managers, absolute motor targets per 8 ms physics step,
the same start state in every simulator), extended by:

* free hand: the ``steps`` / ``sines`` / ``random`` trajectories, compared pairwise (max joint and fingertip error);
* resting cube: dropped 1 cm onto the open palm, zero targets; how far it moves from ``--settle_s`` to the end;
* tendon step response: every finger's tendon motor (J1 + J2) from 0 to :data:`TENDON_STEP_RAD` at t = 0, the hand
  free; J1 + J2 at fixed times, the time to 90 %, the J2 / J1 split at the end;
* drops under random actions: ``--drop_trials`` seeds of uniform random targets held 80 ms (the ``random``
  sequence) from the resting start; a drop: the cube farther than the task's drop distance from its start;
* start-state keep rate (paper C.1): the task's own start-state bank (``--keep_envs`` envs, 100 random-action
  steps through the action term, a start kept when its cube never went farther than the drop distance); the
  stand-in's bank of ``--keep_envs`` settled starts (the runtime's action law; a start kept when the cube ends
  within the drop distance), as kept / tried.

Newton and PhysX each run in their own processes (one Isaac Lab simulation per process; OvPhysX keeps per-process
state); the stand-in runs in this one.

  python bench/parity_simulators.py --markdown /tmp/parity3.md --json /tmp/parity3.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from dactyl_lab.spec import hand, solver as sim_settings, task as task_constants

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the sibling parity.py, run as a script or by path
import parity  # noqa: E402

SIMULATORS = {"newton": ("newton_mjwarp",), "physx": ("ovphysx",)}
"""Isaac Lab simulators: name -> physics preset of the task."""
NAMES = ("newton", "physx", "standin")
TENDON_STEP_RAD = 1.2
"""Tendon step target J1 + J2 [rad] (each joint spans 0 .. pi/2)."""
TENDON_REPORT_TIMES_S = (0.04, 0.1, 0.25, 1.0)
TENDON_IDS = [hand.MOTOR_NAMES.index(m) for m in hand.TENDON_MOTOR_NAMES]


def tendon_step_targets(n_steps: int) -> np.ndarray:
    targets = parity.target_sequence("rest", n_steps)
    targets[:, TENDON_IDS] = TENDON_STEP_RAD
    return targets


def runs(args: argparse.Namespace) -> dict[str, tuple[str, np.ndarray]]:
    """name -> (start kind, absolute targets (n, 20)): every open-loop run of the harness."""
    steps = lambda s: int(round(s / sim_settings.PHYSICS_DT_S))  # noqa: E731
    out = {kind: (kind, parity.target_sequence(kind, steps(args.seconds))) for kind in ("steps", "sines", "random")}
    out["rest"] = ("rest", parity.target_sequence("rest", steps(args.rest_s)))
    out["tendon_step"] = ("steps", tendon_step_targets(steps(1.0)))
    for seed in range(args.drop_trials):
        out[f"drop_{seed}"] = ("rest", parity.target_sequence("random", steps(args.drop_s), seed=100 + seed))
    return out


def as_lists(traj: dict[str, np.ndarray]) -> dict[str, list]:
    return {k: np.asarray(v).tolist() for k, v in traj.items()}


# ------------------------------------------------------------------------------------------ one simulator each
def harness_worker(name: str, args: argparse.Namespace) -> dict:
    """The open-loop runs on the Isaac Lab task (this process's one simulation)."""
    hand_ = parity.NewtonHand(presets=SIMULATORS[name], start_steps=2)
    try:
        out = {}
        for run, (kind, targets) in runs(args).items():
            out[run] = as_lists(hand_.run_targets(targets, *parity.cube_start(kind, hand_.floor_z)))
        return out
    finally:
        hand_.close()


def keep_worker(name: str, args: argparse.Namespace) -> dict:
    """The task's start-state bank at ``--keep_envs`` envs and the paper's 100 random-action steps."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers
    from tests.helpers.envs import make_env

    def edit(cfg):
        cfg.events.start_state.params.update(max_rounds=1)

    env = make_env(num_envs=args.keep_envs, seed=args.seed, presets=SIMULATORS[name], edit=edit, start_steps=None)
    env.reset()
    bank = env.unwrapped.event_manager.get_term_cfg("start_state").func
    return {"kept_fraction": bank.kept_fraction, "tried": args.keep_envs, "seconds": bank.generation_time_s}


def standin_results(args: argparse.Namespace) -> dict:
    from dactyl_lab.runtime.backends.mujoco_standin import MujocoStandInHand

    traj = {run: as_lists(parity.run_standin(k, len(t), targets=t)) for run, (k, t) in runs(args).items()}
    start = time.perf_counter()
    standin = MujocoStandInHand(seed=args.seed, start_bank_size=args.keep_envs)
    keep = {"kept_fraction": args.keep_envs / standin.start_attempts, "tried": standin.start_attempts}
    return {"trajectories": traj, "keep": keep | {"seconds": time.perf_counter() - start}}


def in_subprocess(mode: str, name: str, args: argparse.Namespace) -> dict:
    out = Path(args.work) / f"{mode}_{name}.json"
    cmd = [sys.executable, __file__, "--worker", mode, "--simulator", name, "--out", str(out)]
    cmd += ["--seconds", str(args.seconds), "--rest_s", str(args.rest_s), "--drop_s", str(args.drop_s)]
    cmd += ["--drop_trials", str(args.drop_trials), "--keep_envs", str(args.keep_envs), "--seed", str(args.seed)]
    print(f"[parity3] {mode} on {name} ...", flush=True)
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0 or not out.exists():
        raise RuntimeError(f"{mode} on {name} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(out.read_text())


# ------------------------------------------------------------------------------------------ metrics
def arrays(traj: dict) -> dict[str, np.ndarray]:
    return {k: np.asarray(v) for k, v in traj.items()}


def free_hand_errors(a: dict, b: dict) -> dict:
    """Max joint [rad] and fingertip [mm] error of a against b over the free-hand runs."""
    errors = [parity.compare(arrays(a[k]), arrays(b[k])) for k in ("steps", "sines", "random")]
    return {
        "joint_max_rad": max(max(e["joint_max_rad"].values()) for e in errors),
        "tip_max_mm": max(e["tip_max_mm"] for e in errors),
        "tip_mean_mm": float(np.mean([e["tip_mean_mm"] for e in errors])),
    }


def resting_drift(traj: dict, settle_s: float) -> dict:
    t = arrays(traj)
    k = int(round(settle_s / sim_settings.PHYSICS_DT_S))
    pos, quat = t["cube_pos"], t["cube_quat"]
    return {
        "drift_mm": float(1e3 * np.linalg.norm(pos[-1] - pos[k])),
        "turn_rad": float(parity.quat_angle(quat[-1], quat[k])),
        "drop_mm": float(1e3 * (pos[0, 2] - pos[k, 2])),
    }


def tendon_response(traj: dict) -> dict:
    q = arrays(traj)["joint_pos"]
    idx = {j: hand.JOINT_NAMES.index(j) for j in hand.JOINT_NAMES}
    pairs = [hand.TENDON_JOINTS[m] for m in hand.TENDON_MOTOR_NAMES]  # (J2, J1) or (J1, J2): summed, order-free
    length = np.stack([q[:, idx[a]] + q[:, idx[b]] for a, b in pairs], axis=1)  # (T+1, 4)
    dt = sim_settings.PHYSICS_DT_S
    at = {f"{s:g}s": float(length[int(round(s / dt))].mean()) for s in TENDON_REPORT_TIMES_S}
    reached = length >= 0.9 * TENDON_STEP_RAD
    t90 = [float(np.argmax(reached[:, f]) * dt) if reached[:, f].any() else float("nan") for f in range(4)]
    j2 = np.mean([q[-1, idx[n]] for m in hand.TENDON_MOTOR_NAMES for n in hand.TENDON_JOINTS[m] if n.endswith("J2")])
    j1 = np.mean([q[-1, idx[n]] for m in hand.TENDON_MOTOR_NAMES for n in hand.TENDON_JOINTS[m] if n.endswith("J1")])
    return {"length_rad": at, "t90_s": float(np.nanmax(t90)), "j2_rad": float(j2), "j1_rad": float(j1)}


def drops(trajectories: dict) -> dict:
    runs_ = [arrays(v) for k, v in trajectories.items() if k.startswith("drop_")]
    distance = [np.linalg.norm(t["cube_pos"] - t["cube_pos"][0], axis=-1).max() for t in runs_]
    dropped = sum(d > task_constants.DROP_DISTANCE_M for d in distance)
    return {"dropped": int(dropped), "trials": len(runs_), "median_max_travel_mm": float(1e3 * np.median(distance))}


def metrics(results: dict, args: argparse.Namespace) -> dict:
    traj = {n: results[n]["trajectories"] for n in NAMES}
    return {
        "free_hand": {
            "newton_vs_standin": free_hand_errors(traj["newton"], traj["standin"]),
            "physx_vs_standin": free_hand_errors(traj["physx"], traj["standin"]),
            "physx_vs_newton": free_hand_errors(traj["physx"], traj["newton"]),
        },
        "rest": {n: resting_drift(traj[n]["rest"], args.settle_s) for n in NAMES},
        "tendon_step": {n: tendon_response(traj[n]["tendon_step"]) for n in NAMES},
        "drops": {n: drops(traj[n]) for n in NAMES},
        "keep": {n: results[n]["keep"] for n in NAMES},
    }


def markdown(m: dict, args: argparse.Namespace) -> str:
    f = m["free_hand"]
    row = lambda label, cells: f"| {label} | " + " | ".join(cells) + " |"  # noqa: E731
    per = lambda key, fmt: [fmt(m[key][n]) for n in NAMES]  # noqa: E731
    lines = ["| measure | Newton | PhysX (OvPhysX) | MuJoCo stand-in |", "|---|---:|---:|---:|"]
    lines.append(
        row(
            f"free hand, {args.seconds:g} s x 3 runs: max joint err [rad] / max fingertip err [mm] vs the stand-in",
            [
                f"{f['newton_vs_standin']['joint_max_rad']:.4f} / {f['newton_vs_standin']['tip_max_mm']:.2f}",
                f"{f['physx_vs_standin']['joint_max_rad']:.4f} / {f['physx_vs_standin']['tip_max_mm']:.2f}",
                "(reference)",
            ],
        )
    )
    lines.append(
        row(
            "free hand: the same, PhysX vs Newton",
            ["(reference)", f"{f['physx_vs_newton']['joint_max_rad']:.4f} / {f['physx_vs_newton']['tip_max_mm']:.2f}"]
            + ["-"],
        )
    )
    lines.append(
        row(
            f"resting cube: drift {args.settle_s:g}-{args.rest_s:g} s [mm] / turn [rad]",
            per("rest", lambda r: f"{r['drift_mm']:.2f} / {r['turn_rad']:.4f}"),
        )
    )
    times = " / ".join(f"{s:g}" for s in TENDON_REPORT_TIMES_S)
    lines.append(
        row(
            f"tendon step 0 -> {TENDON_STEP_RAD} rad: J1 + J2 at {times} s [rad] (mean of 4 fingers)",
            per("tendon_step", lambda r: " / ".join(f"{v:.3f}" for v in r["length_rad"].values())),
        )
    )
    lines.append(
        row(
            "tendon step: slowest finger's time to 90 % [s]; J2 / J1 at 1 s [rad]",
            per("tendon_step", lambda r: f"{r['t90_s']:.3f}; {r['j2_rad']:.3f} / {r['j1_rad']:.3f}"),
        )
    )
    lines.append(
        row(
            f"drops under random targets ({args.drop_s:g} s): dropped / trials; median max travel [mm]",
            per("drops", lambda r: f"{r['dropped']} / {r['trials']}; {r['median_max_travel_mm']:.0f}"),
        )
    )
    lines.append(
        row(
            "start-state keep rate (100 random-action steps): kept share of tried",
            per("keep", lambda r: f"{100 * r['kept_fraction']:.0f} % of {r['tried']}"),
        )
    )
    return "\n".join(lines) + "\n"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=1.5, help="free-hand runs [s]")
    parser.add_argument("--rest_s", type=float, default=2.5, help="resting-cube run [s]")
    parser.add_argument("--settle_s", type=float, default=0.5, help="drift measured from this time [s]")
    parser.add_argument("--drop_s", type=float, default=2.0, help="each random-target drop trial [s]")
    parser.add_argument("--drop_trials", type=int, default=8, help="random-target drop trials per simulator")
    parser.add_argument("--keep_envs", type=int, default=32, help="starts tried for the keep rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write metrics (and trajectories) here")
    parser.add_argument("--markdown", type=Path, default=None, help="write the table here")
    parser.add_argument("--work", default="/tmp/dactyl_parity3", help="folder of the workers' results")
    parser.add_argument("--worker", choices=("harness", "keep"), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--simulator", choices=tuple(SIMULATORS), default=None, help=argparse.SUPPRESS)
    parser.add_argument("--out", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker:
        fn = harness_worker if args.worker == "harness" else keep_worker
        Path(args.out).write_text(json.dumps(fn(args.simulator, args)))
        os._exit(0)  # skip the slow teardown of the simulation
    Path(args.work).mkdir(parents=True, exist_ok=True)
    results = {"standin": standin_results(args)}
    for name in SIMULATORS:
        results[name] = {
            "trajectories": in_subprocess("harness", name, args),
            "keep": in_subprocess("keep", name, args),
        }
    m = metrics(results, args)
    table = markdown(m, args)
    print(table)
    if args.markdown:
        args.markdown.write_text(table)
    if args.json:
        args.json.write_text(json.dumps({"metrics": m, "args": vars(args) | {"json": None, "markdown": None}}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
