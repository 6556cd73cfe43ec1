"""The goal-distance curriculum: the angle sampler's distribution, the widen/narrow rule, and the preset
on the real env (goals within the limit of the cube, the limit moving with the success rate)."""

import math

import pytest
import torch

from dactyl_lab.tasks.reorient.mdp.curriculum import GoalAngleCurriculumParams

from tests.helpers.envs import close_env, make_env, zeros


def _angles(q):
    return 2.0 * torch.atan2(q[:, :3].norm(dim=-1), q[:, 3].abs())


def test_rotation_sampler_stays_within_the_limit_and_follows_the_haar_angle_law():
    from dactyl_lab.tasks.reorient.mdp.commands import haar_angle_table, random_rotation_within

    torch.manual_seed(0)
    table = haar_angle_table()
    limited = _angles(random_rotation_within(20000, torch.tensor(0.7), table, "cpu"))
    assert limited.max() <= 0.7 + 1e-4
    banded = _angles(random_rotation_within(5000, torch.tensor(0.7), table, "cpu", min_angle_rad=0.5))
    assert banded.min() >= 0.5 - 1e-4 and banded.max() <= 0.7 + 1e-4
    # restricted Haar law: P(angle <= t | angle <= 0.7) = (t - sin t) / (0.7 - sin 0.7)
    t = 0.5
    expected = (t - math.sin(t)) / (0.7 - math.sin(0.7))
    assert abs((limited <= t).float().mean().item() - expected) < 0.015
    # at pi the sampler is uniform on SO(3): the angle's CDF is (t - sin t) / pi (mean angle pi/2 + 2/pi)
    full = _angles(random_rotation_within(20000, torch.tensor(math.pi), table, "cpu"))
    for t in (1.0, 2.0, 2.8):
        assert abs((full <= t).float().mean().item() - (t - math.sin(t)) / math.pi) < 0.015
    assert abs(full.mean().item() - (math.pi / 2 + 2 / math.pi)) < 0.02


def test_decision_widens_above_high_narrows_below_low_and_respects_bounds():
    from dactyl_lab.tasks.reorient.mdp.curriculum import GoalAngleCurriculumParams, next_goal_angle

    p = GoalAngleCurriculumParams()
    yes, no = torch.tensor(True), torch.tensor(False)
    a = torch.tensor(1.0)
    assert next_goal_angle(a, torch.tensor(0.9), yes, p).item() == pytest.approx(1.0 + p.step_rad)
    assert next_goal_angle(a, torch.tensor(0.1), yes, p).item() == pytest.approx(1.0 - p.step_rad)
    assert next_goal_angle(a, torch.tensor(0.3), yes, p).item() == pytest.approx(1.0)
    assert next_goal_angle(a, torch.tensor(0.9), no, p).item() == pytest.approx(1.0)  # window not full
    assert next_goal_angle(torch.tensor(3.1), torch.tensor(0.9), yes, p).item() == pytest.approx(math.pi)
    assert next_goal_angle(torch.tensor(0.5), torch.tensor(0.0), yes, p).item() == pytest.approx(p.min_angle_rad)


@pytest.fixture(scope="module")
def curriculum_env():
    def edit(cfg):
        params = cfg.curriculum.goal_angle.params["curriculum"]
        params.window_attempts = 4  # decide after every few finished episodes
        cfg.terminations.goal_timeout.params["timeout_s"] = 0.4  # 5 steps: episodes end fast, as failures

    env = make_env(num_envs=8, seed=5, presets=("curriculum",), edit=edit)
    env.reset()
    yield env
    close_env(env)


@pytest.mark.sim
def test_solver_overflow_warnings_are_off_through_the_one_internals_module(curriculum_env):
    from dactyl_lab.tasks.reorient.mdp.newton_internals import mjwarp_solver

    solver = mjwarp_solver()
    assert solver is not None, "Isaac Lab's Newton manager no longer holds _solver: update newton_internals.py"
    assert not bool(solver.mjw_model.opt.warn_overflow)


@pytest.mark.sim
def test_curriculum_preset_draws_near_goals_and_moves_the_limit_with_success(curriculum_env):
    env = curriculum_env
    u = env.unwrapped
    goals = u.command_manager.get_term("object_pose")
    names = u.curriculum_manager.active_terms
    term = u.curriculum_manager._term_cfgs[names.index("goal_angle")].func  # the instance (no public getter)
    start = term.angle_rad.item()
    assert start == pytest.approx(0.8)
    error = goals.current_error()
    assert (error <= 0.8 + 0.05).all() and (error >= 0.5 - 0.05).all(), error
    for _ in range(30):  # zero actions reach no goal: every episode is a failed attempt
        env.step(zeros(env))
    assert term.angle_rad.item() < start  # narrowed to its floor
    assert term.angle_rad.item() == pytest.approx(0.6)
    env.reset()  # goals drawn at a reset are relative to the cube's new start orientation
    error = goals.current_error()
    assert (error <= 0.6 + 0.05).all() and (error >= 0.5 - 0.05).all(), error
    logged = u.curriculum_manager.reset()  # what Isaac Lab logs at every reset
    assert logged["Curriculum/goal_angle/max_angle_rad"].item() == pytest.approx(0.6)
    # zero actions never earn a widening (a cube settling 0.1-0.2 rad may still reach a near goal now and then)
    assert logged["Curriculum/goal_angle/success_rate"].item() < GoalAngleCurriculumParams().success_high
