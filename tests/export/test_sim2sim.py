"""scripts/sim2sim.py: a freshly exported policy on the MuJoCo stand-in, scored with the paper's protocol."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys

import pytest

from dactyl_lab.export.sim2sim import build_parser, main, success_stats, write_histogram

from tests.helpers.renamed_flags import assert_old_spelling_works, old_spellings
from tests.helpers.scripts import SCRIPTS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def ff_policy(tmp_path_factory):
    """(path, contract) of a small feed-forward ONNX policy with its contract (no training needed)."""
    from tests.helpers import runtime_policies as rp

    contract = rp.ff_contract()
    path = tmp_path_factory.mktemp("policy") / "ff.onnx"
    rp.write_ff_policy(path, contract)
    return path, contract


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
        "--num_trials",
        "2",
        "--goal_timeout_s",
        "2.0",
        "--seed",
        "4",
        "--keep_log",
        "--output",
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
        f"rc = main(['--policy', {str(exp.onnx_path)!r}, '--num_trials', '1', '--goal_timeout_s', '0.8', "
        f"'--output', {str(tmp_path / 'a')!r}])\n"
        f"bad = main(['--policy', {str(exp.onnx_path)!r}, '--hand', 'ros', '--output', {str(tmp_path / 'b')!r}])\n"
        "assert 'torch' not in sys.modules and 'isaaclab' not in sys.modules, 'sim2sim imported torch'\n"
        "sys.exit(10 * rc + bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-2000:]  # rc 0, bad 2
    assert "set by sim2sim itself" in out.stderr


def test_runtime_flags_have_the_runtimes_names_and_no_prefix_is_taken_for_a_flag():
    """--max_step_rad (the runtime's rate limit) is neither an abbreviation nor confused with --steps."""
    args = build_parser().parse_args(["--policy", "p.onnx", "--max_step_rad", "0.3", "--pos_noise_m", "0", "0"])
    assert args.steps is None and args.max_step_rad == 0.3 and args.pos_noise_m == [0.0, 0.0]
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--policy", "p.onnx", "--max_step", "0.3"])


def test_sim2sim_runs_the_runtime_loop_through_its_api(ff_policy, tmp_path, monkeypatch, capsys):
    """No argv for the runtime's main and no summary read back from a file: the loop's own summary is used."""
    from dactyl_lab.runtime import cli as runtime_cli
    from dactyl_lab.runtime import session

    monkeypatch.setattr(runtime_cli, "main", None)  # sim2sim must not go through the runtime's CLI
    seen = []
    real_run = session.run
    monkeypatch.setattr(
        session, "run", lambda options, on_loop=None: seen.append(options) or real_run(options, on_loop)
    )
    argv = ["--policy", str(ff_policy[0]), "--num_trials", "2", "--goal_timeout_s", "0.8", "--seed", "5"]
    argv += ["--tracker_latency_steps", "0", "--pos_noise_m", "0", "0", "--output", str(tmp_path)]
    assert main(argv) == 0
    (options,) = seen
    assert options.hand == "mujoco" and not options.realtime and options.num_trials == 2 and options.no_log
    assert options.tracker_latency_steps == 0 and list(options.pos_noise_m) == [0.0, 0.0]
    report = json.loads((tmp_path / "report.json").read_text())
    runtime_summary = json.loads((tmp_path / "runtime_summary.json").read_text())
    assert report["consecutive_successes"] == runtime_summary["episodes"] and report["completed_trials"] == 2
    assert report["protocol"]["runtime_options"]["tracker_latency_steps"] == 0
    assert "stop: episodes" in capsys.readouterr().out  # the runtime's summary is printed as before


def test_sim2sim_python_api_refuses_options_it_sets(ff_policy, tmp_path, capsys):
    from dactyl_lab.errors import UsageError
    from dactyl_lab.export.sim2sim import run_sim2sim

    with pytest.raises(UsageError) as info:
        run_sim2sim(ff_policy[0], 1, output=tmp_path, runtime_options={"hand": "ros"})
    assert info.value.code == 2 and "set by sim2sim itself" in capsys.readouterr().err


@pytest.mark.parametrize("old", [old for old, _ in old_spellings(build_parser())])
def test_an_old_flag_spelling_still_works_and_names_the_new_flag(old, capsys):
    parser = build_parser()
    target = dict(old_spellings(parser))[old]
    assert_old_spelling_works(parser, ["--policy", "p.onnx"], old, target, capsys)
