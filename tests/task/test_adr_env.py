"""``presets=adr`` on the real Isaac Lab env (Newton, CPU, 4 envs, one env for the module): ADR values are
what the simulator runs, finished episodes move the bounds through the env's own reset path, the bounds
reach TensorBoard through ``extras['log']``, ADR state survives an RSL-RL checkpoint, and timing jitter
delivers the new motor targets late by the sampled extra time."""

import importlib.metadata
import math

import pytest
import torch
import warp as wp

from dactyl_lab.tasks.randomization import adr_of, adr_report

from tests.helpers.envs import module_env, zeros

pytestmark = pytest.mark.sim
NUM_ENVS = 4
CUBE_HALF_EDGE_M = 0.025

env = module_env(NUM_ENVS, seed=11, presets=("adr",))


def solver():
    from isaaclab_newton.physics.mjwarp_manager import NewtonMJWarpManager

    return NewtonMJWarpManager._solver


def set_bounds(adr, bounds: dict[str, tuple[float, float]]):
    for name, (lo, hi) in bounds.items():
        i = adr.index(name)
        adr.low[i], adr.high[i] = lo, hi


def all_ids(u):
    return torch.arange(NUM_ENVS, device=u.device)


def test_adr_preset_is_registered_and_updates_adr_as_a_curriculum_term():
    from dactyl_lab.tasks.reorient import adr_cfg, mdp, presets_cfg

    cfg = presets_cfg.DactylReorientEnvPresetCfg().adr
    assert isinstance(cfg, adr_cfg.DactylReorientADREnvCfg)
    params = set(cfg.randomization.adr.params)
    assert {"object_mass_scale", "hand_mass_scale", "object_friction_scale", "hand_friction_scale"} <= params
    # each unmodeled effect's model reads its own magnitude from an ADR parameter (no term writes into it)
    motors = cfg.actions.motors
    unmodeled = (
        motors.delay.probability_adr_param,
        motors.backlash.scale_adr_param,
        motors.timing.mean_extra_time_adr_param,
        cfg.randomization.object_force.accel_std_adr_param,
    )
    assert None not in unmodeled and set(unmodeled) <= params
    assert presets_cfg.DactylReorientEnvPresetCfg().randomized.randomization.adr is None
    # ADR updates/resamples in the curriculum manager, which Isaac Lab runs before every reset event and before
    # the command resets goals_reached: no event term has to come first
    assert cfg.curriculum.default.adr.func is mdp.adr_update_and_resample  # (a PresetCfg: + presets=curriculum)
    assert cfg.curriculum.curriculum.adr.func is mdp.adr_update_and_resample
    assert "adr" not in cfg.events.to_dict() and cfg.events.adr_sync.mode == "interval"
    assert cfg.randomization.observation_noise.fingertip_pos.correlated_adr_param is not None


def test_the_adr_curriculum_term_owns_the_adr_and_nothing_hangs_on_the_env(env):
    """The ADR lives in the curriculum term ``adr``, found through the curriculum manager from any wrapper; the env
    object carries no ADR attribute, and the checkpoint helpers read and restore that same object."""
    from dactyl_lab.tasks.randomization import ADR, adr_state_dict, load_adr_state_dict
    from dactyl_lab.tasks.reorient import mdp

    u = env.unwrapped
    term = u.curriculum_manager.cfg.adr.func
    assert isinstance(term, mdp.adr_update_and_resample) and isinstance(term.adr, ADR)
    assert adr_of(env) is term.adr and adr_of(u) is term.adr and mdp.adr_curriculum_term(u) is term
    assert "adr" not in vars(u) and not any(isinstance(v, ADR) for v in vars(u).values())
    state = adr_state_dict(env)
    i = term.adr.index("object_mass_scale")
    before = float(term.adr.high[i])
    try:
        state["high"][i] = before + 0.04
        load_adr_state_dict(env, state)
        assert float(term.adr.high[i]) == pytest.approx(before + 0.04)
    finally:
        term.adr.high[i] = before


