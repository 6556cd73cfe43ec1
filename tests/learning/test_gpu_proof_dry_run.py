"""bench/gpu_proof.sh --dry-run: every stage of the GPU proof (tests, throughput, training with the learning
curve and the baseline evaluation, export, stand-in score) at toy size on the CPU, so the script cannot rot; a
failing stage fails the script; a missing or old NVIDIA driver is named as such (bench/gpu_system.py)."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
STAGES = ["system", "tests", "throughput_8", "learning", "export", "sim2sim"]
STAGES += [f"{stage}_physx" for stage in ("learning", "export", "sim2sim")]  # BACKENDS' second: PhysX (OvPhysX)


def gpu_proof(out: Path, *args: str, timeout: float = 1800, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(REPO / "bench/gpu_proof.sh"), *args, str(out)],
        cwd=REPO,
        env=dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS="1", **env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def stage_results(out: Path) -> dict[str, tuple[str, str]]:
    """stages.tsv as {stage: (exit code, passed)}."""
    rows = [line.split("\t") for line in (out / "stages.tsv").read_text().splitlines()[1:]]
    return {name: (code, passed) for name, code, _seconds, passed in rows}


@pytest.mark.sim
@pytest.mark.slow
def test_gpu_proof_dry_run_runs_every_stage_and_writes_the_results(tmp_path):
    out = tmp_path / "proof"
    done = gpu_proof(out, "--dry-run")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = stage_results(out)
    assert list(results) == STAGES and all(passed == "yes" for _, passed in results.values()), results
    assert (out / "tests.rc").read_text().strip() == "0", (out / "tests.log").read_text()[-2000:]
    system = json.loads((out / "system.json").read_text())
    assert system["packages"]["torch"] and "torch_cuda" in system and (out / "nvidia-smi.txt").is_file()
    throughput = (out / "env_throughput.log").read_text()
    assert "ours env-steps/s" in throughput and "\n     8 |" in throughput
    results = json.loads((out / "learning" / "learning_curve.json").read_text())
    seed = results["seeds"][0]
    assert seed["samples"] > 0 and "episode_duration_s" in seed["curves"]
    assert set(seed["evaluation"]) == {"policy", "zero", "random"}
    for arm in ("policy", "zero", "random"):
        assert seed["evaluation"][arm]["num_trials"] == 4
    verdict = results["verdict"]
    assert set(verdict["vs_zero"]) >= {"goals_diff_ci95", "drop_diff_ci95"} and isinstance(verdict["learned"], bool)
    png = (out / "learning" / "learning_curve.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    assert (out / "policy.onnx").stat().st_size > 10_000
    sim2sim = json.loads((out / "sim2sim" / "report.json").read_text())
    assert "consecutive_successes" in sim2sim
    # the PhysX pass: trained on presets=physx, scored on it, exported and run in the stand-in
    physx = json.loads((out / "learning_physx" / "learning_curve.json").read_text())
    assert "physx" in physx["settings"]["presets"] and physx["seeds"][0]["samples"] > 0
    assert (out / "policy_physx.onnx").stat().st_size > 10_000
    assert "consecutive_successes" in json.loads((out / "sim2sim_physx" / "report.json").read_text())


@pytest.mark.sim
def test_a_failing_stage_fails_the_script_and_the_later_stages_still_run(tmp_path):
    out = tmp_path / "proof"
    # a real failure of the test stage: pytest refuses an unknown option (exit code 4)
    done = gpu_proof(out, "--dry-run", STAGES="tests throughput", PYTEST_ADDOPTS="--no-such-option")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "FAILED stages: tests" in done.stderr
    assert stage_results(out) == {"tests": ("4", "no"), "throughput_8": ("0", "yes")}  # the next stage still ran


def fake_nvidia_smi(folder: Path, driver: str) -> Path:
    """An nvidia-smi reporting ``driver`` (the NVIDIA driver itself cannot be installed on a test machine)."""
    folder.mkdir()
    exe = folder / "nvidia-smi"
    exe.write_text(f'#!/bin/sh\ncase "$*" in *driver_version*) echo {driver};; *) echo "NVIDIA-SMI {driver}";; esac\n')
    exe.chmod(0o755)
    return folder


def test_an_old_driver_is_named_with_the_version_torch_needs(tmp_path):
    bin_dir = fake_nvidia_smi(tmp_path / "bin", "535.104.05")
    done = gpu_proof(tmp_path / "proof", timeout=300, PATH=f"{bin_dir}:{os.environ['PATH']}")
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    assert "NVIDIA driver 535.104.05 is too old" in done.stderr and ">= 580" in done.stderr, done.stderr[-2000:]
    assert json.loads((tmp_path / "proof" / "system.json").read_text())["driver"] == "535.104.05"


@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="this machine has an NVIDIA driver")
def test_a_missing_driver_says_so(tmp_path):
    done = gpu_proof(tmp_path / "proof", timeout=300)
    assert done.returncode == 1 and "no NVIDIA driver found" in done.stderr, done.stderr[-2000:]


def test_the_driver_check_follows_the_cuda_of_torch():
    spec = importlib.util.spec_from_file_location("gpu_system", REPO / "bench/gpu_system.py")
    gpu_system = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gpu_system)
    assert gpu_system.driver_problem("580.65.06", "2.11.0", "13.0") is None
    assert "needs driver >= 580" in gpu_system.driver_problem("575.57.08", "2.11.0", "13.0")
    assert gpu_system.driver_problem("535.104.05", "2.5.1", "12.4") is None
    assert "built without CUDA" in gpu_system.driver_problem(None, "2.11.0+cpu", None)
