"""``presets=randomized`` on the real Isaac Lab env (Newton, CPU, 4 envs): the noise reaches the policy
group only, the delay delays, resets redraw per-episode values, the physics randomization reaches the
MuJoCo-Warp model and the random force pushes the cube."""

import pytest
import torch
import warp as wp

import isaaclab.utils.math as math_utils
from isaaclab.managers import SceneEntityCfg

from dactyl_lab.spec import action_law, hand

from tests.helpers.envs import module_env, zeros

pytestmark = pytest.mark.sim
NUM_ENVS = 4
FT, OBJ, QUAT, REL = slice(0, 15), slice(15, 18), slice(18, 22), slice(22, 26)  # same layout in both groups

env = module_env(NUM_ENVS, seed=5, presets=("randomized",))


def obs_noise(env):
    from dactyl_lab.tasks.reorient import mdp

    return mdp.observation_noise(env.unwrapped)


def object_force(env):
    from dactyl_lab.tasks.reorient import mdp

    return mdp.random_object_force(env.unwrapped)


def solver_model():
    from isaaclab_newton.physics.mjwarp_manager import NewtonMJWarpManager

    return NewtonMJWarpManager._solver.mjw_model


def test_default_task_is_not_randomized_and_the_preset_is():
    from dactyl_lab.tasks.reorient import env_cfg, mdp, presets_cfg, randomized_cfg

    default = env_cfg.DactylReorientEnvCfg()
    assert not hasattr(default, "randomization")
    assert set(default.events.to_dict()) == {"quiet_solver", "start_state", "start_state_refresh", "solver_overflow"}
    assert default.observations.policy.fingertip_pos.func is mdp.fingertip_positions
    assert default.observations.policy.object_quat.func is mdp.object_orientation
    randomized = presets_cfg.DactylReorientEnvPresetCfg().randomized
    assert isinstance(randomized, randomized_cfg.DactylReorientRandomizedEnvCfg)
    assert randomized.observations.policy.fingertip_pos.func is mdp.noisy_fingertip_positions
    assert randomized.observations.critic.fingertip_pos.func is mdp.fingertip_positions
    assert randomized.events.object_force.interval_range_s == (0.0, 0.0)  # every control step, whatever its length
    motors = default.actions.motors
    assert motors.action_noise is None and motors.delay is None and motors.backlash is None and motors.timing is None


def test_the_noise_and_force_state_is_owned_by_their_event_terms_not_the_env(env):
    """Issue 20 item 3: the observation noise and the random force live in the event terms that use them."""
    from dactyl_lab.tasks.reorient import mdp

    u = env.unwrapped
    noise_term = u.event_manager.get_term_cfg("randomization").func
    force_term = u.event_manager.get_term_cfg("object_force").func
    assert isinstance(noise_term, mdp.reset_randomization) and isinstance(force_term, mdp.apply_random_object_force)
    assert mdp.observation_noise(u) is noise_term.obs_noise
    assert mdp.random_object_force(u) is force_term.forces
    assert force_term.forces.generator is noise_term.generator is mdp.randomization_generator(u)
    assert noise_term.generator.initial_seed() == 5 + u.cfg.randomization.seed_offset  # the env's seed stream
    assert not [name for name in vars(u) if "randomization" in name]  # nothing attached to the env


