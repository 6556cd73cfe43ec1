"""The dactyl-lab-runtime command: help, mismatch exit codes, SIGINT safe stop, and no torch / Isaac Lab."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

import pytest

from dactyl_lab.runtime import cli
from dactyl_lab.runtime.log import RunLog

from tests.helpers.renamed_flags import assert_old_spelling_works, old_spellings


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    parser = cli.build_parser()
    old = dict(old_spellings(parser))
    options_text = text.split("examples:")[0]
    for action in parser._actions:
        for flag in action.option_strings:
            listed = f"{flag} " in options_text or f"{flag}," in options_text or f"{flag}\n" in options_text
            assert listed == (flag not in old), flag  # the old spellings are hidden
        assert action.help, f"flag {action.option_strings} has no help text"
    assert "JSON-lines" in text and "--realtime" in text and "old dashed spellings" in text
    groups = re.findall(r"^(\S[^\n]*):\n", text, flags=re.MULTILINE)
    for group in ("policy and run", "safety", "mujoco stand-in", "fault drills", "ros: the real hand", "replay"):
        assert any(name.startswith(group) for name in groups), (group, groups)


def test_every_runtime_option_is_one_of_ours_with_units_in_time_and_length_names():
    """Isaac Lab's style: words joined by underscores; a flag with a unit ([s], [m], [rad]) ends in it."""
    parser = cli.build_parser()
    old = dict(old_spellings(parser))
    for action in parser._actions:
        new = [flag for flag in action.option_strings if flag not in old and flag.startswith("--")]
        for flag in new:
            assert "-" not in flag[2:], flag
            unit = re.search(r"\[(s|m|rad)\]", action.help or "")
            if unit and action.nargs != 0:
                assert flag.endswith(f"_{unit.group(1)}"), (flag, unit.group(1))


@pytest.mark.parametrize("old", [old for old, _ in old_spellings(cli.build_parser())])
def test_an_old_flag_spelling_still_works_and_names_the_new_flag(old, capsys):
    parser = cli.build_parser()
    target = dict(old_spellings(parser))[old]
    assert_old_spelling_works(parser, ["--policy", "p.onnx", "--hand", "mujoco"], old, target, capsys)


def test_old_spellings_run_the_same_loop(ff_policy, tmp_path, capsys):
    """End to end: the old spellings of --num_trials, --goal_timeout_s and --no_log still run the stand-in."""
    args = ["--policy", str(ff_policy[0]), "--hand", "mujoco", "--realtime", "off", "--seed", "3"]
    code = cli.main(
        [*args, "--episodes", "1", "--goal-timeout", "0.8", "--no-log", "--summary-json", str(tmp_path / "a")]
    )
    assert code == 0
    err = capsys.readouterr().err
    assert "--episodes is deprecated, use --num_trials" in err and "--goal-timeout is deprecated" in err
    assert (
        cli.main(
            [*args, "--num_trials", "1", "--goal_timeout_s", "0.8", "--no_log", "--summary_json", str(tmp_path / "b")]
        )
        == 0
    )
    old, new = (json.loads((tmp_path / name).read_text()) for name in ("a", "b"))
    assert old["episodes"] == new["episodes"] and old["steps"] == new["steps"] == 10  # a 0.8 s goal timeout


def test_period_mismatch_exits_2_before_building_the_hand(ff_policy, capsys):
    code = cli.main(["--policy", str(ff_policy[0]), "--hand", "mujoco", "--control_period_s", "0.05", "--no_log"])
    assert code == 2
    err = capsys.readouterr().err
    assert "nothing was moved" in err and "--control_period_s 0.08" in err


