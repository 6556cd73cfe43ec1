"""Manager terms that wire :mod:`dactyl_lab.tasks.randomization` into the reorientation task.

The stateful modules live in the event terms that own them, never on the env: the reset event term
``randomization`` (:class:`reset_randomization`) owns the randomization stream (a private generator) and the
observation noise, the interval event term ``object_force`` (:class:`apply_random_object_force`) owns the random
object force. Other terms and tests reach them through the event manager: :func:`observation_noise`,
:func:`random_object_force`, :func:`randomization_generator`. The ADR is owned by the ADR curriculum term
(:class:`~.adr_terms.adr_update_and_resample`, found with :func:`~dactyl_lab.tasks.randomization.adr_of`). The action
models (noise, delay, backlash, timing) are declared on the action term's cfg and built by the term
(:class:`~.actions.RelativeMotorTargetActionCfg`); each reads its ADR magnitudes itself at its reset. The terms:

* observations: ``noisy_*`` functions for the ``policy`` group only (the critic keeps the clean ones);
  the goal-relative orientation is computed from the *noisy* cube orientation, as on the real hand;
* events: :class:`reset_randomization` (mode ``reset``) draws the per-episode observation-noise biases;
  :class:`apply_random_object_force` (mode ``interval``, every control step) writes the random force on the
  cube's centre of mass through its permanent wrench composer and draws its per-episode force probabilities at
  the event manager's reset (after every reset event, as before);
  :class:`randomize_joint_limits` adds Gaussian offsets to the joint limits without ever crossing them.

The other physics terms are in :mod:`.adr_terms` and :mod:`.joint_damping`; both presets declare them in one events
configuration (``tasks/reorient/randomization_events_cfg.py``).

Observation noise is drawn every time the observation manager computes the policy group: once per step,
plus once more on steps where ``compute_final_obs`` or a recorder asks for an extra computation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

import isaaclab.utils.math as math_utils
from isaaclab.managers import EventTermCfg, ManagerTermBase, SceneEntityCfg
from isaaclab.utils import configclass

from dactyl_lab.spec import hand, task as task_constants
from dactyl_lab.tasks.randomization import (
    ADRCfg,
    ObservationNoise,
    ObservationNoiseCfg,
    RandomForceCfg,
    RandomizedValueCfg,
    RandomObjectForce,
    make_generator,
    nail_site_occlusion,
    resolve_env_ids,
    adr_of,
    sample_value,
)

from . import seed_streams

from .observations import fingertip_positions, marker_geometry, object_orientation, object_position

if TYPE_CHECKING:
    from isaaclab.assets import Articulation, RigidObject
    from isaaclab.envs import ManagerBasedEnv, ManagerBasedRLEnv

    from .commands import GoalOrientationCommand


@configclass
class DactylRandomizationCfg:
    """The stateful (non-physics) randomizations of the task; paper values by default."""

    observation_noise: ObservationNoiseCfg = ObservationNoiseCfg()
    object_force: RandomForceCfg = RandomForceCfg()
    adr: ADRCfg | None = None
    """ADR driving the magnitudes (``presets=adr``); None: the fixed distributions above."""
    adr_sync_interval_steps: int = 16
    """Env steps between two ``adr.sync()`` calls (one RSL-RL rollout); collective under torch.distributed."""
    physics_resample_interval_steps: int = 1
    """K: control steps between two applications of the per-episode physics re-randomization
    (:mod:`.physics_cohort`). 1 (the paper's presets): at each env's reset. K > 1: the envs that reset are
    re-randomized together every K steps, one Newton model update per K steps instead of (nearly) one per step
    at thousands of envs; an episode's first up to K - 1 steps then run with the previous episode's physics."""
    object_name: str = "object"
    seed_offset: int = seed_streams.RANDOMIZATION
    """The modules draw from a private generator seeded with ``env.cfg.seed + seed_offset`` (global RNG if
    the env has no seed)."""


def randomization_cfg(env: ManagerBasedEnv) -> DactylRandomizationCfg:
    """``env.cfg.randomization``; raises if the env config has none."""
    cfg = getattr(env.cfg, "randomization", None)
    if cfg is None:
        raise ValueError("randomization terms need `randomization: DactylRandomizationCfg` on the env config")
    return cfg


def _event_term(env: ManagerBasedEnv, term_class: type) -> ManagerTermBase | None:
    """The event term instance of class ``term_class`` (through ``env.event_manager``), or None."""
    manager = env.event_manager
    for names in manager.active_terms.values():
        for name in names:
            func = manager.get_term_cfg(name).func
            if isinstance(func, term_class):
                return func
    return None


def _require_event_term(env: ManagerBasedEnv, term_class: type, example: str) -> ManagerTermBase:
    term = _event_term(env, term_class)
    if term is None:
        raise ValueError(f"this env has no `{term_class.__name__}` event term: add {example} to its events config")
    return term


# --------------------------------------------------------------------------------------------- events
class reset_randomization(ManagerTermBase):
    """Reset event ``randomization``: owns the randomization stream (:attr:`generator`, seeded with
    ``env.cfg.seed + randomization.seed_offset``, shared with the force and physics terms through
    :func:`randomization_generator`) and the policy's :class:`ObservationNoise` (:attr:`obs_noise`, read by the
    ``noisy_*`` observation terms through :func:`observation_noise`). Called on a reset: new per-episode
    observation-noise biases, dropout and misplaced markers for ``env_ids`` (magnitudes from ADR under ADR)."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        rcfg = randomization_cfg(env)
        self.generator = make_generator(seed_streams.seed_of(env.cfg.seed, rcfg.seed_offset), env.device)
        """The randomization stream: observation noise, random force, the physics terms' draws."""
        fingertips = len(hand.FINGERTIP_BODY_NAMES)
        self.obs_noise = ObservationNoise(
            rcfg.observation_noise, env.num_envs, env.step_dt, fingertips, env.device, self.generator
        )
        self.noisy_object_quat: torch.Tensor | None = None
        """The cube orientation the policy saw on its last observation (xyzw), shared with the goal term."""

    def __call__(self, env: ManagerBasedEnv, env_ids: torch.Tensor | None) -> None:
        ids = resolve_env_ids(env_ids, env.num_envs, env.device)
        self.obs_noise.reset(ids, adr=adr_of(env))  # presets=adr: this episode's values, drawn by the curriculum


