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
REFRESH_STEPS = 2  # control steps into an episode after which an env holding the cube refreshes the bank
REFRESH_FRACTION = 0.5
MAX_GENERATIONS = 3


def so3_second_moment_error(quat: torch.Tensor) -> float:
    """max |E[q q^T] - I/4|: 0 for quaternions uniform on SO(3) (any sign), 0.75 for one fixed orientation."""
    q = quat / quat.norm(dim=-1, keepdim=True)
    moment = (q[:, :, None] * q[:, None, :]).mean(0)
    return float((moment - torch.eye(4) / 4).abs().max())


@pytest.fixture(scope="module")
def env():
    def edit(cfg):
        cfg.events.start_state.params.update(bank_size=BANK_SIZE, max_rounds=8)
        refresh_after_s = REFRESH_STEPS * cfg.sim.dt * cfg.decimation
        cfg.events.start_state_refresh.params.update(
            refresh_after_s=refresh_after_s, refresh_fraction=REFRESH_FRACTION, max_generations=MAX_GENERATIONS
        )

    env = make_env(num_envs=NUM_ENVS, seed=21, edit=edit, start_steps=STEPS)
    env.reset()
    yield env
    close_env(env)


def bank_term(env):
    return env.unwrapped.event_manager.get_term_cfg("start_state").func


def test_default_task_and_both_presets_use_the_bank_with_the_task_step_count():
    from dactyl_lab.tasks.reorient import presets_cfg
    from dactyl_lab.tasks.reorient.mdp.start_states import refresh_start_state_bank, reset_from_start_state_bank

    presets = presets_cfg.DactylReorientEnvPresetCfg()
    for cfg in (presets.default, presets.randomized, presets.adr, presets.hz20):
        term = cfg.events.start_state
        assert term.func is reset_from_start_state_bank and term.mode == "reset"
        assert term.params["enabled"] and term.params["random_action_steps"] == START_RANDOM_ACTION_STEPS
        assert term.params["keep_max_distance_m"] == tc.DROP_DISTANCE_M
        refresh = cfg.events.start_state_refresh  # refreshed during training, every control step
        assert refresh.func is refresh_start_state_bank and refresh.mode == "interval"
        assert refresh.interval_range_s == (0.0, 0.0) and refresh.params["refresh_fraction"] > 0
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


def env_state_rows(u) -> torch.Tensor:
    """(N, 61) every env's state in the bank's row layout: joint pos, joint vel, cube pose (env frame), cube vel."""
    robot, cube = u.scene["robot"], u.scene["object"]
    pose = cube.data.root_pose_w.torch.clone()
    pose[:, :3] -= u.scene.env_origins
    joints = (robot.data.joint_pos.torch, robot.data.joint_vel.torch)
    return torch.cat((*joints, pose, cube.data.root_vel_w.torch), dim=-1)


def test_envs_holding_the_cube_early_in_their_episode_refresh_the_bank(env):
    """Each env still holding the cube REFRESH_STEPS into its episode writes its state (settled under its own
    physics) over the oldest rows of the refreshable share; a start of the last generation writes nothing."""
    u = env.unwrapped
    term = bank_term(env)
    size = term.bank.shape[0]
    share = int(round(REFRESH_FRACTION * size))
    u._reset_idx(torch.arange(u.num_envs, device=u.device))  # every env starts an episode (no new bank)
    fixed, refreshed = term.bank[: size - share].clone(), int(term.refreshed)
    term.start_generation[0] = MAX_GENERATIONS  # env 0's start is as far from a random-action start as allowed
    start_generation = term.start_generation.clone()
    for _ in range(REFRESH_STEPS):
        env.step(zeros(env))
    due = (u.episode_length_buf == REFRESH_STEPS).nonzero().flatten().tolist()
    assert len(due) >= 2, "the test needs envs that held the cube"
    rows = env_state_rows(u)
    match = (term.bank[None, :, :] - rows[:, None, :]).abs().amax(dim=-1)  # (N, B)
    for i in due:
        hit = (match[i] < 1e-6).nonzero().flatten().tolist()
        if i == 0:
            assert hit == [], "a start of generation max_generations must not refresh the bank"
            continue
        assert len(hit) == 1 and hit[0] >= size - share, (i, hit)  # in the refreshable share only
        assert int(term.row_id[hit[0]]) >= size  # a new id: a start never seen before
        assert int(term.row_generation[hit[0]]) == int(start_generation[i]) + 1
    assert int(term.refreshed) - refreshed == len(due) - 1
    torch.testing.assert_close(term.bank[: size - share], fixed, rtol=0, atol=0)  # random-action starts stay


def test_later_resets_draw_refreshed_starts(env):
    """Over a few resets the envs see starts that were not in the first bank (old behaviour: ids < bank size)."""
    u = env.unwrapped
    term = bank_term(env)
    size = term.bank.shape[0]
    seen: set[int] = set()
    for _ in range(6):
        u._reset_idx(torch.arange(u.num_envs, device=u.device))
        seen |= set(term.start_id.tolist())
        for _ in range(REFRESH_STEPS):
            env.step(zeros(env))
    assert max(seen) >= size, seen  # a start written during training was drawn
    assert len([i for i in seen if i >= size]) >= 2
    assert int(term.row_generation.max()) <= MAX_GENERATIONS
