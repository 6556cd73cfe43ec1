"""Start states (paper App. C.1) on the real Isaac Lab env (Newton, CPU): the bank filled on the first reset holds
settled states with the cube on the palm, orientations spread over SO(3), the hand away from its default pose,
and resets draw from it."""

import pytest

from dactyl_lab.spec.task import START_RANDOM_ACTION_STEPS
import torch

from dactyl_lab.spec import task as tc

from tests.helpers.envs import close_env, make_env, zeros

pytestmark = pytest.mark.sim
NUM_ENVS = 4
BANK_SIZE = 16
STEPS = 10  # fewer random-action steps keep the test short (the task: START_RANDOM_ACTION_STEPS)


def so3_second_moment_error(quat: torch.Tensor) -> float:
    """max |E[q q^T] - I/4|: 0 for quaternions uniform on SO(3) (any sign), 0.75 for one fixed orientation."""
    q = quat / quat.norm(dim=-1, keepdim=True)
    moment = (q[:, :, None] * q[:, None, :]).mean(0)
    return float((moment - torch.eye(4) / 4).abs().max())


@pytest.fixture(scope="module")
def env():
    def edit(cfg):
        cfg.events.start_state.params.update(bank_size=BANK_SIZE, max_rounds=8)

    env = make_env(num_envs=NUM_ENVS, seed=21, edit=edit, start_steps=STEPS)
    env.reset()
    yield env
    close_env(env)


def bank_term(env):
    return env.unwrapped.event_manager.get_term_cfg("start_state").func


def test_default_task_and_both_presets_use_the_bank_with_the_task_step_count():
    from dactyl_lab.tasks.reorient import presets_cfg
    from dactyl_lab.tasks.reorient.mdp.start_states import reset_from_start_state_bank

    presets = presets_cfg.DactylReorientEnvPresetCfg()
    for cfg in (presets.default, presets.randomized, presets.adr, presets.hz20):
        term = cfg.events.start_state
        assert term.func is reset_from_start_state_bank and term.mode == "reset"
        assert term.params["enabled"] and term.params["random_action_steps"] == START_RANDOM_ACTION_STEPS
        assert term.params["keep_max_distance_m"] == tc.DROP_DISTANCE_M
    assert not {"reset_object", "reset_hand"} & set(presets.default.events.to_dict())


def test_the_bank_holds_settled_starts_with_the_cube_on_the_palm(env):
    u = env.unwrapped
    term = bank_term(env)
    bank = term.bank
    assert bank is not None and bank.shape == (BANK_SIZE, 24 + 24 + 7 + 6) and bank.device == torch.device(u.device)
    assert torch.isfinite(bank).all() and term.rounds >= BANK_SIZE // NUM_ENVS and 0 < term.kept_fraction <= 1
    home = torch.tensor(tc.cube_home_env_m())
    distance = (bank[:, 48:51] - home).norm(dim=-1)
    assert (distance <= tc.DROP_DISTANCE_M).all(), distance  # dropped starts were discarded
    # the random actions moved the hand: joint positions away from the default pose, and not all alike
    default = u.scene["robot"].data.default_joint_pos.torch[0]
    assert (bank[:, :24] - default).abs().mean() > 0.05
    assert bank[:, :24].std(dim=0).mean() > 0.02


def test_start_orientations_are_spread_over_so3(env):
    quat = bank_term(env).bank[:, 51:55]
    assert so3_second_moment_error(quat) < 0.25, quat  # 16 uniform samples: entries have std <= 0.0625
    # the check can fail: a bank of one orientation (or of near-identity ones) is far from uniform
    assert so3_second_moment_error(torch.tensor([[0.0, 0.0, 0.0, 1.0]]).expand(BANK_SIZE, 4)) > 0.7


def test_the_bank_draws_from_a_stream_of_its_own(env):
    """Not the action term's (action noise, delay, backlash) nor the randomization terms' seed: uncorrelated."""
    from dactyl_lab.tasks.reorient.mdp.randomization_terms import DactylRandomizationCfg
    from dactyl_lab.tasks.reorient.mdp.start_states import START_STATE_SEED_OFFSET

    u = env.unwrapped
    bank_seed = bank_term(env).generator.initial_seed()
    assert bank_seed == u.cfg.seed + START_STATE_SEED_OFFSET
    others = {u.cfg.seed + u.action_manager.get_term("motors").cfg.seed_offset, u.cfg.seed}
    others.add(u.cfg.seed + DactylRandomizationCfg().seed_offset)
    assert bank_seed not in others


def test_a_reset_restores_a_bank_state(env):
    u = env.unwrapped
    term, robot, cube = bank_term(env), u.scene["robot"], u.scene["object"]
    env.step(zeros(env))
    u._reset_idx(torch.tensor([1], device=u.device))
    pose = cube.data.root_pose_w.torch[1].clone()
    pose[:3] -= u.scene.env_origins[1]
    rows = term.bank
    match = (rows[:, 48:55] - pose).abs().amax(dim=-1)
    best = int(match.argmin())
    assert float(match[best]) < 1e-5, match  # the cube pose is one of the bank's rows
    limits = robot.data.joint_pos_limits.torch[1]
    want = torch.clamp(rows[best, :24], limits[:, 0], limits[:, 1])  # clamped into the env's joint limits
    torch.testing.assert_close(robot.data.joint_pos.torch[1], want, rtol=0, atol=1e-5)
    # and the env plays on from it
    obs, *_ = env.step(zeros(env))
    assert torch.isfinite(obs["policy"]).all()
