"""bench/gpu_proof.sh --dry-run: every stage of the GPU proof (tests, throughput, training with the learning
curve and the baseline evaluation, export, stand-in score) at toy size on the CPU, so the script cannot rot."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.sim, pytest.mark.slow]


def test_gpu_proof_dry_run_runs_every_stage_and_writes_the_results(tmp_path):
    out = tmp_path / "proof"
    env = dict(os.environ, PYTHON=sys.executable, OMP_NUM_THREADS="1")
    done = subprocess.run(
        ["bash", str(REPO / "bench/gpu_proof.sh"), "--dry-run", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (out / "tests.rc").read_text().strip() == "0", (out / "tests.log").read_text()[-2000:]
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
