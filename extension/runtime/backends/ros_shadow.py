"""Shadow Dexterous Hand through its ROS 1 driver (sr_hand_robot), and an object pose from a ROS topic.

* commands: one std_msgs/Float64 per motor on ``/sh_rh_<motor lowercase>_position_controller/command`` [rad]
  (tendon motors rh_FFJ0..rh_LFJ0 command J0 = J1 + J2);
* joint angles: ``/joint_states`` (sensor_msgs/JointState) mapped by name (its order is the driver's); their
  age (time since the last message) feeds the watchdog;
* fingertips: forward kinematics of the rewritten MJCF from the joint angles (:mod:`..kinematics`);
* soft stop: ``max_force_factor`` (std_msgs/Float64 in [0, 1]) on every controller, set to
  ``max_force_factor`` at start and to ``stop_force_factor`` in :meth:`RosShadowHand.safe_stop`;
* object pose: geometry_msgs/PoseStamped in the hand-mount frame rh_hand_mount (x, y, z, w quaternion as ROS stores it),
  stamped at measurement time; messages in another ``frame_id`` than expected are dropped (so the pose
  goes stale and the watchdog holds).

Start-up (:meth:`RosShadowHand.start`, before anything is sent): every motor's command topic must have a subscriber
(the driver's controller) and the first /joint_states must name every joint the policy needs, else a
:class:`~dactyl_lab.contract.ContractMismatchError` names what is missing; only then ``max_force_factor`` is set.
The age of /joint_states is taken from its ``header.stamp`` (arrival time if unstamped), so a driver that keeps
re-sending an old state reads as stale.

``rospy`` is imported only here, when this backend is chosen; the node is started with
``disable_signals=True`` so Ctrl-C reaches the runtime, which then moves the hand to the safe pose.
On Debian bookworm ``scripts/setup_ros.sh`` installs ROS 1 and a venv that sees it.
"""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import numpy as np

from dactyl_lab.spec import hand
from dactyl_lab.contract import ContractMismatchError
from dactyl_lab.runtime.backends.ros_names import (
    check_max_force_factor,
    command_topic,
    joint_positions_from_joint_state,
    max_force_topic,
)
from dactyl_lab.runtime.interfaces import HandInterface, ObjectPose, PoseSource
from dactyl_lab.runtime.kinematics import FingertipKinematics


def import_ros() -> SimpleNamespace:
    """rospy and the message types, or a clear error saying how to get them."""
    try:
        import rospy
        from geometry_msgs.msg import PoseStamped
        from sensor_msgs.msg import JointState
        from std_msgs.msg import Float64
    except ImportError as error:
        raise RuntimeError(
            "the 'ros' hand backend needs ROS 1 (rospy, std_msgs, sensor_msgs, geometry_msgs), which is not "
            f"importable here ({error}). On Debian: `bash scripts/setup_ros.sh` (as root) and run with "
            "`.venv-ros/bin/dactyl-lab-runtime`; on the Shadow hand's ROS computer: "
            "`source /opt/ros/noetic/setup.bash` first. Or use --hand mujoco / --hand replay."
        ) from error
    return SimpleNamespace(rospy=rospy, PoseStamped=PoseStamped, JointState=JointState, Float64=Float64)


def init_node(ros: SimpleNamespace, node_name: str) -> None:
    if not ros.rospy.core.is_initialized():
        ros.rospy.init_node(node_name, anonymous=False, disable_signals=True)


