"""Rewards, smoothing and per-step randomization follow the env's real step time: ``presets=randomized`` built with
``decimation`` overridden after the config's ``__post_init__`` (what a Hydra override ``env.decimation=5`` does):
40 ms policy steps instead of 80 ms (real Isaac Lab env, Newton, CPU, 4 envs)."""

import pytest
import torch

from tests.helpers.envs import close_env, make_env, zeros

pytestmark = pytest.mark.sim
NUM_ENVS = 4
DECIMATION = 5  # 5 x 8 ms = 40 ms


@pytest.fixture(scope="module")
def env():
    env = make_env(num_envs=NUM_ENVS, seed=13, presets=("randomized",), edit=lambda cfg: setattr(cfg, "decimation", 5))
    env.reset()
    yield env
    close_env(env)


def test_the_override_took_effect(env):
    u = env.unwrapped
    assert u.cfg.decimation == DECIMATION and u.step_dt == pytest.approx(0.04)


def test_a_reached_goal_still_pays_plus_5_and_a_drop_minus_20(env):
    u = env.unwrapped
    command, cube = u.command_manager.get_term("object_pose"), u.scene["object"]
    env.step(zeros(env))
    command.quat_command_w[:] = cube.data.root_quat_w.torch  # the goal is where the cube is
    error_before = command.orientation_error.clone()  # to the old goal: the progress term pays it now [rad]
    _, reward, terminated, *_ = env.step(zeros(env))
    ok = ~terminated
    assert ok.any()
    # +5, less the little the cube turned away from the goal in 40 ms (randomized: forces, backlash, timing);
    # the old weights-divided-by-step-time code paid 2.5 here
    paid = reward - error_before
    assert ((paid[ok] > 4.5) & (paid[ok] < 5.05)).all(), (reward, error_before)
    pose = cube.data.root_pose_w.torch.clone()
    pose[0, 2] -= 0.3
    cube.write_root_pose_to_sim_index(root_pose=pose[:1], env_ids=torch.tensor([0], device=u.device))
    _, reward, terminated, *_ = env.step(zeros(env))
    paid = {name: value[0] * u.step_dt for name, value in u.reward_manager.get_active_iterable_terms(0)}
    assert terminated[0] and paid["drop_penalty"] == pytest.approx(-20.0), paid  # per drop, whatever the step time
    # the rest is the orientation progress of the falling cube (it may turn a little as it leaves the palm)
    assert float(reward[0]) == pytest.approx(sum(paid.values()), abs=1e-5) and abs(paid["orientation_progress"]) < 1


def test_smoothing_backlash_and_forces_keep_their_per_second_rates(env):
    u = env.unwrapped
    term = u.action_manager.get_term("motors")
    assert term.smoothing_previous_weight == pytest.approx(0.3**0.5)  # robogym: 0.3 ** (40 ms / 80 ms) = 0.548
    torch.testing.assert_close(term.max_step_rad, torch.full_like(term.max_step_rad, 2.0 * 0.04), atol=0.081, rtol=0)
    assert float(term.max_step_rad.min()) == pytest.approx(2.0 * 0.04)  # rated speed x the real step time
    assert term.backlash.dt == pytest.approx(0.5)
    from dactyl_lab.tasks.reorient import mdp

    forces = mdp.random_object_force(u)
    prob = forces.prob.clone()
    try:
        forces.prob[:] = 0.0
        forces.force[:] = 1.0
        env.step(zeros(env))  # the force event fires on every control step, the force decays by 0.99 per 80 ms
        torch.testing.assert_close(forces.force, torch.full_like(forces.force, 0.99**0.5))
        env.step(zeros(env))
        torch.testing.assert_close(forces.force, torch.full_like(forces.force, 0.99))
    finally:
        forces.prob[:] = prob
