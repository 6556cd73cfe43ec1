#!/usr/bin/env python3
"""Why learning plateaus: the goal curriculum, its success rate, the learning rate and the policy's entropy of several
RSL-RL training runs against samples, in one figure (docs/learning.md, "Why learning plateaus").

Each ``--run LABEL=FOLDER`` is a bench/learning_curve.py output folder (or any folder holding one run's TensorBoard
events); the curves are read from the events, samples = iteration x ``--samples_per_iteration``.

  python bench/plateau_study.py --run "FF=runs/lc21_ff" --run "FF, fixed lr=runs/lc22_ff_fixedlr" \\
      --reference_angle_rad 1.1 --png docs/images/plateau_study.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

CURVES = (
    ("Curriculum/goal_angle/max_angle_rad", "curriculum goal angle [rad]"),
    ("Curriculum/goal_angle/success_rate", "goal attempts succeeded (curriculum window)"),
    ("Loss/learning_rate", "learning rate"),
    ("Loss/entropy", "policy entropy"),
)


def read_scalars(folder: Path) -> dict[str, list[tuple[int, float]]]:
    """Tag -> [(iteration, value)] of the one events file under ``folder``."""
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = sorted(folder.rglob("events.out.tfevents.*"))
    if len(events) != 1:
        raise SystemExit(f"{folder}: expected one TensorBoard events file, found {len(events)}")
    acc = EventAccumulator(str(events[0]), size_guidance={"scalars": 0})
    acc.Reload()
    return {tag: [(e.step, e.value) for e in acc.Scalars(tag)] for tag in acc.Tags()["scalars"]}


def plot(runs: dict[str, Path], samples_per_iteration: int, reference_angle_rad: float | None, png: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    for label, folder in runs.items():
        scalars = read_scalars(folder)
        for ax, (tag, name) in zip(axes.flat, CURVES):
            points = scalars.get(tag, [])
            ax.plot([i * samples_per_iteration for i, _ in points], [v for _, v in points], label=label)
            ax.set_ylabel(name)
            ax.set_xlabel("env steps")
            ax.grid(alpha=0.3)
    if reference_angle_rad is not None:
        axes[0, 0].axhline(reference_angle_rad, color="gray", ls="--", label=f"reference: {reference_angle_rad} rad")
    for threshold in (0.5, 0.2):  # GoalAngleCurriculumParams: widen at, narrow at
        axes[0, 1].axhline(threshold, color="gray", ls=":")
    axes[1, 0].set_yscale("log")
    axes[0, 0].legend(fontsize=8)
    fig.suptitle("Goal curriculum, learning rate and entropy against samples")
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=80)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", action="append", required=True, metavar="LABEL=FOLDER", help="a run (repeatable)")
    p.add_argument("--samples_per_iteration", type=int, default=4096, help="env steps per iteration (256 x 16)")
    p.add_argument("--reference_angle_rad", type=float, default=None, help="a horizontal line on the angle plot")
    p.add_argument("--png", type=Path, required=True, help="the figure")
    args = p.parse_args(argv)
    runs = {}
    for item in args.run:
        label, sep, folder = item.rpartition("=")
        if not sep or not label or not Path(folder).is_dir():
            p.error(f"--run {item!r}: give LABEL=FOLDER with an existing folder")
        runs[label] = Path(folder)
    plot(runs, args.samples_per_iteration, args.reference_angle_rad, args.png)
    print(f"wrote {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