_RANDOMIZATION_TERM = "EventTermCfg(func=mdp.reset_randomization, mode='reset')"


def randomization_generator(env: ManagerBasedEnv) -> torch.Generator | None:
    """The randomization stream, owned by the env's :class:`reset_randomization` event term."""
    return _require_event_term(env, reset_randomization, _RANDOMIZATION_TERM).generator


def draw_values(env: ManagerBasedEnv, value: RandomizedValueCfg, ids: torch.Tensor, shape: tuple[int, ...]):
    """Per-env values ``(n, *shape)`` of ``value`` for ``ids`` on ``env.device``, from the randomization stream:
    ADR-driven when the env has ADR, else the fixed distribution."""
    generator = randomization_generator(env)
    return sample_value(value, ids, env.num_envs, shape, adr_of(env), env.device, generator).to(env.device)


def observation_noise(env: ManagerBasedEnv) -> ObservationNoise:
    """The env's observation-noise model, owned by its :class:`reset_randomization` event term."""
    return _require_event_term(env, reset_randomization, _RANDOMIZATION_TERM).obs_noise


class apply_random_object_force(ManagerTermBase):
    """Interval event ``object_force`` (every control step, ``is_global_time``): owns the
    :class:`RandomObjectForce` (:attr:`forces`, reached with :func:`random_object_force`), advances it one control
    step and holds it on the cube's centre of mass (world frame) for the next control step. Its per-episode
    force probabilities are drawn at the event manager's reset of ``env_ids`` (:meth:`reset`)."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.object_name = randomization_cfg(env).object_name
        self._forces: RandomObjectForce | None = None

    @property
    def forces(self) -> RandomObjectForce:
        """The force model, built on first use: it draws from the randomization stream of the
        :class:`reset_randomization` term, which the event manager exposes once it is built."""
        if self._forces is None:
            rcfg = randomization_cfg(self._env)
            self._forces = RandomObjectForce(
                rcfg.object_force, self.num_envs, self._env.step_dt, self.device, randomization_generator(self._env)
            )
        return self._forces

    def reset(self, env_ids=None) -> None:
        """New episode for ``env_ids``: force probabilities (from ADR under ADR) and a zero force."""
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        self.forces.reset(ids, adr=adr_of(self._env))

    def __call__(self, env: ManagerBasedEnv, env_ids: torch.Tensor | None) -> None:
        cube: RigidObject = env.scene[self.object_name]
        mass = cube.data.body_mass.torch.sum(dim=-1)  # (N,) [kg], the randomized mass
        force = self.forces.step(mass)  # force std = accel std (per env, ADR-driven under presets=adr) x mass
        cube.permanent_wrench_composer.set_forces_and_torques_index(
            forces=force[:, None, :], torques=torch.zeros_like(force)[:, None, :], is_global=True
        )


def random_object_force(env: ManagerBasedEnv) -> RandomObjectForce:
    """The env's random object force, owned by its :class:`apply_random_object_force` event term."""
    example = "EventTermCfg(func=mdp.apply_random_object_force, mode='interval', interval_range_s=(0.0, 0.0))"
    return _require_event_term(env, apply_random_object_force, example).forces


