"""RSL-RL's ``OnPolicyRunner`` (rsl-rl-lib 5.5.1) with what dactyl-lab training needs, as small overrides:

* **Multi-process on any device layout**: with ``WORLD_SIZE > 1`` the ranks join a process group on the
  runner's device, *gloo* on the CPU and NCCL on GPUs, also with one visible GPU per rank (rsl_rl itself only
  knows NCCL on ``cuda:LOCAL_RANK``). Everything else is rsl_rl's own multi-process code: parameters
  broadcast from rank 0 at start, gradients averaged every mini-batch, normalizer statistics and the adaptive
  learning rate shared; only rank 0 logs and writes checkpoints.
* **Kill-proof checkpoints** (:meth:`DactylOnPolicyRunner.save` overrides rsl_rl's): written atomically
  (:func:`~dactyl_lab.training.checkpoints.atomic_save`), and besides rsl_rl's periodic ``model_<it>.pt`` a
  rolling ``model_last.pt`` after every iteration, so a SIGKILL loses less than one iteration.
* **Exact resume** (:meth:`DactylOnPolicyRunner.load`): checkpoints hold actor and critic (with their
  observation normalizers), the Adam state, the iteration and, with ``presets=adr``, the ADR state (key
  ``adr_state``). Loading continues with the iteration *after* the saved one (rsl_rl would run it again).
* **Stop with a checkpoint**: SIGTERM (a scheduler, or torchrun stopping its workers) or Ctrl-C ends
  training after the current iteration and saves it; all ranks agree on the last iteration. An iteration still
  running at the stop deadline (:class:`~dactyl_lab.training.stopping.StopOnSignals`, 20 s: torchrun SIGKILLs
  30 s after its SIGTERM) is dropped, and training ends on the last complete one, which ``model_last.pt`` holds.
* **TensorBoard**: ``Metrics/consecutive_successes_max`` is the maximum over the iteration (rsl_rl
  averages every logged value over the iteration's steps). With ``presets=adr`` the task itself syncs
  ADR across ranks and puts its bounds and entropy (``ADR/*``) into the logged episode extras.

The end-of-iteration work runs in :class:`IterationLogger`, a subclass of rsl_rl's ``Logger`` whose ``log``
is called once per iteration on every rank. :func:`install` makes Isaac Lab's RSL-RL training entrypoint build
this runner: the one in-memory swap of Isaac Lab's runner factory ``train_rsl_rl.create_rsl_rl_runner``
(isaaclab_rl 3.0.0), because that factory only builds the class names ``OnPolicyRunner`` /
``DistillationRunner`` and offers no hook for a runner subclass. Isaac Lab's files are not touched.
"""

from __future__ import annotations

import os

import torch
from rsl_rl.runners import OnPolicyRunner
from rsl_rl.utils.logger import Logger

from dactyl_lab.tasks.randomization import ADR_CHECKPOINT_KEY, adr_of, adr_state_dict, load_adr_state_dict
from dactyl_lab.training import checkpoints, distributed, stopping

MAX_OVER_ITERATION = ("Metrics/consecutive_successes_max",)
"""Logged per reset as a maximum: reported as the maximum over the iteration, not the mean."""


class StopTraining(Exception):
    """Raised at the end of an iteration once a stop was requested."""


