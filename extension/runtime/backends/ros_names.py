"""Pure name/topic mapping of the Shadow Hand ROS 1 driver (no ROS needed; unit-tested without it).

* one position controller per motor: ``/sh_rh_ffj3_position_controller/command`` (std_msgs/Float64 [rad]);
  tendon motors too: ``/sh_rh_ffj0_position_controller/command`` drives J0 = J1 + J2;
* ``/sh_<motor>_position_controller/max_force_factor`` (std_msgs/Float64 in [0, 1]) scales the controller's
  maximum output (used for a soft stop);
* ``/joint_states`` (sensor_msgs/JointState) lists joints in the driver's own order (rh_FFJ1, rh_FFJ2, ...):
  always map it BY NAME.
"""

from __future__ import annotations

import math

from dactyl_lab import hand


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
