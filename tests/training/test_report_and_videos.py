"""Training report and rollout videos on real 2-iteration training runs (RSL-RL and rl-games) on the CPU:
scripts/train.py leaves report.png/report.html, ``dactyl-lab report`` reads a run that is still being written,
scripts/evaluate.py --video and scripts/play.py --video write MP4s with one frame per control step."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dactyl_lab.training import report

from tests.helpers.scripts import SCRIPTS, evaluate, run_script, script_env
from tests.helpers.video_checks import assert_rollout_video

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def assert_report(run: Path) -> None:
    from PIL import Image

    with Image.open(run / "report.png") as image:
        width, height = image.size
        pixels = np.asarray(image.convert("L"))
    assert width > 800 and height > 600 and pixels.std() > 5
    page = (run / "report.html").read_text()
    assert 'src="report.png"' in page and "params/env.yaml" in page and "params/agent.yaml" in page
    assert "Metrics/object_pose/consecutive_successes" in page


def test_rsl_rl_training_writes_its_report(ff_run):
    (run,) = ff_run.glob("logs/rsl_rl/dactyl_reorient_ff/*/")
    assert_report(run)
    scalars = report.load_scalars(run, report.load_params(run))
    assert scalars.library == "rsl_rl" and report.last_iteration(scalars) == 1
    assert {"Episode_Reward/goal_bonus", "Loss/learning_rate", "Loss/kl", report.SUCCESS_MAX} <= set(scalars.series)
    shares = report.termination_shares(scalars)
    for xs, ys in shares.values():
        assert all(0.0 <= y <= 1.0 for y in ys)
    assert report.step_dt_s(report.load_params(run)) == pytest.approx(0.08)


def report_cli(run: Path) -> subprocess.CompletedProcess:
    """``dactyl-lab report RUN`` (as ``python -m dactyl_lab.cli``)."""
    return subprocess.run(
        [sys.executable, "-m", "dactyl_lab.cli", "report", str(run)],
        capture_output=True,
        text=True,
        timeout=600,
        env=script_env(),
    )


def test_report_of_a_run_still_writing(ff_run, tmp_path):
    """A copy of the run whose event file ends in the middle of a record, as while training writes it."""
    (run,) = ff_run.glob("logs/rsl_rl/dactyl_reorient_ff/*/")
    partial = tmp_path / "partial_run"
    shutil.copytree(run / "params", partial / "params")
    (events,) = run.glob("events.out.tfevents.*")
    data = events.read_bytes()
    (partial / events.name).write_bytes(data[: int(len(data) * 0.7)])
    out = report_cli(partial)
    assert out.returncode == 0, out.stderr[-2000:]
    assert_report(partial)
    empty = tmp_path / "empty_run"
    empty.mkdir()
    out = report_cli(empty)
    assert out.returncode == 2 and "no TensorBoard event files" in out.stderr


def test_rl_games_training_writes_its_report(tmp_path):
    args = ["--backend", "rl_games", "--device", "cpu", "--num_envs", "4", "--max_iterations", "2", "--seed", "4"]
    args += ["env.terminations.goal_timeout.params.timeout_s=0.8"]  # episodes end within the 2 iterations
    out = run_script(tmp_path, "train.py", *args)
    (run,) = tmp_path.glob("logs/rl_games/dactyl_reorient_ff/*/")
    assert "[report]" in out.stdout and (run / "report.png").is_file(), out.stdout[-2000:] + out.stderr[-2000:]
    assert_report(run)
    scalars = report.load_scalars(run, report.load_params(run))
    assert scalars.library == "rl_games"
    # rl-games' Episode/ prefix is folded: the same names as RSL-RL's
    assert {"Episode_Reward/goal_bonus", report.SUCCESS_MEAN, "info/kl", "info/last_lr"} <= set(scalars.series)
    assert report.last_iteration(scalars) == 2  # per-frame tags are on the iteration axis too
    assert max(scalars.series["info/kl"][0]) == pytest.approx(2, abs=0.01)


def test_evaluate_and_play_write_videos(ff_run, tmp_path):
    (checkpoint,) = ff_run.glob("logs/rsl_rl/dactyl_reorient_ff/*/model_1.pt")
    evaluation = tmp_path / "eval"
    out, results = evaluate(ff_run, checkpoint, evaluation, "--video", "2", "--video_size", "160x120", trials=3)
    trials = results["trials"]
    for env_id in (0, 1):
        first = next(t for t in trials if t["env"] == env_id)  # the first trial of env i is trial i
        path = evaluation / "videos" / f"trial_{env_id:03d}.mp4"
        assert f"video: {path}" in out.stdout
        assert_rollout_video(path, first["steps"], (160, 120))  # the reset frame + one per step but the last
    assert not (evaluation / "videos" / "trial_002.mp4").exists()

    out = run_script(
        ff_run,
        "play.py",
        "--checkpoint",
        str(checkpoint),
        "--device",
        "cpu",
        "--num_envs",
        "1",
        "--steps",
        "8",
        "--video",
        "--video_size",
        "160x120",
        "--video_camera",
        "side",
    )
    path = checkpoint.parent / "videos" / "play" / "model_1.mp4"
    assert f"video: {path}" in out.stdout, out.stdout[-2000:]
    assert_rollout_video(path, 9, (160, 120))


def test_video_flags_are_checked_before_any_env(ff_run):
    (checkpoint,) = ff_run.glob("logs/rsl_rl/dactyl_reorient_ff/*/model_1.pt")
    out = subprocess.run(
        [
            sys.executable,
            str(SCRIPTS / "evaluate.py"),
            "--checkpoint",
            str(checkpoint),
            "--num_trials",
            "2",
            "--video",
            "3",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=script_env(),
    )
    assert out.returncode == 2 and "--video 3" in out.stdout + out.stderr
