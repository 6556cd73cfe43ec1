"""Regenerate the README's pictures: one frame of a rollout video and a training report.

    .venv/bin/python docs/make_readme_images.py --run logs/rsl_rl/dactyl_reorient_ff/<run>

Writes docs/images/rollout_frame.png (frame --frame of the run's stand-in video, sim2sim/videos/trial_000.mp4 as
scripts/main_job.sh writes it; --video picks another MP4) and docs/images/training_report.png (the run's
report, remade from its TensorBoard events as ``dactyl-lab report`` makes it, without the ADR panels).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

IMAGES = Path(__file__).resolve().parent / "images"


def video_frame(video: Path, index: int, out: Path) -> Path:
    import imageio.v3 as iio
    from PIL import Image

    frames = list(iio.imiter(video, plugin="FFMPEG"))
    if not frames:
        raise SystemExit(f"error: {video} has no frames; record one with scripts/sim2sim.py --video")
    Image.fromarray(frames[min(index, len(frames) - 1)]).save(out)
    return out


def report_picture(run: Path, out: Path) -> Path:
    from dactyl_lab.training.report import write_report

    with tempfile.TemporaryDirectory() as folder:
        png, _ = write_report(run, folder, include_adr=False)
        shutil.copyfile(png, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", type=Path, required=True, help="a training run folder (logs/<library>/<exp>/<run>)")
    parser.add_argument(
        "--video",
        type=Path,
        default=None,
        help="MP4 to take the frame from (default: the run's sim2sim/videos/trial_000.mp4)",
    )
    parser.add_argument("--frame", type=int, default=40, help="frame index (default: %(default)s)")
    args = parser.parse_args(argv)
    video = args.video or args.run / "sim2sim" / "videos" / "trial_000.mp4"
    if not video.is_file():
        print(f"error: {video} does not exist; run scripts/main_job.sh or scripts/sim2sim.py --video", file=sys.stderr)
        return 2
    IMAGES.mkdir(exist_ok=True)
    print(video_frame(video, args.frame, IMAGES / "rollout_frame.png"))
    print(report_picture(args.run, IMAGES / "training_report.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