def test_noise_reaches_the_policy_group_and_never_the_critic(env):
    u = env.unwrapped
    fingertips = SceneEntityCfg("robot", body_names=list(hand.FINGERTIP_BODY_NAMES), preserve_order=True)
    fingertips.resolve(u.scene)
    from dactyl_lab.tasks.reorient import mdp

    diffs = []
    for _ in range(3):
        obs, *_ = env.step(zeros(env))
        policy, critic = obs["policy"], obs["critic"]
        # the critic holds exactly the simulator's values
        torch.testing.assert_close(critic[:, FT], mdp.fingertip_positions(u, fingertips), rtol=0, atol=1e-6)
        torch.testing.assert_close(critic[:, OBJ], mdp.object_position(u), rtol=0, atol=1e-6)
        torch.testing.assert_close(critic[:, QUAT], mdp.object_orientation(u), rtol=0, atol=1e-6)
        # the policy's first 18 dims are the same quantities, noisy: mm-scale, not zero, not huge
        d = policy[:, :18] - critic[:, :18]
        assert (d[:, FT].abs().amax(dim=1) > 1e-4).all() and (d[:, OBJ].abs().amax(dim=1) > 1e-4).all(), d
        assert (d[:, OBJ].norm(dim=-1) < 0.04).all() and (d[:, FT].abs() < 0.05).all()
        # the orientation is rotated by a random angle (0.1 + 0.1 rad std), still a unit quaternion
        angle = math_utils.quat_error_magnitude(policy[:, QUAT], critic[:, QUAT])
        assert (angle > 1e-3).all() and (angle < 1.2).all(), angle
        torch.testing.assert_close(policy[:, QUAT].norm(dim=-1), torch.ones(NUM_ENVS), rtol=0, atol=1e-5)
        # the policy's goal-relative orientation is computed from the orientation it observed
        goal = u.command_manager.get_term("object_pose").quat_command_w
        rel = math_utils.quat_unique(math_utils.quat_mul(policy[:, QUAT], math_utils.quat_conjugate(goal)))
        torch.testing.assert_close(policy[:, REL], rel, rtol=0, atol=1e-5)
        assert not torch.allclose(policy[:, REL], critic[:, REL], atol=1e-4)
        diffs.append(d[:, OBJ].clone())
    # fresh per-step noise on top of the per-episode bias: the error changes from step to step
    assert not torch.allclose(diffs[0], diffs[1], atol=1e-5)


def motors_term(env):
    return env.unwrapped.action_manager.get_term("motors")


class isolated:
    """Disable the other action models of the term for a test (their cfg ``enabled`` flags)."""

    def __init__(self, term, keep: str):
        self.cfgs = [getattr(term, name).cfg for name in ("action_noise", "delay", "backlash") if name != keep]

    def __enter__(self):
        for cfg in self.cfgs:
            cfg.enabled = False

    def __exit__(self, *exc):
        for cfg in self.cfgs:
            cfg.enabled = True


def test_the_action_models_are_declared_on_the_action_term_cfg(env):
    from dactyl_lab.tasks.randomization import ActionDelay, ActionNoise, Backlash, TimingJitter

    term = motors_term(env)
    cfg = env.unwrapped.cfg.actions.motors
    assert None not in (cfg.action_noise, cfg.delay, cfg.backlash, cfg.timing)
    assert isinstance(term.action_noise, ActionNoise) and isinstance(term.delay, ActionDelay)
    assert isinstance(term.backlash, Backlash) and isinstance(term.timing, TimingJitter)
    assert not any(hasattr(term, name) for name in ("_action_noise", "_target_hook", "_latency_hook"))


def test_delayed_actuators_move_one_step_late(env):
    u = env.unwrapped
    term = motors_term(env)
    with isolated(term, "delay"):
        delayed = term.delay.delayed.clone()
        assert delayed.any() and (~delayed).any()  # p = 0.5 over 4 x 20 actuators
        start_len = u.episode_length_buf.clone()
        env.step(zeros(env))
        previous, previous_target = term.smoothed_action.clone(), term.target_rad.clone()
        pos = term.motor_positions().clone()
        env.step(-torch.sign(pos - 0.5 * sum(term.motor_limits())))  # toward the middle of each range
        ok = u.episode_length_buf == start_len + 2  # envs that were not reset meanwhile
        assert ok.sum() >= 2
        now, eff = term.smoothed_action, term.effective_actions
        d, nd = delayed[ok], ~delayed[ok]
        torch.testing.assert_close(eff[ok][nd], now[ok][nd], rtol=0, atol=1e-6)  # on time
        torch.testing.assert_close(eff[ok][d], previous[ok][d], rtol=0, atol=1e-6)  # one step late
        assert ((now - previous)[ok].abs() > 0.1).all()  # the two differ: the test can tell them apart
        # the target law runs on the effective action: measured position + scale x effective, within the rate
        # limit of the previous target, clipped
        low, high = term.motor_limits()
        want = action_law.motor_targets(pos, eff, term.scale_rad, low, high, previous_target, term.max_step_rad)
        torch.testing.assert_close(term.processed_actions[ok], want[ok], rtol=0, atol=1e-5)


