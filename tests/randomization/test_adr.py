"""ADR: boundary sampling, widening / narrowing with nominal and hard limits, queues, entropy, checkpoints."""

import io
import math

import pytest
import torch

from dactyl_lab.tasks.randomization import ADR, ADRCfg, ADRParamCfg, make_generator
from dactyl_lab.tasks.randomization.adr_report import entropy_npd, entropy_npd_own_units, entropy_npd_widened

from tests.helpers.ranks import feed_boundary as feed


def make_adr(n=64, seed=0, **kw):
    params = kw.pop("params", None) or {
        "mass_scale": ADRParamCfg(nominal=1.0, hard_limits=(0.9, 1.06)),
        "friction_scale": ADRParamCfg(nominal=1.0, hard_limits=(0.5, 2.0), step=0.1),
    }
    kw.setdefault("queue_length", 8)
    world_size = kw.pop("world_size", 1)
    return ADR(ADRCfg(params=params, **kw), n, "cpu", make_generator(seed), world_size=world_size)


def test_starts_at_nominal_and_values_pin_boundaries():
    adr = make_adr(n=2000, queue_length=2000)  # cohorts larger than the envs: every env that wants one evaluates
    assert torch.equal(adr.low, adr.nominal) and torch.equal(adr.high, adr.nominal)
    adr.low[:] = torch.tensor([0.95, 0.8])
    adr.high[:] = torch.tensor([1.05, 1.4])
    v = adr.resample()
    b = adr.env_boundary
    assert float((b >= 0).float().mean()) == pytest.approx(0.5, abs=0.04)  # p_b = 0.5
    for p in range(2):
        lo, hi = float(adr.low[p]), float(adr.high[p])
        col = v[:, p]
        assert bool(((col >= lo - 1e-6) & (col <= hi + 1e-6)).all())
        assert torch.allclose(col[b == 2 * p], torch.tensor(lo))  # low boundary pinned
        assert torch.allclose(col[b == 2 * p + 1], torch.tensor(hi))
    free = v[b < 0, 1]
    assert float(free.std()) == pytest.approx(0.6 / math.sqrt(12), rel=0.1)  # uniform over [0.8, 1.4]
    # every boundary gets picked
    assert set(b[b >= 0].tolist()) == {0, 1, 2, 3}


def test_widens_on_high_performance_and_respects_hard_limits():
    adr = make_adr()
    feed(adr, 1, 25.0, 8)  # mass high bound
    assert float(adr.high[0]) == pytest.approx(1.02) and float(adr.low[0]) == 1.0
    assert int(adr.fill[0, 1]) == 0  # queue cleared after the decision
    feed(adr, 0, 25.0, 8)
    assert float(adr.low[0]) == pytest.approx(0.98)
    for _ in range(10):
        feed(adr, 1, 25.0, 8)
    assert float(adr.high[0]) == pytest.approx(1.06)  # hard limit, not 1.22
    feed(adr, 3, 30.0, 8)
    assert float(adr.high[1]) == pytest.approx(1.1)  # per-param step 0.1


def test_narrows_on_low_performance_never_past_nominal():
    adr = make_adr()
    for _ in range(2):
        feed(adr, 1, 25.0, 8)
    assert float(adr.high[0]) == pytest.approx(1.04)
    feed(adr, 1, 5.0, 8)
    assert float(adr.high[0]) == pytest.approx(1.02)
    for _ in range(3):
        feed(adr, 1, 0.0, 8)
    assert float(adr.high[0]) == pytest.approx(1.0)  # nominal, not below
    feed(adr, 0, 0.0, 8)
    assert float(adr.low[0]) == pytest.approx(1.0)


def test_middle_performance_and_partial_queue_change_nothing():
    adr = make_adr()
    feed(adr, 1, 15.0, 8)  # between t_L = 10 and t_H = 20: queue cleared, bound kept
    assert float(adr.high[0]) == 1.0 and int(adr.fill[0, 1]) == 0
    feed(adr, 1, 100.0, 7)  # one short of a full queue
    assert float(adr.high[0]) == 1.0 and int(adr.fill[0, 1]) == 7
    feed(adr, 1, 100.0, 1)
    assert float(adr.high[0]) == pytest.approx(1.02)


