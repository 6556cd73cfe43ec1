"""Random rotations for the observation noise, in Isaac Lab 3's (x, y, z, w) order, batched over leading dims.

Quaternion algebra (product, conjugate, angle-axis) is Isaac Lab's (``isaaclab.utils.math``, same convention);
only the sampler is ours. The torch-free runtime has its own numpy helpers (``dactyl_lab.runtime.quat``).
"""

from __future__ import annotations

import isaaclab.utils.math as math_utils
import torch

from .distributions import sample_unit_vectors


def random_rotation_xyzw(std_rad: torch.Tensor, shape, device, generator=None) -> torch.Tensor:
    """Rotations of angle N(0, std_rad^2) about uniformly random axes; ``std_rad`` broadcasts to ``shape``."""
    axis = sample_unit_vectors(shape, device, generator)
    angle = std_rad * torch.randn(tuple(shape), device=device, generator=generator)
    return math_utils.quat_from_angle_axis(angle, axis)
