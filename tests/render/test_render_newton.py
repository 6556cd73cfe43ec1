"""Newton (Isaac Lab) states drawn by the same MuJoCo renderer: a short real env run on the CPU becomes an MP4."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from dactyl_lab.spec import hand, solver as sim_settings, task as task_constants

from tests.helpers.envs import close_env, make_env
from tests.helpers.video_checks import assert_rollout_video

pytestmark = pytest.mark.sim


def test_newton_rollout_video(tmp_path):
    from dactyl_lab.assets.shadow_mjcf import palm_up_cube_position
    from dactyl_lab.render.newton import EnvVideoRecorder, newton_states
    from dactyl_lab.render.options import VideoOptions

    env = make_env(num_envs=2, seed=3)
    try:
        paths = [tmp_path / "env0.mp4", tmp_path / "env1.mp4"]
        recorder = EnvVideoRecorder(env, paths, VideoOptions(size=(160, 120)), progress=lambda *_: None)
        recorder.reset()
        recorder.reset()  # a second reset before the first step still gives one reset frame
        (state,) = newton_states(env, [1])
        assert set(state.joint_pos_rad) == set(hand.JOINT_NAMES)
        robot = env.unwrapped.scene["robot"]
        assert tuple(robot.joint_names) == hand.NEWTON_JOINT_ORDER
        assert state.frame_body == robot.body_names[0]  # rh_hand_mount: a body of the MJCF too
        # posed in the renderer, the cube is where Newton has it: at a start state, on the palm (the bank keeps
        # starts within the drop distance of the home above the palm, where the MJCF and the stand-in put it)
        renderer = recorder.renderer
        goal_mjcf = renderer.pose(state)
        cube_mjcf = renderer.data.qpos[renderer.object_qpos : renderer.object_qpos + 3]
        u = env.unwrapped
        cube_env = (u.scene["object"].data.root_pos_w.torch[1] - u.scene.env_origins[1]).cpu().numpy()
        home_env = np.asarray(task_constants.cube_home_env_m())  # START_CUBE_HEIGHT_M above the resting place
        home_mjcf = palm_up_cube_position() + np.array([0.0, 0.0, sim_settings.START_CUBE_HEIGHT_M])
        np.testing.assert_allclose(cube_mjcf - home_mjcf, cube_env - home_env, atol=2e-3)
        assert np.linalg.norm(cube_mjcf - palm_up_cube_position()) < task_constants.DROP_DISTANCE_M, cube_mjcf
        # the asset is placed without rotation: the goal is the same orientation in both worlds
        goal = env.unwrapped.command_manager.get_term("object_pose").quat_command_w[1].cpu().numpy()
        assert abs(float(np.dot(goal_mjcf, goal))) == pytest.approx(1.0, abs=1e-5)
        u = env.unwrapped
        generator = torch.Generator(device=u.device).manual_seed(0)
        steps = 12
        for _ in range(steps):
            action = 2.0 * torch.rand(u.num_envs, u.action_manager.total_action_dim, generator=generator) - 1.0
            recorder.step(action.to(u.device))
        written = recorder.close_videos()
    finally:
        close_env(env)
    assert written == paths
    for path in paths:
        assert_rollout_video(path, steps + 1, (160, 120))  # the reset frame + one per step
    per_frame = recorder.times.per_frame_ms()
    assert per_frame["render"] > 0 and recorder.times.frames == 2 * (steps + 1)