def test_a_policy_exported_under_the_old_action_law_exits_2_and_says_re_export(ff_policy, tmp_path, capsys):
    import onnx

    from dactyl_lab.contract import METADATA_KEY

    model = onnx.load(str(ff_policy[0]))
    for prop in model.metadata_props:
        if prop.key == METADATA_KEY:  # what dactyl-lab wrote before the paper's action law (schema 1)
            prop.value = json.dumps({**json.loads(prop.value), "schema_version": 1})
    old = tmp_path / "old_law.onnx"
    onnx.save(model, str(old))
    code = cli.main(["--policy", str(old), "--hand", "mujoco", "--realtime", "off", "--steps", "5", "--no_log"])
    assert code == 2
    err = capsys.readouterr().err
    assert "nothing was moved" in err and "earlier action law" in err and "Re-export the policy" in err


def test_ros_backend_refuses_fast_mode_and_reports_missing_ros(ff_policy, capsys):
    assert cli.main(["--policy", str(ff_policy[0]), "--hand", "ros", "--realtime", "off", "--no_log"]) == 2
    code = cli.main(["--policy", str(ff_policy[0]), "--hand", "ros", "--no_log"])
    err = capsys.readouterr().err
    if "rospy" not in sys.modules:
        assert code == 1 and "needs ROS 1" in err


def test_runtime_never_imports_torch_or_isaaclab(ff_policy, lstm_policy, tmp_path):
    """Like the robot computer: no onnx package either; run both policies and a replay, then inspect sys.modules."""
    code = f"""
import json, sys
sys.modules['onnx'] = None  # the robot computer has onnxruntime only
from dactyl_lab.runtime import cli
rcs = [cli.main(['--policy', {str(ff_policy[0])!r}, '--hand', 'mujoco', '--realtime', 'off', '--steps', '40',
                 '--log', {str(tmp_path / "ff.jsonl")!r}]),
       cli.main(['--policy', {str(lstm_policy[0])!r}, '--hand', 'mujoco', '--realtime', 'off', '--steps', '40',
                 '--log', {str(tmp_path / "lstm.jsonl")!r}]),
       cli.main(['--policy', {str(lstm_policy[0])!r}, '--hand', 'replay',
                 '--replay_log', {str(tmp_path / "lstm.jsonl")!r}, '--no_log'])]
bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'isaaclab', 'isaacsim', 'warp', 'newton'))
loaded = {{'ort': 'onnxruntime' in sys.modules, 'mujoco': 'mujoco' in sys.modules}}
print('RESULT ' + json.dumps({{'rcs': rcs, 'bad': bad, **loaded}}))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.split("RESULT ", 1)[1])
    assert result["rcs"] == [0, 0, 0]
    assert result["bad"] == []
    assert result["ort"] and result["mujoco"]  # the check ran the real thing


def test_sigint_moves_to_the_safe_pose_and_exits_130(ff_policy, tmp_path):
    """Real time, real signal: Ctrl-C during the run ends in a clean safe stop with a complete log."""
    log_path = tmp_path / "sigint.jsonl"
    cmd = [
        sys.executable,
        "-m",
        "dactyl_lab.runtime.cli",
        "--policy",
        str(ff_policy[0]),
        "--hand",
        "mujoco",
        "--realtime",
        "on",
        "--log",
        str(log_path),
        "--safe_pose",
        "neutral",
        "--max_step_rad",
        "0.1",
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if log_path.exists() and log_path.read_text().count('"kind": "step"') >= 8:
                break
            time.sleep(0.05)
        else:
            pytest.fail("the runtime did not start stepping")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "operator_stop" in out
    log = RunLog(log_path)
    assert log.summary["stop_reason"] == "operator_stop"
    steps = len(log.steps)
    assert steps >= 8
    # real time: the recorded steps are ~80 ms apart
    period_p50 = log.summary["latency"]["period"]["p50_ms"]
    assert 70.0 < period_p50 < 95.0, period_p50
    assert re.search(r"deadline misses \d+", out)


def test_module_entry_point_matches_console_script():
    import tomllib
    from pathlib import Path

    data = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())
    assert data["project"]["scripts"]["dactyl-lab-runtime"] == "dactyl_lab.runtime.cli:main"
    assert "dactyl_lab.runtime" in data["tool"]["setuptools"]["packages"]
    assert "dactyl_lab.runtime.backends" in data["tool"]["setuptools"]["packages"]
