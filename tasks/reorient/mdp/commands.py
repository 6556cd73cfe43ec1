"""Goal orientations, counted the way the Dactyl paper counts them.

A goal is a uniformly random cube orientation. It is reached when the orientation error is below the
success threshold (0.4 rad in the paper); a new goal is drawn at once. "Consecutive successes" is the
number of goals reached in a row within one episode (arXiv 1808.00177, sec. 6), not the number of
steps spent inside the threshold (Isaac Lab's stock metric).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING
from typing import TYPE_CHECKING

import torch

import isaaclab.utils.math as math_utils
from isaaclab.managers import CommandTerm, CommandTermCfg
from isaaclab.markers import VisualizationMarkers, VisualizationMarkersCfg
from isaaclab.utils import configclass

if TYPE_CHECKING:
    from isaaclab.assets import RigidObject
    from isaaclab.envs import ManagerBasedRLEnv


class GoalOrientationCommand(CommandTerm):
    """Goal pose of the cube: fixed position above the palm, random orientation (x, y, z, w)."""

    cfg: GoalOrientationCommandCfg

    def __init__(self, cfg: GoalOrientationCommandCfg, env: ManagerBasedRLEnv):
        super().__init__(cfg, env)
        self.object: RigidObject = env.scene[cfg.asset_name]
        self.pos_command_e = self.object.data.default_root_pose.torch[:, :3].clone()  # [m], env frame
        self.quat_command_w = torch.zeros(self.num_envs, 4, device=self.device)
        self.quat_command_w[:, 3] = 1.0
        self.orientation_error = torch.zeros(self.num_envs, device=self.device)  # [rad], vs current goal
        self.goals_reached = torch.zeros(self.num_envs, device=self.device)  # consecutive successes
        self.goal_time_s = torch.zeros(self.num_envs, device=self.device)  # time spent on the current goal
        self.reached_now = torch.zeros(self.num_envs, dtype=torch.bool, device=self.device)
        self.metrics["consecutive_successes"] = torch.zeros(self.num_envs, device=self.device)
        self.metrics["orientation_error"] = torch.zeros(self.num_envs, device=self.device)

    @property
    def command(self) -> torch.Tensor:
        """Goal pose (x, y, z [m, env frame], qx, qy, qz, qw), shape (num_envs, 7)."""
        return torch.cat((self.pos_command_e, self.quat_command_w), dim=-1)

    def current_error(self) -> torch.Tensor:
        """Orientation error [rad] between the cube now and the current goal."""
        return math_utils.quat_error_magnitude(self.object.data.root_quat_w.torch, self.quat_command_w)

    def reset(self, env_ids: Sequence[int] | None = None) -> dict[str, torch.Tensor]:
        ids = slice(None) if env_ids is None else env_ids
        self.metrics["consecutive_successes"][ids] = self.goals_reached[ids]
        reached = self.goals_reached[ids]
        if reached.numel() > 0:
            log = self._env.extras.setdefault("log", {})
            log["Metrics/consecutive_successes_max"] = reached.max()
        extras = super().reset(env_ids)  # logs the means, zeroes the metrics, resamples the goal
        self.goals_reached[ids] = 0.0
        self.goal_time_s[ids] = 0.0
        self.reached_now[ids] = False
        self.orientation_error[ids] = self.current_error()[ids]
        return extras

    def _update_metrics(self):
        self.metrics["orientation_error"][:] = self.current_error()

    def _resample_command(self, env_ids: Sequence[int]):
        n = len(range(self.num_envs)[env_ids]) if isinstance(env_ids, slice) else len(env_ids)
        self.quat_command_w[env_ids] = math_utils.random_orientation(n, device=self.device)

    def _update_command(self):
        error = self.metrics["orientation_error"]
        self.reached_now[:] = error < self.cfg.success_threshold_rad
        self.goals_reached += self.reached_now.float()
        self.goal_time_s += self._env.step_dt
        self.goal_time_s.masked_fill_(self.reached_now, 0.0)  # no boolean-mask write: no host sync
        # draw the next goal where this one was reached; vectorised: sample for all, keep where reached
        fresh = math_utils.random_orientation(self.num_envs, device=self.device)
        self.quat_command_w[:] = torch.where(self.reached_now[:, None], fresh, self.quat_command_w)
        self.orientation_error[:] = self.current_error()

    def _set_debug_vis_impl(self, debug_vis: bool):
        if debug_vis and not hasattr(self, "goal_visualizer"):
            self.goal_visualizer = VisualizationMarkers(self.cfg.goal_marker_cfg)
        if hasattr(self, "goal_visualizer"):
            self.goal_visualizer.set_visibility(debug_vis)

    def _debug_vis_callback(self, event):
        offset = torch.tensor(self.cfg.marker_offset_m, device=self.device)
        self.goal_visualizer.visualize(
            translations=self.pos_command_e + self._env.scene.env_origins + offset, orientations=self.quat_command_w
        )


@configclass
class GoalOrientationCommandCfg(CommandTermCfg):
    class_type: type = GoalOrientationCommand
    resampling_time_range: tuple[float, float] = (1.0e9, 1.0e9)  # goals change on success, not on time
    asset_name: str = MISSING
    success_threshold_rad: float = 0.4
    """Orientation error below which a goal counts as reached [rad] (paper: 0.4)."""
    marker_offset_m: tuple[float, float, float] = (0.0, 0.12, 0.05)
    """Where the goal marker is drawn, relative to the goal position [m]."""
    goal_marker_cfg: VisualizationMarkersCfg = MISSING
