"""``dactyl-lab-standin-node``: the MuJoCo stand-in hand behind the Shadow driver's ROS 1 interface.

A ROS node named like the driver (``/sr_hand_robot``) that runs the stand-in hand + cube (:mod:`.mujoco_standin`) in
real time and speaks the driver's topics (names and rates: :mod:`.ros_names`, from Shadow's documentation):

* subscribes to the 20 ``/sh_rh_<motor>_position_controller/command`` topics (std_msgs/Float64 [rad]; the tendon
  motors' J0 topics command J1 + J2) and applies the newest command of each at the next physics step;
* subscribes to ``.../max_force_factor`` ([0, 1]) and scales that actuator's force range by it (the driver scales
  the controller's maximum output);
* publishes ``/joint_states`` (sensor_msgs/JointState: the driver's 24 joint names in the driver's order, position
  [rad], velocity [rad/s], effort = the actuator's generalised force on the joint) after every 8 ms physics step:
  125 Hz, the driver's documented rate, stamped with the time the state was reached;
* publishes the cube pose of the simulated tracker (:class:`.mujoco_standin.SimulatedTracker`: the paper's
  correlated + uncorrelated noise, reporting the measurement ``--tracker-latency`` s old) as
  geometry_msgs/PoseStamped in ``rh_hand_mount`` at ``--pose-rate``, stamped with its measurement time;
* plays the operator: a cube that fell off the palm is put back after ``--replace-delay`` s.

Fault drills (``--fault KIND@SECONDS``, counted from the first command received): ``joint_states_stop`` (no more
/joint_states), ``joint_states_stale`` (the last /joint_states re-sent unchanged, old stamp), ``pose_stop`` (no more
pose). ``--without-controller MOTOR`` leaves a controller out (its command topic has no subscriber);
``--joint-prefix lh_`` publishes another hand's joint names. ``--record PATH`` writes every received command and
force factor as JSON lines (wall time, motor, value).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np

from dactyl_lab.spec import hand
from dactyl_lab.spec import noise as paper_noise
from dactyl_lab.spec.task import CONTROL_PERIOD_S
from dactyl_lab.runtime.backends.ros_names import (
    DRIVER_JOINT_ORDER,
    DRIVER_NODE,
    JOINT_STATES_RATE_HZ,
    check_max_force_factor,
    command_topic,
    max_force_topic,
)
from dactyl_lab.runtime.loop import LoopConfig

FAULT_KINDS = ("joint_states_stop", "joint_states_stale", "pose_stop")


@dataclass
class NodeConfig:
    physics_dt_s: float = 1.0 / JOINT_STATES_RATE_HZ
    """One MuJoCo step per /joint_states message (8 ms = the task's physics step, 125 Hz = the driver's rate)."""
    pose_topic: str = "/dactyl/object_pose"
    pose_frame: str = "rh_hand_mount"
    pose_rate_hz: float = JOINT_STATES_RATE_HZ
    tracker_latency_s: float = CONTROL_PERIOD_S
    """The reported pose was measured this long ago [s] (the stand-in tracker's default: one 80 ms control step)."""
    pos_noise_m: tuple[float, float] = paper_noise.OBJECT_POS_STD_M
    rot_noise_rad: tuple[float, float] = paper_noise.OBJECT_ROT_STD_RAD
    controller_prefix: str = "sh_"
    joint_prefix: str = "rh_"
    without_controllers: tuple[str, ...] = ()
    replace_delay_s: float = 1.0
    seed: int = 0
    faults: dict[str, float] = field(default_factory=dict)
    """Fault kind -> seconds after the first command."""
    record_path: str | None = None
    duration_s: float | None = None


def _fault(text: str) -> tuple[str, float]:
    kind, _, seconds = text.partition("@")
    if kind not in FAULT_KINDS or not seconds:
        raise argparse.ArgumentTypeError(f"expected KIND@SECONDS with KIND one of {', '.join(FAULT_KINDS)}")
    return kind, float(seconds)


def _motor(text: str) -> str:
    if text not in hand.MOTOR_NAMES:
        raise argparse.ArgumentTypeError(f"unknown motor {text!r}; motors: {', '.join(hand.MOTOR_NAMES)}")
    return text


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="dactyl-lab-standin-node",
        description="The MuJoCo stand-in Shadow hand + cube + simulated tracker as a ROS 1 node with the Shadow "
        "driver's interface (per-motor position controller topics, /joint_states at 125 Hz, max_force_factor) and "
        "a cube pose topic. Needs a running roscore (ROS_MASTER_URI).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    d = NodeConfig()
    p.add_argument("--pose-topic", default=d.pose_topic, help="geometry_msgs/PoseStamped topic of the cube")
    p.add_argument("--pose-frame", default=d.pose_frame, help="header.frame_id of the pose messages")
    p.add_argument("--pose-rate", type=float, default=d.pose_rate_hz, metavar="HZ", help="pose messages per second")
    p.add_argument(
        "--tracker-latency",
        type=float,
        default=d.tracker_latency_s,
        metavar="S",
        help="the published pose was measured this long ago [s]",
    )
    p.add_argument(
        "--pos-noise",
        type=float,
        nargs=2,
        default=d.pos_noise_m,
        metavar=("CORR", "UNCORR"),
        help="cube position noise std [m]: correlated per episode, per measurement",
    )
    p.add_argument(
        "--rot-noise",
        type=float,
        nargs=2,
        default=d.rot_noise_rad,
        metavar=("CORR", "UNCORR"),
        help="cube orientation noise std [rad] about random axes: correlated, per measurement",
    )
    p.add_argument(
        "--controller-prefix",
        default=d.controller_prefix,
        help="controllers are <prefix><motor lowercase>_position_controller",
    )
    p.add_argument(
        "--joint-prefix",
        default=d.joint_prefix,
        help="prefix of the joint names in /joint_states (lh_ imitates a left hand's driver)",
    )
    p.add_argument(
        "--without-controller",
        type=_motor,
        action="append",
        default=[],
        metavar="MOTOR",
        help="fault drill: do not run this motor's controller (no subscriber on its command topic)",
    )
    p.add_argument(
        "--fault",
        type=_fault,
        action="append",
        default=[],
        metavar="KIND@S",
        help=f"fault drill, S seconds after the first command: {', '.join(FAULT_KINDS)}",
    )
    p.add_argument(
        "--replace-delay",
        type=float,
        default=d.replace_delay_s,
        metavar="S",
        help="put a fallen cube back on the palm after this long [s] (the operator)",
    )
    p.add_argument("--seed", type=int, default=d.seed, help="seed of the cube yaw and the tracker noise")
    p.add_argument(
        "--record", default=None, metavar="PATH", help="write every received command / max_force_factor as JSON lines"
    )
    p.add_argument("--duration", type=float, default=None, metavar="S", help="exit after this long (default: never)")
    return p


def config_from_args(args) -> NodeConfig:
    return NodeConfig(
        pose_topic=args.pose_topic,
        pose_frame=args.pose_frame,
        pose_rate_hz=args.pose_rate,
        tracker_latency_s=args.tracker_latency,
        pos_noise_m=tuple(args.pos_noise),
        rot_noise_rad=tuple(args.rot_noise),
        controller_prefix=args.controller_prefix,
        joint_prefix=args.joint_prefix,
        without_controllers=tuple(args.without_controller),
        replace_delay_s=args.replace_delay,
        seed=args.seed,
        faults=dict(args.fault),
        record_path=args.record,
        duration_s=args.duration,
    )


def driver_joint_name(joint: str, prefix: str) -> str:
    """``rh_FFJ3`` as another hand's driver would call it (``lh_FFJ3`` for prefix ``lh_``)."""
    return prefix + joint.removeprefix("rh_")


class StandInNode:
    """The stand-in hand behind the driver's topics; :meth:`spin` runs it in real time."""

    def __init__(self, config: NodeConfig):
        from dactyl_lab.runtime.backends.mujoco_standin import MujocoStandInHand, SimulatedTracker
        from dactyl_lab.runtime.backends.ros_shadow import import_ros

        self.config = c = config
        self.ros = ros = import_ros()
        ros.rospy.init_node(DRIVER_NODE, anonymous=False)
        self.standin = standin = MujocoStandInHand(physics_dt_s=c.physics_dt_s, substeps=1, seed=c.seed)
        latency_steps = round(c.tracker_latency_s / c.physics_dt_s)
        self.tracker = SimulatedTracker(standin, latency_steps, c.pos_noise_m, c.rot_noise_rad, c.seed + 1)
        model = standin.model
        self.base_force_range = model.actuator_forcerange.copy()
        self.dof_of_joint = {j: int(model.joint(j).dofadr[0]) for j in hand.JOINT_NAMES}
        self.object_qpos0 = model.qpos0[standin.object_qpos : standin.object_qpos + 7].copy()
        self.object_dof = int(model.joint("object_joint").dofadr[0])
        home = LoopConfig()
        self.object_home_m, self.fall_distance_m = np.asarray(home.object_home_m), home.fall_distance_m
        self.joint_names = [driver_joint_name(j, c.joint_prefix) for j in DRIVER_JOINT_ORDER]
        self._lock = threading.Lock()
        self._pending: dict[str, float] = {}
        self._force: dict[str, float] = {}
        self.first_command_wall_s: float | None = None
        self.commands_received = 0
        self._record = open(c.record_path, "a", buffering=1) if c.record_path else None  # noqa: SIM115
        self.subscribers = []
        for motor in hand.MOTOR_NAMES:
            if motor in c.without_controllers:
                continue
            sub = ros.rospy.Subscriber
            self.subscribers.append(
                sub(
                    command_topic(motor, c.controller_prefix),
                    ros.Float64,
                    self._on_command,
                    callback_args=motor,
                    queue_size=10,
                )
            )
            self.subscribers.append(
                sub(
                    max_force_topic(motor, c.controller_prefix),
                    ros.Float64,
                    self._on_force,
                    callback_args=motor,
                    queue_size=10,
                )
            )
        self.joint_pub = ros.rospy.Publisher("/joint_states", ros.JointState, queue_size=10)
        self.pose_pub = ros.rospy.Publisher(c.pose_topic, ros.PoseStamped, queue_size=10)
        self._last_joint_msg = None
        self._dropped_since_s: float | None = None

    # -- topics in -------------------------------------------------------------------------------------
    def _log(self, kind: str, motor: str, value: float) -> None:
        if self._record is not None:
            line = {"t_wall_s": time.time(), "kind": kind, "motor": motor, "value": value}
            self._record.write(json.dumps(line) + "\n")

    def _on_command(self, msg, motor: str) -> None:
        with self._lock:
            self._pending[motor] = float(msg.data)
            self.commands_received += 1
            if self.first_command_wall_s is None:
                self.first_command_wall_s = time.time()
        self._log("command", motor, float(msg.data))

    def _on_force(self, msg, motor: str) -> None:
        try:
            factor = check_max_force_factor(float(msg.data))
        except ValueError as error:
            self.ros.rospy.logwarn(f"{motor}: ignored {error}")
            return
        with self._lock:
            self._force[motor] = factor
        self._log("max_force_factor", motor, factor)

    # -- one physics step ----------------------------------------------------------------------------------
    def _apply_inputs(self) -> None:
        with self._lock:
            pending, self._pending = self._pending, {}
            force, self._force = self._force, {}
        standin = self.standin
        for motor, value in pending.items():
            standin.data.ctrl[standin.actuator_id[motor]] = value
        for motor, factor in force.items():
            i = standin.actuator_id[motor]
            standin.model.actuator_forcerange[i] = self.base_force_range[i] * factor

    def _fault_active(self, kind: str, now_s: float) -> bool:
        start = self.config.faults.get(kind)
        first_s = self.first_command_wall_s
        return start is not None and first_s is not None and now_s >= first_s + start

    def _replace_fallen_cube(self, now_s: float) -> None:
        """The operator: a cube farther than the task's fall distance from its place goes back after a while."""
        pos, _ = self.standin.object_pose_true()
        if np.linalg.norm(pos - self.object_home_m) <= self.fall_distance_m:
            self._dropped_since_s = None
            return
        if self._dropped_since_s is None:
            self._dropped_since_s = now_s
        elif now_s - self._dropped_since_s >= self.config.replace_delay_s:
            import mujoco

            data, adr = self.standin.data, self.standin.object_qpos
            data.qpos[adr : adr + 7] = self.object_qpos0
            data.qvel[self.object_dof : self.object_dof + 6] = 0.0
            mujoco.mj_forward(self.standin.model, data)
            self.tracker.reset_episode()
            self._dropped_since_s = None

    def _joint_state(self, stamp):
        standin, msg = self.standin, self.ros.JointState()
        msg.header.stamp = stamp
        msg.name = list(self.joint_names)
        msg.position = [float(standin.data.qpos[standin.qpos_adr[j]]) for j in DRIVER_JOINT_ORDER]
        msg.velocity = [float(standin.data.qvel[self.dof_of_joint[j]]) for j in DRIVER_JOINT_ORDER]
        msg.effort = [float(standin.data.qfrc_actuator[self.dof_of_joint[j]]) for j in DRIVER_JOINT_ORDER]
        return msg

    def _pose(self, now):
        pose = self.tracker.read_pose()
        if pose is None:
            return None
        msg = self.ros.PoseStamped()
        age_s = self.standin.time_s - pose.stamp_s  # sim time since the measurement
        msg.header.stamp = now - self.ros.rospy.Duration.from_sec(age_s)
        msg.header.frame_id = self.config.pose_frame
        p, q = pose.pos_m, pose.quat_xyzw
        msg.pose.position.x, msg.pose.position.y, msg.pose.position.z = (float(v) for v in p)
        o = msg.pose.orientation
        o.x, o.y, o.z, o.w = (float(v) for v in q)
        return msg

    def step(self, wall_s: float, publish_pose: bool) -> None:
        self._apply_inputs()
        self.standin.tick(self.config.physics_dt_s)
        self._replace_fallen_cube(wall_s)
        now = self.ros.rospy.Time.now()
        if self._fault_active("joint_states_stale", wall_s) and self._last_joint_msg is not None:
            self.joint_pub.publish(self._last_joint_msg)  # the same message again: frozen values, old stamp
        elif not self._fault_active("joint_states_stop", wall_s):
            self._last_joint_msg = self._joint_state(now)
            self.joint_pub.publish(self._last_joint_msg)
        if publish_pose and not self._fault_active("pose_stop", wall_s):
            msg = self._pose(now)
            if msg is not None:
                self.pose_pub.publish(msg)

    def spin(self) -> dict:
        """Step in real time until ROS shuts down or ``duration_s`` passes; returns counters."""
        c, rospy = self.config, self.ros.rospy
        dt = c.physics_dt_s
        pose_every = max(1, round(1.0 / (c.pose_rate_hz * dt)))
        start = next_t = time.perf_counter()
        steps = late = 0
        print(
            f"[standin-node] ready: /{DRIVER_NODE}, /joint_states at {1 / dt:g} Hz, pose on {c.pose_topic} every "
            f"{pose_every * dt * 1e3:g} ms, tracker latency {c.tracker_latency_s:g} s",
            flush=True,
        )
        while not rospy.is_shutdown():
            if c.duration_s is not None and time.perf_counter() - start >= c.duration_s:
                break
            self.step(time.time(), steps % pose_every == 0)
            steps += 1
            next_t += dt
            remaining = next_t - time.perf_counter()
            if remaining > 0:
                time.sleep(remaining)
            elif remaining < -0.1:  # more than 100 ms behind: re-anchor rather than race to catch up
                late += 1
                next_t = time.perf_counter()
        return {"steps": steps, "reanchored": late, "commands_received": self.commands_received}

    def close(self) -> None:
        for sub in self.subscribers:
            sub.unregister()
        if self._record is not None:
            self._record.close()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        node = StandInNode(config_from_args(args))
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    try:
        counts = node.spin()
    finally:
        node.close()
    print(f"[standin-node] stopped: {counts}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
