"""The Dactyl task on the real Isaac Lab env with the Newton backend (CPU, a few environments)."""

import pytest
import torch

from dactyl_lab.spec import hand

from tests.helpers.envs import module_env, zeros

pytestmark = pytest.mark.sim
NUM_ENVS = 4
OLD_SCALE_RAD = 0.1  # the action scale of the law before contract schema 2 [rad per unit action]

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

    def motors():
        pos = robot.data.joint_pos.torch
        return pos[:, ffj3].clone(), (pos[:, ffj2] + pos[:, ffj1]).clone()

    def scale(motor: str) -> float:
        return float(term.scale_rad[hand.MOTOR_NAMES.index(motor)])

    untouched = robot.joint_names.index("rh_MFJ3")
    start_j3, start_j0 = motors()
    action = zeros(env)
    action[:, hand.MOTOR_NAMES.index("rh_FFJ3")] = 1.0
    action[:, hand.MOTOR_NAMES.index("rh_FFJ0")] = 1.0
    for _ in range(10):
        at_action_j3, at_action_j0 = motors()
        at_action_untouched = robot.data.joint_pos.torch[:, untouched].clone()
        length = u.episode_length_buf.clone()
        env.step(action)
        target = term.processed_actions
        # a motor at action 0 is held where it was when the action was issued (its target follows the joint)
        ok = u.episode_length_buf == length + 1  # not reset by this step
        mf = target[ok, hand.MOTOR_NAMES.index("rh_MFJ3")]
        want = at_action_untouched[ok].clamp(*hand.MOTOR_LIMITS_RAD["rh_MFJ3"])
        torch.testing.assert_close(mf, want, atol=1e-5, rtol=0)
        # each step's target is at most scale ahead of where the motor was when the action was issued
        assert (target[:, hand.MOTOR_NAMES.index("rh_FFJ3")] <= at_action_j3 + scale("rh_FFJ3") + 1e-5).all()
        assert (target[:, hand.MOTOR_NAMES.index("rh_FFJ0")] <= at_action_j0 + scale("rh_FFJ0") + 1e-5).all()
    j3, j0 = motors()
    assert (j3 - start_j3 > 0.05).all(), (start_j3, j3)
    assert (j0 - start_j0 > 0.05).all(), (start_j0, j0)


def test_reaching_the_goal_counts_one_success_and_draws_a_new_goal(env):
    u = env.unwrapped
    command = u.command_manager.get_term("object_pose")
    cube = u.scene["object"]
    env.reset()
    # a start state can have the cube still rolling from its random actions: hold it still for this step
    cube.write_root_velocity_to_sim_index(root_velocity=torch.zeros(u.num_envs, 6, device=u.device))
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


def _joint_index(robot, name):
    return robot.joint_names.index(name)


