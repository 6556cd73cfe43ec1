"""The policy contract: JSON round trip, ONNX metadata (with and without the onnx package), hand checks."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from dactyl_lab.spec import action_law, hand
from dactyl_lab.contract import (
    DACTYL_HAND_BASE_POS_M,
    METADATA_KEY,
    ContractError,
    ContractMismatchError,
    PolicyContract,
    check_against_hand,
    embed_contract,
    read_contract,
)

from tests.helpers import runtime_policies as rp

REPO = Path(__file__).resolve().parents[2]


def test_json_round_trip_keeps_every_field():
    contract = rp.lstm_contract(hidden_size=48)
    back = PolicyContract.from_json(contract.to_json())
    assert back == contract
    data = json.loads(contract.to_json())
    assert [t["name"] for t in data["observation"]] == [
        "fingertip_pos",
        "object_pos",
        "object_quat",
        "goal_relative_quat",
        "last_action",
    ]
    assert [t["size"] for t in data["observation"]] == [15, 3, 4, 4, 20]
    assert data["rnn"]["state_inputs"] == ["h_in", "c_in"] and data["rnn"]["state_outputs"] == ["h_out", "c_out"]
    assert data["action"]["motor_names"] == list(hand.MOTOR_NAMES)
    assert data["control_period_s"] == 0.08 and data["success_threshold_rad"] == 0.4
    assert data["quat_convention"] == "xyzw" and data["input_name"] == "obs" and data["output_name"] == "actions"
    assert back.observation_size == 46


def test_malformed_contracts_are_rejected_with_the_reason():
    good = json.loads(rp.ff_contract().to_json())
    with pytest.raises(ContractError, match="backend"):
        PolicyContract.from_dict({**good, "backend": "sb3"})
    with pytest.raises(ContractError, match="recurrent"):
        PolicyContract.from_dict({**good, "recurrent": True})
    with pytest.raises(ContractError, match="action.scale has 19 entries for 20 motors"):
        PolicyContract.from_dict({**good, "action": {**good["action"], "scale": good["action"]["scale"][:19]}})
    with pytest.raises(ContractError, match="schema_version"):
        PolicyContract.from_dict({**good, "schema_version": 99})
    with pytest.raises(ContractError, match="malformed"):
        PolicyContract.from_dict({**good, "unknown_field": 1})
    with pytest.raises(ContractError, match="quat_convention"):
        PolicyContract.from_dict({**good, "quat_convention": "wxyz"})


def test_read_contract_from_onnx_metadata(ff_policy):
    path, contract, _ = ff_policy
    assert read_contract(path) == contract


def test_read_contract_without_the_onnx_package(ff_policy):
    """The robot computer has onnxruntime only: reading falls back to the session's custom metadata."""
    path, contract, _ = ff_policy
    code = (
        "import sys; sys.modules['onnx'] = None\n"
        "from dactyl_lab.contract import read_contract\n"
        f"c = read_contract({str(path)!r})\n"
        "print(c.to_json())\n"
        "print('onnx' in sys.modules and sys.modules['onnx'] is not None)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True).stdout
    lines = out.strip().splitlines()
    assert PolicyContract.from_json(lines[-2]) == contract
    assert lines[-1] == "False"


def test_onnx_without_contract_gives_a_clear_error(tmp_path, ff_policy):
    import onnx

    path, _, _ = ff_policy
    model = onnx.load(str(path))
    del model.metadata_props[:]
    bare = tmp_path / "bare.onnx"
    onnx.save(model, str(bare))
    with pytest.raises(ContractError, match=re.escape(METADATA_KEY)):
        read_contract(bare)


def test_check_against_hand_accepts_any_order_of_the_same_motors():
    contract = rp.ff_contract()
    check_against_hand(contract, tuple(reversed(hand.MOTOR_NAMES)), 0.08)


def test_check_against_hand_names_the_wrong_motor():
    contract = rp.ff_contract()
    motors = [m if m != "rh_THJ5" else "rh_THJ6" for m in hand.MOTOR_NAMES]
    with pytest.raises(ContractMismatchError, match=r"motor names differ.*rh_THJ5.*rh_THJ6.*re-export"):
        check_against_hand(contract, motors, 0.08)


def test_check_against_hand_names_the_count():
    contract = rp.ff_contract()
    message = r"motor count differs: the policy drives 20 motors, the hand has 16"
    with pytest.raises(ContractMismatchError, match=message):
        check_against_hand(contract, hand.JOINT_MOTOR_NAMES, 0.08)


def test_check_against_hand_names_the_period_and_the_flag():
    contract = rp.ff_contract()
    with pytest.raises(ContractMismatchError, match=r"trained at 0.08 s.*set to 0.05 s.*--control_period_s 0.08"):
        check_against_hand(contract, hand.MOTOR_NAMES, 0.05)


def test_hand_base_position_matches_the_task_scene():
    """The contract's default env-frame offset and the scene's HAND_BASE_POS_M are both dactyl_lab.spec.task'
    (the scene read from source: no Isaac Lab here)."""
    from dactyl_lab.spec import task as task_constants

    source = (REPO / "assets" / "scene.py").read_text()
    assert re.search(r"HAND_BASE_POS_M\s*=\s*task_constants\.HAND_BASE_POS_M", source), (
        "assets/scene.py no longer takes HAND_BASE_POS_M from dactyl_lab.spec.task"
    )
    assert DACTYL_HAND_BASE_POS_M == task_constants.HAND_BASE_POS_M == (0.0, 0.0, 0.5)
    assert rp.ff_contract().hand_base_pos_m == list(DACTYL_HAND_BASE_POS_M)


def test_default_action_layout_matches_the_task_action_term():
    """Scale (half of each motor's range), smoothing 0.3 on the previous value per 80 ms, the rate limit (the
    hand's rated speeds) and clamp [-1, 1] are the task's RelativeMotorTargetActionCfg defaults, and both sides use
    the shared law (dactyl_lab.spec.action_law)."""
    source = (REPO / "tasks" / "reorient" / "mdp" / "actions.py").read_text()
    assert "scale_rad: float | None = None" in source and "action_law.motor_scales_rad(cfg.scale_rad" in source
    assert "smoothing_previous_weight: float = action_law.PAPER_SMOOTHING_PREVIOUS_WEIGHT" in source
    assert "max_target_speed_rad_s: float | None = None" in source
    assert "action_law.motor_max_speeds_rad_s(cfg.max_target_speed_rad_s, hand.MOTOR_MAX_SPEED_RAD_S)" in source
    action = rp.ff_contract().action
    half = [(hi - lo) / 2 for lo, hi in (hand.MOTOR_LIMITS_RAD[m] for m in hand.MOTOR_NAMES)]
    assert action.mode == "relative" and action.scale == pytest.approx(half)
    assert action.scale[hand.MOTOR_NAMES.index("rh_FFJ3")] == pytest.approx(0.916298, abs=1e-5)
    assert action.smoothing_previous_weight == action_law.PAPER_SMOOTHING_PREVIOUS_WEIGHT == 0.3
    assert action.max_target_speed_rad_s == [hand.MOTOR_MAX_SPEED_RAD_S[m] for m in hand.MOTOR_NAMES]
    assert action.clip == 1.0 and "clamp(-1.0, 1.0)" in source
    assert "action_law.motor_targets(" in source and "action_law.smooth(" in source
    runtime = (REPO / "extension" / "runtime" / "actions.py").read_text()
    assert "action_law.motor_targets(" in runtime and "action_law.smooth(" in runtime
    assert [tuple(lim) for lim in action.limits] == [hand.MOTOR_LIMITS_RAD[m] for m in hand.MOTOR_NAMES]


def test_smoothing_follows_the_control_period_as_robogym_scales_it():
    """robogym's SmoothActionWrapper: alpha ** (control step / 80 ms), alpha the weight of the previous value."""
    assert action_law.smoothing_previous_weight_per_step(0.3, 0.08) == 0.3
    p20 = action_law.smoothing_previous_weight_per_step(0.3, 0.05)
    assert p20 == pytest.approx(0.3**0.625) == pytest.approx(0.471, abs=1e-3)
    # the same decay per second: 16 steps of 50 ms keep what 10 steps of 80 ms keep
    assert p20**16 == pytest.approx(0.3**10)
    assert action_law.smoothing_previous_weight_per_step(0.0, 0.05) == 0.0  # off stays off
    with pytest.raises(ValueError, match="smoothing weight"):
        action_law.smoothing_previous_weight_per_step(1.0, 0.08)


@pytest.mark.parametrize("schema", [1, 2])
def test_a_policy_exported_under_an_earlier_action_law_is_refused_with_the_fix(schema):
    old = json.loads(rp.ff_contract().to_json())
    old["schema_version"] = schema
    with pytest.raises(ContractError, match="earlier action law.*without the contract's rate limit.*Re-export"):
        PolicyContract.from_dict(old)


def test_contract_dataclass_fields_cover_the_spec():
    names = {f.name for f in dataclasses.fields(PolicyContract)}
    assert {
        "schema_version",
        "package_version",
        "task_id",
        "backend",
        "recurrent",
        "rnn",
        "input_name",
        "output_name",
        "observation",
        "action",
        "control_period_s",
        "success_threshold_rad",
        "quat_convention",
        "joint_order_note",
    } <= names


def test_contract_and_runtime_import_without_torch_isaaclab_or_pydantic():
    """The robot computer has neither torch nor Isaac Lab; the contract validates with msgspec (docs/runtime.md,
    "Contract validation library"), not with the 15x larger pydantic that Isaac Lab brings along in the dev venv."""
    code = (
        "import sys\n"
        "import dactyl_lab.runtime, dactyl_lab.contract\n"
        "from dactyl_lab.contract import PolicyContract, make_dactyl_contract\n"
        "PolicyContract.from_json(make_dactyl_contract('t', recurrent=True).to_json())\n"
        "roots = {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(roots & {'torch', 'isaaclab', 'isaacsim', 'pydantic', 'pydantic_core'}), 'msgspec' in roots)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[] True", out.stdout + out.stderr


@pytest.mark.parametrize(
    "path, value, where",
    [
        (("observation", 0, "size"), 15.5, "Expected `int`, got `float` - at `contract.observation[0].size`"),
        (("action", "limits", 19, 1), "1", "got `str` - at `contract.action.limits[19][1]`"),
        (("rnn",), 3, "Expected `object | null`, got `int` - at `contract.rnn`"),
        (("openai_model", "joint_names", "rh_FFJ4"), 1, "got `int` - at `contract.openai_model.joint_names[...]`"),
        (("task", "max_consecutive_successes"), True, "Expected `int`, got `bool`"),
    ],
)
def test_a_wrong_typed_field_is_named_with_its_path(path, value, where):
    data = json.loads(rp.ff_contract().to_json())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ContractError, match=f"malformed policy contract: .*{re.escape(where)}.*re-export"):
        PolicyContract.from_dict(data)


def test_an_unknown_nested_field_is_named_with_its_place():
    data = json.loads(rp.ff_contract().to_json())
    data["action"]["gain"] = 2.0
    with pytest.raises(ContractError, match=re.escape("unknown field `gain` - at `contract.action`")):
        PolicyContract.from_dict(data)


def test_embedding_refuses_a_contract_the_runtime_could_not_read():
    """A contract built in Python with a wrong type (a float where the JSON needs an int) is refused when it is
    embedded, not later on the robot computer when the runtime reads it."""
    import onnx

    contract = rp.ff_contract()
    contract.task.max_consecutive_successes = 50.0
    with pytest.raises(ContractError, match=re.escape("got `float` - at `contract.task.max_consecutive_successes`")):
        embed_contract(onnx.ModelProto(), contract)
    contract.task.max_consecutive_successes = 50
    model = embed_contract(onnx.ModelProto(), contract)
    assert PolicyContract.from_json(model.metadata_props[0].value) == contract
