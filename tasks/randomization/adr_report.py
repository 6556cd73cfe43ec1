"""What the ADR reports: its entropy, in the Rubik's cube paper's units, and the scalars logged to TensorBoard.

OpenAI define ADR entropy (arXiv 1910.07113, sec. 5.2) as the entropy of the uniform distribution over the d
parameters' ranges, divided by d: ``(1/d) sum_i log(high_i - low_i)`` nats per dimension. The log of a width
depends on the width's unit: a fingertip-noise range of 3 mm counts -5.8 in metres and +1.1 in millimetres. So that
our figure compares with the paper's (dimensionless scales and fractions, e.g. "ADR XXL" at 0.393 npd), every width is
first divided by its parameter's unit (:attr:`ADRParamCfg.unit`): the nominal value for a scale (1), 1 for a
log-scale (its width is already the log of a ratio), and for a parameter that ADR grows from 0 (a noise std, a
probability) the paper's own magnitude of it (Table 1, Tables 7 and 8, App. C.2). A width of 1 then means "as wide
as the paper's fixed randomization" and contributes 0 nats.

* ``ADR/entropy_npd``: that dimensionless mean over ALL d parameters (-inf while any is still a point at its nominal
  value, as in the paper's definition).
* ``ADR/entropy_npd_own_units``: the same mean over the widths in each parameter's own unit (our figure before the
  change; not comparable across parameter sets).
* ``ADR/entropy_npd_widened``: the dimensionless mean over the widened parameters only (finite from the first
  widening), and ``ADR/widened_fraction``.
"""

from __future__ import annotations

import torch


def _mean_log(width: torch.Tensor) -> torch.Tensor:
    if width.numel() == 0:
        return torch.zeros((), dtype=torch.float64, device=width.device)
    return torch.log(width).mean()


def entropy_npd(adr) -> torch.Tensor:
    """ADR entropy in nats per dimension over dimensionless widths (module docstring); -inf while any parameter is
    still at its nominal value, 0 without parameters."""
    return _mean_log((adr.high - adr.low) / adr.unit)


def entropy_npd_own_units(adr) -> torch.Tensor:
    """The same mean over each width in its parameter's own unit (m, rad, probability, scale)."""
    return _mean_log(adr.high - adr.low)


def entropy_npd_widened(adr) -> torch.Tensor:
    """Dimensionless mean log width over the parameters with width > 0 only (0 if none): finite while some
    parameters are still at their nominal value (not the paper's definition: see :func:`entropy_npd`)."""
    width = (adr.high - adr.low) / adr.unit
    pos = width > 0
    logs = torch.where(pos, torch.log(torch.where(pos, width, torch.ones_like(width))), torch.zeros_like(width))
    return logs.sum() / pos.sum().clamp(min=1)


def log_dict(adr, prefix: str = "ADR") -> dict[str, float]:
    """Scalars for TensorBoard: ``<prefix>/<param>/low`` and ``/high``, the entropies, the widened fraction and the
    fraction of envs evaluating a boundary (reads values on the host)."""
    low, high = adr.low.tolist(), adr.high.tolist()
    out = {}
    for i, name in enumerate(adr.names):
        out[f"{prefix}/{name}/low"] = low[i]
        out[f"{prefix}/{name}/high"] = high[i]
    out[f"{prefix}/entropy_npd"] = float(entropy_npd(adr))
    out[f"{prefix}/entropy_npd_own_units"] = float(entropy_npd_own_units(adr))
    out[f"{prefix}/entropy_npd_widened"] = float(entropy_npd_widened(adr))
    out[f"{prefix}/widened_fraction"] = float((adr.high > adr.low).double().mean()) if adr.names else 0.0
    evaluating = (adr.env_boundary >= 0).double()
    out[f"{prefix}/boundary_env_fraction"] = float(evaluating.mean()) if adr.num_envs else 0.0
    return out
