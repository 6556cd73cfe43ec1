"""Automatic Domain Randomization (ADR), batched over environments, all state in tensors.

After OpenAI, "Solving Rubik's Cube with a Robot Hand" (arXiv 1910.07113, sec. 5) and DeXtreme
(arXiv 2210.13702, sec. 2.6).

* Each named scalar parameter has a nominal value, current bounds ``[low, high]`` (both start at the
  nominal value), hard limits and a step.
* On :meth:`ADR.resample` each env either samples every parameter uniformly in its bounds, or evaluates
  one *boundary*: one parameter pinned at its current low or high bound, the others sampled. An env
  evaluates with probability ``boundary_prob`` per episode (OpenAI's p_b = 0.5) or, when
  ``boundary_fraction`` is set, a fixed subset of that fraction of envs always does (DeXtreme's 40 %).
  Boundaries that cannot move (hard limit == nominal on that side) are never evaluated.
* **Cohorts** (unbiased decisions at any scale): a boundary's decision is the mean performance of a *cohort*
  of ``queue_length`` episodes chosen when they *start* (the first ``queue_length`` evaluation tickets issued
  at the bound's current value, split evenly over the ranks: ``ceil(queue_length / world_size)`` per rank),
  not of the first episodes to *finish*. With thousands of envs evaluating a boundary at once, a queue filled
  by the first finishers holds the shortest episodes (drops: low performance) and the bounds stall or narrow;
  a cohort chosen at start is independent of how its episodes end, so its mean estimates the true mean at
  that bound. An env that wants to evaluate while the cohort is complete samples every parameter instead.
* At episode end :meth:`ADR.update` (``env_ids``, performance = consecutive successes) adds the performance
  of each evaluating env to its boundary's queue. When the cohort is complete (the queue is full): mean >=
  ``threshold_high`` widens that bound by the step, mean <= ``threshold_low`` narrows it (never inside
  nominal, never past the hard limits); the queue is then cleared and a new cohort starts.
* A result is dropped if its boundary has moved since the env started its episode (a per-boundary
  version counter), so a queue only ever holds episodes played at its current bound value.
* No host synchronization: sampling, tickets, updates and decisions are tensor ops on the ADR's device
  (no ``.item()``, boolean-mask indexing or data-dependent loops); only :meth:`log_dict` and the collective
  :meth:`sync` read values on the host.

Call order on a reset of ``env_ids``: ``adr.update(env_ids, perf)`` for the finished episodes, then
``adr.resample(env_ids)``, then read values with :meth:`ADR.get` (or :mod:`.mapping`).

Multi-process (torch.distributed) design: every rank runs its own envs and its own ADR object built from
the same cfg (seed each rank's generator differently so their env samples differ). With more than one rank
(an initialized process group, or torchrun's ``WORLD_SIZE`` when the ADR is built), :meth:`update` only
*stages* results locally; :meth:`sync` must
then be called collectively by all ranks (e.g. once per rollout/iteration, or every env step: ranks step
in lockstep). It all-gathers every rank's staged results, concatenates them in rank order, and each rank
applies that identical sequence to its identical state, so bounds, queues and versions stay bit-identical
on every rank. Without a process group, :meth:`update` applies results immediately. :meth:`broadcast_`
copies rank ``src``'s state to all ranks (e.g. after loading a checkpoint on rank 0 only).
"""

from __future__ import annotations

import math
import os

import torch

from isaaclab.utils import configclass

from .distributions import resolve_env_ids


@configclass
class ADRParamCfg:
    """One ADR parameter (a scalar per env)."""

    nominal: float = 0.0
    """Value the bounds start at and never narrow past."""
    hard_limits: tuple[float, float] = (-math.inf, math.inf)
    """Bounds never widen past these (low, high)."""
    step: float | None = None
    """Widen / narrow step; ``None`` uses :attr:`ADRCfg.step`."""
    unit: float | None = None
    """The magnitude a range's width is measured in for the entropy (:mod:`.adr_report`); ``None``: the nominal's
    magnitude, or 1 for a nominal of 0."""


@configclass
class ADRCfg:
    """ADR settings; defaults are OpenAI's (arXiv 1910.07113)."""

    enabled: bool = True
    """When False every env gets the nominal values and :meth:`ADR.update` does nothing."""
    params: dict[str, ADRParamCfg] = {}
    """Parameters by name (order kept)."""
    step: float = 0.02
    """Default step of every parameter."""
    boundary_prob: float = 0.5
    """p_b: probability that an env evaluates a boundary in an episode."""
    boundary_fraction: float | None = None
    """If set (e.g. DeXtreme's 0.4), a fixed random subset of this fraction of envs always evaluates a
    boundary and ``boundary_prob`` is ignored."""
    queue_length: int = 240
    """m: episodes per boundary decision (DeXtreme: 256): one cohort, rounded up to a multiple of the number of
    ranks (each rank evaluates ``ceil(m / world_size)`` of them)."""
    threshold_high: float = 20.0
    """t_H: widen when the queue mean is >= this (consecutive successes)."""
    threshold_low: float = 10.0
    """t_L: narrow when the queue mean is <= this (DeXtreme: 5)."""


