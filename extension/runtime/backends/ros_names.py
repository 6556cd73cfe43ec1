"""Pure name/topic mapping of the Shadow Hand ROS 1 driver (no ROS needed; unit-tested without it).

* one position controller per motor: ``/sh_rh_ffj3_position_controller/command`` (std_msgs/Float64 [rad]);
  tendon motors too: ``/sh_rh_ffj0_position_controller/command`` drives J0 = J1 + J2;
* ``/sh_<motor>_position_controller/max_force_factor`` (std_msgs/Float64 in [0, 1]) scales the controller's
  maximum output (used for a soft stop);
* ``/joint_states`` (sensor_msgs/JointState) lists joints in the driver's own order (rh_FFJ1, rh_FFJ2, ...):
  always map it BY NAME.

Source of the names and rates: Shadow's hand documentation, "Command Line Interface" (github.com/shadow-robot/
sr_dexterous_hand_documentation, docs/user_guide/sd_command_line.rst): /joint_states at 125 Hz with the 24 joints in
the order of :data:`DRIVER_JOINT_ORDER`; ``/sh_rh_*_position_controller/command`` (std_msgs/Float64 [rad]) and
``.../max_force_factor`` ([0, 1], scales the controller's maximum output) subscribed by the driver node
``/sr_hand_robot``; ``.../state`` at 87 Hz; controller time step 0.001 s.
"""

from __future__ import annotations

import math

from dactyl_lab.spec import hand


DRIVER_NODE = "sr_hand_robot"
"""Name of the Shadow driver's ROS node (it subscribes to every position controller's topics)."""

JOINT_STATES_RATE_HZ = 125.0
"""Rate of the driver's /joint_states [Hz]."""

DRIVER_JOINT_ORDER: tuple[str, ...] = (
    "rh_FFJ1",
    "rh_FFJ2",
    "rh_FFJ3",
    "rh_FFJ4",
    "rh_LFJ1",
    "rh_LFJ2",
    "rh_LFJ3",
    "rh_LFJ4",
    "rh_LFJ5",
    "rh_MFJ1",
    "rh_MFJ2",
    "rh_MFJ3",
    "rh_MFJ4",
    "rh_RFJ1",
    "rh_RFJ2",
    "rh_RFJ3",
    "rh_RFJ4",
    "rh_THJ1",
    "rh_THJ2",
    "rh_THJ3",
    "rh_THJ4",
    "rh_THJ5",
    "rh_WRJ1",
    "rh_WRJ2",
)
"""The order the driver lists joints in /joint_states (differs from ``hand.JOINT_NAMES``: map by name)."""


def controller_name(motor: str, prefix: str = "sh_") -> str:
    """``rh_FFJ0`` -> ``sh_rh_ffj0_position_controller``."""
    if motor not in hand.MOTOR_NAMES:
        raise KeyError(f"unknown Shadow hand motor {motor!r}; known motors: {', '.join(hand.MOTOR_NAMES)}")
    return f"{prefix}{motor.lower()}_position_controller"


def command_topic(motor: str, prefix: str = "sh_") -> str:
    """Position command topic of a motor, e.g. ``/sh_rh_wrj2_position_controller/command``."""
    return f"/{controller_name(motor, prefix)}/command"


def max_force_topic(motor: str, prefix: str = "sh_") -> str:
    """Max-force-factor topic of a motor, e.g. ``/sh_rh_ffj3_position_controller/max_force_factor``."""
    return f"/{controller_name(motor, prefix)}/max_force_factor"


def joint_positions_from_joint_state(names, positions, required=hand.JOINT_NAMES) -> dict[str, float]:
    """``sensor_msgs/JointState`` (names, positions) -> {joint: rad} for the ``required`` joints, by name.

    Extra entries (e.g. a driver-reported rh_FFJ0) are ignored; a missing required joint raises KeyError naming it;
    a non-finite value is passed through (the runtime's watchdog names it and holds).
    """
    names, positions = list(names), list(positions)
    if len(names) != len(positions):
        raise ValueError(f"joint_states has {len(names)} names but {len(positions)} positions")
    by_name = {name: float(value) for name, value in zip(names, positions)}
    missing = [name for name in required if name not in by_name]
    if missing:
        raise KeyError(f"joint_states lacks {missing} (it has {names})")
    return {name: by_name[name] for name in required}


def check_max_force_factor(value: float) -> float:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"max_force_factor must be in [0, 1], got {value}")
    return float(value)
