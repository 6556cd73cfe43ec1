"""``presets=randomized``: every Dactyl randomization (arXiv 1808.00177, sec. 4.2, Tables 1, 7, 8, App. C.2)
with the paper's fixed distributions, on top of the base task (:mod:`.env_cfg`).

Observation noise, misplaced and occluded markers and per-marker dropout on the ``policy`` group only, action
noise and a one-step delay on random actuators, backlash, control-step timing jitter (as substep latency), random
forces on the cube, and per-episode physics (object size, masses, friction, actuator gains, joint limits, gravity
per Newton world). The events are the ones of ``presets=adr`` with the paper's fixed ranges
(:mod:`.randomization_events_cfg`). docs/randomization.md and docs/fidelity.md compare each with the paper.
"""

from __future__ import annotations

from isaaclab.managers import ObservationTermCfg as ObsTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.utils import configclass

from dactyl_lab.tasks.randomization import ActionDelayCfg, ActionNoiseCfg, BacklashCfg, TimingJitterCfg

from . import mdp
from .env_cfg import FINGERTIPS, GOAL, CriticObsCfg, DactylReorientEnvCfg, ObservationsCfg, PolicyObsCfg
from .randomization_events_cfg import RandomizationEventsCfg, randomization_events_cfg


MIDDLE_PHALANGES = SceneEntityCfg("robot", body_names=list(mdp.MIDDLE_BODY_NAMES), preserve_order=True)


@configclass
class RandomizedActionsCfg:
    """The motors with Dactyl's actuator models (Table 8, App. C.2): action noise, one-step delay of random
    actuators, backlash (slack model) and control-step timing jitter, declared on the action term."""

    motors = mdp.RelativeMotorTargetActionCfg(
        asset_name="robot",
        action_noise=ActionNoiseCfg(),
        delay=ActionDelayCfg(),
        backlash=BacklashCfg(),
        timing=TimingJitterCfg(),
    )


@configclass
class RandomizedPolicyObsCfg(PolicyObsCfg):
    """The policy's inputs as the real hand would see them: noisy markers and tracker (paper, sec. 4.2)."""

    fingertip_pos = ObsTerm(
        func=mdp.noisy_fingertip_positions, params={"asset_cfg": FINGERTIPS, "middle_cfg": MIDDLE_PHALANGES}
    )
    object_pos = ObsTerm(func=mdp.noisy_object_position)
    object_quat = ObsTerm(func=mdp.noisy_object_orientation)
    goal_relative_quat = ObsTerm(func=mdp.noisy_goal_relative_orientation, params={"command_name": GOAL})


@configclass
class RandomizedObservationsCfg(ObservationsCfg):
    policy: RandomizedPolicyObsCfg = RandomizedPolicyObsCfg()
    critic: CriticObsCfg = CriticObsCfg()


@configclass
class DactylReorientRandomizedEnvCfg(DactylReorientEnvCfg):
    """Every Dactyl randomization on, with the paper's fixed distributions (no ADR): the events of ``presets=adr``
    with their ranges from ``"fixed"``."""

    observations: RandomizedObservationsCfg = RandomizedObservationsCfg()
    actions: RandomizedActionsCfg = RandomizedActionsCfg()
    events: RandomizationEventsCfg = randomization_events_cfg("fixed")
    randomization: mdp.DactylRandomizationCfg = mdp.DactylRandomizationCfg()