def _distributed_world_size(group=None) -> int:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(group)
    return 1


def _planned_world_size() -> int:
    """Ranks of the run: the process group's, else torchrun's ``WORLD_SIZE`` (envs are built before the RL
    library joins the ranks), else 1."""
    return max(_distributed_world_size(), int(os.getenv("WORLD_SIZE", "1")))


class ADR:
    """Batched ADR over ``num_envs`` environments (see the module docstring).

    Tensors: ``low``/``high``/``nominal``/``hard_low``/``hard_high``/``step``/``unit`` [P] float64;
    ``queue`` [P, 2, m] float64 (side 0 = low bound, 1 = high bound; m = the cohort size);
    ``fill`` and ``version`` [P, 2] long; ``issued`` [P, 2] long (this rank's tickets at the current version);
    ``values`` [N, P] float32 (this episode's per-env values); ``env_boundary`` [N] long
    (-1 = sampling all, else ``2 * param + side``).
    """

    def __init__(
        self,
        cfg: ADRCfg,
        num_envs: int,
        device="cpu",
        generator: torch.Generator | None = None,
        world_size: int | None = None,
    ):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.names: tuple[str, ...] = tuple(cfg.params.keys())
        self.world_size = _planned_world_size() if world_size is None else int(world_size)
        self.tickets_per_rank = math.ceil(int(cfg.queue_length) / self.world_size)
        P, m, f64 = len(self.names), self.tickets_per_rank * self.world_size, torch.float64
        ps = [cfg.params[n] for n in self.names]

        def t(xs, dtype=f64):
            return torch.tensor(xs, dtype=dtype, device=self.device)

        self.nominal = t([p.nominal for p in ps])
        self.hard_low = t([p.hard_limits[0] for p in ps])
        self.hard_high = t([p.hard_limits[1] for p in ps])
        self.step = t([cfg.step if p.step is None else p.step for p in ps])
        self.unit = t([(abs(p.nominal) or 1.0) if p.unit is None else p.unit for p in ps])
        if P and bool((self.unit <= 0).any()):
            raise ValueError("every ADR parameter's unit must be positive (the magnitude its width is measured in)")
        if P and bool(((self.hard_low > self.nominal) | (self.hard_high < self.nominal)).any()):
            raise ValueError("every ADR nominal value must lie within its hard limits")
        self.low, self.high = self.nominal.clone(), self.nominal.clone()
        self.queue = torch.zeros((P, 2, m), dtype=f64, device=self.device)
        self.fill = torch.zeros((P, 2), dtype=torch.long, device=self.device)
        self.version = torch.zeros((P, 2), dtype=torch.long, device=self.device)
        self.issued = torch.zeros((P, 2), dtype=torch.long, device=self.device)
        self.decision_mean = torch.full((P, 2), math.nan, dtype=f64, device=self.device)
        """Mean performance of each boundary's last complete cohort (NaN before its first)."""
        self.decisions = torch.zeros((P, 2), dtype=torch.long, device=self.device)
        """Complete cohorts so far per boundary (decisions, whether or not the bound moved)."""
        # a boundary can move only if its side has room between nominal and the hard limit
        self._boundary_weight = torch.stack((self.hard_low < self.nominal, self.hard_high > self.nominal), -1).flatten()
        self._any_boundary = bool(self._boundary_weight.any()) if P else False
        self._boundary_weight = self._boundary_weight.to(f64)
        self.values = self.nominal.to(torch.float32).expand(num_envs, P).clone()
        self.env_boundary = torch.full((num_envs,), -1, dtype=torch.long, device=self.device)
        self.env_version = torch.zeros((num_envs,), dtype=torch.long, device=self.device)
        self._dedicated = None
        if cfg.boundary_fraction is not None:
            k = int(round(cfg.boundary_fraction * num_envs))
            perm = torch.randperm(num_envs, device=self.device, generator=generator)
            self._dedicated = torch.zeros(num_envs, dtype=torch.bool, device=self.device)
            self._dedicated[perm[:k]] = True
        self._pending: list[torch.Tensor] = []

    # ------------------------------------------------------------------ sampling
    @property
    def enabled(self) -> bool:
        return bool(self.cfg.enabled)

    def index(self, name: str) -> int:
        """Column of parameter ``name`` in :attr:`values`."""
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(f"unknown ADR parameter {name!r}; known: {', '.join(self.names)}") from None

    def get(self, name: str, env_ids=None) -> torch.Tensor:
        """This episode's value of ``name`` for ``env_ids`` [n] float32."""
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        return self.values[ids, self.index(name)]

    def resample(self, env_ids=None) -> torch.Tensor:
        """Start new episodes for ``env_ids``: assign boundaries and sample values; returns values [n, P]."""
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        n, P = ids.numel(), len(self.names)
        if n == 0 or P == 0:
            return self.values[ids]
        if not self.enabled:
            self.values[ids] = self.nominal.to(torch.float32)
            self.env_boundary[ids] = -1
            return self.values[ids]
        u = torch.rand((n, P), dtype=torch.float64, device=self.device, generator=self.generator)
        vals = self.low + (self.high - self.low) * u
        b = torch.full((n,), -1, dtype=torch.long, device=self.device)
        if self._any_boundary:
            if self._dedicated is not None:
                evaluate = self._dedicated[ids]
            else:
                evaluate = torch.rand(n, device=self.device, generator=self.generator) < self.cfg.boundary_prob
            weights = self._boundary_weight.expand(n, 2 * P).contiguous()
            choice = torch.multinomial(weights, 1, generator=self.generator)[:, 0]
            self._return_tickets(ids)
            b = torch.where(evaluate & self._grant_tickets(choice, evaluate), choice, b)
            bc = b.clamp(min=0)
            pinned = torch.stack((self.low, self.high), -1).flatten()[bc]  # [n]
            pin_mask = (torch.arange(P, device=self.device) == (bc // 2).unsqueeze(1)) & (b >= 0).unsqueeze(1)
            vals = torch.where(pin_mask, pinned.unsqueeze(1), vals)
            self.env_version[ids] = self.version.flatten()[bc]
        self.env_boundary[ids] = b
        self.values[ids] = vals.to(torch.float32)
        return self.values[ids]

    def _return_tickets(self, ids: torch.Tensor) -> None:
        """Envs resampled before reporting their episode give back their ticket (if still for the current bound)."""
        held = self.env_boundary[ids]
        hc = held.clamp(min=0)
        current = (held >= 0) & (self.env_version[ids] == self.version.flatten()[hc])
        self.issued.view(-1).index_add_(0, hc, -current.long())
        self.env_boundary[ids] = -1

    def _grant_tickets(self, choice: torch.Tensor, wants: torch.Tensor) -> torch.Tensor:
        """Which of the envs that want to evaluate boundary ``choice`` [n] get one of its cohort's tickets
        (in env order, up to ``tickets_per_rank`` per bound value on this rank); counts the granted ones."""
        nb = self.issued.numel()
        one_hot = torch.nn.functional.one_hot(choice, nb) * wants.long().unsqueeze(1)  # [n, 2P]
        order = (one_hot.cumsum(0) * one_hot).sum(1) - 1  # position among this call's envs wanting `choice`
        granted = wants & (self.issued.flatten()[choice] + order < self.tickets_per_rank)
        self.issued.view(-1).add_((one_hot * granted.long().unsqueeze(1)).sum(0))
        return granted

    # ------------------------------------------------------------------ performance and bound updates
    def update(self, env_ids, performance) -> None:
        """Record the finished episodes of ``env_ids`` (performance aligned with env_ids, e.g. consecutive
        successes). Applied at once without a process group; staged until :meth:`sync` with one."""
        if not self.enabled or not self.names:
            return
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        perf = torch.as_tensor(performance, device=self.device).to(torch.float64).reshape(-1).expand(ids.numel())
        b = self.env_boundary[ids]
        # every reported env is staged (no boolean mask: no host sync); apply_staged ignores the others
        entries = torch.stack((b.double(), self.env_version[ids].double(), perf), -1)
        self.env_boundary[ids] = -1  # each episode counts once
        self._pending.append(entries)
        if max(self.world_size, _distributed_world_size()) == 1:
            self.apply_staged(self.take_staged())

    @property
    def num_pending(self) -> int:
        """Results staged locally and not yet applied (only non-zero in multi-process runs)."""
        return sum(int(e.shape[0]) for e in self._pending)

    def take_staged(self) -> torch.Tensor:
        """This rank's staged results [k, 3] (boundary or -1, version, performance), removed from the stage."""
        empty = torch.zeros((0, 3), dtype=torch.float64, device=self.device)
        rows = torch.cat(self._pending) if self._pending else empty
        self._pending = []
        return rows.to(self.device)

    def sync(self, process_group=None) -> int:
        """Apply staged results; with an initialized process group, all-gather every rank's staged results
        first (collective: every rank must call it) so that all ranks make the same update. Only the rows that
        can count are gathered (:meth:`countable_rows`: most resets evaluated no boundary). Returns the number of
        rows applied (every rank's, under a process group). Reads row counts on the host."""
        rows = self.countable_rows(self.take_staged())
        if _distributed_world_size(process_group) > 1:
            rows = _all_gather_rows(rows, process_group).to(self.device)
        self.apply_staged(rows)
        return int(rows.shape[0])

    def countable_rows(self, rows: torch.Tensor) -> torch.Tensor:
        """The staged rows [k, 3] that :meth:`apply_staged` would not ignore: a boundary's result at its current
        version (the versions are the same on every rank until the rows are applied). A boolean-mask selection:
        a host sync, for :meth:`sync` only."""
        b = rows[:, 0].long()
        fresh = (b >= 0) & (rows[:, 1].long() == self.version.flatten()[b.clamp(min=0)])
        return rows[fresh]

    def apply_staged(self, rows: torch.Tensor) -> None:
        """Add staged results [k, 3] (boundary or -1, version, performance) to their queues and decide on the
        complete cohorts. Tickets bound every queue to its cohort, so fresh results never overflow it; results
        of a moved bound (or of no boundary) are ignored. Tensor ops only (no host sync)."""
        if rows.shape[0] == 0:
            return
        nb, m = 2 * len(self.names), self.queue.shape[-1]
        b, ver, perf = rows[:, 0].long(), rows[:, 1].long(), rows[:, 2]
        bc = b.clamp(min=0)
        fresh = (b >= 0) & (ver == self.version.flatten()[bc])
        one_hot = torch.nn.functional.one_hot(bc, nb) * fresh.long().unsqueeze(1)  # [k, 2P]
        pos = self.fill.flatten()[bc] + (one_hot.cumsum(0) * one_hot).sum(1) - 1
        fits = fresh & (pos < m)  # only a checkpoint of a larger cohort overflows
        queue = self.queue.view(nb, m)
        queue.index_put_((bc, pos.clamp(0, m - 1)), torch.where(fits, perf, torch.zeros_like(perf)), accumulate=True)
        self.fill.view(-1).index_add_(0, bc, fits.long())
        self._evaluate_full_queues()

    def _evaluate_full_queues(self) -> torch.Tensor:
        """Widen / narrow the bounds whose queue is full, clear those queues; returns moved [P, 2]."""
        full = self.fill >= self.queue.shape[-1]
        mean = self.queue.mean(-1)
        self.decision_mean = torch.where(full, mean, self.decision_mean)
        self.decisions += full.long()
        widen = full & (mean >= self.cfg.threshold_high)
        narrow = full & (mean <= self.cfg.threshold_low)
        old_low, old_high = self.low.clone(), self.high.clone()
        low = torch.where(widen[:, 0], torch.maximum(self.low - self.step, self.hard_low), self.low)
        low = torch.where(narrow[:, 0], torch.minimum(low + self.step, self.nominal), low)
        high = torch.where(widen[:, 1], torch.minimum(self.high + self.step, self.hard_high), self.high)
        high = torch.where(narrow[:, 1], torch.maximum(high - self.step, self.nominal), high)
        self.low, self.high = low, high
        moved = torch.stack((low != old_low, high != old_high), -1)
        self.version += moved.long()
        self.issued = torch.where(full, torch.zeros_like(self.issued), self.issued)  # cohort done: a new one starts
        self.fill = torch.where(full, torch.zeros_like(self.fill), self.fill)
        self.queue = torch.where(full.unsqueeze(-1), torch.zeros_like(self.queue), self.queue)
        return moved

    # ------------------------------------------------------------------ reporting
    def log_dict(self, prefix: str = "ADR") -> dict[str, float]:
        """Scalars for TensorBoard (bounds, entropies in nats per dimension): :func:`.adr_report.log_dict`."""
        from .adr_report import log_dict

        return log_dict(self, prefix)

    # ------------------------------------------------------------------ checkpoints and ranks
    def state_dict(self) -> dict:
        """Global ADR state (bounds, queues, versions, staged results) on the CPU; per-env episode state is
        not saved: envs resample at their next reset."""
        cpu = {k: getattr(self, k).detach().cpu().clone() for k in ("low", "high", "queue", "fill", "version")}
        return {
            "names": list(self.names),
            **cpu,
            "nominal": self.nominal.cpu().clone(),
            "hard_low": self.hard_low.cpu().clone(),
            "hard_high": self.hard_high.cpu().clone(),
            "pending": torch.cat(self._pending).cpu() if self._pending else torch.zeros((0, 3), dtype=torch.float64),
        }

    def load_state_dict(self, state: dict, strict: bool = True) -> None:
        """Restore by parameter name, on this ADR's device whatever device the checkpoint's tensors were loaded
        onto (``map_location``). Nominal, hard limits and steps stay those of the current cfg (loaded bounds are
        clamped into them); ``strict`` requires the same set of names. A queue saved with another cohort size
        (another number of ranks) is cut or padded to this one's. The episodes holding the open cohorts' tickets
        were lost with the process: every rank issues new tickets for the rest of each cohort."""
        names = list(state["names"])
        if strict and set(names) != set(self.names):
            raise KeyError(f"ADR parameters differ: checkpoint {names}, current {list(self.names)}")
        state = {k: v.to(self.device) if torch.is_tensor(v) else v for k, v in state.items()}
        src = torch.tensor([names.index(n) for n in self.names if n in names], dtype=torch.long, device=self.device)
        dst = torch.tensor([i for i, n in enumerate(self.names) if n in names], dtype=torch.long, device=self.device)
        if dst.numel() == 0:
            return
        get = lambda k: state[k][src]  # noqa: E731
        self.low[dst] = torch.minimum(torch.maximum(get("low").double(), self.hard_low[dst]), self.nominal[dst])
        self.high[dst] = torch.maximum(torch.minimum(get("high").double(), self.hard_high[dst]), self.nominal[dst])
        self.version[dst] = get("version").long()
        m = min(self.queue.shape[-1], state["queue"].shape[-1])
        self.queue[dst] = 0.0
        self.queue[dst, :, :m] = get("queue")[..., :m].double()
        self.fill[dst] = get("fill").long().clamp(max=m)
        self.issued.zero_()
        pending = state.get("pending")
        if pending is not None and pending.shape[0] and _distributed_rank() == 0:
            # every rank loads the same checkpoint: only rank 0 re-stages its results, or sync would repeat them.
            # Staged rows refer to the checkpoint's parameter order: re-index them (unknown ones and rows of no
            # boundary map to -1, which apply_staged ignores); the table lives on the rows' device
            remap = torch.full((2 * len(names) + 1,), -1, dtype=torch.long, device=self.device)  # [-1] -> -1
            moved_to = torch.stack((2 * dst, 2 * dst + 1), -1).flatten()
            remap[torch.stack((2 * src, 2 * src + 1), -1).flatten()] = moved_to
            rows = pending.double().clone()
            rows[:, 0] = remap[rows[:, 0].long()].double()
            self._pending = [rows]

    def broadcast_(self, src: int = 0, process_group=None) -> None:
        """Copy rank ``src``'s bounds, queues and versions to every rank (collective)."""
        if _distributed_world_size(process_group) == 1:
            return
        import torch.distributed as dist

        dev = _comm_device(process_group, self.device)
        for name in ("low", "high", "queue", "fill", "version"):
            t = getattr(self, name).to(dev).contiguous()
            dist.broadcast(t, src=src, group=process_group)
            getattr(self, name).copy_(t.to(self.device))


def _distributed_rank(group=None) -> int:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(group)
    return 0


def _comm_device(group, fallback: torch.device) -> torch.device:
    import torch.distributed as dist

    backend = str(dist.get_backend(group)).lower()
    if "nccl" in backend and "gloo" not in backend:
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def _all_gather_rows(rows: torch.Tensor, group) -> torch.Tensor:
    """Concatenate every rank's ``rows`` [k_r, 3] in rank order (variable k_r, padded for the collective)."""
    import torch.distributed as dist

    dev = _comm_device(group, rows.device)
    world = dist.get_world_size(group)
    local = rows.to(dev, torch.float64).contiguous()
    n = torch.tensor([local.shape[0]], dtype=torch.long, device=dev)
    sizes = [torch.zeros_like(n) for _ in range(world)]
    dist.all_gather(sizes, n, group=group)
    sizes = [int(s) for s in sizes]
    k = max(sizes)
    if k == 0:
        return local[:0]
    padded = torch.zeros((k, 3), dtype=torch.float64, device=dev)
    padded[: local.shape[0]] = local
    bufs = [torch.empty_like(padded) for _ in range(world)]
    dist.all_gather(bufs, padded, group=group)
    return torch.cat([buf[:s] for buf, s in zip(bufs, sizes)])