# --------------------------------------------------------------------------------------------- observations
def noisy_fingertip_positions(
    env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg, middle_cfg: SceneEntityCfg | None = None
) -> torch.Tensor:
    """Fingertip marker readings [m]: :func:`fingertip_positions` with misplaced markers (turning with each
    fingertip), correlated + uncorrelated noise, per-marker dropout and occlusion (a marker holds its last reading
    while another finger's distal / middle capsule or the cube is within ``occlusion.distance_m`` of its nail site;
    needs ``middle_cfg``, the middle phalanges in finger order)."""
    noise = observation_noise(env)
    quat = env.scene[asset_cfg.name].data.body_quat_w.torch[:, asset_cfg.body_ids]
    occluded = None
    if middle_cfg is not None and noise.cfg.occlusion.enabled:
        nail, segments, radii = marker_geometry(env, asset_cfg, middle_cfg)
        cube = env.scene[randomization_cfg(env).object_name].data
        occluded = nail_site_occlusion(
            nail,
            segments,
            radii,
            cube.root_pos_w.torch - env.scene.env_origins,
            cube.root_quat_w.torch,
            0.5 * task_constants.CUBE_EDGE_M,
            noise.cfg.occlusion.distance_m,
        )
    return noise.apply_fingertip_pos(fingertip_positions(env, asset_cfg), quat, occluded)


def noisy_object_position(env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg = SceneEntityCfg("object")) -> torch.Tensor:
    """:func:`object_position` with correlated + uncorrelated noise [m]."""
    return observation_noise(env).apply_object_pos(object_position(env, asset_cfg))


def noisy_object_orientation(
    env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg = SceneEntityCfg("object")
) -> torch.Tensor:
    """:func:`object_orientation` rotated by a per-episode and a per-step random rotation (xyzw, w >= 0).
    Remembered for :func:`noisy_goal_relative_orientation` (list this term before that one)."""
    term = _require_event_term(env, reset_randomization, _RANDOMIZATION_TERM)
    quat = math_utils.quat_unique(term.obs_noise.apply_object_quat(object_orientation(env, asset_cfg)))
    term.noisy_object_quat = quat
    return quat


def noisy_goal_relative_orientation(env: ManagerBasedRLEnv, command_name: str) -> torch.Tensor:
    """``q_object_observed * conj(q_goal)`` from the noisy orientation of this step's ``object_quat`` term."""
    command: GoalOrientationCommand = env.command_manager.get_term(command_name)
    quat = _require_event_term(env, reset_randomization, _RANDOMIZATION_TERM).noisy_object_quat
    if quat is None:
        quat = command.object.data.root_quat_w.torch
    rel = math_utils.quat_mul(quat, math_utils.quat_conjugate(command.quat_command_w))
    return math_utils.quat_unique(rel)


class randomize_joint_limits(ManagerTermBase):
    """Add an offset drawn from ``value`` to each joint's lower and upper limit, from the defaults: the paper's
    ``N(0, 0.15^2)`` rad, or under ADR ``N(0, lambda^2)`` with the env's ADR std (:func:`sample_value`), from the
    randomization stream.

    Isaac Lab's ``randomize_joint_parameters`` raises when independent offsets cross the limits (likely for
    the Shadow hand's narrow joints at this std); here a crossed or too narrow pair is set to
    ``min_range_rad`` around its midpoint. The joints of the reset envs are clamped into their new limits
    (position and target), so the episode does not start against a limit constraint.
    """

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.asset_cfg: SceneEntityCfg = cfg.params["asset_cfg"]
        self.asset: Articulation = env.scene[self.asset_cfg.name]
        self.default_limits = self.asset.data.joint_pos_limits.torch.clone()
        self.half_range_unit = torch.tensor([-0.5, 0.5], device=env.device)
        """(low, high) offsets from the midpoint of a limit pair ``min_range_rad`` wide, per unit of it."""

    def __call__(
        self,
        env: ManagerBasedEnv,
        env_ids: torch.Tensor | None,
        value: RandomizedValueCfg,
        asset_cfg: SceneEntityCfg = SceneEntityCfg("robot"),
        min_range_rad: float = 0.05,
    ):
        ids = resolve_env_ids(env_ids, env.num_envs, env.device)
        limits = self.default_limits[ids]
        limits = limits + draw_values(env, value, ids, tuple(limits.shape[1:]))
        mid = limits.mean(dim=-1, keepdim=True)
        narrow = (limits[..., 1] - limits[..., 0] < min_range_rad)[..., None]
        limits = torch.where(narrow, mid + self.half_range_unit * min_range_rad, limits)
        self.asset.write_joint_position_limit_to_sim_index(limits=limits, env_ids=ids, warn_limit_violation=False)
        pos = torch.clamp(self.asset.data.joint_pos.torch[ids], limits[..., 0], limits[..., 1])
        self.asset.write_joint_position_to_sim_index(position=pos, env_ids=ids)
        self.asset.set_joint_position_target_index(target=pos, env_ids=ids)