class IterationLogger(Logger):
    """rsl_rl's ``Logger`` that folds the per-iteration maxima before logging and then calls ``after_log(it)``
    (every rank calls ``log`` once per iteration, after the update)."""

    def __init__(self, *args, after_log=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.after_log = after_log

    def log(self, it: int, *args, **kwargs) -> None:
        fold_iteration_maxima(self.ep_extras)
        super().log(it, *args, **kwargs)
        if self.after_log is not None:
            self.after_log(it)


def fold_iteration_maxima(extras: list[dict]) -> None:
    """Replace every :data:`MAX_OVER_ITERATION` value by its maximum over the iteration (rsl_rl then averages it)."""
    for key in MAX_OVER_ITERATION:
        values = [float(entry[key]) for entry in extras if key in entry]
        for entry in extras:
            if key in entry:
                entry[key] = max(values)


class DactylOnPolicyRunner(OnPolicyRunner):
    def __init__(
        self,
        env,
        train_cfg: dict,
        log_dir: str | None = None,
        device: str = "cpu",
        stop_deadline_s: float | None = None,
    ):
        self._stop = stopping.StopOnSignals(stop_deadline_s)
        super().__init__(env, train_cfg, log_dir=log_dir, device=device)
        self._adr_env = env if adr_of(env) is not None else None
        self.logger = IterationLogger(
            log_dir=log_dir,
            cfg=self.cfg,
            env_cfg=self.env.cfg,
            num_envs=self.env.num_envs,
            is_distributed=self.is_distributed,
            gpu_world_size=self.gpu_world_size,
            gpu_global_rank=self.gpu_global_rank,
            device=self.device,
            after_log=self._end_of_iteration,
        )

    # -- multi-process ---------------------------------------------------------------------------------

    def _configure_multi_gpu(self) -> None:
        """rsl_rl's multi-process set-up for any device layout: rsl_rl requires the device ``cuda:LOCAL_RANK``,
        joins over NCCL and calls ``set_device(LOCAL_RANK)``, which fails on CPU ranks and with one visible GPU per
        rank (SLURM: the device is ``cuda:0``). Here the ranks join on the runner's device (the env's) over
        NCCL between GPUs, gloo between CPU processes; the rest is rsl_rl's own multi-process code."""
        rank = distributed.from_env()
        if rank.world_size == 1:
            super()._configure_multi_gpu()
            return
        self.gpu_world_size, self.gpu_local_rank, self.gpu_global_rank = rank.world_size, rank.local_rank, rank.rank
        self.is_distributed = True
        self.cfg["multi_gpu"] = {"global_rank": rank.rank, "local_rank": rank.local_rank, "world_size": rank.world_size}
        distributed.join_process_group(rank, str(self.device))

    # -- training loop hooks ---------------------------------------------------------------------------

    def learn(self, num_learning_iterations: int, init_at_random_ep_len: bool = False) -> None:
        if num_learning_iterations > 0:
            with self._stop:
                try:
                    super().learn(num_learning_iterations, init_at_random_ep_len)
                except StopTraining:
                    self._stop.disarm()  # stopping on our own now: the last save runs to its end
                    print(f"[INFO] Stop requested: ending after iteration {self.current_learning_iteration}.")
                    if self.logger.writer is not None:
                        self.save(os.path.join(self.logger.log_dir, f"model_{self.current_learning_iteration}.pt"))
                        self.logger.stop_logging_writer()
                except stopping.StopDeadline as reason:
                    print(
                        f"[INFO] Stop deadline: {reason}; it is dropped. Training ends on the last complete iteration, "
                        f"in {checkpoints.LAST_NAMES['rsl_rl']} (resume with --resume).",
                        flush=True,
                    )
                    if self.logger.writer is not None:
                        self.logger.stop_logging_writer()

    def _end_of_iteration(self, it: int) -> None:
        if self.logger.writer is not None:  # rank 0: the rolling checkpoint, so a kill loses < 1 iteration
            self.save(os.path.join(self.logger.log_dir, checkpoints.LAST_NAMES["rsl_rl"]))
        if stopping.stop_agreed(self._stop.requested, self.device, self.is_distributed):
            raise StopTraining

    # -- checkpoints -----------------------------------------------------------------------------------

    def save(self, path: str, infos: dict | None = None) -> None:
        """rsl_rl's checkpoint (``alg.save()``, ``iter``, ``infos``) plus the ADR state, written atomically."""
        saved = self.alg.save()
        saved["iter"] = self.current_learning_iteration
        saved["infos"] = infos
        if self._adr_env is not None:
            saved[ADR_CHECKPOINT_KEY] = adr_state_dict(self._adr_env)
        with self._stop.saving():  # a stop deadline waits for the write
            checkpoints.atomic_save(saved, path)
            if os.path.basename(path) != checkpoints.LAST_NAMES["rsl_rl"]:
                self.logger.save_model(path, self.current_learning_iteration)

    def load(self, path: str, load_cfg: dict | None = None, strict: bool = True, map_location: str | None = None):
        """rsl_rl's load, then the ADR state (if saved and the task has ADR); continues with the next iteration."""
        # onto this runner's device by default: a GPU-trained checkpoint plays and resumes on a CPU-only machine
        loaded = torch.load(path, weights_only=False, map_location=map_location or self.device)
        if self.alg.load(loaded, load_cfg, strict):
            self.current_learning_iteration = loaded["iter"] + 1  # the saved iteration is done
        if self._adr_env is not None and loaded.get(ADR_CHECKPOINT_KEY) is not None:
            load_adr_state_dict(self._adr_env, loaded[ADR_CHECKPOINT_KEY])
        return loaded["infos"]


def build(env, agent_cfg, log_dir: str | None = None) -> DactylOnPolicyRunner:
    """The runner for an Isaac Lab RSL-RL runner config on ``agent_cfg.device`` (the config migrated to the
    installed rsl-rl first, as Isaac Lab's entrypoints do)."""
    from isaaclab.utils import to_dict
    from isaaclab_rl.rsl_rl import check_rsl_rl_version, handle_deprecated_rsl_rl_cfg

    agent_cfg = handle_deprecated_rsl_rl_cfg(agent_cfg, check_rsl_rl_version())
    return DactylOnPolicyRunner(env, to_dict(agent_cfg), log_dir=log_dir, device=agent_cfg.device)


def install(entrypoint: str = "train", stop_deadline_s: float | None = None) -> None:
    """Make Isaac Lab's RSL-RL ``entrypoint`` (``train``, or ``play``: checkpoints load onto the play device) build
    :class:`DactylOnPolicyRunner` for PPO runs, with ``stop_deadline_s`` (default
    :data:`~dactyl_lab.training.stopping.STOP_DEADLINE_S`).

    The swap Isaac Lab forces (isaaclab_rl 3.0.0): its ``create_rsl_rl_runner`` builds only the class names
    ``OnPolicyRunner`` / ``DistillationRunner`` and takes no runner class, so our factory replaces it in memory
    (:func:`~dactyl_lab.training.entrypoint_hooks.route_rsl_rl_on_policy_runner`; other class names still go to
    Isaac Lab's)."""
    from isaaclab.utils import to_dict

    from dactyl_lab.training import entrypoint_hooks

    def build_runner(env, agent_cfg, log_dir: str | None) -> DactylOnPolicyRunner:
        cfg = to_dict(agent_cfg)
        return DactylOnPolicyRunner(env, cfg, log_dir=log_dir, device=agent_cfg.device, stop_deadline_s=stop_deadline_s)

    entrypoint_hooks.route_rsl_rl_on_policy_runner(build_runner, entrypoint)
