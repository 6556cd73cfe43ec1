"""The USD asset is generated offline, cached by the hash of its inputs, and rebuilt on --force."""

import os
import subprocess
import sys

from pxr import Usd

from dactyl_lab.spec import hand
from dactyl_lab.assets import build


def test_build_is_cached_by_input_hash(tmp_path, monkeypatch):
    monkeypatch.setenv("DACTYL_LAB_CACHE", str(tmp_path))
    first = build.hand_asset(verbose=False)
    assert first.build_seconds is not None and first.usd_path.is_file()
    assert first.folder.name.endswith(first.fingerprint)
    again = build.hand_asset(verbose=False)
    assert again.build_seconds is None and again.usd_path == first.usd_path
    forced = build.hand_asset(force=True, verbose=False)
    assert forced.build_seconds is not None
    assert not list(tmp_path.glob("*.partial"))


def test_usd_holds_the_hand_joints_tendons_and_motors(tmp_path, monkeypatch):
    monkeypatch.setenv("DACTYL_LAB_CACHE", str(tmp_path))
    stage = Usd.Stage.Open(str(build.hand_asset(verbose=False).usd_path))
    names_by_type = {}
    for prim in stage.Traverse():
        names_by_type.setdefault(prim.GetTypeName(), set()).add(prim.GetName())
    assert set(hand.JOINT_NAMES) <= names_by_type["PhysicsRevoluteJoint"]
    assert names_by_type["MjcTendon"] == set(hand.TENDON_MOTOR_NAMES)
    actuators = names_by_type["MjcActuator"]
    # USD prim names are unique per scope: the converter suffixes the 4 tendon motors (rh_FFJ0 -> rh_FFJ0_1)
    assert len(actuators) == len(hand.MOTOR_NAMES)
    assert set(hand.JOINT_MOTOR_NAMES) <= actuators
    assert all(any(a.startswith(t) for a in actuators - set(hand.JOINT_MOTOR_NAMES)) for t in hand.TENDON_MOTOR_NAMES)


def test_usd_filters_exactly_the_excluded_self_collision_pairs(tmp_path, monkeypatch):
    """The MJCF's <exclude> pairs reach the USD as physics:filteredPairs (Newton honours them); nothing else is
    filtered there (Newton adds the parent-child pairs of every joint itself)."""
    from dactyl_lab.assets import shadow_mjcf

    monkeypatch.setenv("DACTYL_LAB_CACHE", str(tmp_path))
    stage = Usd.Stage.Open(str(build.hand_asset(verbose=False).usd_path))
    pairs = set()
    for prim in stage.Traverse():
        rel = prim.GetRelationship("physics:filteredPairs")
        if rel:
            for target in rel.GetTargets():
                pairs.add(tuple(sorted((prim.GetName(), target.name))))
    assert pairs == {tuple(sorted(p)) for p in shadow_mjcf.SELF_COLLISION_EXCLUDES}


def test_cli_builds_the_asset(tmp_path):
    env = dict(os.environ, DACTYL_LAB_CACHE=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-m", "dactyl_lab.cli", "assets", "build", "--force"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert "shadow_hand_dactyl.usda" in out.stdout
    assert list(tmp_path.glob("shadow_hand-*/usd/shadow_hand_dactyl.usda"))
