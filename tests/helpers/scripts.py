"""Run scripts/ (and bench/) as a user would: in a scratch working directory (logs go to ./logs), one torch thread
a process."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
"""The repository root."""

SCRIPTS = REPO / "scripts"

SHORT_START_STATES = "env.events.start_state.params.random_action_steps=10"
"""Hydra override the tests give scripts/train.py: start states settled by 10 random-action steps instead of the
task's 100. The 100-step bank took 27 of the 53 s of an 8-env, 1-iteration training on the CPU; the start-state
procedure itself is tested on the real env in tests/task/test_start_states.py."""

DISTRIBUTED_TRAIN = (
    str(SCRIPTS / "train.py"),
    "--distributed",
    "--device",
    "cpu",
    "--num_envs",
    "4",
    SHORT_START_STATES,
)
"""scripts/train.py as every torchrun rank of the distributed tests runs it (gloo on the CPU, 4 envs a rank)."""


def script_env(**extra: str) -> dict:
    """The scripts' environment: one torch thread per process unless set (on this shared 2-core machine torch's
    default threads made the PPO update ~60x slower, bench/train_throughput.py)."""
    return {"OMP_NUM_THREADS": "1", **os.environ, **extra}


def run_script(cwd: Path, script: str, *args: str, timeout: float = 900, env: dict | None = None):
    """``scripts/<script> args`` in ``cwd``; asserts exit code 0. train.py gets :data:`SHORT_START_STATES`."""
    if script == "train.py":
        args = (*args, SHORT_START_STATES)
    out = subprocess.run(
        [sys.executable, str(SCRIPTS / script), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=script_env(**(env or {})),
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    return out


def train(cwd: Path, *args: str, num_envs: int, iterations: int, timeout: float = 900):
    """scripts/train.py on the CPU: ``num_envs`` envs for ``iterations`` iterations (more flags in ``args``)."""
    return run_script(
        cwd,
        "train.py",
        *args,
        "--device",
        "cpu",
        "--num_envs",
        str(num_envs),
        "--max_iterations",
        str(iterations),
        timeout=timeout,
    )


def evaluate(cwd: Path, checkpoint: Path, output: Path, *args: str, trials=2, envs=2, goal_timeout_s=0.8):
    """scripts/evaluate.py on the CPU: ``trials`` trials on ``envs`` envs with a short per-goal timeout (more flags
    in ``args``). Returns its output and the report it wrote (``output``/evaluation.json)."""
    out = run_script(
        cwd,
        "evaluate.py",
        "--checkpoint",
        str(checkpoint),
        "--device",
        "cpu",
        "--num_trials",
        str(trials),
        "--num_envs",
        str(envs),
        "--goal_timeout_s",
        str(goal_timeout_s),
        "--output",
        str(output),
        *args,
    )
    return out, json.loads((Path(output) / "evaluation.json").read_text())


def distributed_train(weights: Path, *args: str) -> list[str]:
    """:data:`DISTRIBUTED_TRAIN` (more flags in ``args``) as a torchrun worker command, every rank dumping its final
    weights into ``weights`` (tests/helpers/instrumented.py ``--rank-weights``)."""
    from tests.helpers import instrumented

    return instrumented.command(*DISTRIBUTED_TRAIN, *args, rank_weights=weights)


def train_on_two_ranks(cwd: Path, *args: str, timeout: float) -> tuple[dict, dict]:
    """:data:`DISTRIBUTED_TRAIN` (more flags in ``args``) on two gloo ranks of one torchrun (``--standalone``);
    returns the two ranks' final weights."""
    weights = Path(cwd) / "rank_weights"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node=2",
            *distributed_train(weights, *args),
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=script_env(),
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    import torch

    rank0, rank1 = (torch.load(weights / f"rank_{r}.pt", weights_only=False) for r in (0, 1))
    return rank0, rank1


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the rendezvous of the two-node tests)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def train_on_two_nodes(cwd: Path, weights: Path, *args: str, timeout: float = 1500) -> list[str]:
    """:data:`DISTRIBUTED_TRAIN` (more flags in ``args``) on two single-rank torchrun agents, two "nodes"
    (``--nnodes 2``, c10d rendezvous on 127.0.0.1, gloo), each in its own working directory ``cwd/node<n>`` (its
    own ./logs, as on a cluster without a shared log folder); each rank dumps its final weights into ``weights``.
    Returns each node's output; asserts both exit 0."""
    port, run_id = free_port(), f"dactyl-{free_port()}"
    nodes = []
    for node in (0, 1):
        node_dir = Path(cwd) / f"node{node}"
        node_dir.mkdir(exist_ok=True)
        command = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2", "--nproc_per_node", "1"]
        command += ["--rdzv_backend", "c10d", "--rdzv_endpoint", f"127.0.0.1:{port}", "--rdzv_id", run_id]
        env = script_env(GLOO_SOCKET_IFNAME="lo")
        nodes.append(
            subprocess.Popen(
                [*command, *distributed_train(weights, *args)],
                cwd=node_dir,
                text=True,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
            )
        )
    outputs = []
    for proc in nodes:
        try:
            outputs.append(proc.communicate(timeout=timeout)[0])
        except subprocess.TimeoutExpired:
            for p in nodes:
                p.kill()
            raise
    for proc, out in zip(nodes, outputs):
        assert proc.returncode == 0, out[-4000:]
    return outputs


def run_until_signalled(
    command: list[str], cwd: Path, after: str, timeout: float = 600, until=None
) -> tuple[int, str, float]:
    """``command`` in ``cwd``, sent SIGTERM (a scheduler stopping the job) once it prints a line containing
    ``after`` (and then, if given, once ``until()`` is true, polled every 50 ms); returns its exit code, its
    output and the seconds from the signal to its exit."""
    proc = subprocess.Popen(
        command,
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=script_env(PYTHONUNBUFFERED="1"),
    )
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if after in line:
            while until is not None and not until() and proc.poll() is None:
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            break
    signalled = time.monotonic()
    lines.append(proc.communicate(timeout=timeout)[0])
    return proc.returncode, "".join(lines), time.monotonic() - signalled


def train_until_sigterm(cwd: Path, *args: str, after: str, timeout: float = 600) -> tuple[int, str]:
    """scripts/train.py ``args``, sent SIGTERM once it prints a line containing ``after``; returns its exit code
    and output."""
    command = [sys.executable, str(SCRIPTS / "train.py"), *args, SHORT_START_STATES]
    code, output, _ = run_until_signalled(command, cwd, after, timeout)
    return code, output


def load_bench(name: str):
    """bench/<name>.py as a module (the bench scripts are files run as ``python bench/<name>.py``, not a package)."""
    spec = importlib.util.spec_from_file_location(f"bench_{name}", REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
