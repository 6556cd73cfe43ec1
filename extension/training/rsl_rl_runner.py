"""RSL-RL's ``OnPolicyRunner`` (rsl-rl-lib 5.5.1) with what dactyl-lab training needs, as small overrides:

* **Multi-process on the CPU**: with ``WORLD_SIZE > 1`` and a CPU device, the ranks join a *gloo* process
  group (rsl_rl itself only knows NCCL and ``cuda:LOCAL_RANK``). Everything else is rsl_rl's own
  multi-process code, which works over gloo: parameters broadcast from rank 0 at start, gradients
  averaged every mini-batch, normalizer statistics and the adaptive learning rate shared; only rank 0
  logs and writes checkpoints. CUDA ranks keep rsl_rl's NCCL path unchanged.
* **Exact resume**: checkpoints hold actor and critic (with their observation normalizers), the Adam
  state, the iteration and, with ``presets=adr``, the ADR state (key ``adr_state``, through
  :func:`~dactyl_lab.tasks.randomization.attach_adr_checkpointing`). Loading continues with the iteration
  *after* the saved one (rsl_rl would run the saved one again).
* **Stop with a checkpoint**: SIGTERM (a scheduler, or torchrun stopping its workers) or Ctrl-C ends
  training after the current iteration and saves it; all ranks agree on the last iteration.
* **TensorBoard**: ``Metrics/consecutive_successes_max`` is the maximum over the iteration (rsl_rl
  averages every logged value over the iteration's steps). With ``presets=adr`` the task itself syncs
  ADR across ranks and puts its bounds and entropy (``ADR/*``) into the logged episode extras.

:func:`install` makes Isaac Lab's RSL-RL training entrypoint build this runner (an in-memory swap of
its runner factory; Isaac Lab's files are not touched).
"""

from __future__ import annotations

import os
import signal
from contextlib import contextmanager

import torch
import torch.distributed as dist
from rsl_rl.runners import OnPolicyRunner

from dactyl_lab.tasks.randomization import attach_adr_checkpointing

MAX_OVER_ITERATION = ("Metrics/consecutive_successes_max",)
"""Logged per reset as a maximum: reported as the maximum over the iteration, not the mean."""

RANK_WEIGHTS_DIR_ENV = "DACTYL_LAB_RANK_WEIGHTS_DIR"
"""If set, every rank writes its final actor / critic / optimizer state to ``<dir>/rank_<rank>.pt``
(to check that the ranks ended identical)."""


class StopTraining(Exception):
    """Raised at the end of an iteration once a stop was requested."""