def test_threshold_edges_inclusive():
    adr = make_adr()
    feed(adr, 1, 20.0, 8)  # mean == t_H widens
    assert float(adr.high[0]) == pytest.approx(1.02)
    feed(adr, 1, 10.0, 8)  # mean == t_L narrows
    assert float(adr.high[0]) == pytest.approx(1.0)


def test_non_boundary_envs_and_double_updates_are_ignored():
    adr = make_adr(n=16)
    adr.resample()
    free = (adr.env_boundary < 0).nonzero().flatten()
    adr.update(free, torch.full((free.numel(),), 100.0))
    assert int(adr.fill.sum()) == 0
    ev = (adr.env_boundary >= 0).nonzero().flatten()
    adr.update(ev, torch.zeros(ev.numel()))
    adr.update(ev, torch.zeros(ev.numel()))  # second report of the same episodes: no effect
    assert int(adr.fill.sum()) == ev.numel()


def test_results_for_a_bound_that_moved_are_dropped():
    adr = make_adr(n=64)
    adr.resample()
    stale = (adr.env_boundary == 1).nonzero().flatten()
    assert stale.numel() > 0
    feed(adr, 1, 25.0, 8)  # moves the mass high bound while `stale` envs were still playing the old one
    before = int(adr.fill[0, 1])
    adr.env_boundary[stale] = 1  # their old assignment (feed() resampled them; restore it)
    adr.env_version[stale] = 0
    adr.update(stale, torch.full((stale.numel(),), 25.0))
    assert int(adr.fill[0, 1]) == before


def test_overflowing_updates_in_one_call():
    adr = make_adr(n=256, boundary_fraction=1.0)  # every env evaluates a boundary
    adr.resample()
    adr.update(torch.arange(256), torch.full((256,), 25.0))  # ~64 per boundary, queue of 8
    # each queue filled once at the old bound, the rest were stale for the moved bound and dropped
    assert float(adr.high[0]) == pytest.approx(1.02) and float(adr.low[0]) == pytest.approx(0.98)
    assert int(adr.fill.sum()) == 0


def test_boundary_fraction_mode_is_a_fixed_subset():
    adr = make_adr(n=1000, boundary_fraction=0.4, queue_length=1000)
    adr.resample()
    first = adr.env_boundary >= 0
    assert int(first.sum()) == 400
    adr.resample()
    assert torch.equal(adr.env_boundary >= 0, first)


def test_fixed_sides_never_evaluated_and_disabled():
    params = {"noise_std": ADRParamCfg(nominal=0.0, hard_limits=(0.0, 1.0))}
    adr = make_adr(n=500, params=params)
    adr.resample()
    assert set(adr.env_boundary[adr.env_boundary >= 0].tolist()) == {1}  # only the high side can move
    off = make_adr(n=10, enabled=False)
    off.low[:] = 0.5
    v = off.resample()
    assert torch.allclose(v, torch.ones(10, 2)) and bool((off.env_boundary < 0).all())
    off.update(torch.arange(10), torch.full((10,), 100.0))
    assert int(off.fill.sum()) == 0


def test_entropy_is_the_mean_over_all_dimensions_and_log_dict():
    adr = make_adr()
    assert float(entropy_npd(adr)) == -math.inf and float(entropy_npd_widened(adr)) == 0.0  # every range a point
    adr.low[:] = torch.tensor([0.9, 1.0])
    adr.high[:] = torch.tensor([1.1, 1.0])
    # the paper's (1/d) sum_i log(width_i) over all d = 2 dimensions: one of them still a point mass
    assert float(entropy_npd(adr)) == -math.inf
    assert float(entropy_npd_widened(adr)) == pytest.approx(math.log(0.2))  # only params with width > 0
    adr.high[1] = 1.5
    assert float(entropy_npd(adr)) == pytest.approx((math.log(0.2) + math.log(0.5)) / 2)
    adr.high[1] = 2.0
    assert float(entropy_npd(adr)) == pytest.approx((math.log(0.2) + math.log(1.0)) / 2)  # not log(0.2) alone
    d = adr.log_dict()
    assert d["ADR/mass_scale/low"] == pytest.approx(0.9) and d["ADR/friction_scale/high"] == pytest.approx(2.0)
    assert d["ADR/entropy_npd"] == pytest.approx(float(entropy_npd(adr))) and d["ADR/widened_fraction"] == 1.0
    assert d["ADR/entropy_npd_widened"] == pytest.approx(float(entropy_npd_widened(adr)))
    assert all(isinstance(v, float) for v in d.values())


