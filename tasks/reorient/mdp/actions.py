"""The 20 motor targets of the Shadow hand as one action term: the paper's action law plus its actuator models.

Dactyl (arXiv 1808.00177, sec. 4.2, App. B.4 / C.1): each action is a change of the motor's position relative to
the measured position of the joint(s) it drives when the action is issued; the actions are smoothed by an EMA
(0.3 on the previous value per 80 ms, as OpenAI's robogym) and every target moves at most the hand's rated speed
x the step time from the last one. The formulas live in :mod:`dactyl_lab.spec.action_law` (shared with the
real-hand runtime). Sixteen
motors drive a joint; four drive a tendon ``J0 = J1 + J2`` (Isaac Lab keeps tendons in their own index space, so
one term writes both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING
from typing import TYPE_CHECKING

import torch
import warp as wp

from isaaclab.managers import ActionTerm, ActionTermCfg
from isaaclab.utils import configclass

from dactyl_lab.spec import action_law, hand
from dactyl_lab.tasks.randomization import (
    ActionDelay,
    ActionDelayCfg,
    ActionNoise,
    ActionNoiseCfg,
    Backlash,
    BacklashCfg,
    TimingJitter,
    TimingJitterCfg,
    adr_of,
    late_target_weight,
    make_generator,
    resolve_env_ids,
)

from . import seed_streams

if TYPE_CHECKING:
    from isaaclab.assets import Articulation
    from isaaclab.envs import ManagerBasedEnv


class RelativeMotorTargetAction(ActionTerm):
    """Per control step, action order = :data:`dactyl_lab.spec.hand.MOTOR_NAMES` (16 joint motors, 4 tendon motors):

    1. ``a = clip(action, -1, 1)``; ``a_smooth`` = the bias-corrected EMA of ``a`` whose previous value keeps the
       weight ``p`` per step, derived from the env's real step time
       (:func:`dactyl_lab.spec.action_law.smooth`,
       :func:`~dactyl_lab.spec.action_law.smoothing_previous_weight_per_step`);
    2. the actuator models the cfg declares, on the normalized action: ``action_noise`` -> ``delay`` ->
       ``backlash`` (:attr:`effective_actions`);
    3. ``target = clip(measured motor position + scale * effective action, limits in force)`` (``scale`` per
       motor, :attr:`scale_rad`: half of each motor's nominal range by default), moved at most
       :attr:`max_step_rad` from the previous step's target (the law's rate limit), the joint
       limits read from the articulation (the randomized ones under ``randomize_joint_limits``; tendons: the
       intersection of the tendon range and the sum of its two joints' ranges);
    4. ``timing``: the new targets reach the motors late by this step's extra time (:mod:`..unmodeled`).

    The models are built here from the cfg; their per-env magnitudes are public tensors ADR may set, and their
    ``reset(env_ids, adr=adr_of(env))`` reads configured ADR parameters (see :mod:`dactyl_lab.tasks.randomization`).
    """

    cfg: RelativeMotorTargetActionCfg
    _asset: Articulation

    def __init__(self, cfg: RelativeMotorTargetActionCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        joint_ids, _ = self._asset.find_joints(list(hand.JOINT_MOTOR_NAMES), preserve_order=True)
        tendon_ids, _ = self._asset.find_fixed_tendons(list(hand.TENDON_MOTOR_NAMES), preserve_order=True)
        # resolved once: Isaac Lab turns a Python list into a new warp array (a host-to-device copy) on every call
        self._joint_ids_wp = wp.array(joint_ids, dtype=wp.int32, device=str(self.device))
        self._tendon_ids_wp = wp.array(tendon_ids, dtype=wp.int32, device=str(self.device))
        self._joint_ids = torch.tensor(joint_ids, device=self.device, dtype=torch.long)
        self._tendon_ids = torch.tensor(tendon_ids, device=self.device, dtype=torch.long)
        # the two joints each tendon sums, as indices into the articulation's joints
        pairs = [
            self._asset.find_joints(list(hand.TENDON_JOINTS[t]), preserve_order=True)[0]
            for t in hand.TENDON_MOTOR_NAMES
        ]
        self._tendon_joint_ids = torch.tensor(pairs, device=self.device, dtype=torch.long)  # (4, 2)
        tendon_limits = torch.tensor([hand.MOTOR_LIMITS_RAD[m] for m in hand.TENDON_MOTOR_NAMES], device=self.device)
        self._tendon_low, self._tendon_high = tendon_limits[:, 0], tendon_limits[:, 1]
        scales = action_law.motor_scales_rad(cfg.scale_rad, hand.MOTOR_LIMITS_RAD)
        self.scale_rad = torch.tensor([scales[m] for m in hand.MOTOR_NAMES], device=self.device)
        """Action scale per motor [rad per unit action], motor order (from ``cfg.scale_rad``)."""
        self.step_dt_s = float(env.step_dt)
        self.smoothing_previous_weight = action_law.smoothing_previous_weight_per_step(
            cfg.smoothing_previous_weight, self.step_dt_s, cfg.smoothing_reference_period_s
        )
        """EMA weight of the previous value per control step of this env (0.3 at 80 ms, 0.471 at 50 ms)."""
        speeds = action_law.motor_max_speeds_rad_s(cfg.max_target_speed_rad_s, hand.MOTOR_MAX_SPEED_RAD_S)
        self.max_step_rad = action_law.max_target_step_rad(
            torch.tensor([speeds[m] for m in hand.MOTOR_NAMES], device=self.device), self.step_dt_s
        )
        """Largest change of each motor's target per control step [rad] (the law's rate limit), motor order."""
        n, m = self.num_envs, len(hand.MOTOR_NAMES)
        self._raw = torch.zeros(n, m, device=self.device)
        self.smoothed_action = torch.zeros_like(self._raw)
        """Bias-corrected EMA of the clipped policy actions (what moves the targets)."""
        self._ema = torch.zeros_like(self._raw)  # the EMA before its bias correction (the law's state)
        self._retained = torch.ones(n, 1, device=self.device)  # previous weight ** steps since the episode began
        self.effective_actions = torch.zeros_like(self._raw)
        """The smoothed action after the actuator models (what moved the targets)."""
        self.target_rad = torch.zeros_like(self._raw)
        """This step's motor targets [rad] (:attr:`processed_actions`)."""
        self._sent = torch.zeros_like(self._raw)  # what the motors received in the last physics substep [rad]
        self._previous = torch.zeros_like(self._raw)  # the motors' targets when this control step began [rad]
        self._substep = 0
        self._latency: torch.Tensor | None = None
        seed = seed_streams.seed_of(env.cfg.seed, cfg.seed_offset)
        gen = make_generator(seed, self.device)
        self.action_noise = (
            None
            if cfg.action_noise is None
            else ActionNoise(cfg.action_noise, n, -torch.ones(m), torch.ones(m), self.device, gen)
        )
        self.delay = None if cfg.delay is None else ActionDelay(cfg.delay, n, m, self.device, gen)
        self.backlash = (
            None
            if cfg.backlash is None
            else Backlash(cfg.backlash, n, m, self.step_dt_s, self.device, gen, scale_rad=self.scale_rad)
        )
        self.timing = None if cfg.timing is None else TimingJitter(cfg.timing, n, self.step_dt_s, self.device, gen)
        self._physics_dt_s, self._decimation = float(env.physics_dt), int(env.cfg.decimation)
        self._tendon_force_cap = (
            torch.tensor([hand.MOTOR_EFFORT_LIMIT[t] for t in hand.TENDON_MOTOR_NAMES], device=self.device)
            if cfg.tendon_force_limit_by_target
            else None
        )

    @property
    def action_dim(self) -> int:
        return len(hand.MOTOR_NAMES)

    @property
    def raw_actions(self) -> torch.Tensor:
        return self._raw

    @property
    def processed_actions(self) -> torch.Tensor:
        return self.target_rad

    def motor_positions(self, env_ids: Sequence[int] | slice = slice(None)) -> torch.Tensor:
        """Current motor coordinates [rad]: joint motors read their joint, tendons sum J1 + J2."""
        joint_pos = self._asset.data.joint_pos.torch[env_ids]
        return torch.cat((joint_pos[:, self._joint_ids], self._tendon_lengths(joint_pos)), dim=-1)

    def _tendon_lengths(self, joint_pos: torch.Tensor) -> torch.Tensor:
        """Each tendon's coordinate J1 + J2 [rad] from joint positions (n, joints)."""
        return joint_pos[:, self._tendon_joint_ids].sum(dim=-1)

    def motor_limits(self, env_ids: Sequence[int] | slice = slice(None)) -> tuple[torch.Tensor, torch.Tensor]:
        """(low, high) [rad] per env and motor, the limits in force now (randomized ones included)."""
        limits = self._asset.data.joint_pos_limits.torch[env_ids]  # (n, joints, 2): Newton and PhysX alike
        low, high = limits[..., 0], limits[..., 1]
        pair_low, pair_high = low[:, self._tendon_joint_ids].sum(-1), high[:, self._tendon_joint_ids].sum(-1)
        low = torch.cat((low[:, self._joint_ids], torch.maximum(pair_low, self._tendon_low)), dim=-1)
        high = torch.cat((high[:, self._joint_ids], torch.minimum(pair_high, self._tendon_high)), dim=-1)
        return low, high

    def process_actions(self, actions: torch.Tensor):
        self._raw[:] = actions
        a = actions.clamp(-1.0, 1.0)
        ema, retained, smoothed = action_law.smooth(self._ema, self._retained, a, self.smoothing_previous_weight)
        self._ema[:], self._retained[:], self.smoothed_action[:] = ema, retained, smoothed
        a = self.smoothed_action
        if self.action_noise is not None:
            a = self.action_noise(a)
        if self.delay is not None:
            a = self.delay(a)
        if self.backlash is not None:
            a = self.backlash(a)
        self.effective_actions[:] = a
        low, high = self.motor_limits()
        self.target_rad[:] = action_law.motor_targets(
            self.motor_positions(), a, self.scale_rad, low, high, self.target_rad, self.max_step_rad
        )
        self._previous[:] = self._sent
        self._substep = 0
        if self.timing is not None:
            self.timing.step()
            self._latency = self.timing.latency_substeps(self._physics_dt_s, self._decimation)

    def apply_actions(self):
        targets = self.target_rad
        if self._latency is not None:  # timing jitter: the new targets arrive late by this step's extra time
            w = late_target_weight(self._latency, self._substep)[:, None]
            targets = self._previous + w * (self.target_rad - self._previous)
        self._substep += 1
        self._sent[:] = targets
        n = len(hand.JOINT_MOTOR_NAMES)
        tendon_targets = targets[:, n:]
        if self._tendon_force_cap is not None:
            tendon_targets = self._force_limited_tendon_targets(tendon_targets)
        self._asset.actuators.target_command.set_position_index(value=targets[:, :n], joint_ids=self._joint_ids_wp)
        self._asset.set_fixed_tendon_position_target_index(target=tendon_targets, fixed_tendon_ids=self._tendon_ids_wp)

    def _force_limited_tendon_targets(self, targets: torch.Tensor) -> torch.Tensor:
        """Tendon targets moved to within ``cap / stiffness`` of each tendon's length (J1 + J2) now: the servo's
        spring force ``stiffness * (target - length)`` starts each physics step at most at its cap, as MuJoCo's
        force range clamps it (the stiffness in force now, randomized gains included)."""
        length = self._tendon_lengths(self._asset.data.joint_pos.torch)
        stiffness = self._asset.data.fixed_tendon_stiffness.torch[:, self._tendon_ids]
        band = self._tendon_force_cap / stiffness.clamp_min(1e-6)
        return length + (targets - length).clamp(-band, band)

    def reset(self, env_ids: Sequence[int] | None = None) -> None:
        ids = slice(None) if env_ids is None else env_ids
        # a new episode starts from where the hand is: hold it until the first action
        low, high = self.motor_limits(ids)
        current = torch.clamp(self.motor_positions(ids), low, high)
        self.target_rad[ids] = current
        self._sent[ids] = current
        self._previous[ids] = current
        self.smoothed_action[ids] = 0.0
        self._ema[ids] = 0.0
        self._retained[ids] = 1.0
        self.effective_actions[ids] = 0.0
        self._raw[ids] = 0.0
        adr = adr_of(self._env)  # presets=adr: the ADR curriculum term drew this episode's values before this reset
        model_ids = resolve_env_ids(env_ids, self.num_envs, self.device)
        for model in (self.action_noise, self.backlash, self.timing):
            if model is not None:
                model.reset(model_ids, adr=adr)
        if self.delay is not None:
            self.delay.reset(model_ids, adr=adr)


