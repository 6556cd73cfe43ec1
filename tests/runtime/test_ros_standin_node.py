"""The stand-in node speaks the Shadow driver's interface over real ROS 1 (seen from a separate ROS process):
/joint_states with the driver's 24 joint names in the driver's order at 125 Hz, the cube pose in rh_hand_mount
80 ms old, and max_force_factor limiting a motor's force."""

from __future__ import annotations

import json
from pathlib import Path

from dactyl_lab.spec import hand
from dactyl_lab.runtime.backends.ros_names import DRIVER_JOINT_ORDER, JOINT_STATES_RATE_HZ

from tests.runtime.ros_harness import graph  # noqa: F401 - a fixture

PROBE = Path(__file__).with_name("ros_probe.py")
WRJ1_MAX_FORCE_NM = 2.175  # the rewritten MJCF's forcerange of rh_WRJ1


def test_node_publishes_the_driver_interface_and_honours_max_force_factor(graph):  # noqa: F811
    graph.node("--seed", "0")
    probe = graph.start("probe", [graph.bin("python"), PROBE])
    assert probe.popen.wait(timeout=90) == 0, probe.output()[-3000:]
    result = json.loads(probe.output().split("PROBE ", 1)[1].splitlines()[0])
    assert result["names"] == list(DRIVER_JOINT_ORDER) and result["names"] != list(hand.JOINT_NAMES)
    assert abs(result["joint_states_hz"] - JOINT_STATES_RATE_HZ) < 0.1 * JOINT_STATES_RATE_HZ, result
    assert result["pose_frames"] == ["rh_hand_mount"]
    assert 75.0 < result["pose_age_ms_median"] < 120.0, result  # the tracker's 80 ms latency + transport
    assert result["wrj1_effort_max_at_0.2"] <= 0.2 * WRJ1_MAX_FORCE_NM + 1e-6, result  # the soft limit holds
    assert result["wrj1_effort_max_at_1.0"] > 0.8 * WRJ1_MAX_FORCE_NM, result  # full force again
