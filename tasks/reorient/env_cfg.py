"""Dactyl in-hand cube reorientation (arXiv 1808.00177) as an Isaac Lab manager-based task.

Timing (paper, sec. 4): one policy step = 80 ms = 10 physics steps of 8 ms (Newton runs 2 substeps of
4 ms each). ``presets=hz20`` switches to Isaac Gym ShadowHandOpenAI's 20 Hz (dt 1/60 s, decimation 3).

Observations (paper, Table 2): ``policy`` holds what the real hand can sense (fingertip tip points,
cube position and orientation from the tracker, goal relative to the cube, last action); ``critic``
adds the privileged simulator state (joint positions and velocities, cube velocities, goal).

This module is the base task (not randomized). The presets live next to it: ``randomized_cfg.py``
(``presets=randomized``: Dactyl's domain randomization with the paper's fixed ranges), ``adr_cfg.py``
(``presets=adr``: the same driven by Automatic Domain Randomization) and ``presets_cfg.py`` (the
:class:`~isaaclab_tasks.utils.PresetCfg` the task is registered with). Every task constant (timing, drop
distance, goal timeout, success threshold, hand and cube placement) comes from :mod:`dactyl_lab.spec.task`.
"""

from __future__ import annotations

from isaaclab.envs import ManagerBasedRLEnvCfg
from isaaclab.managers import EventTermCfg as EventTerm
from isaaclab.managers import ObservationGroupCfg as ObsGroup
from isaaclab.managers import ObservationTermCfg as ObsTerm
from isaaclab.managers import RewardTermCfg as RewTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.managers import TerminationTermCfg as DoneTerm
from isaaclab.scene import InteractiveSceneCfg
from isaaclab.sim import SimulationCfg
from isaaclab.sim.spawners.materials import RigidBodyMaterialBaseCfg
from isaaclab.utils import configclass
from isaaclab_newton.physics import MJWarpSolverCfg, NewtonCfg
from isaaclab_tasks.utils import PresetCfg

from dactyl_lab.spec import hand
from dactyl_lab.spec import task as tc
from dactyl_lab.assets import scene as scene_assets
from dactyl_lab.spec.solver import GPU_TASK_SOLVER, NUM_SUBSTEPS, TASK_SOLVER, SolverSettings, solver_settings_for

from . import mdp
from .mdp.start_states import refresh_start_state_bank, reset_from_start_state_bank

GOAL = "object_pose"
FINGERTIPS = SceneEntityCfg("robot", body_names=list(hand.FINGERTIP_BODY_NAMES), preserve_order=True)
HAND_MOTOR_JOINTS = SceneEntityCfg("robot", joint_names=list(hand.JOINT_MOTOR_NAMES), preserve_order=True)


@configclass
class DactylSceneCfg(InteractiveSceneCfg):
    num_envs: int = 1024
    env_spacing: float = 0.75  # [m]
    replicate_physics: bool = True
    robot = scene_assets.shadow_hand_cfg()
    object = scene_assets.cube_cfg()
    ground = scene_assets.ground_cfg()


@configclass
class ActionsCfg:
    motors = mdp.RelativeMotorTargetActionCfg(asset_name="robot")


@configclass
class CommandsCfg:
    object_pose = mdp.GoalOrientationCommandCfg(
        asset_name="object",
        success_threshold_rad=tc.SUCCESS_THRESHOLD_RAD,
        goal_marker_cfg=scene_assets.goal_marker_cfg(),
        debug_vis=False,
    )


@configclass
class PolicyObsCfg(ObsGroup):
    """What the real hand senses (PhaseSpace fingertip markers, a cube tracker), in contract order.

    Isaac Lab's ``enable_corruption`` stays off (its default): no term has an Isaac Lab noise cfg, the Dactyl
    observation noise lives in the ``noisy_*`` terms of the randomized presets."""

    fingertip_pos = ObsTerm(func=mdp.fingertip_positions, params={"asset_cfg": FINGERTIPS})
    object_pos = ObsTerm(func=mdp.object_position)
    object_quat = ObsTerm(func=mdp.object_orientation)
    goal_relative_quat = ObsTerm(func=mdp.goal_relative_orientation, params={"command_name": GOAL})
    last_action = ObsTerm(func=mdp.last_action)

    def __post_init__(self):
        self.concatenate_terms = True


