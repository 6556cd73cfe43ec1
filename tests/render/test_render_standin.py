"""The MuJoCo renderer on the stand-in: sim2sim --video writes decodable H.264 MP4s, one frame per control step."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from dactyl_lab.render.renderer import HandRenderer, RenderState, parse_camera
from dactyl_lab.runtime.quat import quat_from_axis_angle

from tests.helpers import runtime_policies as rp
from tests.helpers.video_checks import assert_rollout_video


@pytest.fixture(scope="module")
def ff_policy(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("policy") / "ff.onnx"
    rp.write_ff_policy(path, rp.ff_contract(), gain=3.0)
    return path


def test_renderer_poses_by_name_and_draws_the_goal():
    renderer = HandRenderer(160, 120)
    try:
        home = renderer.home_m
        rest = RenderState({}, home, (0, 0, 0, 1), (0, 0, 0, 1))
        frame_rest = renderer.render(rest).copy()
        bent = RenderState({"rh_FFJ3": 1.4, "rh_MFJ3": 1.4, "rh_THJ4": 1.0}, home, (0, 0, 0, 1), (0, 0, 0, 1))
        frame_bent = renderer.render(bent).copy()
        turned_goal = RenderState({}, home, (0, 0, 0, 1), quat_from_axis_angle([1, 0, 0], 1.5))
        frame_goal = renderer.render(turned_goal).copy()
    finally:
        renderer.close()
    assert frame_rest.shape == (120, 160, 3) and frame_rest.std() > 10
    assert np.abs(frame_bent.astype(int) - frame_rest).mean() > 0.5  # the joints moved
    assert np.abs(frame_goal.astype(int) - frame_rest).mean() > 0.2  # the goal cube turned
    assert renderer.data.qpos[renderer.qpos_adr["rh_FFJ3"]] == 0.0  # the last state had no FFJ3
    with pytest.raises(ValueError, match="AZIMUTH,ELEVATION,DISTANCE"):
        parse_camera("nowhere")
    with pytest.raises(ValueError, match="even"):
        HandRenderer(161, 120)


def test_sim2sim_video_one_frame_per_control_step(ff_policy, tmp_path):
    from dactyl_lab.export.sim2sim import main
    from dactyl_lab.runtime.log import RunLog

    out = tmp_path / "s2s"
    argv = [
        "--policy",
        str(ff_policy),
        "--num_trials",
        "2",
        "--goal_timeout_s",
        "1.6",
        "--output",
        str(out),
        "--keep_log",
        "--video",
        "2",
        "--video_size",
        "192x144",
        "--video_camera",
        "side",
    ]
    assert main(argv) == 0
    report = json.loads((out / "report.json").read_text())
    assert report["completed_trials"] == 2
    assert [Path(p).name for p in report["videos"]] == ["trial_000.mp4", "trial_001.mp4"]
    steps = RunLog(out / "run.jsonl").steps
    for trial, video in enumerate(report["videos"]):
        # one frame after each control step's physics; a trial's last step ends it without physics
        expected = sum(1 for s in steps if s.get("episode") == trial) - 1
        assert expected >= 3  # a trial of a few steps at least (the second one drops early)
        frames = assert_rollout_video(Path(video), expected, (192, 144))
        assert frames[0, :20, :60].mean() < frames[0].mean()  # the dark overlay box sits top left
    assert report["video_render_ms_per_frame"]["total"] > 0


def test_sim2sim_video_flags_are_checked(ff_policy, tmp_path, capsys):
    from dactyl_lab.export.sim2sim import main

    with pytest.raises(SystemExit) as exit_info:
        main(["--policy", str(ff_policy), "--video", "--video_size", "191x144"])
    assert exit_info.value.code == 2
    assert "even" in capsys.readouterr().err


def test_stand_in_video_needs_no_torch(ff_policy, tmp_path):
    """The real-hand side renders too: sim2sim --video with torch and Isaac Lab made unimportable."""
    import subprocess

    code = (
        "import sys; sys.modules.update(torch=None, isaaclab=None)\n"
        "from dactyl_lab.export.sim2sim import main\n"
        f"sys.exit(main(['--policy', {str(ff_policy)!r}, '--num_trials', '1', '--goal_timeout_s', '0.8', "
        f"'--output', {str(tmp_path)!r}, '--video', '--video_size', '64x48']))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert_rollout_video(tmp_path / "videos" / "trial_000.mp4", 9, (64, 48))  # 10 steps to the timeout


def test_sim2sim_video_frame_every_and_fps(ff_policy, tmp_path):
    """--video_frame_every 2 keeps every 2nd control step's frame; --video_fps sets the file's rate."""
    import imageio.v3 as iio

    from dactyl_lab.export.sim2sim import main
    from dactyl_lab.runtime.log import RunLog

    out = tmp_path / "s2s"
    argv = [
        "--policy",
        str(ff_policy),
        "--num_trials",
        "1",
        "--goal_timeout_s",
        "1.6",
        "--output",
        str(out),
        "--keep_log",
    ]
    argv += ["--video", "--video_size", "96x72", "--video_frame_every", "2", "--video_fps", "5"]
    assert main(argv) == 0
    (video,) = json.loads((out / "report.json").read_text())["videos"]
    every_step = sum(1 for s in RunLog(out / "run.jsonl").steps if s.get("episode") == 0) - 1
    frames = assert_rollout_video(Path(video), (every_step + 1) // 2, (96, 72))
    assert len(frames) < every_step
    assert iio.immeta(video, plugin="FFMPEG")["fps"] == pytest.approx(5.0)


def test_sim2sim_video_without_the_gl_library_says_what_to_install(ff_policy, tmp_path, monkeypatch, capsys):
    import ctypes.util

    from dactyl_lab.export.sim2sim import main

    monkeypatch.setenv("MUJOCO_GL", "osmesa")
    monkeypatch.setattr(ctypes.util, "find_library", lambda name: None)
    code = main(["--policy", str(ff_policy), "--num_trials", "1", "--output", str(tmp_path / "s2s"), "--video"])
    captured = capsys.readouterr()
    assert code == 2
    assert "libosmesa6" in captured.out + captured.err and "Traceback" not in captured.err
    assert not (tmp_path / "s2s" / "videos").exists()  # refused before any rollout
