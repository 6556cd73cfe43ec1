"""The task's ADR hooks on two real processes (gloo over localhost), without a simulator: episode results
fed at resets stay staged until the step where ``adr_sync_and_log`` syncs (every K env steps, the same step
on every rank), then both ranks apply the same combined update and log the same bounds."""

import os
from types import SimpleNamespace

import pytest
import torch

from tests.helpers.ranks import run_two_ranks

K, NUM_ENVS = 4, 8


def _stub_env(rank):
    """What the ADR curriculum term and the sync event read from a ManagerBasedRLEnv: the ADR term is built from
    ``cfg.randomization`` and found through the curriculum manager."""
    from dactyl_lab.tasks.randomization import ADRCfg, ADRParamCfg

    goals = torch.zeros(NUM_ENVS)
    command = SimpleNamespace(goals_reached=goals)
    adr_cfg = ADRCfg(params={"mass_scale": ADRParamCfg(nominal=1.0, hard_limits=(0.5, 1.5))}, queue_length=8)
    randomization = SimpleNamespace(adr=adr_cfg, adr_sync_interval_steps=K)
    return SimpleNamespace(
        num_envs=NUM_ENVS,
        device=torch.device("cpu"),
        cfg=SimpleNamespace(seed=7 + rank, randomization=randomization),  # each rank samples its own envs
        common_step_counter=0,
        extras={},
        command_manager=SimpleNamespace(get_term=lambda name: command),
    )


def _add_adr_curriculum(env):
    """The curriculum manager as Isaac Lab builds it: the class term instantiated on its cfg."""
    from isaaclab.managers import CurriculumTermCfg

    from dactyl_lab.tasks.reorient.mdp import adr_update_and_resample

    term_cfg = CurriculumTermCfg(func=adr_update_and_resample, params={"command_name": "object_pose"})
    term_cfg.func = adr_update_and_resample(term_cfg, env)
    env.curriculum_manager = SimpleNamespace(cfg={"adr": term_cfg}, active_terms=["adr"])
    return term_cfg.func


def _worker(rank, world, init_file, out_dir):
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    torch.set_num_threads(1)
    import torch.distributed as dist

    from dactyl_lab.tasks.randomization import adr_of
    from dactyl_lab.tasks.reorient.mdp import adr_sync_and_log

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        env = _stub_env(rank)
        term = _add_adr_curriculum(env)
        adr = adr_of(env)
        assert adr is term.adr
        high_before, log = [], []
        for step in range(1, K + 1):
            env.common_step_counter = step
            # two envs per rank end an episode at the mass high boundary each step until 4 are done:
            # rank 0 with 30 successes, rank 1 with 12 (combined mean 21 >= 20 widens; neither alone fills m = 8)
            if step <= 2:
                ids = torch.tensor([2 * step - 2, 2 * step - 1])
                adr.env_boundary[ids], adr.env_version[ids] = 1, adr.version[0, 1]
                env.command_manager.get_term("object_pose").goals_reached[ids] = 30.0 if rank == 0 else 12.0
                term(env, ids, **term.cfg.params)
            adr_sync_and_log(env, None)
            high_before.append(float(adr.high[0]))
            log.append(env.extras["log"]["ADR/mass_scale/high"])
        out = {"high": high_before, "log": log, "state": adr.state_dict()}
        torch.save(out, os.path.join(out_dir, f"rank{rank}.pt"))
    finally:
        dist.destroy_process_group()


def test_two_ranks_sync_inside_the_env_hook_on_the_same_step(tmp_path):
    run_two_ranks(_worker, str(tmp_path / "pg_init"), str(tmp_path), timeout_s=170)
    r0, r1 = torch.load(tmp_path / "rank0.pt"), torch.load(tmp_path / "rank1.pt")
    # staged, not applied, until step K; then both ranks widen the bound by one step, identically
    assert r0["high"][: K - 1] == [1.0] * (K - 1) and r1["high"][: K - 1] == [1.0] * (K - 1)
    assert r0["high"][-1] == pytest.approx(1.02) and r1["high"][-1] == pytest.approx(1.02)
    assert r0["log"][-1] == pytest.approx(1.02) and r1["log"] == r0["log"]
    for key in ("low", "high", "queue", "fill", "version"):
        assert torch.equal(r0["state"][key], r1["state"][key]), key
