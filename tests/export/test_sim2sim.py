"""scripts/sim2sim.py: a freshly exported policy on the MuJoCo stand-in, scored with the paper's protocol."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

import pytest

from dactyl_lab.export.sim2sim import build_parser, main, success_stats, write_histogram

from tests.helpers.scripts import SCRIPTS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_success_stats_and_histogram(tmp_path):
    stats = success_stats([0, 3, 50, 7])
    assert stats == {"mean": 15.0, "median": 5.0, "max": 50, "min": 0, "std": pytest.approx(414.5**0.5)}
    assert success_stats([])["mean"] is None
    write_histogram([0, 3, 50, 7], 50, tmp_path / "h.png", "test")
    assert (tmp_path / "h.png").read_bytes()[:8] == PNG_MAGIC


def test_help_and_a_missing_policy(tmp_path, capsys):
    for action in build_parser()._actions:
        assert action.help
    assert main(["--policy", str(tmp_path / "missing.onnx")]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.sim
@pytest.mark.slow
def test_sim2sim_runs_a_freshly_exported_policy(export_run, tmp_path):
    exp = export_run("rl_games", "lstm")  # exercises obs_clip, env_clip and the LSTM state in the runtime
    out_dir = tmp_path / "s2s"
    cmd = [
        sys.executable,
        str(SCRIPTS / "sim2sim.py"),
        "--policy",
        str(exp.onnx_path),
        "--trials",
        "2",
        "--goal-timeout",
        "2.0",
        "--seed",
        "4",
        "--keep-log",
        "--out",
        str(out_dir),
    ]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    report = json.loads((out_dir / "report.json").read_text())
    counts = report["consecutive_successes"]
    assert report["completed_trials"] == 2 and report["complete"] and len(counts) == 2
    assert report["mean"] == pytest.approx(sum(counts) / 2) and report["max"] == max(counts)
    assert report["median"] == pytest.approx(statistics.median(counts))
    protocol = report["protocol"]
    assert protocol["goal_timeout_s"] == 2.0 and protocol["max_consecutive_successes"] == 50
    assert protocol["trials"] == 2 and protocol["success_threshold_rad"] == pytest.approx(0.4)
    assert report["contract"]["backend"] == "rl_games" and report["contract"]["recurrent"]
    assert sum(report["outcomes"].values()) == 2 and report["runtime"]["stop_reason"] == "episodes"
    # a 2 s goal timeout is 25 control steps: every trial ends by then unless a goal is reached
    assert report["runtime"]["policy_steps"] > 0
    assert (out_dir / "histogram.png").read_bytes()[:8] == PNG_MAGIC
    assert (out_dir / "run.jsonl").is_file() and "sim2sim: 2/2 trials" in out.stdout


@pytest.mark.slow
def test_sim2sim_refuses_flags_it_sets_and_needs_no_torch(export_run, tmp_path):
    exp = export_run("rsl_rl", "ff")
    code = (
        "import sys\nfrom dactyl_lab.export.sim2sim import main\n"
        f"rc = main(['--policy', {str(exp.onnx_path)!r}, '--trials', '1', '--goal-timeout', '0.8', "
        f"'--out', {str(tmp_path / 'a')!r}])\n"
        f"bad = main(['--policy', {str(exp.onnx_path)!r}, '--hand', 'ros', '--out', {str(tmp_path / 'b')!r}])\n"
        "assert 'torch' not in sys.modules and 'isaaclab' not in sys.modules, 'sim2sim imported torch'\n"
        "sys.exit(10 * rc + bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]  # rc 0, bad 2
    assert "set by sim2sim itself" in out.stderr


def test_a_runtime_flag_that_prefixes_a_sim2sim_flag_goes_to_the_runtime():
    """--max-step (the runtime's rate limit) is not an abbreviation of sim2sim's --max-steps."""
    args, runtime_args = build_parser().parse_known_args(["--policy", "p.onnx", "--max-step", "3.2"])
    assert args.max_steps is None and runtime_args == ["--max-step", "3.2"]
