"""``presets=adr``: the randomizations of ``presets=randomized`` with every magnitude driven by Automatic Domain
Randomization (OpenAI, arXiv 1910.07113), on top of the base task (:mod:`.env_cfg`).

The ADR object and its update (finished episodes -> bounds, then this episode's values) are the curriculum term
``adr`` (:class:`~.mdp.adr_update_and_resample`, which owns the ADR; every other term finds it with
:func:`~dactyl_lab.tasks.randomization.adr_of`): Isaac Lab's ``_reset_idx`` runs the curriculum before every reset
event and before the command resets the success count, so no event term depends on the order of the event terms.
The events are those of ``presets=randomized`` with each physics term's range from ADR
(:mod:`.randomization_events_cfg`); their ``adr_sync`` term syncs and logs the ADR every control step.
"""

from __future__ import annotations

from isaaclab.managers import CurriculumTermCfg as CurrTerm
from isaaclab.utils import configclass
from isaaclab_tasks.utils import PresetCfg

from dactyl_lab.tasks.randomization import (
    adr_action_noise_cfg,
    adr_observation_noise_cfg,
    adr_unmodeled_cfgs,
    dactyl_adr_cfg,
)

from . import mdp
from .env_cfg import GOAL, DactylReorientEnvCfg
from .randomization_events_cfg import RandomizationEventsCfg, randomization_events_cfg
from .randomized_cfg import RandomizedObservationsCfg


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
    events: RandomizationEventsCfg = randomization_events_cfg("adr")
    curriculum: ADRCurriculumPresetCfg = ADRCurriculumPresetCfg()
    randomization: mdp.DactylRandomizationCfg = mdp.DactylRandomizationCfg(
        observation_noise=adr_observation_noise_cfg(),
        object_force=adr_unmodeled_cfgs()["object_force"],
        adr=dactyl_adr_cfg(),
    )
