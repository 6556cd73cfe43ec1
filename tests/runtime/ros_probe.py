"""Probe the stand-in node's driver interface from outside (run with the ROS venv's python): /joint_states names,
order and rate, the pose topic's frame and age, and what max_force_factor does to a motor's effort. Prints JSON.

    python ros_probe.py"""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import rospy
from geometry_msgs.msg import PoseStamped
from sensor_msgs.msg import JointState
from std_msgs.msg import Float64

from dactyl_lab.runtime.backends.ros_names import command_topic, max_force_topic

lock = threading.Lock()
joint_msgs: list[tuple[float, JointState]] = []
pose_msgs: list[tuple[float, PoseStamped]] = []


def _keep(store):
    def callback(msg):
        with lock:
            store.append((time.time(), msg))

    return callback


def _wrj1_efforts(since_s: float) -> list[float]:
    with lock:
        return [m.effort[list(m.name).index("rh_WRJ1")] for t, m in joint_msgs if t >= since_s]


def main() -> None:
    rospy.init_node("node_probe", anonymous=True, disable_signals=True)
    rospy.Subscriber("/joint_states", JointState, _keep(joint_msgs), queue_size=100)
    rospy.Subscriber("/dactyl/object_pose", PoseStamped, _keep(pose_msgs), queue_size=100)
    command = rospy.Publisher(command_topic("rh_WRJ1"), Float64, queue_size=1)
    force = rospy.Publisher(max_force_topic("rh_WRJ1"), Float64, queue_size=1, latch=True)
    deadline = time.time() + 20
    while (command.get_num_connections() == 0 or force.get_num_connections() == 0 or not joint_msgs) and (
        time.time() < deadline
    ):
        time.sleep(0.05)
    t0 = time.time()
    time.sleep(2.0)
    with lock:
        window = [(t, m) for t, m in joint_msgs if t >= t0]
        poses = [(t, m) for t, m in pose_msgs if t >= t0]
    result = {
        "names": list(window[-1][1].name),
        "joint_states_hz": (len(window) - 1) / (window[-1][0] - window[0][0]),
        "pose_frames": sorted({m.header.frame_id for _, m in poses}),
        "pose_age_ms_median": 1e3 * float(np.median([t - m.header.stamp.to_sec() for t, m in poses])),
        "pose_hz": (len(poses) - 1) / (poses[-1][0] - poses[0][0]),
    }
    force.publish(Float64(0.2))  # 20 % of WRJ1's 2.175 N m
    time.sleep(0.3)
    command.publish(Float64(0.4))  # kp 5 -> about 2 N m unlimited
    t1 = time.time()
    time.sleep(0.3)
    result["wrj1_effort_max_at_0.2"] = max(abs(e) for e in _wrj1_efforts(t1))
    force.publish(Float64(1.0))
    time.sleep(0.3)
    command.publish(Float64(-0.4))
    t2 = time.time()
    time.sleep(0.3)
    result["wrj1_effort_max_at_1.0"] = max(abs(e) for e in _wrj1_efforts(t2))
    print("PROBE " + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
