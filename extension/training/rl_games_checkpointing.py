"""rl-games (1.6.5) agents with what RSL-RL runs have (:mod:`.rsl_rl_runner`): kill-proof checkpoints, the ADR
state in them, and a checkpoint on SIGTERM / Ctrl-C.

:class:`CheckpointingMixin` goes in front of an rl-games agent class (``A2CAgent``, ``DiscreteA2CAgent`` or a
subclass, e.g. a multi-process one) and overrides its public ``save`` / ``restore`` / ``update_epoch`` /
``train``:

* ``save(fn)`` writes ``fn + ".pth"`` atomically (:func:`~dactyl_lab.training.checkpoints.atomic_save`) with
  rl-games' full state plus, with ``presets=adr``, the ADR state (key ``adr_state``, as RSL-RL);
* ``restore(fn)`` loads it onto the agent's device (:func:`~.rl_games_agent.load_checkpoint`) and restores the ADR
  state;
* at the start of every epoch the finished epoch is saved to the rolling ``nn/last.pth`` (rank 0), so a SIGKILL
  loses less than one epoch; rl-games' own periodic ``last_<name>_ep_<n>_rew_<r>.pth`` files stay;
* SIGTERM / Ctrl-C end training after the current epoch with ``nn/last_<name>_ep_<n>_rew_stop.pth``
  (all ranks agree on the epoch); the same signal again stops at once. An epoch still running at the stop deadline
  (:class:`~dactyl_lab.training.stopping.StopOnSignals`, 20 s) is dropped: training ends on the last complete
  epoch, which ``nn/last.pth`` holds.

:func:`install` makes Isaac Lab's rl-games training entrypoint build :class:`CheckpointingA2CAgent` (and
:class:`CheckpointingDiscreteA2CAgent`) for ``a2c_continuous`` (``a2c_discrete``): the rl-games ``Runner`` keeps
its algorithm builders per instance and Isaac Lab creates it inside ``train_rl_games.run``, so the entrypoint's
``Runner`` name is swapped for a subclass that registers these builders (isaaclab_rl 3.0.0, rl-games 1.6.5), in
:mod:`dactyl_lab.training.entrypoint_hooks` (the one module that rebinds names of Isaac Lab's entrypoints).
"""

from __future__ import annotations

import os

from rl_games.algos_torch import a2c_continuous, a2c_discrete

from dactyl_lab.tasks.randomization import ADR_CHECKPOINT_KEY, adr_of, adr_state_dict, load_adr_state_dict
from dactyl_lab.training import checkpoints, stopping
from dactyl_lab.training.rl_games_agent import MultiRankMixin, load_checkpoint, register_players

ROLLING_STEM = "last"
"""``nn/last.pth``: :data:`~dactyl_lab.training.checkpoints.LAST_NAMES` ``["rl_games"]`` without ``.pth``."""


class StopTraining(Exception):
    """Raised at the start of an epoch once a stop was requested (the finished epoch is saved)."""


class CheckpointingMixin:
    """Kill-proof checkpoints with the ADR state and a stop on SIGTERM / Ctrl-C for an rl-games A2C agent.
    Put it first in the bases: ``class MyAgent(CheckpointingMixin, A2CAgent)``."""

    def __init__(self, *args, stop_deadline_s: float | None = None, **kwargs):
        self._stop = stopping.StopOnSignals(stop_deadline_s)
        super().__init__(*args, **kwargs)

    def _adr_env(self):
        vec_env = getattr(self, "vec_env", None)
        env = getattr(vec_env, "env", vec_env)  # Isaac Lab's RlGamesGpuEnv holds the RlGamesVecEnvWrapper
        return env if env is not None and adr_of(env) is not None else None

    def save(self, fn: str) -> None:
        state = self.get_full_state_weights()
        env = self._adr_env()
        if env is not None:
            state[ADR_CHECKPOINT_KEY] = adr_state_dict(env)
        with self._stop.saving():  # a stop deadline waits for the write
            checkpoints.atomic_save(state, fn + ".pth")

    def restore(self, fn: str, set_epoch: bool = True) -> None:
        state = load_checkpoint(fn, self.ppo_device)
        self.set_full_state_weights(state, set_epoch=set_epoch)
        env = self._adr_env()
        if env is not None and state.get(ADR_CHECKPOINT_KEY) is not None:
            load_adr_state_dict(env, state[ADR_CHECKPOINT_KEY])

    def update_epoch(self) -> int:
        finished = self.epoch_num
        if finished > getattr(self, "_rolling_epoch", finished) and self.global_rank == 0:
            self.save(os.path.join(self.nn_dir, ROLLING_STEM))
        self._rolling_epoch = finished
        if stopping.stop_agreed(self._stop.requested, self.device, self.multi_gpu):
            raise StopTraining
        return super().update_epoch()

    def train(self):
        self._rolling_epoch = self.epoch_num
        with self._stop:
            try:
                return super().train()
            except StopTraining:
                self._stop.disarm()  # stopping on our own now: the last save runs to its end
                print(f"[INFO] Stop requested: ending after epoch {self.epoch_num}.", flush=True)
                if self.global_rank == 0:
                    name = f"last_{self.config['name']}_ep_{self.epoch_num}_rew_stop"
                    self.save(os.path.join(self.nn_dir, name))
                return self.last_mean_rewards, self.epoch_num
            except stopping.StopDeadline as reason:
                print(
                    f"[INFO] Stop deadline: {reason}; epoch {self.epoch_num} is dropped. Training ends on the last "
                    f"complete epoch, in {checkpoints.LAST_NAMES['rl_games']} (resume with --resume).",
                    flush=True,
                )
                return self.last_mean_rewards, self.epoch_num


class CheckpointingA2CAgent(CheckpointingMixin, MultiRankMixin, a2c_continuous.A2CAgent):
    """rl-games' continuous PPO agent with :class:`CheckpointingMixin` and
    :class:`~.rl_games_agent.MultiRankMixin` (gloo or NCCL ranks, shared normalizers and learning rate)."""


class CheckpointingDiscreteA2CAgent(CheckpointingMixin, MultiRankMixin, a2c_discrete.DiscreteA2CAgent):
    """rl-games' discrete PPO agent (the paper's 11-bin head) with the same two mixins."""


AGENTS = {"a2c_continuous": CheckpointingA2CAgent, "a2c_discrete": CheckpointingDiscreteA2CAgent}


def register(runner, stop_deadline_s: float | None = None) -> None:
    """Make an rl-games ``Runner`` build the checkpointing agents for ``a2c_continuous`` / ``a2c_discrete`` (with
    ``stop_deadline_s``), and players that restore onto their device."""
    for name, agent_class in AGENTS.items():
        runner.algo_factory.register_builder(
            name, lambda cls=agent_class, **kwargs: cls(stop_deadline_s=stop_deadline_s, **kwargs)
        )
    register_players(runner)


def install(entrypoint: str = "train", stop_deadline_s: float | None = None) -> None:
    """Make Isaac Lab's rl-games ``entrypoint`` (``train``, or ``play``: players restore onto their device) use
    :func:`register` on the Runner it creates (:func:`~dactyl_lab.training.entrypoint_hooks.on_rl_games_runner`)."""
    from dactyl_lab.training import entrypoint_hooks

    entrypoint_hooks.on_rl_games_runner(lambda runner: register(runner, stop_deadline_s), entrypoint)