def test_backlash_takes_up_the_slack_before_the_action_passes(env):
    """The paper's slack model: from s = -1, a push toward + is scaled by alpha = 0 until s has crossed the slack,
    then by the part of the step left, then 1 (on the smoothed action the term fed it, whatever the smoothing law)."""
    u = env.unwrapped
    term = motors_term(env)
    bl = term.backlash
    with isolated(term, "backlash"):
        env.step(zeros(env))
        bl.slack[:] = -1.0
        bl.delta[:] = 1.0  # slack travel per step <= 1 x dt: the band of 2 takes at least two steps
        start_len = u.episode_length_buf.clone()
        action = torch.ones_like(term.smoothed_action)
        slack = bl.slack.clone()
        for k in range(1, 7):
            env.step(action)
            smoothed = term.smoothed_action
            travel = smoothed * 1.0 * bl.dt
            alpha = ((travel - (1.0 - slack)) / travel).clamp(0.0, 1.0)
            slack = (slack + travel).clamp(max=1.0)
            ok = u.episode_length_buf == start_len + k
            torch.testing.assert_close(term.effective_actions[ok], (alpha * smoothed)[ok], rtol=0, atol=1e-5)
            if k == 1:  # all slack: the targets stay at the joints
                assert (term.effective_actions[ok] == 0).all()
        assert (bl.slack[ok] == 1.0).all() and torch.allclose(term.effective_actions[ok], smoothed[ok])
    # the task's backlash: robogym's calibrated coefficients, converted per motor with the term's own action scale
    torch.testing.assert_close(bl.scale_rad, term.scale_rad)


def test_action_noise_is_fresh_every_step(env):
    term = motors_term(env)
    with isolated(term, "action_noise"):
        effs = []
        for _ in range(2):
            env.step(zeros(env))
            effs.append(term.effective_actions - term.smoothed_action)
    assert (effs[0].abs() > 1e-4).any(dim=1).all()
    assert (effs[0].abs() < 1.0).all() and effs[0].std() < 0.5  # 5 % of the [-1, 1] range per step, plus biases
    assert not torch.allclose(effs[0], effs[1], atol=1e-4)


