"""End to end over real ROS 1 on loopback: roscore + the stand-in hand node (Shadow driver interface) +
``dactyl-lab-runtime --hand ros`` with an exported (ONNX + contract) policy, a few hundred real-time control steps."""

from __future__ import annotations

import json

import numpy as np

from dactyl_lab.spec import hand
from dactyl_lab.runtime.log import RunLog

from tests.helpers import runtime_policies as rp
from tests.runtime.ros_harness import graph, read_jsonl, wire_values  # noqa: F401 - graph is a fixture

STEPS = 300


def test_runtime_closes_the_loop_over_real_ros(graph):  # noqa: F811
    policy = graph.workdir / "ff_seed1.onnx"
    rp.write_ff_policy(policy, rp.ff_contract(), seed=1)  # drops the cube now and then (on --hand mujoco too)
    wire_path = graph.recorder()
    received_path = graph.node("--seed", "0")
    runtime = graph.runtime(policy, "--steps", str(STEPS), "--num_trials", "100", "--seed", "0")
    rc = runtime.popen.wait(timeout=240)
    output = runtime.output()
    assert rc == 0, output[-3000:]
    log = RunLog(graph.workdir / "run.jsonl")
    summary = log.summary
    assert summary["steps"] == STEPS and summary["stop_reason"] == "max_steps", summary
    assert summary["policy_steps"] >= 0.5 * STEPS, summary  # holds only at episode ends
    assert log.header["backend"] == "ros"

    # the same kind of rollout as --hand mujoco: goals, orientation errors, episodes, per-stage latencies
    steps = log.steps
    ran = [r for r in steps if r["action"] is not None]
    assert all(np.isfinite(r["orientation_error_rad"]) for r in ran)
    assert "drop" in {r.get("episode_outcome") for r in steps} and len(summary["episodes"]) >= 2, summary["episodes"]
    starts = [r for i, r in enumerate(steps) if i and r["episode"] != steps[i - 1]["episode"]]
    assert len({tuple(r["goal_quat_xyzw"]) for r in starts}) == len(starts)  # a new goal each episode
    home = np.array(log.header["loop"]["object_home_m"])
    assert all(np.linalg.norm(np.array(r["pose"]["pos_m"]) - home) < 0.12 for r in starts)  # the cube was put back
    assert all(set(r["joint_pos_rad"]) == set(hand.JOINT_NAMES) for r in ran)  # mapped by name from the driver's order
    for stage in ("read", "observe", "infer", "act", "total"):
        assert summary["latency"][stage]["p99_ms"] < 80.0, (stage, summary["latency"][stage])
    assert abs(summary["latency"]["period"]["p50_ms"] - 80.0) < 5.0, summary["latency"]["period"]
    assert summary["deadline_misses"] <= 0.05 * STEPS, summary["deadline_misses"]  # episode resets re-anchor
    ages = [r["joint_age_s"] for r in ran]
    assert max(ages) <= 0.1 and np.median(ages) < 0.02  # /joint_states at 125 Hz, by its stamps
    pose_ages = [r["now_s"] - r["pose"]["stamp_s"] for r in ran]
    assert 0.07 < np.median(pose_ages) < 0.15  # the tracker's 80 ms latency + transport

    # the hand really moved as commanded: joint readings from the node's physics follow the targets
    joints = np.array([[r["joint_pos_rad"][j] for j in hand.JOINT_NAMES] for r in ran])
    assert np.ptp(joints, axis=0).max() > 0.05
    targets = np.array([[r["targets_rad"][m] for m in hand.JOINT_MOTOR_NAMES] for r in ran])
    motor_joints = np.array([[r["joint_pos_rad"][m] for m in hand.JOINT_MOTOR_NAMES] for r in ran])
    late = slice(len(ran) // 2, None)
    assert np.median(np.abs(targets[late][:-5] - motor_joints[late][5:])) < 0.15

    # on the wire: every command the runtime sent reached the driver's topics, max_force_factor 1 then 0.3
    commands = wire_values(read_jsonl(wire_path))
    sent = sum(1 for r in steps if r["targets_rad"] is not None)
    assert all(len(commands[m]) >= sent - 2 for m in hand.MOTOR_NAMES), {m: len(v) for m, v in commands.items()}
    forces = wire_values(read_jsonl(wire_path), "max_force_factor")
    assert all([v for _, v in forces[m]] == [1.0, 0.3] for m in hand.MOTOR_NAMES)
    received = read_jsonl(received_path)
    assert {m["motor"] for m in received if m["kind"] == "command"} == set(hand.MOTOR_NAMES)
    outcomes = [r["episode_outcome"] for r in steps if r.get("episode_outcome")]
    print(
        f"\nROS end to end: {summary['steps']} steps (policy {summary['policy_steps']}), episodes "
        f"{summary['episodes']}, outcomes {sorted(set(outcomes))} x{len(outcomes)}, "
        f"events {summary['event_counts']}, "
        f"deadline misses {summary['deadline_misses']}, /joint_states age p50/p99 "
        f"{np.percentile(ages, [50, 99]) * 1e3} ms, pose age p50/p99 {np.percentile(pose_ages, [50, 99]) * 1e3} ms, "
        f"latency {json.dumps(summary['latency'])}"
    )
