"""The contract is enough for an outside integrator (issue 21, item 9): every fact a client needs to drive another
model with an exported policy is in the contract JSON, checked against its source (gymnasium-robotics' own MJCF,
the task's spec), and two clients written from the contract alone (tests/integrator/contract_law_client.py: numpy,
no dactyl_lab) reproduce the runtime's action law and drive gymnasium-robotics' hand as the contract says."""

from __future__ import annotations

import ast
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import mujoco
import numpy as np
import pytest

from dactyl_lab.contract import ContractError, PolicyContract, make_dactyl_contract
from dactyl_lab.runtime.actions import ActionProcessor
from dactyl_lab.spec import hand
from dactyl_lab.spec.task import TASK_ID

from tests.integrator.contract_law_client import LawClient, openai_controls

CLIENT = Path(__file__).with_name("contract_law_client.py")

INTEGRATOR_FIELDS = (
    "action.max_target_speed_rad_s",
    "action.smoothing_previous_weight",
    "action.tendon_joints",
    "action.last_action_source",
    "action.env_clip",
    "hand_base_pos_m",
    "frame.mount_pos_m",
    "frame.mount_quat_xyzw",
    "frame.description",
    "physics.physics_dt_s",
    "physics.hand_gravity_compensation",
    "physics.motor_stiffness_n_m_per_rad",
    "physics.motor_effort_limit_n_m",
    "physics.joint_damping_n_m_s_per_rad",
    "openai_model.motor_actuators",
    "openai_model.tendon_coupling_j1_per_j2",
    "openai_model.tendon_coupling_slack_rad",
    "openai_model.mount_pos_m",
    "task.eval_goal_timeout_s",
    "task.train_goal_timeout_s",
    "task.cube_faces",
    "episode_start.object_start",
    "episode_start.settle_random_action_steps",
    "quat_convention",
    "quat_product",
)
"""What the integrator of gymnasium-robotics' block env had to guess (issue 21, item 9), by contract path."""


def _contract() -> dict:
    return json.loads(make_dactyl_contract(TASK_ID).to_json())


def _get(data: dict, path: str):
    for key in path.split("."):
        data = data[key]
    return data


def _gym_dir() -> Path:
    from dactyl_lab.assets.shadow_mjcf import gymnasium_hand_dir

    return gymnasium_hand_dir()


def test_the_client_imports_nothing_of_dactyl_lab():
    tree = ast.parse(CLIENT.read_text())
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"numpy", "__future__"}, imported


@pytest.mark.parametrize("path", INTEGRATOR_FIELDS)
def test_a_contract_without_an_integrator_fact_is_refused(path):
    data = _contract()
    *parents, key = path.split(".")
    del (_get(data, ".".join(parents)) if parents else data)[key]
    with pytest.raises(ContractError, match="re-export"):
        PolicyContract.from_dict(data)


def test_the_contracts_facts_match_their_sources():
    """Each fact against where it comes from: gymnasium-robotics' MJCF for its actuators, coupling and mount;
    the task's spec for the physics and the law."""
    contract = _contract()
    action, physics, openai = contract["action"], contract["physics"], contract["openai_model"]
    # the law: rated speeds per motor, OpenAI's smoothing convention (0.3 on the previous value at 80 ms)
    assert action["max_target_speed_rad_s"] == [hand.MOTOR_MAX_SPEED_RAD_S[m] for m in hand.MOTOR_NAMES]
    assert action["smoothing_previous_weight"] == 0.3 and contract["control_period_s"] == pytest.approx(0.08)
    assert action["tendon_joints"] == {f"rh_{f}J0": [f"rh_{f}J2", f"rh_{f}J1"] for f in ("FF", "MF", "RF", "LF")}
    assert "env_clip" in action["last_action_source"] and "unclipped" in action["last_action_source"]
    # frames: the hand base's position and rotation, and which frame the observation is in
    assert contract["frame"]["mount_pos_m"] == contract["hand_base_pos_m"] == [0.0, 0.0, 0.5]
    assert "env frame" in contract["frame"]["description"]
    assert all("hand-base/env" not in t["description"] for t in contract["observation"])
    # physics
    assert physics["physics_dt_s"] * 10 == pytest.approx(contract["control_period_s"])
    assert physics["hand_gravity_compensation"] == 1.0
    assert len(physics["motor_stiffness_n_m_per_rad"]) == len(physics["motor_effort_limit_n_m"]) == 20
    assert set(physics["joint_damping_n_m_s_per_rad"]) == set(hand.JOINT_NAMES)
    # gymnasium-robotics' model: actuators, coupling tendon, mount
    gym = mujoco.MjModel.from_xml_path(str(_gym_dir() / "manipulate_block.xml"))
    for motor, actuator in openai["motor_actuators"].items():
        joint = gym.joint(gym.actuator_trnid[gym.actuator(actuator).id, 0]).name  # raises if the actuator is absent
        expected = hand.TENDON_JOINTS[motor][0] if motor in hand.TENDON_JOINTS else motor
        assert openai["joint_names"][expected] == joint, (motor, actuator, joint)
    shared = ET.parse(_gym_dir() / "shared.xml").getroot()
    coupling = shared.find(".//fixed[@name='robot0:T_FFJ1c']")
    coefs = {j.get("joint"): float(j.get("coef")) for j in coupling}
    j1, j2 = openai["joint_names"]["rh_FFJ1"], openai["joint_names"]["rh_FFJ2"]
    assert openai["tendon_coupling_j1_per_j2"] == pytest.approx(-coefs[j2] / coefs[j1])
    assert openai["tendon_coupling_slack_rad"] == pytest.approx(float(coupling.get("range").split()[1]) / coefs[j1])
    mount = ET.parse(_gym_dir() / "robot.xml").getroot().find(".//body[@name='robot0:hand mount']")
    assert openai["mount_pos_m"] == [float(v) for v in mount.get("pos").split()]
    # episodes: evaluation timeout, start state, cube faces, quaternion product
    assert contract["task"]["eval_goal_timeout_s"] == 80.0 and contract["task"]["train_goal_timeout_s"] == 8.0
    assert set(contract["task"]["cube_faces"]) == {"+x", "-x", "+y", "-y", "+z", "-z"}
    assert contract["episode_start"]["settle_random_action_steps"] == 100
    assert "Hamilton" in contract["quat_product"] and contract["quat_convention"] == "xyzw"


