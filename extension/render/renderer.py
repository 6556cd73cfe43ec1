"""One renderer for both simulators: the generated Shadow hand MJCF in plain MuJoCo, posed from any state.

Newton (Isaac Lab) states and MuJoCo stand-in states are both written into the same ``mjData.qpos`` by joint
name (Newton orders joints as :data:`dactyl_lab.spec.hand.NEWTON_JOINT_ORDER`; the stand-in as the MJCF), plus the
cube pose in the hand-mount frame, then drawn with MuJoCo's offscreen renderer. So a Newton video and a
stand-in video of the same policy look alike. The cube carries a coloured patch on each face (its
orientation is visible), and a copy of it, the *goal cube*, is drawn beside the hand in the goal orientation.

No torch and no Isaac Lab here: the real-hand runtime renders with this module too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import mujoco
import numpy as np

from dactyl_lab.spec import hand
from dactyl_lab.render.gl import make_context

FACE_COLORS = (
    (0.85, 0.15, 0.15),
    (0.15, 0.75, 0.85),
    (0.2, 0.75, 0.2),
    (0.8, 0.25, 0.8),
    (0.2, 0.3, 0.9),
    (0.95, 0.85, 0.1),
)
"""Patch colours of the cube faces +x, -x, +y, -y, +z, -z (the goal cube uses the same)."""

GOAL_OFFSET_M = (0.14, 0.02, 0.04)
"""Where the goal cube is drawn, relative to the cube's home position above the palm [m, mount frame]."""

GOAL_ALPHA = 0.75

CAMERAS: dict[str, tuple[float, float, float]] = {
    "front": (90.0, -40.0, 0.5),
    "side": (0.0, -30.0, 0.55),
    "top": (90.0, -85.0, 0.5),
    "back": (-90.0, -35.0, 0.55),
}
"""Named free cameras: (azimuth [deg], elevation [deg], distance [m]) around the palm/goal midpoint."""


@dataclass
class RenderState:
    """What one video frame shows; every simulator converts its own state into this."""

    joint_pos_rad: Mapping[str, float]
    """Joint angle [rad] by Shadow joint name (any subset of :data:`dactyl_lab.spec.hand.JOINT_NAMES`)."""
    cube_pos_m: Sequence[float]
    """Cube position in the hand-mount frame [m] (the MJCF's world frame)."""
    cube_quat_xyzw: Sequence[float]
    goal_quat_xyzw: Sequence[float]
    time_s: float = 0.0
    goals_reached: int = 0
    orientation_error_rad: float = float("nan")
    frame_body: str | None = None
    """The cube pose and the goal are in this body's frame (Newton: the articulation's first body, rh_hand_mount);
    None: in the MJCF's world frame, the hand mount's (the stand-in)."""


def parse_camera(text: str) -> tuple[float, float, float]:
    """A camera name of :data:`CAMERAS` or ``AZIMUTH,ELEVATION,DISTANCE`` (degrees, degrees, metres)."""
    if text in CAMERAS:
        return CAMERAS[text]
    try:
        azimuth, elevation, distance = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(
            f"camera {text!r}: use one of {', '.join(CAMERAS)} or AZIMUTH,ELEVATION,DISTANCE (e.g. -90,-35,0.55)"
        ) from None
    if not distance > 0:
        raise ValueError(f"camera {text!r}: the distance must be > 0 m")
    return azimuth, elevation, distance


def _add_face_patches(body, half_m: float) -> None:
    """Thin coloured plates on the six faces of a cube of half edge ``half_m`` (visual only, massless)."""
    for i, color in enumerate(FACE_COLORS):
        axis, sign = i // 2, 1.0 - 2.0 * (i % 2)
        pos, size = [0.0, 0.0, 0.0], [0.75 * half_m] * 3
        pos[axis], size[axis] = sign * (half_m + 0.0008), 0.001
        body.add_geom(
            name=f"object_face_{i}",
            type=mujoco.mjtGeom.mjGEOM_BOX,
            size=size,
            pos=pos,
            rgba=[*color, 1.0],
            contype=0,
            conaffinity=0,
            density=0.0,
            group=1,
        )


def build_render_model(width: int, height: int) -> mujoco.MjModel:
    """The asset builder's hand + cube + floor (as the stand-in loads it), with face patches and lights."""
    from dactyl_lab.assets.shadow_mjcf import build_hand_spec

    spec = build_hand_spec(with_cube=True, with_floor=True)
    cube = spec.geom("object")
    _add_face_patches(spec.body("object"), float(cube.size[0]))
    spec.visual.global_.offwidth = max(width, 640)
    spec.visual.global_.offheight = max(height, 480)
    for texture in spec.textures:
        if texture.type == mujoco.mjtTexture.mjTEXTURE_SKYBOX:  # gymnasium-robotics' green sky -> dark grey
            texture.rgb1, texture.rgb2 = [0.16, 0.17, 0.2], [0.05, 0.05, 0.06]
    world = spec.body("world")
    # no shadows: with OSMesa (CPU) a shadow map costs several times the frame itself
    world.add_light(name="key", pos=[0.3, -0.6, 0.8], dir=[-0.3, 0.5, -0.8], diffuse=[0.5, 0.5, 0.5], castshadow=False)
    world.add_light(
        name="fill", pos=[-0.4, 0.2, 0.6], dir=[0.4, -0.4, -0.6], diffuse=[0.25, 0.25, 0.25], castshadow=False
    )
    floor = spec.geom("floor")
    floor.rgba = [0.3, 0.32, 0.36, 1.0]
    return spec.compile()


