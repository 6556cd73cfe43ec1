"""The action law on the default task (4 envs, CPU): how far a free rh_FFJ3 moves under +1, and, with its position
gain cut to 0, the gap target - joint under the law against the old law's accumulator (envs reset meanwhile are
left out).

    OMP_NUM_THREADS=1 .venv/bin/python bench/action_law_response.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repo root, for tests.helpers (python bench/x.py)
from tests.helpers.envs import close_env, make_env, zeros  # noqa: E402

from dactyl_lab.spec import hand  # noqa: E402


def main() -> None:
    env = make_env(num_envs=4, seed=3)
    env.reset()
    u = env.unwrapped
    robot, term = u.scene["robot"], u.action_manager.get_term("motors")
    j, m = robot.joint_names.index("rh_FFJ3"), hand.MOTOR_NAMES.index("rh_FFJ3")
    for _ in range(5):
        env.step(zeros(env))
    action = zeros(env)
    action[:, m] = 1.0
    start, start_len = robot.data.joint_pos.torch[:, j].clone(), u.episode_length_buf.clone()
    for k in range(1, 11):
        env.step(action)
        if k in (1, 2, 4, 10):
            ok = u.episode_length_buf == start_len + k
            moved = (robot.data.joint_pos.torch[:, j] - start)[ok]
            print(f"free rh_FFJ3 after {k:2d} steps of +1: moved {moved.min():.3f} ... {moved.max():.3f} rad")
    env.reset()  # the blocked finger starts from a fresh episode
    ids = torch.tensor([j], device=u.device)
    stiffness = robot.data.joint_stiffness.torch[:, j : j + 1].clone()
    robot.write_joint_stiffness_to_sim_index(stiffness=torch.zeros_like(stiffness), joint_ids=ids)
    high = float(robot.data.joint_pos_limits_upper.torch[0, j])
    start, start_len = robot.data.joint_pos.torch[:, j].clone(), u.episode_length_buf.clone()
    old_target, old_sent, gaps = start.clone(), start.clone(), []
    for _ in range(20):
        at_action = robot.data.joint_pos.torch[:, j].clone()
        env.step(action)
        gaps.append(term.processed_actions[:, m] - at_action)
        old_target = torch.clamp(old_target + 0.1, max=high)  # the old law, its 0.1 rad per step
        old_sent = 0.3 * old_sent + 0.7 * old_target
    ok = u.episode_length_buf == start_len + 20
    if not ok.any():
        raise SystemExit("every env was reset during the 20 blocked steps; run again with another seed")
    moved = (robot.data.joint_pos.torch[:, j] - start)[ok].abs().max()
    print(
        f"blocked rh_FFJ3 (gain 0, {int(ok.sum())} envs not reset): moved {moved:.3f} rad; "
        f"law: max target - joint {torch.stack(gaps)[:, ok].max():.3f} rad; "
        f"old law after 20 steps: {(old_sent - at_action)[ok].min():.3f} rad ahead (least over envs)"
    )
    close_env(env)


if __name__ == "__main__":
    main()
