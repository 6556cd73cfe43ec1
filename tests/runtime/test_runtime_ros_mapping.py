"""Shadow ROS 1 driver mapping, tested without ROS: topics per motor, /joint_states by name, fingertip FK."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from dactyl_lab.spec import hand
from dactyl_lab.runtime.backends.ros_names import (
    DRIVER_JOINT_ORDER,
    check_max_force_factor,
    command_topic,
    joint_positions_from_joint_state,
    max_force_topic,
)
from dactyl_lab.runtime.kinematics import FingertipKinematics

DRIVER_ORDER = list(DRIVER_JOINT_ORDER)  # the order the Shadow driver publishes /joint_states in (differs from ours)


def test_command_topics_follow_the_driver_naming():
    assert command_topic("rh_FFJ0") == "/sh_rh_ffj0_position_controller/command"
    assert command_topic("rh_WRJ2") == "/sh_rh_wrj2_position_controller/command"
    assert command_topic("rh_THJ5") == "/sh_rh_thj5_position_controller/command"
    assert max_force_topic("rh_MFJ3") == "/sh_rh_mfj3_position_controller/max_force_factor"
    topics = {command_topic(m) for m in hand.MOTOR_NAMES}
    assert len(topics) == 20  # one controller per motor, no collisions
    with pytest.raises(KeyError, match="rh_FFJ2"):
        command_topic("rh_FFJ2")  # J2 is driven through the tendon motor rh_FFJ0, it has no controller


def test_joint_states_are_mapped_by_name_not_by_position():
    assert sorted(DRIVER_ORDER) == sorted(hand.JOINT_NAMES) and DRIVER_ORDER != list(hand.JOINT_NAMES)
    values = {name: 0.01 * i for i, name in enumerate(hand.JOINT_NAMES)}
    names = DRIVER_ORDER + ["rh_FFJ0"]  # extra driver entries are ignored
    positions = [values[n] for n in DRIVER_ORDER] + [99.0]
    mapped = joint_positions_from_joint_state(names, positions)
    assert mapped == values
    assert list(mapped) == list(hand.JOINT_NAMES)


def test_missing_joint_and_length_mismatch_are_named():
    names = [n for n in DRIVER_ORDER if n != "rh_THJ3"]
    with pytest.raises(KeyError, match="rh_THJ3"):
        joint_positions_from_joint_state(names, [0.0] * len(names))
    with pytest.raises(ValueError, match="24 names but 23 positions"):
        joint_positions_from_joint_state(DRIVER_ORDER, [0.0] * 23)


def test_non_finite_positions_pass_through_for_the_watchdog():
    positions = [0.0] * 24
    positions[DRIVER_ORDER.index("rh_RFJ2")] = float("nan")
    mapped = joint_positions_from_joint_state(DRIVER_ORDER, positions)
    assert np.isnan(mapped["rh_RFJ2"]) and sum(np.isnan(list(mapped.values()))) == 1


def test_max_force_factor_range():
    assert check_max_force_factor(0.3) == 0.3
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError, match="max_force_factor"):
            check_max_force_factor(bad)


def test_fingertip_kinematics_matches_the_standin_sites_and_offsets(standin):
    """FK from joint angles (what the ROS backend does) = the stand-in's rh_*tip sites = origin + R * offset."""
    import mujoco

    rng = np.random.default_rng(0)
    for j, name in enumerate(hand.JOINT_NAMES):
        standin.data.qpos[standin.qpos_adr[name]] = rng.uniform(*hand.JOINT_LIMITS_RAD[name])
    mujoco.mj_forward(standin.model, standin.data)
    tips = standin.read_fingertip_positions()
    fk = FingertipKinematics()(standin.read_joint_positions())
    for i, body in enumerate(hand.FINGERTIP_BODY_NAMES):
        np.testing.assert_allclose(fk[body], tips[body], atol=1e-9)
        b = standin.model.body(body).id
        expected = standin.data.xpos[b] + standin.data.xmat[b].reshape(3, 3) @ np.array(hand.FINGERTIP_OFFSETS_M[i])
        np.testing.assert_allclose(tips[body], expected, atol=1e-9)
    # joint order independence: FK reads by name
    shuffled = dict(reversed(list(standin.read_joint_positions().items())))
    np.testing.assert_allclose(FingertipKinematics()(shuffled)["rh_thdistal"], tips["rh_thdistal"], atol=1e-12)


@pytest.mark.skipif(importlib.util.find_spec("rospy") is not None, reason="ROS is installed here")
def test_ros_backend_without_ros_says_how_to_get_it():
    from dactyl_lab.runtime.backends.ros_shadow import import_ros

    with pytest.raises(RuntimeError, match=r"needs ROS 1.*scripts/setup_ros.sh.*source /opt/ros/noetic/setup.bash"):
        import_ros()
