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


def test_help_explains_every_flag(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["--help"])
    assert info.value.code == 0
    text = capsys.readouterr().out
    parser = cli.build_parser()
    for action in parser._actions:
        for flag in action.option_strings:
            assert flag in text, flag
        assert action.help, f"flag {action.option_strings} has no help text"
    assert "JSON-lines" in text and "--realtime" in text


def test_period_mismatch_exits_2_before_building_the_hand(ff_policy, capsys):
    code = cli.main(["--policy", str(ff_policy[0]), "--hand", "mujoco", "--control-period", "0.05", "--no-log"])
    assert code == 2
    err = capsys.readouterr().err
    assert "nothing was moved" in err and "--control-period 0.08" in err


def test_a_policy_exported_under_the_old_action_law_exits_2_and_says_re_export(ff_policy, tmp_path, capsys):
    import onnx

    from dactyl_lab.contract import METADATA_KEY

    model = onnx.load(str(ff_policy[0]))
    for prop in model.metadata_props:
        if prop.key == METADATA_KEY:  # what dactyl-lab wrote before the paper's action law (schema 1)
            prop.value = json.dumps({**json.loads(prop.value), "schema_version": 1})
    old = tmp_path / "old_law.onnx"
    onnx.save(model, str(old))
    code = cli.main(["--policy", str(old), "--hand", "mujoco", "--realtime", "off", "--steps", "5", "--no-log"])
    assert code == 2
    err = capsys.readouterr().err
    assert "nothing was moved" in err and "old action law" in err and "Re-export the policy" in err


def test_ros_backend_refuses_fast_mode_and_reports_missing_ros(ff_policy, capsys):
    assert cli.main(["--policy", str(ff_policy[0]), "--hand", "ros", "--realtime", "off", "--no-log"]) == 2
    code = cli.main(["--policy", str(ff_policy[0]), "--hand", "ros", "--no-log"])
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
                 '--replay-log', {str(tmp_path / "lstm.jsonl")!r}, '--no-log'])]
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
        "--safe-pose",
        "neutral",
        "--max-step",
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