def test_physics_randomization_reaches_the_solver(env):
    u = env.unwrapped
    cube, robot = u.scene["object"], u.scene["robot"]
    # Newton hands model changes to MuJoCo-Warp at the start of the next physics step: step once, then compare the
    # envs that did not reset in that step (a reset in it wrote values the solver takes at the step after)
    env.step(zeros(env))
    kept = u.episode_length_buf > 0
    assert kept.any()
    model = solver_model()
    # cube mass: scaled per env by U(0.5, 1.5) from its default, and that is what MuJoCo-Warp integrates
    default_mass = u.event_manager.get_term_cfg("object_mass").func.default_mass.flatten()
    mass = cube.data.body_mass.torch.flatten()
    ratio = mass / default_mass
    assert ((ratio > 0.5 - 1e-5) & (ratio < 1.5 + 1e-5)).all() and ratio.std() > 1e-3, ratio
    assert not torch.allclose(ratio, torch.ones_like(ratio), atol=1e-3)
    solver_mass = wp.to_torch(model.body_mass)  # (worlds, bodies)
    assert any(torch.allclose(solver_mass[kept, b], mass[kept], atol=1e-6) for b in range(solver_mass.shape[1]))
    # friction: one coefficient per shape, U(0.7, 1.3) around the default 1.0, different per env
    mu = wp.to_torch(cube._root_view.get_attribute("shape_material_mu", u.sim.physics_manager.get_model())).flatten()
    assert ((mu >= 0.7) & (mu <= 1.3)).all() and mu.std() > 1e-3, mu
    # gravity per world: N(0, 0.4) per axis around (0, 0, -9.81)
    gravity = wp.to_torch(model.opt.gravity)[:NUM_ENVS]
    offset = gravity - torch.tensor([0.0, 0.0, -9.81])
    assert (offset.abs() > 1e-5).all() and (offset.abs() < 2.5).all() and gravity.std(dim=0).min() > 1e-3
    # position gains of the joint motors: logU(0.75, 1.5) x default, per env and joint
    gains_cfg = u.event_manager.get_term_cfg("actuator_gains")
    ids = gains_cfg.params["asset_cfg"].joint_ids
    k_ratio = robot.data.joint_stiffness.torch[:, ids] / gains_cfg.func.default_joint_stiffness[:, ids]
    assert ((k_ratio > 0.75 - 1e-4) & (k_ratio < 1.5 + 1e-4)).all() and k_ratio.std() > 1e-2
    # object size: U(0.95, 1.05) x the 25 mm half edge, per env, in MuJoCo-Warp's per-world geom sizes
    geom = int(u.event_manager.get_term_cfg("object_size").func._geoms[0])
    half = wp.to_torch(model.geom_size)[:NUM_ENVS, geom]
    assert ((half > 0.95 * 0.025 - 1e-7) & (half < 1.05 * 0.025 + 1e-7)).all() and half[:, 0].std() > 1e-5, half
    torch.testing.assert_close(half, half[:, :1].expand(-1, 3))  # a cube stays a cube
    # the 4 tendon motors' P gains: logU(0.75, 1.5) x default in MuJoCo-Warp's per-world actuators
    from isaaclab_newton.physics.mjwarp_manager import NewtonMJWarpManager

    sources = NewtonMJWarpManager._solver.mjc_actuator_ctrl_source.numpy().tolist()
    direct = [a for a, src in enumerate(sources) if src == 1]
    default_kp = u.event_manager.get_term_cfg("tendon_gains").func.default_kp
    kp_ratio = wp.to_torch(model.actuator_gainprm)[:NUM_ENVS][:, direct, 0] / default_kp[:, :1]
    assert len(direct) == 4 and ((kp_ratio > 0.75 - 1e-4) & (kp_ratio < 1.5 + 1e-4)).all() and kp_ratio.std() > 1e-2
    # joint limits: Gaussian offsets, never crossed
    limits = robot.data.joint_pos_limits.torch
    default_limits = u.event_manager.get_term_cfg("joint_limits").func.default_limits
    assert (limits[..., 1] > limits[..., 0]).all()
    assert (limits - default_limits).abs().mean() > 0.03  # ~0.12 expected for std 0.15


def test_a_reset_redraws_the_episode_values_of_the_reset_env_only(env):
    u = env.unwrapped
    noise = obs_noise(env)
    cube = u.scene["object"]
    bias, delayed = noise.object_pos_noise.bias.clone(), motors_term(env).delay.delayed.clone()
    mass = cube.data.body_mass.torch.flatten().clone()
    pose = cube.data.root_pose_w.torch.clone()
    pose[0, 2] -= 0.3  # env 0 drops its cube
    cube.write_root_pose_to_sim_index(root_pose=pose[:1], env_ids=torch.tensor([0], device=u.device))
    _, _, terminated, truncated, _ = env.step(zeros(env))
    assert terminated[0]
    kept = ~(terminated | truncated)
    assert kept[1:].any()
    assert not torch.allclose(noise.object_pos_noise.bias[0], bias[0])
    assert cube.data.body_mass.torch.flatten()[0] != mass[0]
    torch.testing.assert_close(noise.object_pos_noise.bias[kept], bias[kept])
    assert torch.equal(motors_term(env).delay.delayed[kept], delayed[kept])
    torch.testing.assert_close(cube.data.body_mass.torch.flatten()[kept], mass[kept])