def test_a_blocked_finger_keeps_its_target_within_one_scale_of_the_joint(env):
    """Paper B.4/C.1: the target is the joint's position when the action is issued plus scale x action. With
    rh_FFJ3's position gain cut to 0 (the finger cannot follow), 20 steps of +1 keep target - joint <= its scale;
    the old law (target += 0.1 a, then 0.3 old + 0.7 new) runs away from the joint."""
    u = env.unwrapped
    robot, term = u.scene["robot"], u.action_manager.get_term("motors")
    j, m = _joint_index(robot, "rh_FFJ3"), hand.MOTOR_NAMES.index("rh_FFJ3")
    ids = torch.tensor([j], device=u.device)
    stiffness = robot.data.joint_stiffness.torch[:, j : j + 1].clone()
    robot.write_joint_stiffness_to_sim_index(stiffness=torch.zeros_like(stiffness), joint_ids=ids)
    high = float(robot.data.joint_pos_limits_upper.torch[0, j])
    # the finger starts straight (start states put it anywhere): the full scale fits below its upper limit
    straight = torch.zeros(u.num_envs, 1, device=u.device)
    robot.write_joint_position_to_sim_index(position=straight, joint_ids=ids)
    robot.write_joint_velocity_to_sim_index(velocity=straight, joint_ids=ids)
    term.reset()  # the targets start where the (moved) joints are: the rate limit counts from there
    try:
        start_len = u.episode_length_buf.clone()
        action = zeros(env)
        action[:, m] = 1.0
        start = robot.data.joint_pos.torch[:, j].clone()
        old_target, old_sent = start.clone(), start.clone()
        gaps, old_gaps = [], []
        for _ in range(20):
            joint_at_action = robot.data.joint_pos.torch[:, j].clone()
            env.step(action)
            gaps.append(term.processed_actions[:, m] - joint_at_action)
            old_target = torch.clamp(old_target + OLD_SCALE_RAD, max=high)
            old_sent = 0.3 * old_sent + 0.7 * old_target
            old_gaps.append(old_sent - joint_at_action)
        ok = u.episode_length_buf == start_len + 20  # envs not reset meanwhile
        assert ok.any()
        gaps, old_gaps = torch.stack(gaps)[:, ok], torch.stack(old_gaps)[:, ok]
        moved = (robot.data.joint_pos.torch[:, j] - start)[ok].abs()
        scale = float(term.scale_rad[m])
        assert (moved < 0.3).all(), moved  # the finger is blocked: it did not follow 20 full actions
        assert (gaps <= scale + 1e-5).all(), gaps.max()
        assert (gaps[-1] > 0.9 * scale).all()  # the EMA of +1 is 1 - 0.7^20: the full scale
        # the old law (target accumulated on the previous target, its 0.1 rad per step) fails the same test
        assert (old_gaps[-1] > 5 * OLD_SCALE_RAD).all(), old_gaps[-1]
    finally:
        robot.write_joint_stiffness_to_sim_index(stiffness=stiffness, joint_ids=ids)


def test_targets_clip_to_the_joint_limits_in_force_and_ids_are_resolved_once(env):
    """Limits read from the articulation (what randomize_joint_limits writes), tendons within the sum of their two
    joints' limits; joint and tendon ids reach Isaac Lab as the same warp arrays every substep (no list)."""
    import warp as wp

    u = env.unwrapped
    robot, term = u.scene["robot"], u.action_manager.get_term("motors")
    j3, j2, j1 = (_joint_index(robot, n) for n in ("rh_FFJ3", "rh_FFJ2", "rh_FFJ1"))
    cols = torch.tensor([j3, j2, j1], device=u.device)
    default = robot.data.joint_pos_limits.torch[:, cols].clone()
    env0 = torch.tensor([0], device=u.device)
    narrow = torch.tensor([[[0.0, 0.05], [0.0, 0.1], [0.0, 0.1]]], device=u.device)  # FFJ3, FFJ2, FFJ1 of env 0
    robot.write_joint_position_limit_to_sim_index(
        limits=narrow, joint_ids=cols, env_ids=env0, warn_limit_violation=False
    )
    seen = []
    commands = robot.actuators.target_command
    set_joint, set_tendon = commands.set_position_index, robot.set_fixed_tendon_position_target_index

    def spy_joint(*, value, joint_ids=None, **kw):
        if joint_ids is not None:  # the action term's writes, not a reset event's (all joints)
            seen.append(joint_ids)
        return set_joint(value=value, joint_ids=joint_ids, **kw)

    def spy_tendon(*, target, fixed_tendon_ids=None, **kw):
        if fixed_tendon_ids is not None:
            seen.append(fixed_tendon_ids)
        return set_tendon(target=target, fixed_tendon_ids=fixed_tendon_ids, **kw)

    commands.set_position_index, robot.set_fixed_tendon_position_target_index = spy_joint, spy_tendon
    try:
        action = zeros(env)
        action[:, [hand.MOTOR_NAMES.index("rh_FFJ3"), hand.MOTOR_NAMES.index("rh_FFJ0")]] = 1.0
        for _ in range(3):
            env.step(action)
        low, high = term.motor_limits()
        m3, m0 = hand.MOTOR_NAMES.index("rh_FFJ3"), hand.MOTOR_NAMES.index("rh_FFJ0")
        assert float(high[0, m3]) == pytest.approx(0.05) and float(high[0, m0]) == pytest.approx(0.2)
        assert float(high[1, m3]) == pytest.approx(float(default[1, 0, 1]))
        target = term.processed_actions
        assert float(target[0, m3]) <= 0.05 + 1e-6 and float(target[0, m0]) <= 0.2 + 1e-6
        assert ((target >= low - 1e-6) & (target <= high + 1e-6)).all()
    finally:
        del commands.set_position_index, robot.set_fixed_tendon_position_target_index
        robot.write_joint_position_limit_to_sim_index(
            limits=default[:1], joint_ids=cols, env_ids=env0, warn_limit_violation=False
        )
    assert len(seen) == 2 * 3 * u.cfg.decimation
    assert all(isinstance(ids, wp.array) for ids in seen)
    assert len({id(ids) for ids in seen}) == 2  # one joint-id array, one tendon-id array, for every call


