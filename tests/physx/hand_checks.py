"""The PhysX hand measured on the real task env (``presets=physx``: OvPhysX on the CPU), in a process of its own.

OvPhysX holds per-process state (one runtime, one stage), so tests/physx runs this file as a script, one env build
for every check, and reads the JSON it prints last. ``python tests/physx/hand_checks.py`` prints the same numbers.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

NUM_ENVS = 4
ZERO_ACTION_STEPS = 50
"""Control steps of zero action (4 s at 80 ms)."""
HOLD_STEPS = 40
"""Physics steps a commanded pose gets to settle (0.32 s at 8 ms)."""
TENDON_TARGET_RAD = 1.2
"""Tendon command J1 + J2 [rad] of the finger under test (the others: 0)."""


def zero_action_keeps_the_cube(env) -> dict:
    """Every env's cube after :data:`ZERO_ACTION_STEPS` control steps of zero action."""
    import torch

    from tests.helpers.envs import zeros

    u = env.unwrapped
    cube = u.scene["object"]
    env.reset()
    start = cube.data.root_pos_w.torch.clone()
    dropped = torch.zeros(u.num_envs, dtype=torch.bool, device=u.device)
    for _ in range(ZERO_ACTION_STEPS):
        env.step(zeros(env))
        dropped |= u.termination_manager.get_term("object_dropped")
    drift_m = (cube.data.root_pos_w.torch - start).norm(dim=-1)
    return {"dropped": int(dropped.sum()), "max_drift_m": float(drift_m.max()), "num_envs": u.num_envs}


def _hold(u, joint_targets, tendon_targets, steps: int = HOLD_STEPS) -> None:
    """Hold the motors at the given targets (tensors in joint / tendon order) for ``steps`` physics steps."""
    robot = u.scene["robot"]
    for _ in range(steps):
        robot.set_joint_position_target_index(target=joint_targets)
        robot.set_fixed_tendon_position_target_index(target=tendon_targets)
        u.scene.write_data_to_sim()
        u.sim.step(render=False)
        u.scene.update(u.physics_dt)


def joint_motor_reaches_its_target(env) -> dict:
    """Command WRJ1 (a joint motor) to +0.3 rad from a neutral hand: where it ends [rad]."""
    import torch

    u = env.unwrapped
    robot = u.scene["robot"]
    n_j, n_t = robot.num_joints, robot.num_fixed_tendons
    joints = torch.zeros(u.num_envs, n_j, device=u.device)
    tendons = torch.zeros(u.num_envs, n_t, device=u.device)
    j = robot.find_joints("rh_WRJ1")[0][0]
    joints[:, j] = 0.3
    _hold(u, joints, tendons, steps=2 * HOLD_STEPS)
    return {"target_rad": 0.3, "reached_rad": robot.data.joint_pos.torch[:, j].tolist()}


def tendon_commands_move_their_finger(env) -> dict:
    """For each tendon motor by name: command J1 + J2 = :data:`TENDON_TARGET_RAD` on that tendon alone; report
    J1, J2 of every finger."""
    import torch

    from dactyl_lab.spec import hand

    u = env.unwrapped
    robot = u.scene["robot"]
    out = {}
    joints = torch.zeros(u.num_envs, robot.num_joints, device=u.device)
    for motor in hand.TENDON_MOTOR_NAMES:
        tendons = torch.zeros(u.num_envs, robot.num_fixed_tendons, device=u.device)
        tendon_id = robot.find_fixed_tendons(motor)[0][0]
        tendons[:, tendon_id] = TENDON_TARGET_RAD
        _hold(u, joints, tendons)
        pos = robot.data.joint_pos.torch[0]
        out[motor] = {
            other: {j: float(pos[robot.find_joints(j)[0][0]]) for j in hand.TENDON_JOINTS[other]}
            for other in hand.TENDON_MOTOR_NAMES
        }
        _hold(u, joints, torch.zeros_like(tendons))  # release before the next finger
    return out


