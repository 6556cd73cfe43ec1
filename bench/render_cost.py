"""Cost of a rollout video: MuJoCo offscreen rendering (OSMesa on the CPU), the Pillow overlay and H.264 encoding
(imageio-ffmpeg), per frame and per minute of rollout (one frame per 80 ms control step = 750 frames a minute).

    .venv/bin/python bench/render_cost.py [--frames 150] [--sizes 320x240 480x360 640x480] [--camera front]

States come from a real MuJoCo stand-in rollout (random motor targets, so every frame differs); the states are
made first and only the video pipeline is timed. Newton videos use the same pipeline, plus one host copy of a
few numbers per recorded env and step (tests/render/test_render_newton.py). Prints a table; --json writes it.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np

from dactyl_lab.render.renderer import HandRenderer, RenderState
from dactyl_lab.render.video import RolloutVideo
from dactyl_lab.runtime.backends.mujoco_standin import MujocoStandInHand
from dactyl_lab.runtime.quat import orientation_error_rad, random_quat

CONTROL_PERIOD_S = 0.08


def standin_states(n: int, seed: int = 0) -> list[RenderState]:
    standin = MujocoStandInHand(seed=seed)
    rng = np.random.default_rng(seed)
    goal = random_quat(rng)
    states = []
    for step in range(n):
        if step % 5 == 0:
            lows, highs = standin.model.actuator_ctrlrange.T
            standin.send_targets(dict(zip(standin.motor_names, rng.uniform(lows, highs))))
        standin.tick(CONTROL_PERIOD_S)
        pos, quat = standin.object_pose_true()
        joints = {name: standin.data.qpos[adr] for name, adr in standin.qpos_adr.items()}
        states.append(
            RenderState(joints, pos, quat, goal, standin.time_s, step // 50, orientation_error_rad(quat, goal))
        )
    return states


def measure(states: list[RenderState], size: tuple[int, int], camera: str, folder: Path) -> dict:
    t0 = time.perf_counter()
    renderer = HandRenderer(*size, camera=camera)
    setup_s = time.perf_counter() - t0
    video = RolloutVideo(folder / f"bench_{size[0]}x{size[1]}.mp4", renderer, 1.0 / CONTROL_PERIOD_S, "bench", 0.4)
    t1 = time.perf_counter()
    for state in states:
        video.add(state)
    path = video.close()
    wall_s = time.perf_counter() - t1
    renderer.close()
    per_frame = video.times.per_frame_ms()
    per_frame["wall"] = 1e3 * wall_s / len(states)  # incl. flushing the encoder at the end
    frames_per_minute = 60.0 / CONTROL_PERIOD_S
    return {
        "size": f"{size[0]}x{size[1]}",
        "frames": len(states),
        "setup_s": setup_s,
        "ms_per_frame": per_frame,
        "s_per_minute_of_rollout": per_frame["wall"] * frames_per_minute / 1e3,
        "bytes_per_minute": path.stat().st_size / len(states) * frames_per_minute,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=150, help="frames per size (default: %(default)s)")
    parser.add_argument("--sizes", nargs="+", default=["320x240", "480x360", "640x480"], help="WxH sizes")
    parser.add_argument("--camera", default="front", help="camera name or AZ,EL,DIST (default: %(default)s)")
    parser.add_argument("--json", type=Path, default=None, help="also write the results to this JSON file")
    args = parser.parse_args()
    states = standin_states(args.frames)
    results = []
    print(
        f"GL backend: {os.environ.get('MUJOCO_GL') or 'osmesa (default)'}; {args.frames} frames per size; "
        f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    print(
        f"{'size':>9} {'render':>8} {'overlay':>8} {'encode':>8} {'total':>8} {'wall':>8}  [ms/frame]   "
        f"s per minute of rollout   MB per minute"
    )
    with tempfile.TemporaryDirectory() as folder:
        for text in args.sizes:
            width, height = (int(v) for v in text.split("x"))
            r = measure(states, (width, height), args.camera, Path(folder))
            ms = r["ms_per_frame"]
            print(
                f"{r['size']:>9} {ms['render']:8.1f} {ms['overlay']:8.1f} {ms['encode']:8.1f} {ms['total']:8.1f} "
                f"{ms['wall']:8.1f}   {r['s_per_minute_of_rollout']:10.1f}               "
                f"{r['bytes_per_minute'] / 1e6:6.2f}"
            )
            results.append(r)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
