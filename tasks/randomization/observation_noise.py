"""Dactyl's observation noise (arXiv 1808.00177): correlated (per episode) + uncorrelated (per step)
Gaussian noise on the policy's fingertip positions, object position and object orientation, and
fingertip marker dropout. Noise applies to policy inputs only; the value function stays noiseless.

Call each ``apply_*`` exactly once per control step (Isaac Lab computes observations once per step):
every call draws new uncorrelated noise and advances the dropout clock. Call :meth:`ObservationNoise.reset`
from a reset event for the envs being reset (after ``adr.resample`` when ADR drives the magnitudes).
"""

from __future__ import annotations

import torch

from isaaclab.utils import configclass

from .distributions import per_step_probability, resolve_env_ids
from .mapping import adr_or_fixed
from .noise import CorrelatedGaussianNoise
from .rotations import quat_mul_xyzw, random_rotation_xyzw


@configclass
class NoiseTermCfg:
    """Correlated / uncorrelated std of one observation term (units of the term: m, or rad for rotations)."""

    enabled: bool = True
    correlated_std: float = 0.0
    uncorrelated_std: float = 0.0
    correlated_adr_param: str | None = None
    """ADR parameter that replaces ``correlated_std`` per env when an ADR object is passed to reset."""
    uncorrelated_adr_param: str | None = None


@configclass
class MarkerDropoutCfg:
    """Fingertip marker dropout: a dropout starts with rate ``rate_per_s`` (Poisson, per-step probability
    1 - exp(-rate * dt)) while the markers are visible and lasts ``duration_s`` (rounded to whole control
    steps), holding the last observed value. Onsets are drawn only while not already dropped (a new one
    may start on the step right after a dropout ends), so the rate is per second of *visible* time and
    the fraction of time dropped is about r*D / (1 + r*D) (~0.17 for 0.2/s and 1 s)."""

    enabled: bool = True
    rate_per_s: float = 0.2
    duration_s: float = 1.0
    per_fingertip: bool = False
    """False: the whole 15-D fingertip observation drops together; True: each fingertip independently."""


@configclass
class ObservationNoiseCfg:
    """Paper defaults: fingertips 1 / 2 mm, object position 5 / 1 mm, object orientation 0.1 / 0.1 rad."""

    enabled: bool = True
    fingertip_pos: NoiseTermCfg = NoiseTermCfg(correlated_std=0.001, uncorrelated_std=0.002)
    """Fingertip positions [m]."""
    object_pos: NoiseTermCfg = NoiseTermCfg(correlated_std=0.005, uncorrelated_std=0.001)
    """Object position [m]."""
    object_rot: NoiseTermCfg = NoiseTermCfg(correlated_std=0.1, uncorrelated_std=0.1)
    """Object orientation [rad]: angle std of a random rotation about a uniformly random axis."""
    dropout: MarkerDropoutCfg = MarkerDropoutCfg()


