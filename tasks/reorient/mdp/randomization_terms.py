"""Manager terms that wire :mod:`dactyl_lab.tasks.randomization` into the reorientation task.

One :class:`RandomizationState` per env holds the stateful modules (observation noise, random object force);
the ADR is owned by the ADR curriculum term (:class:`~.adr_terms.adr_update_and_resample`, found with
:func:`~dactyl_lab.tasks.randomization.adr_of`). The action models (noise, delay, backlash, timing) are declared on
the action term's cfg and built by the term (:class:`~.actions.RelativeMotorTargetActionCfg`); each reads its ADR
magnitudes itself at its reset. The state is built lazily from ``env.cfg.randomization``
(:class:`DactylRandomizationCfg`) by the first term that needs it, so the order in which Isaac Lab builds
its managers does not matter. The terms:

* observations: ``noisy_*`` functions for the ``policy`` group only (the critic keeps the clean ones);
  the goal-relative orientation is computed from the *noisy* cube orientation, as on the real hand;
* events: :func:`reset_randomization` (mode ``reset``) draws the per-episode observation-noise biases and
  force probabilities; :func:`apply_random_object_force` (mode ``interval``, every control
  step) writes the random force on the cube's centre of mass through its permanent wrench composer;
  :class:`randomize_joint_limits` adds Gaussian offsets to the joint limits without ever crossing them.

Physics randomization otherwise uses Isaac Lab's own event terms (see ``env_cfg.RandomizedEventsCfg``).

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
from dactyl_lab.spec import randomization as paper_randomization
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
    sample_gaussian,
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


class RandomizationState:
    """Per-env randomization state of one environment (all N envs, on the env device)."""

    def __init__(self, cfg: DactylRandomizationCfg, env: ManagerBasedEnv):
        self.cfg, self.num_envs, self.device, self.env = cfg, env.num_envs, env.device, env
        seed = None if env.cfg.seed is None else int(env.cfg.seed) + cfg.seed_offset
        self.generator = make_generator(seed, env.device)
        n, dt = env.num_envs, env.step_dt
        self.obs_noise = ObservationNoise(
            cfg.observation_noise, n, dt, len(hand.FINGERTIP_BODY_NAMES), env.device, self.generator
        )
        self.forces = RandomObjectForce(cfg.object_force, n, dt, env.device, self.generator)
        self.noisy_object_quat: torch.Tensor | None = None
        """The cube orientation the policy saw on its last observation (xyzw), shared with the goal term."""

    def reset(self, env_ids=None) -> None:
        ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        adr = adr_of(self.env)  # presets=adr: the ADR curriculum term's (this episode's values drawn before)
        self.obs_noise.reset(ids, adr=adr)
        self.forces.reset(ids, adr=adr)


def randomization_state(env: ManagerBasedEnv) -> RandomizationState:
    """The env's :class:`RandomizationState`, built on first use from ``env.cfg.randomization``."""
    state = getattr(env, "_dactyl_randomization", None)
    if state is None:
        cfg = getattr(env.cfg, "randomization", None)
        if cfg is None:
            raise ValueError("randomization terms need `randomization: DactylRandomizationCfg` on the env config")
        state = RandomizationState(cfg, env)
        env._dactyl_randomization = state
    return state


# --------------------------------------------------------------------------------------------- observations
def noisy_fingertip_positions(
    env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg, middle_cfg: SceneEntityCfg | None = None
) -> torch.Tensor:
    """Fingertip marker readings [m]: :func:`fingertip_positions` with misplaced markers (turning with each
    fingertip), correlated + uncorrelated noise, per-marker dropout and occlusion (a marker holds its last reading
    while another finger's distal / middle capsule or the cube is within ``occlusion.distance_m`` of its nail site;
    needs ``middle_cfg``, the middle phalanges in finger order)."""
    state = randomization_state(env)
    noise = state.obs_noise
    quat = env.scene[asset_cfg.name].data.body_quat_w.torch[:, asset_cfg.body_ids]
    occluded = None
    if middle_cfg is not None and noise.cfg.occlusion.enabled:
        nail, segments, radii = marker_geometry(env, asset_cfg, middle_cfg)
        cube = env.scene[state.cfg.object_name].data
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
    return randomization_state(env).obs_noise.apply_object_pos(object_position(env, asset_cfg))


