"""The PhysX layer of the generated hand (assets/physx_hand.py): built from the same source into the cache by input
hash, every value from dactyl_lab.spec.hand (read back from the composed USD)."""

import math
from pathlib import Path

import pytest
from pxr import Usd, UsdPhysics

from dactyl_lab.assets import physx_hand
from dactyl_lab.spec import hand
from dactyl_lab.tasks.reorient.backends.ovphysx_workarounds import applied_schema_names


@pytest.fixture(scope="module")
def stage(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("DACTYL_LAB_CACHE", str(tmp_path_factory.mktemp("cache")))
    asset = physx_hand.physx_hand_asset(verbose=False)
    again = physx_hand.physx_hand_asset(verbose=False)
    assert again.usd_path == asset.usd_path and again.build_seconds is None  # the cache by input hash
    yield Usd.Stage.Open(str(asset.usd_path))
    mp.undo()


def _joints(stage):
    return {p.GetName(): p for p in stage.Traverse() if p.IsA(UsdPhysics.RevoluteJoint)}


def test_every_joint_has_a_drive_with_the_spec_gains(stage):
    per_deg = math.pi / 180.0
    joints = _joints(stage)
    assert set(joints) == set(hand.JOINT_NAMES)
    for name, prim in joints.items():
        drive = UsdPhysics.DriveAPI(prim, "angular")
        assert drive.GetStiffnessAttr().Get() == pytest.approx(hand.MOTOR_STIFFNESS.get(name, 0.0) * per_deg)
        assert drive.GetDampingAttr().Get() == 0.0  # the joint's damping is passive (viscous friction), as on Newton
        viscous = prim.GetAttribute(physx_hand.VISCOUS_FRICTION_ATTR).Get()
        assert viscous == pytest.approx(hand.JOINT_DAMPING[name] * per_deg)
        if name in hand.MOTOR_EFFORT_LIMIT:
            assert drive.GetMaxForceAttr().Get() == pytest.approx(hand.MOTOR_EFFORT_LIMIT[name])
        assert prim.GetAttribute("physxJoint:armature").Get() == pytest.approx(hand.JOINT_ARMATURE[name])


def test_one_fixed_tendon_per_finger_over_j2_and_j1(stage):
    joints = _joints(stage)
    for motor, (j2, j1) in hand.TENDON_JOINTS.items():
        root, leaf = joints[j2], joints[j1]
        assert f"PhysxTendonAxisRootAPI:{motor}" in applied_schema_names(root)
        assert f"PhysxTendonAxisAPI:{motor}" in applied_schema_names(leaf)
        assert root.GetAttribute(f"physxTendon:{motor}:stiffness").Get() == pytest.approx(hand.MOTOR_STIFFNESS[motor])
        for prim, coefficient in ((root, 0.0), (leaf, 2.0)):
            assert list(prim.GetAttribute(f"physxTendon:{motor}:gearing").Get()) == pytest.approx([math.pi / 180])
            assert list(prim.GetAttribute(f"physxTendon:{motor}:forceCoefficient").Get()) == [coefficient]


def test_gravity_off_on_the_hand_and_self_collisions_on(stage):
    bodies = [p for p in stage.Traverse() if p.HasAPI(UsdPhysics.RigidBodyAPI)]
    assert len(bodies) > 20
    assert all(p.GetAttribute("physxRigidBody:disableGravity").Get() is True for p in bodies)
    root = next(p for p in stage.Traverse() if p.HasAPI(UsdPhysics.ArticulationRootAPI))
    assert root.GetAttribute("physxArticulation:enabledSelfCollisions").Get() is True


def test_a_calibration_in_the_hand_spec_reaches_the_physx_layer(tmp_path, monkeypatch, stage):
    base = stage.GetRootLayer().subLayerPaths[0]
    base = str((Path(stage.GetRootLayer().realPath).parent / base).resolve())
    monkeypatch.setitem(hand.MOTOR_STIFFNESS, "rh_FFJ0", 2.5)
    out = physx_hand.write_physx_layer(base, tmp_path / "layer.usda")
    calibrated = Usd.Stage.Open(str(out))
    ffj2 = _joints(calibrated)["rh_FFJ2"]
    assert ffj2.GetAttribute("physxTendon:rh_FFJ0:stiffness").Get() == pytest.approx(2.5)
