"""A recorded log replays through the same ONNX policy to the same actions; a different policy is caught."""

from __future__ import annotations

import json

import numpy as np

from dactyl_lab.runtime import cli
from dactyl_lab.runtime.backends.replay import (
    ReplayGoalSampler,
    ReplayHand,
    ReplayPoseSource,
    compare_actions,
    replay_configs,
)
from dactyl_lab.runtime.log import RunLog
from dactyl_lab.runtime.loop import ControlLoop
from dactyl_lab.runtime.policy import OnnxPolicy

from tests.helpers import runtime_policies as rp


def _record(policy_path, log_path, steps=150):
    argv = [
        "--policy",
        str(policy_path),
        "--hand",
        "mujoco",
        "--realtime",
        "off",
        "--steps",
        str(steps),
        "--log",
        str(log_path),
        "--inject_stale_pose",
        "60:8",
        "--seed",
        "3",
    ]
    assert cli.main(argv) == 0
    return RunLog(log_path)


def _replay(policy_path, log):
    hand_if = ReplayHand(log)
    loop_config, safety_config = replay_configs(log)
    policy = OnnxPolicy(policy_path)
    loop = ControlLoop(
        policy.contract,
        policy,
        hand_if,
        ReplayPoseSource(hand_if),
        safety_config,
        loop_config,
        ReplayGoalSampler(log),
        keep_records=True,
    )
    loop.run()
    return loop.records, hand_if


def test_lstm_log_replays_to_identical_actions(lstm_policy, tmp_path):
    path = lstm_policy[0]
    log = _record(path, tmp_path / "run.jsonl")
    assert log.summary is not None and log.header["backend"] == "mujoco"
    held = [s["step"] for s in log.steps if s["held"]]
    assert held  # the recording includes holds (stale pose) and so exercises the held state in the replay
    records, hand_if = _replay(path, log)
    result = compare_actions(log, records)
    assert result["replayed_steps"] == result["recorded_steps"] == 150
    assert result["held_mismatch_steps"] == []
    assert result["compared_steps"] == 150 - len(held)
    assert result["max_abs_diff"] <= 1e-6
    # the replay also sends the same targets (a fault hold sends none)
    recorded_targets = [s["targets_rad"] for s in log.steps if s["commanded"]]
    assert [t for t in hand_if.sent_targets[: len(recorded_targets)]] == recorded_targets


def test_replay_detects_a_different_policy(lstm_policy, tmp_path):
    path = lstm_policy[0]
    log = _record(path, tmp_path / "run.jsonl", steps=40)
    other = tmp_path / "other.onnx"
    rp.write_lstm_policy(other, lstm_policy[1], seed=7)
    records, _ = _replay(other, log)
    assert compare_actions(log, records)["max_abs_diff"] > 1e-3


def test_replay_cli_reports_success_and_mismatch(ff_policy, tmp_path, capsys):
    path = ff_policy[0]
    _record(path, tmp_path / "run.jsonl", steps=60)
    replay_args = ["--hand", "replay", "--replay_log", str(tmp_path / "run.jsonl"), "--no_log"]
    assert cli.main(["--policy", str(path), *replay_args]) == 0
    out = capsys.readouterr().out
    assert "replay reproduces the recorded actions" in out
    result = json.loads(out.split("replay: ", 1)[1].splitlines()[0])
    assert result["max_abs_diff"] == 0.0 and result["replayed_steps"] == 60
    other = tmp_path / "other.onnx"
    rp.write_ff_policy(other, ff_policy[1], seed=5)
    assert cli.main(["--policy", str(other), *replay_args]) == 1
    assert "REPLAY MISMATCH" in capsys.readouterr().out


def test_log_lines_are_json_with_the_documented_fields(ff_policy, tmp_path):
    log_path = tmp_path / "run.jsonl"
    _record(ff_policy[0], log_path, steps=5)
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [line["kind"] for line in lines] == ["header"] + ["step"] * 5 + ["summary"]
    step = lines[1]
    for key in (
        "step",
        "episode",
        "t_s",
        "joint_pos_rad",
        "fingertip_pos_m",
        "pose",
        "now_s",
        "goal_quat_xyzw",
        "obs",
        "action",
        "targets_rad",
        "held",
        "timings_ms",
        "events",
        "phase",
    ):
        assert key in step, key
    assert set(step["timings_ms"]) >= {"read", "observe", "infer", "act", "total"}
    assert set(step["targets_rad"]) == set(lines[0]["motor_names"])
    assert np.isfinite(step["obs"]).all() and len(step["obs"]) == 46
