"""The ADR curriculum term and the physics event terms of ``presets=randomized`` and ``presets=adr``: each physics
term draws its values from the range of its ``value`` (:class:`~dactyl_lab.tasks.randomization.RandomizedValueCfg`):
the paper's fixed distribution, or the ADR parameter it names when the env has ADR.

The ADR object is owned by the curriculum term ``adr`` (:class:`adr_update_and_resample`, built from
``env.cfg.randomization.adr``); every term finds it through the curriculum manager with
:func:`~dactyl_lab.tasks.randomization.adr_of`. On a reset of ``env_ids``:

1. :class:`adr_update_and_resample`, the curriculum term ``adr`` (Isaac Lab runs the curriculum manager before
   every reset event and before ``command_manager.reset`` zeroes the goal command's ``goals_reached``): the
   finished episodes' consecutive successes feed ``adr.update``; then ``adr.resample(env_ids)`` draws this
   episode's per-env values;
2. the physics event terms below, each writing ``default (op) value`` where the value comes from
   :func:`~dactyl_lab.tasks.randomization.sample_value`: drawn per body / shape / joint from the env's ADR
   range when ADR drives the term, else from the term's fixed distribution (so the same terms also work
   without ADR);
3. ``reset_randomization`` (observation noise), then at the event manager's reset ``apply_random_object_force``
   (random force): magnitudes from ADR through the modules' ``reset(env_ids, adr=...)``.

Every step :func:`adr_sync_and_log` (an ``interval`` event firing each control step; it does nothing without the
ADR curriculum term) has the curriculum term call ``adr.sync()`` every ``adr_sync_interval_steps`` env steps
(collective with torch.distributed: every rank steps in lockstep, so every rank calls it on the same step; without a
process group it only applies staged results) and merges ``adr.log_dict()`` into ``env.extras['log']`` for RSL-RL /
rl-games' TensorBoard.

Physics writes use the same setters / Newton model bindings as Isaac Lab's own event terms: masses and
inertias (``set_masses_index`` / ``set_inertias_index``), per-shape friction (Newton ``shape_material_mu``),
implicit-actuator gains (``write_joint_stiffness/damping_to_sim_index``), the tendon motors' MuJoCo actuator
gains (Newton ``model.mujoco.actuator_gainprm`` / ``biasprm``), joint limits
(:class:`~.randomization_terms.randomize_joint_limits`), per-world gravity (Newton ``model.gravity``), and
the object size (Newton ``shape_scale``, which MuJoCo-Warp copies into its per-world ``geom_size``). Every draw
comes from the randomization stream (:func:`~.randomization_terms.randomization_generator`). The terms that only
Newton can run say so with a class attribute ``newton_only = True``.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

import torch
import warp as wp

from isaaclab.managers import CurriculumTermCfg, EventTermCfg, ManagerTermBase, SceneEntityCfg

from dactyl_lab.tasks.randomization import (
    ADR,
    RandomizedValueCfg,
    adr_term,
    largest_value,
    make_generator,
    resolve_env_ids,
)

from .newton_internals import mjwarp_solver
from . import seed_streams
from .randomization_terms import draw_values

if TYPE_CHECKING:
    from isaaclab.assets import Articulation, RigidObject
    from isaaclab.envs import ManagerBasedEnv, ManagerBasedRLEnv


def _ids(env: ManagerBasedEnv, env_ids) -> torch.Tensor:
    return resolve_env_ids(env_ids, env.num_envs, env.device)


def _model_changed(env: ManagerBasedEnv, flag_name: str) -> None:
    from newton import ModelFlags

    env.sim.physics_manager.add_model_change(getattr(ModelFlags, flag_name))


# --------------------------------------------------------------------------------------------- ADR bookkeeping
ADR_SEED_OFFSET = seed_streams.ADR
"""The ADR draws from its own generator, seeded with ``env.cfg.seed + ADR_SEED_OFFSET`` (global RNG without a seed)."""


class adr_update_and_resample(ManagerTermBase):
    """The ADR curriculum term: owns the env's :class:`~dactyl_lab.tasks.randomization.ADR` (:attr:`adr`, built from
    ``env.cfg.randomization.adr``), found by every other term and the checkpointing through
    :func:`~dactyl_lab.tasks.randomization.adr_of` (the env's curriculum manager).

    Called on a reset of ``env_ids`` (Isaac Lab runs the curriculum before the reset events and before the command
    resets its success count): the finished episodes' consecutive successes feed ``adr.update``, then
    ``adr.resample(env_ids)`` draws this episode's per-env values. :meth:`sync_and_log` is the multi-rank sync."""

    def __init__(self, cfg: CurriculumTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        rcfg = getattr(env.cfg, "randomization", None)
        if rcfg is None or rcfg.adr is None:
            raise ValueError("the ADR curriculum term needs `randomization.adr` (an ADRCfg) on the env config")
        seed = seed_streams.seed_of(env.cfg.seed, ADR_SEED_OFFSET)
        self.adr = ADR(rcfg.adr, env.num_envs, env.device, make_generator(seed, env.device))
        """The env's ADR state (bounds, queues, versions; this episode's values per env)."""
        self.sync_interval_steps = max(1, int(rcfg.adr_sync_interval_steps))
        self.log: dict[str, float] = {}
        """The last ``adr.log_dict()``, merged into ``env.extras['log']`` every step."""

    def __call__(
        self,
        env: ManagerBasedRLEnv,
        env_ids: torch.Tensor | None,
        command_name: str = "object_pose",
    ) -> None:
        ids = _ids(env, env_ids)
        successes = env.command_manager.get_term(command_name).goals_reached[ids]
        self.adr.update(ids, successes)
        self.adr.resample(ids)  # the log is refreshed at the next sync (sync_and_log): no host read per reset

    def sync_and_log(self, step: int) -> dict[str, float]:
        """``adr.sync()`` when ``step`` is a multiple of ``adr_sync_interval_steps`` (the same step on every rank:
        the collective always pairs up); returns the ADR bounds and entropy for ``extras['log']``."""
        if step % self.sync_interval_steps == 0:
            self.adr.sync()
            self.log = self.adr.log_dict()
        elif not self.log:
            self.log = self.adr.log_dict()
        return self.log


def adr_curriculum_term(env: ManagerBasedEnv) -> adr_update_and_resample | None:
    """The env's ADR curriculum term (found through ``env.curriculum_manager``), or None without one."""
    return adr_term(env)


def adr_sync_and_log(env: ManagerBasedEnv, env_ids: torch.Tensor | None) -> None:
    """The ADR curriculum term's :meth:`~adr_update_and_resample.sync_and_log` every control step, its ADR bounds and
    entropy into ``env.extras['log']``. Run as an ``interval`` event firing every control step (``is_global_time``)."""
    term = adr_curriculum_term(env)
    if term is not None:
        env.extras.setdefault("log", {}).update(term.sync_and_log(env.common_step_counter))


# --------------------------------------------------------------------------------------------- physics
class randomize_mass_scale(ManagerTermBase):
    """Body masses = default x value (i.i.d. per body: from the ADR range under ADR, else from the fixed
    distribution); inertias scaled by the same ratio."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.asset: RigidObject | Articulation = env.scene[cfg.params["asset_cfg"].name]
        self.default_mass = self.asset.data.body_mass.torch.clone()
        self.default_inertia = self.asset.data.body_inertia.torch.clone()

    def __call__(
        self,
        env: ManagerBasedEnv,
        env_ids: torch.Tensor | None,
        value: RandomizedValueCfg,
        asset_cfg: SceneEntityCfg,
        min_mass: float = 1e-6,
    ):
        ids = _ids(env, env_ids)
        scale = draw_values(env, value, ids, (self.default_mass.shape[1],))
        mass = torch.clamp(self.default_mass[ids] * scale, min=min_mass)
        ratio = mass / self.default_mass[ids]
        self.asset.set_masses_index(masses=mass, env_ids=ids)
        self.asset.set_inertias_index(inertias=self.default_inertia[ids] * ratio[..., None], env_ids=ids)


class randomize_friction_scale(ManagerTermBase):
    """Friction of every shape of the asset = default x value (Newton: one coefficient per shape)."""

    newton_only = True
    """Writes Newton's per-shape ``shape_material_mu``."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.asset: RigidObject | Articulation = env.scene[cfg.params["asset_cfg"].name]
        model = env.sim.physics_manager.get_model()
        self.mu = wp.to_torch(self.asset.root_view.get_attribute("shape_material_mu", model)[:, 0])  # (N, S) view
        self.default_mu = self.mu.clone()

    def __call__(
        self, env: ManagerBasedEnv, env_ids: torch.Tensor | None, value: RandomizedValueCfg, asset_cfg: SceneEntityCfg
    ):
        ids = _ids(env, env_ids)
        self.mu[ids] = self.default_mu[ids] * draw_values(env, value, ids, (self.mu.shape[1],))
        _model_changed(env, "SHAPE_PROPERTIES")


class randomize_gain_scale(ManagerTermBase):
    """Position gain (stiffness) of the asset's implicit-actuator joints = default x ``value``; their servo damping =
    default x ``damping`` when given (None: unchanged, the hand's servos have none)."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.asset: Articulation = env.scene[cfg.params["asset_cfg"].name]
        self.default_joint_stiffness = self.asset.data.joint_stiffness.torch.clone()
        self.default_joint_damping = self.asset.data.joint_damping.torch.clone()

    def __call__(
        self,
        env: ManagerBasedEnv,
        env_ids: torch.Tensor | None,
        value: RandomizedValueCfg,
        asset_cfg: SceneEntityCfg,
        damping: RandomizedValueCfg | None = None,
    ):
        ids = _ids(env, env_ids)
        joints = torch.arange(self.asset.num_joints, device=env.device)[asset_cfg.joint_ids]
        k = self.default_joint_stiffness[ids][:, joints] * draw_values(env, value, ids, (joints.numel(),))
        self.asset.write_joint_stiffness_to_sim_index(stiffness=k, joint_ids=joints, env_ids=ids)
        if damping is not None:
            d = self.default_joint_damping[ids][:, joints] * draw_values(env, damping, ids, (joints.numel(),))
            self.asset.write_joint_damping_to_sim_index(damping=d, joint_ids=joints, env_ids=ids)


class randomize_tendon_gain_scale(ManagerTermBase):
    """Position gain of the MuJoCo actuators Newton drives directly (``CTRL_DIRECT``: the hand's 4 tendon
    motors, J0 = J1 + J2, authored in the asset and not exposed as Isaac Lab gains) = default x value.

    A MuJoCo position actuator's force is ``kp * ctrl - kp * length``: ``gainprm[0]`` and ``-biasprm[1]`` are
    scaled together, per world, in Newton's ``model.mujoco.actuator_*prm`` (copied into MuJoCo-Warp's per-world
    ``actuator_gainprm`` / ``actuator_biasprm`` on an ``ACTUATOR_PROPERTIES`` change)."""

    newton_only = True
    """Writes Newton's MuJoCo actuator attributes through the MuJoCo-Warp solver."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self._rows: torch.Tensor | None = None  # resolved on the first call, once the solver exists

    def _resolve(self, env: ManagerBasedEnv) -> None:
        solver = mjwarp_solver()
        attrs = env.sim.physics_manager.get_model().mujoco
        self.gain = wp.to_torch(attrs.actuator_gainprm)  # (worlds x actuators per world, 10) view
        self.bias = wp.to_torch(attrs.actuator_biasprm)
        nworld = solver.mjw_model.actuator_biasprm.shape[0]
        per_world = self.gain.shape[0] // nworld
        source = solver.mjc_actuator_ctrl_source.numpy()
        to_newton = solver.mjc_actuator_to_newton_idx.numpy()
        idx = sorted({int(to_newton[a]) for a in range(len(source)) if source[a] == 1 and to_newton[a] >= 0})
        idx_t = torch.tensor(idx, dtype=torch.long, device=env.device)
        self._rows = torch.arange(env.num_envs, device=env.device)[:, None] * per_world + idx_t[None, :]  # (N, k)
        self.default_kp = self.gain[self._rows, 0].clone()
        self.default_bias_kp = self.bias[self._rows, 1].clone()

    def __call__(self, env: ManagerBasedEnv, env_ids: torch.Tensor | None, value: RandomizedValueCfg):
        if self._rows is None:
            self._resolve(env)
        ids = _ids(env, env_ids)
        if self._rows.shape[1] == 0:
            return
        rows = self._rows[ids]
        scale = draw_values(env, value, ids, (rows.shape[1],))
        self.gain[rows, 0] = self.default_kp[ids] * scale
        self.bias[rows, 1] = self.default_bias_kp[ids] * scale
        _model_changed(env, "ACTUATOR_PROPERTIES")


class randomize_gravity_offset(ManagerTermBase):
    """Gravity of each env's Newton world = default + value per axis (std mode under ADR: N(0, lambda^2))."""

    newton_only = True
    """Writes Newton's per-world ``model.gravity`` (PhysX has one gravity for the whole scene)."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.default = torch.tensor(env.cfg.sim.gravity, dtype=torch.float32, device=env.device)

    def __call__(self, env: ManagerBasedEnv, env_ids: torch.Tensor | None, value: RandomizedValueCfg):
        model = env.sim.physics_manager.get_model()
        gravity = wp.to_torch(model.gravity)[: env.num_envs]  # the trailing global-world row is not an env
        ids = _ids(env, env_ids)
        gravity[ids] = self.default + draw_values(env, value, ids, (3,))
        _model_changed(env, "MODEL_PROPERTIES")


class randomize_object_size(ManagerTermBase):
    """Object size = default x value, per env and per episode, on the running simulation.

    Isaac Lab's ``randomize_rigid_body_scale`` (a USD change in mode ``prestartup``) cannot run on Isaac Lab 3
    kit-less: only ``env_0`` is authored on the USD stage (Newton clones the worlds natively, USD replication
    needs Kit), so it finds one prim for N envs. Instead this writes the shapes' ``shape_scale`` (a box's
    half extents) in the Newton model; MuJoCo-Warp copies it into its per-world ``geom_size`` on the
    ``SHAPE_PROPERTIES`` update. The broad-phase bounds are kept conservative: ``geom_rbound`` (per world) is
    scaled with the size and a shared ``geom_aabb`` is set for the largest scale :attr:`max_scale`. Mass and
    inertia are not changed with the size (the paper randomizes mass separately).
    """

    newton_only = True
    """Writes Newton's ``shape_scale`` and MuJoCo-Warp's geoms: no PhysX counterpart."""

    def __init__(self, cfg: EventTermCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self.asset: RigidObject = env.scene[cfg.params["asset_cfg"].name]
        self.max_scale = _max_scale(env, cfg.params)
        """The largest scale: ``max_scale`` if given, else the most the ``value`` range can reach (its fixed
        distribution's upper bound, or its ADR parameter's upper hard limit)."""
        manager = env.sim.physics_manager
        model = manager.get_model()
        self.scale = wp.to_torch(self.asset.root_view.get_attribute("shape_scale", model))  # (N, 1, S, 3) view
        self.default_scale = self.scale.clone()
        self._geoms: torch.Tensor | None = None
        self._geoms_resolved = False

    def _resolve_geoms(self, env: ManagerBasedEnv) -> None:
        """The asset's MuJoCo-Warp geoms (once the solver exists); makes their broad-phase bounds conservative."""
        self._geoms_resolved = True
        manager = env.sim.physics_manager
        model = manager.get_model()
        solver = mjwarp_solver()
        mjw = getattr(solver, "mjw_model", None)
        if mjw is None or not hasattr(solver, "mjc_geom_to_newton_shape"):
            return
        # the asset's geoms: those whose Newton shape belongs to the asset's body (or its children) in world 0
        labels = list(getattr(model, "body_label", []) or getattr(model, "body_key", []))
        pattern = re.compile(self.asset.cfg.prim_path.replace("{ENV_REGEX_NS}", "/World/envs/env_.*"))
        world0 = [name for name in labels if pattern.fullmatch(name)][:1]
        root = world0[0] if world0 else None
        bodies = {i for i, name in enumerate(labels) if root and (name == root or name.startswith(root + "/"))}
        shape_body = model.shape_body.numpy()
        g2s = wp.to_torch(solver.mjc_geom_to_newton_shape)[0].long().cpu().tolist()
        geoms = [g for g, s in enumerate(g2s) if s >= 0 and int(shape_body[s]) in bodies]
        if not geoms:
            return
        self._geoms = torch.tensor(geoms, dtype=torch.long, device=env.device)
        self.rbound = wp.to_torch(mjw.geom_rbound)  # (N or 1, G)
        self.default_rbound = self.rbound.clone()
        self.rbound_per_world = self.rbound.shape[0] == env.num_envs
        if not self.rbound_per_world:
            self.rbound[:, self._geoms] *= self.max_scale  # shared: conservative for every scale up to max_scale
        aabb = wp.to_torch(mjw.geom_aabb)  # (N or 1, G, 2, 3): centre, half size in the geom frame
        aabb[:, self._geoms] *= self.max_scale  # conservative: no contact is culled at any scale up to max_scale

    def __call__(
        self,
        env: ManagerBasedEnv,
        env_ids: torch.Tensor | None,
        value: RandomizedValueCfg,
        asset_cfg: SceneEntityCfg,
        max_scale: float | None = None,
    ):
        if not self._geoms_resolved:
            self._resolve_geoms(env)
        ids = _ids(env, env_ids)
        s = torch.clamp(draw_values(env, value, ids, ()), max=self.max_scale)  # (n,)
        self.scale[ids] = self.default_scale[ids] * s.view(-1, *([1] * (self.scale.dim() - 1)))
        if self._geoms is not None and self.rbound_per_world:
            self.rbound[ids[:, None], self._geoms] = self.default_rbound[ids[:, None], self._geoms] * s[:, None]
        _model_changed(env, "SHAPE_PROPERTIES")


def _max_scale(env: ManagerBasedEnv, params: dict) -> float:
    """``params["max_scale"]``, or the largest value of ``params["value"]`` (fixed distribution or ADR hard limit)."""
    if params.get("max_scale") is not None:
        return float(params["max_scale"])
    adr_cfg = getattr(getattr(env.cfg, "randomization", None), "adr", None)
    largest = largest_value(params["value"], adr_cfg)
    if not math.isfinite(largest):
        raise ValueError(
            f"randomize_object_size: the size range {params['value']} has no upper bound; give the term a "
            "params['max_scale'] (the largest scale its broad-phase bounds must cover)"
        )
    return largest