class RosShadowHand(HandInterface):
    def __init__(
        self,
        fingertips: FingertipKinematics,
        joint_states_topic: str = "/joint_states",
        controller_prefix: str = "sh_",
        max_force_factor: float = 1.0,
        stop_force_factor: float = 0.3,
        node_name: str = "dactyl_lab_runtime",
        prompt_between_episodes: bool = True,
    ):
        self.ros = ros = import_ros()
        init_node(ros, node_name)
        self.fingertips = fingertips
        self.joint_states_topic = joint_states_topic
        self.max_force_factor = check_max_force_factor(max_force_factor)
        self.stop_force_factor = check_max_force_factor(stop_force_factor)
        self.prompt_between_episodes = prompt_between_episodes
        self._lock = threading.Lock()
        self._joints: dict[str, float] | None = None
        self._joints_received_s = float("-inf")
        self._last_read: dict[str, float] = {}
        self.mapping_error: str | None = None
        self.driver_joint_names: list[str] | None = None
        """Joint names of the newest /joint_states message (also when it could not be mapped)."""
        pub = ros.rospy.Publisher
        motors = hand.MOTOR_NAMES
        self.command_pubs = {m: pub(command_topic(m, controller_prefix), ros.Float64, queue_size=1) for m in motors}
        self.force_pubs = {
            m: pub(max_force_topic(m, controller_prefix), ros.Float64, queue_size=1, latch=True) for m in motors
        }
        self.subscriber = ros.rospy.Subscriber(joint_states_topic, ros.JointState, self._on_joint_state, queue_size=1)

    def start(self, timeout_s: float = 5.0) -> None:
        """Check the driver before anything is sent, then set ``max_force_factor``.

        Raises ContractMismatchError when a motor's command topic has no subscriber within ``timeout_s`` [s] or
        /joint_states lacks a joint the policy needs; RuntimeError when no /joint_states arrives at all."""
        deadline = time.monotonic() + timeout_s
        missing = list(self.command_pubs)
        while missing and time.monotonic() < deadline:
            missing = [m for m, pub in self.command_pubs.items() if pub.get_num_connections() == 0]
            if missing:
                time.sleep(0.02)
        if missing:
            topics = ", ".join(self.command_pubs[m].resolved_name for m in missing)
            raise ContractMismatchError(
                f"the hand's driver runs no position controller for {', '.join(missing)}: nobody subscribed to "
                f"{topics} within {timeout_s:g} s. Start the Shadow driver with position controllers "
                "(Change Robot Control "
                "Mode: position), check --controller_prefix, or raise --driver_timeout_s"
            )
        while time.monotonic() < deadline and self._joints is None and self.mapping_error is None:
            time.sleep(0.01)
        if self._joints is None:
            if self.mapping_error is not None:
                raise ContractMismatchError(
                    f"{self.joint_states_topic} does not match the policy: {self.mapping_error}. The policy drives a "
                    f"right Shadow hand (joints {hand.JOINT_NAMES[0]} .. {hand.JOINT_NAMES[-1]}); point "
                    "--joint_states_topic at that hand's driver"
                )
            raise RuntimeError(
                f"no {self.joint_states_topic} message within {timeout_s:g} s: is the Shadow driver running and "
                "ROS_MASTER_URI / ROS_IP set to reach it? (--joint_states_topic, --driver_timeout_s)"
            )
        self._publish_force(self.max_force_factor)

    @property
    def motor_names(self) -> tuple[str, ...]:
        return hand.MOTOR_NAMES

    def _on_joint_state(self, msg) -> None:
        self.driver_joint_names = list(msg.name)
        try:
            joints = joint_positions_from_joint_state(msg.name, msg.position)
        except (KeyError, ValueError) as error:
            self.mapping_error = str(error).strip("'\"")
            return
        header = getattr(msg, "header", None)
        stamp_s = header.stamp.to_sec() if header is not None else 0.0
        with self._lock:
            self._joints = joints
            self._joints_received_s = stamp_s or self.ros.rospy.get_time()  # unstamped: arrival time

    def _publish_force(self, factor: float) -> None:
        for publisher in self.force_pubs.values():
            publisher.publish(self.ros.Float64(factor))

    def read_joint_positions(self) -> dict[str, float]:
        """Latest /joint_states by name; empty until the first complete message (the watchdog holds)."""
        with self._lock:
            self._last_read = dict(self._joints) if self._joints is not None else {}
        return dict(self._last_read)

    def joint_reading_age_s(self) -> float:
        """Age of the newest complete /joint_states [s] by its header.stamp (arrival if unstamped; inf before one)."""
        return self.ros.rospy.get_time() - self._joints_received_s

    def read_fingertip_positions(self) -> dict[str, np.ndarray]:
        return self.fingertips(self._last_read)

    def send_targets(self, targets_rad: dict[str, float]) -> None:
        for motor, value in targets_rad.items():
            self.command_pubs[motor].publish(self.ros.Float64(float(value)))

    def safe_stop(self) -> None:
        try:
            self._publish_force(self.stop_force_factor)
            time.sleep(0.2)  # rospy sends from its own threads: let the soft stop go out before the process ends
        except Exception:  # noqa: BLE001 - never raise from a stop
            pass

    def reset_episode(self) -> None:
        if self.prompt_between_episodes:
            input("episode over: put the cube back on the palm and press Enter ")

    def close(self) -> None:
        self.subscriber.unregister()
        for publisher in (*self.command_pubs.values(), *self.force_pubs.values()):
            publisher.unregister()


class RosPoseSource(PoseSource):
    def __init__(
        self,
        topic: str = "/dactyl/object_pose",
        frame_id: str | None = None,
        node_name: str = "dactyl_lab_runtime",
        wait_for_object: tuple[tuple[float, float, float], float, float, float] | None = None,
    ):
        """``wait_for_object`` = (home position [m], distance [m], freshness [s], timeout [s]): at each new episode
        wait until a fresh pose shows the cube within that distance of home (someone put it back), or raise
        RuntimeError after the timeout."""
        self.ros = ros = import_ros()
        init_node(ros, node_name)
        self.frame_id = frame_id
        self.wait_for_object = wait_for_object
        self.dropped_wrong_frame = 0
        self._pose: ObjectPose | None = None
        self._lock = threading.Lock()
        self.subscriber = ros.rospy.Subscriber(topic, ros.PoseStamped, self._on_pose, queue_size=1)

    def _on_pose(self, msg) -> None:
        if self.frame_id and msg.header.frame_id != self.frame_id:
            self.dropped_wrong_frame += 1
            return
        stamp = msg.header.stamp.to_sec() or self.ros.rospy.get_time()  # unstamped: arrival time
        p, q = msg.pose.position, msg.pose.orientation
        pose = ObjectPose(np.array([p.x, p.y, p.z]), np.array([q.x, q.y, q.z, q.w]), float(stamp))
        with self._lock:
            self._pose = pose

    def read_pose(self) -> ObjectPose | None:
        with self._lock:
            return self._pose

    def now_s(self) -> float:
        return float(self.ros.rospy.get_time())

    def object_is_back(self) -> bool:
        home_m, distance_m, fresh_s, _ = self.wait_for_object
        pose = self.read_pose()
        return (
            pose is not None
            and self.now_s() - pose.stamp_s <= fresh_s
            and float(np.linalg.norm(pose.pos_m - np.asarray(home_m))) <= distance_m
        )

    def reset_episode(self) -> None:
        """With ``wait_for_object``: block until the cube is back on the palm (the hand holds its last command)."""
        if self.wait_for_object is None:
            return
        timeout_s = self.wait_for_object[3]
        deadline = time.monotonic() + timeout_s
        while not self.object_is_back():
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the cube is not back on the palm within {timeout_s:g} s after the episode ended "
                    "(put it back, or raise --reset_timeout_s)"
                )
            time.sleep(0.02)

    def close(self) -> None:
        self.subscriber.unregister()