STEP_TARGETS_RAD = {"rh_WRJ1": 0.3, "rh_FFJ3": 0.5, "rh_FFJ0": 1.2, "rh_MFJ0": 1.2, "rh_RFJ0": 2.0, "rh_LFJ0": 2.0}
"""Free-hand step: these motors jump from the zero pose to these targets at t = 0, the others stay at 0 (a tendon
servo's force cap binds from 0.72 rad of error: the 2 rad steps run at the cap for most of the way)."""
STEP_STEPS = 25
"""Physics steps recorded (0.2 s at 8 ms)."""


def step_targets(num_steps: int = STEP_STEPS):
    """(num_steps, 20) absolute motor targets of the free-hand step (motor order of the spec)."""
    import numpy as np

    from dactyl_lab.spec import hand

    targets = np.zeros((num_steps, len(hand.MOTOR_NAMES)), np.float32)
    for motor, target in STEP_TARGETS_RAD.items():
        targets[:, hand.MOTOR_NAMES.index(motor)] = target
    return targets


def motor_positions(joint_pos: dict[str, float]) -> dict[str, float]:
    """The step's motors' positions (a tendon motor's: J1 + J2) from joint positions by name."""
    from dactyl_lab.spec import hand

    return {m: sum(joint_pos[j] for j in hand.TENDON_JOINTS.get(m, (m,))) for m in STEP_TARGETS_RAD}


def free_hand_step_response(env) -> list[dict[str, float]]:
    """The free hand (the cube moved far away) from the zero pose after :func:`step_targets`, written as the action
    term's targets and sent by it (its tendon force limit included): each stepped motor's position after every
    physics step."""
    import torch

    from dactyl_lab.assets.scene import HAND_BASE_POS_M

    u = env.unwrapped
    robot, cube = u.scene["robot"], u.scene["object"]
    zeros = torch.zeros(u.num_envs, robot.num_joints, device=u.device)
    robot.write_joint_state_to_sim_index(position=zeros, velocity=zeros)
    x, y, _ = HAND_BASE_POS_M
    far = u.scene.env_origins + torch.tensor([x + 0.4, y, 0.05], device=u.device)  # on the floor, beside the hand
    identity = torch.tensor([0.0, 0.0, 0.0, 1.0], device=u.device).expand(u.num_envs, 4)
    cube.write_root_pose_to_sim_index(root_pose=torch.cat([far, identity], -1))
    cube.write_root_velocity_to_sim_index(root_velocity=torch.zeros(u.num_envs, 6, device=u.device))
    targets = torch.tensor(step_targets(), device=u.device)
    term = u.action_manager.get_term("motors")
    names = list(robot.joint_names)
    out = []
    for k in range(targets.shape[0]):
        term.target_rad[:] = targets[k]
        term.apply_actions()
        u.scene.write_data_to_sim()
        u.sim.step(render=False)
        u.scene.update(u.physics_dt)
        q = robot.data.joint_pos.torch[0].tolist()
        out.append(motor_positions(dict(zip(names, q))))
    return out


def main() -> dict:
    from tests.helpers.envs import close_env, make_env

    from dactyl_lab.tasks.reorient.backends import ovphysx_workarounds

    env = make_env(num_envs=NUM_ENVS, seed=0, presets=("physx",))
    try:
        result = {
            "physics": type(env.unwrapped.cfg.sim.physics).__name__,
            "fixed_tendon_names": list(env.unwrapped.scene["robot"].fixed_tendon_names),
            "worker_threads": ovphysx_workarounds.configured_worker_threads(),
            "cpus": len(os.sched_getaffinity(0)),
            "zero_action": zero_action_keeps_the_cube(env),
            "joint_motor": joint_motor_reaches_its_target(env),
            "tendons": tendon_commands_move_their_finger(env),
            "step_response": free_hand_step_response(env),
        }
    finally:
        close_env(env)
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
