"""Batched sampling helpers shared by every randomization in this package.

Every helper draws one tensor for all requested environments at once (no per-env Python loop) on the
given device. Pass a ``torch.Generator`` that lives on that same device for a private, reproducible
stream (:func:`make_generator`); pass ``None`` to use torch's global RNG (seed it with
``torch.manual_seed``). Bounds may be floats or tensors that broadcast against ``shape`` (e.g. per-env
bounds of shape ``(n, 1)`` from ADR).

Distribution names and the ``(a, b)`` parameter convention follow Isaac Lab's stock event terms:
``uniform`` -> (low, high), ``log_uniform`` -> (low, high) with low > 0, ``gaussian`` -> (mean, std),
plus ``constant`` -> (value,) for a fixed value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import torch

from isaaclab.utils import configclass

Number = float | torch.Tensor
DistributionName = Literal["constant", "uniform", "log_uniform", "gaussian"]


def make_generator(seed: int | None, device: torch.device | str = "cpu") -> torch.Generator | None:
    """A generator on ``device`` seeded with ``seed``; ``None`` (global RNG) when ``seed`` is None."""
    if seed is None:
        return None
    gen = torch.Generator(device=torch.device(device))
    gen.manual_seed(int(seed))
    return gen


def resolve_env_ids(env_ids, num_envs: int, device: torch.device | str) -> torch.Tensor:
    """Env indices as a long tensor on ``device`` from None / slice / sequence / index or bool tensor."""
    if env_ids is None:
        return torch.arange(num_envs, device=device)
    if isinstance(env_ids, slice):
        return torch.arange(num_envs, device=device)[env_ids]
    if isinstance(env_ids, torch.Tensor):
        if env_ids.dtype == torch.bool:
            return env_ids.to(device).nonzero(as_tuple=False).flatten()
        return env_ids.to(device=device, dtype=torch.long).flatten()
    return torch.as_tensor(list(env_ids) if isinstance(env_ids, Sequence) else env_ids, device=device).long()


def _rand(shape, device, generator) -> torch.Tensor:
    return torch.rand(tuple(shape), device=device, generator=generator)


def sample_uniform(low: Number, high: Number, shape, device, generator=None) -> torch.Tensor:
    """U[low, high) of the given shape."""
    return low + (high - low) * _rand(shape, device, generator)


def sample_log_uniform(low: Number, high: Number, shape, device, generator=None) -> torch.Tensor:
    """logU[low, high]: exp of U[log low, log high]; needs low > 0."""
    return torch.exp(sample_uniform(_log(low, device), _log(high, device), shape, device, generator))


def _log(x: Number, device) -> Number:
    """log of a bound: on the host for a number (a tensor made from it would be a host-to-device copy on CUDA),
    float32 on ``device`` for a tensor."""
    if isinstance(x, torch.Tensor):
        return torch.log(x.to(device=device, dtype=torch.float32))
    return math.log(x)


def sample_gaussian(mean: Number, std: Number, shape, device, generator=None) -> torch.Tensor:
    """N(mean, std^2) of the given shape."""
    return mean + std * torch.randn(tuple(shape), device=device, generator=generator)


def add_gaussian_noise(x: torch.Tensor, std: Number, generator=None) -> torch.Tensor:
    """x + N(0, std^2), elementwise (``std`` broadcasts against ``x``)."""
    return x + std * torch.randn(x.shape, device=x.device, dtype=x.dtype, generator=generator)


def sample_bernoulli(prob: Number, shape, device, generator=None) -> torch.Tensor:
    """Bool tensor, True with probability ``prob`` (broadcast against ``shape``)."""
    return _rand(shape, device, generator) < prob


def sample_exponential(rate: Number, shape, device, generator=None) -> torch.Tensor:
    """Exp(rate) samples (mean 1/rate), by inversion so that the generator is honoured."""
    u = _rand(shape, device, generator)
    return -torch.log1p(-u) / rate


def sample_unit_vectors(shape, device, generator=None) -> torch.Tensor:
    """Directions uniform on the unit sphere, shape ``(*shape, 3)``."""
    v = torch.randn((*tuple(shape), 3), device=device, generator=generator)
    return v / v.norm(dim=-1, keepdim=True).clamp_min(1e-12)


def per_step_probability(rate_per_s: float, dt_s: float) -> float:
    """Probability that a Poisson process of ``rate_per_s`` fires within one step of ``dt_s``."""
    return 1.0 - math.exp(-rate_per_s * dt_s)


@configclass
class DistributionCfg:
    """A scalar distribution: ``distribution`` with ``params`` as documented in the module docstring."""

    distribution: DistributionName = "uniform"
    params: tuple[float, ...] = (0.0, 1.0)


def sample(cfg: DistributionCfg, shape, device, generator=None) -> torch.Tensor:
    """Samples of ``cfg`` with the given shape."""
    p = cfg.params
    if cfg.distribution == "constant":
        return torch.full(tuple(shape), float(p[0]), device=device)
    if cfg.distribution == "uniform":
        return sample_uniform(p[0], p[1], shape, device, generator)
    if cfg.distribution == "log_uniform":
        if p[0] <= 0:
            raise ValueError(f"log_uniform needs a positive lower bound, got {p}")
        return sample_log_uniform(p[0], p[1], shape, device, generator)
    if cfg.distribution == "gaussian":
        return sample_gaussian(p[0], p[1], shape, device, generator)
    raise ValueError(f"unknown distribution {cfg.distribution!r}")
