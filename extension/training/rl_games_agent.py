"""rl-games (1.6.5) pieces of dactyl-lab training: checkpoint loading on a chosen device.

rl-games' ``torch_ext.load_checkpoint`` calls ``torch.load`` without ``map_location``, so a checkpoint saved on
``cuda:1`` cannot be loaded on a CPU-only machine or on a machine with one GPU. :func:`load_checkpoint` loads
onto the device we name and applies the library's own key fix (``_orig_mod.`` of a compiled model).
"""

from __future__ import annotations

from pathlib import Path

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


# --------------------------------------------------------------------------------------------- multi-rank agent
def dactyl_a2c_agent_class():
    from rl_games.algos_torch.a2c_continuous import A2CAgent

    class DactylA2CAgent(A2CAgent):
        """rl-games' continuous PPO agent, multi-rank on the CPU too, with the normalizers shared by the ranks.

        * rl-games 1.6.5 joins the ranks with ``init_process_group("nccl")`` and ``cuda:LOCAL_RANK`` in
          ``A2CBase.__init__``. On the CPU (``multi_gpu`` with device ``cpu``) this agent joins them over gloo
          instead and runs the library's single-process init; its multi-rank code (parameter broadcast, gradient
          all-reduce, KL average, learning-rate broadcast, exit broadcast) is switched on at the first epoch, after
          ``train()``'s CUDA-only preamble, and the parameters are broadcast from rank 0 then.
        * The library broadcasts the observation / value normalizers (``RunningMeanStd``, of the model and of the
          central value) once and never reduces them, so the ranks drift apart and only rank 0's are saved and
          exported: this agent averages them over the ranks after every epoch (mean and E[x^2] averaged, equal
          counts: every rank steps the same number of envs), on CUDA too.
        * rl-games resets each rank's learning rate to its own ``last_lr`` after every mini-batch, so with the
          adaptive schedule (rank 0 only) the ranks step with different rates and their weights drift apart:
          :meth:`update_lr` keeps rank 0's broadcast rate.
        """

        def __init__(self, base_name, params):
            import torch.distributed as dist

            from . import distributed

            config = params["config"]
            self._gloo_ranks = bool(config.get("multi_gpu")) and str(config.get("device", "")).startswith("cpu")
            rank = distributed.from_env()
            if self._gloo_ranks:
                config["multi_gpu"] = False  # the library's own multi-GPU init is CUDA-only: joined below instead
                if rank.rank != 0:
                    config["print_stats"], config["lr_schedule"] = False, None  # as rl-games does for rank > 0
                if not dist.is_initialized():
                    dist.init_process_group("gloo", rank=rank.rank, world_size=rank.world_size)
            super().__init__(base_name, params)
            if self._gloo_ranks:
                self.local_rank, self.global_rank, self.world_size = rank.local_rank, rank.rank, rank.world_size
                if rank.rank != 0 and self.writer is not None:  # rank 0 alone logs, as in rl-games' own path
                    self.writer.close()
                    self.writer = None
            self._ranks_joined = not self._gloo_ranks

        def update_epoch(self):
            if not self._ranks_joined:
                self._join_ranks()
            return super().update_epoch()

        def _join_ranks(self) -> None:
            """rl-games' start-of-training broadcast, then its multi-rank code paths on (CPU ranks)."""
            import torch.distributed as dist

            states = [self.model.state_dict()]
            if self.has_central_value:
                states.append(self.central_value_net.state_dict())
            dist.broadcast_object_list(states, 0)
            self.model.load_state_dict(states[0])
            if self.has_central_value:
                self.central_value_net.load_state_dict(states[1])
                cv = self.central_value_net
                cv.multi_gpu, cv.local_rank, cv.global_rank, cv.world_size = True, *self._rank_triple()
            self.multi_gpu = True
            self._ranks_joined = True

        def _rank_triple(self) -> tuple[int, int, int]:
            return self.local_rank, self.global_rank, self.world_size

        def update_lr(self, lr):
            """rl-games broadcasts rank 0's learning rate into the optimizer, but ``train_actor_critic`` then resets
            it to the rank's own ``last_lr`` (an identity schedule on ranks > 0): keep the broadcast one."""
            super().update_lr(lr)
            self.last_lr = self.optimizer.param_groups[0]["lr"]

        def train_epoch(self):
            result = super().train_epoch()
            if self.multi_gpu and self.world_size > 1:
                average_normalizers(self._normalizers())
            return result

        def _normalizers(self) -> list:
            """rl-games' ``RunningMeanStd`` modules (TorchScript-compiled, so found by their buffers)."""
            models = [self.model] + ([self.central_value_net.model] if self.has_central_value else [])
            stats = ("running_mean", "running_var", "count")
            return [m for model in models for m in model.modules() if all(hasattr(m, k) for k in stats)]

        def restore(self, fn, set_epoch=True):
            """rl-games' restore with the checkpoint loaded onto this agent's device (see load_checkpoint)."""
            self.set_full_state_weights(load_checkpoint(fn, self.ppo_device), set_epoch=set_epoch)

        def train(self):
            result = super().train()
            self._dump_rank_weights()
            return result

        def _dump_rank_weights(self) -> None:
            import os

            import torch

            from .rsl_rl_runner import RANK_WEIGHTS_DIR_ENV

            folder = os.getenv(RANK_WEIGHTS_DIR_ENV)
            if folder:
                os.makedirs(folder, exist_ok=True)
                state = {"model": self.model.state_dict()}
                if self.has_central_value:
                    state["central_value"] = self.central_value_net.state_dict()
                torch.save(state, os.path.join(folder, f"rank_{self.global_rank}.pt"))

    return DactylA2CAgent


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