def _wxyz(q_xyzw) -> np.ndarray:
    x, y, z, w = (float(v) for v in q_xyzw)
    return np.array([w, x, y, z])


def _mat_from_xyzw(q_xyzw) -> np.ndarray:
    mat = np.zeros(9)
    x, y, z, w = (float(v) for v in q_xyzw)
    mujoco.mju_quat2Mat(mat, np.array([w, x, y, z]))
    return mat.reshape(3, 3)


class HandRenderer:
    """Offscreen RGB frames of a :class:`RenderState` (``render`` returns an (height, width, 3) uint8 array)."""

    def __init__(self, width: int = 480, height: int = 360, camera: str | tuple[float, float, float] = "front"):
        if width < 16 or height < 16 or width % 2 or height % 2:
            raise ValueError(f"video size {width}x{height}: use even numbers of at least 16 pixels (H.264)")
        self.width, self.height = width, height
        self.model = build_render_model(width, height)
        self.data = mujoco.MjData(self.model)
        self.qpos_adr = {name: int(self.model.joint(name).qposadr[0]) for name in hand.JOINT_NAMES}
        self.object_qpos = int(self.model.joint("object_joint").qposadr[0])
        object_body = self.model.body("object").id
        self.cube_geoms = [g for g in range(self.model.ngeom) if self.model.geom_bodyid[g] == object_body]
        from dactyl_lab.assets.shadow_mjcf import palm_up_cube_position

        self.home_m = np.asarray(palm_up_cube_position())
        self.goal_pos_m = self.home_m + np.asarray(GOAL_OFFSET_M)
        self._gl = make_context(self.model.vis.global_.offwidth, self.model.vis.global_.offheight)
        self.scene = mujoco.MjvScene(self.model, maxgeom=2000)
        self.option = mujoco.MjvOption()
        self.context = mujoco.MjrContext(self.model, mujoco.mjtFontScale.mjFONTSCALE_100)
        mujoco.mjr_setBuffer(mujoco.mjtFramebuffer.mjFB_OFFSCREEN, self.context)
        self.viewport = mujoco.MjrRect(0, 0, width, height)
        self.camera = mujoco.MjvCamera()
        self.camera.type = mujoco.mjtCamera.mjCAMERA_FREE
        self.camera.lookat[:] = 0.5 * (self.home_m + self.goal_pos_m) + np.array([0.0, 0.04, -0.02])
        self.set_camera(camera)
        self._rgb = np.empty((height, width, 3), dtype=np.uint8)

    def set_camera(self, camera: str | tuple[float, float, float]) -> None:
        azimuth, elevation, distance = parse_camera(camera) if isinstance(camera, str) else camera
        self.camera.azimuth, self.camera.elevation, self.camera.distance = azimuth, elevation, distance

    def pose(self, state: RenderState) -> np.ndarray:
        """Write the state into mjData (joints by name, those not named at the model's rest angle; cube free
        joint) and run forward kinematics. Returns the goal orientation (x, y, z, w) in the MJCF world frame."""
        self.data.qpos[:] = self.model.qpos0
        for name, value in state.joint_pos_rad.items():
            self.data.qpos[self.qpos_adr[name]] = value
        cube_pos = np.asarray(state.cube_pos_m, dtype=np.float64)
        cube_wxyz, goal_wxyz = _wxyz(state.cube_quat_xyzw), _wxyz(state.goal_quat_xyzw)
        if state.frame_body is not None:  # body frame -> MJCF world, through the model's own kinematics
            mujoco.mj_kinematics(self.model, self.data)
            body = self.model.body(state.frame_body).id
            cube_pos = self.data.xpos[body] + self.data.xmat[body].reshape(3, 3) @ cube_pos
            for q in (cube_wxyz, goal_wxyz):
                mujoco.mju_mulQuat(q, self.data.xquat[body].copy(), q.copy())
        self.data.qpos[self.object_qpos : self.object_qpos + 7] = [*cube_pos, *cube_wxyz]
        mujoco.mj_kinematics(self.model, self.data)
        return np.array([*goal_wxyz[1:], goal_wxyz[0]])

    def _add_goal_cube(self, goal_quat_xyzw) -> None:
        rot = _mat_from_xyzw(goal_quat_xyzw)
        for g in self.cube_geoms:
            if self.scene.ngeom >= self.scene.maxgeom:
                return
            local_rot = np.zeros(9)
            mujoco.mju_quat2Mat(local_rot, self.model.geom_quat[g])
            pos = self.goal_pos_m + rot @ self.model.geom_pos[g]
            mat = rot @ local_rot.reshape(3, 3)
            rgba = np.array(self.model.geom_rgba[g], dtype=np.float32)
            rgba[3] = GOAL_ALPHA
            mujoco.mjv_initGeom(
                self.scene.geoms[self.scene.ngeom],
                int(self.model.geom_type[g]),
                self.model.geom_size[g],
                pos,
                mat.flatten(),
                rgba,
            )
            self.scene.ngeom += 1

    def render(self, state: RenderState) -> np.ndarray:
        """The frame of ``state`` (no overlay), shape (height, width, 3), uint8. The array is reused."""
        goal_xyzw = self.pose(state)
        mujoco.mjv_updateScene(
            self.model, self.data, self.option, None, self.camera, mujoco.mjtCatBit.mjCAT_ALL, self.scene
        )
        self._add_goal_cube(goal_xyzw)
        mujoco.mjr_render(self.viewport, self.scene, self.context)
        mujoco.mjr_readPixels(self._rgb, None, self.viewport, self.context)
        return np.flipud(self._rgb)

    def close(self) -> None:
        if self._gl is not None:
            self.context.free()
            self._gl.free()
            self._gl = None
