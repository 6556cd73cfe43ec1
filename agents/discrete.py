"""The Dactyl paper's discrete policy head (arXiv 1808.00177, sec. 4.2): every one of the 20 action coordinates is
an independent categorical over 11 equal bins whose centres span [-1, 1]; the env's action term receives the bin
centre (a continuous action in [-1, 1], as for the Gaussian policies).

* :func:`bin_centres` / :func:`centres_to_bins`: the one mapping between bin indices and actions (used by the
  RSL-RL distribution, the rl-games env wrapper and the ONNX export, so all three give identical values).
* :class:`BinnedCategoricalDistribution`: an ``rsl_rl.modules.Distribution`` for RSL-RL 5.5.1's ``distribution_cfg``
  (``class_name="dactyl_lab.agents.discrete:BinnedCategoricalDistribution"``, resolved by rsl_rl's own
  ``resolve_callable``). The model's MLP outputs logits of shape ``(..., 20, 11)``; samples and the deterministic
  output are bin centres, so RSL-RL's rollout storage, the env and the exported ONNX see 20 continuous values.
  ``log_prob`` maps the stored centres back to their bins.

torch is imported here (training only); the real-hand runtime never imports this module.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from rsl_rl.modules.distribution import Distribution

NUM_BINS = 11
"""Bins per action coordinate (paper sec. 4.2)."""


def bin_centres(num_bins: int = NUM_BINS, device: torch.device | str | None = None) -> torch.Tensor:
    """The ``num_bins`` bin centres ``(2k - (n - 1)) / (n - 1)``, equally spaced over [-1, 1] (float32): bin 0 is
    exactly -1, the last exactly +1, the middle one (odd n) exactly 0."""
    if num_bins < 2:
        raise ValueError(f"num_bins must be at least 2 (got {num_bins}); the paper uses {NUM_BINS}")
    steps = torch.arange(num_bins, device=device, dtype=torch.float64)
    return ((2.0 * steps - (num_bins - 1)) / (num_bins - 1)).float()


def centres_to_bins(actions: torch.Tensor, num_bins: int = NUM_BINS) -> torch.Tensor:
    """Index (int64) of the bin whose centre is nearest to each action; actions outside [-1, 1] go to the end bins."""
    scaled = (actions + 1.0) * (0.5 * (num_bins - 1))
    return torch.round(scaled).clamp(0, num_bins - 1).long()


class BinnedCategoricalDistribution(Distribution):
    """``output_dim`` independent categoricals over ``num_bins`` bin centres in [-1, 1].

    Log-probabilities, entropies and KL divergences are summed over the ``output_dim`` coordinates (the joint
    distribution of independent coordinates), as RSL-RL's PPO expects of every distribution.
    """

    def __init__(self, output_dim: int, num_bins: int = NUM_BINS) -> None:
        super().__init__(output_dim)
        self.num_bins = int(num_bins)
        # persistent: checkpoints carry the bin count (the export reads it from the state dict)
        self.register_buffer("bin_centres", bin_centres(self.num_bins))
        self._logits: torch.Tensor | None = None

    # -- what the MLP produces -------------------------------------------------------------------------

    @property
    def input_dim(self) -> list[int]:
        """The MLP outputs ``(..., output_dim, num_bins)`` logits (rsl_rl's MLP unflattens its last layer)."""
        return [self.output_dim, self.num_bins]

    def update(self, mlp_output: torch.Tensor) -> None:
        self._logits = mlp_output

    # -- outputs ---------------------------------------------------------------------------------------

    def sample(self) -> torch.Tensor:
        """Bin centres drawn from the categoricals, shape ``(..., output_dim)``."""
        probs = torch.softmax(self._logits, dim=-1)
        flat = torch.multinomial(probs.reshape(-1, self.num_bins), 1)
        return self.bin_centres[flat.reshape(probs.shape[:-1])]

    def deterministic_output(self, mlp_output: torch.Tensor) -> torch.Tensor:
        """The centre of the most probable bin of every coordinate."""
        return self.bin_centres[torch.argmax(mlp_output, dim=-1)]

    def as_deterministic_output_module(self) -> nn.Module:
        return _ArgmaxBinCentre(self.bin_centres)

    # -- statistics PPO and the logger read ------------------------------------------------------------

    def _log_probs(self) -> torch.Tensor:
        return torch.log_softmax(self._logits, dim=-1)

    @property
    def mean(self) -> torch.Tensor:
        return (torch.softmax(self._logits, dim=-1) * self.bin_centres).sum(dim=-1)

    @property
    def std(self) -> torch.Tensor:
        probs = torch.softmax(self._logits, dim=-1)
        second_moment = (probs * self.bin_centres.square()).sum(dim=-1)
        return (second_moment - self.mean.square()).clamp_min(0.0).sqrt()

    @property
    def entropy(self) -> torch.Tensor:
        log_probs = self._log_probs()
        return -(log_probs.exp() * log_probs).sum(dim=(-2, -1))

    @property
    def params(self) -> tuple[torch.Tensor, ...]:
        return (self._logits,)

    def log_prob(self, outputs: torch.Tensor) -> torch.Tensor:
        """Log-probability of actions given as bin centres, summed over the coordinates."""
        bins = centres_to_bins(outputs, self.num_bins).unsqueeze(-1)
        return self._log_probs().gather(-1, bins).squeeze(-1).sum(dim=-1)

    def kl_divergence(self, old_params: tuple[torch.Tensor, ...], new_params: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """KL(old || new), summed over the coordinates."""
        old_log_probs = torch.log_softmax(old_params[0], dim=-1)
        new_log_probs = torch.log_softmax(new_params[0], dim=-1)
        return (old_log_probs.exp() * (old_log_probs - new_log_probs)).sum(dim=(-2, -1))


class _ArgmaxBinCentre(nn.Module):
    """Export-friendly deterministic output: logits ``(..., 20, 11)`` -> centre of the argmax bin ``(..., 20)``
    (ONNX ArgMax + Gather of the bin-centre constant)."""

    def __init__(self, centres: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("bin_centres", centres.detach().clone())

    def forward(self, mlp_output: torch.Tensor) -> torch.Tensor:
        return self.bin_centres[torch.argmax(mlp_output, dim=-1)]
