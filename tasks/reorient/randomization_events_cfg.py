"""The one events configuration of ``presets=randomized`` and ``presets=adr`` (Dactyl's per-episode physics, arXiv
1808.00177 Table 1; the observation noise and the random force): the same terms with the same functions in both
presets; only where each physics term's range comes from differs (:data:`RangeSource`):

* ``"fixed"`` (``presets=randomized``): the paper's distributions (``dactyl_lab.spec.randomization`` through
  :class:`~dactyl_lab.tasks.randomization.PhysicsRandomizationCfg`);
* ``"adr"`` (``presets=adr``): the same quantities, each naming the ADR parameter that drives it
  (:func:`~dactyl_lab.tasks.randomization.adr_physics_cfg`; hand and cube have their own mass and friction
  parameters), read at run time from the ADR curriculum term (without one, the paper's distributions again).

Every physics term is ours and draws from the env's randomization stream (:func:`.mdp.randomization_generator`,
seeded through :mod:`.mdp.seed_streams`), continuously, per body / shape / joint; docs/randomization.md compares
them with Isaac Lab's stock terms. The noise terms ``randomization`` (observation noise) and ``object_force`` read
their magnitudes from ``env.cfg.randomization``, whose cfgs name their ADR parameters the same way; ``adr_sync``
syncs and logs the ADR every step and does nothing without the ADR curriculum term. The terms that only Newton can
run (object size, frictions, tendon gains, per-world gravity) carry ``newton_only = True`` on their
functions; on PhysX :mod:`.backends.physx` replaces them with their PhysX versions or drops them (docs/randomization.md,
"On PhysX").
"""

from __future__ import annotations

from typing import Literal

from isaaclab.managers import EventTermCfg as EventTerm
from isaaclab.managers import SceneEntityCfg
from isaaclab.utils import configclass

from dactyl_lab.tasks.randomization import PhysicsRandomizationCfg, RandomizedValueCfg, adr_physics_cfg

from . import mdp
from .env_cfg import HAND_MOTOR_JOINTS, EventsCfg

RangeSource = Literal["fixed", "adr"]
"""Where the physics terms' ranges come from: the paper's fixed distributions, or ADR."""

RANGE_SOURCES: tuple[str, ...] = ("fixed", "adr")

PHYSICS_RANGES: dict[str, tuple[str, str]] = {
    # event term: (its range, a field of PhysicsRandomizationCfg; the asset whose ADR parameter drives it)
    "object_size": ("object_scale", "object"),
    "object_mass": ("mass_scale", "object"),
    "hand_mass": ("mass_scale", "hand"),
    "object_friction": ("friction_scale", "object"),
    "hand_friction": ("friction_scale", "hand"),
    "actuator_gains": ("actuator_gain_scale", "hand"),
    "joint_damping": ("joint_damping_scale", "hand"),
    "tendon_gains": ("actuator_gain_scale", "hand"),
    "joint_limits": ("joint_limit_offset_rad", "hand"),
    "gravity": ("gravity_offset_mps2", "object"),
}
"""Every physics term of :class:`RandomizationEventsCfg`; each takes its range in ``params["value"]``."""


def physics_range(term_name: str, source: RangeSource) -> RandomizedValueCfg:
    """The range of physics term ``term_name`` (a key of :data:`PHYSICS_RANGES`) from ``source``."""
    field, asset = PHYSICS_RANGES[term_name]
    if source == "fixed":
        ranges = PhysicsRandomizationCfg()
    elif source == "adr":
        ranges = adr_physics_cfg(asset)
    else:
        raise ValueError(f"range source {source!r}: use one of {RANGE_SOURCES} (the paper's distributions, or ADR)")
    return getattr(ranges, field)


def _fixed(term_name: str) -> RandomizedValueCfg:
    return physics_range(term_name, "fixed")