def elements_follow_adr(adr, name, values, transform=lambda x: x):
    """``values`` (N, k): every element in the ADR range of ``name``; envs evaluating one of its boundaries
    have the bound in every element; the others draw each element on its own (they differ within an env)."""
    i = adr.index(name)
    low, high = transform(adr.low[i].float()), transform(adr.high[i].float())
    assert ((values >= low - 1e-5) & (values <= high + 1e-5)).all(), (name, values, low, high)
    boundary = adr.env_boundary
    pinned = (boundary >= 0) & (boundary // 2 == i)
    bound = torch.where(boundary % 2 == 1, high, low)
    for e in range(values.shape[0]):
        if pinned[e]:
            torch.testing.assert_close(values[e], bound[e].expand_as(values[e]), rtol=1e-5, atol=1e-6, msg=name)
        elif values.shape[1] > 1:
            assert values[e].std() > 1e-4, (name, e, values[e])  # per body / shape / joint, not one per env


def test_adr_values_stay_in_the_bounds_and_reach_the_solver(env):
    u = env.unwrapped
    adr, cube, robot = adr_of(u), u.scene["object"], u.scene["robot"]
    set_bounds(
        adr,
        {
            "object_scale": (0.9, 1.1),
            "object_mass_scale": (0.6, 1.4),
            "hand_mass_scale": (0.5, 1.5),
            "object_friction_scale": (0.7, 1.3),
            "hand_friction_scale": (0.6, 1.2),
            "actuator_gain_scale_log": (-0.3, 0.3),
            "joint_damping_scale_log": (-0.5, 0.5),
            "gravity_offset_std_mps2": (0.0, 0.5),
            "joint_limit_offset_std_rad": (0.0, 0.1),
        },
    )
    u._reset_idx(all_ids(u))
    env.step(zeros(env))  # Newton pushes the model changes into MuJoCo-Warp on the step
    v = {n: adr.get(n) for n in adr.names}
    for name in ("object_scale", "object_mass_scale", "hand_friction_scale", "actuator_gain_scale_log"):
        i = adr.index(name)
        assert ((v[name] >= adr.low[i] - 1e-6) & (v[name] <= adr.high[i] + 1e-6)).all(), (name, v[name])
    assert v["object_scale"].std() > 1e-3  # per env, not one global draw
    model = solver().mjw_model
    # masses: the cube's and each hand body's own scale from their own ADR ranges, in MuJoCo-Warp's masses
    mass_term = u.event_manager.get_term_cfg("object_mass").func
    ratio = cube.data.body_mass.torch / mass_term.default_mass
    elements_follow_adr(adr, "object_mass_scale", ratio)
    hand_term = u.event_manager.get_term_cfg("hand_mass").func
    massive = hand_term.default_mass[0] > 1e-6  # bodies with mass (a massless frame scales to nothing)
    hand_ratio = robot.data.body_mass.torch[:, massive] / hand_term.default_mass[:, massive]
    elements_follow_adr(adr, "hand_mass_scale", hand_ratio)
    solver_mass = wp.to_torch(model.body_mass)[:NUM_ENVS]
    assert any(
        torch.allclose(solver_mass[:, b], cube.data.body_mass.torch[:, 0], atol=1e-6)
        for b in range(solver_mass.shape[1])
    )
    # object size: MuJoCo-Warp's per-world box half extents
    size_term = u.event_manager.get_term_cfg("object_size").func
    geom = int(size_term._geoms[0])
    half = wp.to_torch(model.geom_size)[:NUM_ENVS, geom]
    torch.testing.assert_close(half, CUBE_HALF_EDGE_M * v["object_scale"][:, None].expand(-1, 3), rtol=1e-5, atol=1e-7)
    rbound = wp.to_torch(model.geom_rbound)[:NUM_ENVS, geom]
    torch.testing.assert_close(rbound, math.sqrt(3) * CUBE_HALF_EDGE_M * v["object_scale"], rtol=1e-4, atol=1e-6)
    # friction: the cube's coefficient in MuJoCo-Warp's per-world geom friction, the hand's shapes each their own
    friction = wp.to_torch(model.geom_friction)[:NUM_ENVS, geom, 0]
    torch.testing.assert_close(friction, u.event_manager.get_term_cfg("object_friction").func.mu[:, 0])
    elements_follow_adr(adr, "object_friction_scale", friction[:, None])
    hand_mu = u.event_manager.get_term_cfg("hand_friction").func
    elements_follow_adr(adr, "hand_friction_scale", hand_mu.mu / hand_mu.default_mu)
    # P gains x exp(lambda) per joint; MuJoCo-Warp's position actuators carry them
    gains = u.event_manager.get_term_cfg("actuator_gains")
    ids = torch.tensor(gains.params["asset_cfg"].joint_ids)
    k_ratio = robot.data.joint_stiffness.torch[:, ids] / gains.func.default_joint_stiffness[:, ids]
    elements_follow_adr(adr, "actuator_gain_scale_log", k_ratio, torch.exp)
    kp = wp.to_torch(model.actuator_gainprm)[:NUM_ENVS, :, 0]
    for e in range(NUM_ENVS):
        for k in robot.data.joint_stiffness.torch[e, ids].tolist():
            assert (kp[e] - k).abs().min() < 1e-4 * max(1.0, k), (e, k)
    # joint damping: the total (passive) damping of all 24 joints x exp(lambda), in MuJoCo-Warp's dof_damping
    from dactyl_lab.spec import hand

    nominal = torch.tensor([hand.JOINT_DAMPING[n] for n in robot.joint_names])
    d_ratio = robot.data.joint_viscous_friction_coeff.torch / nominal
    elements_follow_adr(adr, "joint_damping_scale_log", d_ratio, torch.exp)
    dof_damping = wp.to_torch(model.dof_damping)[:NUM_ENVS]
    for e in range(NUM_ENVS):
        for d in robot.data.joint_viscous_friction_coeff.torch[e].tolist():
            assert (dof_damping[e] - d).abs().min() < 1e-5, (e, d)
    # the 4 tendon motors (MuJoCo actuators Newton drives directly): kp and -bias x the same per-tendon scale
    direct = [a for a, src in enumerate(solver().mjc_actuator_ctrl_source.numpy().tolist()) if src == 1]
    assert len(direct) == 4
    default_kp = u.event_manager.get_term_cfg("tendon_gains").func.default_kp
    assert torch.allclose(default_kp, default_kp[:1, :1].expand_as(default_kp))
    tendon_kp = wp.to_torch(model.actuator_gainprm)[:NUM_ENVS][:, direct, 0]
    elements_follow_adr(adr, "actuator_gain_scale_log", tendon_kp / default_kp, torch.exp)
    torch.testing.assert_close(wp.to_torch(model.actuator_biasprm)[:NUM_ENVS][:, direct, 1], -tendon_kp)
    # gravity per world: default + N(0, lambda^2) per axis, lambda in [0, 0.5]
    offset = wp.to_torch(model.opt.gravity)[:NUM_ENVS] - torch.tensor([0.0, 0.0, -9.81])
    lam = v["gravity_offset_std_mps2"]
    assert (offset.abs() <= 6.0 * lam[:, None] + 1e-5).all() and (offset.abs() > 0).any(), (offset, lam)


def test_adr_drives_the_delay_backlash_force_and_timing_magnitudes(env):
    """The unmodeled effects' ADR parameters reach the action term's models (and the force) at a reset."""
    from dactyl_lab.tasks.reorient import mdp

    u = env.unwrapped
    forces, term = mdp.random_object_force(u), u.action_manager.get_term("motors")
    names = ("action_delay_prob", "backlash_scale", "object_force_accel_std_mps2", "timing_extra_step_time_s")
    ones = torch.ones(NUM_ENVS, device=u.device)
    try:  # pinned ranges (low above the nominal 0 is not a state ADR itself reaches: restored below)
        set_bounds(adr_of(u), dict(zip(names, ((1.0, 1.0), (0.0, 0.0), (2.0, 2.0), (0.0008, 0.0008)))))
        u._reset_idx(all_ids(u))
        assert term.delay.delayed.all()  # p = 1: every actuator delayed
        assert (term.backlash.scale == 0).all() and (term.backlash.coef_per_rad_s >= 1e5).all()  # scale 0: no slack
        torch.testing.assert_close(forces.accel_std_mps2, 2.0 * ones)  # 2 m/s^2: twice the paper's std
        torch.testing.assert_close(term.timing.rate_low_per_s, 1250.0 * ones)  # mean extra 0.8 ms per 8 ms step
        torch.testing.assert_close(term.timing.rate_high_per_s, 1250.0 * ones)
        set_bounds(adr_of(u), {"action_delay_prob": (0.0, 0.0), "backlash_scale": (1.0, 1.0)})
        u._reset_idx(all_ids(u))
        assert not term.delay.delayed.any()
        torch.testing.assert_close(term.backlash.scale, ones)  # robogym's calibrated amounts
    finally:
        set_bounds(adr_of(u), {name: (0.0, 0.0) for name in names})


def test_high_performance_widens_a_bound_and_the_next_resample_uses_it(env):
    u = env.unwrapped
    adr, cube, cmd = adr_of(u), u.scene["object"], u.command_manager.get_term("object_pose")
    i = adr.index("object_mass_scale")
    set_bounds(adr, {"object_mass_scale": (1.0, 1.0)})
    m, step = adr.queue.shape[-1], float(adr.step[i])
    b = 2 * i + 1  # object_mass_scale's high boundary
    adr.queue[i, 1, : m - 1] = 30.0  # one episode short of a decision, all above t_H = 20
    adr.fill[i, 1] = m - 1
    # env 0 plays its episode at the high boundary and reaches 30 goals; then its cube falls: a real reset
    adr.env_boundary[0], adr.env_version[0] = b, adr.version[i, 1]
    cmd.goals_reached[0] = 30.0
    pose = cube.data.root_pose_w.torch.clone()
    pose[0, 2] -= 0.3
    cube.write_root_pose_to_sim_index(root_pose=pose[:1], env_ids=torch.tensor([0], device=u.device))
    _, _, terminated, _, _ = env.step(zeros(env))
    assert terminated[0] and u.episode_length_buf[0] == 0
    assert math.isclose(float(adr.high[i]), 1.0 + step, rel_tol=1e-9), adr.high[i]  # widened by one step
    assert int(adr.fill[i, 1]) == 0 and int(adr.version[i, 1]) >= 1
    # the next resample draws from [1, 1 + step]: new per-env scales above the old bound, applied to the cube
    u._reset_idx(all_ids(u))
    default = u.event_manager.get_term_cfg("object_mass").func.default_mass[:, 0]
    scale = cube.data.body_mass.torch[:, 0] / default
    assert (scale <= 1.0 + step + 1e-6).all() and (scale > 1.0 + 1e-6).any(), scale
    elements_follow_adr(adr, "object_mass_scale", scale[:, None])


def test_adr_bounds_and_entropy_are_logged_in_extras(env):
    u = env.unwrapped
    adr = adr_of(u)
    set_bounds(adr, {"object_friction_scale": (0.8, 1.25)})
    k = u.cfg.randomization.adr_sync_interval_steps
    for _ in range(k):  # a sync step comes within K steps and refreshes the log
        *_, extras = env.step(zeros(env))
    log = extras["log"]
    for name in adr.names:
        assert log[f"ADR/{name}/low"] == pytest.approx(float(adr.low[adr.index(name)]))
        assert log[f"ADR/{name}/high"] == pytest.approx(float(adr.high[adr.index(name)]))
    assert log["ADR/object_friction_scale/low"] == pytest.approx(0.8)
    assert log["ADR/object_friction_scale/high"] == pytest.approx(1.25)
    assert log["ADR/entropy_npd"] == pytest.approx(float(adr_report.entropy_npd(adr)))
    assert log["ADR/entropy_npd_widened"] == pytest.approx(float(adr_report.entropy_npd_widened(adr))) != 0.0


def test_timing_jitter_delivers_the_new_targets_late_by_the_sampled_extra_time(env, monkeypatch):
    """Per env a latency of X (in physics substeps, fractional): whole substeps of the previous targets, one blended
    substep, then the new targets; the time-integral of the target equals a command arriving exactly X late."""
    from dactyl_lab.tasks.randomization import TimingJitter

    u = env.unwrapped
    term, robot = u.action_manager.get_term("motors"), u.scene["robot"]
    assert isinstance(term.timing, TimingJitter) and not u._physics_handles_decimation
    latency = torch.tensor([0.0, 0.4, 2.5, float(u.cfg.decimation)], device=u.device)
    monkeypatch.setattr(term.timing, "latency_substeps", lambda physics_dt_s, decimation: latency)
    sent = []
    original = robot.actuators.target_command.set_position_index

    def record(*, value, joint_ids=None, **kwargs):
        if joint_ids is not None:  # the action term's writes, not a reset event's
            sent.append(value.clone())
        return original(value=value, joint_ids=joint_ids, **kwargs)

    monkeypatch.setattr(robot.actuators.target_command, "set_position_index", record)
    env.step(zeros(env))  # settle: what the motors hold at the end of a step is now known
    previous = sent[-1].clone()  # (env 3, latency = the whole step, still holds the step before's targets)
    sent.clear()
    start_len = u.episode_length_buf.clone()
    pos = term.motor_positions()
    env.step(-torch.sign(pos - 0.5 * sum(term.motor_limits())))  # move every target
    new = term.processed_actions[:, :16]
    assert len(sent) == u.cfg.decimation
    ok = u.episode_length_buf == start_len + 1  # envs not reset in the measured step
    assert ok.sum() >= 3
    assert ((new - previous).abs().amax(dim=1)[ok] > 1e-3).all()
    for e, x in enumerate(latency.tolist()):
        if not ok[e]:
            continue
        for sub, targets in enumerate(sent):
            w = min(max(sub + 1 - x, 0.0), 1.0)
            want = previous[e] + w * (new[e] - previous[e])
            torch.testing.assert_close(targets[e], want, rtol=0, atol=1e-6, msg=f"env {e} substep {sub} (latency {x})")
        integral = sum(min(max(sub + 1 - x, 0.0), 1.0) for sub in range(u.cfg.decimation))
        assert integral == pytest.approx(u.cfg.decimation - x)


def test_adr_state_round_trips_through_an_rsl_rl_checkpoint(env, tmp_path):
    from isaaclab.utils import to_dict
    from isaaclab_rl.rsl_rl import RslRlMLPModelCfg, RslRlOnPolicyRunnerCfg, RslRlPpoAlgorithmCfg, RslRlVecEnvWrapper
    from isaaclab_rl.rsl_rl import handle_deprecated_rsl_rl_cfg
    from dactyl_lab.tasks.randomization import adr_state_dict, load_adr_state_dict
    from dactyl_lab.training.rsl_rl_runner import DactylOnPolicyRunner

    u = env.unwrapped
    adr = adr_of(u)
    cfg = RslRlOnPolicyRunnerCfg(
        num_steps_per_env=2,
        max_iterations=1,
        save_interval=1,
        experiment_name="adr_test",
        device="cpu",
        obs_groups={"actor": ["policy"], "critic": ["critic"]},
        actor=RslRlMLPModelCfg(
            hidden_dims=[8], activation="elu", distribution_cfg=RslRlMLPModelCfg.GaussianDistributionCfg(init_std=1.0)
        ),
        critic=RslRlMLPModelCfg(hidden_dims=[8], activation="elu"),
        algorithm=RslRlPpoAlgorithmCfg(
            num_learning_epochs=1,
            num_mini_batches=1,
            learning_rate=1e-3,
            schedule="fixed",
            gamma=0.99,
            lam=0.95,
            entropy_coef=0.0,
            clip_param=0.2,
            value_loss_coef=1.0,
            use_clipped_value_loss=True,
            desired_kl=0.01,
            max_grad_norm=1.0,
        ),
    )
    cfg = handle_deprecated_rsl_rl_cfg(cfg, importlib.metadata.version("rsl-rl-lib"))
    runner = DactylOnPolicyRunner(RslRlVecEnvWrapper(env), to_dict(cfg), log_dir=None, device="cpu")
    set_bounds(adr, {"object_mass_scale": (0.7, 1.3), "obs_object_rot_corr_std_rad": (0.0, 0.05)})
    adr.queue[0, 1, :3] = torch.tensor([1.0, 2.0, 3.0], dtype=adr.queue.dtype)
    adr.fill[0, 1] = 3
    saved = adr_state_dict(env)
    path = tmp_path / "model_0.pt"
    runner.save(str(path))
    assert "adr_state" in torch.load(path, weights_only=False)
    # ADR moves on after the checkpoint; loading it brings the saved state back
    set_bounds(adr, {"object_mass_scale": (0.9, 1.05), "obs_object_rot_corr_std_rad": (0.0, 0.2)})
    adr.fill[0, 1] = 0
    runner.load(str(path))
    state = adr_state_dict(env)
    for key in ("low", "high", "queue", "fill", "version"):
        torch.testing.assert_close(state[key], saved[key], rtol=0, atol=0, msg=key)
    assert float(adr.low[adr.index("object_mass_scale")]) == pytest.approx(0.7)
    # the plain helpers round-trip through torch.save too
    torch.save(adr_state_dict(env), tmp_path / "adr.pt")
    set_bounds(adr, {"object_mass_scale": (1.0, 1.0)})
    load_adr_state_dict(env, torch.load(tmp_path / "adr.pt"))
    assert float(adr.high[adr.index("object_mass_scale")]) == pytest.approx(1.3)


def test_adr_drives_the_action_noise_of_the_action_term(env):
    u = env.unwrapped
    term = u.action_manager.get_term("motors")
    set_bounds(adr_of(u), {"action_mult_frac": (0.04, 0.04), "action_uncorr_frac": (0.07, 0.07)})
    u._reset_idx(all_ids(u))
    torch.testing.assert_close(term.action_noise.mult_std, torch.full((NUM_ENVS,), 0.04, device=u.device))
    torch.testing.assert_close(term.action_noise.additive.uncorr_std, torch.full((NUM_ENVS,), 0.07, device=u.device))
