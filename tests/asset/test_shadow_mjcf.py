"""The rewritten hand matches the real Shadow hand's names, actuation, limits and joint directions."""

import mujoco
import numpy as np
import pytest

from dactyl_lab.spec import hand
from dactyl_lab.assets import shadow_mjcf


@pytest.fixture(scope="module")
def model():
    return shadow_mjcf.build_hand_spec(with_cube=True).compile()


def _names(model, obj, count):
    return [mujoco.mj_id2name(model, obj, i) for i in range(count)]


def test_joint_motor_and_body_names(model):
    joints = _names(model, mujoco.mjtObj.mjOBJ_JOINT, model.njnt)
    assert joints[:24] == list(hand.JOINT_NAMES) and joints[24] == "object_joint"
    assert _names(model, mujoco.mjtObj.mjOBJ_ACTUATOR, model.nu) == list(hand.MOTOR_NAMES)
    bodies = set(_names(model, mujoco.mjtObj.mjOBJ_BODY, model.nbody))
    assert set(hand.FINGERTIP_BODY_NAMES) <= bodies
    assert set(hand.FINGERTIP_SITE_NAMES) <= set(_names(model, mujoco.mjtObj.mjOBJ_SITE, model.nsite))


def test_joint_ranges_follow_shadow_table(model):
    for name, (low, high) in hand.JOINT_LIMITS_RAD.items():
        np.testing.assert_allclose(model.joint(name).range, [low, high], atol=1e-6, err_msg=name)


def test_tendon_motors_drive_the_sum_of_j1_and_j2(model):
    assert model.ntendon == 4
    for tendon, (j2, j1) in hand.TENDON_JOINTS.items():
        tid = model.tendon(tendon).id
        adr, num = model.tendon_adr[tid], model.tendon_num[tid]
        wrapped = {
            mujoco.mj_id2name(model, mujoco.mjtObj.mjOBJ_JOINT, model.wrap_objid[adr + k]): model.wrap_prm[adr + k]
            for k in range(num)
        }
        assert wrapped == {j2: 1.0, j1: 1.0}
        act = model.actuator(tendon)
        assert act.trntype == mujoco.mjtTrn.mjTRN_TENDON and act.trnid[0] == tid
        np.testing.assert_allclose(act.ctrlrange, hand.TENDON_LIMITS_RAD)


def test_gains_and_effort_limits_come_from_the_layout(model):
    for motor in hand.MOTOR_NAMES:
        act = model.actuator(motor)
        assert act.gainprm[0] == pytest.approx(hand.MOTOR_STIFFNESS[motor]), motor
        assert act.biasprm[1] == pytest.approx(-hand.MOTOR_STIFFNESS[motor]), motor
        np.testing.assert_allclose(act.forcerange, [-hand.MOTOR_EFFORT_LIMIT[motor], hand.MOTOR_EFFORT_LIMIT[motor]])


def _tips_in_palm_frame(model, data, site_names):
    palm = data.body("rh_palm")
    rot = palm.xmat.reshape(3, 3)
    return np.array([rot.T @ (data.site(s).xpos - palm.xpos) for s in site_names])


def _tip_shift(model, joint: str, site: str, delta_rad: float) -> np.ndarray:
    """Displacement of ``site`` in the palm frame [m] when ``joint`` moves by ``delta_rad`` from zero."""
    data = mujoco.MjData(model)
    mujoco.mj_kinematics(model, data)
    before = _tips_in_palm_frame(model, data, [site])[0]
    data.qpos[model.joint(joint).qposadr[0]] += delta_rad
    mujoco.mj_kinematics(model, data)
    return _tips_in_palm_frame(model, data, [site])[0] - before


def test_every_joint_moves_the_fingertips_like_the_openai_model_up_to_the_documented_flips(model):
    """Kinematics equal gymnasium-robotics' model with q_openai = -q for FFJ4, MFJ4, THJ2, THJ1 only."""
    source = mujoco.MjModel.from_xml_path(str(shadow_mjcf.gymnasium_hand_dir() / "manipulate_block.xml"))
    src_data, data = mujoco.MjData(source), mujoco.MjData(model)
    src_sites = [f"robot0:S_{s[3:]}" for s in hand.FINGERTIP_SITE_NAMES]
    src_palm = source.body("robot0:palm").id
    rng = np.random.default_rng(0)
    openai_of = {v: k for k, v in hand.OPENAI_TO_SHADOW_JOINT.items()}
    for _ in range(5):
        for name in hand.JOINT_NAMES:
            low, high = hand.JOINT_LIMITS_RAD[name]
            q = rng.uniform(low, high)
            data.qpos[model.joint(name).qposadr[0]] = q
            sign = -1.0 if name in hand.AXIS_FLIPPED_VS_OPENAI else 1.0
            src_data.qpos[source.joint(f"robot0:{openai_of[name]}").qposadr[0]] = sign * q
        mujoco.mj_kinematics(model, data)
        mujoco.mj_kinematics(source, src_data)
        ours = _tips_in_palm_frame(model, data, hand.FINGERTIP_SITE_NAMES)
        rot = src_data.xmat[src_palm].reshape(3, 3)
        theirs = np.array([rot.T @ (src_data.site(s).xpos - src_data.xpos[src_palm]) for s in src_sites])
        np.testing.assert_allclose(ours, theirs, atol=1e-6)


@pytest.mark.parametrize("finger", ["ff", "mf", "rf", "lf"])
@pytest.mark.parametrize("index", [1, 2, 3])
def test_positive_flexion_moves_the_fingertip_toward_the_palm(model, finger, index):
    """Shadow's convention: J1..J3 > 0 flex the finger; the palm faces -y in the palm frame."""
    shift = _tip_shift(model, f"rh_{finger.upper()}J{index}", f"rh_{finger}tip", 0.3)
    assert shift[1] < -0.005  # toward the palm side


@pytest.mark.parametrize("finger,direction", [("ff", -1), ("mf", -1), ("rf", +1), ("lf", +1)])
def test_positive_j4_turns_each_finger_the_documented_way(model, finger, direction):
    """Real hand (mujoco_menagerie axes): FFJ4/MFJ4 > 0 swing toward the little finger (-x), RFJ4/LFJ4 toward the
    thumb (+x)."""
    shift = _tip_shift(model, f"rh_{finger.upper()}J4", f"rh_{finger}tip", 0.2)
    assert direction * shift[0] > 0.005


@pytest.mark.parametrize(
    "joint,site,axis,direction",
    [
        ("rh_THJ1", "rh_thtip", 0, -1),  # distal flexion bends the tip across the palm, toward the fingers
        ("rh_THJ2", "rh_thtip", 0, -1),  # middle flexion likewise
        ("rh_THJ4", "rh_thtip", 1, -1),  # opposition brings the thumb over the palm (-y)
        ("rh_LFJ5", "rh_lftip", 1, -1),  # the little finger's metacarpal cups toward the palm
    ],
)
def test_thumb_and_metacarpal_turn_the_documented_way(model, joint, site, axis, direction):
    """From the zero pose (thumb in the palm plane), positive angles move the tips as on the real hand."""
    assert direction * _tip_shift(model, joint, site, 0.3)[axis] > 0.004


def test_the_cube_rests_on_the_palm_under_zero_targets(model):
    data = mujoco.MjData(model)
    mujoco.mj_forward(model, data)
    start = data.body("object").xpos.copy()
    for _ in range(500):
        mujoco.mj_step(model, data)
    end = data.body("object").xpos
    assert np.linalg.norm(end[:2] - start[:2]) < 0.03 and end[2] > start[2] - 0.06