@configclass
class PhysicsCohortEventsCfg(EventsCfg):
    """The two terms that run the per-episode physics terms (event mode :data:`~.mdp.PHYSICS_MODE`): at each
    reset, or batched every ``randomization.physics_resample_interval_steps`` control steps
    (:mod:`.mdp.physics_cohort`). Declared before the physics terms, so that the physics still runs right after
    the start state in the reset order and the cohort's physics before the step's object force."""

    physics = EventTerm(func=mdp.resample_physics, mode="reset", params={"mode": mdp.PHYSICS_MODE})
    # interval 0: looks at every control step; applies the pending cohort every physics_resample_interval_steps
    physics_cohort = EventTerm(
        func=mdp.apply_physics_cohort,
        mode="interval",
        interval_range_s=(0.0, 0.0),
        is_global_time=True,
        params={"term_name": "physics"},
    )


def _physics(func, asset_cfg: SceneEntityCfg | None, term_name: str) -> EventTerm:
    params = {"value": _fixed(term_name)}
    if asset_cfg is not None:
        params["asset_cfg"] = asset_cfg
    return EventTerm(func=func, mode=mdp.PHYSICS_MODE, params=params)


@configclass
class RandomizationEventsCfg(PhysicsCohortEventsCfg):
    """Dactyl's per-episode physics (event mode :data:`~.mdp.PHYSICS_MODE`, run by :class:`PhysicsCohortEventsCfg`),
    the observation noise's reset, the per-step object force and the ADR sync; the ranges as declared here are the
    paper's fixed distributions (:func:`randomization_events_cfg` with ``"adr"`` gives the ADR-driven ones).

    The object size writes Newton's shape scale (Isaac Lab's USD ``randomize_rigid_body_scale`` cannot run
    kit-less: :class:`.mdp.randomize_object_size`); the 4 tendon motors' P gains are MuJoCo actuators authored in
    the asset (:class:`.mdp.randomize_tendon_gain_scale`); joint damping scales the total damping of all 24 joints,
    the asset's passive damping (:class:`.mdp.randomize_joint_damping_total`)."""

    object_size = _physics(mdp.randomize_object_size, SceneEntityCfg("object"), "object_size")
    object_mass = _physics(mdp.randomize_mass_scale, SceneEntityCfg("object"), "object_mass")
    hand_mass = _physics(mdp.randomize_mass_scale, SceneEntityCfg("robot"), "hand_mass")
    object_friction = _physics(mdp.randomize_friction_scale, SceneEntityCfg("object"), "object_friction")
    hand_friction = _physics(mdp.randomize_friction_scale, SceneEntityCfg("robot"), "hand_friction")
    actuator_gains = _physics(mdp.randomize_gain_scale, HAND_MOTOR_JOINTS, "actuator_gains")  # servos: no damping
    joint_damping = _physics(mdp.randomize_joint_damping_total, SceneEntityCfg("robot"), "joint_damping")
    tendon_gains = _physics(mdp.randomize_tendon_gain_scale, None, "tendon_gains")
    joint_limits = _physics(mdp.randomize_joint_limits, None, "joint_limits")
    gravity = _physics(mdp.randomize_gravity_offset, None, "gravity")
    randomization = EventTerm(func=mdp.reset_randomization, mode="reset")
    # interval 0: fires on every control step whatever the step time (the force model reads env.step_dt)
    object_force = EventTerm(
        func=mdp.apply_random_object_force, mode="interval", interval_range_s=(0.0, 0.0), is_global_time=True
    )
    # interval 0: every control step; the sync itself runs every adr_sync_interval_steps (nothing without ADR)
    adr_sync = EventTerm(func=mdp.adr_sync_and_log, mode="interval", interval_range_s=(0.0, 0.0), is_global_time=True)


def randomization_events_cfg(source: RangeSource) -> RandomizationEventsCfg:
    """The events of ``presets=randomized`` (``"fixed"``) or ``presets=adr`` (``"adr"``): one configuration, each
    physics term's range from ``source``."""
    events = RandomizationEventsCfg()
    for term_name in PHYSICS_RANGES:
        getattr(events, term_name).params["value"] = physics_range(term_name, source)
    return events
