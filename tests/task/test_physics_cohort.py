"""Batched physics re-randomization (``randomization.physics_resample_interval_steps`` K, tasks/reorient/mdp/
physics_cohort.py) on the real env (Newton, CPU, 4 envs): with K = 4 an env that resets keeps its previous
physics until the cohort step, then gets new values (under ADR: the values ADR assigned to its episode), the
other envs are untouched, and the solver sees about N / K model updates in N steps; with K = 1 a reset
re-randomizes at once and every step with a reset updates the model."""

import pytest
import torch
import warp as wp

from dactyl_lab.tasks.randomization import adr_of

from tests.helpers.envs import close_env, make_env, zeros

pytestmark = pytest.mark.sim
NUM_ENVS, DROPPED = 4, 1


def interval(k: int):
    def edit(cfg):
        cfg.randomization.physics_resample_interval_steps = k

    return edit


def drop_cube(env, env_id: int) -> None:
    """Lift env ``env_id``'s cube 0.5 m: the next step's ``object_dropped`` resets that env (and only that one)."""
    cube = env.unwrapped.scene["object"]
    ids = torch.tensor([env_id], device=env.unwrapped.device)
    pose = cube.data.root_pose_w.torch[ids].clone()
    pose[:, 2] += 0.5
    cube.write_root_pose_to_sim_index(root_pose=pose, env_ids=ids)


def cube_mass(env) -> torch.Tensor:
    return env.unwrapped.scene["object"].data.body_mass.torch[:, 0].clone()


def cube_friction(env) -> torch.Tensor:
    u = env.unwrapped
    cube = u.scene["object"]
    mu = cube.root_view.get_attribute("shape_material_mu", u.sim.physics_manager.get_model())
    return wp.to_torch(mu)[:, 0].clone()  # (N, shapes)


def step_to_cohort_boundary(env, k: int) -> None:
    """Zero-action steps until ``common_step_counter`` is a multiple of ``k`` (the last step was a cohort step)."""
    while True:
        env.step(zeros(env))
        if env.unwrapped.common_step_counter % k == 0:
            return


def step(env) -> torch.Tensor:
    """One zero-action step; which envs reset in it."""
    _, _, terminated, truncated, _ = env.step(zeros(env))
    return terminated | truncated


def count_notify_steps(env, monkeypatch, steps: int) -> int:
    """Env steps in which the solver updated its model because of a reset in the next ``steps`` steps (one env's
    cube is dropped before each of them, so each resets at least one env). A model change made in step t reaches
    the solver in step t + 1 (``common_step_counter`` still t during its physics): counted from the window's first
    step to one step past its end, not the change left from before the window."""
    from dactyl_lab.tasks.reorient.mdp.newton_internals import mjwarp_solver

    solver, start = mjwarp_solver(), env.unwrapped.common_step_counter
    notify, calls = solver.notify_model_changed, set()

    def counting(flags):
        if env.unwrapped.common_step_counter > start:
            calls.add(env.unwrapped.common_step_counter)
        return notify(flags)

    monkeypatch.setattr(solver, "notify_model_changed", counting)
    for i in range(steps + 1):
        if i < steps:
            drop_cube(env, i % NUM_ENVS)
        env.step(zeros(env))
    monkeypatch.undo()
    return len(calls)


def set_const_calls_in_next_step(env, monkeypatch) -> int:
    """MuJoCo-Warp ``set_const_0`` calls (each a model rebuild over every world) in the next zero-action step, in
    which the model changes of the last step's resets reach the solver."""
    import mujoco_warp

    set_const_0, calls = mujoco_warp.set_const_0, []

    def counting(*args, **kwargs):
        calls.append(env.unwrapped.common_step_counter)
        return set_const_0(*args, **kwargs)

    monkeypatch.setattr(mujoco_warp, "set_const_0", counting)  # the solver calls it through the module
    env.step(zeros(env))
    monkeypatch.undo()
    return len(calls)


