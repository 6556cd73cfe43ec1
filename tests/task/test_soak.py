"""A short soak (bench/soak.py's loop): presets=adr with every ADR bound at its hard limits and random actions
stays finite and within MuJoCo-Warp's constraint and contact capacities (an overflow: test_solver_overflow.py); the
non-finite guard resets an env whose state became NaN and counts it in the episode log."""

import pytest
import torch

from tests.helpers.envs import close_env, make_env
from tests.helpers.scripts import load_bench

pytestmark = pytest.mark.sim
SOAK_STEPS = 200  # ~0.4 steps/s with 8 envs on this shared 2-core machine: the long soak is bench/soak.py


@pytest.fixture(scope="module")
def env():
    env = make_env(num_envs=8, seed=3, presets=("adr",), edit=load_bench("soak").no_boundary_evaluation)
    yield env
    close_env(env)


@pytest.mark.timeout(3600)
def test_short_soak_at_adr_hard_limits_stays_finite(env):
    result = load_bench("soak").soak(env, SOAK_STEPS, seed=3, report_every=100)
    print(result)
    assert result["adr_bounds_at_hard_limits"] and result["adr_params"] > 0
    assert result["nonfinite_values"] == {k: 0 for k in result["nonfinite_values"]}, result
    assert {"obs/policy", "obs/critic", "reward", "adr"} <= set(result["nonfinite_values"])
    assert result["nonfinite_guard_resets"] == 0
    assert result["solver_reads"] > 0 and result["solver_overflows"] == {k: 0 for k in result["solver_overflows"]}
    assert {"nefc", "broadphase", "narrowphase"} <= set(result["solver_overflows"])
    peaks = result["capacity_peaks"]
    assert 0 < peaks["peak_constraint_rows"] <= result["njmax"], result
    assert 0 < peaks["peak_contacts_per_world"] and peaks["peak_contacts_mean_per_world"] <= result["nconmax"], result
    assert load_bench("soak").problems(result) == []


def test_the_guard_resets_a_diverged_env_and_counts_it(env):
    u = env.unwrapped
    env.reset(seed=4)
    cube = u.scene["object"]
    ids = torch.tensor([2], device=u.device)
    cube.write_root_velocity_to_sim_index(root_velocity=torch.full((1, 6), float("nan"), device=u.device), env_ids=ids)
    obs, reward, terminated, truncated, info = env.step(torch.zeros(u.num_envs, 20, device=u.device))
    fired = u.termination_manager.get_term("nonfinite_state")
    assert fired.tolist() == [i == 2 for i in range(u.num_envs)]  # only the diverged env
    assert truncated[2] and not terminated[2]  # a simulator failure, not the policy's: no drop penalty
    # Isaac Lab logs each term as the fraction of envs whose last episode it ended
    assert float(info["log"]["Episode_Termination/nonfinite_state"]) == pytest.approx(1 / u.num_envs)
    assert all(torch.isfinite(value).all() for value in obs.values())  # env 2 starts a fresh episode
    obs, *_ = env.step(torch.zeros(u.num_envs, 20, device=u.device))
    assert all(torch.isfinite(value).all() for value in obs.values())
