"""Record the real-hand runtime's control loop on the MuJoCo stand-in (sim2sim --video, the main job).

Attach :meth:`StandInRecorder.attach` to a :class:`dactyl_lab.runtime.loop.ControlLoop` whose hand is a
:class:`~dactyl_lab.runtime.backends.mujoco_standin.MujocoStandInHand`: one frame after each control step's
physics (the true cube pose, not the tracker's noisy one), one MP4 per trial for the first ``trials`` trials:
a trial of n control steps has n - 1 frames (its last step ends it and runs no policy);
the safe-pose ramp after the run is not recorded. Torch-free.
"""

from __future__ import annotations

from pathlib import Path

from dactyl_lab.render.options import VideoOptions
from dactyl_lab.render.renderer import HandRenderer, RenderState
from dactyl_lab.render.video import RenderTimes, RolloutVideo
from dactyl_lab.runtime.quat import orientation_error_rad


def trial_video_path(folder: Path, trial: int) -> Path:
    return Path(folder) / f"trial_{trial:03d}.mp4"


class StandInRecorder:
    def __init__(self, folder: str | Path, options: VideoOptions, trials: int = 1, title: str = "MuJoCo stand-in"):
        self.folder, self.options, self.trials, self.title = Path(folder), options, trials, title
        width, height = options.size
        self.renderer: HandRenderer | None = HandRenderer(width, height, options.camera)  # GL errors before any run
        self.loop = None
        self.video: RolloutVideo | None = None
        self.paths: list[Path] = []
        self.frames: list[int] = []
        self.times = RenderTimes()
        self._episode = 0
        self._episode_start_s = 0.0
        self._skip_tick = False

    def attach(self, loop) -> None:
        """Start recording ``loop`` (a ControlLoop on the stand-in); pass as the runtime CLI's loop hook."""
        standin = loop.hand
        if not hasattr(standin, "add_tick_listener"):
            raise ValueError(f"video recording needs the MuJoCo stand-in hand (--hand mujoco), not {type(standin)}")
        self.loop, self.standin = loop, standin
        self._start_trial()
        standin.add_tick_listener(self._on_tick)

    def _start_trial(self) -> None:
        self._episode_start_s = self.standin.time_s
        fps = self.options.fps_for(self.loop.period_s)
        path = trial_video_path(self.folder, len(self.paths))
        self.video = RolloutVideo(
            path,
            self.renderer,
            fps,
            f"{self.title}, trial {len(self.paths) + 1}",
            self.loop.contract.success_threshold_rad,
            self.options.frame_every,
        )
        self.paths.append(path)

    def _finish_trial(self) -> None:
        if self.video is not None:
            self.video.close()
            self.frames.append(self.video.writer.frames)
            for stage in ("frames", "render_s", "overlay_s", "encode_s"):
                setattr(self.times, stage, getattr(self.times, stage) + getattr(self.video.times, stage))
            self.video = None

    def _on_tick(self) -> None:
        loop = self.loop
        if self.video is None:
            return
        if loop.summary.stop_reason:  # the run is over: the safe-pose ramp follows
            self._finish_trial()
            return
        if loop.episode != self._episode:  # the trial ended; this call is the stand-in's reset
            self._episode = loop.episode
            self._finish_trial()
            if len(self.paths) < self.trials:
                self._start_trial()
            self._skip_tick = True
            return
        if self._skip_tick:  # the physics of the step that ended the last trial, run on the reset state
            self._skip_tick = False
            return
        pos, quat = self.standin.object_pose_true()
        self.video.add(
            RenderState(
                joint_pos_rad={n: self.standin.data.qpos[a] for n, a in self.standin.qpos_adr.items()},
                cube_pos_m=pos,
                cube_quat_xyzw=quat,
                goal_quat_xyzw=loop.goal_xyzw,
                time_s=self.standin.time_s - self._episode_start_s,
                goals_reached=loop.successes.consecutive,
                orientation_error_rad=orientation_error_rad(quat, loop.goal_xyzw),
            )
        )

    def close(self) -> list[Path]:
        """Finish the open video (if any); the paths of the videos written."""
        self._finish_trial()
        if self.renderer is not None:
            self.renderer.close()
            self.renderer = None
        return self.paths
