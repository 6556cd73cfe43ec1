"""Observation assembly by term name, and actions -> motor targets exactly as the task computes them."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from dactyl_lab.spec import hand
from dactyl_lab.contract import ContractMismatchError, ObservationTerm, make_action_layout
from dactyl_lab.runtime.actions import ActionProcessor
from dactyl_lab.runtime.interfaces import ObjectPose
from dactyl_lab.runtime.observation import NonFiniteInputError, ObservationBuilder, StepInputs
from dactyl_lab.runtime.quat import quat_conj, quat_from_axis_angle, quat_mul

from tests.helpers import runtime_policies as rp


def _inputs(contract, **overrides):
    rng = np.random.default_rng(0)
    tips = {b: rng.uniform(-0.1, 0.1, 3) for b in hand.FINGERTIP_BODY_NAMES}
    pose = ObjectPose(np.array([0.01, -0.38, 0.06]), quat_from_axis_angle([1, 2, 3], 0.7), 0.0)
    base = dict(
        fingertip_pos_m=tips,
        pose=pose,
        goal_quat_xyzw=quat_from_axis_angle([0, 0, 1], 2.0),
        last_action=np.linspace(-1, 1, 20),
        motor_names=hand.MOTOR_NAMES,
        hand_base_pos_m=np.asarray(contract.hand_base_pos_m),
    )
    base.update(overrides)
    return StepInputs(**base)


def test_observation_follows_the_contract_terms_and_conventions():
    contract = rp.ff_contract()
    builder = ObservationBuilder(contract)
    inputs = _inputs(contract)
    obs = builder.build(inputs)
    assert obs.shape == (46,) and len(builder.labels) == 46
    base = np.array([0.0, 0.0, 0.5])
    # fingertips: body order of hand.FINGERTIP_BODY_NAMES, shifted into the env frame
    np.testing.assert_allclose(obs[3:6], inputs.fingertip_pos_m["rh_mfdistal"] + base)
    assert builder.labels[3] == "fingertip_pos[rh_mfdistal].x"
    np.testing.assert_allclose(obs[15:18], inputs.pose.pos_m + base)
    np.testing.assert_allclose(obs[18:22], inputs.pose.quat_xyzw)
    rel = quat_mul(inputs.pose.quat_xyzw, quat_conj(inputs.goal_quat_xyzw))
    np.testing.assert_allclose(obs[22:26], rel if rel[3] >= 0 else -rel)
    assert obs[25] >= 0.0
    np.testing.assert_allclose(obs[26:], inputs.last_action)


def test_quaternions_get_a_non_negative_real_part():
    contract = rp.ff_contract()
    q = quat_from_axis_angle([1, 2, 3], 0.7)
    flipped = _inputs(contract, pose=ObjectPose(np.zeros(3), -q, 0.0))
    obs = ObservationBuilder(contract).build(flipped)
    np.testing.assert_allclose(obs[18:22], q)


def test_term_order_comes_from_the_contract_not_from_offsets():
    contract = rp.ff_contract()
    reordered = dataclasses.replace(contract, observation=[contract.observation[i] for i in (4, 1, 0, 3, 2)])
    inputs = _inputs(contract)
    a = ObservationBuilder(contract).build(inputs)
    b = ObservationBuilder(reordered).build(inputs)
    np.testing.assert_allclose(b[:20], a[26:])  # last_action first now
    np.testing.assert_allclose(b[20:23], a[15:18])  # then object_pos
    np.testing.assert_allclose(b[23:38], a[:15])  # then fingertips


def test_obs_clip_applies_to_the_whole_vector():
    contract = dataclasses.replace(rp.ff_contract(), obs_clip=0.3)
    obs = ObservationBuilder(contract).build(_inputs(contract))
    assert obs.max() == pytest.approx(0.3) and obs.min() == pytest.approx(-0.3)


def test_unknown_or_missized_terms_are_refused_at_start():
    contract = rp.ff_contract()
    with pytest.raises(ContractMismatchError, match="object_linvel"):
        extra = ObservationTerm("object_linvel", 3, "m/s")
        ObservationBuilder(dataclasses.replace(contract, observation=[*contract.observation, extra]))
    bad = [dataclasses.replace(t, size=12) if t.name == "fingertip_pos" else t for t in contract.observation]
    with pytest.raises(ContractMismatchError, match="fingertip_pos.*size 12"):
        ObservationBuilder(dataclasses.replace(contract, observation=bad))


def test_non_finite_input_names_the_offending_element():
    contract = rp.ff_contract()
    inputs = _inputs(contract)
    inputs.fingertip_pos_m["rh_rfdistal"] = np.array([0.0, np.nan, 0.0])
    with pytest.raises(NonFiniteInputError, match=r"fingertip_pos\[rh_rfdistal\]\.y") as info:
        ObservationBuilder(contract).build(inputs)
    assert info.value.input_name == "fingertip_pos[rh_rfdistal].y"
    inputs = _inputs(contract, goal_quat_xyzw=np.array([0, 0, np.inf, 1.0]))
    with pytest.raises(NonFiniteInputError, match=r"goal_quat\.z"):
        ObservationBuilder(contract).build(inputs)


def _joints(rng):
    return {j: float(rng.uniform(*hand.JOINT_LIMITS_RAD[j])) for j in hand.JOINT_NAMES}


def _motors(joints):
    return np.array([sum(joints[j] for j in hand.joint_names_of_motor(m)) for m in hand.MOTOR_NAMES])


def test_relative_actions_reproduce_the_paper_law():
    """Independent re-implementation of the law (arXiv 1808.00177, B.4/C.1; smoothing as OpenAI's robogym): EMA
    with 0.3 on the previous value, bias-corrected, target = the motor position measured at this step + scale x
    smoothed action, clipped (speeds high enough that the rate limit never binds here)."""
    layout = make_action_layout("relative", scale_rad=0.1, smoothing_previous_weight=0.3, max_target_speed_rad_s=1e3)
    processor = ActionProcessor(layout, 0.08)
    rng = np.random.default_rng(1)
    joints = _joints(rng)
    low = np.array([hand.MOTOR_LIMITS_RAD[m][0] for m in hand.MOTOR_NAMES])
    high = np.array([hand.MOTOR_LIMITS_RAD[m][1] for m in hand.MOTOR_NAMES])
    start = processor.reset(joints)
    np.testing.assert_allclose(start, np.clip(_motors(joints), low, high))
    history = []
    for _ in range(30):
        joints = _joints(rng)  # the hand moved (or was pushed): the law reads it anew every step
        action = rng.uniform(-2.0, 2.0, 20)  # beyond [-1, 1]: the term clamps
        history.append(np.clip(action, -1, 1))
        weights = 0.3 ** np.arange(len(history))[::-1]  # a normalized weighted mean, 0.3^k on the k-th latest
        smoothed = (weights[:, None] * np.array(history)).sum(0) / weights.sum()
        want = np.clip(_motors(joints) + 0.1 * smoothed, low, high)
        sent = processor.targets(processor.env_action(action), joints)
        processor.commit(sent)
        np.testing.assert_allclose(sent, want, atol=1e-12)


def test_a_blocked_joint_keeps_its_target_within_one_scale_of_it():
    """With the finger held still, 20 steps of +1 never put the target more than scale_rad beyond the joint (the
    old law, target_t = target_{t-1} + 0.1 a, ran 2 rad away in 20 steps)."""
    processor = ActionProcessor(make_action_layout("relative", scale_rad=0.1), 0.08)
    joints = {j: 0.0 for j in hand.JOINT_NAMES} | {"rh_FFJ3": 0.2}
    processor.reset(joints)
    ffj3 = hand.MOTOR_NAMES.index("rh_FFJ3")
    old_target = 0.2
    for _ in range(20):
        sent = processor.targets(np.ones(20), joints)
        processor.commit(sent)
        old_target = min(old_target + 0.1, hand.MOTOR_LIMITS_RAD["rh_FFJ3"][1])
        assert sent[ffj3] - joints["rh_FFJ3"] <= 0.1 + 1e-12
    assert sent[ffj3] - joints["rh_FFJ3"] == pytest.approx(0.1)  # the bias-corrected EMA of +1 is +1
    assert old_target - joints["rh_FFJ3"] > 1.0  # what the old accumulator would command


def test_tendon_motor_starts_at_the_sum_of_its_two_joints():
    processor = ActionProcessor(make_action_layout(), 0.08)
    joints = {j: 0.0 for j in hand.JOINT_NAMES} | {"rh_FFJ1": 0.3, "rh_FFJ2": 0.5, "rh_LFJ1": 1.5, "rh_LFJ2": 1.9}
    start = dict(zip(hand.MOTOR_NAMES, processor.reset(joints)))
    assert start["rh_FFJ0"] == pytest.approx(0.8)
    assert start["rh_LFJ0"] == pytest.approx(np.pi)  # 3.4 rad clipped to the tendon range [0, pi]
    assert start["rh_MFJ0"] == 0.0


def test_absolute_actions_map_onto_the_motor_ranges():
    processor = ActionProcessor(
        make_action_layout("absolute", smoothing_previous_weight=0.0, max_target_speed_rad_s=1e3), 0.08
    )
    joints = {j: 0.0 for j in hand.JOINT_NAMES}
    processor.reset(joints)
    lower = processor.targets(-np.ones(20), joints)
    upper = processor.targets(np.ones(20), joints)
    assert dict(zip(hand.MOTOR_NAMES, lower))["rh_THJ5"] == pytest.approx(hand.MOTOR_LIMITS_RAD["rh_THJ5"][0])
    assert dict(zip(hand.MOTOR_NAMES, upper))["rh_FFJ0"] == pytest.approx(np.pi)


def test_env_clip_is_what_last_action_sees():
    processor = ActionProcessor(make_action_layout(env_clip=1.0), 0.08)
    np.testing.assert_array_equal(processor.env_action(np.array([3.0, -0.5])), [1.0, -0.5])
    processor = ActionProcessor(make_action_layout(env_clip=None), 0.08)
    np.testing.assert_array_equal(processor.env_action(np.array([3.0, -0.5])), [3.0, -0.5])
