"""DactylOnPolicyRunner's end-of-iteration hook and kill-proof checkpoints, without a simulation."""

import os
import subprocess
import sys
import textwrap
from types import SimpleNamespace

import pytest
import torch

from dactyl_lab.training import checkpoints, stopping
from dactyl_lab.training.rsl_rl_runner import DactylOnPolicyRunner, StopTraining, fold_iteration_maxima

from tests.helpers import instrumented

KEY = "Metrics/consecutive_successes_max"


def bare_runner(stop=False, log_dir=None):
    runner = DactylOnPolicyRunner.__new__(DactylOnPolicyRunner)  # just the hook's state
    runner._stop, runner.is_distributed, runner.device = stopping.StopOnSignals(), False, "cpu"
    runner._stop.requested = stop
    runner._adr_env, runner.current_learning_iteration = None, 5
    runner.alg = SimpleNamespace(save=lambda: {"actor_state_dict": {}, "critic_state_dict": {}})
    runner.logger = SimpleNamespace(writer=object() if log_dir else None, log_dir=str(log_dir), save_model=print)
    return runner


def test_consecutive_successes_max_is_the_maximum_over_the_iteration():
    extras = [{KEY: torch.tensor(2.0)}, {"Episode_Reward/goal_bonus": torch.tensor(1.0)}, {KEY: torch.tensor(7.0)}]
    fold_iteration_maxima(extras)
    assert [e.get(KEY) for e in extras] == [7.0, None, 7.0]  # rsl_rl averages what it finds: the mean is the max


def test_every_iteration_rewrites_the_rolling_checkpoint(tmp_path):
    bare_runner(log_dir=tmp_path)._end_of_iteration(5)
    assert checkpoints.completed_iterations(tmp_path / "model_last.pt", "rsl_rl") == 6
    assert not [p for p in tmp_path.iterdir() if p.name != "model_last.pt"]  # no temporary file left


def test_a_stop_request_ends_training_after_the_iteration_is_saved(tmp_path):
    with pytest.raises(StopTraining):
        bare_runner(stop=True, log_dir=tmp_path)._end_of_iteration(5)
    assert (tmp_path / "model_last.pt").is_file()


def rsl_state(it: int) -> dict:
    return {"actor_state_dict": {"w": torch.full((3,), float(it))}, "critic_state_dict": {}, "iter": it}


