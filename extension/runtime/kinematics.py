"""Fingertip positions from joint angles by forward kinematics of the rewritten MJCF (pure MuJoCo, no physics).

The real Shadow driver reports joint angles, not fingertips; the ROS backend turns ``/joint_states`` into the
policy's fingertip observation with this. Tip points are the MJCF's ``rh_*tip`` sites, i.e. body origin +
body rotation * ``hand.FINGERTIP_OFFSETS_M``, in the hand-mount frame (rh_hand_mount = MJCF world) [m].
"""

from __future__ import annotations

from pathlib import Path

import mujoco
import numpy as np

from dactyl_lab.spec import hand


def load_hand_model(mjcf_path: str | Path | None = None, with_cube: bool = False) -> mujoco.MjModel:
    """The rewritten hand: from a saved MJCF file (robot computer) or built from gymnasium-robotics."""
    if mjcf_path is not None:
        return mujoco.MjModel.from_xml_path(str(mjcf_path))
    from dactyl_lab.assets.shadow_mjcf import build_hand_spec

    return build_hand_spec(with_cube=with_cube).compile()


class FingertipKinematics:
    def __init__(self, model: mujoco.MjModel | None = None, mjcf_path: str | Path | None = None):
        self.model = model if model is not None else load_hand_model(mjcf_path)
        self.data = mujoco.MjData(self.model)
        self.qpos_adr = {name: int(self.model.joint(name).qposadr[0]) for name in hand.JOINT_NAMES}
        self.site_ids = {b: self.model.site(s).id for b, s in zip(hand.FINGERTIP_BODY_NAMES, hand.FINGERTIP_SITE_NAMES)}

    def __call__(self, joint_pos_rad: dict[str, float]) -> dict[str, np.ndarray]:
        """Tip point (3,) [m] per fingertip body; NaN if a needed joint is missing or non-finite."""
        try:
            values = {name: float(joint_pos_rad[name]) for name in hand.JOINT_NAMES}
        except KeyError:
            return {b: np.full(3, np.nan) for b in hand.FINGERTIP_BODY_NAMES}
        for name, value in values.items():
            self.data.qpos[self.qpos_adr[name]] = value
        mujoco.mj_kinematics(self.model, self.data)
        return {b: self.data.site_xpos[i].copy() for b, i in self.site_ids.items()}
