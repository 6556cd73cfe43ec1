"""The measures of bench/parity_simulators.py (Newton, PhysX, stand-in) on real stand-in trajectories (plain MuJoCo,
seconds): the tendon step response, the resting-cube drift and the drop count. The Isaac Lab columns run in their own
processes (bench only: building the Newton and PhysX envs costs minutes on the shared CPU)."""

import numpy as np
import pytest

from dactyl_lab.spec import task as task_constants

from tests.helpers.scripts import load_bench

three = load_bench("parity_simulators")
parity = three.parity


def test_the_tendon_step_moves_j1_plus_j2_to_the_target_split_evenly():
    n_steps = 125  # 1 s
    traj = parity.run_standin("steps", n_steps, targets=three.tendon_step_targets(n_steps))
    response = three.tendon_response(three.as_lists(traj))
    assert response["length_rad"]["1s"] == pytest.approx(three.TENDON_STEP_RAD, abs=0.02)
    assert response["length_rad"]["0.04s"] < 0.8 * three.TENDON_STEP_RAD  # a response, not a jump
    assert response["j2_rad"] == pytest.approx(response["j1_rad"], abs=0.02)
    assert 0.0 < response["t90_s"] < 0.5


def test_other_targets_replace_the_sequence_of_the_start_kind():
    n_steps = 25
    rest = parity.run_standin("steps", n_steps, targets=parity.target_sequence("rest", n_steps))
    steps = parity.run_standin("steps", n_steps)
    assert np.abs(rest["joint_pos"][-1]).max() < 0.05  # zero targets hold the zero pose
    assert np.abs(steps["joint_pos"][-1] - rest["joint_pos"][-1]).max() > 0.1


def test_a_resting_cube_stays_and_a_cube_that_leaves_counts_as_a_drop():
    n_steps = int(round(1.0 / parity.sim_settings.PHYSICS_DT_S))
    rest = three.as_lists(parity.run_standin("rest", n_steps))
    drift = three.resting_drift(rest, settle_s=0.5)
    assert drift["drift_mm"] < 5.0 and drift["drop_mm"] > 0.0  # it fell its 1 cm onto the palm, then stayed
    gone = {k: np.array(v) for k, v in rest.items()}
    gone["cube_pos"] = gone["cube_pos"] + np.linspace(0.0, 1.5 * task_constants.DROP_DISTANCE_M, n_steps + 1)[:, None]
    counted = three.drops({"drop_0": rest, "drop_1": three.as_lists(gone), "rest": rest})
    assert counted["dropped"] == 1 and counted["trials"] == 2
