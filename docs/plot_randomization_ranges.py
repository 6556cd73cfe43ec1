"""Draw docs/randomization_ranges.png: each ADR parameter's paper value or range (arXiv 1808.00177, Table 1 and
Appendix C, our ``presets=randomized`` defaults) against the range ADR may reach (``presets=adr``: from the
nominal value out to the hard limits) and, with ``--checkpoint``, the bounds ADR has reached in a run.

    /work/venv/bin/python docs/plot_randomization_ranges.py
    /work/venv/bin/python docs/plot_randomization_ranges.py --checkpoint logs/rsl_rl/.../model_500.pt -o adr.png

Paper values are read from the spec (``dactyl_lab.spec``), ADR ranges from the presets, so the figure follows any
change to them.
Log-scale parameters (``*_log``) are drawn as scales exp(lambda) on a log axis.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402,F401


def paper_values() -> dict[str, tuple[str, tuple[float, ...]]]:
    """Per ADR parameter: ("range", (low, high)) for a fixed distribution's support, or ("std", (std,)); read from
    the spec (:mod:`dactyl_lab.spec.randomization`, :mod:`dactyl_lab.spec.noise`), the home of these numbers."""
    from dactyl_lab.spec import noise, randomization as paper

    rate = paper.TIMING_RATE_RANGE_PER_S
    return {
        "object_scale": ("range", paper.OBJECT_SCALE_RANGE),
        "object_mass_scale": ("range", paper.MASS_SCALE_RANGE),
        "hand_mass_scale": ("range", paper.MASS_SCALE_RANGE),
        "object_friction_scale": ("range", paper.FRICTION_SCALE_RANGE),
        "hand_friction_scale": ("range", paper.FRICTION_SCALE_RANGE),
        "joint_damping_scale_log": ("range", paper.JOINT_DAMPING_SCALE_RANGE),
        "actuator_gain_scale_log": ("range", paper.ACTUATOR_GAIN_SCALE_RANGE),
        "joint_limit_offset_std_rad": ("std", (paper.JOINT_LIMIT_OFFSET_STD_RAD,)),
        "gravity_offset_std_mps2": ("std", (paper.GRAVITY_OFFSET_STD_MPS2,)),
        "obs_fingertip_misplaced_std_m": ("std", (noise.FINGERTIP_MARKER_MISPLACEMENT_STD_M,)),
        "obs_hand_base_misplaced_std_m": ("std", (noise.HAND_BASE_MARKER_MISPLACEMENT_STD_M,)),
        "obs_fingertip_corr_std_m": ("std", (noise.FINGERTIP_POS_STD_M[0],)),
        "obs_fingertip_uncorr_std_m": ("std", (noise.FINGERTIP_POS_STD_M[1],)),
        "obs_object_pos_corr_std_m": ("std", (noise.OBJECT_POS_STD_M[0],)),
        "obs_object_pos_uncorr_std_m": ("std", (noise.OBJECT_POS_STD_M[1],)),
        "obs_object_rot_corr_std_rad": ("std", (noise.OBJECT_ROT_STD_RAD[0],)),
        "obs_object_rot_uncorr_std_rad": ("std", (noise.OBJECT_ROT_STD_RAD[1],)),
        "action_uncorr_frac": ("std", (noise.ACTION_UNCORRELATED_FRAC,)),
        "action_corr_frac": ("std", (noise.ACTION_CORRELATED_FRAC,)),
        "action_mult_frac": ("std", (noise.ACTION_MULTIPLICATIVE_FRAC,)),
        "action_delay_prob": ("std", (paper.ACTION_DELAY_PROBABILITY,)),
        "backlash_scale": ("std", (1.0,)),  # the ADR parameter scales our calibrated backlash: 1 = as calibrated
        "object_force_accel_std_mps2": ("std", (paper.OBJECT_FORCE_ACCEL_STD_MPS2,)),
        "timing_extra_step_time_s": ("range", (1.0 / rate[1], 1.0 / rate[0])),
    }


def load_bounds(checkpoint: Path | None) -> dict[str, tuple[float, float]]:
    if checkpoint is None:
        return {}
    import torch

    data = torch.load(checkpoint, map_location="cpu", weights_only=False)
    state = data.get("adr_state") or (data.get("infos") or {}).get("adr") or data
    return {n: (float(state["low"][i]), float(state["high"][i])) for i, n in enumerate(state["names"])}


def plot(out: Path, checkpoint: Path | None = None) -> Path:
    from dactyl_lab.tasks.randomization import dactyl_adr_params

    params, paper, reached = dactyl_adr_params(), paper_values(), load_bounds(checkpoint)
    names = list(params)
    fig, axes = plt.subplots(len(names), 1, figsize=(8.0, 0.62 * len(names) + 1.0))
    for ax, name in zip(axes, names):
        p = params[name]
        log = name.endswith("_log")
        tf = math.exp if log else (lambda x: x)
        lo, hi = (tf(v) for v in p.hard_limits)
        nominal = tf(p.nominal)
        ax.barh(0, hi - lo, left=lo, height=0.8, color="#c8d8f0", label="ADR reach (nominal to hard limits)")
        kind, vals = paper[name]
        if kind == "range":
            ax.barh(
                0,
                vals[1] - vals[0],
                left=vals[0],
                height=0.45,
                color="#e08a2c",
                label="paper U / logU range (= presets=randomized)",
            )
        else:
            ax.plot(
                [vals[0]],
                [0],
                marker="D",
                color="#e08a2c",
                markersize=7,
                linestyle="none",
                label="paper std (= presets=randomized)",
            )
        if name in reached:
            r0, r1 = (tf(v) for v in reached[name])
            ax.plot(
                [r0, r1],
                [0, 0],
                color="#2a6f3a",
                linewidth=3,
                marker="|",
                markersize=14,
                label="ADR bounds (checkpoint)",
            )
        ax.axvline(nominal, color="k", linewidth=1, linestyle=":", label="ADR nominal")
        if log:
            ax.set_xscale("log")
            ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0) if lo <= t <= hi]
            ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
            ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        ax.set_yticks([])
        ax.set_ylim(-0.6, 0.6)
        ax.set_ylabel(name.replace("_log", " (scale)"), rotation=0, ha="right", va="center", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    handles, labels = [], []
    for ax in axes:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            if lab not in labels:
                handles.append(h)
                labels.append(lab)
    title = "Randomization ranges: paper (arXiv 1808.00177) vs ADR (presets=adr)"
    fig.suptitle(title + (f", bounds from {checkpoint.name}" if checkpoint else ""), fontsize=10, y=0.995)
    fig.legend(handles, labels, loc="upper center", ncol=2, fontsize=8, frameon=False, bbox_to_anchor=(0.5, 0.975))
    fig.tight_layout(rect=(0, 0, 1, 0.945))
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-o", "--out", type=Path, default=Path(__file__).with_name("randomization_ranges.png"))
    p.add_argument(
        "--checkpoint", type=Path, default=None, help="an RSL-RL checkpoint with ADR state, or a saved adr_state_dict"
    )
    args = p.parse_args(argv)
    print(plot(args.out, args.checkpoint))


if __name__ == "__main__":
    main()
