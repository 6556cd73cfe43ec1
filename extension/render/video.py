"""MP4 (H.264) rollout videos: frames from :class:`~dactyl_lab.render.renderer.HandRenderer`, a text overlay.

Encoding uses imageio-ffmpeg, which ships its own ffmpeg binary (``pip install imageio-ffmpeg``; in the
``train`` and ``standin`` extras). The overlay (time, goals reached, orientation error) is drawn with Pillow.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dactyl_lab.render.renderer import HandRenderer, RenderState

DEFAULT_SIZE = (480, 360)


def _font(size_px: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size_px)
    except TypeError:  # Pillow < 10.1 has only the fixed bitmap font
        return ImageFont.load_default()


def overlay_lines(state: RenderState, threshold_rad: float | None = None) -> list[str]:
    error = state.orientation_error_rad
    error_text = "n/a" if not np.isfinite(error) else f"{error:.2f} rad"
    if threshold_rad is not None and np.isfinite(error):
        error_text += f" (goal < {threshold_rad:.2f})"
    return [f"t {state.time_s:6.2f} s   goals {state.goals_reached}", f"error {error_text}", "goal: the cube beside"]


def draw_overlay(frame: np.ndarray, lines: list[str], title: str = "") -> np.ndarray:
    """A copy of ``frame`` with ``lines`` in a dark box at the top left and ``title`` at the top right."""
    from PIL import Image, ImageDraw

    height = frame.shape[0]
    size = max(10, height // 24)
    font = _font(size)
    image = Image.fromarray(frame)
    draw = ImageDraw.Draw(image, "RGBA")
    pad = size // 3
    widths = [draw.textlength(line, font=font) for line in lines]
    box_h = pad * 2 + len(lines) * (size + pad)
    draw.rectangle([0, 0, max(widths, default=0) + 2 * pad, box_h], fill=(0, 0, 0, 150))
    for i, line in enumerate(lines):
        draw.text((pad, pad + i * (size + pad)), line, font=font, fill=(255, 255, 255, 255))
    if title:
        w = draw.textlength(title, font=font)
        draw.rectangle([frame.shape[1] - w - 2 * pad, 0, frame.shape[1], size + 2 * pad], fill=(0, 0, 0, 150))
        draw.text((frame.shape[1] - w - pad, pad), title, font=font, fill=(255, 230, 120, 255))
    return np.asarray(image)


class VideoWriter:
    """Streams RGB frames into an H.264 MP4 file (yuv420p, plays everywhere)."""

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int]):
        try:
            import imageio_ffmpeg
        except ImportError:
            raise RuntimeError(
                "writing MP4 needs imageio-ffmpeg: pip install imageio-ffmpeg "
                "(in dactyl-lab's train and standin extras)"
            ) from None
        if not fps > 0:
            raise ValueError(f"video fps {fps}: must be > 0")
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.size = size
        self.frames = 0
        self._writer = imageio_ffmpeg.write_frames(
            str(self.path),
            size,
            fps=fps,
            codec="libx264",
            pix_fmt_out="yuv420p",
            macro_block_size=2,
            quality=None,
            bitrate=None,
            output_params=["-crf", "23", "-preset", "veryfast"],
            ffmpeg_log_level="error",
        )
        self._writer.send(None)

    def write(self, frame: np.ndarray) -> None:
        if frame.shape != (self.size[1], self.size[0], 3):
            raise ValueError(f"frame shape {frame.shape} differs from the video size {self.size}")
        self._writer.send(np.ascontiguousarray(frame))
        self.frames += 1

    def close(self) -> Path:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
        return self.path


@dataclass
class RenderTimes:
    """Wall time spent per stage [s], summed over the frames."""

    frames: int = 0
    render_s: float = 0.0
    overlay_s: float = 0.0
    encode_s: float = 0.0

    def per_frame_ms(self) -> dict[str, float]:
        n = max(self.frames, 1)
        stages = {"render": self.render_s, "overlay": self.overlay_s, "encode": self.encode_s}
        return {**{k: 1e3 * v / n for k, v in stages.items()}, "total": 1e3 * sum(stages.values()) / n}


class RolloutVideo:
    """One MP4 of one rollout: ``add(state)`` per control step (every ``frame_every``-th is kept)."""

    def __init__(
        self,
        path: str | Path,
        renderer: HandRenderer,
        fps: float,
        title: str = "",
        threshold_rad: float | None = None,
        frame_every: int = 1,
    ):
        if frame_every < 1:
            raise ValueError(f"frame_every {frame_every}: must be >= 1")
        self.renderer, self.title, self.threshold_rad, self.frame_every = renderer, title, threshold_rad, frame_every
        self.writer = VideoWriter(path, fps, (renderer.width, renderer.height))
        self.times = RenderTimes()
        self.steps = 0

    @property
    def path(self) -> Path:
        return self.writer.path

    def add(self, state: RenderState) -> None:
        keep = self.steps % self.frame_every == 0
        self.steps += 1
        if not keep:
            return
        t0 = time.perf_counter()
        frame = self.renderer.render(state)
        t1 = time.perf_counter()
        frame = draw_overlay(frame, overlay_lines(state, self.threshold_rad), self.title)
        t2 = time.perf_counter()
        self.writer.write(frame)
        t3 = time.perf_counter()
        self.times.frames += 1
        self.times.render_s += t1 - t0
        self.times.overlay_s += t2 - t1
        self.times.encode_s += t3 - t2

    def close(self) -> Path:
        return self.writer.close()
