"""The task's environment class: Isaac Lab's ``ManagerBasedRLEnv`` that hands out no diverged world.

Registered as the task's gym entry point. It adds to :meth:`step`, :meth:`reset` and :meth:`reset_to` only what the
learner must never see (:mod:`.mdp.divergence`): the observations of an env whose state is non-finite, and any
non-finite observation or reward, become 0. The reward terms already pay 0 for the envs the divergence guard fired
on (which keeps the episode sums finite); the reward here is the last line for a term that does not. ``obs_buf`` is
masked in place, so what the RL wrappers read from it later (rsl_rl's ``get_observations``) is the masked one too.
"""

from __future__ import annotations

import torch

from isaaclab.envs import ManagerBasedRLEnv

from .backends import physx as physx_backend
from .mdp.divergence import mask_diverged_observations


class DactylReorientEnv(ManagerBasedRLEnv):
    """``ManagerBasedRLEnv`` whose observations and rewards are finite, and zero for a diverged world."""

    def __init__(self, cfg, render_mode: str | None = None, **kwargs):
        # PhysX presets: PhysX versions of the Newton-only terms, the OvPhysX workarounds, before the simulation starts
        physx_backend.prepare(cfg)
        super().__init__(cfg, render_mode, **kwargs)

    def step(self, action: torch.Tensor):
        obs, reward, terminated, truncated, extras = super().step(action)
        mask_diverged_observations(self, obs)
        reward.nan_to_num_(nan=0.0, posinf=0.0, neginf=0.0)
        return obs, reward, terminated, truncated, extras

    def reset(self, *args, **kwargs):
        obs, extras = super().reset(*args, **kwargs)
        return mask_diverged_observations(self, obs), extras

    def reset_to(self, *args, **kwargs):
        obs, extras = super().reset_to(*args, **kwargs)
        return mask_diverged_observations(self, obs), extras
