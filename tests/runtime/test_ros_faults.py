"""Faults over real ROS 1 (roscore + stand-in hand node + dactyl-lab-runtime --hand ros, loopback): each gives the
documented safe behaviour, a clear message, and no new command after the fault is detected (checked in the log and
on the wire by a separate recorder node). Times from the fault to the hold and to the soft stop are printed."""

from __future__ import annotations

import json
import signal
import time

from dactyl_lab.spec import hand

from tests.runtime.ros_harness import check_fault_stop, graph, read_jsonl, wait_for_commands  # noqa: F401 - graph is a fixture

FAULT_AFTER_S = 2.0


def _first_command_wall_s(received_path) -> float:
    return next(m["t_wall_s"] for m in read_jsonl(received_path) if m["kind"] == "command")


def _report(result: dict) -> None:
    print(f"\nROS fault {json.dumps(result)}")


def _start_run(graph, ff_policy, *node_args):  # noqa: F811
    wire = graph.recorder()
    received = graph.node(*node_args)
    graph.runtime(ff_policy[0], "--steps", "400")
    return wire, received


def test_hand_node_killed_mid_run_holds_then_soft_stops(graph, ff_policy):  # noqa: F811
    wire, received = _start_run(graph, ff_policy)
    wait_for_commands(wire, 20 * 25)  # 25 control steps ran
    t_kill = time.time()
    graph.kill("node", signal.SIGKILL)
    _report(check_fault_stop(graph, wire, "stale_joints", t_kill) | {"case": "node killed"})


def test_joint_states_stop_holds_then_soft_stops(graph, ff_policy):  # noqa: F811
    wire, received = _start_run(graph, ff_policy, "--fault", f"joint_states_stop@{FAULT_AFTER_S}")
    graph.procs["runtime"].popen.wait(timeout=60)
    fault_s = _first_command_wall_s(received) + FAULT_AFTER_S
    result = check_fault_stop(graph, wire, "stale_joints", fault_s)
    # the node (still alive) got nothing new either
    last = {m["motor"]: m["value"] for m in read_jsonl(received) if m["kind"] == "command"}
    assert set(last) == set(hand.MOTOR_NAMES)
    _report(result | {"case": "/joint_states stops"})


def test_joint_states_stale_stamps_hold_then_soft_stop(graph, ff_policy):  # noqa: F811
    wire, received = _start_run(graph, ff_policy, "--fault", f"joint_states_stale@{FAULT_AFTER_S}")
    graph.procs["runtime"].popen.wait(timeout=60)
    fault_s = _first_command_wall_s(received) + FAULT_AFTER_S
    _report(check_fault_stop(graph, wire, "stale_joints", fault_s) | {"case": "/joint_states stale (re-sent)"})


def test_pose_topic_stops_holds_then_soft_stops(graph, ff_policy):  # noqa: F811
    wire, received = _start_run(graph, ff_policy, "--fault", f"pose_stop@{FAULT_AFTER_S}")
    graph.procs["runtime"].popen.wait(timeout=60)
    fault_s = _first_command_wall_s(received) + FAULT_AFTER_S
    _report(check_fault_stop(graph, wire, "stale_pose", fault_s) | {"case": "pose topic stops"})


def _assert_refused_before_anything_moved(graph, wire, *expected: str) -> None:  # noqa: F811 (not the fixture)
    runtime = graph.procs["runtime"]
    rc = runtime.popen.wait(timeout=60)
    output = runtime.output()
    assert rc == 2, output[-3000:]
    assert "contract mismatch, nothing was moved" in output, output[-3000:]
    for text in expected:
        assert text in output, (text, output[-3000:])
    time.sleep(0.5)  # anything in flight would have arrived
    assert read_jsonl(wire) == []  # no command and no max_force_factor on any controller


def test_missing_command_topic_at_start_refuses_to_move(graph, ff_policy):  # noqa: F811
    wire = graph.recorder(skip=("rh_FFJ3",))
    graph.node("--without-controller", "rh_FFJ3")
    t0 = time.time()
    graph.runtime(ff_policy[0], "--steps", "50", "--driver_timeout_s", "2")
    _assert_refused_before_anything_moved(graph, wire, "rh_FFJ3", "/sh_rh_ffj3_position_controller/command")
    _report({"case": "command topic missing at start", "refused_after_s": time.time() - t0})


def test_driver_joint_names_not_matching_the_contract_refuse_to_move(graph, ff_policy):  # noqa: F811
    wire = graph.recorder()
    graph.node("--joint-prefix", "lh_")  # a left hand's driver: lh_FFJ1 .. lh_WRJ2
    t0 = time.time()
    graph.runtime(ff_policy[0], "--steps", "50", "--driver_timeout_s", "2")
    _assert_refused_before_anything_moved(graph, wire, "/joint_states does not match the policy", "rh_WRJ2", "lh_FFJ1")
    _report({"case": "driver joint names vs contract", "refused_after_s": time.time() - t0})
