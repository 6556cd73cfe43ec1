"""The MuJoCo stand-in runs the task's physics settings (one home: dactyl_lab.spec.solver) and starts episodes the
way the task does (paper C.1: cube on the palm in a random orientation, random actions, drops discarded)."""

import mujoco
import numpy as np
import pytest

from dactyl_lab.spec import hand, solver as sim_settings
from dactyl_lab.runtime.backends.mujoco_standin import MujocoStandInHand, build_standin_model


def test_task_physics_are_the_newton_tasks_solver_settings():
    model = build_standin_model("task")
    for name, value in sim_settings.mujoco_option_values().items():
        assert getattr(model.opt, name) == pytest.approx(value), name
    assert model.opt.timestep == pytest.approx(sim_settings.PHYSICS_DT_S / sim_settings.NUM_SUBSTEPS)
    assert model.geom("object").condim[0] == sim_settings.TASK_CUBE_CONDIM
    assert np.all(model.geom_margin == 0.0)


def test_mujoco_default_physics_keep_the_mjcfs_options():
    model = build_standin_model("mujoco-default")
    assert model.opt.timestep == pytest.approx(sim_settings.PHYSICS_DT_S)
    assert model.opt.solver == mujoco.mjtSolver.mjSOL_NEWTON
    assert model.opt.integrator == mujoco.mjtIntegrator.mjINT_EULER
    assert model.geom("object").condim[0] == 4


def test_unknown_physics_names_the_choices():
    with pytest.raises(ValueError, match="task, mujoco-default"):
        build_standin_model("fast")


def test_the_task_config_reads_the_same_settings():
    from dactyl_lab.tasks.reorient import env_cfg

    cfg = env_cfg.DactylReorientEnvCfg()
    solver = cfg.sim.physics.solver_cfg
    for field in ("solver", "iterations", "ls_iterations", "integrator", "cone", "impratio", "tolerance"):
        assert getattr(solver, field) == getattr(sim_settings.TASK_SOLVER, field), field
    assert cfg.sim.dt == sim_settings.PHYSICS_DT_S and cfg.sim.physics.num_substeps == sim_settings.NUM_SUBSTEPS
    drop = cfg.terminations.object_dropped.params["max_distance_m"]
    assert drop == sim_settings.START_DROP_DISTANCE_M
    assert cfg.scene.object.init_state.pos[2] - cfg.scene.robot.init_state.pos[2] == pytest.approx(
        0.05 + sim_settings.START_CUBE_HEIGHT_M
    )  # the cube starts 1 cm above its palm place, as the stand-in's


def test_task_start_states_are_settled_random_orientations_on_the_palm():
    standin = MujocoStandInHand(seed=3)
    home = standin.model.body_pos[standin.object_body] + [0.0, 0.0, sim_settings.START_CUBE_HEIGHT_M]
    quats = []
    for _ in range(6):
        standin.reset_episode()
        pos, quat = standin.object_pose_true()
        assert np.linalg.norm(pos - home) <= sim_settings.START_DROP_DISTANCE_M
        assert standin.start_bank_size <= standin.start_attempts <= standin.start_bank_size * 20
        joints = np.array(list(standin.read_joint_positions().values()))
        assert np.abs(joints).max() > 0.02  # the random actions moved the hand
        assert np.all(standin.data.qvel == 0.0)
        quats.append(quat)
    # random orientations, not a yaw about the vertical: a settled cube rests on a face, and which of its three
    # axes points up differs between starts (a yaw-only start keeps the same one)
    up_axes = {int(np.argmax([abs(_rotate(q, np.eye(3)[i])[2]) for i in range(3)])) for q in quats}
    assert len(up_axes) >= 2, up_axes


def _rotate(q_xyzw, v):
    x, y, z, w = q_xyzw
    r = np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )
    return r @ np.asarray(v)


def test_fingertips_and_cube_are_reported_at_the_new_state_after_a_tick():
    standin = MujocoStandInHand(seed=0, start_state="yaw")
    standin.send_targets({m: 0.5 * sum(hand.MOTOR_LIMITS_RAD[m]) for m in standin.motor_names})
    standin.tick(standin.control_period_s)
    reported = standin.read_fingertip_positions()
    data = mujoco.MjData(standin.model)
    data.qpos[:] = standin.data.qpos
    mujoco.mj_kinematics(standin.model, data)
    for body, site in zip(hand.FINGERTIP_BODY_NAMES, hand.FINGERTIP_SITE_NAMES):
        np.testing.assert_allclose(reported[body], data.site(site).xpos, atol=1e-12)
