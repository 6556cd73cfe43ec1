"""MuJoCo-Warp overflows on the real env (Newton, CPU): a contact buffer too small for the cube on the palm makes
MuJoCo-Warp drop contacts and set its per-world overflow flags without printing (``warn_overflow`` is off); the
task's ``solver_overflow`` term counts them at its logging interval, clears the flags, logs the counts and the soak
(bench/soak.py) fails on them. The clean case (no overflow at the task's capacities) is in test_soak.py."""

import pytest
import warp as wp

from tests.helpers.envs import close_env, make_env, zeros
from tests.helpers.scripts import load_bench

pytestmark = pytest.mark.sim


def test_a_contact_overflow_is_counted_logged_and_fails_the_soak():
    """A contact buffer of 1 contact per world (the cube on the palm needs several): MuJoCo-Warp drops contacts and
    sets its overflow flags, printing nothing (``warn_overflow`` off); the ``solver_overflow`` term counts them."""
    from dactyl_lab.tasks.reorient.mdp.newton_internals import mjwarp_solver

    soak = load_bench("soak")

    def one_contact_per_world(cfg):
        cfg.sim.physics.solver_cfg.nconmax = 1
        soak.overflow_interval(2)(cfg)

    env = make_env(num_envs=4, seed=5, edit=one_contact_per_world)
    try:
        env.reset()
        u = env.unwrapped
        term = u.event_manager.get_term_cfg("solver_overflow").func
        flags = wp.to_torch(mjwarp_solver().mjw_data.overflow)
        for _ in range(4):
            *_, info = env.step(zeros(env))
        assert term.reads == 2  # steps 2 and 4: the logging interval
        assert not bool(flags.any())  # cleared by the read of this step
        overflows = term.overflows()
        assert overflows.get("narrowphase", 0) > 0, term.totals()
        assert float(info["log"]["Physics/overflow_narrowphase"]) == overflows["narrowphase"]
        assert "Physics/solver_iteration_limit" in info["log"]
        result = {"nonfinite_values": {}, "nonfinite_guard_resets": 0, **soak.solver_summary(u)}
        assert result["nconmax"] == 1
        assert any("narrowphase overflow" in problem for problem in soak.problems(result))
    finally:
        close_env(env)
