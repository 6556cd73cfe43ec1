"""Measure the action law on the default task (4 envs, CPU): free rh_FFJ3 displacement under +1, and with its gain
cut to 0 the gap target - joint (new law) against the old law's accumulator. Envs reset meanwhile are not filtered.

    OMP_NUM_THREADS=1 .venv/bin/python bench/action_law_response.py
"""
import sys; sys.path.insert(0, "tests")
import torch
from envs import make_env, close_env, zeros
from dactyl_lab import hand
env = make_env(num_envs=4, seed=3); env.reset()
u = env.unwrapped; robot = u.scene["robot"]; term = u.action_manager.get_term("motors")
j = robot.joint_names.index("rh_FFJ3"); m = hand.MOTOR_NAMES.index("rh_FFJ3")
for _ in range(5): env.step(zeros(env))
a = zeros(env); a[:, m] = 1.0
start = robot.data.joint_pos.torch[:, j].clone(); rows = []
for k in range(1, 21):
    env.step(a)
    if k in (1, 2, 4, 10, 20): rows.append((k, (robot.data.joint_pos.torch[:, j] - start).tolist()))
print("free FFJ3 displacement after k steps of +1 [rad]:", rows)
print("upper limit", float(robot.data.joint_pos_limits_upper.torch[0, j]))
# blocked
a[:, m] = -1.0
for _ in range(15): env.step(a)
ids = torch.tensor([j]); st = robot.data.joint_stiffness.torch[:, j:j+1].clone()
robot.write_joint_stiffness_to_sim_index(stiffness=torch.zeros_like(st), joint_ids=ids)
a[:, m] = 1.0; s0 = robot.data.joint_pos.torch[:, j].clone(); ot, os_ = s0.clone(), s0.clone(); gaps, ogaps = [], []
hi = float(robot.data.joint_pos_limits_upper.torch[0, j])
for _ in range(20):
    ja = robot.data.joint_pos.torch[:, j].clone(); env.step(a)
    gaps.append(float((term.processed_actions[:, m] - ja).max()))
    ot = torch.clamp(ot + 0.1, max=hi); os_ = 0.3 * os_ + 0.7 * ot; ogaps.append(float((os_ - ja).min()))
print("blocked: joint moved", (robot.data.joint_pos.torch[:, j] - s0).abs().max().item(), "new-law max gap", max(gaps), "old-law gap after 20 steps (min over envs)", ogaps[-1])
close_env(env)