def test_the_action_is_smoothed_with_0_3_on_the_previous_value_per_80_ms(env):
    """OpenAI's robogym SmoothActionWrapper: ema = 0.3 ema + 0.7 a from 0 at the episode start, divided by
    1 - 0.3^k: the smoothed action is the mean of the episode's actions weighted 0.3^age. Actions +1, -1, -1:
    1, -0.538, -0.882 (the old reading, 0.3 on the new action from 0, gave 0.3, -0.09, -0.363)."""
    u = env.unwrapped
    term = u.action_manager.get_term("motors")
    assert u.step_dt == pytest.approx(0.08) and term.smoothing_previous_weight == pytest.approx(0.3)
    env.reset()
    sequence = (1.0, -1.0, -1.0)
    for k, value in enumerate(sequence, start=1):
        action = zeros(env)
        action[:, 0] = value
        env.step(action)
        ok = u.episode_length_buf == k  # envs still in the episode that reset() began
        assert ok.any()
        weights = [0.3 ** (k - i) for i in range(1, k + 1)]
        want = sum(w * a for w, a in zip(weights, sequence)) / sum(weights)
        torch.testing.assert_close(term.smoothed_action[ok, 0], torch.full_like(term.smoothed_action[ok, 0], want))


def test_targets_move_at_most_the_hands_rated_speed_per_step(env):
    """The law's rate limit: with actions flipping between +1 and -1, the law would move a finger's target by up to
    2 x its scale (1.8 rad on a J3) per step; every target instead moves at most its motor's rated speed x 80 ms
    (Shadow's 2 rad/s: 0.16 rad on a J3; 4 rad/s tendons: 0.32 rad) from the last one, and reaches it."""
    u = env.unwrapped
    term = u.action_manager.get_term("motors")
    rated = torch.tensor([hand.MOTOR_MAX_SPEED_RAD_S[m] for m in hand.MOTOR_NAMES], device=u.device) * 0.08
    torch.testing.assert_close(term.max_step_rad, rated)
    env.reset()
    previous = term.processed_actions.clone()
    changes = []
    for k in range(1, 7):
        action = zeros(env) + (1.0 if k % 2 else -1.0)
        env.step(action)
        ok = u.episode_length_buf == k
        changes.append((term.processed_actions - previous)[ok].abs())
        previous = term.processed_actions.clone()
    changes = torch.cat(changes)
    assert (changes <= rated + 1e-6).all(), (changes - rated).max()
    reached = torch.isclose(changes, rated.expand_as(changes), atol=1e-5).any(dim=0)
    span = torch.tensor([hi - lo for lo, hi in (hand.MOTOR_LIMITS_RAD[m] for m in hand.MOTOR_NAMES)], device=u.device)
    assert reached[span > 2 * rated].all(), reached  # every motor whose range allows it (not THJ3: 0.42 rad)
