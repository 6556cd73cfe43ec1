"""Solver settings by device (issue 19, item 9): the CPU-friendly settings (CG, 20 iterations, pyramidal cones) on
the CPU, Isaac Lab's stock Shadow-hand GPU settings (Newton method, elliptic cones, impratio 10) on a CUDA device,
resolved when the env is built (``validate_config``), after the scripts set ``sim.device``."""

import dataclasses

import pytest

from dactyl_lab.spec import solver as sim_settings
from dactyl_lab.tasks.reorient import env_cfg, presets_cfg

from tests.helpers.envs import close_env, make_env


def configs():
    """Each preset on Newton, resolved as the task's registry resolves it (physics presets included)."""
    from isaaclab_tasks.utils.hydra import resolve_presets

    names = ("default", "randomized", "adr", "hz20")
    return {n: resolve_presets(presets_cfg.DactylReorientEnvPresetCfg(), selected=(n,)) for n in names}


@pytest.mark.parametrize("preset", ["default", "randomized", "adr", "hz20"])
def test_a_cuda_device_gets_the_gpu_settings_and_the_cpu_keeps_its_own(preset):
    cfg = configs()[preset]
    cfg.sim.device = "cuda:0"  # a config only: no GPU needed
    cfg.validate()  # what the env does first when it is built
    assert env_cfg.solver_settings_of(cfg) == sim_settings.GPU_TASK_SOLVER
    solver = cfg.sim.physics.solver_cfg
    assert (solver.solver, solver.cone, solver.iterations, solver.impratio) == ("newton", "elliptic", 100, 10.0)
    cfg.sim.device = "cpu"  # a device set after an earlier validation still decides
    cfg.validate()
    assert env_cfg.solver_settings_of(cfg) == sim_settings.TASK_SOLVER
    assert (solver.solver, solver.cone, solver.iterations) == ("cg", "pyramidal", 20)


def test_the_gpu_settings_are_isaac_labs_stock_shadow_hand_solver():
    from isaaclab_tasks.core.reorient.config.shadow_hand import shadow_hand_common

    stock = shadow_hand_common.PhysicsCfg().newton_mjwarp.solver_cfg
    ours = sim_settings.GPU_TASK_SOLVER
    for name in ("solver", "iterations", "ls_iterations", "integrator", "cone", "impratio"):
        assert getattr(ours, name) == getattr(stock, name), name


def test_pinned_settings_and_other_overrides_survive_the_device():
    cfg = configs()["default"]
    cfg.sim.device = "cuda:0"
    cfg.physics_settings = "cpu"  # Hydra: env.physics_settings=cpu
    cfg.validate()
    assert env_cfg.solver_settings_of(cfg) == sim_settings.TASK_SOLVER
    cfg = configs()["default"]
    cfg.sim.device = "cuda:0"
    cfg.sim.physics.solver_cfg.iterations = 37  # Hydra: env.sim.physics.solver_cfg.iterations=37
    cfg.validate()
    want = dataclasses.replace(sim_settings.GPU_TASK_SOLVER, iterations=37)
    assert env_cfg.solver_settings_of(cfg) == want


def test_an_unknown_physics_setting_names_the_choices():
    cfg = configs()["default"]
    cfg.physics_settings = "fast"
    with pytest.raises(ValueError, match="auto, cpu, gpu"):
        cfg.validate()


@pytest.mark.sim
def test_the_built_env_runs_the_resolved_solver():
    """Through gym.make on the CPU: ``physics_settings=gpu`` reaches MuJoCo-Warp's model options (and auto on the
    CPU keeps CG, which every other CPU env test runs)."""
    import mujoco_warp

    from dactyl_lab.tasks.reorient.mdp.newton_internals import mjwarp_solver

    def edit(cfg):
        cfg.physics_settings = "gpu"

    env = make_env(num_envs=1, device="cpu", edit=edit)
    try:
        opt = mjwarp_solver().mjw_model.opt
        assert int(opt.solver) == int(mujoco_warp.SolverType.NEWTON)
        assert int(opt.cone) == int(mujoco_warp.ConeType.ELLIPTIC)
        assert int(opt.iterations) == sim_settings.GPU_TASK_SOLVER.iterations
    finally:
        close_env(env)
