"""Record Isaac Lab (Newton) rollouts with the same MuJoCo renderer as the stand-in.

:class:`EnvVideoRecorder` is a gymnasium wrapper around the task's ``ManagerBasedRLEnv``: after every reset and
step it reads, for each recorded env, the hand's joint positions (by the articulation's joint names, i.e.
:data:`dactyl_lab.spec.hand.NEWTON_JOINT_ORDER` on Newton), the cube pose and the goal orientation in the frame of
the articulation's first body (``rh_hand_mount``; the renderer maps that body's frame into the MJCF's world),
the goals reached and the orientation error, and draws them through
:class:`~dactyl_lab.render.renderer.HandRenderer`. One MP4 per recorded env; with ``until_done`` an env's
video ends with its first episode (a trial: the post-step state of a finished episode is already the reset
one, so a trial of n steps has n frames: the reset state and n - 1 steps; several resets before the first step
give one frame).

Reading the state copies a few numbers per recorded env to the host each step: that is the price of a video
and happens only while recording. torch is imported lazily (the runtime imports :mod:`dactyl_lab.render`).
"""

from __future__ import annotations

from pathlib import Path

import gymnasium as gym

from dactyl_lab.render.options import VideoOptions
from dactyl_lab.render.renderer import HandRenderer, RenderState
from dactyl_lab.render.video import RenderTimes, RolloutVideo

GOAL_TERM = "object_pose"


def _tensor(value):
    """Isaac Lab 3 data fields are warp-backed with a ``.torch`` view; plain tensors pass through."""
    return value.torch if hasattr(value, "torch") else value


def newton_states(env, env_ids: list[int]) -> list[RenderState]:
    """:class:`RenderState` of the given envs of the Dactyl task (one host copy for all of them)."""
    import torch

    import isaaclab.utils.math as math_utils

    unwrapped = env.unwrapped
    robot, cube = unwrapped.scene["robot"], unwrapped.scene["object"]
    goals = unwrapped.command_manager.get_term(GOAL_TERM)
    ids = torch.as_tensor(env_ids, device=unwrapped.device)
    # the cube and the goal in the frame of the articulation's root link (a body of the MJCF too): the renderer
    # places them through its own kinematics, whatever the asset's placement and the mount's rotation
    root_pos, root_quat = _tensor(robot.data.body_pos_w)[ids, 0], _tensor(robot.data.body_quat_w)[ids, 0]
    cube_pos_w, cube_quat_w = _tensor(cube.data.root_pos_w)[ids], _tensor(cube.data.root_quat_w)[ids]
    inv = math_utils.quat_conjugate(root_quat)
    cube_pos = math_utils.quat_apply(inv, cube_pos_w - root_pos)
    cube_quat = math_utils.quat_mul(inv, cube_quat_w)
    goal_quat = math_utils.quat_mul(inv, goals.quat_command_w[ids])
    time_s = unwrapped.episode_length_buf[ids].float() * unwrapped.step_dt
    packed = (
        torch.cat(
            [
                _tensor(robot.data.joint_pos)[ids],
                cube_pos,
                cube_quat,
                goal_quat,
                time_s[:, None],
                goals.goals_reached[ids, None],
                goals.current_error()[ids, None],
            ],
            dim=1,
        )
        .cpu()
        .numpy()
    )
    names, root_body = list(robot.joint_names), robot.body_names[0]
    n = len(names)
    return [
        RenderState(
            joint_pos_rad=dict(zip(names, row[:n])),
            cube_pos_m=row[n : n + 3],
            cube_quat_xyzw=row[n + 3 : n + 7],
            goal_quat_xyzw=row[n + 7 : n + 11],
            time_s=float(row[n + 11]),
            goals_reached=int(round(row[n + 12])),
            orientation_error_rad=float(row[n + 13]),
            frame_body=root_body,
        )
        for row in packed
    ]


class EnvVideoRecorder(gym.Wrapper):
    """Records envs ``env_ids`` of an Isaac Lab env into ``paths`` (one MP4 each) while it runs.

    Args:
        until_done: stop each env's video at the end of its first episode (evaluation trials); otherwise record
            until :meth:`close` (playback).
    """

    def __init__(
        self,
        env,
        paths: list[Path],
        options: VideoOptions,
        env_ids: list[int] | None = None,
        until_done: bool = False,
        title: str = "Newton (Isaac Lab)",
        progress=print,
    ):
        super().__init__(env)
        env_ids = list(range(len(paths))) if env_ids is None else list(env_ids)
        num_envs = env.unwrapped.num_envs
        if len(env_ids) != len(paths) or not all(0 <= i < num_envs for i in env_ids):
            raise ValueError(f"record envs {env_ids} into {len(paths)} files: need one file per env, ids < {num_envs}")
        width, height = options.size
        self.renderer = HandRenderer(width, height, options.camera)
        fps = options.fps_for(env.unwrapped.step_dt)
        threshold = env.unwrapped.command_manager.get_term(GOAL_TERM).cfg.success_threshold_rad
        self.videos = {
            i: RolloutVideo(p, self.renderer, fps, f"{title}, env {i}", threshold, options.frame_every)
            for i, p in zip(env_ids, paths)
        }
        self.until_done = until_done
        self.progress = progress
        self.finished: list[RolloutVideo] = []
        self._reset_states: dict | None = None
        self.times = RenderTimes()

    @property
    def recording(self) -> bool:
        return bool(self.videos)

    def _record(self) -> None:
        ids = list(self.videos)
        for i, state in zip(ids, newton_states(self.env, ids)):
            self.videos[i].add(state)

    def _flush_reset_frame(self) -> None:
        for i, state in (self._reset_states or {}).items():
            if i in self.videos:
                self.videos[i].add(state)
        self._reset_states = None

    def _finish(self, env_id: int) -> None:
        video = self.videos.pop(env_id)
        video.close()
        self.finished.append(video)
        for stage in ("frames", "render_s", "overlay_s", "encode_s"):
            setattr(self.times, stage, getattr(self.times, stage) + getattr(video.times, stage))
        self.progress(f"[video] {video.path} ({video.writer.frames} frames)")

    def reset(self, **kwargs):
        result = self.env.reset(**kwargs)
        if self.videos:  # kept until the first step: wrappers and players may reset more than once
            ids = list(self.videos)
            self._reset_states = dict(zip(ids, newton_states(self.env, ids)))
        return result

    def step(self, action):
        self._flush_reset_frame()
        result = self.env.step(action)
        if self.videos:
            if self.until_done:
                done = (result[2] | result[3]).nonzero().flatten().cpu().tolist()  # only while recording
                for i in [i for i in done if i in self.videos]:
                    self._finish(i)
            if self.videos:
                self._record()
        return result

    def close_videos(self) -> list[Path]:
        for i in list(self.videos):
            self._finish(i)
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None
        return [v.path for v in self.finished]

    def close(self):
        self.close_videos()
        return self.env.close()