def test_k4_defers_a_reset_envs_physics_to_the_cohort_step_and_updates_the_model_every_k_steps(monkeypatch):
    k = 4
    env = make_env(num_envs=NUM_ENVS, seed=7, presets=("randomized",), edit=interval(k))
    try:
        env.reset()
        u = env.unwrapped
        term = u.event_manager.get_term_cfg("physics").func
        step_to_cohort_boundary(env, k)
        mass0, mu0 = cube_mass(env), cube_friction(env)
        drop_cube(env, DROPPED)
        reset = step(env)  # env 1 resets in this step (counter k + 1): marked pending, physics unchanged
        assert bool(reset[DROPPED]) and int(u.episode_length_buf[DROPPED]) == 0
        torch.testing.assert_close(term.pending, reset)
        for _ in range(k - 2):  # counter up to 2k - 1: still the previous episode's physics
            torch.testing.assert_close(cube_mass(env), mass0)
            torch.testing.assert_close(cube_friction(env), mu0)
            reset |= step(env)
        torch.testing.assert_close(cube_mass(env), mass0)
        reset |= step(env)  # counter 2k: the cohort step
        assert u.common_step_counter % k == 0 and not term.pending.any()
        mass, mu = cube_mass(env), cube_friction(env)
        others = (~reset).nonzero().flatten().tolist()  # a cube may also drop by itself (random forces)
        assert others
        assert mass[DROPPED] != mass0[DROPPED] and not torch.equal(mu[DROPPED], mu0[DROPPED])
        torch.testing.assert_close(mass[others], mass0[others])
        torch.testing.assert_close(mu[others], mu0[others])
        # the cohort's mass, joint-DOF and tendon-actuator flags: one model rebuild in the next step, not three
        assert set_const_calls_in_next_step(env, monkeypatch) == 1

        step_to_cohort_boundary(env, k)  # an empty cohort: nothing pending at the window's start
        steps = 2 * k
        assert count_notify_steps(env, monkeypatch, steps) == steps // k
    finally:
        close_env(env)


def test_k1_rerandomizes_at_the_reset_and_updates_the_model_after_every_reset(monkeypatch):
    env = make_env(num_envs=NUM_ENVS, seed=7, presets=("randomized",), edit=interval(1))
    try:
        env.reset()
        u = env.unwrapped
        env.step(zeros(env))
        mass0 = cube_mass(env)
        drop_cube(env, DROPPED)
        reset = step(env)
        assert bool(reset[DROPPED]) and int(u.episode_length_buf[DROPPED]) == 0
        assert not u.event_manager.get_term_cfg("physics").func.pending.any()
        mass = cube_mass(env)
        others = (~reset).nonzero().flatten().tolist()
        assert mass[DROPPED] != mass0[DROPPED]
        torch.testing.assert_close(mass[others], mass0[others])
        # the reset raised the mass, joint-DOF and tendon-actuator flags (each one set_const): one model rebuild
        assert set_const_calls_in_next_step(env, monkeypatch) == 1
        steps = 8
        assert count_notify_steps(env, monkeypatch, steps) == steps
    finally:
        close_env(env)


def test_k4_under_adr_applies_the_values_adr_assigned_to_the_episode():
    k = 4
    env = make_env(num_envs=NUM_ENVS, seed=7, presets=("adr",), edit=interval(k))
    try:
        env.reset()
        u = env.unwrapped
        adr = adr_of(u)
        i = adr.index("object_scale")
        adr.high[i] = 1.1  # a widened range, so the next episode's value differs from the nominal 1.0
        size = u.event_manager.get_term_cfg("object_size").func
        ratio = lambda: (size.scale / size.default_scale).flatten(1)[:, 0].clone()  # noqa: E731
        step_to_cohort_boundary(env, k)
        before = ratio()
        drop_cube(env, DROPPED)
        reset = step(env)  # reset: ADR resamples the episode's values now, the size follows at the cohort step
        assert bool(reset[DROPPED])
        assigned = adr.get("object_scale", torch.tensor([DROPPED], device=u.device)).clone()
        assert float(assigned) != pytest.approx(float(before[DROPPED]))
        torch.testing.assert_close(ratio(), before)
        while u.common_step_counter % k:
            reset |= step(env)
        after = ratio()
        torch.testing.assert_close(after[DROPPED : DROPPED + 1], assigned.to(after.dtype))
        others = (~reset).nonzero().flatten().tolist()
        torch.testing.assert_close(after[others], before[others])
    finally:
        close_env(env)


def test_a_cohort_is_due_every_k_steps_and_never_with_k_1():
    from dactyl_lab.tasks.reorient.mdp.physics_cohort import cohort_due

    assert [s for s in range(1, 17) if cohort_due(s, 4)] == [4, 8, 12, 16]
    assert not any(cohort_due(s, 1) for s in range(1, 17))
