"""Quaternion helpers in Isaac Lab 3's (x, y, z, w) order, pure torch, batched over leading dims."""

from __future__ import annotations

import torch

from .distributions import sample_unit_vectors


def quat_mul_xyzw(q1: torch.Tensor, q2: torch.Tensor) -> torch.Tensor:
    """Hamilton product q1 * q2 of (..., 4) xyzw quaternions."""
    x1, y1, z1, w1 = q1.unbind(-1)
    x2, y2, z2, w2 = q2.unbind(-1)
    return torch.stack(
        (
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        ),
        dim=-1,
    )


def quat_conjugate_xyzw(q: torch.Tensor) -> torch.Tensor:
    """Conjugate (the inverse of a unit quaternion)."""
    return torch.cat((-q[..., :3], q[..., 3:]), dim=-1)


def quat_from_axis_angle_xyzw(axis: torch.Tensor, angle_rad: torch.Tensor) -> torch.Tensor:
    """Unit quaternion for a rotation of ``angle_rad`` (...) about unit ``axis`` (..., 3)."""
    half = 0.5 * angle_rad
    return torch.cat((axis * torch.sin(half).unsqueeze(-1), torch.cos(half).unsqueeze(-1)), dim=-1)


def quat_angle_rad(q: torch.Tensor) -> torch.Tensor:
    """Rotation angle in [0, pi] of unit quaternions (..., 4)."""
    return 2.0 * torch.atan2(q[..., :3].norm(dim=-1), q[..., 3].abs())


def random_rotation_xyzw(std_rad: torch.Tensor, shape, device, generator=None) -> torch.Tensor:
    """Rotations of angle N(0, std_rad^2) about uniformly random axes; ``std_rad`` broadcasts to ``shape``."""
    axis = sample_unit_vectors(shape, device, generator)
    angle = std_rad * torch.randn(tuple(shape), device=device, generator=generator)
    return quat_from_axis_angle_xyzw(axis, angle)
