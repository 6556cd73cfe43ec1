"""What the policy contract takes from the task (env cfg) and the training run (agent cfg).

Source of both configs, in this order:

1. the run's own ``params/env.yaml`` and ``params/agent.yaml`` (written by Isaac Lab's train entrypoint: the
   configs the policy was really trained with, Hydra overrides and presets included);
2. otherwise the task registry: ``env_cfg_entry_point`` with ``--preset`` s, and the backend/variant's agent entry
   point (``dactyl_lab.training.cli_args.agent_entry_point``).

From the env cfg: control period ``sim.dt * decimation`` [s], the action term's ``scale_rad``,
``smoothing_previous_weight`` (turned into the EMA weight of the previous value per control step of that period, as
the term does at run time) and ``max_target_speed_rad_s`` (the law's rate limit; a run whose cfg lacks these two
trained under an earlier law and is refused),
the goal command's ``success_threshold_rad``, the ``policy`` observation group's term names (which must be the
contract's), the episode rules (drop distance, per-goal timeout, success cap: the terminations' params) and the
observation noise the policy saw (the configured stds when its terms are the ``noisy_*`` ones and
``randomization.observation_noise.enabled``, else none; a std ADR drives: ADR's upper bound in the checkpoint).
From the agent cfg: the wrappers' ``clip_actions`` / ``clip_observations``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from dactyl_lab.spec import hand, task as task_constants
from dactyl_lab.spec.action_law import (
    PAPER_CONTROL_PERIOD_S,
    motor_max_speeds_rad_s,
    motor_scales_rad,
    smoothing_previous_weight_per_step,
)
from dactyl_lab.export import ExportError

DEFAULT_TASK = task_constants.TASK_ID


@dataclass
class TaskSettings:
    task_id: str
    control_period_s: float
    """``sim.dt * decimation`` [s]."""
    action_scale_rad: dict[str, float]
    action_smoothing_previous_weight: float
    """EMA weight of the previous value per control step
    (:func:`dactyl_lab.spec.action_law.smoothing_previous_weight_per_step`)."""
    action_max_target_speed_rad_s: dict[str, float]
    """The action law's rate limit per motor [rad/s]."""
    success_threshold_rad: float
    policy_terms: list[str]
    """Term names of the ``policy`` observation group, in order."""
    drop_distance_m: float
    train_goal_timeout_s: float
    max_consecutive_successes: int
    observation_noise: dict[str, tuple[float, float]]
    """Policy term -> (correlated, uncorrelated) noise std it was trained with (zeros: none)."""
    source: str
    """Where the env cfg came from (the run's params/env.yaml or the registry)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# ---------------------------------------------------------------------------------------------------
# YAML written by Isaac Lab's dump_yaml (python tuples and slices)
# ---------------------------------------------------------------------------------------------------
def load_params_yaml(path: str | Path) -> dict[str, Any]:
    """Read a ``params/*.yaml`` of a training run; python tuples become lists, python objects None."""
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def _python(loader, suffix, node):
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True) if suffix == "tuple" else None
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        return loader.construct_scalar(node)

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", _python)
    with open(path, encoding="utf-8") as file:
        return yaml.load(file, Loader=Loader)  # noqa: S506 - SafeLoader subclass


def run_params(run_dir: Path) -> tuple[dict | None, dict | None]:
    """(env cfg dict, agent cfg dict) from ``run_dir/params``; None where a file is missing."""
    params = run_dir / "params"
    env = load_params_yaml(params / "env.yaml") if (params / "env.yaml").is_file() else None
    agent = load_params_yaml(params / "agent.yaml") if (params / "agent.yaml").is_file() else None
    return env, agent


# ---------------------------------------------------------------------------------------------------
# Registry
# ---------------------------------------------------------------------------------------------------
def registered_env_cfg(task: str, presets: tuple[str, ...] = ()) -> dict[str, Any]:
    """The registered env cfg of ``task`` with ``presets`` selected, as a plain dict."""
    import dactyl_lab.tasks  # noqa: F401  (registers our task)
    from isaaclab.utils import to_dict
    from isaaclab_tasks.utils.hydra import resolve_presets
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    try:
        cfg = load_cfg_from_registry(task, "env_cfg_entry_point")
    except Exception as error:  # noqa: BLE001
        raise ExportError(f"task {task!r} is not registered ({error}); pass --task {DEFAULT_TASK}") from error
    try:
        cfg = resolve_presets(cfg, selected=tuple(presets))
    except Exception as error:  # noqa: BLE001
        raise ExportError(f"cannot select presets {list(presets)} of {task} ({error}); check --preset") from error
    return to_dict(cfg)


def registered_agent_cfg(task: str, backend: str, variant: str) -> dict[str, Any]:
    """The registered agent cfg of ``backend``/``variant`` as a plain dict (rl-games: the yaml)."""
    import dactyl_lab.tasks  # noqa: F401
    from isaaclab.utils import to_dict
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    from dactyl_lab.training.cli_args import agent_entry_point

    entry = agent_entry_point(backend, variant)
    try:
        cfg = load_cfg_from_registry(task, entry)
    except Exception as error:  # noqa: BLE001
        raise ExportError(f"task {task!r} has no agent config {entry!r} ({error})") from error
    return cfg if isinstance(cfg, dict) else to_dict(cfg)


# ---------------------------------------------------------------------------------------------------
# Env cfg -> settings
# ---------------------------------------------------------------------------------------------------
def _single_term(group: dict[str, Any], key: str, what: str, fix: str) -> dict[str, Any]:
    terms = {name: term for name, term in group.items() if isinstance(term, dict) and key in term}
    if len(terms) != 1:
        raise ExportError(f"the env cfg has {len(terms)} {what} with '{key}' ({sorted(terms)}), expected one; {fix}")
    return next(iter(terms.values()))


def task_settings(
    env_cfg: dict[str, Any], task_id: str, source: str, adr_state: dict[str, Any] | None = None
) -> TaskSettings:
    """Contract-relevant values of an env cfg dict (run params or registry); ``adr_state``: the checkpoint's (the
    noise stds ADR drives)."""
    fix = "export a policy of the Dactyl reorientation task (--task Dactyl-Reorient-Cube-Shadow)"
    try:
        dt, decimation = float(env_cfg["sim"]["dt"]), int(env_cfg["decimation"])
        policy_group = env_cfg["observations"]["policy"]
    except (KeyError, TypeError) as error:
        raise ExportError(f"the env cfg ({source}) lacks {error}; {fix}") from error
    action = _single_term(env_cfg.get("actions") or {}, "scale_rad", "action terms", fix)
    check_action_law_of_run(action, source)
    command = _single_term(env_cfg.get("commands") or {}, "success_threshold_rad", "commands", fix)
    terms = [name for name, term in policy_group.items() if isinstance(term, dict) and "func" in term]
    period = round(dt * decimation, 9)
    if not (math.isfinite(period) and period > 0):
        raise ExportError(f"the env cfg ({source}) gives a control period of {period} s; {fix}")
    return TaskSettings(
        task_id=task_id,
        control_period_s=period,
        action_scale_rad=motor_scales_rad(action["scale_rad"], hand.MOTOR_LIMITS_RAD),
        action_smoothing_previous_weight=smoothing_previous_weight_per_step(
            float(action["smoothing_previous_weight"]),
            period,
            float(action.get("smoothing_reference_period_s", PAPER_CONTROL_PERIOD_S)),
        ),
        action_max_target_speed_rad_s=motor_max_speeds_rad_s(
            action["max_target_speed_rad_s"], hand.MOTOR_MAX_SPEED_RAD_S
        ),
        success_threshold_rad=float(command["success_threshold_rad"]),
        policy_terms=terms,
        drop_distance_m=float(_term_param(env_cfg, "terminations", "object_dropped", "max_distance_m", fix)),
        train_goal_timeout_s=float(_term_param(env_cfg, "terminations", "goal_timeout", "timeout_s", fix)),
        max_consecutive_successes=int(_term_param(env_cfg, "terminations", "max_successes", "max_successes", fix)),
        observation_noise=trained_observation_noise(env_cfg, adr_state),
        source=source,
    )


def check_action_law_of_run(action: dict[str, Any], source: str) -> None:
    """Raise :class:`ExportError` when the run's action term predates the action law of contract schema 3 (no
    ``smoothing_previous_weight`` / ``max_target_speed_rad_s``): its policy learned another law."""
    missing = [key for key in ("smoothing_previous_weight", "max_target_speed_rad_s") if key not in action]
    if missing:
        raise ExportError(
            f"the action term of {source} has no {missing}: the policy was trained under an earlier action law "
            "(EMA 0.3 on the new action, no target rate limit), which the runtime no longer applies; retrain it "
            "with this dactyl-lab, then export (or pass --registry_cfg to export under today's law knowingly)"
        )


def _term_param(env_cfg: dict[str, Any], group: str, term: str, param: str, fix: str) -> Any:
    try:
        return env_cfg[group][term]["params"][param]
    except (KeyError, TypeError):
        raise ExportError(f"the env cfg lacks {group}.{term}.params.{param}; {fix}") from None


NOISE_KEYS = {"fingertip_pos": "fingertip_pos", "object_pos": "object_pos", "object_quat": "object_rot"}
"""Policy observation term -> its entry of ``randomization.observation_noise`` (:class:`ObservationNoiseCfg`)."""


def trained_observation_noise(
    env_cfg: dict[str, Any], adr_state: dict[str, Any] | None = None
) -> dict[str, tuple[float, float]]:
    """(correlated, uncorrelated) std per noisy policy term the run trained with, where the term is a ``noisy_*``
    observation and observation noise is enabled, else (0, 0). A std that ADR drives (``*_adr_param`` set) is ADR's
    upper bound in the checkpoint's ADR state (``adr_state``: the widest the policy had seen when saved), or 0, ADR's
    starting value, without one."""
    policy = env_cfg["observations"]["policy"]
    noise_cfg = (env_cfg.get("randomization") or {}).get("observation_noise") or {}
    out = {}
    for term, key in NOISE_KEYS.items():
        func = str((policy.get(term) or {}).get("func", ""))
        spec = noise_cfg.get(key) or {}
        on = noise_cfg.get("enabled") and spec.get("enabled", True)
        if on and func.rsplit(":", 1)[-1].startswith("noisy_"):
            out[term] = tuple(_std(spec, kind, adr_state) for kind in ("correlated", "uncorrelated"))
        else:
            out[term] = (0.0, 0.0)
    return out


def _std(spec: dict[str, Any], kind: str, adr_state: dict[str, Any] | None) -> float:
    param = spec.get(f"{kind}_adr_param")
    if not param:
        return float(spec.get(f"{kind}_std", 0.0))
    names = list((adr_state or {}).get("names", []))
    if param not in names:
        return 0.0
    return float(adr_state["high"][names.index(param)])