def noisy_object_orientation(
    env: ManagerBasedRLEnv, asset_cfg: SceneEntityCfg = SceneEntityCfg("object")
) -> torch.Tensor:
    """:func:`object_orientation` rotated by a per-episode and a per-step random rotation (xyzw, w >= 0).
    Remembered for :func:`noisy_goal_relative_orientation` (list this term before that one)."""
    state = randomization_state(env)
    quat = math_utils.quat_unique(state.obs_noise.apply_object_quat(object_orientation(env, asset_cfg)))
    state.noisy_object_quat = quat
    return quat


def noisy_goal_relative_orientation(env: ManagerBasedRLEnv, command_name: str) -> torch.Tensor:
    """``q_object_observed * conj(q_goal)`` from the noisy orientation of this step's ``object_quat`` term."""
    command: GoalOrientationCommand = env.command_manager.get_term(command_name)
    quat = randomization_state(env).noisy_object_quat
    if quat is None:
        quat = command.object.data.root_quat_w.torch
    rel = math_utils.quat_mul(quat, math_utils.quat_conjugate(command.quat_command_w))
    return math_utils.quat_unique(rel)


# --------------------------------------------------------------------------------------------- events
def reset_randomization(env: ManagerBasedEnv, env_ids: torch.Tensor | None) -> None:
    """New episode for ``env_ids``: observation-noise biases, dropout, object-force probability (and a zero
    force). The action models reset with the action term."""
    randomization_state(env).reset(env_ids)


def apply_random_object_force(env: ManagerBasedEnv, env_ids: torch.Tensor | None) -> None:
    """Advance the random force one control step and hold it on the cube's centre of mass (world frame)
    for the next control step. Run as an ``interval`` event firing every step (``is_global_time``)."""
    state = randomization_state(env)
    cube: RigidObject = env.scene[state.cfg.object_name]
    mass = cube.data.body_mass.torch.sum(dim=-1)  # (N,) [kg], the randomized mass
    force = state.forces.step(mass)  # force std = accel std (per env, ADR-driven under presets=adr) x mass
    cube.permanent_wrench_composer.set_forces_and_torques_index(
        forces=force[:, None, :], torques=torch.zeros_like(force)[:, None, :], is_global=True
    )


class randomize_joint_limits(ManagerTermBase):
    """Add ``N(0, std^2)`` to each joint's lower and upper limit (Dactyl: std 0.15 rad), from the defaults.
    With ``value`` (``presets=adr``) the offsets come from :func:`sample_value` instead (the env's ADR std).

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
        std_rad: float = paper_randomization.JOINT_LIMIT_OFFSET_STD_RAD,
        asset_cfg: SceneEntityCfg = SceneEntityCfg("robot"),
        min_range_rad: float = 0.05,
        value: RandomizedValueCfg | None = None,
    ):
        ids = resolve_env_ids(env_ids, env.num_envs, env.device)
        limits = self.default_limits[ids]
        if value is None:
            limits = limits + sample_gaussian(0.0, std_rad, limits.shape, env.device)
        else:  # ADR preset: N(0, lambda^2) with the env's ADR std lambda (or value's fixed distribution)
            generator = randomization_state(env).generator
            limits = limits + sample_value(
                value, ids, env.num_envs, tuple(limits.shape[1:]), adr_of(env), env.device, generator
            ).to(env.device)
        mid = limits.mean(dim=-1, keepdim=True)
        narrow = (limits[..., 1] - limits[..., 0] < min_range_rad)[..., None]
        limits = torch.where(narrow, mid + self.half_range_unit * min_range_rad, limits)
        self.asset.write_joint_position_limit_to_sim_index(limits=limits, env_ids=ids, warn_limit_violation=False)
        pos = torch.clamp(self.asset.data.joint_pos.torch[ids], limits[..., 0], limits[..., 1])
        self.asset.write_joint_position_to_sim_index(position=pos, env_ids=ids)
        self.asset.set_joint_position_target_index(target=pos, env_ids=ids)
