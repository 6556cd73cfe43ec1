"""Build real Isaac Lab environments of our task on Newton (CPU) for tests."""

from __future__ import annotations

import contextlib
import os

import gymnasium as gym
import pytest
import torch

from dactyl_lab.spec.task import TASK_ID


TEST_START_STEPS = 2
"""Random-action steps of the start-state bank in test envs (the task's default is the paper's 100, which costs
minutes of start-up per env on a shared CPU); tests/task/test_start_states.py checks the bank itself."""

TEST_DEVICE = os.environ.get("DACTYL_TEST_DEVICE", "cpu")
"""Device of the test envs: ``DACTYL_TEST_DEVICE=cuda:0`` runs the env tests on a GPU (default: cpu)."""


def make_env(
    task: str = TASK_ID,
    num_envs: int = 4,
    seed: int = 0,
    presets=(),
    device=None,
    edit=None,
    start_steps: int | None = TEST_START_STEPS,
):
    """A real ``ManagerBasedRLEnv`` on Newton (on ``device``, default :data:`TEST_DEVICE`); ``edit(cfg)`` may change
    the resolved config first; ``start_steps`` sets the start-state bank's random-action steps (None: the task's)."""
    import dactyl_lab.tasks  # noqa: F401  (registers our task)
    import isaaclab_tasks  # noqa: F401  (registers Isaac Lab's stock tasks)
    from isaaclab_tasks.utils.hydra import resolve_presets
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    from isaaclab.sim import SimulationContext

    if SimulationContext.instance() is not None:
        raise RuntimeError(
            "an Isaac Lab simulation is still open in this process (one per process): close_env() it first"
        )
    cfg = resolve_presets(load_cfg_from_registry(task, "env_cfg_entry_point"), selected=tuple(presets))
    cfg.sim.device = device or TEST_DEVICE
    cfg.scene.num_envs = num_envs
    cfg.seed = seed
    start_state = getattr(getattr(cfg, "events", None), "start_state", None)
    if start_steps is not None and start_state is not None:
        start_state.params["random_action_steps"] = start_steps
    if edit is not None:
        edit(cfg)
    return gym.make(task, cfg=cfg)


def close_env(env) -> None:
    from isaaclab.sim import SimulationContext

    with contextlib.suppress(Exception):
        env.close()
    SimulationContext.clear_instance()


def module_env(num_envs: int, seed: int, presets=()):
    """A module-scoped pytest fixture holding one reset env (building one costs seconds on the CPU)."""

    @pytest.fixture(scope="module")
    def env():
        env = make_env(num_envs=num_envs, seed=seed, presets=presets)
        env.reset()
        yield env
        close_env(env)

    return env


def zeros(env) -> torch.Tensor:
    """A zero action for every environment, on the env's device."""
    u = env.unwrapped
    return torch.zeros(u.num_envs, u.action_manager.total_action_dim, device=u.device)
