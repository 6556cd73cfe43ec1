"""Dactyl's unmodeled effects (arXiv 1808.00177): action delay, backlash, random object forces and
control-step timing jitter. Each is a small per-env state machine: ``reset(env_ids)`` at episode start,
one call per control step.

Timing jitter and the physics backend: the paper lengthens each 8 ms MuJoCo step by Exp(lambda). On
Isaac Lab 3 / Newton 1.6.1 one dt is shared by every env: ``SolverMuJoCo.step(..., dt)`` writes the same
dt into all worlds (``opt.timestep.fill_(dt)``; ``timestep`` is excluded from per-world expansion) and
there is no per-world step mask, so neither a per-env physics-dt scale nor a per-env extra substep can
be executed (gravity, by contrast, is per world on Newton). :class:`TimingJitter` therefore samples the
paper's per-env extra time and exposes it three ways: ``dt_scale`` (for a backend with per-env dt),
``extra_substep_fraction`` (for a backend that can step worlds selectively), and
:meth:`TimingJitter.latency_substeps`, what *can* be done on Newton: an action term's ``apply_actions``
(run once per physics substep) keeps the previous target for the first k substeps of the control step,
so each env sees its command take effect late by about the sampled extra time (an approximation: the
world still advances exactly ``decimation`` substeps per control step).
"""

from __future__ import annotations

from typing import Literal

import torch

from isaaclab.utils import configclass

from .distributions import DistributionCfg, resolve_env_ids, sample, sample_log_uniform, sample_uniform


# --------------------------------------------------------------------------------------------- delay
@configclass
class ActionDelayCfg:
    enabled: bool = True
    probability: float = 0.5
    """Per-episode probability that each actuator is delayed by one control step."""


class ActionDelay:
    """One-step delay on a per-episode random subset of actuators: delayed actuators get the previous
    step's action. The first step after a reset uses ``initial_action`` if given, else the current one."""

    def __init__(self, cfg: ActionDelayCfg, num_envs: int, num_actions: int, device="cpu", generator=None):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.delayed = torch.zeros((num_envs, num_actions), dtype=torch.bool, device=self.device)
        self.prev = torch.zeros((num_envs, num_actions), device=self.device)
        self.has_prev = torch.zeros(num_envs, dtype=torch.bool, device=self.device)

    def reset(self, env_ids=None, initial_action: torch.Tensor | None = None) -> None:
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        u = torch.rand((ids.numel(), self.delayed.shape[1]), device=self.device, generator=self.generator)
        self.delayed[ids] = u < self.cfg.probability
        if initial_action is None:
            self.has_prev[ids] = False
        else:
            self.prev[ids] = initial_action.to(self.prev)
            self.has_prev[ids] = True

    def __call__(self, actions: torch.Tensor) -> torch.Tensor:
        """Delayed actions (N, M); records ``actions`` as the next step's previous action."""
        if not self.cfg.enabled:
            return actions
        prev = torch.where(self.has_prev[:, None], self.prev, actions)
        out = torch.where(self.delayed, prev, actions)
        self.prev = actions.detach().clone()
        self.has_prev[:] = True
        return out


# --------------------------------------------------------------------------------------------- backlash
@configclass
class BacklashCfg:
    """Backlash on joint targets. The paper names backlash without values: the width range is ours."""

    enabled: bool = True
    width_rad: DistributionCfg = DistributionCfg(distribution="uniform", params=(0.0, 0.02))
    """Per-env per-motor backlash width b [rad], sampled per episode."""
    mode: Literal["play", "threshold"] = "play"
    """``play``: gear play; the effective target stays put until the command leaves the band of width b
    centred on it, then follows the command lagging by b/2 (a direction reversal must travel b before the
    target moves). ``threshold``: the target jumps to the command only when the command differs from it
    by more than b."""


class Backlash:
    """Applies per-env per-motor backlash to joint targets (N, M) [rad]."""

    def __init__(self, cfg: BacklashCfg, num_envs: int, num_motors: int, device="cpu", generator=None):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.width = torch.zeros((num_envs, num_motors), device=self.device)
        self.target = torch.zeros((num_envs, num_motors), device=self.device)
        self.has_target = torch.zeros(num_envs, dtype=torch.bool, device=self.device)

    def reset(self, env_ids=None, initial_target: torch.Tensor | None = None) -> None:
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        self.width[ids] = sample(self.cfg.width_rad, (ids.numel(), self.width.shape[1]), self.device, self.generator)
        if initial_target is None:
            self.has_target[ids] = False
        else:
            self.target[ids] = initial_target.to(self.target)
            self.has_target[ids] = True

    def __call__(self, command: torch.Tensor) -> torch.Tensor:
        """Effective targets (N, M) [rad] from commanded targets [rad]."""
        if not self.cfg.enabled:
            return command
        prev = torch.where(self.has_target[:, None], self.target, command)
        if self.cfg.mode == "play":
            half = 0.5 * self.width
            out = torch.minimum(torch.maximum(prev, command - half), command + half)
        else:
            out = torch.where((command - prev).abs() > self.width, command, prev)
        self.target = out.detach().clone()
        self.has_target[:] = True
        return out


