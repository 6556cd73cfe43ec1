"""The task's ADR hooks on two real processes (gloo over localhost), without a simulator: episode results
fed at resets stay staged until the step where ``adr_sync_and_log`` syncs (every K env steps, the same step
on every rank), then both ranks apply the same combined update and log the same bounds."""

import os
from types import SimpleNamespace

import pytest
import torch

from tests.helpers.ranks import run_two_ranks

K, NUM_ENVS = 4, 8


def _stub_env(adr):
    """What the two event functions read from a ManagerBasedRLEnv."""
    goals = torch.zeros(NUM_ENVS)
    command = SimpleNamespace(goals_reached=goals)
    state = SimpleNamespace(adr=adr, cfg=SimpleNamespace(adr_sync_interval_steps=K), adr_log={})
    return SimpleNamespace(
        num_envs=NUM_ENVS,
        device=torch.device("cpu"),
        common_step_counter=0,
        extras={},
        command_manager=SimpleNamespace(get_term=lambda name: command),
        _dactyl_randomization=state,
    )


def _worker(rank, world, init_file, out_dir):
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    torch.set_num_threads(1)
    import torch.distributed as dist

    from dactyl_lab.tasks.randomization import ADR, ADRCfg, ADRParamCfg, make_generator
    from dactyl_lab.tasks.reorient.mdp import adr_sync_and_log, adr_update_and_resample

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        cfg = ADRCfg(params={"mass_scale": ADRParamCfg(nominal=1.0, hard_limits=(0.5, 1.5))}, queue_length=8)
        adr = ADR(cfg, NUM_ENVS, "cpu", make_generator(7 + rank))
        env = _stub_env(adr)
        high_before, log = [], []
        for step in range(1, K + 1):
            env.common_step_counter = step
            # two envs per rank end an episode at the mass high boundary each step until 4 are done:
            # rank 0 with 30 successes, rank 1 with 12 (combined mean 21 >= 20 widens; neither alone fills m = 8)
            if step <= 2:
                ids = torch.tensor([2 * step - 2, 2 * step - 1])
                adr.env_boundary[ids], adr.env_version[ids] = 1, adr.version[0, 1]
                env.command_manager.get_term("object_pose").goals_reached[ids] = 30.0 if rank == 0 else 12.0
                adr_update_and_resample(env, ids)
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
