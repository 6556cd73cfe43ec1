"""rl-games (1.6.5) pieces of dactyl-lab training: checkpoint loading on a chosen device, and the multi-rank
behaviour every agent of ours has (continuous and discrete).

rl-games' ``torch_ext.load_checkpoint`` calls ``torch.load`` without ``map_location``, so a checkpoint saved on
``cuda:1`` cannot be loaded on a CPU-only machine or on a machine with one GPU. :func:`load_checkpoint` loads
onto the device we name and applies the library's own key fix (``_orig_mod.`` of a compiled model); the players of
:data:`PLAYERS` restore through it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rl_games.algos_torch import players

from . import distributed

COMPILED_PREFIX = "_orig_mod."


def load_checkpoint(path: str | Path, map_location: str) -> dict:
    """An rl-games checkpoint (``*.pth``) with every tensor on ``map_location`` (e.g. ``"cpu"``, ``"cuda:0"``)."""
    import torch

    state = torch.load(path, map_location=map_location, weights_only=False)
    if "model" in state:  # as rl-games' torch_ext.load_checkpoint: a compiled model's keys fit the plain model
        state["model"] = {key.removeprefix(COMPILED_PREFIX): value for key, value in state["model"].items()}
    return state


def restore_player(player, path: str | Path, map_location: str) -> None:
    """``player.restore(path)`` with the checkpoint loaded onto ``map_location`` (the model and its normalizer)."""
    player.set_weights(load_checkpoint(path, map_location))


# --------------------------------------------------------------------------------------------------- players
class MappedRestoreMixin:
    """A player whose ``restore`` loads the checkpoint onto the player's own device (a GPU-trained checkpoint
    plays on a CPU-only machine)."""

    def restore(self, fn):
        restore_player(self, fn, map_location=str(self.device))


class PpoPlayerContinuous(MappedRestoreMixin, players.PpoPlayerContinuous):
    """rl-games' continuous player, restoring onto its device."""


class PpoPlayerDiscrete(MappedRestoreMixin, players.PpoPlayerDiscrete):
    """rl-games' discrete player, restoring onto its device."""


PLAYERS = {"a2c_continuous": PpoPlayerContinuous, "a2c_discrete": PpoPlayerDiscrete}


def register_players(runner) -> None:
    """Make an rl-games ``Runner`` build :data:`PLAYERS` (restore onto the player's device)."""
    for name, player_class in PLAYERS.items():
        runner.player_factory.register_builder(name, lambda cls=player_class, **kwargs: cls(**kwargs))


# ------------------------------------------------------------------------------------------ multi-rank agents
@dataclass(frozen=True)
class RankSetup:
    """How one rank of a multi-rank rl-games run joins the others (what rl-games itself would get wrong)."""

    rank: distributed.Rank
    device: str


def take_over_ranks(config: dict) -> RankSetup | None:
    """For a multi-rank config (``multi_gpu`` and ``WORLD_SIZE > 1``): the rank and device this rank joins with,
    and the config changed so that rl-games' own ``A2CBase.__init__`` does not join (it calls
    ``init_process_group("nccl")`` and overwrites the device with ``cuda:LOCAL_RANK``: wrong on CPU ranks and
    with one visible GPU per rank, where the device is ``cuda:0``). ``None`` for a single-process run.

    The device is the config's: the env's device, chosen by :func:`~.distributed.device_for` (scripts/train.py)
    or by Isaac Lab's launcher for ``--distributed``."""
    rank = distributed.from_env()
    if not config.get("multi_gpu") or rank.world_size == 1:
        return None
    device = str(config.get("device") or config.get("device_name") or "cuda:0")
    config["multi_gpu"] = False  # joined by MultiRankMixin, rl-games' multi-rank paths switched on at epoch 1
    config["device"] = config["device_name"] = device
    if not rank.is_main:
        config["print_stats"], config["lr_schedule"] = False, None  # as rl-games does for rank > 0
    return RankSetup(rank, device)


