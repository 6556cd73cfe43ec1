"""Stateful additive Gaussian noise with a per-episode (correlated) and a per-step (uncorrelated) part.

Shared by the observation and action noise. Standard deviations are stored per environment so that a
fixed paper value or an ADR-sampled value (see :mod:`.mapping`) can drive them env by env.
"""

from __future__ import annotations

import torch

from .distributions import resolve_env_ids


class CorrelatedGaussianNoise:
    """``x + b + n`` with ``b ~ N(0, (corr_std * scale)^2)`` drawn at reset and ``n ~ N(0, (uncorr_std * scale)^2)``
    drawn on every call.

    Args:
        num_envs: Number of environments N.
        shape: Per-env shape of the noised quantity, e.g. ``(5, 3)`` for fingertip positions.
        correlated_std: Initial per-episode std for every env (units of the quantity, or of ``element_scale``).
        uncorrelated_std: Initial per-step std for every env.
        element_scale: Optional tensor broadcasting to ``shape`` that multiplies both stds per element
            (e.g. per-motor action ranges, so that a std of 0.05 means 5 % of each motor's range).
    """

    def __init__(
        self,
        num_envs: int,
        shape: tuple[int, ...],
        correlated_std: float,
        uncorrelated_std: float,
        element_scale: torch.Tensor | None = None,
        device: torch.device | str = "cpu",
        generator: torch.Generator | None = None,
    ):
        self.num_envs, self.shape, self.device, self.generator = num_envs, tuple(shape), torch.device(device), generator
        self.corr_std = torch.full((num_envs,), float(correlated_std), device=self.device)
        self.uncorr_std = torch.full((num_envs,), float(uncorrelated_std), device=self.device)
        scale = torch.ones(self.shape, device=self.device) if element_scale is None else element_scale
        self.element_scale = torch.as_tensor(scale, dtype=torch.float32, device=self.device).expand(self.shape)
        self.bias = torch.zeros((num_envs, *self.shape), device=self.device)

    def _per_env(self, v: torch.Tensor) -> torch.Tensor:
        return v.view(-1, *([1] * len(self.shape)))

    def set_std(self, env_ids=None, correlated=None, uncorrelated=None) -> None:
        """Set the per-env stds (float or tensor of len(env_ids)); takes effect at the next reset / call."""
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        if correlated is not None:
            self.corr_std[ids] = torch.as_tensor(correlated, dtype=torch.float32, device=self.device)
        if uncorrelated is not None:
            self.uncorr_std[ids] = torch.as_tensor(uncorrelated, dtype=torch.float32, device=self.device)

    def reset(self, env_ids=None) -> None:
        """Draw a new per-episode bias for ``env_ids``."""
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        z = torch.randn((ids.numel(), *self.shape), device=self.device, generator=self.generator)
        self.bias[ids] = z * self._per_env(self.corr_std[ids]) * self.element_scale

    def __call__(self, x: torch.Tensor, env_ids=None) -> torch.Tensor:
        """Noisy ``x`` of shape ``(n, *shape)`` for ``env_ids`` (all N envs if None); draws fresh
        uncorrelated noise on every call."""
        bias, std = self.bias, self.uncorr_std
        if env_ids is not None:
            ids = resolve_env_ids(env_ids, self.num_envs, self.device)
            bias, std = bias[ids], std[ids]
        z = torch.randn(x.shape, device=x.device, dtype=x.dtype, generator=self.generator)
        return x + bias + z * self._per_env(std) * self.element_scale
