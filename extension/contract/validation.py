"""Validation of a policy contract: the JSON's shape with msgspec, then the contract's own consistency.

:func:`decode` checks a contract read from JSON against the dataclasses of :mod:`dactyl_lab.contract.schema`
with msgspec (strict types: no "0.08" for a float, no 0 for a bool; no unknown fields; every field present, since
a silent default for a missing hand base, smoothing or period would move the hand wrongly) and builds them.
:func:`validate` checks what types cannot: sizes that must agree, finite and positive numbers, unit quaternions,
the action law. docs/runtime.md ("Contract validation library") says why msgspec and not pydantic.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import typing
from typing import Any

import msgspec

from dactyl_lab.spec import action_law
from dactyl_lab.contract.schema import (
    ACTION_MODES,
    BACKENDS,
    OLD_ACTION_LAW_SCHEMAS,
    SCHEMA_VERSION,
    ActionLayout,
    ContractError,
    PolicyContract,
)

_T = typing.TypeVar("_T")


# -- the JSON's shape (msgspec) ---------------------------------------------------------------------------
def decode(cls: type[_T], data: Any) -> _T:
    """``data`` (parsed JSON) as dataclass ``cls``, every field present with its JSON type, or a
    :class:`ContractError` naming the field (``contract.action.scale[3]``) and the problem."""
    try:
        wire = msgspec.convert(data, _json_struct(cls), strict=True)
    except msgspec.ValidationError as error:
        where = str(error).replace("`$", "`contract")
        raise ContractError(
            f"malformed policy contract: {where}; the contract must carry every field with its JSON type (no "
            "defaults are assumed): re-export the policy with this dactyl-lab version"
        ) from None
    return msgspec.convert(wire, cls, from_attributes=True)


@functools.cache
def _json_struct(cls: type) -> type[msgspec.Struct]:
    """The JSON form of dataclass ``cls`` as a msgspec Struct: the same fields and types, none with a default,
    unknown fields refused; nested dataclasses become their own Structs."""
    hints = typing.get_type_hints(cls)
    fields = [(f.name, _json_type(hints[f.name])) for f in dataclasses.fields(cls)]
    return msgspec.defstruct(f"{cls.__name__}JSON", fields, forbid_unknown_fields=True)


def _json_type(annotation: Any) -> Any:
    """``annotation`` with every dataclass in it (``X``, ``list[X]``, ``X | None``) replaced by its Struct."""
    if dataclasses.is_dataclass(annotation):
        return _json_struct(annotation)
    args = typing.get_args(annotation)
    if not args:
        return annotation
    converted = tuple(_json_type(arg) for arg in args)
    if typing.get_origin(annotation) is types.UnionType:
        return functools.reduce(lambda a, b: a | b, converted)
    return typing.get_origin(annotation)[converted]


# -- versions -----------------------------------------------------------------------------------------------
def check_schema_version(schema_version: Any) -> None:
    """Raise :class:`ContractError` unless this package reads contracts of ``schema_version``."""
    check_action_law_version(schema_version)
    if schema_version != SCHEMA_VERSION:
        raise ContractError(
            f"contract schema_version {schema_version} is not supported (this runtime reads "
            f"{SCHEMA_VERSION}); install the dactyl-lab version that exported the policy"
        )


OLD_LAWS = {
    1: "targets accumulated on the previous target",
    2: "EMA 0.3 on the new action, no target rate limit",
}
"""What each refused schema's action law was (for the refusal's message)."""


def check_action_law_version(schema_version: Any) -> None:
    """Raise :class:`ContractError` for a contract exported under an earlier action law (schemas 1 and 2)."""
    if schema_version in OLD_ACTION_LAW_SCHEMAS:
        raise ContractError(
            f"this policy was exported with contract schema_version {schema_version}, under an earlier action law "
            f"({OLD_LAWS.get(schema_version, 'see dactyl_lab.contract.schema')}) and without the contract's rate "
            f"limit; this runtime applies schema {SCHEMA_VERSION}'s law (targets relative to the measured joint "
            "positions, bias-corrected EMA with 0.3 on the previous value per 80 ms as OpenAI's robogym, every target "
            "within the hand's rated speed of the last one). Re-export the policy with this dactyl-lab "
            "(scripts/export.py --checkpoint <run>) and retrain it first if it was trained before the change: the "
            "law is part of what the policy learned"
        )


# -- consistency ----------------------------------------------------------------------------------------------
def validate(contract: PolicyContract) -> None:
    """Raise :class:`ContractError` naming the first inconsistency of ``contract``."""
    check_schema_version(contract.schema_version)
    if contract.backend not in BACKENDS:
        raise ContractError(f"backend {contract.backend!r} is not one of {BACKENDS}")
    if contract.quat_convention != "xyzw":
        raise ContractError(f"quat_convention {contract.quat_convention!r}: the runtime feeds (x, y, z, w) only")
    _validate_rnn(contract)
    _validate_observation(contract)
    _validate_action(contract.action)
    for name in ("control_period_s", "success_threshold_rad"):
        value = getattr(contract, name)
        if not (math.isfinite(value) and value > 0):
            raise ContractError(f"{name} must be a positive number, got {value}")
    if len(contract.hand_base_pos_m) != 3 or not all(math.isfinite(v) for v in contract.hand_base_pos_m):
        raise ContractError(f"hand_base_pos_m must be 3 finite numbers [m], got {contract.hand_base_pos_m}")
    _validate_geometry(contract)
    _validate_task(contract)
    _validate_physics(contract)
    if contract.obs_clip is not None and not contract.obs_clip > 0:
        raise ContractError(f"obs_clip must be positive or null, got {contract.obs_clip}")


def _validate_rnn(contract: PolicyContract) -> None:
    rnn = contract.rnn
    if contract.recurrent != (rnn is not None):
        raise ContractError(f"recurrent={contract.recurrent} but rnn is {'set' if rnn else 'missing'}")
    if rnn is None:
        return
    if rnn.type != "lstm":
        raise ContractError(f"rnn.type {rnn.type!r}: only 'lstm' (h and c states) is supported")
    if len(rnn.state_inputs) != 2 or len(rnn.state_outputs) != 2:
        raise ContractError("an LSTM has two state inputs (h_in, c_in) and two state outputs (h_out, c_out)")


def _validate_observation(contract: PolicyContract) -> None:
    names = [term.name for term in contract.observation]
    if len(set(names)) != len(names):
        raise ContractError(f"duplicate observation terms in {names}")
    for term in contract.observation:
        if term.size <= 0:
            raise ContractError(f"observation term {term.name!r} has size {term.size}")
        noise = (term.noise.correlated_std, term.noise.uncorrelated_std)
        if not all(math.isfinite(v) and v >= 0 for v in noise):
            raise ContractError(f"observation term {term.name!r}: noise std {noise} must be finite and >= 0")


def _validate_action(act: ActionLayout) -> None:
    n = len(act.motor_names)
    if act.mode not in ACTION_MODES:
        raise ContractError(f"action.mode {act.mode!r} is not one of {ACTION_MODES}")
    if len(set(act.motor_names)) != n:
        raise ContractError(f"duplicate motor names in action.motor_names {act.motor_names}")
    for key in ("scale", "offsets", "limits"):
        if len(getattr(act, key)) != n:
            raise ContractError(f"action.{key} has {len(getattr(act, key))} entries for {n} motors")
    for motor, limit, scale in zip(act.motor_names, act.limits, act.scale):
        if len(limit) != 2 or not all(math.isfinite(v) for v in (*limit, scale)):
            raise ContractError(
                f"action of {motor}: limits {limit} must be [lower, upper] and scale {scale} finite [rad]; re-export"
            )
    for motor, (lower, upper) in zip(act.motor_names, act.limits):
        if not lower <= upper:
            raise ContractError(f"action.limits of {motor}: lower {lower} > upper {upper} [rad]")
    if act.mode == "relative" and any(offset != 0.0 for offset in act.offsets):
        raise ContractError("action.offsets must be 0 in relative mode (the measured motor position is the offset)")
    if act.law != action_law.ACTION_LAW:
        raise ContractError(f"action.law {act.law!r} is not this runtime's {action_law.ACTION_LAW!r}")
    if not 0.0 <= act.smoothing_previous_weight < 1.0:
        raise ContractError(
            "action.smoothing_previous_weight (EMA weight of the previous value per step) must be in [0, 1), got "
            f"{act.smoothing_previous_weight}"
        )
    speeds = act.max_target_speed_rad_s
    if len(speeds) != n or not all(math.isfinite(v) and v > 0 for v in speeds):
        raise ContractError(
            f"action.max_target_speed_rad_s needs one positive speed [rad/s] per motor ({n}), got {speeds}; "
            "re-export the policy with this dactyl-lab"
        )
    for motor, joints in act.tendon_joints.items():
        if motor not in act.motor_names or len(joints) != 2:
            raise ContractError(f"action.tendon_joints: {motor!r} -> {joints} is not a motor driving two joints")
    for key in ("clip", "env_clip"):
        value = getattr(act, key)
        if value is not None and not value > 0:
            raise ContractError(f"action.{key} must be positive or null, got {value}")


def _validate_geometry(contract: PolicyContract) -> None:
    tips = contract.fingertips
    if len(tips.tip_offsets_m) != len(tips.body_names) or any(len(o) != 3 for o in tips.tip_offsets_m):
        raise ContractError("fingertips.tip_offsets_m needs one [x, y, z] per fingertips.body_names entry")
    if not all(math.isfinite(v) for offset in tips.tip_offsets_m for v in offset):
        raise ContractError(f"fingertips.tip_offsets_m must be finite [m], got {tips.tip_offsets_m}")
    if any(t.name == "fingertip_pos" and t.size != 3 * len(tips.body_names) for t in contract.observation):
        raise ContractError(
            f"fingertip_pos has {contract.term('fingertip_pos').size} values for "
            f"{len(tips.body_names)} fingertips (3 each)"
        )
    vectors = {
        "frame.up_axis": (contract.frame.up_axis, 3),
        "frame.mount_quat_xyzw": (contract.frame.mount_quat_xyzw, 4),
        "frame.mount_pos_m": (contract.frame.mount_pos_m, 3),
        "openai_model.mount_pos_m": (contract.openai_model.mount_pos_m, 3),
        "task.cube_home_m": (contract.task.cube_home_m, 3),
    }
    for name, (vector, size) in vectors.items():
        if len(vector) != size or not all(math.isfinite(v) for v in vector):
            raise ContractError(f"{name} must be {size} finite numbers, got {vector}")
    for name in ("frame.up_axis", "frame.mount_quat_xyzw"):
        if abs(math.sqrt(sum(v * v for v in vectors[name][0])) - 1.0) > 1e-6:
            raise ContractError(f"{name} must have unit length, got {vectors[name][0]}")


def _validate_task(contract: PolicyContract) -> None:
    task = contract.task
    for name in ("cube_edge_m", "drop_distance_m", "train_goal_timeout_s"):
        if not (math.isfinite(getattr(task, name)) and getattr(task, name) > 0):
            raise ContractError(f"task.{name} must be a positive number, got {getattr(task, name)}")
    if task.max_consecutive_successes < 1:
        raise ContractError(f"task.max_consecutive_successes must be >= 1, got {task.max_consecutive_successes}")
    if not (math.isfinite(task.eval_goal_timeout_s) and task.eval_goal_timeout_s > 0):
        raise ContractError(f"task.eval_goal_timeout_s must be a positive number, got {task.eval_goal_timeout_s}")
    if not math.isfinite(contract.episode_start.last_action_value):
        raise ContractError(f"episode_start.last_action_value must be finite, got {contract.episode_start}")
    if contract.episode_start.settle_random_action_steps < 0:
        raise ContractError("episode_start.settle_random_action_steps must be >= 0")


def _validate_physics(contract: PolicyContract) -> None:
    physics, n = contract.physics, len(contract.action.motor_names)
    if not (math.isfinite(physics.physics_dt_s) and 0 < physics.physics_dt_s <= contract.control_period_s):
        raise ContractError(
            f"physics.physics_dt_s must be positive and at most control_period_s, got {physics.physics_dt_s}"
        )
    for name in ("motor_stiffness_n_m_per_rad", "motor_effort_limit_n_m"):
        values = getattr(physics, name)
        if len(values) != n or not all(math.isfinite(v) and v >= 0 for v in values):
            raise ContractError(f"physics.{name} needs one finite value >= 0 per motor ({n}), got {values}")
    if contract.frame.mount_pos_m != contract.hand_base_pos_m:
        raise ContractError(
            f"frame.mount_pos_m {contract.frame.mount_pos_m} differs from hand_base_pos_m {contract.hand_base_pos_m}"
        )
