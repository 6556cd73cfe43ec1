"""MuJoCo-Warp's per-world overflow flags, read on the device at a logging interval and counted into the log.

MuJoCo-Warp ORs an :class:`mujoco_warp.OverflowType` bit into ``mjw_data.overflow`` (one int per world) whenever a
world needs more constraint rows than ``njmax`` (``nefc``), more contacts than the shared contact buffer
(``nconmax`` x worlds: broad or narrow phase), or overflows a CCD / EPA / island buffer; it also marks a world whose
solver stopped at its iteration cap. The bits stay set until cleared. Its in-kernel printf of all of these is off
(``opt.warn_overflow``, :func:`.events.silence_solver_iteration_warnings`: one switch for every such print, not
only the iteration one), so this term is what sees them: every ``interval_steps`` control steps it counts, per
kind, the worlds whose bit is set, clears the flags, and samples the constraint rows and contacts in use (after the
step's last physics step). Device work only, no host sync: the running counts are put into ``env.extras['log']``
every step as ``Physics/overflow_<kind>`` (worlds x intervals with an overflow, since the start) and
``Physics/solver_iteration_limit`` / ``Physics/linesearch_iteration_limit`` (the CG cap, not an overflow);
:meth:`track_solver_overflow.totals` reads them on the host (benches, the soak). Like every ``interval`` term it
costs one ``torch.rand(1)`` of Isaac Lab's interval timer per step on the CPU generator, so seeded CPU runs draw
other (equally distributed) values than before the term existed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import warp as wp

from isaaclab.managers import EventTermCfg, ManagerTermBase

from .newton_internals import mjwarp_solver

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedEnv

OVERFLOW_BITS: dict[str, int] = {
    "nefc": 1 << 0,  # constraint rows > njmax
    "njmax_nnz": 1 << 1,
    "broadphase": 1 << 2,  # candidate pairs > nconmax x worlds
    "narrowphase": 1 << 3,  # contacts > nconmax x worlds
    "ccd": 1 << 4,
    "hfield": 1 << 5,
    "contact_match": 1 << 6,
    "nvmax": 1 << 7,
    "epa_horizon": 1 << 8,
}
"""Overflow kinds (``mujoco_warp.OverflowType``, MuJoCo-Warp 3.12): a simulation result that dropped constraints
or contacts. Any of them fails the soak (``bench/soak.py``)."""

LIMIT_BITS: dict[str, int] = {"solver_iteration_limit": 1 << 9, "linesearch_iteration_limit": 1 << 10}
"""Iteration caps reached (``OverflowType.ITERATIONS`` / ``LS_ITERATIONS``): expected with CG at 20 iterations,
counted for the log only."""

USAGE_KEYS = (
    "peak_constraint_rows",
    "peak_contacts_per_world",
    "peak_contacts_mean_per_world",
    "peak_broadphase_pairs_mean_per_world",
)
"""Sampled use of the capacities: the most constraint rows (``nefc``, against ``njmax``) and contacts of one world,
the most contacts and broad-phase candidate pairs per world on average (both go into one shared buffer of
``nconmax`` x worlds)."""


class track_solver_overflow(ManagerTermBase):
    """``interval`` event firing every control step (``is_global_time``): every ``interval_steps`` steps count and
    clear MuJoCo-Warp's overflow flags (module docstring); every step the running counts into the log."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        names = (*OVERFLOW_BITS, *LIMIT_BITS)
        bits = [OVERFLOW_BITS.get(name, LIMIT_BITS.get(name)) for name in names]
        self.bits = torch.tensor(bits, dtype=torch.int32, device=env.device)
        self.counts = torch.zeros(len(names), dtype=torch.float32, device=env.device)
        """Per kind: worlds whose flag was set at a read (one count per world and interval)."""
        self.usage = torch.zeros(len(USAGE_KEYS), dtype=torch.float32, device=env.device)
        keys = [f"Physics/overflow_{n}" if n in OVERFLOW_BITS else f"Physics/{n}" for n in names]
        keys += [f"Physics/{key}" for key in USAGE_KEYS]
        self.log = dict(zip(keys, (*self.counts, *self.usage)))  # 0-d views: updated in place
        """What every step merges into ``env.extras['log']`` (device tensors, read by the trainer's logger)."""
        self.reads = 0

    def __call__(self, env: ManagerBasedEnv, env_ids: torch.Tensor | None, interval_steps: int = 16) -> None:
        if env.common_step_counter % max(1, int(interval_steps)) == 0:
            self.read()
        env.extras.setdefault("log", {}).update(self.log)

    def read(self) -> None:
        """Count the set flags per kind, clear them, sample the capacities' use (device ops only)."""
        solver = mjwarp_solver()
        data = getattr(solver, "mjw_data", None)
        if data is None:  # another backend, or MuJoCo on the CPU (no per-world flags)
            return
        self.reads += 1
        flags = wp.to_torch(data.overflow)  # (worlds,) view of the solver's flags
        self.counts += ((flags[:, None] & self.bits) != 0).sum(dim=0).to(self.counts.dtype)
        flags.zero_()
        self.usage.copy_(torch.maximum(self.usage, capacity_use(data).to(self.usage.device)))

    def totals(self) -> dict[str, int]:
        """The counts on the host (one sync), by kind: overflow kinds, then the iteration limits."""
        names = (*OVERFLOW_BITS, *LIMIT_BITS)
        return dict(zip(names, (int(v) for v in self.counts.tolist())))

    def peak_usage(self) -> dict[str, int | float]:
        """The sampled peaks of constraint rows and contacts on the host (one sync)."""
        values = self.usage.tolist()
        return {key: round(v, 3) if key.endswith("mean_per_world") else int(v) for key, v in zip(USAGE_KEYS, values)}

    def overflows(self) -> dict[str, int]:
        """The overflow kinds that occurred (host): empty when the simulation dropped no constraint or contact."""
        return {name: n for name, n in self.totals().items() if name in OVERFLOW_BITS and n}


def capacity_use(data) -> torch.Tensor:
    """(4,) float: the most constraint rows of one world, the most contacts of one world, contacts and broad-phase
    candidate pairs per world on average, in MuJoCo-Warp ``data`` now (its last physics step). Device ops only."""
    nefc = wp.to_torch(data.nefc)  # (worlds,)
    nacon = wp.to_torch(data.nacon)[:1]  # (1,): contacts in all worlds, may exceed the buffer on an overflow
    worldid = wp.to_torch(data.contact.worldid).long()  # (naconmax,), the first nacon valid
    valid = torch.arange(worldid.shape[0], device=worldid.device) < nacon
    per_world = torch.zeros(nefc.shape[0], dtype=torch.float32, device=nefc.device)
    per_world.index_add_(0, worldid.clamp(0, nefc.shape[0] - 1), valid.float())
    pairs = wp.to_torch(data.ncollision)[:1]  # (1,): broad-phase candidate pairs in all worlds
    mean = torch.cat((nacon, pairs)).float() / max(1, nefc.shape[0])
    return torch.cat((torch.stack((nefc.max().float(), per_world.max())), mean))