@configclass
class CriticObsCfg(ObsGroup):
    """Privileged, noiseless state for the value function (asymmetric actor-critic)."""

    fingertip_pos = ObsTerm(func=mdp.fingertip_positions, params={"asset_cfg": FINGERTIPS})
    object_pos = ObsTerm(func=mdp.object_position)
    object_quat = ObsTerm(func=mdp.object_orientation)
    goal_relative_quat = ObsTerm(func=mdp.goal_relative_orientation, params={"command_name": GOAL})
    last_action = ObsTerm(func=mdp.last_action)
    joint_pos = ObsTerm(func=mdp.joint_pos)
    joint_vel = ObsTerm(func=mdp.joint_vel, scale=0.1)
    object_vel = ObsTerm(func=mdp.object_velocities, scale=0.2)
    goal_quat = ObsTerm(func=mdp.goal_orientation, params={"command_name": GOAL})

    def __post_init__(self):
        self.concatenate_terms = True


@configclass
class ObservationsCfg:
    policy: PolicyObsCfg = PolicyObsCfg()
    critic: CriticObsCfg = CriticObsCfg()


@configclass
class RewardsCfg:
    """Dactyl's reward (arXiv 1808.00177, sec. 4.3) per policy step, the weights in the paper's units: progress
    [rad], +5 per goal, -20 per drop. The terms divide by ``env.step_dt`` at run time (:mod:`.mdp.rewards`), which
    undoes Isaac Lab's ``x step_dt`` for any ``sim.dt`` / ``decimation``."""

    orientation_progress = RewTerm(func=mdp.orientation_progress, weight=1.0, params={"command_name": GOAL})
    goal_bonus = RewTerm(func=mdp.goal_reached, weight=5.0, params={"command_name": GOAL})
    drop_penalty = RewTerm(func=mdp.episode_terminated, weight=-20.0)


@configclass
class TerminationsCfg:
    object_dropped = DoneTerm(
        func=mdp.object_dropped, params={"command_name": GOAL, "max_distance_m": tc.DROP_DISTANCE_M}
    )
    # reaching the cap or timing out on a goal ends the episode without a terminal penalty (bootstrapped)
    max_successes = DoneTerm(
        func=mdp.max_consecutive_successes,
        params={"command_name": GOAL, "max_successes": tc.MAX_CONSECUTIVE_SUCCESSES},
        time_out=True,
    )
    goal_timeout = DoneTerm(
        func=mdp.goal_timeout, params={"command_name": GOAL, "timeout_s": tc.GOAL_TIMEOUT_S}, time_out=True
    )
    time_out = DoneTerm(func=mdp.time_out, time_out=True)
    # a diverged simulation (NaN / inf state) resets the env and is counted: not the policy's fault, no penalty
    nonfinite_state = DoneTerm(func=mdp.nonfinite_state, time_out=True)


@configclass
class EventsCfg:
    """Start states as in the paper (App. C.1): the cube on the palm in a random orientation settled by 100 steps
    of random actions, drawn from a bank of such states filled on the first reset and refreshed during training
    by the envs that still hold the cube early in their episode, under their own physics (:mod:`.mdp.start_states`)."""

    quiet_solver = EventTerm(func=mdp.silence_solver_iteration_warnings, mode="startup")
    start_state = EventTerm(
        func=reset_from_start_state_bank,
        mode="reset",
        params={
            "enabled": True,
            "bank_size": None,  # None: the survivors of the first round of rollouts (over every env) that keeps any
            "random_action_steps": tc.START_RANDOM_ACTION_STEPS,  # paper: 100
            "max_rounds": 32,  # a few envs can lose every start of a round (41 % kept per start at 100 steps)
            "keep_max_distance_m": tc.DROP_DISTANCE_M,
            "joint_position_noise": 0.1,
            "refresh_on_full_reset": False,
        },
    )
    # every control step: envs still holding the cube 0.8 s into their episode refresh 3/4 of the bank (a ring)
    start_state_refresh = EventTerm(
        func=refresh_start_state_bank,
        mode="interval",
        interval_range_s=(0.0, 0.0),
        is_global_time=True,
        params={"refresh_after_s": 0.8, "refresh_fraction": 0.75, "max_generations": 10},
    )
    # interval 0: looks at every control step; counts MuJoCo-Warp's overflow flags every interval_steps steps
    solver_overflow = EventTerm(
        func=mdp.track_solver_overflow,
        mode="interval",
        interval_range_s=(0.0, 0.0),
        is_global_time=True,
        params={"interval_steps": 16},
    )


def newton_cpu_friendly_physics(num_substeps: int = NUM_SUBSTEPS) -> NewtonCfg:
    """MuJoCo-Warp with the CG solver and pyramidal friction cones (:data:`~dactyl_lab.spec.solver.TASK_SOLVER`).

    Measured on the CPU (docs/performance.md): the default Newton-method solver spends ~90% of its time
    in a dense Hessian kernel, and the elliptic cone's cost grows with the allocated contact capacity;
    CG (20 iterations) with pyramidal cones ran about 10x faster for this hand. On a CUDA device
    :func:`apply_device_physics` swaps in the GPU settings when the env is built.
    """
    # one home with the MuJoCo stand-in hand (dactyl_lab.spec.solver)
    return NewtonCfg(solver_cfg=MJWarpSolverCfg(**vars(TASK_SOLVER)), num_substeps=num_substeps)