def test_random_force_is_drawn_and_pushes_the_cube_along_it(env):
    u = env.unwrapped
    forces = object_force(env)
    cube = u.scene["object"]
    prob = forces.prob.clone()
    try:
        forces.prob[:] = 1.0  # every env draws a new force this step
        env.step(zeros(env))
        force = forces.force.clone()
        mass = cube.data.body_mass.torch.flatten()
        assert (force.norm(dim=-1) > 1e-4).all() and (force.norm(dim=-1) < 10.0 * mass).all()  # ~1 m/s^2 x mass
        composed = cube.permanent_wrench_composer.out_force_b.torch[:, 0]
        torch.testing.assert_close(composed.norm(dim=-1), force.norm(dim=-1), rtol=1e-4, atol=1e-6)
        # a strong push away from the palm (3 g, mostly up: the start states' fingers may be curled around the cube,
        # so no push toward them) that contacts cannot hide: each sideways part is at most half the upward one
        # (a finger blocking it still leaves cos > 0.8); prob 0: it decays
        forces.prob[:] = 0.0
        direction = torch.tensor([[0.0, 0.0, 1.0], [1.0, 0.0, 2.0], [0.0, 0.3, 1.0], [-1.0, 1.0, 2.0]])
        direction = direction / direction.norm(dim=-1, keepdim=True)
        forces.force[:] = 30.0 * mass[:, None] * direction
        env.step(zeros(env))  # the event writes the (decayed) force for the next step
        v0 = cube.data.root_lin_vel_w.torch.clone()
        env.step(zeros(env))
        dv = cube.data.root_lin_vel_w.torch - v0 - torch.tensor([0.0, 0.0, -9.81]) * u.step_dt  # minus gravity
        cos = torch.nn.functional.cosine_similarity(dv, direction, dim=-1)
        assert (cos > 0.8).all(), (cos, dv)
        assert (dv.norm(dim=-1) > 0.5).all(), dv  # ~30 m/s^2 x 0.08 s = 2.4 m/s when no finger is in the way
    finally:
        forces.prob[:] = prob


def test_joint_damping_total_is_randomized_on_all_24_joints(env):
    """Table 1's logU[0.3, 3] scales the total damping of every joint (J1/J2 too): the passive damping MuJoCo-Warp
    integrates, with no servo damping on top (actuator kv = 0)."""
    from isaaclab_newton.physics.mjwarp_manager import NewtonMJWarpManager

    u = env.unwrapped
    env.step(zeros(env))  # model changes reach MuJoCo-Warp on the next physics step
    robot = u.scene["robot"]
    nominal = torch.tensor([hand.JOINT_DAMPING[name] for name in robot.joint_names])
    torch.testing.assert_close(u.event_manager.get_term_cfg("joint_damping").func.nominal[0], nominal)
    mj, model = NewtonMJWarpManager._solver.mj_model, solver_model()
    names = [mj.joint(j).name for j in range(mj.njnt)]
    dofs = [
        int(mj.jnt_dofadr[next(j for j, n in enumerate(names) if n.endswith("_" + name))]) for name in robot.joint_names
    ]
    damping = wp.to_torch(model.dof_damping)[:NUM_ENVS][:, dofs]  # (envs, 24) what MuJoCo-Warp integrates
    ratio = damping / nominal
    assert ((ratio > 0.3 - 1e-4) & (ratio < 3.0 + 1e-4)).all(), ratio
    assert (ratio.std(dim=0) > 1e-3).all() and (ratio.std(dim=1) > 1e-3).all()  # per env and per joint
    newest = robot.data.joint_viscous_friction_coeff.torch / nominal  # this episode's draw (in MuJoCo-Warp next step)
    assert ((newest > 0.3 - 1e-4) & (newest < 3.0 + 1e-4)).all() and newest.std() > 1e-3
    assert (wp.to_torch(model.actuator_biasprm)[:NUM_ENVS, :, 2] == 0).all()  # no servo damping anywhere