class MarkerDropout:
    """Hold-last-value dropout over ``(N, M, ...)`` marker observations (M markers)."""

    def __init__(self, cfg: MarkerDropoutCfg, num_envs: int, num_markers: int, control_dt_s: float,
                 device="cpu", generator=None):  # fmt: skip
        self.cfg, self.num_envs, self.num_markers = cfg, num_envs, num_markers
        self.device, self.generator = torch.device(device), generator
        self.step_prob = per_step_probability(cfg.rate_per_s, control_dt_s)
        self.duration_steps = max(1, int(cfg.duration_s / control_dt_s + 0.5))
        self.steps_left = torch.zeros((num_envs, num_markers), dtype=torch.long, device=self.device)
        self.has_last = torch.zeros(num_envs, dtype=torch.bool, device=self.device)
        self.held: torch.Tensor | None = None
        self.dropped = torch.zeros((num_envs, num_markers), dtype=torch.bool, device=self.device)
        """Which markers the last call held (read-only diagnostics)."""
        self.started = torch.zeros((num_envs, num_markers), dtype=torch.bool, device=self.device)
        """Which markers started a dropout on the last call (read-only diagnostics)."""

    def reset(self, env_ids=None) -> None:
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        self.steps_left[ids] = 0
        self.has_last[ids] = False
        self.dropped[ids] = False
        self.started[ids] = False

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (N, M, ...) -> x with dropped markers replaced by their last output."""
        if not self.cfg.enabled:
            return x
        if self.held is None or self.held.shape != x.shape:
            self.held = x.detach().clone()
        cols = self.num_markers if self.cfg.per_fingertip else 1
        u = torch.rand((self.num_envs, cols), device=self.device, generator=self.generator)
        start = (u < self.step_prob).expand(-1, self.num_markers) & (self.steps_left == 0) & self.has_last[:, None]
        self.started = start
        self.steps_left = torch.where(start, torch.full_like(self.steps_left, self.duration_steps), self.steps_left)
        self.dropped = self.steps_left > 0
        mask = self.dropped.view(*self.dropped.shape, *([1] * (x.dim() - 2)))
        out = torch.where(mask, self.held, x)
        self.held = out.detach().clone()
        self.steps_left = (self.steps_left - 1).clamp(min=0)
        self.has_last[:] = True
        return out


class ObservationNoise:
    """Per-env observation noise state for N envs with ``num_fingertips`` fingertips.

    Methods take and return all N envs: fingertips (N, F, 3) or (N, 3F) [m], object position (N, 3) [m],
    object orientation (N, 4) xyzw unit quaternions.
    """

    def __init__(self, cfg: ObservationNoiseCfg, num_envs: int, control_dt_s: float, num_fingertips: int = 5,
                 device="cpu", generator: torch.Generator | None = None):  # fmt: skip
        self.cfg, self.num_envs, self.num_fingertips = cfg, num_envs, num_fingertips
        self.device, self.generator = torch.device(device), generator
        ft, op, orot = cfg.fingertip_pos, cfg.object_pos, cfg.object_rot
        self.fingertip_noise = CorrelatedGaussianNoise(
            num_envs, (num_fingertips, 3), ft.correlated_std, ft.uncorrelated_std, None, device, generator
        )
        self.object_pos_noise = CorrelatedGaussianNoise(
            num_envs, (3,), op.correlated_std, op.uncorrelated_std, None, device, generator
        )
        self.rot_corr_std = torch.full((num_envs,), float(orot.correlated_std), device=self.device)
        self.rot_uncorr_std = torch.full((num_envs,), float(orot.uncorrelated_std), device=self.device)
        self.rot_bias = torch.zeros((num_envs, 4), device=self.device)
        self.rot_bias[:, 3] = 1.0
        self.dropout = MarkerDropout(cfg.dropout, num_envs, num_fingertips, control_dt_s, device, generator)

    def reset(self, env_ids=None, adr=None) -> None:
        """New episode for ``env_ids``: magnitudes from ADR if given and configured, new correlated noise,
        dropout cleared."""
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        c = self.cfg
        for term, noise in ((c.fingertip_pos, self.fingertip_noise), (c.object_pos, self.object_pos_noise)):
            noise.set_std(
                ids,
                adr_or_fixed(term.correlated_std, term.correlated_adr_param, adr, ids, self.num_envs, self.device),
                adr_or_fixed(term.uncorrelated_std, term.uncorrelated_adr_param, adr, ids, self.num_envs, self.device),
            )
            noise.reset(ids)
        r = c.object_rot
        self.rot_corr_std[ids] = adr_or_fixed(
            r.correlated_std, r.correlated_adr_param, adr, ids, self.num_envs, self.device
        )
        self.rot_uncorr_std[ids] = adr_or_fixed(
            r.uncorrelated_std, r.uncorrelated_adr_param, adr, ids, self.num_envs, self.device
        )
        self.rot_bias[ids] = random_rotation_xyzw(self.rot_corr_std[ids], (ids.numel(),), self.device, self.generator)
        self.dropout.reset(ids)

    def _on(self, term: NoiseTermCfg) -> bool:
        return self.cfg.enabled and term.enabled

    def apply_fingertip_pos(self, pos: torch.Tensor) -> torch.Tensor:
        """Noisy fingertip positions [m] with marker dropout, same shape as ``pos``."""
        x = pos.reshape(self.num_envs, self.num_fingertips, 3)
        if self._on(self.cfg.fingertip_pos):
            x = self.fingertip_noise(x)
        if self.cfg.enabled:
            x = self.dropout(x)
        return x.reshape(pos.shape)

    def apply_object_pos(self, pos: torch.Tensor) -> torch.Tensor:
        """Noisy object position (N, 3) [m]."""
        return self.object_pos_noise(pos) if self._on(self.cfg.object_pos) else pos

    def apply_object_quat(self, quat_xyzw: torch.Tensor) -> torch.Tensor:
        """Noisy object orientation: q_corr * q_step * q (world-frame rotations), unit xyzw quaternions."""
        if not self._on(self.cfg.object_rot):
            return quat_xyzw
        step = random_rotation_xyzw(self.rot_uncorr_std, (self.num_envs,), self.device, self.generator)
        q = quat_mul_xyzw(self.rot_bias, quat_mul_xyzw(step, quat_xyzw))
        return q / q.norm(dim=-1, keepdim=True)