def apply_device_physics(cfg: DactylReorientEnvCfg) -> None:
    """Give ``cfg.sim.physics`` the solver settings of ``cfg.physics_settings`` on ``cfg.sim.device``.

    ``auto`` (default): :data:`~dactyl_lab.spec.solver.GPU_TASK_SOLVER` on a CUDA device, else
    :data:`~dactyl_lab.spec.solver.TASK_SOLVER`. Only fields that still hold the CPU or the GPU value change, so a
    Hydra override of a field to any other value (``env.sim.physics.solver_cfg.njmax=400``) is kept; to pin a field
    to the other device's value, pin the whole set (``env.physics_settings=cpu``). Physics that are not MuJoCo-Warp
    (another backend set through Hydra) are left alone. Idempotent.
    """
    physics = cfg.sim.physics
    if not isinstance(physics, NewtonCfg) or not isinstance(physics.solver_cfg, MJWarpSolverCfg):
        return
    target = solver_settings_for(cfg.physics_settings, cfg.sim.device)
    for name in vars(target):
        value = getattr(physics.solver_cfg, name)
        if value in (getattr(TASK_SOLVER, name), getattr(GPU_TASK_SOLVER, name)):
            setattr(physics.solver_cfg, name, getattr(target, name))


def solver_settings_of(cfg: DactylReorientEnvCfg) -> SolverSettings:
    """The solver fields of ``cfg.sim.physics`` as :class:`~dactyl_lab.spec.solver.SolverSettings`."""
    return SolverSettings(**{name: getattr(cfg.sim.physics.solver_cfg, name) for name in vars(TASK_SOLVER)})


@configclass
class CurriculumPresetCfg(PresetCfg):
    """``presets=curriculum`` (composable with the others, e.g. ``presets=randomized,curriculum``): goals start
    0.5-0.8 rad from the cube and widen to uniform on SO(3) with the success rate (:mod:`.mdp.curriculum`)."""

    default = mdp.NoCurriculumCfg()
    curriculum = mdp.GoalCurriculumCfg()


@configclass
class DactylReorientEnvCfg(ManagerBasedRLEnvCfg):
    """Shadow hand cube reorientation with Dactyl's timing, reward, goals and terminations."""

    scene: DactylSceneCfg = DactylSceneCfg()
    observations: ObservationsCfg = ObservationsCfg()
    actions: ActionsCfg = ActionsCfg()
    commands: CommandsCfg = CommandsCfg()
    rewards: RewardsCfg = RewardsCfg()
    terminations: TerminationsCfg = TerminationsCfg()
    events: EventsCfg = EventsCfg()
    curriculum: CurriculumPresetCfg = CurriculumPresetCfg()

    decimation: int = tc.DECIMATION  # 10 x 8 ms = 80 ms per policy step
    episode_length_s: float = tc.MAX_CONSECUTIVE_SUCCESSES * tc.GOAL_TIMEOUT_S  # the goal terms end episodes first
    sim: SimulationCfg = SimulationCfg(
        dt=tc.PHYSICS_DT_S,  # [s]
        physics_material=RigidBodyMaterialBaseCfg(static_friction=1.0, dynamic_friction=1.0),
    )

    physics_settings: str = "auto"
    """Solver settings: ``auto`` (the GPU's on a CUDA ``sim.device``, else the CPU's), ``cpu`` or ``gpu``
    (:func:`apply_device_physics`, resolved when the env is built; Hydra: ``env.physics_settings=cpu``)."""

    physx_threads: int | None = None
    """PhysX (OvPhysX) worker threads: None = ``$DACTYL_LAB_PHYSX_THREADS``, else the CPUs this process may use
    (:func:`.backends.ovphysx_workarounds.worker_threads`; Hydra: ``env.physx_threads=4``). Newton ignores it."""

    def __post_init__(self):
        self.sim.physics = newton_cpu_friendly_physics()
        self.sim.render_interval = self.decimation

    def validate_config(self) -> None:
        """Isaac Lab calls this when the env is built, after the scripts and Hydra set ``sim.device``: the first
        point where the device is final (as Isaac Lab's own franka_pour task resolves its media fill here)."""
        apply_device_physics(self)


@configclass
class DactylReorient20HzEnvCfg(DactylReorientEnvCfg):
    """Isaac Gym ShadowHandOpenAI timing: dt 1/60 s, 3 physics steps per policy step (20 Hz)."""

    decimation: int = 3

    def __post_init__(self):
        super().__post_init__()
        self.sim.dt = 1.0 / 60.0
        self.sim.physics = newton_cpu_friendly_physics(num_substeps=4)
