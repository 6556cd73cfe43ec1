"""The ``--video*`` flags shared by scripts/play.py, scripts/evaluate.py and scripts/sim2sim.py."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from dactyl_lab.argtypes import renamed
from dactyl_lab.render.renderer import CAMERAS, parse_camera
from dactyl_lab.render.video import DEFAULT_SIZE


@dataclass
class VideoOptions:
    size: tuple[int, int] = DEFAULT_SIZE
    """(width, height) [pixels], even numbers."""
    fps: float | None = None
    """Frames per second of the file; None: real time (1 / (control period x frame_every))."""
    camera: str = "front"
    """A name of :data:`dactyl_lab.render.renderer.CAMERAS` or AZIMUTH,ELEVATION,DISTANCE."""
    frame_every: int = 1
    """Keep every n-th control step (1: one frame per control step)."""

    def fps_for(self, control_period_s: float) -> float:
        return self.fps if self.fps is not None else 1.0 / (control_period_s * self.frame_every)


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: use WIDTHxHEIGHT, e.g. 480x360") from None
    if width < 16 or height < 16 or width % 2 or height % 2:
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be even and at least 16 (H.264)")
    return width, height


def _camera(text: str) -> str:
    try:
        parse_camera(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return text


def _positive(kind):
    def parse(text: str):
        value = kind(text)
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{text!r}: must be > 0")
        return value

    return parse


def add_video_args(
    parser: argparse.ArgumentParser, video_help: str, count: bool = False, old_dashes: bool = False
) -> None:
    """Add ``--video`` and its options (``--video_size``, ``--video_fps``, ``--video_camera``, ``--video_frame_every``).

    Args:
        count: ``--video [N]`` takes how many trials to record (default 1 when given without a number);
            otherwise ``--video`` is an on/off switch.
        old_dashes: also accept the dashed spellings (``--video-size`` ...) sim2sim had, deprecated, for one release.
    """
    group = parser.add_argument_group("video (MP4, H.264; headless MuJoCo rendering of the same hand MJCF)")
    if count:
        group.add_argument("--video", type=_positive(int), nargs="?", const=1, default=0, metavar="N", help=video_help)
    else:
        group.add_argument("--video", action="store_true", help=video_help)
    options = (
        (
            "--video_size",
            dict(
                type=_size,
                default=DEFAULT_SIZE,
                metavar="WxH",
                help="frame size in pixels, even numbers (default: %(default)s)",
            ),
        ),
        (
            "--video_fps",
            dict(
                type=_positive(float),
                default=None,
                help="frames per second of the file (default: real time, 1 / (control period x frame_every))",
            ),
        ),
        (
            "--video_camera",
            dict(
                type=_camera,
                default="front",
                help=f"camera: {', '.join(CAMERAS)} or "
                "AZIMUTH,ELEVATION,DISTANCE in degrees, degrees, m around the palm (default: %(default)s)",
            ),
        ),
        (
            "--video_frame_every",
            dict(
                type=_positive(int),
                default=1,
                metavar="N",
                help="keep every N-th control step (default: 1, one frame per control step)",
            ),
        ),
    )
    for flag, kwargs in options:
        action = group.add_argument(flag, **kwargs)
        if old_dashes:
            renamed(group, action, flag.replace("_", "-"))


def video_options(args: argparse.Namespace) -> VideoOptions:
    """The :class:`VideoOptions` of flags added by :func:`add_video_args`."""
    return VideoOptions(
        size=args.video_size, fps=args.video_fps, camera=args.video_camera, frame_every=args.video_frame_every
    )
