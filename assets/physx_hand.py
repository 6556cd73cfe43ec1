"""The PhysX version of the generated Shadow hand: a USD layer over the Newton asset (:mod:`dactyl_lab.assets.build`).

The generated USD carries MuJoCo tendons and actuators (``MjcTendon`` / ``MjcActuator``), which PhysX ignores: on
PhysX the hand would have no motors and no tendons. This layer sublayers that USD (same source, same hash discipline)
and adds what PhysX reads, every value from :mod:`dactyl_lab.spec.hand` so a calibration there reaches both assets:

- an angular force drive (``UsdPhysics.DriveAPI``) on each of the 24 joints: the joint motors get their gain and
  force cap (USD angular gains are per degree) and no drive damping; every joint gets its passive damping as the
  axis' viscous friction (``PhysxJointAxisAPI:angular``, PhysX's passive joint damping) and its armature
  (``physxJoint:armature``). OvPhysX would also seed the viscous friction from the base USD's ``newton:damping``;
  authored here it holds on Isaac Sim PhysX too. With the damping on the drive as well, every joint had twice its
  damping and followed its target about 2x slower (docs/parity.md, "PhysX hand");
- one fixed tendon per finger, named after its motor (``rh_FFJ0`` ...): ``PhysxTendonAxisRootAPI`` on J2,
  ``PhysxTendonAxisAPI`` on J1, gearing :data:`TENDON_GEARING_PER_DEG` on both (PhysX applies a joint's gearing
  per degree, so pi/180 makes the tendon length J1 + J2 in radians), the motor's gain as tendon stiffness and the
  force coefficients :data:`TENDON_ROOT_FORCE_COEFFICIENT` / :data:`TENDON_LEAF_FORCE_COEFFICIENT`;
- gravity off on every hand body (PhysX ignores ``mjc:gravcomp``; the Newton hand has full gravity compensation);
- self-collisions on in the articulation (the USD's ``physics:filteredPairs`` hold the excluded pairs), convex
  hulls for mesh colliders, contact / rest offsets :data:`CONTACT_OFFSET_M` / :data:`REST_OFFSET_M`.

Not mapped (PhysX has no equivalent; docs/parity.md, "PhysX hand"): the tendon motor's force cap (a PhysX fixed
tendon has no force range). The joints' friction loss reaches OvPhysX from the base USD (``newton:friction`` seeds
the axis' static and dynamic friction efforts, a torque as MuJoCo's ``frictionloss``)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from dactyl_lab.spec import hand

TENDON_GEARING_PER_DEG = math.pi / 180.0
"""Gearing of both tendon joints: PhysX multiplies it by the joint position in degrees (gearing 1 settled a
1.5 rad command at 1.5 degrees), so pi/180 makes the tendon length J1 + J2 [rad], the MuJoCo tendon's."""

TENDON_ROOT_FORCE_COEFFICIENT = 0.0
"""Force coefficient of the root axis (J2); with the leaf's 2 the tendon force reaches J1 and J2 alike (1 / 1
split the torque 2:1, tests/physx checks the equal split)."""

TENDON_LEAF_FORCE_COEFFICIENT = 2.0
"""Force coefficient of the leaf axis (J1)."""

CONTACT_OFFSET_M = 0.002
"""PhysX contact offset of every hand collider [m] (contacts are generated within this distance): of 1, 2, 5 and
10 mm, 1 and 2 mm keep as many starts as Newton (bench/physx_contact_offset.py, docs/parity.md "Contact settings")."""

REST_OFFSET_M = 0.0
"""PhysX rest offset of every hand collider [m] (colliders rest touching, as in MuJoCo without margin)."""

VISCOUS_FRICTION_ATTR = "physxJointAxis:angular:viscousFrictionCoefficient"
"""The joint's passive damping on PhysX (torque * s / degree in USD; PhysX's parsers convert to per radian)."""

SOLVER_POSITION_ITERATIONS = 8
"""Articulation solver position iterations (Isaac Lab's stock Shadow hand on PhysX: 8, velocity 0)."""

LAYER_NAME = "shadow_hand_dactyl_physx.usda"


