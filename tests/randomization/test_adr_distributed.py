"""ADR on two real processes (gloo over localhost): ranks feed different results, bounds end identical."""

import os

import pytest
import torch

from tests.helpers.ranks import feed_boundary, run_two_ranks

MASS_HIGH, FRICTION_LOW = 1, 2
NO_BOUNDARY_RESULTS = 6


def _cfg():
    from dactyl_lab.tasks.randomization import ADRCfg, ADRParamCfg

    return ADRCfg(
        params={
            "mass_scale": ADRParamCfg(nominal=1.0, hard_limits=(0.5, 1.5)),
            "friction_scale": ADRParamCfg(nominal=1.0, hard_limits=(0.5, 2.0), step=0.1),
        },
        queue_length=8,
    )


def _worker(rank, world, init_file, out_dir):
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    torch.set_num_threads(1)
    import torch.distributed as dist

    from dactyl_lab.tasks.randomization import ADR, make_generator

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        adr = ADR(_cfg(), 32, "cpu", make_generator(100 + rank))  # each rank samples its own envs
        # mass high bound: rank 0 plays 4 good episodes (30), rank 1 plays 4 mediocre ones (12).
        # Alone neither queue (length 8) would be full; together mean 21 >= 20 widens.
        feed_boundary(adr, MASS_HIGH, 30.0 if rank == 0 else 12.0, 4)
        # friction low bound: both ranks try 6 good episodes; the cohort of 8 gives each rank 4 tickets
        played = feed_boundary(adr, FRICTION_LOW, 25.0, 6)
        # and NO_BOUNDARY_RESULTS resets of envs that evaluated no boundary (most resets): staged, never gathered
        no_boundary = (adr.env_boundary < 0).nonzero().flatten()[:NO_BOUNDARY_RESULTS]
        adr.update(no_boundary, torch.full((NO_BOUNDARY_RESULTS,), 50.0))
        staged = adr.num_pending
        gathered = [adr.sync()]
        # a second round where only rank 1 has results: its 4 tickets are half a cohort, no decision yet
        if rank == 1:
            feed_boundary(adr, MASS_HIGH, 40.0, 8)
        gathered.append(adr.sync())
        synced = adr.state_dict()
        # broadcast_: a diverged rank gets rank 0's state back
        if rank == 1:
            adr.low[0] = 0.7
        adr.broadcast_(src=0)
        torch.save(
            {
                "state": synced,
                "staged": staged,
                "gathered": gathered,
                "played": played,
                "low_after_broadcast": adr.low.clone(),
                "values": adr.values,
            },
            os.path.join(out_dir, f"rank{rank}.pt"),
        )
    finally:
        dist.destroy_process_group()


def test_two_ranks_end_with_identical_bounds(tmp_path):
    init_file = tmp_path / "pg_init"
    run_two_ranks(_worker, str(init_file), str(tmp_path), timeout_s=110)
    r0 = torch.load(tmp_path / "rank0.pt")
    r1 = torch.load(tmp_path / "rank1.pt")
    assert r0["played"] == r1["played"] == 4  # ceil(8 / 2) tickets per rank and cohort
    assert r0["staged"] == r1["staged"] == 8 + NO_BOUNDARY_RESULTS  # results stay staged until sync()
    # only boundary rows are all-gathered: 2 x 8 in round 1 (not 2 x 14), rank 1's 4 in round 2
    assert r0["gathered"] == r1["gathered"] == [16, 4]
    for k in ("low", "high", "queue", "fill", "version"):
        assert torch.equal(r0["state"][k], r1["state"][k]), k
    s = r0["state"]
    # round 1: combined mean 21 widened mass high once, friction low (mean 25) once; round 2: rank 1's 4 x 40
    # wait in the next mass-high cohort for rank 0's 4
    assert float(s["high"][0]) == pytest.approx(1.02)
    assert float(s["low"][1]) == pytest.approx(0.9)
    assert int(s["fill"][0, 1]) == 4 and int(s["fill"].sum()) == 4
    assert torch.equal(r0["low_after_broadcast"], r1["low_after_broadcast"])
    assert not torch.equal(r0["values"], r1["values"])  # the ranks' envs sample differently
