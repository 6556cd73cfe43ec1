"""What the runtime needs from a hand and from an object tracker (abstract classes).

Everything is keyed BY NAME: joints by ``dactyl_lab.spec.hand.JOINT_NAMES``, motors by ``hand.MOTOR_NAMES``,
fingertips by ``hand.FINGERTIP_BODY_NAMES``. Units: joint angles and targets [rad], positions [m],
times [s]. Positions are in the hand-mount frame: relative to the hand base, in the rewritten MJCF's world
axes (the body ``rh_hand_mount`` is rotated within them, see ``PolicyContract.frame``); the observation builder
shifts them into the policy's env frame by ``contract.hand_base_pos_m``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ObjectPose:
    """One tracker measurement of the cube."""

    pos_m: np.ndarray
    """Cube centre (3,) [m], hand-mount frame."""
    quat_xyzw: np.ndarray
    """Cube orientation (4,), (x, y, z, w), hand-mount frame."""
    stamp_s: float
    """When it was measured [s], on the clock of :meth:`PoseSource.now_s`."""


class HandInterface(ABC):
    """A Shadow hand: read joints and fingertips, command motors, stop safely."""

    control_period_s: float | None = None
    """Control period the hand is built for [s] (a simulated hand's substeps x physics dt), or None."""

    @property
    @abstractmethod
    def motor_names(self) -> tuple[str, ...]:
        """The motors this hand can drive."""

    @abstractmethod
    def read_joint_positions(self) -> dict[str, float]:
        """Joint angle of every joint [rad], keyed by joint name (all of ``hand.JOINT_NAMES``)."""

    @abstractmethod
    def read_fingertip_positions(self) -> dict[str, np.ndarray]:
        """Tip point (3,) [m] of every fingertip, keyed by ``hand.FINGERTIP_BODY_NAMES``, hand-mount frame."""

    @abstractmethod
    def send_targets(self, targets_rad: dict[str, float]) -> None:
        """Command a position target [rad] to each motor, keyed by motor name (tendons: J0 = J1 + J2)."""

    @abstractmethod
    def safe_stop(self) -> None:
        """Final stop after the safe pose was commanded (e.g. reduce motor force); must not raise."""

    def joint_reading_age_s(self) -> float:
        """Age of the latest joint reading [s] (0 for hands read synchronously); the watchdog holds when stale."""
        return 0.0

    def tick(self, dt_s: float) -> None:
        """Let ``dt_s`` [s] of the world pass: a simulated hand steps its physics, a real hand does nothing."""

    def reset_episode(self) -> None:
        """Start a new episode (a simulated hand resets; a real hand waits for the operator)."""

    def close(self) -> None:
        """Release resources."""


class PoseSource(ABC):
    """An object tracker (motion capture, vision, or a simulated tracker)."""

    @abstractmethod
    def read_pose(self) -> ObjectPose | None:
        """Latest cube pose, or None if none has arrived yet."""

    @abstractmethod
    def now_s(self) -> float:
        """Current time [s] on the clock the poses are stamped with (pose age = now_s - stamp_s)."""

    def reset_episode(self) -> None:
        """Start a new episode (a simulated tracker redraws its correlated noise)."""

    def close(self) -> None:
        """Release resources."""
