"""Rewrite gymnasium-robotics' Shadow hand MJCF so that it matches the real Shadow Dexterous Hand.

gymnasium-robotics ships OpenAI's Dactyl-era model (``envs/assets/hand``). It differs from the real
hand (and from Isaac Lab's naming) in four ways, all fixed here with MuJoCo's MjSpec API:

1. names: ``robot0:FFJ3..FFJ0`` become ``rh_FFJ4..rh_FFJ1`` (every joint index shifts by one);
2. directions: FFJ4, MFJ4, THJ2 and THJ1 turn the opposite way, so their axes are negated, and
   every joint range is set to Shadow's documented table (:data:`dactyl_lab.spec.hand.JOINT_LIMITS_RAD`);
3. actuation: the model couples J1/J2 with a stiff tendon and drives J2 alone; the real hand drives
   ``J0 = J1 + J2`` with one tendon motor per finger. The 16 joint motors + 4 tendon motors are
   rebuilt with the MJCF's own gains and force ranges (:data:`dactyl_lab.spec.hand.MOTOR_STIFFNESS`);
4. mesh paths become absolute (Newton's MJCF importer ignores ``meshdir``);
5. self-collisions: the source model makes the hand's colliders ``contype 1 / conaffinity 0`` and lists 19
   explicit ``<pair>`` elements, which mujoco-usd-converter 0.6.1 drops ("pairs are not supported") and
   Newton would not see. Here every hand collider collides with every other one (``conaffinity 1``) except
   parent-child bodies (MuJoCo's ``filterparent``; Newton filters the two bodies of every joint) and the
   body pairs of :data:`SELF_COLLISION_EXCLUDES` (``<exclude>``, which the converter writes as
   ``physics:filteredPairs`` and Newton honours), so the hand, the stand-in and the USD share one contact set.

Pure MuJoCo: the MuJoCo stand-in hand of the real-hand runtime uses the same function, so the hand
it drives is the hand the policy was trained on.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
from pathlib import Path

import mujoco

from dactyl_lab.spec import hand
from dactyl_lab.spec.task import CUBE_EDGE_M  # noqa: F401  (5 cm as gymnasium-robotics; robogym's block: 5.7 cm)

CUBE_DENSITY_KG_M3 = 567.0
"""Density of the gymnasium-robotics block [kg/m^3] (a 5 cm block weighs about 71 g)."""

_PREFIX = "robot0:"

SELF_COLLISION_EXCLUDES: tuple[tuple[str, str], ...] = (
    ("rh_forearm", "rh_wrist"),  # parent-child, but MuJoCo's filterparent skips bodies welded to the world
    ("rh_palm", "rh_ffproximal"),  # palm - knuckle - proximal: these proximal capsules start 2 mm inside the palm
    ("rh_palm", "rh_rfproximal"),
    ("rh_lfmetacarpal", "rh_lfproximal"),  # metacarpal - knuckle - proximal, likewise
    ("rh_palm", "rh_thproximal"),  # palm - thbase - thproximal: overlap 15 mm at every pose
    ("rh_thproximal", "rh_thmiddle"),  # thproximal - thhub - thmiddle: overlap 24 mm at every pose
)
"""Body pairs of the hand that never collide: bodies two joints apart whose colliders overlap at every pose by
construction (through a collider-less knuckle or a hub body), found by sampling the joint ranges (tests/asset
checks each one still does). Every other pair of hand colliders that are not parent and child collides:
finger-finger, thumb-finger, finger-palm."""


HAND_GRAVCOMP = hand.HAND_GRAVITY_COMPENSATION
"""Gravity compensation of every hand body (MuJoCo ``gravcomp``; Newton reads ``mjc:gravcomp``, written by the
scene's ``MujocoRigidBodyCfg``). The real hand's position controllers hold its pose against gravity; with the
paper's action law (targets relative to the measured joints) and this model's gains (kp ~ 1 N m/rad) an
uncompensated wrist sags to its limit and drops the cube (measured: docs/fidelity.md, item 5). Isaac Lab's stock Shadow
hand disables gravity on the hand for the same reason."""


def gymnasium_hand_dir() -> Path:
    """Folder of gymnasium-robotics' Shadow hand MJCF files, found without importing the package (importing it
    registers its envs and prints their warnings, e.g. the AdroitHand reward-function one)."""
    spec = importlib.util.find_spec("gymnasium_robotics")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "the Shadow hand model comes from the 'gymnasium-robotics' package: pip install gymnasium-robotics"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "envs" / "assets" / "hand"


def source_fingerprint() -> str:
    """Hash of everything the rewritten hand depends on (source MJCF, this file, versions)."""
    digest = hashlib.sha256()
    for path in sorted(gymnasium_hand_dir().glob("*.xml")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(Path(__file__).read_bytes())
    digest.update(Path(hand.__file__).read_bytes())
    for package in ("mujoco", "gymnasium-robotics"):
        digest.update(f"{package}=={importlib.metadata.version(package)}".encode())
    return digest.hexdigest()[:16]


def _rename(name: str) -> str:
    """``robot0:ffdistal`` -> ``rh_ffdistal``; ``robot0:FFJ3`` -> ``rh_FFJ4``; ``robot0:S_fftip`` -> ``rh_fftip``."""
    bare = name[len(_PREFIX) :] if name.startswith(_PREFIX) else name
    if bare in hand.OPENAI_TO_SHADOW_JOINT:
        return hand.OPENAI_TO_SHADOW_JOINT[bare]
    if bare.startswith("S_"):
        bare = bare[2:]
    return f"rh_{bare}"


def build_hand_spec(
    with_cube: bool = False, cube_edge_m: float = CUBE_EDGE_M, with_floor: bool = False
) -> mujoco.MjSpec:
    """The rewritten hand as an MjSpec: mount fixed to the world, palm up, 24 joints, 20 motors.

    Args:
        with_cube: add the free-floating block resting above the palm (body and joint ``object``).
        cube_edge_m: block edge length [m].
        with_floor: add a ground plane at z = 0.
    """
    source = gymnasium_hand_dir() / "manipulate_block.xml"
    spec = mujoco.MjSpec.from_file(str(source))
    mesh_dir = (source.parent / spec.meshdir).resolve()

    # -- keep only the hand: drop floor, object, target, lights, sensors, tendons, actuators, pairs
    world = spec.body("world")
    for body in list(world.bodies):
        if not body.name.startswith(_PREFIX):
            spec.delete(body)
    for element in [*world.geoms, *world.lights, *spec.sensors, *spec.actuators, *spec.tendons, *spec.pairs]:
        spec.delete(element)
    for texture in list(spec.textures):
        if texture.file:  # the block's PNG textures; the hand uses builtin ones
            spec.delete(texture)
    for material in list(spec.materials):
        if material.name.startswith("material:"):
            spec.delete(material)
    spec.texturedir = ""

    # -- absolute mesh paths (Newton's MJCF importer ignores meshdir)
    for mesh in spec.meshes:
        mesh.file = str(mesh_dir / mesh.file)
        mesh.name = _rename(mesh.name)
    spec.meshdir = ""

    # -- rename bodies, geoms, sites, joints; fix axes and ranges; gravity compensation on every hand body
    for body in spec.bodies:
        if body.name.startswith(_PREFIX):
            body.name = _rename(body.name).replace(" ", "_")
            body.gravcomp = HAND_GRAVCOMP
    for geom in spec.geoms:
        if geom.name.startswith(_PREFIX):
            geom.name = _rename(geom.name)
        if geom.meshname.startswith(_PREFIX):
            geom.meshname = _rename(geom.meshname)
        if geom.material.startswith(_PREFIX):
            geom.material = _rename(geom.material)
    for site in list(spec.sites):
        if ":Tch_" in site.name:  # touch-sensor pads of the sensor variant; the real hand has none
            spec.delete(site)
        elif site.name.startswith(_PREFIX):
            site.name = _rename(site.name)
    for joint in spec.joints:
        joint.name = _rename(joint.name)
        if joint.name in hand.AXIS_FLIPPED_VS_OPENAI:
            joint.axis = [-a for a in joint.axis]
        joint.range = list(hand.JOINT_LIMITS_RAD[joint.name])
        joint.damping = [hand.JOINT_DAMPING[joint.name], 0.0, 0.0]
        joint.armature = hand.JOINT_ARMATURE[joint.name]
        joint.userdata = []
    for material in spec.materials:
        material.name = _rename(material.name) if material.name.startswith(_PREFIX) else material.name
    enable_self_collisions(spec)

    # -- the mount sits at the origin, palm up (gymnasium-robotics places it at (1, 1.25, 0.15))
    mount = spec.body("rh_hand_mount")
    mount.pos = [0.0, 0.0, 0.0]

    # -- actuation of the real hand: 16 joint motors + 4 tendon motors J0 = J1 + J2
    for motor in hand.JOINT_MOTOR_NAMES:
        _add_position_motor(spec, motor, motor, mujoco.mjtTrn.mjTRN_JOINT, hand.JOINT_LIMITS_RAD[motor])
    for motor, joints in hand.TENDON_JOINTS.items():
        tendon = spec.add_tendon(name=motor)
        for joint in joints:
            tendon.wrap_joint(joint, 1.0)
        _add_position_motor(spec, motor, motor, mujoco.mjtTrn.mjTRN_TENDON, hand.TENDON_LIMITS_RAD)

    spec.nuser_jnt = spec.nuser_site = spec.nuser_tendon = spec.nuser_sensor = spec.nuser_actuator = -1
    spec.modelname = "shadow_hand_dactyl"
    if with_cube:
        add_cube(spec, cube_edge_m)
    if with_floor:
        world.add_geom(name="floor", type=mujoco.mjtGeom.mjGEOM_PLANE, size=[1.0, 1.0, 0.1], pos=[0, 0, -0.3])
    return spec


def enable_self_collisions(spec: mujoco.MjSpec) -> None:
    """Hand colliders collide with each other too, except parent-child and :data:`SELF_COLLISION_EXCLUDES`."""
    for geom in spec.geoms:
        if geom.name.startswith("rh_") and geom.contype:
            geom.conaffinity = 1
    for body1, body2 in SELF_COLLISION_EXCLUDES:
        spec.add_exclude(bodyname1=body1, bodyname2=body2)


def _add_position_motor(spec, name, target, trntype, ctrl_range):
    actuator = spec.add_actuator(name=name, target=target, trntype=trntype)
    actuator.set_to_position(kp=hand.MOTOR_STIFFNESS[name])
    actuator.ctrllimited = mujoco.mjtLimited.mjLIMITED_TRUE
    actuator.ctrlrange = list(ctrl_range)
    actuator.forcelimited = mujoco.mjtLimited.mjLIMITED_TRUE
    effort = hand.MOTOR_EFFORT_LIMIT[name]
    actuator.forcerange = [-effort, effort]
    return actuator


def palm_up_cube_position() -> tuple[float, float, float]:
    """Where the block rests above the palm, in the mount frame [m] (gymnasium-robotics' layout)."""
    # gymnasium-robotics: mount at (1, 1.25, 0.15), block at (1, 0.87, 0.2)
    return (0.0, 0.87 - 1.25, 0.2 - 0.15)


def add_cube(spec: mujoco.MjSpec, edge_m: float = CUBE_EDGE_M) -> None:
    """Free block ``object`` above the palm, as in gymnasium-robotics' manipulate_block."""
    body = spec.body("world").add_body(name="object", pos=list(palm_up_cube_position()))
    half = edge_m / 2.0
    body.add_geom(
        name="object",
        type=mujoco.mjtGeom.mjGEOM_BOX,
        size=[half, half, half],
        density=CUBE_DENSITY_KG_M3,
        condim=4,
        rgba=[0.9, 0.5, 0.1, 1.0],
    )
    body.add_site(name="object_center", pos=[0, 0, 0], size=[0.005, 0.005, 0.005])
    body.add_freejoint(name="object_joint")


def write_hand_mjcf(path: Path, **kwargs) -> Path:
    """Write the rewritten hand (see :func:`build_hand_spec`) as a standalone MJCF file."""
    spec = build_hand_spec(**kwargs)
    spec.compile()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(spec.to_xml())
    return path
