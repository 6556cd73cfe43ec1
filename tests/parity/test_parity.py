"""Newton task vs MuJoCo stand-in (bench/parity.py) on the real Isaac Lab env: the model Newton builds equals the
stand-in's (damping once, gains, armature, friction loss, limits, contact dims, solver, timestep), the free hand
follows the same trajectories within the stated tolerance, and fingers stop at each other on Newton too."""

import numpy as np
import pytest

from dactyl_lab.spec import hand, solver as sim_settings

from tests.helpers.scripts import load_bench

pytestmark = pytest.mark.sim

FREE_HAND_JOINT_TOLERANCE_RAD = 2e-3
"""Free-hand parity, task solver settings: max |joint error| over 0.4 s [rad] (measured ~1e-4, docs/parity.md)."""
FREE_HAND_TIP_TOLERANCE_MM = 1.0
CONTACT_TOLERANCE_M = 0.002


parity = load_bench("parity")


@pytest.fixture(scope="module")
def newton():
    hand_ = parity.NewtonHand()
    yield hand_
    hand_.close()


def _newton_models():
    from isaaclab_newton.physics.mjwarp_manager import NewtonMJWarpManager

    solver = NewtonMJWarpManager._solver
    return solver.mj_model, solver.mjw_model


def _by_suffix(model, obj, count, names):
    """Index of each name in a Newton-built MuJoCo model, whose names are USD paths ending in ``_<name>``."""
    import mujoco

    all_names = [mujoco.mj_id2name(model, obj, i) or "" for i in range(count)]
    out = {}
    for name in names:
        hits = [i for i, n in enumerate(all_names) if n == name or n.endswith("_" + name) or n.endswith("/" + name)]
        assert len(hits) == 1, (name, hits)
        out[name] = hits[0]
    return out


def test_the_model_newton_builds_is_the_standins(newton):
    import mujoco
    import warp as wp

    from dactyl_lab.runtime.backends.mujoco_standin import build_standin_model

    newton.run("rest", 1)  # one physics step: Newton writes its substep into MuJoCo-Warp's timestep
    mj, mjw = _newton_models()
    ours = build_standin_model("task")
    joints = _by_suffix(mj, mujoco.mjtObj.mjOBJ_JOINT, mj.njnt, hand.JOINT_NAMES)
    damping = wp.to_torch(mjw.dof_damping)[0].numpy()  # what MuJoCo-Warp integrates, world 0
    for name, j in joints.items():
        dof, our = mj.jnt_dofadr[j], ours.joint(name)
        assert damping[dof] == pytest.approx(hand.JOINT_DAMPING[name], rel=1e-5), name  # once, not twice
        assert ours.dof_damping[our.dofadr[0]] == pytest.approx(hand.JOINT_DAMPING[name]), name
        assert mj.dof_armature[dof] == pytest.approx(ours.dof_armature[our.dofadr[0]], rel=1e-5), name
        assert mj.dof_frictionloss[dof] == pytest.approx(ours.dof_frictionloss[our.dofadr[0]], rel=1e-5), name
        np.testing.assert_allclose(mj.jnt_range[j], our.range, atol=1e-5, err_msg=name)
    # 20 position servos: kp, force range, and no velocity gain (the damping above is all there is)
    bias = wp.to_torch(mjw.actuator_biasprm)[0].numpy()
    assert mj.nu == ours.nu == 20 and np.all(bias[:, 2] == 0.0)
    np.testing.assert_allclose(np.sort(mj.actuator_gainprm[:, 0]), np.sort(ours.actuator_gainprm[:, 0]), rtol=1e-6)
    np.testing.assert_allclose(
        np.sort(mj.actuator_forcerange, axis=0), np.sort(ours.actuator_forcerange, axis=0), rtol=1e-6
    )
    # contact dimensions of every collider (the cube's too), by geom
    hand_geoms = [ours.geom(g).name for g in range(ours.ngeom) if ours.geom(g).name.startswith("rh_C_")]
    geoms = {}
    for name in hand_geoms:
        hits = [g for g in range(mj.ngeom) if f"/{name}_" in (mj.geom(g).name or "") or mj.geom(g).name.endswith(name)]
        geoms[name] = hits[0]
    for name, g in geoms.items():
        assert mj.geom_condim[g] == ours.geom(name).condim[0], name
    newton_cube = [g for g in range(mj.ngeom) if "/object/" in (mj.geom(g).name or "")]
    assert mj.geom_condim[newton_cube[0]] == ours.geom("object").condim[0] == sim_settings.TASK_CUBE_CONDIM
    # solver, cone, integrator, iterations and the 4 ms MuJoCo step
    for field in ("solver", "iterations", "ls_iterations", "cone", "integrator"):
        assert int(getattr(mjw.opt, field)) == int(getattr(ours.opt, field)), field
    assert float(wp.to_torch(mjw.opt.timestep)[0]) == pytest.approx(ours.opt.timestep)
    assert ours.opt.timestep == pytest.approx(sim_settings.PHYSICS_DT_S / sim_settings.NUM_SUBSTEPS)


@pytest.mark.parametrize("kind", ["steps", "sines"])
def test_free_hand_trajectories_agree_within_tolerance(newton, kind):
    n_steps = 50  # 0.4 s
    errors = parity.compare(newton.run(kind, n_steps), parity.run_standin(kind, n_steps, physics="task"))
    worst = max(errors["joint_max_rad"], key=errors["joint_max_rad"].get)
    assert errors["joint_max_rad"][worst] < FREE_HAND_JOINT_TOLERANCE_RAD, (worst, errors["joint_max_rad"][worst])
    assert errors["tip_max_mm"] < FREE_HAND_TIP_TOLERANCE_MM
    assert errors["start_tip_max_mm"] < 1e-2  # same start state, same frame


@pytest.mark.parametrize("push", sorted(parity.SELF_COLLISION_PUSHES))
def test_fingers_stop_at_each_other_on_newton(newton, push):
    targets, bodies_a, bodies_b = parity.SELF_COLLISION_PUSHES[push]
    assert parity.min_collider_distance(targets, bodies_a, bodies_b) < -0.005  # the targets lie inside the other
    traj = newton.run_targets(parity.push_targets(push, 125), *parity.cube_start("steps", newton.floor_z))
    final = dict(zip(hand.JOINT_NAMES, traj["joint_pos"][-1]))
    # the motors pushed the fingers into contact (within 1 mm) and the contact held them (no deeper than 2 mm)
    assert -CONTACT_TOLERANCE_M < parity.min_collider_distance(final, bodies_a, bodies_b) < 0.001
