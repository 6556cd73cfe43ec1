"""SIGKILL a real RSL-RL training run (presets=adr) at random moments and in the middle of a checkpoint save,
resume it each time: at most one iteration is lost per kill, and iterations, Adam steps and ADR state go on."""

import json

import pytest

from tests.training.kill_resume import check, kill_resume_loop

pytestmark = [pytest.mark.sim, pytest.mark.slow]


def test_sigkill_at_random_moments_and_during_a_save_loses_at_most_one_iteration(tmp_path):
    result = kill_resume_loop(tmp_path, kills=[("random", 1), ("save", 3), ("random", 4)], total=7, rng_seed=11)
    print(json.dumps([kill.__dict__ for kill in result.kills], indent=1))
    check(result)
    assert result.kills[1].torn_files  # the save kill really interrupted a save; the resolver passed over it
    assert result.kills[0].adr_versions > 0  # ADR had moved before the first kill: "it continued" is tested
