"""The real-hand runtime's safety defaults (``dactyl_lab.runtime.safety.SafetyConfig`` and the runtime CLI's
``--ramp_step_rad`` etc.), torch-free.

Only the fault path lives here (watchdog, fault stop, ramp to a safe pose). The limit on a policy's normal
commands is part of the action law (:mod:`dactyl_lab.spec.action_law`: the target rate limit from the hand's
rated speeds), which the task trains under and the contract carries; the safety layer checks it, it does not set
it."""

from __future__ import annotations

RAMP_STEP_RAD = 0.2
"""Fault path only: largest change of any motor target per control step while ramping to the safe pose or back to
the start pose [rad] (0.2 rad / 80 ms = 2.5 rad/s)."""

POSE_STALE_S = 0.25
"""Hold when the object pose is older than this [s] (about 3 control steps at 80 ms)."""

JOINTS_STALE_S = 0.1
"""Hold when the hand's joint reading is older than this [s] (the Shadow driver publishes at 125 Hz)."""

SAFE_POSE = "current"
"""'current': hold the hand where it is (clipped to limits); 'neutral': ramp to the neutral pose."""

SAFE_MOVE_STEPS = 25
"""Most control steps spent ramping to the safe pose."""

FAULT_STOP_S = 1.0
"""End the run with a safe stop after the watchdog held this long without a break [s]; 0: hold for ever."""
