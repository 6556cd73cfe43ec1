"""A diverged world never reaches the learner (real env on Newton, real rsl_rl / rl-games wrappers of isaaclab_rl).

NaN is written into the real sim state of one env mid-episode: the cube's root pose, or one hand joint's position and
velocity. What each library's wrapper hands out must be finite: the diverged env pays exactly 0 (the physics leaves a
finite but meaningless cube pose behind, which paid a spurious orientation "progress" before), its episode sum is what
the wrapper paid, it is reset (the guard, a time-out) and observes its fresh start; the other envs are untouched. A
world that is still NaN when observations are computed (another env's reset) observes zeros until the guard resets it.
"""

import pytest
import torch

from tests.helpers.envs import close_env, make_env, zeros

pytestmark = pytest.mark.sim
NUM_ENVS, DIVERGED, MID_EPISODE_STEPS = 4, 1, 3
NAN = float("nan")


@pytest.fixture(scope="module")
def env():
    env = make_env(num_envs=NUM_ENVS, seed=5)
    yield env
    close_env(env)


def nan_cube_pose(u, env_id: int) -> None:
    ids = torch.tensor([env_id], device=u.device)
    u.scene["object"].write_root_pose_to_sim_index(root_pose=torch.full((1, 7), NAN, device=u.device), env_ids=ids)


def nan_hand_joint(u, env_id: int, joint: int = 3) -> None:
    robot, ids = u.scene["robot"], torch.tensor([env_id], device=u.device)
    pos, vel = robot.data.joint_pos.torch[ids].clone(), robot.data.joint_vel.torch[ids].clone()
    pos[:, joint], vel[:, joint] = NAN, NAN
    robot.write_joint_position_to_sim_index(position=pos, env_ids=ids)
    robot.write_joint_velocity_to_sim_index(velocity=vel, env_ids=ids)


class Learner:
    """What one RL library receives from its isaaclab_rl wrapper: observation groups, rewards, dones, episode log."""

    def __init__(self, library: str, env):
        self.library = library
        if library == "rsl_rl":
            from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper

            self.vec = RslRlVecEnvWrapper(env)  # resets every env
        else:
            from isaaclab_rl.rl_games import RlGamesVecEnvWrapper

            self.vec = RlGamesVecEnvWrapper(env, env.unwrapped.device, clip_obs=float("inf"), clip_actions=1.0)
            self.vec.reset()

    def step(self, action):
        obs, reward, dones, extras = self.vec.step(action)
        groups = ("policy", "critic") if self.library == "rsl_rl" else ("obs", "states")
        log = extras["log"] if self.library == "rsl_rl" else extras.get("episode", {})
        return [obs[g] for g in groups], reward, dones.bool(), log


def episode_return_logged(u, log: dict) -> torch.Tensor:
    """The mean episode return of the envs that reset this step, from Isaac Lab's ``Episode_Reward/*`` log."""
    terms = [v for k, v in log.items() if k.startswith("Episode_Reward/")]
    assert len(terms) == len(u.reward_manager.active_terms)
    return torch.stack([torch.as_tensor(v, device=u.device) for v in terms]).sum() * u.max_episode_length_s


@pytest.mark.parametrize("inject", [nan_cube_pose, nan_hand_joint], ids=["cube_pose", "hand_joint"])
@pytest.mark.parametrize("library", ["rsl_rl", "rl_games"])
def test_a_diverged_env_pays_zero_is_reset_and_the_learner_sees_only_finite_values(env, library, inject):
    u = env.unwrapped
    learner = Learner(library, env)
    action = zeros(env)
    paid = torch.zeros(u.num_envs, device=u.device)  # this episode's rewards so far, per env
    for _ in range(MID_EPISODE_STEPS):
        _, reward, dones, _ = learner.step(action)
        paid = torch.where(dones, 0.0, paid + reward)
    assert not dones[DIVERGED]  # mid-episode
    inject(u, DIVERGED)
    observations, reward, dones, log = learner.step(action)
    paid += reward
    fired = u.termination_manager.get_term("nonfinite_state")
    assert fired.tolist() == [i == DIVERGED for i in range(NUM_ENVS)]  # the guard caught it, and only it
    assert torch.isfinite(reward).all()
    assert float(reward[DIVERGED]) == 0.0  # no reward from a diverged world (finite garbage before the fix)
    assert dones[DIVERGED] and u.episode_length_buf[DIVERGED] == 0  # reset in the same step
    for obs in observations:
        assert torch.isfinite(obs).all()
        assert obs[DIVERGED].abs().sum() > 0  # its fresh start, not the zeros of a diverged world
    logged = episode_return_logged(u, log)  # the episode sums hold what the wrapper paid, finite
    assert torch.isfinite(logged)
    assert float(logged) == pytest.approx(float(paid[dones].mean()), abs=1e-4)


def test_a_world_still_nan_when_observed_observes_zeros_until_the_guard_resets_it(env):
    u = env.unwrapped
    learner = Learner("rsl_rl", env)
    action = zeros(env)
    learner.step(action)
    nan_cube_pose(u, DIVERGED)
    obs, _ = u.reset(env_ids=torch.tensor([0], device=u.device))  # env 0's reset observes every env
    for seen in (obs, learner.vec.get_observations()):  # rsl_rl reads the env's obs buffer
        for group in ("policy", "critic"):
            assert torch.isfinite(seen[group]).all()
            assert (seen[group][DIVERGED] == 0).all()
            assert seen[group][0].abs().sum() > 0
    observations, reward, dones, _ = learner.step(action)
    assert dones[DIVERGED] and float(reward[DIVERGED]) == 0.0 and torch.isfinite(reward).all()
    assert all(torch.isfinite(o).all() and o[DIVERGED].abs().sum() > 0 for o in observations)
