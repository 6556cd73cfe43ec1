"""The Dactyl task on the real Isaac Lab env with the Newton backend (CPU, a few environments)."""

import pytest
import torch

from dactyl_lab import hand
from envs import module_env, zeros

pytestmark = pytest.mark.sim
NUM_ENVS = 4

env = module_env(NUM_ENVS, seed=3)


def test_hand_exposes_the_real_hands_names(env):
    robot = env.unwrapped.scene["robot"]
    assert sorted(robot.joint_names) == sorted(hand.JOINT_NAMES)
    assert robot.joint_names == list(hand.NEWTON_JOINT_ORDER)
    assert robot.fixed_tendon_names == list(hand.TENDON_MOTOR_NAMES)
    assert set(hand.FINGERTIP_BODY_NAMES) <= set(robot.body_names)
    assert env.unwrapped.action_manager.total_action_dim == 20


def test_observation_groups_have_the_contract_shapes_and_are_finite(env):
    obs, *_ = env.step(zeros(env))
    assert obs["policy"].shape == (NUM_ENVS, 15 + 3 + 4 + 4 + 20)
    assert obs["critic"].shape == (NUM_ENVS, 46 + 24 + 24 + 6 + 4)
    for group in ("policy", "critic"):
        assert torch.isfinite(obs[group]).all(), group
    # the cube starts resting on the palm, a few cm above the hand base
    object_pos = obs["policy"][:, 15:18]
    assert (object_pos[:, 2] > 0.45).all() and (object_pos[:, 2] < 0.6).all()


def test_a_positive_action_moves_joint_and_tendon_motors_toward_their_targets(env):
    u = env.unwrapped
    robot = u.scene["robot"]
    term = u.action_manager.get_term("motors")
    ffj3 = robot.joint_names.index("rh_FFJ3")
    ffj2, ffj1 = robot.joint_names.index("rh_FFJ2"), robot.joint_names.index("rh_FFJ1")
    start_j3 = robot.data.joint_pos.torch[:, ffj3].clone()
    start_j0 = (robot.data.joint_pos.torch[:, ffj2] + robot.data.joint_pos.torch[:, ffj1]).clone()
    action = zeros(env)
    action[:, hand.MOTOR_NAMES.index("rh_FFJ3")] = 1.0
    action[:, hand.MOTOR_NAMES.index("rh_FFJ0")] = 1.0
    for _ in range(4):
        env.step(action)
    target = term.processed_actions
    j3 = robot.data.joint_pos.torch[:, ffj3]
    j0 = robot.data.joint_pos.torch[:, ffj2] + robot.data.joint_pos.torch[:, ffj1]
    assert (j3 - start_j3 > 0.1).all(), (start_j3, j3)
    assert (j0 - start_j0 > 0.1).all(), (start_j0, j0)
    # targets move by at most scale per step and the motors follow them
    assert (target[:, hand.MOTOR_NAMES.index("rh_FFJ3")] <= start_j3 + 4 * term.cfg.scale_rad + 1e-5).all()
    untouched = robot.joint_names.index("rh_MFJ3")
    assert (robot.data.joint_pos.torch[:, untouched].abs() < 0.25).all()


def test_reaching_the_goal_counts_one_success_and_draws_a_new_goal(env):
    u = env.unwrapped
    command = u.command_manager.get_term("object_pose")
    cube = u.scene["object"]
    before = command.goals_reached.clone()
    command.quat_command_w[:] = cube.data.root_quat_w.torch  # the goal is where the cube is
    old_goal = command.quat_command_w.clone()
    _, reward, *_ = env.step(zeros(env))
    assert torch.equal(command.goals_reached, before + 1)
    assert (torch.abs((command.quat_command_w * old_goal).sum(-1)) < 0.9999).all()  # a different goal
    assert (reward > 4.0).all()  # +5 per goal, minus a small orientation change
    assert (command.orientation_error > command.cfg.success_threshold_rad).any()


def test_dropping_the_cube_ends_the_episode_with_the_penalty(env):
    u = env.unwrapped
    cube = u.scene["object"]
    pose = cube.data.root_pose_w.torch.clone()
    pose[0, 2] -= 0.3  # env 0: the cube is far below the palm
    cube.write_root_pose_to_sim_index(root_pose=pose[:1], env_ids=torch.tensor([0], device=u.device))
    _, reward, terminated, truncated, _ = env.step(zeros(env))
    assert terminated[0] and not truncated[0]
    assert reward[0] < -15.0
    assert not terminated[1:].any()
    # the environment was reset: the cube is back above the palm and the success count restarted
    assert u.command_manager.get_term("object_pose").goals_reached[0] == 0
    assert u.scene["object"].data.root_pos_w.torch[0, 2] - u.scene.env_origins[0, 2] > 0.45


def test_goal_timeout_truncates(env):
    u = env.unwrapped
    command = u.command_manager.get_term("object_pose")
    command.goal_time_s[1] = 100.0
    _, _, terminated, truncated, _ = env.step(zeros(env))
    assert truncated[1] and not terminated[1]
    assert command.goal_time_s[1] < 1.0
