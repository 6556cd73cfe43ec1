"""Goal-distance curriculum: goals start close to the cube and move out to uniform on SO(3).

With uniformly random goals (mean 2.1 rad away) an untrained policy almost never reaches one, so the +5 goal
bonus carries no learning signal early on. :class:`GoalAngleCurriculum` draws goals within a maximum angle of
the cube's orientation and moves that angle ADR-style (arXiv 1910.07113, sec. 5): the per-goal success rate
over a window of finished goal attempts is compared with two thresholds; above ``success_high`` the angle
grows by ``step_rad``, below ``success_low`` it shrinks, up to pi (uniform, the paper's distribution).

A goal attempt is a goal reached (success) or the goal an episode ended on before reaching it (failure: a drop
or a goal timeout; an episode ended by the success cap has no failed attempt, and a reset before any step
is no attempt). Everything stays on the env's
device; each rank of a distributed run moves its own angle from its own envs (no collective in the reset path,
where ranks are not in lockstep). The state is logged as ``Curriculum/goal_angle/*``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from isaaclab.managers import CurriculumTermCfg, ManagerTermBase
from isaaclab.utils import configclass

if TYPE_CHECKING:
    from isaaclab.envs import ManagerBasedRLEnv


def next_goal_angle(
    angle_rad: torch.Tensor, success_rate: torch.Tensor, ready: torch.Tensor, cfg: GoalAngleCurriculumParams
) -> torch.Tensor:
    """The curriculum's decision as one pure function: widen, narrow or keep ``angle_rad`` (0-d tensors)."""
    step = torch.where(success_rate >= cfg.success_high, cfg.step_rad, 0.0)
    step = torch.where(success_rate <= cfg.success_low, -cfg.step_rad, step)
    step = torch.where(ready, step, 0.0)
    return torch.clamp(angle_rad + step, cfg.min_angle_rad, math.pi)


@configclass
class GoalAngleCurriculumParams:
    """Thresholds of :class:`GoalAngleCurriculum`."""

    goal_min_angle_rad: float = 0.5
    """New goals are at least this far from the cube [rad] while the limit is below pi (above the 0.4 rad
    success threshold, so that no goal is reached by the cube drifting); at pi goals are uniform on SO(3)."""
    initial_angle_rad: float = 0.8
    """Angle limit at the start of training [rad]."""
    min_angle_rad: float = 0.6
    """The limit never shrinks below this [rad]."""
    step_rad: float = 0.15
    """Change of the limit per decision [rad]."""
    success_high: float = 0.5
    """Widen when at least this fraction of goal attempts in the window succeeded."""
    success_low: float = 0.2
    """Narrow when at most this fraction succeeded."""
    window_attempts: int = 256
    """Goal attempts per decision (per rank)."""


class GoalAngleCurriculum(ManagerTermBase):
    """Curriculum term: counts goal attempts of finished episodes and moves the goal command's angle limit."""

    def __init__(self, cfg: CurriculumTermCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self.params: GoalAngleCurriculumParams = cfg.params["curriculum"]
        self.command = env.command_manager.get_term(cfg.params["command_name"])
        self.angle_rad = torch.tensor(self.params.initial_angle_rad, device=env.device)
        self._set_range(self.params)
        self.successes = torch.zeros((), device=env.device)
        self.attempts = torch.zeros((), device=env.device)
        self.last_rate = torch.zeros((), device=env.device)

    def __call__(
        self,
        env: ManagerBasedRLEnv,
        env_ids: Sequence[int] | slice,
        command_name: str,
        curriculum: GoalAngleCurriculumParams,
        cap_term: str = "max_successes",
    ) -> dict[str, torch.Tensor]:
        # runs before the command's reset: goals_reached still holds the finished episodes' counts
        # episodes that ran at least one step (the first reset of all envs is no attempt)
        ran = (env.episode_length_buf[env_ids] > 0).float()
        reached = self.command.goals_reached[env_ids] * ran
        failed = ran
        terms = env.termination_manager
        if cap_term in terms.active_terms:
            failed = failed * (1.0 - terms.get_term(cap_term)[env_ids].float())
        self.successes += reached.sum()
        self.attempts += reached.sum() + failed.sum()
        ready = self.attempts >= curriculum.window_attempts
        rate = self.successes / self.attempts.clamp(min=1.0)
        self.last_rate = torch.where(ready, rate, self.last_rate)
        self.angle_rad = next_goal_angle(self.angle_rad, rate, ready, curriculum)
        self._set_range(curriculum)
        self.successes = torch.where(ready, 0.0, self.successes)
        self.attempts = torch.where(ready, 0.0, self.attempts)
        return {"max_angle_rad": self.angle_rad, "success_rate": self.last_rate}

    def _set_range(self, params: GoalAngleCurriculumParams) -> None:
        low = torch.where(self.angle_rad >= math.pi, 0.0, params.goal_min_angle_rad)  # at pi: uniform on SO(3)
        self.command.set_goal_angle_range(low, self.angle_rad)


@configclass
class GoalCurriculumCfg:
    """``presets=curriculum``: the goal-angle curriculum as Isaac Lab curriculum term."""

    goal_angle = CurriculumTermCfg(
        func=GoalAngleCurriculum,
        params={"command_name": "object_pose", "curriculum": GoalAngleCurriculumParams()},
    )


@configclass
class NoCurriculumCfg:
    """No curriculum term (the default task: goals uniform on SO(3) from the start)."""
