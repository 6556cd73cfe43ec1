"""Real ROS 1 for the tests: a roscore on a free loopback port, the stand-in hand node, a wire recorder and
``dactyl-lab-runtime --hand ros``, each a process of the ROS venv (Debian's Python 3.11 + rospy, made by
scripts/setup_ros.sh). The test process itself (the main venv, Python 3.12) never imports rospy: it starts the
processes, kills them, and reads their logs.

ROS_MASTER_URI=http://127.0.0.1:<port>, ROS_IP=127.0.0.1: nothing leaves the loopback interface."""

from __future__ import annotations

import functools
import json
import os
import signal
import socket
import subprocess
import time
import xmlrpc.client
from dataclasses import dataclass
from pathlib import Path

import pytest

from dactyl_lab.spec import hand
from dactyl_lab.runtime.log import RunLog

REPO = Path(__file__).resolve().parents[2]
RECORDER = Path(__file__).with_name("ros_recorder.py")


def ros_venv() -> Path:
    return Path(os.environ.get("ROS_VENV", REPO / ".venv-ros"))


@functools.cache
def ros_unavailable_reason() -> str | None:
    """None if the ROS venv runs rospy and roscore exists, else why not."""
    python = ros_venv() / "bin" / "python"
    if not python.exists():
        return f"no ROS venv at {ros_venv()}"
    if not Path("/usr/bin/roscore").exists():
        return "roscore is not installed"
    probe = subprocess.run(
        [str(python), "-c", "import rospy, dactyl_lab.runtime"],
        capture_output=True,
        text=True,
        env=clean_env(),
        timeout=60,
    )
    return None if probe.returncode == 0 else f"{python} cannot import rospy: {probe.stderr.strip()[-300:]}"


def require_ros() -> None:
    """Skip (clear reason) where ROS 1 is not set up; fail instead when scripts/test.sh set it up (CI)."""
    reason = ros_unavailable_reason()
    if reason is None:
        return
    message = (
        f"ROS 1 not available: {reason}. Run scripts/setup_ros.sh (needs root and apt-get on Debian "
        "bookworm; scripts/test.sh runs it when it can)"
    )
    if os.environ.get("DACTYL_LAB_REQUIRE_ROS") == "1":
        pytest.fail(message)
    pytest.skip(message)


def clean_env() -> dict[str, str]:
    """The environment without the main venv's Python settings (the ROS venv is another interpreter)."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "ROS_HOSTNAME", "ROS_MASTER_URI", "ROS_IP")
    return {k: v for k, v in os.environ.items() if k not in drop}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    out_path: Path

    def output(self) -> str:
        return self.out_path.read_text(errors="replace")


class RosGraph:
    """Processes on one roscore; :meth:`close` stops every process it started (by process group id)."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.port = free_port()
        self.master_uri = f"http://127.0.0.1:{self.port}"
        home = workdir / "ros_home"
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            **clean_env(),
            "ROS_MASTER_URI": self.master_uri,
            "ROS_IP": "127.0.0.1",
            "ROS_HOME": str(home),
            "PYTHONUNBUFFERED": "1",
            "OMP_NUM_THREADS": "1",
        }
        self.procs: dict[str, Proc] = {}

    def bin(self, name: str) -> str:
        return str(ros_venv() / "bin" / name)

    def start(self, name: str, argv: list[str]) -> Proc:
        out_path = self.workdir / f"{name}.out"
        with out_path.open("w") as out:
            popen = subprocess.Popen(
                [str(a) for a in argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                env=self.env,
                cwd=self.workdir,
                start_new_session=True,
            )
        self.procs[name] = proc = Proc(name, popen, out_path)
        return proc

    def wait_for_output(self, name: str, text: str, timeout_s: float = 60.0) -> None:
        proc, deadline = self.procs[name], time.monotonic() + timeout_s
        while text not in proc.output():
            if proc.popen.poll() is not None:
                raise AssertionError(
                    f"{name} exited ({proc.popen.returncode}) before printing {text!r}:\n{proc.output()[-3000:]}"
                )
            if time.monotonic() > deadline:
                raise AssertionError(f"{name} did not print {text!r} within {timeout_s} s:\n{proc.output()[-3000:]}")
            time.sleep(0.05)

    def roscore(self, timeout_s: float = 30.0) -> None:
        self.start("roscore", ["/usr/bin/roscore", "-p", str(self.port)])
        master, deadline = xmlrpc.client.ServerProxy(self.master_uri), time.monotonic() + timeout_s
        while True:
            try:
                if master.getPid("/test")[0] == 1:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"roscore did not answer within {timeout_s} s:\n{self.procs['roscore'].output()}")
            time.sleep(0.1)

    def recorder(self, skip: tuple[str, ...] = ()) -> Path:
        path = self.workdir / "wire.jsonl"
        argv = [self.bin("python"), RECORDER, path]
        for motor in skip:
            argv += ["--skip", motor]
        self.start("recorder", argv)
        self.wait_for_output("recorder", "[recorder] ready")
        return path

    def node(self, *extra: str) -> Path:
        record = self.workdir / "node_received.jsonl"
        self.start("node", [self.bin("dactyl-lab-standin-node"), "--record", record, *extra])
        self.wait_for_output("node", "[standin-node] ready")
        return record

    def runtime(self, policy: Path, *extra: str) -> Proc:
        argv = [
            self.bin("dactyl-lab-runtime"),
            "--policy",
            policy,
            "--hand",
            "ros",
            "--no_prompt",
            "--pose_frame",
            "rh_hand_mount",
            "--log",
            self.workdir / "run.jsonl",
            "--summary_json",
            self.workdir / "summary.json",
            *extra,
        ]
        return self.start("runtime", argv)

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        popen = self.procs[name].popen
        if popen.poll() is None:
            os.killpg(popen.pid, sig)
            popen.wait(timeout=10)

    def close(self) -> None:
        """SIGINT to every process still running (all at once: each takes 1-2 s to shut down), SIGKILL after 5 s."""
        alive = [p.popen for p in reversed(list(self.procs.values())) if p.popen.poll() is None]
        for popen in alive:
            os.killpg(popen.pid, signal.SIGINT)
        deadline = time.monotonic() + 5.0
        for popen in alive:
            try:
                popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(popen.pid, signal.SIGKILL)
                popen.wait(timeout=5)


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    lines = path.read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip().endswith("}")]


