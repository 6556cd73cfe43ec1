"""MDP terms of the Dactyl reorientation task: small pure functions and a few stateful terms.

Explicit names only: a star import of Isaac Lab's ``isaaclab.envs.mdp`` would resolve every one of its lazy
attributes (the terrain importer, trimesh, scipy), which loading a config must not import before Kit starts.
"""

from isaaclab.envs.mdp import (  # Isaac Lab's stock terms the task uses
    is_terminated,
    joint_pos,
    joint_vel,
    last_action,
    reset_root_state_with_random_orientation,
    time_out,
)
from isaaclab_tasks.core.reorient.mdp import reset_reorient_hand

from .actions import RelativeMotorTargetAction, RelativeMotorTargetActionCfg
from .adr_terms import (
    adr_curriculum_term,
    adr_sync_and_log,
    adr_update_and_resample,
    randomize_friction_scale,
    randomize_gain_scale,
    randomize_gravity_offset,
    randomize_mass_scale,
    randomize_object_size,
    randomize_tendon_gain_scale,
)
from .commands import GoalOrientationCommand, GoalOrientationCommandCfg
from .curriculum import GoalAngleCurriculum, GoalAngleCurriculumParams, GoalCurriculumCfg, NoCurriculumCfg
from .events import silence_solver_iteration_warnings
from .solver_overflow import track_solver_overflow
from .physics_cohort import PHYSICS_MODE, apply_physics_cohort, resample_physics
from .observations import (
    MIDDLE_BODY_NAMES,
    fingertip_positions,
    goal_orientation,
    goal_relative_orientation,
    marker_geometry,
    object_orientation,
    object_position,
    object_velocities,
)
from .randomization_terms import (
    DactylRandomizationCfg,
    apply_random_object_force,
    noisy_fingertip_positions,
    noisy_goal_relative_orientation,
    noisy_object_orientation,
    noisy_object_position,
    observation_noise,
    random_object_force,
    randomization_cfg,
    randomization_generator,
    randomize_joint_limits,
    reset_randomization,
)
from .rewards import episode_terminated, goal_reached, orientation_progress, per_policy_step
from .terminations import (
    any_nonfinite,
    goal_timeout,
    max_consecutive_successes,
    nonfinite_state,
    object_dropped,
)

from .joint_damping import randomize_joint_damping_total
