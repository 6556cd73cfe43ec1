"""The report of bench/parity.py: summary rows, the markdown tables and the figure, from the results of
``parity.run_config`` (one dict per config, as written by ``--json``). Imported by bench/parity.py, which puts this
folder on ``sys.path`` (it runs as ``python bench/parity.py`` and is also loaded by path in the tests)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dactyl_lab.spec import hand

FREE_SEQUENCES = ("steps", "sines", "random")
"""Free-hand runs (cube far away on the floor): joint and fingertip errors."""
CUBE_SEQUENCES = ("rest", "push")
"""Runs with the cube in the hand: cube position and orientation errors too."""
REPORT_TIMES_S = (0.25, 0.5, 1.0, 1.5, 2.0)
"""Times [s] at which the summary rows report the cube errors."""


def summary_rows(report: dict) -> list[dict]:
    rows = []
    dt = report["dt_s"]
    for kind, r in report["results"].items():
        row = {
            "config": report["config"],
            "sequence": kind,
            "joint_max_rad": max(r["joint_max_rad"].values()),
            "worst_joint": max(r["joint_max_rad"], key=r["joint_max_rad"].get),
            "joint_rms_rad": float(np.sqrt(np.mean(np.square(list(r["joint_rms_rad"].values()))))),
            "tip_max_mm": r["tip_max_mm"],
            "tip_mean_mm": r["tip_mean_mm"],
        }
        for t_s in REPORT_TIMES_S:
            k = int(round(t_s / dt))
            if k < len(r["cube_pos_over_time_mm"]):
                row[f"cube_mm@{t_s:g}s"] = r["cube_pos_over_time_mm"][k]
                row[f"cube_rad@{t_s:g}s"] = r["cube_angle_over_time_rad"][k]
        rows.append(row)
    return rows


def markdown(reports: list[dict]) -> str:
    lines = [
        "| config | sequence | max joint err [rad] (joint) | RMS joint err [rad] | fingertip max / mean [mm] |"
        " cube pos err [mm] @0.5/1/1.5 s | cube angle err [rad] @0.5/1/1.5 s |",
        "|---|---|---|---|---|---|---|",
    ]
    for report in reports:
        for row in summary_rows(report):
            cube = row["sequence"] in CUBE_SEQUENCES
            pos = " / ".join(f"{row.get(f'cube_mm@{t}s', float('nan')):.1f}" for t in ("0.5", "1", "1.5"))
            ang = " / ".join(f"{row.get(f'cube_rad@{t}s', float('nan')):.3f}" for t in ("0.5", "1", "1.5"))
            lines.append(
                f"| {row['config']} | {row['sequence']} | {row['joint_max_rad']:.4f} ({row['worst_joint']}) | "
                f"{row['joint_rms_rad']:.4f} | {row['tip_max_mm']:.2f} / {row['tip_mean_mm']:.2f} | "
                f"{pos if cube else '-'} | {ang if cube else '-'} |"
            )
    lines.append("")
    lines.append(
        "Self-collisions on Newton: smallest distance between the two fingers' colliders after 1 s of "
        "motor targets that lie inside the other finger [mm] (negative: penetration):"
    )
    lines.append("")
    lines.append("| config | push | at the targets (kinematics) | Newton after 1 s |")
    lines.append("|---|---|---|---|")
    for report in reports:
        for push, r in report.get("self_collision_pushes", {}).items():
            lines.append(
                f"| {report['config']} | {push} | {1e3 * r['target_min_distance_m']:.1f} | "
                f"{1e3 * r['newton_min_distance_m']:.1f} |"
            )
    lines.append("")
    lines.append("Per-joint max error [rad] (rows: joints in MJCF order; columns: config/sequence):")
    lines.append("")
    cols = [(r["config"], k) for r in reports for k in r["results"]]
    lines.append("| joint | " + " | ".join(f"{c}/{k}" for c, k in cols) + " |")
    lines.append("|---|" + "---|" * len(cols))
    by = {(r["config"], k): v for r in reports for k, v in r["results"].items()}
    for j in hand.JOINT_NAMES:
        lines.append(f"| {j} | " + " | ".join(f"{by[c]['joint_max_rad'][j]:.4f}" for c in cols) + " |")
    return "\n".join(lines) + "\n"


def plot(reports: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 2, figsize=(12, 7.5))
    styles = {"before": ":", "after": "-"}
    colors = {k: f"C{i}" for i, k in enumerate(FREE_SEQUENCES + CUBE_SEQUENCES)}
    floor = 1e-6  # log axes: exact agreement (0) is drawn at the floor
    for report in reports:
        dt, ls, config = report["dt_s"], styles.get(report["config"], "--"), report["config"]
        for kind, r in report["results"].items():
            t = np.arange(len(r["joint_max_over_time_rad"])) * dt
            style = {"linestyle": ls, "color": colors[kind], "label": f"{config} {kind}"}
            if kind in FREE_SEQUENCES:
                axes[0, 0].plot(t, np.maximum(r["joint_max_over_time_rad"], floor), **style)
                axes[0, 1].plot(t, np.maximum(r["tip_max_over_time_mm"], floor), **style)
            else:
                axes[1, 0].plot(t, np.maximum(r["cube_pos_over_time_mm"], floor), **style)
                axes[1, 1].plot(t, np.maximum(r["cube_angle_over_time_rad"], floor), **style)
    titles = [
        ("free hand: max |joint error| over the 24 joints [rad]", "rad"),
        ("free hand: max fingertip position error [mm]", "mm"),
        ("cube: position error [mm]", "mm"),
        ("cube: orientation error [rad]", "rad"),
    ]
    for ax, (title, unit) in zip(axes.flat, titles):
        ax.set_title(title, fontsize=9)
        ax.set_xlabel("time [s]")
        ax.set_ylabel(unit)
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle(
        "Newton task vs MuJoCo stand-in, same start state and motor targets (dotted: before, solid: after)", fontsize=10
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
