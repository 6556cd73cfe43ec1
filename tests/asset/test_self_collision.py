"""Self-collisions of the rewritten hand (plain MuJoCo, the stand-in's model): fingers stop at each other and at
the thumb; only parent-child bodies and the structural pairs of SELF_COLLISION_EXCLUDES are filtered."""

import itertools

import mujoco
import numpy as np
import pytest

from dactyl_lab.spec import hand
from dactyl_lab.assets import shadow_mjcf
from dactyl_lab.runtime.backends.mujoco_standin import build_standin_model

from tests.helpers.scripts import load_bench

CONTACT_TOLERANCE_M = 0.002
"""Penetration a soft MuJoCo contact may show when two motors push fingers into each other [m]."""


def _hand_colliders(model):
    return [g for g in range(model.ngeom) if model.geom(g).name.startswith("rh_") and model.geom_contype[g]]


def _body_name(model, geom):
    return model.body(model.geom_bodyid[geom]).name


def test_every_hand_collider_collides_with_the_hand_and_the_cube():
    model = build_standin_model()
    colliders = _hand_colliders(model)
    assert len(colliders) >= 20 and model.npair == 0
    cube = model.geom("object").id
    for g in colliders:
        name = model.geom(g).name
        assert model.geom_contype[g] & model.geom_conaffinity[cube], name  # hand - cube
        assert model.geom_conaffinity[g] & model.geom_contype[colliders[0]], name  # hand - hand
    excluded = {tuple(sorted(p)) for p in shadow_mjcf.SELF_COLLISION_EXCLUDES}
    assert model.nexclude == len(excluded)


def test_no_hand_contact_at_the_zero_pose():
    model = build_standin_model()
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    hand_contacts = [
        (model.geom(c.geom1).name, model.geom(c.geom2).name)
        for c in data.contact[: data.ncon]
        if "object" not in (model.geom(c.geom1).name, model.geom(c.geom2).name)
    ]
    assert hand_contacts == []


def test_each_excluded_pair_overlaps_at_every_pose_without_its_exclude():
    """The excludes are structural (colliders overlapping through a knuckle or hub), not convenience."""
    spec = shadow_mjcf.build_hand_spec()
    for exclude in list(spec.excludes):
        spec.delete(exclude)
    model = spec.compile()
    data = mujoco.MjData(model)
    rng = np.random.default_rng(0)
    for _ in range(50):
        for name in hand.JOINT_NAMES:
            data.qpos[model.joint(name).qposadr[0]] = rng.uniform(*hand.JOINT_LIMITS_RAD[name])
        mujoco.mj_forward(model, data)
        touching = {
            tuple(sorted((_body_name(model, c.geom1), _body_name(model, c.geom2)))) for c in data.contact[: data.ncon]
        }
        for pair in shadow_mjcf.SELF_COLLISION_EXCLUDES:
            assert tuple(sorted(pair)) in touching, pair


def _min_distance(model, data, bodies_a, bodies_b) -> float:
    """Smallest signed distance between the colliders of two groups of bodies [m] (negative: penetration)."""
    ga = [g for g in _hand_colliders(model) if _body_name(model, g) in bodies_a]
    gb = [g for g in _hand_colliders(model) if _body_name(model, g) in bodies_b]
    fromto = np.zeros(6)
    return min(mujoco.mj_geomDistance(model, data, a, b, 0.05, fromto) for a, b in itertools.product(ga, gb))


PARITY = load_bench("parity")
PUSHES = PARITY.SELF_COLLISION_PUSHES
"""bench/parity.py's finger pushes (the Newton test drives the same ones)."""


def drive_into_each_other(model, targets: dict[str, float], seconds: float = 1.0) -> mujoco.MjData:
    data = mujoco.MjData(model)
    cube = int(model.joint("object_joint").qposadr[0])
    data.qpos[cube : cube + 3] = [0.3, 0.0, -0.27]  # the cube out of the way, on the floor
    for motor, value in targets.items():
        data.ctrl[model.actuator(motor).id] = value
    mujoco.mj_step(model, data, nstep=int(seconds / model.opt.timestep))
    mujoco.mj_kinematics(model, data)
    return data


@pytest.mark.parametrize("push", sorted(PUSHES))
def test_fingers_stop_at_contact_and_passed_through_before(push):
    targets, bodies_a, bodies_b = PUSHES[push]
    model = build_standin_model()
    parity = PARITY
    assert parity.min_collider_distance(targets, bodies_a, bodies_b, model) < -0.005  # targets inside the other finger
    data = drive_into_each_other(model, targets)
    assert -CONTACT_TOLERANCE_M < _min_distance(model, data, bodies_a, bodies_b) < 0.001  # pushed into contact
    # the hand before this fix (hand colliders conaffinity 0): the same push goes through the other finger
    for g in _hand_colliders(model):
        model.geom_conaffinity[g] = 0
    data = drive_into_each_other(model, targets)
    assert _min_distance(model, data, bodies_a, bodies_b) < -0.005