def test_entropy_counts_each_width_in_its_parameters_unit_so_the_units_of_a_std_do_not_matter():
    """The paper's nats per dimension over dimensionless widths: a scale relative to its nominal, a parameter grown
    from 0 relative to its ``unit`` (the paper's magnitude). The same noise range in metres or millimetres gives the
    same entropy; the own-units figure does not."""

    def noise_adr(unit_m: float, scale: float) -> ADR:
        params = {
            "mass_scale": ADRParamCfg(nominal=2.0, hard_limits=(0.0, 4.0)),
            "tip_std": ADRParamCfg(nominal=0.0, hard_limits=(0.0, 1.0 * scale), unit=unit_m * scale),
        }
        adr = ADR(ADRCfg(params=params), 4)
        adr.low[:] = torch.tensor([1.0, 0.0], dtype=torch.float64)
        adr.high[:] = torch.tensor([3.0, 0.006 * scale], dtype=torch.float64)
        return adr

    metres, millimetres = noise_adr(0.003, 1.0), noise_adr(0.003, 1000.0)
    # mass: width 2 around a nominal of 2 -> log 1 = 0; noise: 6 mm over the paper's 3 mm -> log 2
    assert float(entropy_npd(metres)) == pytest.approx(math.log(2.0) / 2)
    assert float(entropy_npd(millimetres)) == pytest.approx(float(entropy_npd(metres)))
    assert float(entropy_npd_own_units(metres)) == pytest.approx((math.log(2.0) + math.log(0.006)) / 2)
    assert float(entropy_npd_own_units(millimetres)) != pytest.approx(float(entropy_npd_own_units(metres)))
    assert metres.log_dict()["ADR/entropy_npd_own_units"] == pytest.approx(float(entropy_npd_own_units(metres)))
    with pytest.raises(ValueError, match="unit must be positive"):
        ADR(ADRCfg(params={"p": ADRParamCfg(nominal=0.0, hard_limits=(0.0, 1.0), unit=0.0)}), 2)


def test_the_dactyl_preset_measures_every_parameter_grown_from_zero_in_the_papers_magnitude():
    from dactyl_lab.spec import noise
    from dactyl_lab.tasks.randomization.presets import dactyl_adr_params

    params = dactyl_adr_params()
    for name, p in params.items():
        unit = p.unit if p.unit is not None else (abs(p.nominal) or 1.0)
        assert unit > 0, name
        if p.nominal == 0.0 and not name.endswith("_log") and name != "backlash_scale":
            assert p.unit is not None and p.unit < p.hard_limits[1], name  # the paper's value, inside the limits
    assert params["obs_fingertip_misplaced_std_m"].unit == noise.FINGERTIP_MARKER_MISPLACEMENT_STD_M


def test_state_dict_round_trip_through_torch_save():
    adr = make_adr()
    feed(adr, 1, 25.0, 8)
    feed(adr, 2, 30.0, 8)
    feed(adr, 0, 30.0, 5)  # partly filled queue
    buf = io.BytesIO()
    torch.save(adr.state_dict(), buf)
    buf.seek(0)
    state = torch.load(buf)  # weights_only default: plain tensors, lists and numbers only
    fresh = make_adr(seed=123)
    fresh.load_state_dict(state)
    for k in ("low", "high", "queue", "fill", "version"):
        assert torch.equal(getattr(fresh, k), getattr(adr, k)), k
    # and they keep evolving identically
    feed(adr, 0, 30.0, 3)
    feed(fresh, 0, 30.0, 3)
    assert torch.equal(fresh.low, adr.low) and float(adr.low[0]) == pytest.approx(0.98)
    with pytest.raises(KeyError):
        make_adr(params={"other": ADRParamCfg(nominal=0.0)}).load_state_dict(state)


