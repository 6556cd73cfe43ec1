"""An outside integrator's observation builder, written from the policy contract (JSON) and docs/runtime.md only:
numpy, no dactyl_lab import. Input: what a tracker on the real hand reports, in the axes of the hand-mount body
(``contract["frame"]["mount_body"]``) relative to the hand base; output: the policy's observation vector."""

from __future__ import annotations

import numpy as np


def quat_mul(a, b):
    """Hamilton product of (x, y, z, w) quaternions."""
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array(
        [
            aw * bx + ax * bw + ay * bz - az * by,
            aw * by - ax * bz + ay * bw + az * bx,
            aw * bz + ax * by - ay * bx + az * bw,
            aw * bw - ax * bx - ay * by - az * bz,
        ]
    )


def quat_conj(q):
    return np.array([-q[0], -q[1], -q[2], q[3]])


def rotate(q, v):
    return quat_mul(quat_mul(q, np.array([*v, 0.0])), quat_conj(q))[:3]


def unique(q):
    return -q if q[3] < 0 else q


def observation(contract: dict, tracked: dict) -> np.ndarray:
    """``tracked``: ``fingertips`` {body name: (pos_m, quat_xyzw)}, ``cube`` (pos_m, quat_xyzw), ``goal_quat_xyzw``,
    all in the mount body's axes relative to the hand base, and ``last_action`` (motor order) or None at the start
    of an episode."""
    q_mount = np.asarray(contract["frame"]["mount_quat_xyzw"], dtype=np.float64)
    base = np.asarray(contract["hand_base_pos_m"], dtype=np.float64)

    def position(p):  # mount axes -> observation frame
        return rotate(q_mount, np.asarray(p, dtype=np.float64)) + base

    def orientation(q):
        return quat_mul(q_mount, np.asarray(q, dtype=np.float64))

    cube_q = orientation(tracked["cube"][1])
    goal_q = orientation(tracked["goal_quat_xyzw"])
    tips = contract["fingertips"]
    parts = {
        "fingertip_pos": np.concatenate(
            [
                position(tracked["fingertips"][name][0]) + rotate(orientation(tracked["fingertips"][name][1]), offset)
                for name, offset in zip(tips["body_names"], tips["tip_offsets_m"])
            ]
        ),
        "object_pos": position(tracked["cube"][0]),
        "object_quat": cube_q,
        "goal_relative_quat": quat_mul(cube_q, quat_conj(goal_q)),
        "last_action": np.asarray(tracked["last_action"], dtype=np.float64)
        if tracked["last_action"] is not None
        else np.full(len(contract["action"]["motor_names"]), contract["episode_start"]["last_action_value"]),
    }
    out = []
    for term in contract["observation"]:
        value = parts[term["name"]]
        if term["quat_unique"]:
            value = unique(value)
        assert value.shape == (term["size"],), term["name"]
        out.append(value)
    return np.concatenate(out)