def test_a_marker_whose_nail_site_the_cube_touches_holds_its_last_reading(env):
    from dactyl_lab.tasks.randomization.observation_noise import point_segment_distance
    from dactyl_lab.tasks.reorient import mdp

    u = env.unwrapped
    noise = obs_noise(env)
    assert noise.cfg.occlusion.enabled and noise.cfg.misplacement.enabled and noise.cfg.dropout.per_fingertip
    tips = SceneEntityCfg("robot", body_names=list(hand.FINGERTIP_BODY_NAMES), preserve_order=True)
    middles = SceneEntityCfg("robot", body_names=list(mdp.MIDDLE_BODY_NAMES), preserve_order=True)
    tips.resolve(u.scene)
    middles.resolve(u.scene)
    env.step(zeros(env))
    nail, segments, radii = mdp.marker_geometry(u, tips, middles)
    # every nail site lies on the surface of its own distal capsule
    own = point_segment_distance(nail, segments[:, :, 0, 0], segments[:, :, 0, 1])
    torch.testing.assert_close(own, radii[:, 0].expand_as(own), rtol=0, atol=1e-5)
    last = mdp.noisy_fingertip_positions(u, tips, middles).view(NUM_ENVS, 5, 3)
    # env 0: the cube's inscribed sphere 2 mm from the first finger's nail site, on the back of the finger
    a, b = segments[0, 0, 0, 0], segments[0, 0, 0, 1]
    t = ((nail[0, 0] - a) @ (b - a)) / ((b - a) @ (b - a))
    outward = nail[0, 0] - (a + t * (b - a))
    outward = outward / outward.norm()
    cube = u.scene["object"]
    pose = cube.data.root_pose_w.torch[:1].clone()
    pose[0, :3] = nail[0, 0] + (0.025 + 0.002) * outward + u.scene.env_origins[0]
    cube.write_root_pose_to_sim_index(root_pose=pose, env_ids=torch.tensor([0], device=u.device))
    out = mdp.noisy_fingertip_positions(u, tips, middles).view(NUM_ENVS, 5, 3)
    assert noise.dropout.occluded[0, 0]
    assert torch.equal(out[0, 0], last[0, 0])  # the occluded marker holds its last reading exactly
    visible = ~(noise.dropout.occluded | noise.dropout.dropped)
    assert visible[1:].any() and not torch.equal(out[visible], last[visible])  # the others read anew (fresh noise)


def _physics_written(u) -> list[torch.Tensor]:
    """Everything the physics terms write: masses, frictions, gains, damping, limits, gravity, size, tendon gains."""
    model = u.sim.physics_manager.get_model()
    cube, robot, terms = u.scene["object"], u.scene["robot"], u.event_manager
    return [
        x.clone()
        for x in (
            cube.data.body_mass.torch,
            robot.data.body_mass.torch,
            wp.to_torch(cube.root_view.get_attribute("shape_material_mu", model)),
            wp.to_torch(robot.root_view.get_attribute("shape_material_mu", model)),
            robot.data.joint_stiffness.torch,
            robot.data.joint_viscous_friction_coeff.torch,
            robot.data.joint_pos_limits.torch,
            wp.to_torch(model.gravity)[:NUM_ENVS],
            terms.get_term_cfg("object_size").func.scale,
            wp.to_torch(model.mujoco.actuator_gainprm),
        )
    ]


def test_the_physics_terms_draw_from_the_seeded_randomization_stream(env):
    """Issue 20 item 3: ``randomized`` runs the physics terms of ``adr`` (ranges fixed), which draw from the env's
    seeded randomization stream: the same stream state writes the same values whatever torch's global RNG does
    (Isaac Lab's stock mass, friction, gain and gravity terms and the old joint-limit path drew from the global RNG)."""
    from dactyl_lab.tasks.reorient import mdp

    u = env.unwrapped
    ids = torch.arange(NUM_ENVS, device=u.device)
    generator = mdp.randomization_generator(u)
    state = generator.get_state()
    u.event_manager.apply(mode=mdp.PHYSICS_MODE, env_ids=ids)
    first = _physics_written(u)
    generator.set_state(state)
    torch.manual_seed(1234)  # the global RNG moves elsewhere: the physics draws must not follow it
    u.event_manager.apply(mode=mdp.PHYSICS_MODE, env_ids=ids)
    again = _physics_written(u)
    for a, b in zip(first, again):
        assert torch.equal(a, b)
    u.event_manager.apply(mode=mdp.PHYSICS_MODE, env_ids=ids)  # the stream moved on: new values everywhere
    for a, b in zip(first, _physics_written(u)):
        assert not torch.equal(a, b)
    env.step(zeros(env))  # hand the model changes to the solver before the next test
