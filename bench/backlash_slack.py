"""Slack a full reversal costs per joint group under the task's backlash model (robogym's calibration).

Runs :class:`~dactyl_lab.tasks.randomization.Backlash` as the task builds it (the hand's 20 motors, each motor's
action scale, the control period, default 80 ms): the slack state is pushed to one side, then a constant action
``--action`` in the other direction is applied until the action passes whole; the commanded motor offset the slack
swallowed on the way, sum over steps of ``scale_rad x |a| x (1 - alpha)``, is the slack of that reversal [rad], and
the steps it took at that action are its delay. Per motor and direction at the calibrated amounts (std 0), and over
``--episodes`` per-episode draws (robogym's variation, relative 0.1 on the log of each coefficient): the 5th, 50th
and 95th percentiles. Printed per joint group (wrist, finger J4/J3 and LFJ5, tendons J0 = J1 + J2, thumb) and per
motor with ``--per-motor``; ``--json`` writes everything.

    .venv/bin/python bench/backlash_slack.py
    .venv/bin/python bench/backlash_slack.py --action 0.3 --per-motor --json slack.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from dactyl_lab.spec import action_law, hand
from dactyl_lab.spec.action_law import PAPER_CONTROL_PERIOD_S
from dactyl_lab.tasks.randomization import Backlash, BacklashCfg, make_generator

GROUPS: dict[str, tuple[str, ...]] = {
    "wrist": ("rh_WRJ2", "rh_WRJ1"),
    "fingers J4/J3, LFJ5": tuple(m for m in hand.JOINT_MOTOR_NAMES if m[3:5] in ("FF", "MF", "RF", "LF")),
    "tendons J0 = J1 + J2": hand.TENDON_MOTOR_NAMES,
    "thumb": tuple(m for m in hand.JOINT_MOTOR_NAMES if m.startswith("rh_TH")),
}
"""The joint groups of docs/randomization.md's table."""


def reversal_slack(backlash: Backlash, action: float, max_steps: int = 10_000) -> tuple[torch.Tensor, torch.Tensor]:
    """(slack [rad], steps) per env, motor and direction (N, M, 2) of a full reversal at constant ``action``:
    direction 0 reverses toward negative angles (from s = +1), 1 toward positive (from s = -1)."""
    slack, steps = [], []
    for index, sign in ((0, -1.0), (1, 1.0)):
        backlash.slack[:] = -sign  # the far side: the whole band to cross
        a = torch.full_like(backlash.slack, sign * action)
        lost = torch.zeros_like(backlash.slack)
        taken = torch.zeros_like(backlash.slack)
        for _ in range(max_steps):
            out = backlash(a)
            lost += backlash.scale_rad * (a - out).abs()
            taken += (backlash.alpha < 1.0).float()
            if bool((backlash.alpha >= 1.0).all()):
                break
        slack.append(lost)
        steps.append(taken)
    return torch.stack(slack, -1), torch.stack(steps, -1)


def measure(action: float, episodes: int, control_dt_s: float, seed: int = 0) -> dict:
    names = hand.MOTOR_NAMES
    scales = action_law.half_range_scale_rad(hand.MOTOR_LIMITS_RAD)
    scale_rad = torch.tensor([scales[m] for m in names])
    nominal = Backlash(BacklashCfg(std=0.0), 1, len(names), control_dt_s, scale_rad=scale_rad)
    nominal.reset()
    nominal_slack, nominal_steps = reversal_slack(nominal, action)
    drawn = Backlash(BacklashCfg(), episodes, len(names), control_dt_s, "cpu", make_generator(seed), scale_rad)
    drawn.reset()
    drawn_slack, _ = reversal_slack(drawn, action)
    q = torch.quantile(drawn_slack, torch.tensor([0.05, 0.5, 0.95]), dim=0)  # (3, M, 2)
    motors = {
        m: {
            "slack_rad_toward_neg_pos": nominal_slack[0, i].tolist(),
            "steps_toward_neg_pos": nominal_steps[0, i].tolist(),
            "per_episode_p5_p50_p95_rad": q[:, i, :].T.tolist(),
        }
        for i, m in enumerate(names)
    }
    groups = {}
    for group, members in GROUPS.items():
        idx = [names.index(m) for m in members]
        nom, draws = nominal_slack[0, idx], drawn_slack[:, idx].flatten()
        groups[group] = {
            "motors": len(idx),
            "nominal_min_rad": float(nom.min()),
            "nominal_median_rad": float(nom.flatten().median()),
            "nominal_max_rad": float(nom.max()),
            "steps_at_action_max": float(nominal_steps[0, idx].max()),
            "per_episode_p5_rad": float(torch.quantile(draws, 0.05)),
            "per_episode_p95_rad": float(torch.quantile(draws, 0.95)),
        }
    return {"action": action, "control_dt_s": control_dt_s, "episodes": episodes, "groups": groups, "motors": motors}


def main(argv=None) -> dict:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--action", type=float, default=1.0, help="constant reversing action in (0, 1] (default: 1)")
    p.add_argument("--episodes", type=int, default=4000, help="per-episode draws (default: 4000)")
    p.add_argument("--control-dt-s", type=float, default=PAPER_CONTROL_PERIOD_S, help="control period [s]")
    p.add_argument("--per-motor", action="store_true", help="also print every motor")
    p.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = p.parse_args(argv)
    if not 0.0 < args.action <= 1.0 or args.episodes < 1:
        p.error("--action must be in (0, 1] and --episodes positive; e.g. --action 1 --episodes 4000")
    r = measure(args.action, args.episodes, args.control_dt_s)
    print(f"full reversal at action {args.action}, {1e3 * args.control_dt_s:.0f} ms steps:")
    for group, g in r["groups"].items():
        print(
            f"  {group:22s} nominal {g['nominal_min_rad']:.2f} / {g['nominal_median_rad']:.2f} / "
            f"{g['nominal_max_rad']:.2f} rad (min / median / max, {g['motors']} motors x 2 directions), "
            f"per episode 5-95 % {g['per_episode_p5_rad']:.2f}-{g['per_episode_p95_rad']:.2f} rad, "
            f"at most {g['steps_at_action_max']:.0f} steps"
        )
    if args.per_motor:
        for m, v in r["motors"].items():
            neg, pos = v["slack_rad_toward_neg_pos"]
            sn, sp = v["steps_toward_neg_pos"]
            print(f"  {m:8s} toward -: {neg:.2f} rad ({sn:.0f} steps), toward +: {pos:.2f} rad ({sp:.0f} steps)")
    if args.json:
        args.json.write_text(json.dumps(r, indent=2))
    return r


if __name__ == "__main__":
    main()
