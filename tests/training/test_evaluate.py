"""scripts/evaluate.py runs the paper's protocol on a trained checkpoint and writes its report."""

import pytest

from tests.helpers.scripts import evaluate

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def test_evaluate_writes_report_and_histogram(ff_run, tmp_path):
    checkpoint = next(ff_run.glob("logs/rsl_rl/dactyl_reorient_ff/*/model_1.pt"))
    out, report = evaluate(ff_run, checkpoint, tmp_path, "--max_successes", "3", trials=5, envs=4, goal_timeout_s=1.6)
    summary, settings, trials = report["summary"], report["settings"], report["trials"]
    assert summary["num_trials"] == len(trials) == 5
    assert all(0 <= t["successes"] <= 3 for t in trials) and summary["max"] == max(t["successes"] for t in trials)
    assert settings["goal_timeout_s"] == 1.6 and settings["max_successes"] == 3 and settings["deterministic_policy"]
    # the evaluation's per-goal timeout (20 policy steps of 80 ms) ended the trials, not the training's 8 s
    assert all(t["steps"] <= 21 * (t["successes"] + 1) for t in trials if t["ended_by"] == "goal_timeout")
    assert sorted(trials, key=lambda t: t["env"])[0]["env"] == 0 and {t["env"] for t in trials} == {0, 1, 2, 3}
    assert (tmp_path / "histogram.png").read_bytes()[:4] == b"\x89PNG"
    assert "mean" in out.stdout and "median" in out.stdout and "max" in out.stdout