@dataclass(frozen=True)
class PhysxHandAsset:
    """Paths of the generated PhysX hand layer."""

    folder: Path
    usd_path: Path
    fingerprint: str
    build_seconds: float | None = None
    """Time the build took [s], or None when the layer came from the cache."""


def physx_hand_asset(force: bool = False, verbose: bool = True) -> PhysxHandAsset:
    """The PhysX layer over :func:`dactyl_lab.assets.build.hand_asset`, built on first use and cached by the hash of
    its inputs (the Newton asset's hash, this file, :mod:`dactyl_lab.spec.hand`, the USD version)."""
    from dactyl_lab.assets.build import cache_root, hand_asset

    base = hand_asset(force=force, verbose=verbose)
    fingerprint = physx_fingerprint(base.fingerprint)
    folder = cache_root() / f"shadow_hand_physx-{fingerprint}"
    manifest = folder / "manifest.json"
    if not force and manifest.is_file() and (folder / LAYER_NAME).is_file():
        return PhysxHandAsset(folder, folder / LAYER_NAME, fingerprint)
    start = time.perf_counter()
    if verbose:
        print(f"[dactyl-lab] building the PhysX layer of the Shadow hand into {folder} ...", flush=True)
    staging = folder.with_name(folder.name + f".partial-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    # relative to the final folder (a sibling of the staging one): the cache root may move as a whole
    write_physx_layer(base.usd_path, staging / LAYER_NAME, sublayer=os.path.relpath(base.usd_path, folder))
    (staging / "manifest.json").write_text(json.dumps({"fingerprint": fingerprint, "base": base.fingerprint}))
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    seconds = time.perf_counter() - start
    if verbose:
        print(f"[dactyl-lab] PhysX layer built in {seconds:.1f} s", flush=True)
    return PhysxHandAsset(folder, folder / LAYER_NAME, fingerprint, seconds)


def physx_fingerprint(base_fingerprint: str) -> str:
    """Hash of the PhysX layer's inputs."""
    digest = hashlib.sha256(base_fingerprint.encode())
    digest.update(Path(__file__).read_bytes())
    digest.update(Path(hand.__file__).read_bytes())
    digest.update(f"usd-core=={_usd_version()}".encode())
    return digest.hexdigest()[:16]


def _usd_version() -> str:
    from pxr import Usd

    return ".".join(str(v) for v in Usd.GetVersion()) or importlib.metadata.version("usd-core")


def write_physx_layer(base_usd: Path, out_path: Path, sublayer: str | None = None) -> Path:
    """Write the PhysX layer over ``base_usd`` to ``out_path`` (``sublayer``: the path the layer records)."""
    from pxr import Sdf, Usd

    layer = Sdf.Layer.CreateNew(str(out_path))
    layer.subLayerPaths.append(str(base_usd))
    stage = Usd.Stage.Open(layer)
    stage.SetEditTarget(layer)
    base_stage = Usd.Stage.Open(str(base_usd))
    layer.defaultPrim = base_stage.GetDefaultPrim().GetName()
    _author(stage)
    if sublayer is not None:
        layer.subLayerPaths[0] = sublayer
    layer.Save()
    return out_path


def _author(stage) -> None:
    from pxr import UsdPhysics

    joints = {}
    for prim in stage.Traverse():
        if prim.IsA(UsdPhysics.RevoluteJoint) and prim.GetName() in hand.JOINT_LIMITS_RAD:
            joints[prim.GetName()] = prim
        elif prim.HasAPI(UsdPhysics.ArticulationRootAPI):
            _author_articulation(prim)
        if prim.HasAPI(UsdPhysics.RigidBodyAPI) and prim.GetName().startswith("rh_"):
            _set(prim, "PhysxRigidBodyAPI", "physxRigidBody:disableGravity", True)
        if prim.HasAPI(UsdPhysics.CollisionAPI):
            _author_collider(prim)
    missing = sorted(set(hand.JOINT_NAMES) - set(joints))
    if missing:
        raise RuntimeError(f"the generated hand USD lacks the joints {missing}: rebuild it (dactyl-lab assets build)")
    for name, prim in joints.items():
        _author_drive(prim, name)
    for motor, (root_joint, leaf_joint) in hand.TENDON_JOINTS.items():
        _author_tendon(joints[root_joint], motor, TENDON_ROOT_FORCE_COEFFICIENT, root=True)
        _author_tendon(joints[leaf_joint], motor, TENDON_LEAF_FORCE_COEFFICIENT, root=False)


def _set(prim, schema: str, name: str, value, type_name=None):
    """Apply ``schema`` (by name: PhysX's schemas are codeless here) and author ``name = value``."""
    from pxr import Sdf

    if schema not in prim.GetAppliedSchemas():
        prim.AddAppliedSchema(schema)
    if type_name is None:
        type_name = {bool: Sdf.ValueTypeNames.Bool, int: Sdf.ValueTypeNames.Int}.get(
            type(value), Sdf.ValueTypeNames.Float
        )
    prim.CreateAttribute(name, type_name).Set(value)


def _author_articulation(prim) -> None:
    _set(prim, "PhysxArticulationAPI", "physxArticulation:enabledSelfCollisions", True)
    _set(prim, "PhysxArticulationAPI", "physxArticulation:solverPositionIterationCount", SOLVER_POSITION_ITERATIONS)
    _set(prim, "PhysxArticulationAPI", "physxArticulation:solverVelocityIterationCount", 0)


def _author_collider(prim) -> None:
    from pxr import UsdPhysics

    if prim.HasAPI(UsdPhysics.MeshCollisionAPI):
        UsdPhysics.MeshCollisionAPI(prim).CreateApproximationAttr().Set(UsdPhysics.Tokens.convexHull)
    _set(prim, "PhysxCollisionAPI", "physxCollision:contactOffset", CONTACT_OFFSET_M)
    _set(prim, "PhysxCollisionAPI", "physxCollision:restOffset", REST_OFFSET_M)


def _author_drive(prim, joint: str) -> None:
    """Angular force drive: the joint motor's gain and cap (none on tendon joints), no damping of its own; the
    joint's passive damping as the axis' viscous friction, its armature."""
    from pxr import UsdPhysics

    per_deg = math.pi / 180.0
    drive = UsdPhysics.DriveAPI.Apply(prim, "angular")
    drive.CreateTypeAttr().Set("force")
    drive.CreateStiffnessAttr().Set(hand.MOTOR_STIFFNESS.get(joint, 0.0) * per_deg)
    drive.CreateDampingAttr().Set(0.0)  # the passive damping below is the whole (as on Newton: servo damping 0)
    if joint in hand.MOTOR_EFFORT_LIMIT:
        drive.CreateMaxForceAttr().Set(hand.MOTOR_EFFORT_LIMIT[joint])
    drive.CreateTargetPositionAttr().Set(0.0)
    _set(prim, "PhysxJointAPI", "physxJoint:armature", hand.JOINT_ARMATURE[joint])
    _set(prim, "PhysxJointAxisAPI:angular", VISCOUS_FRICTION_ATTR, hand.JOINT_DAMPING[joint] * per_deg)


def _author_tendon(prim, motor: str, force_coefficient: float, root: bool) -> None:
    from pxr import Sdf

    schema = f"PhysxTendonAxisRootAPI:{motor}" if root else f"PhysxTendonAxisAPI:{motor}"
    prim.AddAppliedSchema(schema)
    prefix = f"physxTendon:{motor}:"
    prim.CreateAttribute(prefix + "gearing", Sdf.ValueTypeNames.FloatArray).Set([TENDON_GEARING_PER_DEG])
    prim.CreateAttribute(prefix + "forceCoefficient", Sdf.ValueTypeNames.FloatArray).Set([force_coefficient])
    if not root:
        return
    low, high = hand.TENDON_LIMITS_RAD
    for name, value in (
        ("stiffness", hand.MOTOR_STIFFNESS[motor]),
        ("damping", 0.0),  # the MuJoCo tendon motor is a pure position servo; J1 and J2 carry the damping
        ("limitStiffness", 0.0),  # the joint limits bound J1 + J2
        ("lowerLimit", low),
        ("upperLimit", high),
        ("restLength", 0.0),
        ("offset", 0.0),
    ):
        prim.CreateAttribute(prefix + name, Sdf.ValueTypeNames.Float).Set(value)
