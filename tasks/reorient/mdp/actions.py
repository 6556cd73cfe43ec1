"""The 20 motor targets of the Shadow hand as one action term: relative targets, clipped, smoothed.

Dactyl (arXiv 1808.00177, sec. 4) commands relative joint targets: each policy step moves every motor's
position target by ``scale * action`` from where it was. Sixteen motors drive a joint; four drive a
tendon ``J0 = J1 + J2`` (Isaac Lab keeps tendons in their own index space, so one term writes both).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING
from typing import TYPE_CHECKING

import torch

from isaaclab.managers import ActionTerm, ActionTermCfg
from isaaclab.utils import configclass

from dactyl_lab import hand

if TYPE_CHECKING:
    from isaaclab.assets import Articulation
    from isaaclab.envs import ManagerBasedEnv


class RelativeMotorTargetAction(ActionTerm):
    """``target_t = clip(target_{t-1} + scale * a_t, limits)``, then ``s * smoothed + (1 - s) * target``.

    Action order = :data:`dactyl_lab.hand.MOTOR_NAMES` (16 joint motors, then 4 tendon motors).
    Randomization hooks (None by default): ``_action_noise`` on the action, ``_target_hook`` (backlash) on the
    smoothed targets; :attr:`processed_actions` is what the motors receive. ``_latency_hook`` (timing jitter),
    called once per control step, returns per-env substep counts k (N,): for the first k of the ``decimation``
    physics substeps of the step :meth:`apply_actions` keeps sending the previous step's targets.
    """

    cfg: RelativeMotorTargetActionCfg
    _asset: Articulation

    def __init__(self, cfg: RelativeMotorTargetActionCfg, env: ManagerBasedEnv):
        super().__init__(cfg, env)
        self._joint_ids, _ = self._asset.find_joints(list(hand.JOINT_MOTOR_NAMES), preserve_order=True)
        self._tendon_ids, _ = self._asset.find_fixed_tendons(list(hand.TENDON_MOTOR_NAMES), preserve_order=True)
        # the two joints each tendon sums, as indices into the articulation's joints
        pairs = [self._asset.find_joints(list(hand.TENDON_JOINTS[t]), preserve_order=True)[0] for t in hand.TENDON_MOTOR_NAMES]
        self._tendon_joint_ids = torch.tensor(pairs, device=self.device, dtype=torch.long)  # (4, 2)
        self._joint_ids_t = torch.tensor(self._joint_ids, device=self.device, dtype=torch.long)
        limits = torch.tensor([hand.MOTOR_LIMITS_RAD[m] for m in hand.MOTOR_NAMES], device=self.device)
        self._low, self._high = limits[:, 0], limits[:, 1]
        self._scale = float(cfg.scale_rad)
        self._raw = torch.zeros(self.num_envs, len(hand.MOTOR_NAMES), device=self.device)
        self._target = torch.zeros_like(self._raw)  # unsmoothed target [rad]
        self._smoothed = torch.zeros_like(self._raw)  # what the motors receive [rad]
        self._action_noise = None  # optional callable(actions, env_ids=None) -> actions, set by randomization
        self._target_hook = None  # optional callable(targets_rad) -> targets_rad (e.g. backlash), set by randomization
        self._applied = self._smoothed  # what the motors receive [rad]: the smoothed targets unless hooked
        self._latency_hook = None  # optional callable() -> (N,) long substeps to hold the previous targets
        self._previous = torch.zeros_like(self._raw)  # targets of the previous control step [rad] (latency only)
        self._hold = None  # (N,) substeps left to send self._previous in this control step (latency only)

    @property
    def action_dim(self) -> int:
        return len(hand.MOTOR_NAMES)

    @property
    def raw_actions(self) -> torch.Tensor:
        return self._raw

    @property
    def processed_actions(self) -> torch.Tensor:
        return self._applied

    def motor_positions(self, env_ids: Sequence[int] | slice = slice(None)) -> torch.Tensor:
        """Current motor coordinates [rad]: joint motors read their joint, tendons sum J1 + J2."""
        joint_pos = self._asset.data.joint_pos.torch[env_ids]
        tendon_pos = joint_pos[:, self._tendon_joint_ids].sum(dim=-1)
        return torch.cat((joint_pos[:, self._joint_ids_t], tendon_pos), dim=-1)

    def process_actions(self, actions: torch.Tensor):
        if self._latency_hook is not None:
            self._previous[:] = self._applied  # what the motors received during the last control step
            self._hold = self._latency_hook().to(self.device, torch.long)
        self._raw[:] = actions
        if self._action_noise is not None:
            actions = self._action_noise(actions)
        step = self._scale * actions.clamp(-1.0, 1.0)
        self._target[:] = torch.clamp(self._target + step, self._low, self._high)
        s = self.cfg.smoothing
        self._smoothed[:] = s * self._smoothed + (1.0 - s) * self._target
        if self._target_hook is not None:
            self._applied = self._target_hook(self._smoothed)

    def apply_actions(self):
        n = len(hand.JOINT_MOTOR_NAMES)
        targets = self._applied
        if self._hold is not None:  # timing jitter: the new targets arrive k substeps late
            targets = torch.where((self._hold > 0)[:, None], self._previous, self._applied)
            self._hold = (self._hold - 1).clamp(min=0)
        self._asset.set_joint_position_target_index(target=targets[:, :n], joint_ids=self._joint_ids)
        self._asset.set_fixed_tendon_position_target_index(target=targets[:, n:], fixed_tendon_ids=self._tendon_ids)

    def reset(self, env_ids: Sequence[int] | None = None) -> None:
        ids = slice(None) if env_ids is None else env_ids
        # a new episode starts from where the hand is, so the first action is relative to it
        current = torch.clamp(self.motor_positions(ids), self._low, self._high)
        self._target[ids] = current
        self._smoothed[ids] = current
        self._applied[ids] = current
        self._previous[ids] = current
        if self._hold is not None:
            self._hold[ids] = 0
        self._raw[ids] = 0.0


@configclass
class RelativeMotorTargetActionCfg(ActionTermCfg):
    class_type: type = RelativeMotorTargetAction
    asset_name: str = MISSING
    scale_rad: float = 0.1
    """Largest change of a motor target per policy step [rad] (action +-1)."""
    smoothing: float = 0.3
    """Exponential smoothing of targets: weight of the previous smoothed target (0 = off; paper: 0.3)."""
