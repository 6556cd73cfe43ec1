"""The contract is enough to build the observation: the task's policy observation of a recorded env state is
rebuilt by tests/integrator/contract_client.py (numpy, no dactyl_lab) from the contract JSON and what a tracker in
the hand-mount body's axes would report (the mount's orientation measured with MuJoCo, not taken from the
contract)."""

import ast
import json
from pathlib import Path

import mujoco
import numpy as np
import pytest
import torch

from dactyl_lab.contract import make_dactyl_contract
from dactyl_lab.spec.task import TASK_ID

from tests.integrator.contract_client import observation
from tests.helpers.envs import close_env, make_env

pytestmark = pytest.mark.sim
CLIENT = Path(__file__).with_name("contract_client.py")


def test_the_client_imports_nothing_of_dactyl_lab():
    tree = ast.parse(CLIENT.read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"numpy", "__future__"}, imported


def mount_quat_xyzw_from_mujoco() -> np.ndarray:
    from dactyl_lab.assets import shadow_mjcf

    model = shadow_mjcf.build_hand_spec().compile()
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    w, x, y, z = data.xquat[mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_BODY, "rh_hand_mount")]
    return np.array([x, y, z, w])


def to_mount(q_mount, pos_env, quat_env, base):
    from tests.integrator.contract_client import quat_conj, quat_mul, rotate

    inv = quat_conj(q_mount)
    return rotate(inv, np.asarray(pos_env) - base), quat_mul(inv, np.asarray(quat_env))


def test_observation_from_the_contract_alone_matches_the_task():
    contract = json.loads(make_dactyl_contract(TASK_ID).to_json())
    q_mount, base = mount_quat_xyzw_from_mujoco(), np.asarray(contract["hand_base_pos_m"])
    env = make_env(num_envs=2, seed=5)
    try:
        u = env.unwrapped
        obs, _ = env.reset(seed=5)
        actions = torch.rand(2, 20, generator=torch.Generator().manual_seed(0)) * 2 - 1
        for _ in range(3):
            obs, *_ = env.step(actions)
        robot, cube = u.scene["robot"], u.scene["object"]
        origins = u.scene.env_origins.cpu().numpy()
        goal = u.command_manager.get_term("object_pose").quat_command_w.cpu().numpy()
        body_pos, body_quat = robot.data.body_pos_w.torch.cpu().numpy(), robot.data.body_quat_w.torch.cpu().numpy()
        for e in range(2):
            tips = {
                name: to_mount(
                    q_mount,
                    body_pos[e, robot.body_names.index(name)] - origins[e],
                    body_quat[e, robot.body_names.index(name)],
                    base,
                )
                for name in contract["fingertips"]["body_names"]
            }
            tracked = {
                "fingertips": tips,
                "cube": to_mount(
                    q_mount,
                    cube.data.root_pos_w.torch[e].cpu().numpy() - origins[e],
                    cube.data.root_quat_w.torch[e].cpu().numpy(),
                    base,
                ),
                "goal_quat_xyzw": to_mount(q_mount, np.zeros(3), goal[e], np.zeros(3))[1],
                "last_action": u.action_manager.action[e].cpu().numpy(),
            }
            np.testing.assert_allclose(observation(contract, tracked), obs["policy"][e].cpu().numpy(), atol=2e-5)
        # the first step of an episode: last_action is what the contract says (zeros)
        obs, _ = env.reset(seed=6)
        first = obs["policy"][0, -20:].cpu().numpy()
        np.testing.assert_array_equal(first, np.full(20, contract["episode_start"]["last_action_value"]))
    finally:
        close_env(env)