@configclass
class RelativeMotorTargetActionCfg(ActionTermCfg):
    class_type: type = RelativeMotorTargetAction
    asset_name: str = MISSING
    scale_rad: float | None = None
    """Change of a motor target from the measured motor position at action +-1 [rad]: None (default, the paper's
    relative control as OpenAI's release of this hand implements it) = half of each motor's nominal range
    (:func:`dactyl_lab.spec.action_law.half_range_scale_rad`); a number = the same scale for every motor."""
    smoothing_previous_weight: float = action_law.PAPER_SMOOTHING_PREVIOUS_WEIGHT
    """EMA weight of the previous value per ``smoothing_reference_period_s`` (0.3 per 80 ms, robogym's ``alpha``;
    0 = off)."""
    smoothing_reference_period_s: float = action_law.PAPER_CONTROL_PERIOD_S
    max_target_speed_rad_s: float | None = None
    """The action law's rate limit: a motor target moves at most this speed x the step time per control step
    [rad/s]. None (default) = the hand's rated speeds (:data:`dactyl_lab.spec.hand.MOTOR_MAX_SPEED_RAD_S`, Shadow's
    robot description: 2 rad/s fingers and wrist, 4 rad/s thumb, 4 rad/s tendon J0); a number = that speed for
    every motor. The exported contract carries it and the runtime applies the same limit."""
    action_noise: ActionNoiseCfg | None = None
    """Action noise on the normalized action (ranges are fractions of [-1, 1]); None: off."""
    delay: ActionDelayCfg | None = None
    """One-step delay of random actuators; None: off."""
    backlash: BacklashCfg | None = None
    """The paper's slack model on the normalized action; None: off."""
    timing: TimingJitterCfg | None = None
    """Control-step timing jitter, applied as a latency of the new targets on Newton; None: off."""
    tendon_force_limit_by_target: bool = False
    """Hold each tendon's target within ``force cap / stiffness`` of the tendon's length every physics step, so its
    servo never pulls harder than its cap (:data:`dactyl_lab.spec.hand.MOTOR_EFFORT_LIMIT`). For PhysX, whose fixed
    tendons have no force range (set by :mod:`..backends.physx`); on Newton the MuJoCo actuator's force range does
    it."""
    seed_offset: int = seed_streams.ACTION_MODELS
    """The models draw from a private generator seeded with ``env.cfg.seed + seed_offset``."""
