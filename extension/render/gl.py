"""Headless OpenGL for MuJoCo's offscreen renderer, independent of when ``mujoco`` was first imported.

MuJoCo picks its GL backend from ``MUJOCO_GL`` when ``import mujoco`` runs; in an Isaac Lab process Newton has
imported mujoco long before a video is asked for. So the renderer makes its own context: ``MUJOCO_GL`` if set
(``osmesa``, ``egl`` or ``glfw``), else OSMesa on Linux without a display: a CPU rasterizer that needs no GPU
driver (EGL does; docs/performance.md, Rollout videos). It needs the system library libOSMesa (Debian/Ubuntu:
``apt-get install -y libosmesa6``, which ``scripts/setup.sh`` runs when it is root).
"""

from __future__ import annotations

import ctypes.util
import os
import sys

INSTALL_HINT = (
    "install the headless GL library: `sudo apt-get install -y libosmesa6` (Debian/Ubuntu; scripts/setup.sh does it "
    "when run as root), or set MUJOCO_GL=egl (GPU driver) or MUJOCO_GL=glfw (a display)"
)


class RenderSetupError(RuntimeError):
    """No OpenGL context could be made for offscreen rendering; the message says what to install."""


def backend_name() -> str:
    """The GL backend to use: ``MUJOCO_GL`` when set, else ``osmesa`` (Linux) / ``glfw`` (elsewhere)."""
    name = os.environ.get("MUJOCO_GL", "").strip().lower()
    if name in ("osmesa", "egl", "glfw"):
        return name
    return "osmesa" if sys.platform.startswith("linux") else "glfw"


def make_context(width: int, height: int):
    """A current OpenGL context of at least ``width`` x ``height`` pixels (raises RenderSetupError)."""
    name = backend_name()
    if name == "osmesa":
        if ctypes.util.find_library("OSMesa") is None:
            raise RenderSetupError(f"libOSMesa was not found: {INSTALL_HINT}")
        os.environ.setdefault("PYOPENGL_PLATFORM", "osmesa")
        if os.environ["PYOPENGL_PLATFORM"] != "osmesa":
            raise RenderSetupError(
                f"PYOPENGL_PLATFORM={os.environ['PYOPENGL_PLATFORM']} conflicts with OSMesa rendering; unset it"
            )
    try:
        if name == "osmesa":
            from mujoco.osmesa import GLContext
        elif name == "egl":
            from mujoco.egl import GLContext
        else:
            from mujoco.glfw import GLContext
        context = GLContext(width, height)
        context.make_current()
    except Exception as error:  # PyOpenGL / driver errors come in many types
        raise RenderSetupError(f"could not create a {name} OpenGL context ({error}); {INSTALL_HINT}") from error
    return context


def check_available() -> None:
    """Raise :class:`RenderSetupError` (saying what to install) unless an offscreen context can be made;
    call it before long work that ends in a video."""
    context = make_context(16, 16)
    context.free()
