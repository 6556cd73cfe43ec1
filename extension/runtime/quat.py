"""Quaternion helpers in the (x, y, z, w) convention of the observations (numpy only).

MuJoCo stores (w, x, y, z): convert at the boundary with :func:`xyzw_from_wxyz` / :func:`wxyz_from_xyzw`.
"""

from __future__ import annotations

import numpy as np


def xyzw_from_wxyz(q_wxyz) -> np.ndarray:
    q = np.asarray(q_wxyz, dtype=np.float64)
    return np.array([q[1], q[2], q[3], q[0]])


def wxyz_from_xyzw(q_xyzw) -> np.ndarray:
    q = np.asarray(q_xyzw, dtype=np.float64)
    return np.array([q[3], q[0], q[1], q[2]])


def quat_mul(a_xyzw, b_xyzw) -> np.ndarray:
    """Hamilton product a * b, both (x, y, z, w)."""
    ax, ay, az, aw = np.asarray(a_xyzw, dtype=np.float64)
    bx, by, bz, bw = np.asarray(b_xyzw, dtype=np.float64)
    return np.array(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def quat_conj(q_xyzw) -> np.ndarray:
    q = np.asarray(q_xyzw, dtype=np.float64)
    return np.array([-q[0], -q[1], -q[2], q[3]])


def quat_normalize(q_xyzw) -> np.ndarray:
    q = np.asarray(q_xyzw, dtype=np.float64)
    return q / np.linalg.norm(q)


def orientation_error_rad(a_xyzw, b_xyzw) -> float:
    """Rotation angle between two orientations [rad], in [0, pi] (Isaac Lab's ``rot_dist``)."""
    diff = quat_mul(quat_normalize(a_xyzw), quat_conj(quat_normalize(b_xyzw)))
    return float(2.0 * np.arcsin(min(1.0, float(np.linalg.norm(diff[:3])))))


def quat_from_axis_angle(axis, angle_rad: float) -> np.ndarray:
    axis = np.asarray(axis, dtype=np.float64)
    norm = np.linalg.norm(axis)
    if norm == 0.0:
        return np.array([0.0, 0.0, 0.0, 1.0])
    half = 0.5 * angle_rad
    return np.concatenate([np.sin(half) * axis / norm, [np.cos(half)]])


def random_quat(rng: np.random.Generator) -> np.ndarray:
    """Uniformly distributed random orientation (Shoemake), (x, y, z, w)."""
    u1, u2, u3 = rng.random(3)
    a, b = np.sqrt(1.0 - u1), np.sqrt(u1)
    t2, t3 = 2.0 * np.pi * u2, 2.0 * np.pi * u3
    return np.array([a * np.sin(t2), a * np.cos(t2), b * np.sin(t3), b * np.cos(t3)])


def random_small_rotation(rng: np.random.Generator, std_rad: float) -> np.ndarray:
    """Rotation about a uniformly random axis by an angle ~ N(0, std_rad) [rad], (x, y, z, w)."""
    if std_rad <= 0.0:
        return np.array([0.0, 0.0, 0.0, 1.0])
    return quat_from_axis_angle(rng.standard_normal(3), float(rng.normal(0.0, std_rad)))
