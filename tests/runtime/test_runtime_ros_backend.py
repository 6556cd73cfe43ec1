"""The ROS backend's code paths against a minimal in-memory stand-in for rospy and the message types (the unit
level; tests/runtime/test_ros_*.py run real ROS 1): topics, by-name joint_states, latched max_force_factor, pose
frames, stale joint_states, and a few closed-loop steps through the real ONNX policy."""

from __future__ import annotations

import sys
import types
from collections import defaultdict
from types import SimpleNamespace

import numpy as np
import pytest

from dactyl_lab.spec import hand
from dactyl_lab.runtime.kinematics import FingertipKinematics
from dactyl_lab.runtime.loop import ControlLoop, LoopConfig
from dactyl_lab.runtime.policy import OnnxPolicy
from dactyl_lab.runtime.safety import SafetyConfig

DRIVER_ORDER = sorted(hand.JOINT_NAMES)  # any order other than ours


class FakeRospy(types.ModuleType):
    def __init__(self):
        super().__init__("rospy")
        self.time_s = 1000.0
        self.published = defaultdict(list)  # topic -> [data]
        self.latched = set()
        self.publishers = {}  # topic -> message type
        self.subscribers = {}  # topic -> callback
        self.init_args = None
        self.core = SimpleNamespace(is_initialized=lambda: self.init_args is not None)

    def init_node(self, name, anonymous=False, disable_signals=False):
        self.init_args = (name, disable_signals)

    def get_time(self):
        return self.time_s

    def Publisher(self, topic, msg_type, queue_size=1, latch=False):  # noqa: N802 - rospy's name
        self.publishers[topic] = msg_type
        if latch:
            self.latched.add(topic)
        return SimpleNamespace(
            publish=lambda msg: self.published[topic].append(msg.data),
            resolved_name=topic,
            get_num_connections=lambda: 1,
            unregister=lambda: None,
        )

    def Subscriber(self, topic, msg_type, callback, queue_size=1):  # noqa: N802
        self.subscribers[topic] = callback
        return SimpleNamespace(unregister=lambda: self.subscribers.pop(topic, None))


def _msg_module(name, **classes):
    module = types.ModuleType(name)
    for cls_name, cls in classes.items():
        setattr(module, cls_name, cls)
    return module


class Float64:
    def __init__(self, data=0.0):
        self.data = data


class JointState:
    def __init__(self, name=(), position=()):
        self.name, self.position = list(name), list(position)


class PoseStamped:
    def __init__(self, pos, quat_xyzw, stamp_s, frame_id):
        self.header = SimpleNamespace(stamp=SimpleNamespace(to_sec=lambda: stamp_s), frame_id=frame_id)
        x, y, z = pos
        qx, qy, qz, qw = quat_xyzw
        self.pose = SimpleNamespace(
            position=SimpleNamespace(x=x, y=y, z=z), orientation=SimpleNamespace(x=qx, y=qy, z=qz, w=qw)
        )


@pytest.fixture
def ros(monkeypatch):
    rospy = FakeRospy()
    modules = {
        "rospy": rospy,
        "std_msgs": types.ModuleType("std_msgs"),
        "std_msgs.msg": _msg_module("std_msgs.msg", Float64=Float64),
        "sensor_msgs": types.ModuleType("sensor_msgs"),
        "sensor_msgs.msg": _msg_module("sensor_msgs.msg", JointState=JointState),
        "geometry_msgs": types.ModuleType("geometry_msgs"),
        "geometry_msgs.msg": _msg_module("geometry_msgs.msg", PoseStamped=PoseStamped),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)
    return rospy


@pytest.fixture(scope="module")
def kinematics():
    return FingertipKinematics()


def _joint_state(values: dict[str, float]) -> JointState:
    return JointState(DRIVER_ORDER, [values[n] for n in DRIVER_ORDER])


def test_hand_topics_joint_states_and_soft_stop(ros, kinematics):
    from dactyl_lab.runtime.backends.ros_shadow import RosShadowHand

    ros_hand = RosShadowHand(kinematics, max_force_factor=0.8, stop_force_factor=0.25)
    assert ros.init_args == ("dactyl_lab_runtime", True)  # Ctrl-C stays with the runtime
    command_topics = {t for t in ros.publishers if t.endswith("/command")}
    assert len(command_topics) == 20 and "/sh_rh_ffj0_position_controller/command" in command_topics
    assert "/sh_rh_wrj2_position_controller/command" in command_topics
    assert all(ros.publishers[t] is Float64 for t in command_topics)
    force_topics = [f"/sh_{m.lower()}_position_controller/max_force_factor" for m in hand.MOTOR_NAMES]
    assert not any(ros.published[t] for t in force_topics)  # nothing is sent before start() checked the driver
    assert ros_hand.read_joint_positions() == {} and ros_hand.joint_reading_age_s() == float("inf")

    values = {n: 0.01 * i for i, n in enumerate(hand.JOINT_NAMES)}
    ros.subscribers["/joint_states"](_joint_state(values))
    ros_hand.start(timeout_s=0.1)
    assert all(ros.published[t] == [0.8] for t in force_topics) and set(force_topics) <= ros.latched
    ros.time_s += 0.03
    assert ros_hand.read_joint_positions() == values
    assert ros_hand.joint_reading_age_s() == pytest.approx(0.03)
    tips = ros_hand.read_fingertip_positions()
    np.testing.assert_allclose(tips["rh_thdistal"], kinematics(values)["rh_thdistal"])

    ros_hand.send_targets({"rh_FFJ0": 1.2, "rh_WRJ2": -0.1})
    assert ros.published["/sh_rh_ffj0_position_controller/command"] == [1.2]
    assert ros.published["/sh_rh_wrj2_position_controller/command"] == [-0.1]
    ros_hand.safe_stop()
    assert all(ros.published[t] == [0.8, 0.25] for t in force_topics)


