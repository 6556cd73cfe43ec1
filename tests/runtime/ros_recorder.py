"""What went over the wire: a ROS node (run with the ROS venv's python) that writes every message on the Shadow
controllers' command and max_force_factor topics as JSON lines {t_wall_s, kind, motor, value}, flushed per line.

    python ros_recorder.py OUT.jsonl [--skip MOTOR ...]

It is a separate process so that it keeps recording when the hand node is killed."""

from __future__ import annotations

import argparse
import json
import time

import rospy
from std_msgs.msg import Float64

from dactyl_lab.spec import hand
from dactyl_lab.runtime.backends.ros_names import command_topic, max_force_topic


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--skip", action="append", default=[])
    args = parser.parse_args()
    rospy.init_node("wire_recorder", anonymous=True)
    out = open(args.out, "w", buffering=1)  # noqa: SIM115 - open for the node's life

    def record(msg, key):
        out.write(json.dumps({"t_wall_s": time.time(), "kind": key[0], "motor": key[1], "value": msg.data}) + "\n")

    subs = []
    for motor in hand.MOTOR_NAMES:
        if motor not in args.skip:
            subs.append(rospy.Subscriber(command_topic(motor), Float64, record, ("command", motor)))
            subs.append(rospy.Subscriber(max_force_topic(motor), Float64, record, ("max_force_factor", motor)))
    print("[recorder] ready", flush=True)
    rospy.spin()
    out.close()


if __name__ == "__main__":
    main()
