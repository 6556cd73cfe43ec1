"""``presets=adr``: the randomizations of ``presets=randomized`` with every magnitude driven by Automatic Domain
Randomization (OpenAI, arXiv 1910.07113), on top of the base task (:mod:`.env_cfg`).

The ADR object and its update (finished episodes -> bounds, then this episode's values) are the curriculum term
``adr`` (:class:`~.mdp.adr_update_and_resample`, which owns the ADR; every other term finds it with
:func:`~dactyl_lab.tasks.randomization.adr_of`): Isaac Lab's ``_reset_idx`` runs the curriculum before every reset
event and before the command resets the success count, so no event term depends on the order of the event terms.
ADR sync and logging stay an ``interval`` event (every control step).
"""

from __future__ import annotations

from isaaclab.managers import CurriculumTermCfg as CurrTerm
from isaaclab.managers import EventTermCfg as EventTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.utils import configclass
from isaaclab_tasks.utils import PresetCfg

from dactyl_lab.tasks.randomization import (
    RandomizedValueCfg,
    adr_action_noise_cfg,
    adr_observation_noise_cfg,
    adr_physics_cfg,
    adr_unmodeled_cfgs,
    dactyl_adr_cfg,
)

from . import mdp
from .env_cfg import GOAL, HAND_MOTOR_JOINTS, DactylReorientEnvCfg
from .randomized_cfg import PhysicsCohortEventsCfg, RandomizedObservationsCfg


def _adr_physics(asset: str = "object"):
    return adr_physics_cfg(asset)


@configclass
class ADRActionsCfg:
    """``presets=adr``: the actuator models of ``randomized``; each reads its magnitudes from ADR at its reset
    (their ``*_adr_param``: action noise, delay probability, backlash amount, timing rate)."""

    motors = mdp.RelativeMotorTargetActionCfg(
        asset_name="robot",
        action_noise=adr_action_noise_cfg(),
        delay=adr_unmodeled_cfgs()["delay"],
        backlash=adr_unmodeled_cfgs()["backlash"],
        timing=adr_unmodeled_cfgs()["timing"],
    )


@configclass
class ADREventsCfg(PhysicsCohortEventsCfg):
    """``presets=adr``: every physics randomization driven by ADR (our ADR-aware terms, same sim writes as
    Isaac Lab's), noise magnitudes from ADR in ``reset_randomization``; ADR sync and logging every step.
    The ADR update runs before them all as the curriculum term :class:`ADRCurriculumCfg`. The physics terms (event
    mode :data:`~.mdp.PHYSICS_MODE`) run at each reset or, with ``randomization.physics_resample_interval_steps``
    K > 1, every K steps for the envs that reset, reading the ADR values of their current episode."""

    object_size = EventTerm(
        func=mdp.randomize_object_size,
        mode=mdp.PHYSICS_MODE,
        params={"asset_cfg": SceneEntityCfg("object"), "value": _adr_physics().object_scale, "max_scale": 1.2},
    )
    object_mass = EventTerm(
        func=mdp.randomize_mass_scale,
        mode=mdp.PHYSICS_MODE,
        params={"asset_cfg": SceneEntityCfg("object"), "value": _adr_physics().mass_scale},
    )
    hand_mass = EventTerm(
        func=mdp.randomize_mass_scale,
        mode=mdp.PHYSICS_MODE,
        params={"asset_cfg": SceneEntityCfg("robot"), "value": _adr_physics("hand").mass_scale},
    )
    object_friction = EventTerm(
        func=mdp.randomize_friction_scale,
        mode=mdp.PHYSICS_MODE,
        params={"asset_cfg": SceneEntityCfg("object"), "value": _adr_physics().friction_scale},
    )
    hand_friction = EventTerm(
        func=mdp.randomize_friction_scale,
        mode=mdp.PHYSICS_MODE,
        params={"asset_cfg": SceneEntityCfg("robot"), "value": _adr_physics("hand").friction_scale},
    )
    actuator_gains = EventTerm(
        func=mdp.randomize_gain_scale,
        mode=mdp.PHYSICS_MODE,
        params={
            "asset_cfg": HAND_MOTOR_JOINTS,
            "stiffness": _adr_physics().actuator_gain_scale,
            "damping": RandomizedValueCfg(distribution="constant", params=(1.0,)),  # servos have no damping
        },
    )
    joint_damping = EventTerm(
        func=mdp.randomize_joint_damping_total,
        mode=mdp.PHYSICS_MODE,
        params={"asset_cfg": SceneEntityCfg("robot"), "value": _adr_physics().joint_damping_scale},
    )
    tendon_gains = EventTerm(
        func=mdp.randomize_tendon_gain_scale,
        mode=mdp.PHYSICS_MODE,
        params={"value": _adr_physics().actuator_gain_scale},
    )
    joint_limits = EventTerm(
        func=mdp.randomize_joint_limits, mode=mdp.PHYSICS_MODE, params={"value": _adr_physics().joint_limit_offset_rad}
    )
    gravity = EventTerm(
        func=mdp.randomize_gravity_offset, mode=mdp.PHYSICS_MODE, params={"value": _adr_physics().gravity_offset_mps2}
    )
    randomization = EventTerm(func=mdp.reset_randomization, mode="reset")
    # interval 0: every control step whatever its length; the sync itself runs every adr_sync_interval_steps
    object_force = EventTerm(
        func=mdp.apply_random_object_force, mode="interval", interval_range_s=(0.0, 0.0), is_global_time=True
    )
    adr_sync = EventTerm(func=mdp.adr_sync_and_log, mode="interval", interval_range_s=(0.0, 0.0), is_global_time=True)


@configclass
class ADRCurriculumCfg:
    """The ADR as a curriculum term that owns it (Isaac Lab's lift / dexsuite ``adr`` curriculum is the precedent)."""

    adr = CurrTerm(func=mdp.adr_update_and_resample, params={"command_name": GOAL})


@configclass
class ADRAndGoalCurriculumCfg(ADRCurriculumCfg):
    """``presets=adr,curriculum``: the ADR update, then the goal-angle curriculum (both read the finished episodes'
    successes before the command resets them)."""

    goal_angle = mdp.GoalCurriculumCfg().goal_angle


@configclass
class ADRCurriculumPresetCfg(PresetCfg):
    """The ADR update alone, or with ``presets=curriculum`` also the goal-angle curriculum."""

    default = ADRCurriculumCfg()
    curriculum = ADRAndGoalCurriculumCfg()


@configclass
class DactylReorientADREnvCfg(DactylReorientEnvCfg):
    """Every randomization of ``randomized``, with the magnitudes driven by ADR
    (:func:`~dactyl_lab.tasks.randomization.dactyl_adr_cfg`): physics (each body, shape and joint drawing its own
    value from the ADR range; hand and cube with their own mass and friction ranges), observation noise and
    misplaced markers, action noise, and the delay, backlash, random-force and timing magnitudes."""

    observations: RandomizedObservationsCfg = RandomizedObservationsCfg()
    actions: ADRActionsCfg = ADRActionsCfg()
    events: ADREventsCfg = ADREventsCfg()
    curriculum: ADRCurriculumPresetCfg = ADRCurriculumPresetCfg()
    randomization: mdp.DactylRandomizationCfg = mdp.DactylRandomizationCfg(
        observation_noise=adr_observation_noise_cfg(),
        object_force=adr_unmodeled_cfgs()["object_force"],
        adr=dactyl_adr_cfg(),
    )

    def __post_init__(self):
        super().__post_init__()
        self.events.object_size.params["max_scale"] = mdp.adr_terms.size_hard_limit(self.randomization.adr)