class MultiRankMixin:
    """Multi-rank rl-games PPO (``A2CAgent`` or ``DiscreteA2CAgent``) on CPU ranks (gloo) and on GPUs (NCCL) with
    any visible-device layout, with the normalizers and the learning rate shared by the ranks.

    * The ranks join (:func:`~.distributed.join_process_group`) before rl-games' single-process init runs
      (:func:`take_over_ranks`); rl-games' multi-rank code (parameter broadcast, gradient all-reduce, KL average,
      learning-rate broadcast, exit broadcast) is switched on at the first epoch, after ``train()``'s preamble
      (which would call ``torch.cuda.set_device(LOCAL_RANK)``), and the parameters are broadcast from rank 0 then.
    * rl-games broadcasts the observation / value normalizers (``RunningMeanStd``, of the model and of the
      central value) once and never reduces them, so the ranks drift apart and only rank 0's are saved and
      exported: they are averaged over the ranks after every epoch (:func:`average_normalizers`).
    * rl-games resets each rank's learning rate to its own ``last_lr`` after every mini-batch, so with the
      adaptive schedule (rank 0 only) the ranks step with different rates: :meth:`update_lr` keeps rank 0's.
    """

    def __init__(self, base_name, params):
        setup = take_over_ranks(params["config"])
        if setup is not None:
            distributed.join_process_group(setup.rank, setup.device)
        super().__init__(base_name, params)
        self._rank_setup = setup
        if setup is not None:
            self.local_rank, self.global_rank = setup.rank.local_rank, setup.rank.rank
            self.world_size = setup.rank.world_size
            if not setup.rank.is_main and self.writer is not None:  # rank 0 alone logs, as in rl-games' own path
                self.writer.close()
                self.writer = None
        self._ranks_joined = setup is None

    def update_epoch(self):
        if not self._ranks_joined:
            self._join_ranks()
        return super().update_epoch()

    def _join_ranks(self) -> None:
        """rl-games' start-of-training broadcast, then its multi-rank code paths on."""
        import torch.distributed as dist

        states = [self.model.state_dict()]
        if self.has_central_value:
            states.append(self.central_value_net.state_dict())
        dist.broadcast_object_list(states, 0)
        self.model.load_state_dict(states[0])
        if self.has_central_value:
            self.central_value_net.load_state_dict(states[1])
            cv = self.central_value_net
            cv.multi_gpu, cv.local_rank, cv.global_rank, cv.world_size = (
                True,
                self.local_rank,
                self.global_rank,
                self.world_size,
            )
        self.multi_gpu = True
        self._ranks_joined = True

    def update_lr(self, lr):
        """rl-games broadcasts rank 0's learning rate into the optimizer, but ``train_actor_critic`` then resets
        it to the rank's own ``last_lr`` (an identity schedule on ranks > 0): keep the broadcast one."""
        super().update_lr(lr)
        self.last_lr = self.optimizer.param_groups[0]["lr"]

    def train_epoch(self):
        result = super().train_epoch()
        if self.multi_gpu and self.world_size > 1:
            average_normalizers(self.normalizers())
        return result

    def normalizers(self) -> list:
        """rl-games' ``RunningMeanStd`` modules (TorchScript-compiled, so found by their buffers)."""
        models = [self.model] + ([self.central_value_net.model] if self.has_central_value else [])
        stats = ("running_mean", "running_var", "count")
        return [m for model in models for m in model.modules() if all(hasattr(m, k) for k in stats)]


def average_normalizers(normalizers) -> None:
    """Average ``RunningMeanStd`` statistics over the ranks (collective): mean and E[x^2] averaged, so the
    variance is that of the ranks' pooled samples (equal counts per rank)."""
    import torch
    import torch.distributed as dist

    world = dist.get_world_size()
    for norm in normalizers:
        mean, var = norm.running_mean, norm.running_var
        packed = torch.cat((mean.double().flatten(), (var + mean**2).double().flatten()))
        dist.all_reduce(packed, op=dist.ReduceOp.SUM)
        packed /= world
        n = mean.numel()
        new_mean = packed[:n].view_as(mean)
        mean.copy_(new_mean.to(mean.dtype))
        var.copy_((packed[n:].view_as(var) - new_mean**2).clamp_min(0.0).to(var.dtype))
