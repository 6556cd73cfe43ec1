"""Goal orientations, counted the way the Dactyl paper counts them.

A goal is a uniformly random cube orientation. It is reached when the orientation error is below the
success threshold (0.4 rad in the paper); a new goal is drawn at once. With a goal curriculum
(:mod:`.curriculum`, ``presets=curriculum``) a goal is a uniformly random rotation of at most
``max_goal_angle_rad`` away from the cube's orientation when the goal is drawn; at pi that is exactly the
uniform distribution on SO(3) again (the curriculum also keeps goals at least 0.5 rad away, so that no goal
is reached by drifting). "Consecutive successes" is the
number of goals reached in a row within one episode (arXiv 1808.00177, sec. 6), not the number of
steps spent inside the threshold (Isaac Lab's stock metric).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import MISSING
from typing import TYPE_CHECKING

import math

import torch

import isaaclab.utils.math as math_utils
from isaaclab.managers import CommandTerm, CommandTermCfg
from isaaclab.markers import VisualizationMarkers, VisualizationMarkersCfg
from isaaclab.utils import configclass

from dactyl_lab.spec import task as task_constants

if TYPE_CHECKING:
    from isaaclab.assets import RigidObject
    from isaaclab.envs import ManagerBasedRLEnv


def haar_angle_table(num_points: int = 4097, device: str | torch.device = "cpu") -> tuple[torch.Tensor, torch.Tensor]:
    """(angles [rad], CDF) of the rotation angle of a uniformly random rotation (Haar measure on SO(3)).

    The angle's density is (1 - cos t) / pi on [0, pi], so its CDF is (t - sin t) / pi.
    """
    angles = torch.linspace(0.0, math.pi, num_points, device=device)
    return angles, (angles - angles.sin()) / math.pi


def random_rotation_within(
    num: int,
    max_angle_rad: torch.Tensor,
    table: tuple[torch.Tensor, torch.Tensor],
    device: str | torch.device,
    min_angle_rad: torch.Tensor | float = 0.0,
) -> torch.Tensor:
    """Uniformly random rotations (x, y, z, w) conditioned on an angle in [min_angle_rad, max_angle_rad].

    The angle is drawn by inverting the Haar CDF restricted to that interval (linear interpolation in
    ``table``), the axis uniformly on the sphere; on [0, pi] the result is uniform on SO(3).
    The limits are floats or 0-d tensors on ``device``; nothing leaves the device.
    """
    angles, cdf = table
    top = torch.clamp(torch.as_tensor(max_angle_rad, device=device), 0.0, math.pi)
    bottom = torch.minimum(torch.as_tensor(min_angle_rad, device=device), top)
    top_cdf, bottom_cdf = (top - top.sin()) / math.pi, (bottom - bottom.sin()) / math.pi
    u = bottom_cdf + torch.rand(num, device=device) * (top_cdf - bottom_cdf)
    idx = torch.searchsorted(cdf, u).clamp(1, cdf.numel() - 1)
    c0, c1 = cdf[idx - 1], cdf[idx]
    frac = (u - c0) / (c1 - c0).clamp(min=1e-12)
    angle = angles[idx - 1] + frac * (angles[idx] - angles[idx - 1])
    axis = torch.nn.functional.normalize(torch.randn(num, 3, device=device), dim=-1)
    return math_utils.quat_from_angle_axis(angle, axis)


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
        # goal curriculum: angles between the cube and a new goal [rad] ([0, pi] = uniform on SO(3))
        self.min_goal_angle_rad = torch.tensor(float(cfg.min_goal_angle_rad), device=self.device)
        self.max_goal_angle_rad = torch.tensor(float(cfg.max_goal_angle_rad), device=self.device)
        self._angle_table = haar_angle_table(device=self.device)
        self.metrics["consecutive_successes"] = torch.zeros(self.num_envs, device=self.device)
        self.metrics["orientation_error"] = torch.zeros(self.num_envs, device=self.device)

    @property
    def command(self) -> torch.Tensor:
        """Goal pose (x, y, z [m, env frame], qx, qy, qz, qw), shape (num_envs, 7)."""
        return torch.cat((self.pos_command_e, self.quat_command_w), dim=-1)

    def current_error(self) -> torch.Tensor:
        """Orientation error [rad] between the cube now and the current goal."""
        return math_utils.quat_error_magnitude(self.object.data.root_quat_w.torch, self.quat_command_w)

    def set_goal_angle_range(self, min_angle_rad: torch.Tensor | float, max_angle_rad: torch.Tensor | float) -> None:
        """Draw new goals at a rotation angle in [min, max] from the cube [rad]; [0, pi] = uniform on SO(3)."""
        self.min_goal_angle_rad.copy_(torch.as_tensor(min_angle_rad, device=self.device))
        self.max_goal_angle_rad.copy_(torch.as_tensor(max_angle_rad, device=self.device))

    def sample_goals(self, env_ids: Sequence[int] | slice) -> torch.Tensor:
        """New goal orientations (x, y, z, w) for ``env_ids``: a uniformly random rotation with an angle in
        [min_goal_angle_rad, max_goal_angle_rad] applied to the cube's current orientation (uniform on SO(3) for
        [0, pi], whatever the cube's orientation)."""
        current = self.object.data.root_quat_w.torch[env_ids]
        delta = random_rotation_within(
            current.shape[0], self.max_goal_angle_rad, self._angle_table, self.device, self.min_goal_angle_rad
        )
        return math_utils.quat_mul(delta, current)

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
        self.quat_command_w[env_ids] = self.sample_goals(env_ids)

    def _update_command(self):
        error = self.metrics["orientation_error"]
        self.reached_now[:] = error < self.cfg.success_threshold_rad
        self.goals_reached += self.reached_now.float()
        self.goal_time_s += self._env.step_dt
        self.goal_time_s.masked_fill_(self.reached_now, 0.0)  # no boolean-mask write: no host sync
        # draw the next goal where this one was reached; vectorised: sample for all, keep where reached
        fresh = self.sample_goals(slice(None))
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
    success_threshold_rad: float = task_constants.SUCCESS_THRESHOLD_RAD
    """Orientation error below which a goal counts as reached [rad] (paper: 0.4)."""
    min_goal_angle_rad: float = 0.0
    """Smallest rotation between the cube and a newly drawn goal [rad] (default 0: uniform on SO(3))."""
    max_goal_angle_rad: float = math.pi
    """Largest rotation between the cube and a newly drawn goal [rad]; pi (default) = uniform on SO(3).
    A goal curriculum (:class:`~.curriculum.GoalAngleCurriculum`) changes both while training."""
    marker_offset_m: tuple[float, float, float] = (0.0, 0.12, 0.05)
    """Where the goal marker is drawn, relative to the goal position [m]."""
    goal_marker_cfg: VisualizationMarkersCfg = MISSING
