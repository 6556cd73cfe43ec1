"""The train/play scripts explain their flags and reject bad input with a clear message."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.scripts import SCRIPTS


def run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPTS / script), *args], capture_output=True, text=True, timeout=300)


EXTRA_FLAGS = {
    "train.py": ("--max_iterations", "--resume", "--distributed"),
    "play.py": ("--steps",),
    "evaluate.py": ("--num_trials", "--max_successes", "--goal_timeout_s", "--randomization", "--presets", "--output"),
}


@pytest.mark.parametrize("script", ["train.py", "play.py", "evaluate.py"])
def test_help_explains_every_flag(script):
    out = run(script, "--help")
    assert out.returncode == 0, out.stderr
    common = ("--task", "--backend", "--variant", "--num_envs", "--seed", "--device", "--checkpoint")
    for flag in common + EXTRA_FLAGS[script]:
        assert flag in out.stdout


def test_unknown_task_lists_ours():
    out = run("train.py", "--task", "Dactyl-Nope", "--max_iterations", "1")
    assert out.returncode == 2
    assert "unknown task 'Dactyl-Nope'" in out.stderr and "Dactyl-Reorient-Cube-Shadow" in out.stderr


def test_unknown_backend_names_the_choices():
    out = run("train.py", "--backend", "sb3")
    assert out.returncode == 2 and "rsl_rl, rl_games" in out.stderr


def test_missing_checkpoint_is_a_clear_error(tmp_path):
    out = run("play.py", "--checkpoint", str(tmp_path / "model_9.pt"))
    assert out.returncode == 2 and "does not exist" in out.stderr and "scripts/train.py" in out.stderr


def test_evaluate_missing_checkpoint_is_a_clear_error(tmp_path):
    out = run("evaluate.py", "--checkpoint", str(tmp_path / "model_9.pt"))
    assert out.returncode == 2 and "does not exist" in out.stderr and "scripts/train.py" in out.stderr


def resume_in(cwd: Path) -> subprocess.CompletedProcess:
    """``scripts/train.py --resume`` in ``cwd`` (its ./logs)."""
    command = [sys.executable, str(SCRIPTS / "train.py"), "--resume", "--device", "cpu"]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_resume_without_a_run_is_a_clear_error(tmp_path):
    out = resume_in(tmp_path)
    assert out.returncode == 2 and "no checkpoint under" in out.stderr and "train first" in out.stderr


def test_the_isaaclab_cli_discovers_our_task_through_the_entry_point():
    import importlib.metadata

    groups = importlib.metadata.entry_points(group="isaaclab.tasks")
    assert any(ep.value == "dactyl_lab.tasks" for ep in groups)


def test_isaaclab_list_envs_shows_our_task():
    import shutil

    cli = shutil.which("isaaclab") or str(Path(sys.executable).with_name("isaaclab"))
    out = subprocess.run([cli, "list_envs"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Dactyl-Reorient-Cube-Shadow" in out.stdout


def test_unknown_variant_names_the_choices():
    out = run("train.py", "--variant", "gru")
    assert out.returncode == 2 and "ff, lstm, ff_discrete, lstm_discrete" in out.stderr


def test_play_refuses_rl_games_discrete_and_names_the_alternatives(tmp_path):
    out = run("play.py", "--backend", "rl_games", "--variant", "lstm_discrete", "--checkpoint", str(tmp_path / "x.pth"))
    assert out.returncode == 2 and "bin indices" in out.stderr and "scripts/evaluate.py" in out.stderr


def test_resume_when_no_checkpoint_loads_says_why_each_was_skipped(tmp_path):
    run_dir = tmp_path / "logs" / "rsl_rl" / "dactyl_reorient_ff" / "2026-01-01_00-00-00"
    run_dir.mkdir(parents=True)
    (run_dir / "model_0.pt").write_bytes(b"not a checkpoint")
    out = resume_in(tmp_path)
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]
    assert "model_0.pt" in out.stderr and "no checkpoint that loads" in out.stderr and "Traceback" not in out.stderr


def test_play_refuses_a_corrupt_checkpoint_with_the_reason(tmp_path):
    bad = tmp_path / "model_3.pt"
    bad.write_bytes(b"\x80\x02 truncated")
    out = run("play.py", "--checkpoint", str(bad))
    assert out.returncode == 2 and "model_3.pt" in out.stderr and "Traceback" not in out.stderr, out.stderr


@pytest.mark.parametrize("value", ["-1", "soon"])
def test_train_refuses_a_bad_stop_deadline(value):
    out = run("train.py", "--stop_deadline_s", value)
    assert out.returncode == 2 and "--stop_deadline_s" in out.stderr and "number >= 0" in out.stderr


def test_train_refuses_a_stop_deadline_too_long_for_a_timer():
    out = run("train.py", "--stop_deadline_s", "1e12")
    assert out.returncode == 2 and "--stop_deadline_s: the stop deadline must be 0 to" in out.stderr


def test_one_usage_error_type_prints_one_line_on_stderr_and_exits_2(capsys):
    """train/play/evaluate (cli_args), export, sim2sim and the runtime raise the same torch-free UsageError."""
    import subprocess as sp

    from dactyl_lab.errors import UsageError
    from dactyl_lab.training import cli_args

    assert cli_args.UsageError is UsageError and issubclass(UsageError, SystemExit)
    with pytest.raises(SystemExit) as info:
        raise UsageError("bad --num_trials;\n pass a positive number")
    assert info.value.code == 2 and str(info.value) == "bad --num_trials; pass a positive number"
    assert capsys.readouterr().err == "error: bad --num_trials; pass a positive number\n"
    code = "import sys\nfrom dactyl_lab.errors import UsageError\nraise UsageError('x')\n"
    out = sp.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2 and out.stderr == "error: x\n" and out.stdout == ""