def wire_values(wire: list[dict], kind: str = "command") -> dict[str, list[tuple[float, float]]]:
    """motor -> [(wall time, value)] of one kind of message, in arrival order."""
    out: dict[str, list[tuple[float, float]]] = {m: [] for m in hand.MOTOR_NAMES}
    for msg in wire:
        if msg["kind"] == kind:
            out[msg["motor"]].append((msg["t_wall_s"], msg["value"]))
    return out


def wait_for_commands(path: Path, count: int, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while sum(1 for m in read_jsonl(path) if m["kind"] == "command") < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} commands arrived within {timeout_s} s")
        time.sleep(0.1)


def step_wall_s(log: RunLog, record: dict) -> float:
    """Wall-clock time [s since the epoch] of a step record (the header's clock is taken when the loop starts)."""
    return log.header["created_unix_s"] + record["t_s"]


HOLD_KINDS = {"no_pose", "stale_pose", "stale_joints", "non_finite", "missing_reading"}


def check_fault_stop(
    graph: RosGraph, wire_path: Path, expected_kind: str, fault_wall_s: float, stop_factor: float = 0.3
) -> dict:
    """The documented behaviour of a fault that makes the watchdog hold: hold the last safe targets, no command
    after detection (log and wire), a fault stop with a clear message (exit 1), the soft stop through
    max_force_factor on every controller. Returns the times to hold and to the soft stop [s after the fault]."""
    runtime = graph.procs["runtime"]
    rc = runtime.popen.wait(timeout=60)
    output = runtime.output()
    assert rc == 1, output[-3000:]
    assert "safe stop after a fault" in output and expected_kind in output, output[-3000:]
    log = RunLog(graph.workdir / "run.jsonl")
    assert log.summary["stop_reason"].startswith("fault_stop") and expected_kind in log.summary["stop_reason"]
    steps = log.steps
    first = len(steps)  # the final hold streak (a loaded machine may show short earlier holds that recovered)
    while first > 0 and steps[first - 1]["held"] and HOLD_KINDS & {e["kind"] for e in steps[first - 1]["events"]}:
        first -= 1
    assert any(e["kind"] == expected_kind for e in steps[first]["events"]), steps[first]["events"]
    assert first > 0 and not steps[first - 1]["held"], "the run must have been running the policy before the fault"
    last_safe = steps[first - 1]["targets_rad"]
    for record in steps[first:]:  # holds: the controllers keep the last safe targets, nothing is sent
        assert record["held"] and record["targets_rad"] == last_safe and not record["commanded"]
    # on the wire: the last pre-fault command is every controller's last; after detection no command (a re-sent
    # hold would arrive every 80 ms until the stop, ~1 s later), then the soft stop through max_force_factor
    detected_wall_s = step_wall_s(log, steps[first])
    wire = read_jsonl(wire_path)
    commands = wire_values(wire)
    forces = wire_values(wire, "max_force_factor")
    soft_stop_s = []
    for motor, values in commands.items():
        assert values, motor
        assert values[-1][1] == last_safe[motor], (motor, values[-1], last_safe[motor])
        late = [t - detected_wall_s for t, _ in values if t > detected_wall_s + 0.2]  # 0.2 s: transport on a busy CPU
        assert not late, f"{motor}: commands {late} s after the fault was detected"
        stops = [t for t, v in forces[motor] if v == stop_factor]
        assert stops, f"no soft stop (max_force_factor {stop_factor}) on {motor}: {forces[motor]}"
        soft_stop_s.append(stops[-1])
    return {
        "fault": expected_kind,
        "detect_s": step_wall_s(log, steps[first]) - fault_wall_s,
        "soft_stop_s": max(soft_stop_s) - fault_wall_s,
        "held_steps": len(steps) - first,
    }


@pytest.fixture
def graph(tmp_path):
    """A fresh roscore on a free loopback port; every process started on it is stopped afterwards."""
    require_ros()
    ros = RosGraph(tmp_path)
    try:
        ros.roscore()
        yield ros
    finally:
        ros.close()
