"""Dactyl's start states (arXiv 1808.00177, App. C.1) from a bank of settled states.

The paper starts every episode by placing the cube on the palm in a random orientation and running 100 steps of
random actions, discarding starts in which the cube drops. Doing that per reset would step every env 100 times
whenever one env resets (Newton steps all worlds together). Instead :class:`reset_from_start_state_bank`, a
``reset`` event term, fills a bank of such settled states once, on the env's first reset (all envs at once):
each round places the cube and the hand (Isaac Lab's ``reset_root_state_with_random_orientation`` and
``reset_reorient_hand``), then steps the whole vectorised env ``random_action_steps`` control steps with
uniform random actions in [-1, 1] through the task's own action term (so the action law, smoothing and the
action randomizations of the preset apply), and keeps the envs whose cube never went farther than
``keep_max_distance_m`` from its home (the task's drop distance). By default (``bank_size=None``) the bank is the
starts that survive the first round that keeps any (measured: 26 of 64 at 100 steps; with one or two envs a round
can lose them all, so rounds repeat); with a ``bank_size`` rounds repeat until that many states are kept (at most
``max_rounds``, 32 by default). Isaac Lab's dexsuite ``conditional_reset`` (a reset-state buffer filled by
rejection sampling on the first reset) is the precedent.

Every later reset draws a bank row per env (uniform, with replacement, on ``env.device``, no host sync) and
writes the hand's joint positions and velocities (clamped into the env's current, possibly randomized, joint
limits) and the cube's pose and velocity (env frame). ``refresh_on_full_reset`` regenerates the bank whenever
all envs reset together (``env.reset()``): a partial reset cannot step the other envs. A bank row has
24 + 24 + 7 + 6 = 61 floats.

Refresh during training (:class:`refresh_start_state_bank`, an ``interval`` term run every control step): an env
that reset and still holds the cube (within ``keep_max_distance_m``) after its first ``refresh_after_s`` of the
episode writes its state, settled under its own randomized physics, over the oldest row of the refreshable share
(``refresh_fraction``) of the bank, a ring; the rest of the bank keeps the paper's random-action starts. A row
records its generation (0: random-action round; k: settled k times in an episode); an env whose start was of
generation ``max_generations`` or more writes nothing, so no start is more than ``max_generations`` x
``refresh_after_s`` of policy control away from a random-action start. Device work only, no host sync: rows that
write nothing go to a scratch row past the bank's end. ``start_id`` / ``start_generation`` record per env the
start it drew (every written row gets a new id), which is how the bench counts distinct starts per 1,000 episodes
(docs/performance.md). Departure from the paper (a fresh start per episode, settled under that episode's
physics): a start is settled under the physics of the episode that wrote it, then reused by others, and the
settling after the first round is the policy's first steps, not random actions.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import torch

from isaaclab.envs.mdp import reset_root_state_with_random_orientation
from isaaclab.managers import EventTermCfg, ManagerTermBase, SceneEntityCfg
from isaaclab_tasks.core.reorient.mdp import reset_reorient_hand

from dactyl_lab.spec import task as task_constants
from dactyl_lab.tasks.randomization import make_generator, resolve_env_ids

from . import seed_streams

if TYPE_CHECKING:
    from isaaclab.assets import Articulation, RigidObject
    from isaaclab.envs import ManagerBasedEnv

START_STATE_SEED_OFFSET = seed_streams.START_STATES
"""The bank's rollout actions and row draws come from a private generator seeded with ``env.cfg.seed`` + this: a
stream of its own (:mod:`.seed_streams`), so the start states are not correlated with the action noise, delays and
backlash."""

PLACEMENT_POSE_RANGE_M = {"x": (-0.005, 0.005), "y": (-0.005, 0.005), "z": (0.0, 0.0)}
"""Where a round places the cube around its home position (env frame) [m]; the orientation is uniform."""


class reset_from_start_state_bank(ManagerTermBase):
    """``reset`` event: restore settled start states from a bank filled on the first reset (module docstring).

    Params (all Hydra-overridable under ``env.events.start_state.params``): ``enabled`` (False: only place the
    cube and the hand, no settling), ``bank_size`` (None: the survivors of one round), ``random_action_steps`` (paper:
    100), ``max_rounds``, ``keep_max_distance_m``, ``joint_position_noise`` (placement, Isaac Lab's
    ``reset_reorient_hand`` scale), ``refresh_on_full_reset``, ``action_term``.
    """

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.robot: Articulation = env.scene["robot"]
        self.cube: RigidObject = env.scene["object"]
        seed = seed_streams.seed_of(env.cfg.seed, START_STATE_SEED_OFFSET)
        self.generator = make_generator(seed, env.device)
        self.bank: torch.Tensor | None = None
        """(B, 61) rows: joint_pos (24), joint_vel (24), cube pose xyz + xyzw (7, env frame), cube velocity (6); a
        view of ``rows`` without its scratch row."""
        self.rows: torch.Tensor | None = None
        """(B + 1, 61): the bank and one scratch row (written by refresh for envs that write nothing)."""
        self.row_id: torch.Tensor | None = None
        """(B + 1,) id of each row's state: 0 .. B - 1 from the generation, then one new id per refreshed row."""
        self.row_generation: torch.Tensor | None = None
        """(B + 1,) 0 for a random-action start, k + 1 for one refreshed from an env whose start had generation k."""
        n = env.num_envs
        self.start_id = torch.full((n,), -1, dtype=torch.long, device=env.device)
        """Per env, ``row_id`` of the start of its current episode (-1 before the first reset)."""
        self.start_generation = torch.zeros(n, dtype=torch.long, device=env.device)
        """Per env, ``row_generation`` of the start of its current episode."""
        self.refreshed = torch.zeros((), dtype=torch.long, device=env.device)
        """Rows written by :meth:`refresh` since the last generation (a device count: read it on the host at will)."""
        self._cursor = torch.zeros((), dtype=torch.long, device=env.device)  # next ring slot of the refreshable share
        self._next_id = torch.zeros((), dtype=torch.long, device=env.device)  # id of the next refreshed row
        self.generation_time_s = 0.0
        """Wall time of the last bank generation [s] (start-up cost)."""
        self.rounds = 0
        """Rounds of ``random_action_steps`` steps the last generation needed."""
        self.generation_cpu_s = 0.0
        """CPU time of this process during the last bank generation [s] (steadier than wall time on a shared CPU)."""
        self.kept_fraction = 0.0
        """Fraction of rolled-out starts that kept the cube (the rest were discarded as drops)."""

    # ------------------------------------------------------------------ placement and rollout
    def _place(self, env: ManagerBasedEnv, ids: torch.Tensor, joint_position_noise: float) -> None:
        """The cube on the palm in a uniformly random orientation, the hand at its default pose (+ noise)."""
        reset_root_state_with_random_orientation(env, ids, PLACEMENT_POSE_RANGE_M, {}, SceneEntityCfg("object"))
        reset_reorient_hand(env, ids, joint_position_noise, 0.0, SceneEntityCfg("robot"))

    def _cube_distance(self, env: ManagerBasedEnv) -> torch.Tensor:
        pos_e = self.cube.data.root_pos_w.torch - env.scene.env_origins
        return torch.linalg.norm(pos_e - self.cube.data.default_root_pose.torch[:, :3], dim=-1)

    def _step_physics(self, env: ManagerBasedEnv, term, actions: torch.Tensor) -> None:
        """One control step of the physics only (as ``ManagerBasedRLEnv.step``, without the other managers)."""
        term.process_actions(actions)
        steps_per_call = env.cfg.decimation if getattr(env, "_physics_handles_decimation", False) else 1
        for _ in range(env.cfg.decimation // steps_per_call):
            term.apply_actions()
            env.scene.write_data_to_sim()
            env.sim.step(render=False)
            env.scene.update(dt=env.physics_dt * steps_per_call)

    def _rows(self, env: ManagerBasedEnv) -> torch.Tensor:
        pose = self.cube.data.root_pose_w.torch.clone()
        pose[:, :3] -= env.scene.env_origins
        return torch.cat(
            (self.robot.data.joint_pos.torch, self.robot.data.joint_vel.torch, pose, self.cube.data.root_vel_w.torch),
            dim=-1,
        )

    def generate(
        self,
        env: ManagerBasedEnv,
        bank_size: int | None,
        random_action_steps: int,
        max_rounds: int,
        keep_max_distance_m: float,
        joint_position_noise: float,
        action_term: str,
    ) -> None:
        """Fill the bank by rolling out every env (disturbs all envs: call only when all of them reset)."""
        start, cpu_start = time.perf_counter(), time.process_time()
        term = env.action_manager.get_term(action_term)
        ids = torch.arange(env.num_envs, device=env.device)
        want = int(bank_size) if bank_size else 1  # None: whatever survives the first round
        kept: list[torch.Tensor] = []
        num_kept = rolled = 0
        rounds = 0
        for rounds in range(1, max(1, int(max_rounds)) + 1):
            self._place(env, ids, joint_position_noise)
            term.reset(ids)
            worst = torch.zeros(env.num_envs, device=env.device)
            for _ in range(int(random_action_steps)):
                actions = (
                    2.0 * torch.rand((env.num_envs, term.action_dim), device=env.device, generator=self.generator) - 1.0
                )
                self._step_physics(env, term, actions)
                worst = torch.maximum(worst, self._cube_distance(env))
            good = self._rows(env)[worst <= keep_max_distance_m]  # start-up only: a host sync is fine here
            kept.append(good)
            num_kept += good.shape[0]
            rolled += env.num_envs
            print(
                f"[dactyl-lab] start-state bank: round {rounds}, kept {num_kept} of {rolled} starts "
                f"({time.perf_counter() - start:.1f} s wall, {time.process_time() - cpu_start:.1f} s CPU)",
                flush=True,
            )
            if num_kept >= want:
                break
        if num_kept == 0:
            raise RuntimeError(
                f"start-state bank: every one of {rolled} rolled-out starts dropped the cube (farther than "
                f"{keep_max_distance_m} m); lower random_action_steps or raise keep_max_distance_m "
                "(env.events.start_state.params)"
            )
        self._set_bank(torch.cat(kept)[:want] if bank_size else torch.cat(kept))
        self.rounds, self.kept_fraction = rounds, num_kept / rolled
        self.generation_time_s = time.perf_counter() - start
        self.generation_cpu_s = time.process_time() - cpu_start

    def _set_bank(self, bank: torch.Tensor) -> None:
        size, device = bank.shape[0], bank.device
        self.rows = torch.cat((bank, torch.zeros_like(bank[:1])))
        self.bank = self.rows[:size]
        self.row_id = torch.arange(size + 1, device=device)
        self.row_generation = torch.zeros(size + 1, dtype=torch.long, device=device)
        self.refreshed.zero_()
        self._cursor.zero_()
        self._next_id.fill_(size)

    # ------------------------------------------------------------------ refresh (every control step)
    def refresh(
        self,
        env: ManagerBasedEnv,
        refresh_after_steps: int,
        refresh_fraction: float,
        max_generations: int,
        keep_max_distance_m: float,
    ) -> None:
        """Write the state of every env that is ``refresh_after_steps`` into its episode and holds the cube over the
        oldest rows of the refreshable share (the last ``refresh_fraction`` of the bank). Vectorised, no host sync."""
        if self.bank is None:
            return
        size = self.bank.shape[0]
        share = min(size, int(round(refresh_fraction * size)))
        if share < 1:
            return
        due = (env.episode_length_buf == int(refresh_after_steps)) & (self._cube_distance(env) <= keep_max_distance_m)
        due &= self.start_generation < int(max_generations)
        rank = torch.cumsum(due.long(), 0) - 1  # 0, 1, ... over the due envs
        due &= rank < share  # more due envs than slots: the first ones, no slot written twice
        slot = (size - share) + (self._cursor + rank) % share
        target = torch.where(due, slot, size)  # size: the scratch row
        self.rows[target] = self._rows(env)
        self.row_id[target] = self._next_id + rank
        self.row_generation[target] = self.start_generation + 1
        count = due.long().sum()
        self._cursor.copy_((self._cursor + count) % share)
        self._next_id += count
        self.refreshed += count

    # ------------------------------------------------------------------ reset
    def _write(self, env: ManagerBasedEnv, ids: torch.Tensor, rows: torch.Tensor) -> None:
        n = self.robot.num_joints
        limits = self.robot.data.joint_pos_limits.torch[ids]
        joint_pos = torch.clamp(rows[:, :n], limits[..., 0], limits[..., 1])
        self.robot.write_joint_position_to_sim_index(position=joint_pos, env_ids=ids)
        self.robot.write_joint_velocity_to_sim_index(velocity=rows[:, n : 2 * n], env_ids=ids)
        self.robot.set_joint_position_target_index(target=joint_pos, env_ids=ids)
        pose = rows[:, 2 * n : 2 * n + 7].clone()
        pose[:, :3] += env.scene.env_origins[ids]
        self.cube.write_root_pose_to_sim_index(root_pose=pose, env_ids=ids)
        self.cube.write_root_velocity_to_sim_index(root_velocity=rows[:, 2 * n + 7 :], env_ids=ids)

    def __call__(
        self,
        env: ManagerBasedEnv,
        env_ids: torch.Tensor | None,
        enabled: bool = True,
        bank_size: int | None = None,
        random_action_steps: int = 100,
        max_rounds: int = 32,
        keep_max_distance_m: float = task_constants.DROP_DISTANCE_M,
        joint_position_noise: float = 0.1,
        refresh_on_full_reset: bool = False,
        action_term: str = "motors",
    ) -> None:
        ids = resolve_env_ids(env_ids, env.num_envs, env.device)
        if not enabled:
            self._place(env, ids, joint_position_noise)
            return
        full = ids.numel() == env.num_envs  # a shape, not a value: no host sync
        if self.bank is None or (full and refresh_on_full_reset):
            if not full:
                raise RuntimeError("start-state bank: the first reset must reset every env (call env.reset())")
            self.generate(
                env, bank_size, random_action_steps, max_rounds, keep_max_distance_m, joint_position_noise, action_term
            )
        pick = torch.randint(self.bank.shape[0], (ids.numel(),), device=env.device, generator=self.generator)
        self._write(env, ids, self.bank[pick])
        self.start_id[ids] = self.row_id[pick]
        self.start_generation[ids] = self.row_generation[pick]


class refresh_start_state_bank(ManagerTermBase):
    """``interval`` event (every control step): refresh the start-state bank of the ``reset`` term ``bank_term``
    from the envs that still hold the cube ``refresh_after_s`` into their episode (module docstring).

    Params (Hydra: ``env.events.start_state_refresh.params``): ``refresh_after_s`` (rounded to control steps, at
    least one), ``refresh_fraction`` (0: the bank stays the first round's, as before this term existed),
    ``max_generations``, ``keep_max_distance_m``, ``bank_term``."""

    def __call__(
        self,
        env: ManagerBasedEnv,
        env_ids: torch.Tensor | None,
        refresh_after_s: float = 0.8,
        refresh_fraction: float = 0.75,
        max_generations: int = 10,
        keep_max_distance_m: float = task_constants.DROP_DISTANCE_M,
        bank_term: str = "start_state",
    ) -> None:
        bank = env.event_manager.get_term_cfg(bank_term).func
        if not isinstance(bank, reset_from_start_state_bank):  # not built yet: no reset so far
            return
        steps = max(1, int(round(refresh_after_s / env.step_dt)))
        bank.refresh(env, steps, refresh_fraction, max_generations, keep_max_distance_m)
