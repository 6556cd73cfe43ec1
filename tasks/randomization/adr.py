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
* At episode end :meth:`ADR.update` (``env_ids``, performance = consecutive successes) appends the
  performance of each evaluating env to its boundary's queue (length ``queue_length``). When a queue
  is full: mean >= ``threshold_high`` widens that bound by the step, mean <= ``threshold_low`` narrows it
  (never inside nominal, never past the hard limits); the queue is then cleared.
* A result is dropped if its boundary has moved since the env started its episode (a per-boundary
  version counter), so a queue only ever holds episodes played at its current bound value.

Call order on a reset of ``env_ids``: ``adr.update(env_ids, perf)`` for the finished episodes, then
``adr.resample(env_ids)``, then read values with :meth:`ADR.get` (or :mod:`.mapping`).

Multi-process (torch.distributed) design: every rank runs its own envs and its own ADR object built from
the same cfg (seed each rank's generator differently so their env samples differ). When a process group
with more than one rank is initialized, :meth:`update` only *stages* results locally; :meth:`sync` must
then be called collectively by all ranks (e.g. once per rollout/iteration, or every env step: ranks step
in lockstep). It all-gathers every rank's staged results, concatenates them in rank order, and each rank
applies that identical sequence to its identical state, so bounds, queues and versions stay bit-identical
on every rank. Without a process group, :meth:`update` applies results immediately. :meth:`broadcast_`
copies rank ``src``'s state to all ranks (e.g. after loading a checkpoint on rank 0 only).
"""

from __future__ import annotations

import math

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
    """m: episodes per boundary before a decision (DeXtreme: 256)."""
    threshold_high: float = 20.0
    """t_H: widen when the queue mean is >= this (consecutive successes)."""
    threshold_low: float = 10.0
    """t_L: narrow when the queue mean is <= this (DeXtreme: 5)."""


def _distributed_world_size(group=None) -> int:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size(group)
    return 1


class ADR:
    """Batched ADR over ``num_envs`` environments (see the module docstring).

    Tensors: ``low``/``high``/``nominal``/``hard_low``/``hard_high``/``step`` [P] float64;
    ``queue`` [P, 2, m] float64 (side 0 = low bound, 1 = high bound); ``fill`` and ``version`` [P, 2] long;
    ``values`` [N, P] float32 (this episode's per-env values); ``env_boundary`` [N] long
    (-1 = sampling all, else ``2 * param + side``).
    """

    def __init__(self, cfg: ADRCfg, num_envs: int, device="cpu", generator: torch.Generator | None = None):
        self.cfg, self.num_envs, self.device, self.generator = cfg, num_envs, torch.device(device), generator
        self.names: tuple[str, ...] = tuple(cfg.params.keys())
        P, m, f64 = len(self.names), int(cfg.queue_length), torch.float64
        ps = [cfg.params[n] for n in self.names]

        def t(xs, dtype=f64):
            return torch.tensor(xs, dtype=dtype, device=self.device)

        self.nominal = t([p.nominal for p in ps])
        self.hard_low = t([p.hard_limits[0] for p in ps])
        self.hard_high = t([p.hard_limits[1] for p in ps])
        self.step = t([cfg.step if p.step is None else p.step for p in ps])
        if P and bool(((self.hard_low > self.nominal) | (self.hard_high < self.nominal)).any()):
            raise ValueError("every ADR nominal value must lie within its hard limits")
        self.low, self.high = self.nominal.clone(), self.nominal.clone()
        self.queue = torch.zeros((P, 2, m), dtype=f64, device=self.device)
        self.fill = torch.zeros((P, 2), dtype=torch.long, device=self.device)
        self.version = torch.zeros((P, 2), dtype=torch.long, device=self.device)
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
            b = torch.where(evaluate, choice, b)
            bc = b.clamp(min=0)
            pinned = torch.stack((self.low, self.high), -1).flatten()[bc]  # [n]
            pin_mask = (torch.arange(P, device=self.device) == (bc // 2).unsqueeze(1)) & (b >= 0).unsqueeze(1)
            vals = torch.where(pin_mask, pinned.unsqueeze(1), vals)
            self.env_version[ids] = self.version.flatten()[bc]
        self.env_boundary[ids] = b
        self.values[ids] = vals.to(torch.float32)
        return self.values[ids]

    # ------------------------------------------------------------------ performance and bound updates
    def update(self, env_ids, performance) -> None:
        """Record the finished episodes of ``env_ids`` (performance aligned with env_ids, e.g. consecutive
        successes). Applied at once without a process group; staged until :meth:`sync` with one."""
        if not self.enabled or not self.names:
            return
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        perf = torch.as_tensor(performance, device=self.device).to(torch.float64).reshape(-1).expand(ids.numel())
        b = self.env_boundary[ids]
        sel = b >= 0
        entries = torch.stack((b[sel].double(), self.env_version[ids][sel].double(), perf[sel]), -1)
        self.env_boundary[ids] = -1  # each episode counts once
        self._pending.append(entries)
        if _distributed_world_size() == 1:
            self._apply(self._take_pending())

    @property
    def num_pending(self) -> int:
        """Results staged locally and not yet applied (only non-zero in multi-process runs)."""
        return sum(int(e.shape[0]) for e in self._pending)

    def _take_pending(self) -> torch.Tensor:
        rows = torch.cat(self._pending) if self._pending else torch.zeros((0, 3), dtype=torch.float64)
        self._pending = []
        return rows.to(self.device)

    def sync(self, process_group=None) -> None:
        """Apply staged results; with an initialized process group, all-gather every rank's staged results
        first (collective: every rank must call it) so that all ranks make the same update."""
        rows = self._take_pending()
        if _distributed_world_size(process_group) > 1:
            rows = _all_gather_rows(rows, process_group).to(self.device)
        self._apply(rows)

    def _apply(self, rows: torch.Tensor) -> None:
        if rows.shape[0] == 0:
            return
        nb, m = 2 * len(self.names), self.queue.shape[-1]
        b, ver, perf = rows[:, 0].long(), rows[:, 1].long(), rows[:, 2]
        fresh = ver == self.version.flatten()[b]
        b, perf = b[fresh], perf[fresh]
        queue, fill = self.queue.view(nb, m), self.fill.view(nb)
        while b.numel() > 0:  # one round per queue overflow, not per env
            order = torch.sort(b, stable=True).indices
            b, perf = b[order], perf[order]
            counts = torch.bincount(b, minlength=nb)
            rank = torch.arange(b.numel(), device=self.device) - (torch.cumsum(counts, 0) - counts)[b]
            pos = fill[b] + rank
            fits = pos < m
            queue[b[fits], pos[fits]] = perf[fits]
            fill += torch.bincount(b[fits], minlength=nb)
            moved = self._evaluate_full_queues()
            b, perf = b[~fits], perf[~fits]
            keep = ~moved.flatten()[b]  # results for a bound that just moved are stale
            b, perf = b[keep], perf[keep]

    def _evaluate_full_queues(self) -> torch.Tensor:
        """Widen / narrow the bounds whose queue is full, clear those queues; returns moved [P, 2]."""
        full = self.fill >= self.queue.shape[-1]
        mean = self.queue.mean(-1)
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
        self.fill[full] = 0
        self.queue[full] = 0.0
        return moved

    # ------------------------------------------------------------------ reporting
    def entropy(self) -> torch.Tensor:
        """ADR entropy in nats per dimension as OpenAI define it (arXiv 1910.07113, sec. 5.2): the entropy of the
        uniform distribution over the d parameters' ranges divided by d, ``(1/d) sum_i log(high_i - low_i)`` over
        ALL d parameters. A parameter still at its nominal value (zero width) has a point mass: the entropy is
        then -inf (see :meth:`entropy_widened` for a finite curve); 0 without parameters."""
        if not self.names:
            return torch.zeros((), dtype=torch.float64, device=self.device)
        return torch.log(self.high - self.low).mean()

    def entropy_widened(self) -> torch.Tensor:
        """Mean of log(high - low) over the parameters with width > 0 only (0 if none): finite while some
        parameters are still at their nominal value (not the paper's definition: see :meth:`entropy`)."""
        width = self.high - self.low
        pos = width > 0
        logs = torch.where(pos, torch.log(torch.where(pos, width, torch.ones_like(width))), torch.zeros_like(width))
        return logs.sum() / pos.sum().clamp(min=1)

    def log_dict(self, prefix: str = "ADR") -> dict[str, float]:
        """Scalars for TensorBoard: ``ADR/<param>/low``, ``ADR/<param>/high``, ``ADR/entropy_npd``, ..."""
        low, high = self.low.tolist(), self.high.tolist()
        out = {}
        for i, name in enumerate(self.names):
            out[f"{prefix}/{name}/low"] = low[i]
            out[f"{prefix}/{name}/high"] = high[i]
        out[f"{prefix}/entropy_npd"] = float(self.entropy())
        out[f"{prefix}/entropy_npd_widened"] = float(self.entropy_widened())
        out[f"{prefix}/widened_fraction"] = float((self.high > self.low).double().mean()) if self.names else 0.0
        evaluating = (self.env_boundary >= 0).double()
        out[f"{prefix}/boundary_env_fraction"] = float(evaluating.mean()) if self.num_envs else 0.0
        return out

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
        """Restore by parameter name. Nominal, hard limits and steps stay those of the current cfg (loaded
        bounds are clamped into them); ``strict`` requires the same set of names and the same queue length."""
        names = list(state["names"])
        if strict and set(names) != set(self.names):
            raise KeyError(f"ADR parameters differ: checkpoint {names}, current {list(self.names)}")
        if strict and state["queue"].shape[-1] != self.queue.shape[-1]:
            raise ValueError("ADR queue length differs from the checkpoint")
        src = torch.tensor([names.index(n) for n in self.names if n in names], dtype=torch.long)
        dst = torch.tensor([i for i, n in enumerate(self.names) if n in names], dtype=torch.long, device=self.device)
        if dst.numel() == 0:
            return
        get = lambda k: state[k][src].to(self.device)  # noqa: E731
        self.low[dst] = torch.minimum(torch.maximum(get("low").double(), self.hard_low[dst]), self.nominal[dst])
        self.high[dst] = torch.maximum(torch.minimum(get("high").double(), self.hard_high[dst]), self.nominal[dst])
        self.version[dst] = get("version").long()
        m = min(self.queue.shape[-1], state["queue"].shape[-1])
        self.queue[dst] = 0.0
        self.queue[dst, :, :m] = get("queue")[..., :m].double()
        self.fill[dst] = get("fill").long().clamp(max=m)
        pending = state.get("pending")
        if pending is not None and pending.shape[0] and _distributed_rank() == 0:
            # every rank loads the same checkpoint: only rank 0 re-stages its results, or sync would repeat them
            # staged rows refer to the checkpoint's parameter order: re-index them, drop unknown ones
            remap = torch.full((2 * len(names),), -1, dtype=torch.long)
            for i, n in enumerate(self.names):
                if n in names:
                    j = names.index(n)
                    remap[2 * j : 2 * j + 2] = torch.tensor([2 * i, 2 * i + 1])
            rows = pending.double().clone()
            nb = remap[rows[:, 0].long()]
            rows[:, 0] = nb.double()
            self._pending = [rows[nb >= 0].to(self.device)]

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