def test_the_law_from_the_contract_alone_reproduces_the_runtime():
    """The integrator's law (contract + docs only) and the runtime's ActionProcessor give the same targets over
    random joints and out-of-range actions, rate limit and bias-corrected smoothing included."""
    contract = _contract()
    client = LawClient(contract)
    processor = ActionProcessor(PolicyContract.from_dict(contract).action, contract["control_period_s"])
    rng = np.random.default_rng(3)
    joints = {j: float(rng.uniform(*hand.JOINT_LIMITS_RAD[j])) for j in hand.JOINT_NAMES}
    np.testing.assert_array_equal(client.reset(joints), processor.reset(joints))
    for _ in range(60):
        joints = {j: v + float(rng.normal(0.0, 0.05)) for j, v in joints.items()}
        action = rng.uniform(-3.0, 3.0, 20)
        sent = processor.targets(action, joints)
        processor.commit(sent)
        np.testing.assert_allclose(client.step(action, joints), sent, atol=1e-12)


def test_the_contract_drives_gymnasium_robotics_hand_as_it_says():
    """Targets mapped with the contract's openai_model onto gymnasium-robotics' hand (its own MJCF, plain MuJoCo,
    1 s): a tendon motor's J1 + J2 reaches its target within the model's coupling slack (plus the soft servo's
    error), a flipped joint turns the way the real hand's does."""
    contract = _contract()
    model = mujoco.MjModel.from_xml_path(str(_gym_dir() / "manipulate_block.xml"))
    data = mujoco.MjData(model)
    names = contract["openai_model"]["joint_names"]
    targets = dict.fromkeys(hand.MOTOR_NAMES, 0.0) | {"rh_FFJ0": 1.0, "rh_MFJ0": 2.0, "rh_FFJ4": 0.2, "rh_FFJ3": 0.8}
    for actuator, ctrl in openai_controls(contract, [targets[m] for m in hand.MOTOR_NAMES]).items():
        data.ctrl[model.actuator(actuator).id] = ctrl
    for _ in range(round(1.0 / model.opt.timestep)):
        mujoco.mj_step(model, data)

    def shadow_angle(joint: str) -> float:
        angle = float(data.qpos[model.joint(names[joint]).qposadr[0]])
        return -angle if names[joint] in contract["openai_model"]["flipped_joints"] else angle

    slack = contract["openai_model"]["tendon_coupling_slack_rad"]
    for motor in ("rh_FFJ0", "rh_MFJ0"):
        j2, j1 = contract["action"]["tendon_joints"][motor]
        assert abs(shadow_angle(j1) + shadow_angle(j2) - targets[motor]) < slack + 0.06, motor
    assert shadow_angle("rh_FFJ4") == pytest.approx(0.2, abs=0.06)
    assert shadow_angle("rh_FFJ3") == pytest.approx(0.8, abs=0.06)
