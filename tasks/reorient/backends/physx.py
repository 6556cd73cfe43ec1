"""What the task does differently on PhysX (OvPhysX kit-less, Isaac Sim PhysX under Kit), and what it refuses there.

:func:`prepare` runs when the env is built, before the simulation starts. On a PhysX backend it

* puts the PhysX version of each physics term whose Newton function writes Newton / MuJoCo-Warp model data
  (``newton_only = True``) in its place (:data:`PHYSX_TERMS`, :mod:`.physx_terms`: frictions, tendon gains);
* drops, with one warning line each, the terms PhysX cannot represent (:data:`DROPPED_ON_PHYSX`: per-env gravity,
  the object size at run time) and their ADR parameters; and Newton's solver-overflow counter;
* refuses, with one line naming the preset and the term (exit 2), a Newton-only term it knows neither way;
* caps the tendon servos' force through their targets (a PhysX fixed tendon has no force range:
  ``RelativeMotorTargetActionCfg.tendon_force_limit_by_target``) and gives the cube the hand's contact offsets
  (:func:`dactyl_lab.assets.physx_scene.physx_collision_props`);
* applies the OvPhysX workarounds (:mod:`.ovphysx_workarounds`).

On Newton it does nothing. docs/randomization.md ("On PhysX") has the per-term table.
"""

from __future__ import annotations

import sys

from dactyl_lab.assets.physx_scene import physx_collision_props
from dactyl_lab.errors import UsageError

PHYSX_PRESETS: dict[str, str] = {
    "OvPhysxCfg": "physx|ovphysx",
    "PhysxCfg": "physx|isaacsim_physx",
    "PhysxAutoCfg": "physx",
}
"""Physics config class -> the presets that select it (Isaac Lab's launcher turns ``physx`` into OvPhysX or Isaac
Sim PhysX before the env is built)."""


def physx_preset_of(cfg) -> str | None:
    """The PhysX preset(s) ``cfg.sim.physics`` comes from (``physx``, ``physx|ovphysx`` ...), or None (Newton)."""
    return PHYSX_PRESETS.get(type(cfg.sim.physics).__name__)


PHYSX_TERMS: dict[str, str] = {
    "randomize_friction_scale": "randomize_friction_scale",
    "randomize_tendon_gain_scale": "randomize_tendon_gain_scale",
}
"""Newton term function name -> its PhysX version in :mod:`.physx_terms`."""

DROPPED_ON_PHYSX: dict[str, str] = {
    "randomize_gravity_offset": "PhysX has one gravity for the whole scene, not one per env",
    "randomize_object_size": "PhysX cannot resize a collision shape of a running simulation per env",
}
"""Newton term function name -> why PhysX runs without it (the term is dropped with a warning line)."""

NEWTON_ONLY_MONITORS: tuple[str, ...] = ("track_solver_overflow",)
"""Event terms that only read Newton's solver (nothing to read on PhysX): dropped silently."""


def _func_name(term) -> str:
    func = getattr(term, "func", None)
    return getattr(func, "__name__", type(func).__name__)


def event_terms(cfg) -> dict[str, object]:
    """``{name: EventTermCfg}`` of ``cfg.events`` (the terms that are set)."""
    events = getattr(cfg, "events", None)
    if events is None:
        return {}
    names = [n for n in dir(events) if not n.startswith("_")]
    return {n: getattr(events, n) for n in names if getattr(getattr(events, n), "func", None) is not None}


def newton_only_event_terms(cfg) -> list[str]:
    """Names of the event terms of ``cfg`` whose functions only Newton can run."""
    return [name for name, term in event_terms(cfg).items() if getattr(term.func, "newton_only", False)]


def unsupported_event_terms(cfg) -> list[str]:
    """The Newton-only event terms of ``cfg`` that PhysX can neither run (:data:`PHYSX_TERMS`) nor drop."""
    known = set(PHYSX_TERMS) | set(DROPPED_ON_PHYSX)
    terms = event_terms(cfg)
    return [name for name in newton_only_event_terms(cfg) if _func_name(terms[name]) not in known]


def refuse_newton_only_terms(cfg) -> None:
    """Exit 2 (:class:`~dactyl_lab.errors.UsageError`) with one line when a PhysX preset meets a Newton-only term
    with no PhysX version."""
    preset = physx_preset_of(cfg)
    terms = unsupported_event_terms(cfg) if preset else []
    if terms:
        raise UsageError(
            f"presets={preset}: the randomization term(s) {', '.join(terms)} write Newton model data and have no "
            f"PhysX version; remove them from the events config or train on Newton (presets=newton_mjwarp)"
        )


def use_physx_terms(cfg) -> dict[str, str]:
    """On ``cfg.events``: each Newton-only term with a PhysX version gets it, each term PhysX cannot represent is
    dropped (one warning line on stderr each, and its ADR parameter removed), Newton's solver monitors dropped.
    Returns ``{term: "physx" | "dropped"}``."""
    from . import physx_terms

    preset = physx_preset_of(cfg)
    done = {}
    for name, term in event_terms(cfg).items():
        func = _func_name(term)
        if func in NEWTON_ONLY_MONITORS:
            setattr(cfg.events, name, None)
        elif not getattr(term.func, "newton_only", False):
            continue
        elif func in PHYSX_TERMS:
            term.func = getattr(physx_terms, PHYSX_TERMS[func])
            done[name] = "physx"
        elif func in DROPPED_ON_PHYSX:
            setattr(cfg.events, name, None)
            dropped_param = _drop_adr_param(cfg, term)
            print(
                f"warning: presets={preset}: randomization term {name} dropped ({DROPPED_ON_PHYSX[func]})"
                + (f", and its ADR parameter {dropped_param}" if dropped_param else "")
                + "; docs/randomization.md, 'On PhysX'",
                file=sys.stderr,
                flush=True,
            )
            done[name] = "dropped"
    return done


def _drop_adr_param(cfg, term) -> str | None:
    """Remove the ADR parameter of a dropped term from ``cfg.randomization.adr`` (it would widen for nothing)."""
    param = getattr(term.params.get("value"), "adr_param", None)
    adr = getattr(getattr(cfg, "randomization", None), "adr", None)
    if param is None or adr is None or param not in adr.params:
        return None
    adr.params = {k: v for k, v in adr.params.items() if k != param}
    return param


def prepare(cfg) -> list[str]:
    """Before the simulation starts: PhysX versions of the Newton-only terms (or their refusal), the OvPhysX
    workarounds this machine needs. Returns the workarounds applied ([] on Newton and on Isaac Sim PhysX)."""
    preset = physx_preset_of(cfg)
    if preset is None:
        return []
    refuse_newton_only_terms(cfg)
    use_physx_terms(cfg)
    cfg.actions.motors.tendon_force_limit_by_target = True  # a PhysX fixed tendon has no force range
    cfg.scene.object.spawn.collision_props = physx_collision_props()  # the cube: the hand's measured offsets
    if type(cfg.sim.physics).__name__ == "PhysxCfg":  # Isaac Sim PhysX under Kit: none of OvPhysX's bugs
        return []
    from . import ovphysx_workarounds

    return ovphysx_workarounds.apply(num_threads=getattr(cfg, "physx_threads", None))