def test_incomplete_joint_state_is_rejected_and_named(ros, kinematics):
    from dactyl_lab.runtime.backends.ros_shadow import RosShadowHand

    ros_hand = RosShadowHand(kinematics)
    ros.subscribers["/joint_states"](JointState(DRIVER_ORDER[:-1], [0.0] * 23))
    assert ros_hand.read_joint_positions() == {}
    assert DRIVER_ORDER[-1] in ros_hand.mapping_error


def test_pose_source_frames_and_stamps(ros):
    from dactyl_lab.runtime.backends.ros_shadow import RosPoseSource

    source = RosPoseSource("/cube", frame_id="rh_hand_mount")
    assert source.read_pose() is None
    ros.subscribers["/cube"](PoseStamped((0, 0, 0), (0, 0, 0, 1), 999.0, "world"))
    assert source.read_pose() is None and source.dropped_wrong_frame == 1
    ros.subscribers["/cube"](PoseStamped((0.01, -0.38, 0.06), (0.1, 0.2, 0.3, 0.9), 999.5, "rh_hand_mount"))
    pose = source.read_pose()
    np.testing.assert_allclose(pose.quat_xyzw, [0.1, 0.2, 0.3, 0.9])  # ROS is x, y, z, w already
    assert pose.stamp_s == 999.5 and source.now_s() - pose.stamp_s == pytest.approx(0.5)
    ros.subscribers["/cube"](PoseStamped((0, 0, 0), (0, 0, 0, 1), 0.0, "rh_hand_mount"))
    assert source.read_pose().stamp_s == ros.time_s  # unstamped: arrival time


def test_closed_loop_through_the_ros_code_path_and_stale_joint_states(ros, kinematics, ff_policy):
    """A toy driver echoes the commanded joint targets into /joint_states each tick, then stops publishing."""
    from dactyl_lab.runtime.backends.ros_shadow import RosPoseSource, RosShadowHand

    class ToyDriverHand(RosShadowHand):
        publishing = True
        joints = {n: 0.0 for n in hand.JOINT_NAMES}

        def tick(self, dt_s):
            ros.time_s += dt_s
            for motor in hand.JOINT_MOTOR_NAMES:
                sent = ros.published[f"/sh_{motor.lower()}_position_controller/command"]
                if sent:
                    self.joints[motor] = sent[-1]
            if self.publishing:
                ros.subscribers["/joint_states"](_joint_state(self.joints))
            cube = PoseStamped((0, -0.38, 0.06), (0, 0, 0, 1), ros.time_s, "rh_hand_mount")
            ros.subscribers["/dactyl/object_pose"](cube)

    ros_hand = ToyDriverHand(kinematics, prompt_between_episodes=False)
    pose = RosPoseSource()
    ros_hand.tick(0.0)  # first messages
    ros_hand.start(timeout_s=0.1)
    policy = OnnxPolicy(ff_policy[0])
    loop = ControlLoop(
        policy.contract,
        policy,
        ros_hand,
        pose,
        SafetyConfig(joints_stale_s=0.1),
        LoopConfig(realtime=False, max_steps=10),
        keep_records=True,
    )
    for _ in range(5):
        record = loop.step()
        ros_hand.tick(0.08)
        loop.step_index += 1
    assert not record["held"] and len(ros.published["/sh_rh_thj5_position_controller/command"]) == 5
    ros_hand.publishing = False  # the driver dies: /joint_states goes silent
    ros_hand.tick(0.08)  # last message 0.08 s old: still within 0.1 s
    assert not loop.step()["held"]
    loop.step_index += 1
    ros_hand.tick(0.08)  # 0.16 s old
    record = loop.step()
    assert record["held"] and any(e["kind"] == "stale_joints" for e in record["events"])
    assert record["targets_rad"]["rh_THJ5"] == ros.published["/sh_rh_thj5_position_controller/command"][-1]
