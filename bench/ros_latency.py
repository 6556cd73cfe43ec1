"""Latency the ROS 1 path adds to a control step, on loopback: roscore + the stand-in hand node (Shadow driver
interface) + this process as the runtime's side.

Measured (p50 / p99 / max, against the 80 ms control period):

* ``command_to_echo``: a step command published on ``/sh_rh_wrj1_position_controller/command`` until the first
  ``/joint_states`` whose WRJ1 effort shows it arrives here (publish -> node callback -> next 8 ms physics step ->
  /joint_states publish -> this subscriber): the ROS path's round trip, incl. up to one 8 ms driver period;
* ``joint_states_age``: receive time - header.stamp of /joint_states (one-way transport + the node's publish);
* ``publish_20``: publishing one command on each of the 20 controller topics (the runtime's "act" cost).

Run with the ROS venv (scripts/setup_ros.sh):  .venv-ros/bin/python bench/ros_latency.py [--samples 100] [--json F]
ROS_MASTER_URI=http://127.0.0.1:<free port>, ROS_IP=127.0.0.1: nothing leaves loopback.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xmlrpc.client
from pathlib import Path

import numpy as np

WRJ1_KP = 5.0  # the rewritten MJCF's WRJ1 position gain [N m / rad]: a step of S rad changes the effort by ~5 S


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _stats(values_s: list[float]) -> dict[str, float]:
    ms = 1e3 * np.asarray(values_s)
    return {
        "n": int(ms.size),
        "p50_ms": float(np.percentile(ms, 50)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
    }


def _start(argv, env, log_path) -> subprocess.Popen:
    with open(log_path, "w") as out:
        return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)


def _wait_master(uri: str, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if xmlrpc.client.ServerProxy(uri).getPid("/bench")[0] == 1:
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"roscore at {uri} did not answer within {timeout_s} s")


def measure(samples: int, settle_s: float, step_rad: float) -> dict:
    import rospy
    from sensor_msgs.msg import JointState
    from std_msgs.msg import Float64

    from dactyl_lab.spec import hand
    from dactyl_lab.runtime.backends.ros_names import command_topic

    rospy.init_node("ros_latency_bench", anonymous=True, disable_signals=True)
    arrived = threading.Condition()
    state = {"effort": None, "ages": [], "msgs": 0}

    def on_joint_states(msg: JointState) -> None:
        t_wall, t_perf = time.time(), time.perf_counter()
        effort = msg.effort[list(msg.name).index("rh_WRJ1")]
        with arrived:
            state["effort"], state["t_perf"] = effort, t_perf
            state["ages"].append(t_wall - msg.header.stamp.to_sec())
            state["msgs"] += 1
            arrived.notify_all()

    rospy.Subscriber("/joint_states", JointState, on_joint_states, queue_size=10)
    pubs = {m: rospy.Publisher(command_topic(m), Float64, queue_size=1) for m in hand.MOTOR_NAMES}
    deadline = time.monotonic() + 20
    while any(p.get_num_connections() == 0 for p in pubs.values()) or state["effort"] is None:
        if time.monotonic() > deadline:
            raise SystemExit("the stand-in node did not connect within 20 s")
        time.sleep(0.05)
    for pub in pubs.values():  # every motor to 0 rad (inside every motor's range)
        pub.publish(Float64(0.0))
    time.sleep(1.0)
    with arrived:
        state["ages"].clear()
    echo, publish_20 = [], []
    for i in range(samples):
        target = step_rad if i % 2 == 0 else -step_rad
        time.sleep(settle_s)
        with arrived:
            baseline = state["effort"]
        t0 = time.perf_counter()
        pubs["rh_WRJ1"].publish(Float64(target))
        with arrived:
            ok = arrived.wait_for(lambda: abs(state["effort"] - baseline) > 0.5 * WRJ1_KP * step_rad, timeout=1.0)
            t_echo = state["t_perf"]
        if ok:
            echo.append(t_echo - t0)
        t1 = time.perf_counter()
        for motor, pub in pubs.items():
            if motor != "rh_WRJ1":
                pub.publish(Float64(0.0))
        pubs["rh_WRJ1"].publish(Float64(target))
        publish_20.append(time.perf_counter() - t1)
    with arrived:
        ages = list(state["ages"])
    return {
        "samples": samples,
        "echoed": len(echo),
        "command_to_echo": _stats(echo),
        "joint_states_age": _stats(ages),
        "publish_20": _stats(publish_20),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--samples", type=int, default=100, help="step commands sent (default 100)")
    parser.add_argument("--settle", type=float, default=0.25, metavar="S", help="wait between steps [s]")
    parser.add_argument("--step", type=float, default=0.2, metavar="RAD", help="WRJ1 command step [rad]")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    port = _free_port()
    uri = f"http://127.0.0.1:{port}"
    tmp = Path(tempfile.mkdtemp(prefix="ros_latency_"))
    env = {k: v for k, v in os.environ.items() if k not in ("ROS_HOSTNAME", "PYTHONPATH")}
    env.update(ROS_MASTER_URI=uri, ROS_IP="127.0.0.1", ROS_HOME=str(tmp), OMP_NUM_THREADS="1")
    os.environ.update(ROS_MASTER_URI=uri, ROS_IP="127.0.0.1", ROS_HOME=str(tmp))
    os.environ.pop("ROS_HOSTNAME", None)
    procs = []
    try:
        print(f"[ros_latency] roscore on {uri}", flush=True)
        procs.append(_start(["/usr/bin/roscore", "-p", str(port)], env, tmp / "roscore.log"))
        _wait_master(uri)
        node = str(Path(sys.executable).with_name("dactyl-lab-standin-node"))
        procs.append(_start([node], env, tmp / "node.log"))
        print(f"[ros_latency] stand-in node started; {args.samples} WRJ1 steps of {args.step} rad", flush=True)
        result = measure(args.samples, args.settle, args.step)
    finally:
        for proc in reversed(procs):
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGINT)
                try:
                    proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
    period_ms = 80.0
    print(f"{'stage':<20} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}   (control period {period_ms:g} ms)")
    for name in ("command_to_echo", "joint_states_age", "publish_20"):
        s = result[name]
        print(
            f"{name:<20} {s['p50_ms']:8.2f} {s['p99_ms']:8.2f} {s['max_ms']:8.2f}   "
            f"p99 = {100 * s['p99_ms'] / period_ms:.1f}% of the period"
        )
    print(f"echoed {result['echoed']} of {result['samples']} steps")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return 0 if result["echoed"] == result["samples"] else 1


if __name__ == "__main__":
    sys.exit(main())