def test_resolver_skips_newer_checkpoints_that_do_not_load_and_says_why(tmp_path, capsys):
    run = tmp_path / "logs" / "rsl_rl" / "exp" / "2026-01-01_00-00-00"
    for it in (0, 25):
        checkpoints.atomic_save(rsl_state(it), run / f"model_{it}.pt")
    checkpoints.atomic_save(rsl_state(31), run / "model_last.pt")
    assert checkpoints.resolve(run, "rsl_rl") == run / "model_last.pt"  # content says 32 completed > 26

    # a kill during a non-atomic save leaves a truncated file; a torn temporary file is never a candidate
    data = (run / "model_last.pt").read_bytes()
    (run / "model_last.pt").write_bytes(data[: len(data) // 2])
    (run / "model_50.pt").write_text("not a checkpoint")
    (run / ".model_last.pt.tmp-123").write_bytes(data[:10])
    found = checkpoints.resolve_checkpoint(run.parent)  # an experiment folder, backend detected
    assert (found.path, found.backend, found.iterations) == (run / "model_25.pt", "rsl_rl", 26)
    assert [p.name for p, _ in found.skipped] == ["model_last.pt", "model_50.pt"]
    assert all("not a readable PyTorch checkpoint" in why for _, why in found.skipped)
    checkpoints.resolve(run, "rsl_rl")
    out = capsys.readouterr().out
    assert "skipped checkpoint" in out and "model_50.pt" in out and "26 completed iterations" in out

    # export resolves the same way (one resolver)
    from dactyl_lab.export.checkpoints import resolve_checkpoint

    assert resolve_checkpoint(run) == run / "model_25.pt"
    with pytest.raises(checkpoints.CheckpointError, match="model_50.pt.*not a readable"):
        checkpoints.resolve_checkpoint(run / "model_50.pt")  # a file named explicitly must load


def test_rl_games_layout_newest_by_epoch(tmp_path):
    run = tmp_path / "run"
    for epoch, name in ((10, "last_dactyl_ep_10_rew_1.0.pth"), (12, "dactyl.pth"), (13, "last.pth")):
        checkpoints.atomic_save({"model": {}, "epoch": epoch}, run / "nn" / name)
    found = checkpoints.resolve_checkpoint(run)
    assert (found.path.name, found.backend, found.iterations) == ("last.pth", "rl_games", 13)
    assert checkpoints.run_dir(found.path) == run.absolute()


def test_a_kill_during_an_atomic_save_leaves_the_previous_checkpoint(tmp_path):
    target = tmp_path / "model_last.pt"
    checkpoints.atomic_save(rsl_state(3), target)
    script = tmp_path / "save.py"
    script.write_text(
        textwrap.dedent(f"""
        import torch
        from dactyl_lab.training import checkpoints
        checkpoints.atomic_save({{"actor_state_dict": {{"w": torch.zeros(1000000)}}, "critic_state_dict": {{}},
                                  "iter": 4}}, {str(target)!r})
        """)
    )
    proc = subprocess.Popen(  # the write is slowed from outside (tests/helpers/instrumented.py)
        [sys.executable, *instrumented.command(script, slow_save_s=60)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert proc.stdout.readline().startswith("[checkpoint] saving")  # half of the new file is on disk now
    proc.kill()
    proc.wait(timeout=30)
    assert checkpoints.completed_iterations(target, "rsl_rl") == 4 - 0  # iter 3 done -> 4 completed
    assert checkpoints.resolve(tmp_path, "rsl_rl") == target


def test_play_hooks_installed_twice_do_not_stack(monkeypatch):
    """limit_playback_steps / wrap_created_envs called again in one process replace, never wrap a wrapper."""
    from isaaclab_rl.entrypoints import common

    from dactyl_lab.training import entrypoint_hooks

    monkeypatch.setattr(common, "create_isaaclab_env", lambda *a, **k: "env")
    monkeypatch.setattr(common, "video_playback_steps", common.video_playback_steps)
    entrypoint_hooks.wrap_created_envs(lambda env: f"first({env})")
    entrypoint_hooks.wrap_created_envs(lambda env: f"second({env})")
    assert common.create_isaaclab_env() == "second(env)"
    entrypoint_hooks.limit_playback_steps(5)
    entrypoint_hooks.limit_playback_steps(8)
    assert common.video_playback_steps(None) == 8


def test_a_play_backend_loaded_before_the_env_wrapper_gets_it_too(monkeypatch):
    """play.py installs our runner first, which loads the play backend (it binds Isaac Lab's env factory by name):
    the recorder's wrapper must still reach it, else --video records nothing."""
    from isaaclab_rl.entrypoints import common
    from isaaclab_rl.entrypoints.backends import play_rsl_rl

    from dactyl_lab.training import entrypoint_hooks

    monkeypatch.setattr(common, "create_isaaclab_env", lambda *a, **k: "env")
    monkeypatch.setattr(play_rsl_rl, "create_isaaclab_env", common.create_isaaclab_env)
    entrypoint_hooks.wrap_created_envs(lambda env: f"recorded({env})")
    assert play_rsl_rl.create_isaaclab_env() == "recorded(env)"


def test_a_save_removes_temporary_files_of_killed_writers_only(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    torn = tmp_path / f".model_last.pt{checkpoints.TMP_MARK}{int(dead.stdout)}"
    live = tmp_path / f".model_last.pt{checkpoints.TMP_MARK}{os.getppid()}"  # a writer that is still running
    torn.write_bytes(b"half")
    live.write_bytes(b"half")
    checkpoints.atomic_save(rsl_state(3), tmp_path / "model_last.pt")
    assert not torn.exists() and live.exists()
    assert checkpoints.completed_iterations(tmp_path / "model_last.pt", "rsl_rl") == 4