class DactylOnPolicyRunner(OnPolicyRunner):
    def __init__(self, env, train_cfg: dict, log_dir: str | None = None, device: str = "cpu"):
        self._stop_requested = False
        super().__init__(env, train_cfg, log_dir=log_dir, device=device)
        attach_adr_checkpointing(self, env)  # no-op unless the task has ADR
        log_iteration = self.logger.log
        self.logger.log = lambda **kwargs: self._end_of_iteration(log_iteration, **kwargs)

    # -- multi-process ---------------------------------------------------------------------------------

    def _configure_multi_gpu(self) -> None:
        world_size = int(os.getenv("WORLD_SIZE", "1"))
        if world_size == 1 or str(self.device).startswith("cuda"):
            super()._configure_multi_gpu()
            return
        self.gpu_world_size = world_size
        self.is_distributed = True
        self.gpu_local_rank = int(os.getenv("LOCAL_RANK", "0"))
        self.gpu_global_rank = int(os.getenv("RANK", "0"))
        self.cfg["multi_gpu"] = {
            "global_rank": self.gpu_global_rank,
            "local_rank": self.gpu_local_rank,
            "world_size": self.gpu_world_size,
        }
        if not dist.is_initialized():
            dist.init_process_group(backend="gloo", rank=self.gpu_global_rank, world_size=self.gpu_world_size)

    # -- training loop hooks ---------------------------------------------------------------------------

    def learn(self, num_learning_iterations: int, init_at_random_ep_len: bool = False) -> None:
        if num_learning_iterations > 0:
            with self._stop_on_signals():
                try:
                    super().learn(num_learning_iterations, init_at_random_ep_len)
                except StopTraining:
                    print(f"[INFO] Stop requested: ending after iteration {self.current_learning_iteration}.")
                    if self.logger.writer is not None:
                        self.save(os.path.join(self.logger.log_dir, f"model_{self.current_learning_iteration}.pt"))
                        self.logger.stop_logging_writer()
        self._dump_rank_weights()

    def _end_of_iteration(self, log_iteration, **kwargs) -> None:
        extras = self.logger.ep_extras
        for key in MAX_OVER_ITERATION:
            values = [float(entry[key]) for entry in extras if key in entry]
            for entry in extras:
                if key in entry:
                    entry[key] = max(values)
        log_iteration(**kwargs)
        if self._stop_agreed():
            raise StopTraining

    def _stop_agreed(self) -> bool:
        stop = torch.tensor([float(self._stop_requested)], device=self.device)
        if self.is_distributed:
            dist.all_reduce(stop, op=dist.ReduceOp.MAX)
        return bool(stop.item())

    @contextmanager
    def _stop_on_signals(self):
        def request_stop(signum, frame):
            if self._stop_requested:  # asked twice: stop now
                signal.signal(signum, signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL)
                os.kill(os.getpid(), signum)
                return
            print(f"[INFO] {signal.Signals(signum).name}: stopping after this iteration (again to stop now).")
            self._stop_requested = True

        previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    # -- checkpoints -----------------------------------------------------------------------------------

    def load(self, path: str, load_cfg: dict | None = None, strict: bool = True, map_location: str | None = None):
        infos = super().load(path, load_cfg, strict, map_location)
        if load_cfg is None or load_cfg.get("iteration"):
            self.current_learning_iteration += 1  # the saved iteration is done: continue with the next one
        return infos

    def _dump_rank_weights(self) -> None:
        folder = os.getenv(RANK_WEIGHTS_DIR_ENV)
        if folder:
            os.makedirs(folder, exist_ok=True)
            torch.save(self.alg.save(), os.path.join(folder, f"rank_{self.gpu_global_rank}.pt"))


def build(env, agent_cfg, log_dir: str | None = None) -> DactylOnPolicyRunner:
    """The runner for an Isaac Lab RSL-RL runner config on ``agent_cfg.device`` (the config migrated to the
    installed rsl-rl first, as Isaac Lab's entrypoints do)."""
    from isaaclab.utils import to_dict
    from isaaclab_rl.rsl_rl import check_rsl_rl_version, handle_deprecated_rsl_rl_cfg

    agent_cfg = handle_deprecated_rsl_rl_cfg(agent_cfg, check_rsl_rl_version())
    return DactylOnPolicyRunner(env, to_dict(agent_cfg), log_dir=log_dir, device=agent_cfg.device)


def install() -> None:
    """Make Isaac Lab's RSL-RL training entrypoint build :class:`DactylOnPolicyRunner` for PPO runs."""
    from isaaclab.utils import to_dict
    from isaaclab_rl.entrypoints.backends import train_rsl_rl

    original = train_rsl_rl.create_rsl_rl_runner
    if getattr(original, "dactyl_lab", False):
        return

    def create_rsl_rl_runner(env, agent_cfg, log_dir: str | None = None):
        if agent_cfg.class_name != "OnPolicyRunner":
            return original(env, agent_cfg, log_dir=log_dir)
        return DactylOnPolicyRunner(env, to_dict(agent_cfg), log_dir=log_dir, device=agent_cfg.device)

    create_rsl_rl_runner.dactyl_lab = True
    train_rsl_rl.create_rsl_rl_runner = create_rsl_rl_runner
