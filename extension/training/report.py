"""Training report: ``RUN/report.png`` and ``RUN/report.html`` from a run's TensorBoard event files.

Works for RSL-RL runs (events in the run folder) and rl-games runs (events in ``RUN/summaries``; the episode terms
carry an extra ``Episode/`` prefix there, its losses and learning rate are logged per frame), and on a run that is
still writing (TensorBoard's reader takes the complete records; the PNG is replaced atomically). Panels: reward
terms, mean return, episode duration, how episodes end (drop rate), goals per episode = consecutive successes
(mean and max), learning rate, KL (rl-games' ``info/kl``; RSL-RL: ``Loss/kl`` of our
:class:`~dactyl_lab.agents.rsl_rl_ppo.KLReportingPPO`) and, with ADR, every bound and the
entropy. The HTML page adds the last values and the run's settings (``params/*.yaml``).
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

EPISODE_PREFIX = "Episode/"
"""rl-games' observer (and RSL-RL for keys without a '/') log episode extras under this prefix."""

REWARD_RE = re.compile(r"^Episode_Reward/(.+)$")
TERMINATION_RE = re.compile(r"^Episode_Termination/(.+)$")
ADR_BOUND_RE = re.compile(r"^ADR/(.+)/(low|high)$")
ADR_ENTROPY = "ADR/entropy_npd"
SUCCESS_MEAN = "Metrics/object_pose/consecutive_successes"
SUCCESS_MAX = "Metrics/consecutive_successes_max"
DROP_TERM = "object_dropped"

# (RSL-RL tag, rl-games tag): the same quantity under each library's name
MEAN_RETURN = ("Train/mean_reward", "rewards/iter")
EPISODE_LENGTH = ("Train/mean_episode_length", "episode_lengths/iter")
LEARNING_RATE = ("Loss/learning_rate", "info/last_lr")
KL = ("Loss/kl", "info/kl")
ENTROPY = ("Loss/entropy", "losses/entropy")
PER_FRAME_TAGS = ("info/", "losses/", "performance/")
"""rl-games tags logged against frames (env steps x envs); converted to iterations (epochs)."""
EPOCHS_TAG = "info/epochs"


class ReportError(RuntimeError):
    """No report can be made (no run folder, no event files yet); the message says why."""


@dataclass
class RunScalars:
    series: dict[str, tuple[list[float], list[float]]] = field(default_factory=dict)
    """Normalized tag -> (iterations, values), sorted by iteration."""
    library: str = "rsl_rl"
    event_files: list[Path] = field(default_factory=list)


def event_files(run: Path) -> list[Path]:
    """Event files of a run (rank 0's; other ranks write no events), oldest first."""
    files = [p for p in run.rglob("events.out.tfevents.*") if "rank_" not in p.relative_to(run).parts[0]]
    return sorted(files, key=lambda p: p.stat().st_mtime)


def normalize_tag(tag: str) -> str:
    """``Episode/Episode_Reward/x`` -> ``Episode_Reward/x``: one name for a quantity under both libraries."""
    rest = tag[len(EPISODE_PREFIX) :]
    return rest if tag.startswith(EPISODE_PREFIX) and "/" in rest else tag


def frame_to_iteration(merged: dict[str, dict[float, float]], params: dict):
    """rl-games logs info/, losses/ and performance/ against frames: map them to epochs through its own
    ``info/epochs`` tag (logged at the same frames), else through horizon x envs of the run's settings."""
    epochs = merged.get(EPOCHS_TAG)
    if epochs:
        return lambda frame: epochs.get(frame, float("nan"))
    config = params.get("agent", {}).get("params", {}).get("config", {})
    horizon, actors = config.get("horizon_length"), config.get("num_actors")
    if not actors or actors < 1:  # Isaac Lab writes -1: the env's num_envs
        actors = params.get("env", {}).get("scene", {}).get("num_envs")
    if horizon and actors:
        return lambda frame: frame / (horizon * actors) + 1.0
    return None


