"""Drive each physical randomization and each noise magnitude by a fixed distribution or an ADR parameter.

A :class:`RandomizedValueCfg` describes one randomized quantity. :func:`sample_value` returns its per-env
values for ``env_ids``:

* fixed distribution (paper default): i.i.d. samples of ``distribution`` / ``params`` of shape
  ``(n, *shape)`` (e.g. one mass scale per body);
* ADR (``adr`` given, enabled, and ``adr_param`` set), ``adr_mode="value"`` (e.g. a scale): every element
  (body, shape, joint) draws its own value uniformly from the parameter's current ADR range [low, high]
  (after ``adr_transform``: log-uniform for an ``exp`` parameter), except in an env that evaluates this
  parameter's boundary this episode, where every element takes the boundary value; a scalar quantity
  (``shape=()``) takes the env's ADR value lambda itself. ``adr_mode="std"`` (e.g. joint-limit or gravity
  offsets that ADR grows from 0): lambda is the std of Gaussian elements around the neutral value;
* disabled: the neutral value (1 for ``scale``, 0 for ``add``).

Apply the result with :func:`apply_operation` to the default (unrandomized) physical values.
Call after ``adr.resample(env_ids)`` in the same reset.
"""

from __future__ import annotations

import math
from typing import Literal

import torch

from isaaclab.utils import configclass

from dactyl_lab.spec import randomization as paper

from .adr import ADR, ADRCfg
from .distributions import DistributionCfg, DistributionName, resolve_env_ids, sample

Operation = Literal["scale", "add", "abs"]


@configclass
class RandomizedValueCfg:
    """One randomized quantity; see the module docstring."""

    enabled: bool = True
    distribution: DistributionName = "uniform"
    params: tuple[float, ...] = (1.0, 1.0)
    """(low, high) for uniform / log_uniform, (mean, std) for gaussian, (value,) for constant."""
    operation: Operation = "scale"
    """How the value combines with the default physical value (:func:`apply_operation`)."""
    adr_param: str | None = None
    """ADR parameter driving this quantity in the ADR preset (None: always the fixed distribution)."""
    adr_mode: Literal["value", "std"] = "value"
    adr_transform: Literal["none", "exp"] = "none"
    """``exp``: the ADR parameter is a log-scale (nominal 0), the value is exp(lambda)."""
    neutral: float | None = None
    """Value when disabled; None: 1 for ``scale``, 0 for ``add`` (required for ``abs``)."""


def neutral_value(cfg: RandomizedValueCfg) -> float:
    if cfg.neutral is not None:
        return float(cfg.neutral)
    if cfg.operation == "scale":
        return 1.0
    if cfg.operation == "add":
        return 0.0
    raise ValueError("a RandomizedValueCfg with operation='abs' needs an explicit `neutral` value")


def uses_adr(cfg: RandomizedValueCfg, adr: ADR | None) -> bool:
    return cfg.enabled and adr is not None and adr.enabled and cfg.adr_param is not None


def largest_value(cfg: RandomizedValueCfg, adr_cfg: ADRCfg | None = None) -> float:
    """The largest value ``cfg`` can take in ``adr_mode="value"``: the upper bound of its fixed distribution (inf for
    a Gaussian) and, when ``adr_cfg`` holds its ADR parameter, that parameter's upper hard limit (after
    ``adr_transform``), whichever is larger (the value may come from either)."""
    if not cfg.enabled:
        return neutral_value(cfg)
    fixed = math.inf if cfg.distribution == "gaussian" else float(cfg.params[-1])
    if adr_cfg is None or cfg.adr_param not in adr_cfg.params:
        return fixed
    high = float(adr_cfg.params[cfg.adr_param].hard_limits[1])
    return max(fixed, math.exp(high) if cfg.adr_transform == "exp" else high)