def test_load_clamps_into_current_limits():
    adr = make_adr()
    state = adr.state_dict()
    state["high"] = torch.tensor([5.0, 5.0], dtype=torch.float64)
    adr.load_state_dict(state)
    assert adr.high.tolist() == pytest.approx([1.06, 2.0])


def test_reproducible_sampling():
    a, b = make_adr(seed=7), make_adr(seed=7)
    a.low[:] = b.low[:] = 0.9
    assert torch.equal(a.resample(), b.resample())


def _reversed_names_state(adr):
    """``adr``'s state as a checkpoint of the same parameters in the opposite order."""
    state = adr.state_dict()
    flip = torch.arange(len(adr.names) - 1, -1, -1)
    for k in ("low", "high", "queue", "fill", "version"):
        state[k] = state[k][flip]
    state["names"] = state["names"][::-1]
    rows = state["pending"].clone()
    b = rows[:, 0].long()
    rows[:, 0] = torch.where(b >= 0, 2 * (len(adr.names) - 1 - b // 2) + b % 2, b).double()
    state["pending"] = rows
    return state


def test_staged_rows_saved_in_a_checkpoint_are_applied_after_loading_on_the_adrs_device():
    """Staged results at save time (a multi-rank run between two syncs) come back re-indexed by name, and
    loading builds nothing on a device other than the ADR's (the remap table used to be made on the CPU and
    indexed with rows that runner.load(map_location="cuda") had put on the GPU)."""
    from tests.helpers.hostsync import StepPathAudit

    adr = make_adr(world_size=2)  # 2 ranks: results stay staged until sync()
    assert feed(adr, 3, 30.0, 4) == 4 and adr.num_pending > 0  # friction high: this rank's 4 tickets of 8
    state = _reversed_names_state(adr)
    fresh = make_adr(seed=5, world_size=2)
    with StepPathAudit() as audit:
        fresh.load_state_dict(state)
    assert not audit.no_device, audit.no_device
    fresh.sync()  # no process group: applies the re-staged rows
    assert int(fresh.fill[1, 1]) == 4 and int(fresh.fill.sum()) == 4  # friction's high side, as saved


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_checkpoint_loaded_onto_cuda_with_staged_rows():
    adr = make_adr(world_size=2)
    feed(adr, 3, 30.0, 4)
    state = {k: v.cuda() if torch.is_tensor(v) else v for k, v in _reversed_names_state(adr).items()}
    fresh = ADR(adr.cfg, 64, "cuda", None, world_size=2)
    fresh.load_state_dict(state)
    fresh.sync()
    assert int(fresh.fill[1, 1]) == 4


def test_a_cohort_is_chosen_when_episodes_start():
    """With far more envs wanting a boundary than its cohort, only queue_length of them evaluate it per bound
    value; the results of the rest never enter the queue, and the decision waits for the whole cohort."""
    adr = make_adr(n=512, boundary_fraction=1.0, queue_length=8)
    adr.resample()
    counts = torch.bincount(adr.env_boundary[adr.env_boundary >= 0], minlength=4)
    assert counts.tolist() == [8, 8, 8, 8] and int(adr.issued.sum()) == 32
    cohort = (adr.env_boundary == 1).nonzero().flatten()
    adr.update(cohort[:7], torch.full((7,), 30.0))  # the first 7 to finish: no decision yet
    assert float(adr.high[0]) == 1.0 and int(adr.fill[0, 1]) == 7
    adr.update(cohort[7:], torch.full((1,), 30.0))
    assert float(adr.high[0]) == pytest.approx(1.02) and float(adr.decision_mean[0, 1]) == 30.0
    assert int(adr.issued[0, 1]) == 0  # a new cohort at the new bound
    adr.resample((adr.env_boundary < 0).nonzero().flatten())  # the next 8 tickets go to envs that start now
    assert int((adr.env_boundary == 1).sum()) == 8


def test_an_env_resampled_before_reporting_returns_its_ticket():
    adr = make_adr(n=64, boundary_fraction=1.0, queue_length=8)
    adr.resample()
    assert int(adr.issued.sum()) == 32
    adr.resample()  # nobody reported: the tickets come back and are issued again
    assert int(adr.issued.sum()) == 32 and int((adr.env_boundary >= 0).sum()) == 32