def load_scalars(run: Path, params: dict | None = None) -> RunScalars:
    """Every scalar of the run; a resumed run's later event files win where iterations repeat."""
    from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator

    files = event_files(run)
    if not files:
        raise ReportError(f"no TensorBoard event files under {run} yet; train first (scripts/train.py) or wait")
    merged: dict[str, dict[float, float]] = {}
    for path in files:
        accumulator = EventAccumulator(str(path), size_guidance={SCALARS: 0}).Reload()
        for tag in accumulator.Tags()["scalars"]:
            points = merged.setdefault(tag, {})
            for event in accumulator.Scalars(tag):
                points[float(event.step)] = float(event.value)
    library = "rl_games" if any(t.startswith(("rewards/", "info/")) for t in merged) else "rsl_rl"
    to_iteration = frame_to_iteration(merged, params or {}) if library == "rl_games" else None
    series = {}
    for tag, points in merged.items():
        steps = sorted(points)
        xs = [to_iteration(s) for s in steps] if to_iteration and tag.startswith(PER_FRAME_TAGS) else steps
        series[normalize_tag(tag)] = (xs, [points[s] for s in steps])
    return RunScalars(series, library, files)


def _yaml_loader():
    """A safe YAML loader that reads Isaac Lab's Python tags (``!!python/tuple``, slices, ...) as plain lists,
    dicts and strings instead of importing anything."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def plain(loader, suffix, node):
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        return f"{node.tag} {loader.construct_scalar(node)}".strip()

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", plain)
    Loader.add_multi_constructor("!", plain)
    return Loader


def load_params(run: Path) -> dict[str, dict]:
    """``params/<name>.yaml`` of the run as dicts (Isaac Lab dumps env.yaml and agent.yaml there)."""
    import yaml

    params, loader = {}, _yaml_loader()
    for path in sorted((run / "params").glob("*.yaml")):
        try:
            params[path.stem] = yaml.load(path.read_text(), Loader=loader) or {}
        except yaml.YAMLError as error:
            params[path.stem] = {"unreadable": str(error)}
    return params


def step_dt_s(params: dict) -> float | None:
    """The policy step [s] of the run (sim.dt x decimation in env.yaml), None when unknown."""
    env = params.get("env", {})
    dt, decimation = env.get("sim", {}).get("dt"), env.get("decimation")
    return float(dt) * int(decimation) if dt and decimation else None


def _pick(scalars: RunScalars, tags: tuple[str, str]):
    tag = tags[0] if scalars.library == "rsl_rl" else tags[1]
    return scalars.series.get(tag)


def termination_shares(scalars: RunScalars) -> dict[str, tuple[list[float], list[float]]]:
    """Share of the episodes that ended by each termination term, per iteration (Isaac Lab logs counts)."""
    terms = {m.group(1): s for tag, s in scalars.series.items() if (m := TERMINATION_RE.match(tag))}
    if not terms:
        return {}
    iterations = sorted({x for xs, _ in terms.values() for x in xs})
    counts = {name: dict(zip(*s)) for name, s in terms.items()}
    totals = [sum(c.get(x, 0.0) for c in counts.values()) for x in iterations]
    shares = {}
    for name, c in counts.items():
        points = [(x, c.get(x, 0.0) / t) for x, t in zip(iterations, totals) if t > 0]
        shares[name] = ([p[0] for p in points], [p[1] for p in points])
    return shares


def _plot(ax, series, label=None, **kwargs):
    xs, ys = series
    ax.plot(xs, ys, marker="o" if len(xs) < 20 else None, markersize=3, label=label, **kwargs)


def _panel_note(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=8, color="0.4", wrap=True)


def plot_report(scalars: RunScalars, params: dict, path: Path, title: str, include_adr: bool = True) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    adr = sorted({m.group(1) for tag in scalars.series if (m := ADR_BOUND_RE.match(tag))})
    has_adr = include_adr and (bool(adr) or ADR_ENTROPY in scalars.series)
    rows = 3 + (1 + (len(adr) + 2) // 3 if has_adr else 0)
    fig, axes = plt.subplots(rows, 3, figsize=(15, 3.3 * rows), squeeze=False)
    cells = iter(axes.flat)

    ax = next(cells)
    rewards = {m.group(1): s for tag, s in scalars.series.items() if (m := REWARD_RE.match(tag))}
    for name, series in sorted(rewards.items()):
        _plot(ax, series, name)
    ax.set_title("reward terms (per episode, Isaac Lab's scale)")
    if rewards:
        ax.legend(fontsize=7)

    ax = next(cells)
    if (series := _pick(scalars, MEAN_RETURN)) is not None:
        _plot(ax, series, color="k")
    ax.set_title("mean episode return")

    ax = next(cells)
    dt = step_dt_s(params)
    if (series := _pick(scalars, EPISODE_LENGTH)) is not None:
        _plot(ax, (series[0], [v * (dt or 1.0) for v in series[1]]), color="tab:purple")
    ax.set_title(f"episode duration [{'s' if dt else 'steps'}]")

    ax = next(cells)
    shares = termination_shares(scalars)
    for name, series in sorted(shares.items()):
        _plot(ax, series, name, linewidth=2.5 if name == DROP_TERM else 1.0)
    ax.set_title("how episodes end (share; drop rate = object_dropped)")
    ax.set_ylim(-0.02, 1.02)
    if shares:
        ax.legend(fontsize=7)

    ax = next(cells)
    for tag, label in ((SUCCESS_MEAN, "mean"), (SUCCESS_MAX, "max")):
        if tag in scalars.series:
            _plot(ax, scalars.series[tag], label)
    ax.set_title("goals per episode = consecutive successes")
    ax.legend(fontsize=7)

    ax = next(cells)
    if (series := _pick(scalars, LEARNING_RATE)) is not None:
        _plot(ax, series, color="tab:green")
        ax.set_yscale("log")
    ax.set_title("learning rate")

    ax = next(cells)
    if (series := _pick(scalars, KL)) is not None:
        _plot(ax, series, color="tab:red")
    else:
        _panel_note(
            ax,
            "KL divergence: not in this run's events\n(RSL-RL runs log it as Loss/kl since\n"
            "dactyl_lab.agents.rsl_rl_ppo.KLReportingPPO)",
        )
    ax.set_title("KL divergence (old vs new policy)")

    ax = next(cells)
    if (series := _pick(scalars, ENTROPY)) is not None:
        _plot(ax, series, color="tab:brown")
    ax.set_title("policy entropy")

    ax = next(cells)
    ax.axis("off")
    ax.text(0.0, 1.0, _summary_text(scalars, params), va="top", family="monospace", fontsize=8, transform=ax.transAxes)

    if has_adr:
        ax = next(cells)
        if ADR_ENTROPY in scalars.series:
            _plot(ax, scalars.series[ADR_ENTROPY], color="tab:orange")
        ax.set_title("ADR entropy [nats per dimension]")
        for _ in range(2):
            next(cells).axis("off")
        for name in adr:
            ax = next(cells)
            for side in ("low", "high"):
                if (series := scalars.series.get(f"ADR/{name}/{side}")) is not None:
                    _plot(ax, series, side)
            ax.set_title(f"ADR {name}", fontsize=9)
            ax.legend(fontsize=7)
    for ax in cells:
        ax.axis("off")
    for ax in axes.flat:
        if ax.axison:
            ax.set_xlabel("iteration", fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
    height_in = 3.3 * rows
    fig.suptitle(title, fontsize=11, y=1 - 0.12 / height_in)
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / height_in))
    tmp = path.with_name(f".{path.name}.tmp.png")
    fig.savefig(tmp, dpi=80)
    plt.close(fig)
    os.replace(tmp, path)  # atomic: a viewer never sees a half-written file
    return path


TIME_AXIS_SUFFIXES = ("/time", "/frame", "/step")
"""Tags logged against wall time or frames instead of iterations (RSL-RL's .../time, rl-games' .../time|frame|step)."""


def last_values(scalars: RunScalars) -> dict[str, tuple[float, float]]:
    """Tag -> (last iteration, last value)."""
    return {tag: (xs[-1], ys[-1]) for tag, (xs, ys) in sorted(scalars.series.items()) if xs}


def last_iteration(scalars: RunScalars) -> float:
    """The last iteration logged (tags on a time or frame axis left out)."""
    last = last_values(scalars)
    return max((x for t, (x, _) in last.items() if not t.endswith(TIME_AXIS_SUFFIXES)), default=0.0)


def _summary_text(scalars: RunScalars, params: dict) -> str:
    last = last_values(scalars)
    iterations = last_iteration(scalars)
    lines = [f"library       {scalars.library}", f"iteration     {iterations:g}"]
    if (dt := step_dt_s(params)) is not None:
        lines.append(f"policy step   {dt * 1e3:g} ms")
    num_envs = params.get("env", {}).get("scene", {}).get("num_envs")
    if num_envs:
        lines.append(f"envs          {num_envs}")
    for tag, label in ((SUCCESS_MEAN, "successes"), (SUCCESS_MAX, "successes max")):
        if tag in last:
            lines.append(f"{label:<13} {last[tag][1]:.3g}")
    shares = termination_shares(scalars)
    if DROP_TERM in shares and shares[DROP_TERM][1]:
        lines.append(f"drop rate     {shares[DROP_TERM][1][-1]:.2f}")
    return "last iteration\n" + "\n".join(lines)


def write_html(run: Path, png: Path, scalars: RunScalars, params: dict, path: Path) -> Path:
    import yaml

    last = last_values(scalars)
    rows = "\n".join(f"<tr><td>{html.escape(t)}</td><td>{x:g}</td><td>{v:.6g}</td></tr>" for t, (x, v) in last.items())
    settings = "\n".join(
        f"<details><summary>params/{html.escape(name)}.yaml</summary><pre>"
        f"{html.escape(yaml.safe_dump(_plain(p), sort_keys=False, width=110))}</pre></details>"
        for name, p in params.items()
    )
    files = "".join(f"<li>{html.escape(str(p.relative_to(run)))}</li>" for p in scalars.event_files)
    page = f"""<!doctype html>