# --------------------------------------------------------------------------------------------- forces
@configclass
class RandomForceCfg:
    enabled: bool = True
    probability_range: tuple[float, float] = (0.001, 0.1)
    """Per-episode per-step probability p ~ logU[0.1 %, 10 %]."""
    accel_std_mps2: float = 1.0
    """Std of each force component per unit object mass [m/s^2] (force std = this x mass)."""
    decay: float = 0.99
    """Force decays by this factor per ``decay_interval_s``."""
    decay_interval_s: float = 0.08
    """The paper's 80 ms control step."""


class RandomObjectForce:
    """Random perturbation force on the object [N], world frame: each step with probability p the force is
    replaced by N(0, (accel_std x mass)^2) per axis, otherwise it decays. Apply the returned force to the
    object's centre of mass (e.g. via the rigid object's external wrench API) every step."""

    def __init__(self, cfg: RandomForceCfg, num_envs: int, control_dt_s: float, device="cpu", generator=None):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.decay_per_step = cfg.decay ** (control_dt_s / cfg.decay_interval_s)
        self.prob = torch.zeros(num_envs, device=self.device)
        self.force = torch.zeros((num_envs, 3), device=self.device)
        """Current force [N]."""

    def reset(self, env_ids=None) -> None:
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        lo, hi = self.cfg.probability_range
        self.prob[ids] = sample_log_uniform(lo, hi, (ids.numel(),), self.device, self.generator)
        self.force[ids] = 0.0

    def step(self, mass_kg) -> torch.Tensor:
        """Advance one control step; ``mass_kg`` scalar or (N,) / (N, 1). Returns forces (N, 3) [N]."""
        if not self.cfg.enabled:
            return torch.zeros_like(self.force)
        mass = torch.as_tensor(mass_kg, dtype=torch.float32, device=self.device).reshape(-1, 1)
        fire = torch.rand(self.num_envs, device=self.device, generator=self.generator) < self.prob
        new = torch.randn((self.num_envs, 3), device=self.device, generator=self.generator)
        new = new * self.cfg.accel_std_mps2 * mass
        self.force = torch.where(fire[:, None], new, self.force * self.decay_per_step)
        return self.force


# --------------------------------------------------------------------------------------------- timing
@configclass
class TimingJitterCfg:
    enabled: bool = True
    rate_range_per_s: tuple[float, float] = (1250.0, 10000.0)
    """lambda ~ U[1250, 10000] 1/s per episode; each paper physics step takes Exp(lambda) extra time."""
    jitter_events_per_control_step: int = 10
    """How many Exp(lambda) extra times add up per control step: the paper had 10 MuJoCo steps of 8 ms per
    80 ms control step, so the mean extra time per control step is 10/lambda = 1 ... 8 ms."""


class TimingJitter:
    """Per-env extra control-step time [s] (see the module docstring for what the backend can use)."""

    def __init__(self, cfg: TimingJitterCfg, num_envs: int, control_dt_s: float, device="cpu", generator=None):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.control_dt_s = control_dt_s
        self.rate_per_s = torch.full((num_envs,), float(cfg.rate_range_per_s[1]), device=self.device)
        self.extra_time_s = torch.zeros(num_envs, device=self.device)
        """Extra time of the current control step [s]."""

    def reset(self, env_ids=None) -> None:
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        lo, hi = self.cfg.rate_range_per_s
        self.rate_per_s[ids] = sample_uniform(lo, hi, (ids.numel(),), self.device, self.generator)

    def step(self) -> torch.Tensor:
        """Draw this control step's extra time (N,) [s]: a sum of ``jitter_events_per_control_step`` Exp(lambda)."""
        if not self.cfg.enabled:
            self.extra_time_s = torch.zeros_like(self.extra_time_s)
            return self.extra_time_s
        k = self.cfg.jitter_events_per_control_step
        u = torch.rand((self.num_envs, k), device=self.device, generator=self.generator)
        self.extra_time_s = (-torch.log1p(-u) / self.rate_per_s[:, None]).sum(-1)
        return self.extra_time_s

    @property
    def dt_scale(self) -> torch.Tensor:
        """(control_dt + extra) / control_dt per env: a per-env physics-dt scale (not executable on Newton)."""
        return 1.0 + self.extra_time_s / self.control_dt_s

    def extra_substep_fraction(self, physics_dt_s: float) -> torch.Tensor:
        """Extra time in units of physics substeps (not executable per env on Newton)."""
        return self.extra_time_s / physics_dt_s

    def latency_substeps(self, physics_dt_s: float, decimation: int) -> torch.Tensor:
        """Per-env whole substeps (long, in [0, decimation]) to keep the previous target at the start of the
        control step; stochastic rounding of extra_time / physics_dt keeps the mean latency exact."""
        f = self.extra_substep_fraction(physics_dt_s)
        base = torch.floor(f)
        up = torch.rand(f.shape, device=self.device, generator=self.generator) < (f - base)
        return (base + up.to(base.dtype)).long().clamp(0, decimation)
