"""Dactyl's action noise (arXiv 1808.00177, Table 8): per motor, as a fraction of that motor's range,
``a' = a * (1 + m) + b + n`` with the additive b ~ N(0, (1.5 % range)^2) drawn per episode (correlated), and the
additive n ~ N(0, (5 % range)^2) and multiplicative m ~ N(0, 1.5 %^2) drawn every step (uncorrelated).

The per-env magnitudes are public tensors (N,), initialised from the cfg, that ADR or a caller may set:
``additive.corr_std``, ``additive.uncorr_std`` (or ``additive.set_std``) and ``mult_std``; with the cfg's
``*_adr_param`` names, :meth:`ActionNoise.reset` first writes them from the ADR object it is given.

Pass ``low``/``high`` in the units of the action being noised (rad for joint targets, or -1/1 for a
normalized action). Call the module once per control step (in the action term's ``process_actions``)
and :meth:`ActionNoise.reset` for the envs being reset.
"""

from __future__ import annotations

import torch

from isaaclab.utils import configclass

from dactyl_lab.spec import noise as paper_noise

from .distributions import resolve_env_ids
from .noise import CorrelatedGaussianNoise
from .unmodeled import drive_by_adr


@configclass
class ActionNoiseCfg:
    enabled: bool = True
    uncorrelated_frac: float = paper_noise.ACTION_UNCORRELATED_FRAC
    """Additive per-step std as a fraction of each motor's range."""
    correlated_frac: float = paper_noise.ACTION_CORRELATED_FRAC
    """Additive per-episode std as a fraction of each motor's range."""
    multiplicative_frac: float = paper_noise.ACTION_MULTIPLICATIVE_FRAC
    """Std of the per-step multiplicative factor (1 + m) (Table 8: uncorrelated)."""
    uncorrelated_adr_param: str | None = None
    correlated_adr_param: str | None = None
    multiplicative_adr_param: str | None = None
    clip: bool = True
    """Clip the noisy action to [low, high]."""


class ActionNoise:
    """Per-env action noise for N envs and M motors with ranges ``low``/``high`` [M]."""

    def __init__(
        self, cfg: ActionNoiseCfg, num_envs: int, low, high, device="cpu", generator: torch.Generator | None = None
    ):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.low = torch.as_tensor(low, dtype=torch.float32, device=self.device)
        self.high = torch.as_tensor(high, dtype=torch.float32, device=self.device)
        m = self.low.numel()
        self.additive = CorrelatedGaussianNoise(
            num_envs, (m,), cfg.correlated_frac, cfg.uncorrelated_frac, self.high - self.low, device, generator
        )
        self.mult_std = torch.full((num_envs,), float(cfg.multiplicative_frac), device=self.device)
        """Per-env std of the per-step multiplicative factor (N,)."""

    def reset(self, env_ids=None, adr=None) -> None:
        """New episode for ``env_ids``: magnitudes (ADR if given and configured), new correlated bias."""
        ids, c = resolve_env_ids(env_ids, self.num_envs, self.device), self.cfg
        drive_by_adr(self.additive.corr_std, ids, c.correlated_adr_param, adr, c.correlated_frac)
        drive_by_adr(self.additive.uncorr_std, ids, c.uncorrelated_adr_param, adr, c.uncorrelated_frac)
        drive_by_adr(self.mult_std, ids, c.multiplicative_adr_param, adr, c.multiplicative_frac)
        self.additive.reset(ids)

    def __call__(self, actions: torch.Tensor, env_ids=None) -> torch.Tensor:
        """Noisy actions (n, M) for ``env_ids`` (all N envs if None)."""
        if not self.cfg.enabled:
            return actions
        std = self.mult_std if env_ids is None else self.mult_std[resolve_env_ids(env_ids, self.num_envs, self.device)]
        z = torch.randn(actions.shape, device=actions.device, dtype=actions.dtype, generator=self.generator)
        out = self.additive(actions * (1.0 + z * std[:, None]), env_ids)
        return torch.clamp(out, self.low, self.high) if self.cfg.clip else out