<html><head><meta charset="utf-8"><title>dactyl-lab report: {html.escape(run.name)}</title>
<style>body{{font-family:sans-serif;margin:1.5em}} td{{padding:0 1em 0 0;font-family:monospace}}
pre{{background:#f4f4f4;padding:.6em;font-size:12px}}</style></head><body>
<h1>Training report: {html.escape(str(run))}</h1>
<p>Library: {scalars.library}. Written from the TensorBoard event files by <code>dactyl-lab report</code>.</p>
<img src="{html.escape(png.name)}" style="max-width:100%">
<h2>Settings</h2>
{settings or "<p>no params/*.yaml in the run folder</p>"}
<h2>Last values</h2>
<table><tr><th>tag</th><th>iteration</th><th>value</th></tr>
{rows}
</table>
<h2>Event files</h2><ul>{files}</ul>
</body></html>
"""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(page)
    os.replace(tmp, path)
    return path


def _plain(value):
    """YAML-safe copy (Isaac Lab's dumps may hold Python-specific tags such as tuples or slices)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def resolve_run(path: str | Path) -> Path:
    """A run folder from a run folder or a checkpoint in it (rl-games: ``<run>/nn/x.pth``)."""
    path = Path(path).absolute()
    if path.is_file():
        path = path.parent.parent if path.parent.name == "nn" else path.parent
    if not path.is_dir():
        raise ReportError(f"run folder {path} does not exist; pass logs/<library>/<experiment>/<run>")
    return path


def write_report(run: str | Path, output: str | Path | None = None, include_adr: bool = True) -> tuple[Path, Path]:
    """Write ``report.png`` and ``report.html`` for a run (into ``output``, default the run folder);
    ``include_adr=False`` leaves the ADR panels out."""
    run = resolve_run(run)
    out = Path(output) if output else run
    out.mkdir(parents=True, exist_ok=True)
    params = load_params(run)
    scalars = load_scalars(run, params)
    title = f"{run.parent.name}/{run.name} ({scalars.library})"
    png = plot_report(scalars, params, out / "report.png", title, include_adr)
    return png, write_html(run, png, scalars, params, out / "report.html")
