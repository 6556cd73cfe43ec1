"""Checks on written MP4 files, shared by the render tests: decodes, frame count, not blank, changes over time."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def read_frames(path: Path) -> np.ndarray:
    import imageio.v3 as iio

    return np.stack(list(iio.imiter(path, plugin="FFMPEG")))


def assert_rollout_video(path: Path, expected_frames: int, size: tuple[int, int]) -> np.ndarray:
    assert path.is_file() and path.stat().st_size > 0, path
    frames = read_frames(path)
    width, height = size
    assert frames.shape == (expected_frames, height, width, 3), frames.shape
    for frame in frames[:: max(1, len(frames) // 5)]:
        assert frame.std() > 10.0, "a blank frame"  # a scene, not one flat colour
    diffs = np.abs(frames[1:].astype(np.int16) - frames[:-1].astype(np.int16)).mean(axis=(1, 2, 3))
    assert (diffs > 0.05).mean() > 0.5, f"frames hardly change over time: {diffs}"
    assert np.abs(frames[-1].astype(np.int16) - frames[0].astype(np.int16)).mean() > 0.5
    return frames
