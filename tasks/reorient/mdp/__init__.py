"""MDP terms of the Dactyl reorientation task: small pure functions and a few stateful terms."""

from isaaclab.envs.mdp import *  # noqa: F401,F403  (Isaac Lab's stock terms: is_terminated, reset_* ...)
from isaaclab_tasks.core.reorient.mdp import reset_reorient_hand  # noqa: F401

from .actions import RelativeMotorTargetAction, RelativeMotorTargetActionCfg  # noqa: F401
from .events import silence_solver_iteration_warnings  # noqa: F401
from .commands import GoalOrientationCommand, GoalOrientationCommandCfg  # noqa: F401
from .curriculum import GoalAngleCurriculum, GoalAngleCurriculumParams, GoalCurriculumCfg, NoCurriculumCfg  # noqa: F401
from .randomization_terms import (  # noqa: F401
    DactylRandomizationCfg,
    RandomizationState,
    apply_random_object_force,
    noisy_fingertip_positions,
    noisy_goal_relative_orientation,
    noisy_object_orientation,
    noisy_object_position,
    randomization_state,
    randomize_joint_limits,
    reset_randomization,
)
from .adr_terms import (  # noqa: F401
    adr_sync_and_log,
    adr_update_and_resample,
    randomize_friction_scale,
    randomize_gain_scale,
    randomize_gravity_offset,
    randomize_mass_scale,
    randomize_object_size,
    randomize_tendon_gain_scale,
)
from .observations import *  # noqa: F401,F403
from .rewards import *  # noqa: F401,F403
from .terminations import *  # noqa: F401,F403