def sample_value(
    cfg: RandomizedValueCfg,
    env_ids,
    num_envs: int,
    shape: tuple[int, ...] = (),
    adr: ADR | None = None,
    device="cpu",
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Per-env values of ``cfg`` for ``env_ids``: float32 tensor ``(n, *shape)``."""
    device = adr.device if adr is not None else torch.device(device)
    ids = resolve_env_ids(env_ids, num_envs, device)
    full = (ids.numel(), *tuple(shape))
    if not cfg.enabled:
        return torch.full(full, neutral_value(cfg), device=device)
    if not uses_adr(cfg, adr):
        return sample(DistributionCfg(distribution=cfg.distribution, params=cfg.params), full, device, generator)
    lam = adr.get(cfg.adr_param, ids)
    if cfg.adr_mode == "value" and len(shape) > 0:
        lam = adr_element_values(adr, cfg.adr_param, ids, tuple(shape), generator)
    if cfg.adr_transform == "exp":
        lam = torch.exp(lam)
    if cfg.adr_mode == "value":
        return lam.view(full).clone() if len(shape) > 0 else lam.clone()
    lam = lam.view(-1, *([1] * len(shape)))
    if cfg.adr_mode == "std":
        center = neutral_value(cfg)
        return center + lam * torch.randn(full, device=device, generator=generator)
    raise ValueError(f"unknown adr_mode {cfg.adr_mode!r}")


def adr_element_values(
    adr: ADR, name: str, env_ids: torch.Tensor, shape: tuple[int, ...], generator: torch.Generator | None = None
) -> torch.Tensor:
    """Per-element draws ``(n, *shape)`` of ADR parameter ``name`` for ``env_ids``: U[low, high] of its current
    range, i.i.d. per element; an env that evaluates one of this parameter's boundaries gets the boundary value
    in every element (so the boundary's performance is measured at the bound)."""
    i = adr.index(name)
    n = env_ids.numel()
    u = torch.rand((n, *shape), device=adr.device, generator=generator)
    low, high = adr.low[i].to(torch.float32), adr.high[i].to(torch.float32)
    draws = low + (high - low) * u
    boundary = adr.env_boundary[env_ids]
    pinned = ((boundary >= 0) & (boundary // 2 == i)).view(-1, *([1] * len(shape)))
    return torch.where(pinned, adr.get(name, env_ids).view(-1, *([1] * len(shape))), draws)


def apply_operation(default: torch.Tensor, value: torch.Tensor, operation: Operation) -> torch.Tensor:
    """``default * value`` (scale), ``default + value`` (add) or ``value`` (abs)."""
    if operation == "scale":
        return default * value
    if operation == "add":
        return default + value
    if operation == "abs":
        return value.expand_as(default).clone() if value.shape != default.shape else value.clone()
    raise ValueError(f"unknown operation {operation!r}")


def adr_or_fixed(fixed: float, adr_param: str | None, adr: ADR | None, env_ids, num_envs: int, device="cpu"):
    """A magnitude per env [n]: the ADR value of ``adr_param`` if ADR drives it, else ``fixed``."""
    if adr is not None and adr.enabled and adr_param is not None:
        return adr.get(adr_param, env_ids)
    ids = resolve_env_ids(env_ids, num_envs, device)
    return torch.full((ids.numel(),), float(fixed), device=device)


@configclass
class PhysicsRandomizationCfg:
    """Dactyl's physics randomizations (arXiv 1808.00177, Table 1) as fixed distributions.

    Shapes are chosen at sampling time, e.g. one mass scale per body, one offset per joint, 3 gravity axes.
    """

    enabled: bool = True
    object_scale: RandomizedValueCfg = RandomizedValueCfg(distribution="uniform", params=paper.OBJECT_SCALE_RANGE)
    """Object size scale [-]."""
    mass_scale: RandomizedValueCfg = RandomizedValueCfg(distribution="uniform", params=paper.MASS_SCALE_RANGE)
    """Mass scale of each body [-]."""
    friction_scale: RandomizedValueCfg = RandomizedValueCfg(distribution="uniform", params=paper.FRICTION_SCALE_RANGE)
    """Surface friction scale [-]."""
    joint_damping_scale: RandomizedValueCfg = RandomizedValueCfg(
        distribution="log_uniform", params=paper.JOINT_DAMPING_SCALE_RANGE
    )
    """Joint damping scale [-]."""
    actuator_gain_scale: RandomizedValueCfg = RandomizedValueCfg(
        distribution="log_uniform", params=paper.ACTUATOR_GAIN_SCALE_RANGE
    )
    """Actuator position (P) gain scale [-]."""
    joint_limit_offset_rad: RandomizedValueCfg = RandomizedValueCfg(
        distribution="gaussian", params=(0.0, paper.JOINT_LIMIT_OFFSET_STD_RAD), operation="add"
    )
    """Offset added to each joint limit [rad]."""
    gravity_offset_mps2: RandomizedValueCfg = RandomizedValueCfg(
        distribution="gaussian", params=(0.0, paper.GRAVITY_OFFSET_STD_MPS2), operation="add"
    )
    """Offset added to each gravity axis [m/s^2]."""


PHYSICS_TERMS: tuple[str, ...] = (
    "object_scale",
    "mass_scale",
    "friction_scale",
    "joint_damping_scale",
    "actuator_gain_scale",
    "joint_limit_offset_rad",
    "gravity_offset_mps2",
)


def sample_physics(
    cfg: PhysicsRandomizationCfg,
    env_ids,
    num_envs: int,
    shapes: dict[str, tuple[int, ...]] | None = None,
    adr: ADR | None = None,
    device="cpu",
    generator: torch.Generator | None = None,
) -> dict[str, torch.Tensor]:
    """Every physics term's per-env values ``{name: (n, *shapes.get(name, ()))}``; neutral if ``cfg.enabled``
    is False. E.g. ``shapes={"mass_scale": (num_bodies,), "gravity_offset_mps2": (3,)}``."""
    shapes = shapes or {}
    out = {}
    for name in PHYSICS_TERMS:
        term: RandomizedValueCfg = getattr(cfg, name)
        if not cfg.enabled:
            term = term.replace(enabled=False)
        out[name] = sample_value(term, env_ids, num_envs, shapes.get(name, ()), adr, device, generator)
    return out


def log_scale_limits(low: float, high: float) -> tuple[float, float]:
    """Hard limits for an ``adr_transform='exp'`` parameter from scale limits (low, high)."""
    return (math.log(low), math.log(high))
