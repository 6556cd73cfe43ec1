"""The policy contract: everything the real-hand runtime must know about an exported ONNX policy.

The exporter writes a :class:`PolicyContract` as JSON into the ONNX file's ``metadata_props`` under the
key :data:`METADATA_KEY`; the runtime reads it back (:func:`read_contract`) and refuses to move the hand
when the contract does not match the hand it drives (:func:`check_against_hand`).

Pure Python + json: the robot computer has onnxruntime, not necessarily the ``onnx`` package, and
never torch or Isaac Lab.

Units: positions [m], angles and joint targets [rad], periods [s]. Quaternions are (x, y, z, w).

Observation layout of the Dactyl policy (the task's ``policy`` group, in this order; see
:func:`dactyl_observation_terms`):

=====================  ====  =====  ===========================================================
term                   size  units  meaning
=====================  ====  =====  ===========================================================
fingertip_pos            15  m      5 fingertips x xyz in the hand-base (env) frame, order
                                    ``hand.FINGERTIP_BODY_NAMES``; tip = body origin + R * offset
object_pos                3  m      cube centre in the hand-base frame
object_quat               4  xyzw   cube orientation in the hand-base frame, w >= 0 (quat_unique)
goal_relative_quat        4  xyzw   ``quat_mul(object_quat, conj(goal_quat))``, w >= 0
last_action              20  1      the previous policy action as the env saw it, motor order
=====================  ====  =====  ===========================================================

"Hand-base/env frame" (``PolicyContract.frame``): the task's env frame, whose axes are the world axes of the
rewritten hand MJCF (z up, the palm faces +z; the task places the hand's root there with no rotation), origin
shifted so that the MJCF world origin sits at ``PolicyContract.hand_base_pos_m`` ((0, 0, 0.5) m in the task).
The body ``rh_hand_mount`` sits at that origin but is *rotated* within it (``frame.mount_quat_xyzw``): a tracker
that reports poses in the mount body's axes must rotate them by that quaternion first. The task's observation
terms (``dactyl_lab.tasks.reorient.mdp.observations``) compute world position minus env origin, and the exported
normalizer statistics are in these axes. Hardware reports positions relative to the hand base; the runtime adds
``hand_base_pos_m``.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dactyl_lab import __version__, action_law, hand, task_constants

METADATA_KEY = "dactyl_lab.contract"
"""Key of the contract JSON in the ONNX model's ``metadata_props``."""

SCHEMA_VERSION = 2
"""Version of the contract JSON layout this module writes and reads. 2: the paper's action law
(:mod:`dactyl_lab.action_law`: targets relative to the measured motor positions, EMA on the action, 0.3 the weight
of the new action per 80 ms). 1: targets accumulated on the previous target, 0.3 the weight of the previous one."""

OLD_ACTION_LAW_SCHEMAS = (1,)
"""Schema versions whose policies were exported (and trained) under the old action law."""

BACKENDS = ("rsl_rl", "rl_games")
ACTION_MODES = ("relative", "absolute")

DEFAULT_CONTROL_PERIOD_S = task_constants.CONTROL_PERIOD_S
"""Dactyl's policy step [s] (10 MuJoCo steps of 8 ms)."""

DACTYL_HAND_BASE_POS_M = task_constants.HAND_BASE_POS_M
"""Where the Dactyl task places the hand mount in its env frame [m] (``dactyl_lab.task_constants``)."""

DACTYL_CUBE_EDGE_M = task_constants.CUBE_EDGE_M
"""Edge of the task's cube [m] (the paper's block is 5.7 cm)."""

DACTYL_CUBE_HOME_M = task_constants.CUBE_HOME_POS_M
"""Where the cube starts and is held, relative to the hand base (MJCF world axes) [m]."""

DACTYL_DROP_DISTANCE_M = task_constants.DROP_DISTANCE_M
"""The episode ends (drop) when the cube is farther than this from its home position [m] (task termination)."""

DACTYL_TRAIN_GOAL_TIMEOUT_S = task_constants.GOAL_TIMEOUT_S
"""Training episodes end when a goal is not reached within this time [s] (the real hand uses 80 s)."""

DACTYL_MAX_CONSECUTIVE_SUCCESSES = task_constants.MAX_CONSECUTIVE_SUCCESSES
"""Episodes end after this many goals in a row (paper)."""

POSITION_NOISE_UNITS = "m, per component"
ROTATION_NOISE_UNITS = "rad, rotation angle about a uniformly random axis (not per quaternion component)"

MOUNT_QUAT_XYZW = (0.0, -0.7071067811865476, 0.7071067811865476, 0.0)
"""Orientation of the body ``rh_hand_mount`` in the observation frame (x, y, z, w): gymnasium-robotics' mount
euler (1.5708, 0, 3.14159), measured with MuJoCo on the rewritten MJCF."""

DEFAULT_SUCCESS_THRESHOLD_RAD = task_constants.SUCCESS_THRESHOLD_RAD
"""Orientation error below which a goal counts as reached [rad] (Dactyl paper)."""

JOINT_ORDER_NOTE = (
    "Actions are in the order of action.motor_names (dactyl_lab.hand.MOTOR_NAMES: 16 joint motors, then the "
    "4 tendon motors rh_FFJ0..rh_LFJ0 that drive J0 = J1 + J2). Map every motor and joint BY NAME: Isaac Lab "
    "on PhysX orders joints breadth-first, Newton depth-first, and the Shadow driver's /joint_states in its own "
    "order. Quaternions are (x, y, z, w); MuJoCo stores (w, x, y, z)."
)


class ContractError(ValueError):
    """The contract is missing, malformed, or inconsistent with itself."""


class ContractMismatchError(ContractError):
    """The contract does not fit the hand (motors, count) or the runtime (control period)."""


class PolicyFileError(ContractError):
    """The policy file is not a usable ONNX model (missing, truncated, corrupt, or not ONNX at all)."""


@dataclass
class ObservationNoise:
    """Observation noise the policy was trained with, in the units of its term (std of a Gaussian).

    ``correlated_std`` is drawn once per episode, ``uncorrelated_std`` at every step (Dactyl paper)."""

    correlated_std: float = 0.0
    uncorrelated_std: float = 0.0
    units: str = "term units, per component"
    """How the std applies: ``"m, per component"`` (positions: independent Gaussian per coordinate) or
    ``"rad, rotation angle about a uniformly random axis"`` (quaternions: not per component)."""


@dataclass
class ObservationTerm:
    """One term of the observation vector; the runtime builds the vector by term ``name``."""

    name: str
    size: int
    units: str
    description: str = ""
    noise: ObservationNoise = field(default_factory=ObservationNoise)
    quat_unique: bool = False
    """A quaternion term whose sign is fixed so that w >= 0 (Isaac Lab's ``quat_unique``)."""


@dataclass
class RnnSpec:
    """Recurrent state of the exported policy: extra ONNX inputs/outputs of shape (num_layers, batch, hidden)."""

    type: str = "lstm"
    num_layers: int = 1
    hidden_size: int = 512
    state_inputs: list[str] = field(default_factory=lambda: ["h_in", "c_in"])
    state_outputs: list[str] = field(default_factory=lambda: ["h_out", "c_out"])
    zero_state: str = "zeros at episode start"


@dataclass
class FrameSpec:
    """The frame of every position and orientation the policy sees (see the module docstring)."""

    description: str
    up_axis: list[float]
    """Gravity points along minus this axis (the palm faces it)."""
    mount_body: str
    mount_quat_xyzw: list[float]
    """Orientation of ``mount_body`` in this frame (x, y, z, w)."""


@dataclass
class FingertipSpec:
    """How ``fingertip_pos`` is measured: tip = body origin + R(body) * offset, in ``body_names`` order."""

    body_names: list[str]
    tip_offsets_m: list[list[float]]
    """Per body, the tip point in the body's own frame [m]."""
    site_names: list[str]
    """The same points as MJCF sites of the rewritten hand (``rh_fftip`` ...), where a model has them."""


@dataclass
class TaskSpec:
    """The cube and the episode rules the policy was trained with."""

    cube_edge_m: float
    cube_home_m: list[float]
    """Cube start / hold position relative to the hand base (observation frame minus ``hand_base_pos_m``) [m]."""
    drop_distance_m: float
    train_goal_timeout_s: float
    max_consecutive_successes: int


@dataclass
class EpisodeStart:
    """The state an episode starts from (what the runtime must reproduce at every episode start)."""

    last_action_value: float
    """Every element of the ``last_action`` observation at an episode's first step."""
    motor_targets: str
    smoothed_targets: str
    recurrent_state: str


@dataclass
class OpenAIModelMap:
    """How the joints map onto OpenAI's model (gymnasium-robotics ``robot0:`` names): same angle, or negated."""

    joint_names: dict[str, str]
    """Shadow joint name -> the OpenAI model's joint name."""
    flipped_joints: list[str]
    """OpenAI model joints (its own names) that turn the other way: angle_openai = -angle_shadow."""


@dataclass
class ActionLayout:
    """How a policy action becomes 20 motor targets [rad] (:mod:`dactyl_lab.action_law`, the task's action term).

    With ``a = clip(action, -clip, clip)`` (the action term's clamp; none if ``clip`` is null):

    * smoothing: ``a_smooth_t = a_smooth_{t-1} + alpha * (a - a_smooth_{t-1})``, ``a_smooth = 0`` at episode start;
      ``smoothing_alpha`` = EMA weight of the NEW action per control step of ``control_period_s`` (1 = off; the
      paper's 0.3 per 80 ms, :func:`dactyl_lab.action_law.smoothing_weight_per_step` for other periods);
    * relative: ``target_t = clip(motor_position_t + scale * a_smooth_t, limits)``, the motor position measured
      when the action is issued (tendons rh_{FF,MF,RF,LF}J0: J1 + J2); ``offsets`` unused, must be 0;
    * absolute: ``target_t = clip(offset + scale * a_smooth_t, limits)``.

    ``env_clip``: the RL wrapper's ``clip_actions`` (rl_games 1.0, rsl_rl none): the env, and so the
    ``last_action`` observation, saw ``clip(action, -env_clip, env_clip)``.
    """

    motor_names: list[str]
    mode: str
    scale: list[float]
    """Per motor [rad per unit action]."""
    offsets: list[float]
    """Per motor [rad] (absolute mode)."""
    limits: list[list[float]]
    """Per motor [lower, upper] target range [rad]."""
    smoothing_alpha: float = 1.0
    """EMA weight of the new action per control step (1 = no smoothing)."""
    clip: float | None = 1.0
    env_clip: float | None = None
    law: str = action_law.ACTION_LAW
    """The action law (:data:`dactyl_lab.action_law.ACTION_LAW`), for readers of the JSON."""


@dataclass
class PolicyContract:
    """The JSON stored in the ONNX file under :data:`METADATA_KEY`."""

    task_id: str
    backend: str
    observation: list[ObservationTerm]
    action: ActionLayout
    recurrent: bool = False
    rnn: RnnSpec | None = None
    input_name: str = "obs"
    output_name: str = "actions"
    control_period_s: float = DEFAULT_CONTROL_PERIOD_S
    success_threshold_rad: float = DEFAULT_SUCCESS_THRESHOLD_RAD
    hand_base_pos_m: list[float] = field(default_factory=lambda: [0.0, 0.0, 0.0])
    """Position of the hand mount in the observation (env) frame [m]; axes aligned with the mount."""
    obs_clip: float | None = None
    """The RL wrapper's ``clip_observations`` (rl_games 5.0): the policy saw ``clip(obs, -obs_clip, obs_clip)``."""
    quat_convention: str = hand.QUAT_CONVENTION_ISAACLAB
    joint_order_note: str = JOINT_ORDER_NOTE
    frame: FrameSpec = field(default_factory=lambda: dactyl_frame())
    fingertips: FingertipSpec = field(default_factory=lambda: dactyl_fingertips())
    task: TaskSpec = field(default_factory=lambda: dactyl_task())
    episode_start: EpisodeStart = field(default_factory=lambda: dactyl_episode_start())
    openai_model: OpenAIModelMap = field(default_factory=lambda: dactyl_openai_map())
    schema_version: int = SCHEMA_VERSION
    package_version: str = __version__

    # -- derived -------------------------------------------------------------------------------------
    @property
    def observation_size(self) -> int:
        return sum(term.size for term in self.observation)

    @property
    def action_size(self) -> int:
        return len(self.action.motor_names)

    def term(self, name: str) -> ObservationTerm:
        for term in self.observation:
            if term.name == name:
                return term
        raise KeyError(f"observation term {name!r} not in the contract ({', '.join(t.name for t in self.observation)})")

    # -- validation and (de)serialisation --------------------------------------------------------------
    def validate(self) -> PolicyContract:
        """Raise :class:`ContractError` naming the first inconsistency; return self."""
        check_action_law_version(self.schema_version)
        if self.schema_version != SCHEMA_VERSION:
            raise ContractError(
                f"contract schema_version {self.schema_version} is not supported (this runtime reads "
                f"{SCHEMA_VERSION}); install the dactyl-lab version that exported the policy"
            )
        if self.backend not in BACKENDS:
            raise ContractError(f"backend {self.backend!r} is not one of {BACKENDS}")
        if self.quat_convention != "xyzw":
            raise ContractError(f"quat_convention {self.quat_convention!r}: the runtime feeds (x, y, z, w) only")
        if self.recurrent != (self.rnn is not None):
            raise ContractError(f"recurrent={self.recurrent} but rnn is {'set' if self.rnn else 'missing'}")
        if self.rnn is not None:
            if self.rnn.type != "lstm":
                raise ContractError(f"rnn.type {self.rnn.type!r}: only 'lstm' (h and c states) is supported")
            if len(self.rnn.state_inputs) != 2 or len(self.rnn.state_outputs) != 2:
                raise ContractError("an LSTM has two state inputs (h_in, c_in) and two state outputs (h_out, c_out)")
        names = [term.name for term in self.observation]
        if len(set(names)) != len(names):
            raise ContractError(f"duplicate observation terms in {names}")
        for term in self.observation:
            if term.size <= 0:
                raise ContractError(f"observation term {term.name!r} has size {term.size}")
            noise = (term.noise.correlated_std, term.noise.uncorrelated_std)
            if not all(math.isfinite(v) and v >= 0 for v in noise):
                raise ContractError(f"observation term {term.name!r}: noise std {noise} must be finite and >= 0")
        self._validate_action()
        for name in ("control_period_s", "success_threshold_rad"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ContractError(f"{name} must be a positive number, got {value}")
        if len(self.hand_base_pos_m) != 3 or not all(math.isfinite(v) for v in self.hand_base_pos_m):
            raise ContractError(f"hand_base_pos_m must be 3 finite numbers [m], got {self.hand_base_pos_m}")
        self._validate_geometry()
        if self.obs_clip is not None and not self.obs_clip > 0:
            raise ContractError(f"obs_clip must be positive or null, got {self.obs_clip}")
        return self

    def _validate_geometry(self) -> None:
        tips = self.fingertips
        if len(tips.tip_offsets_m) != len(tips.body_names) or any(len(o) != 3 for o in tips.tip_offsets_m):
            raise ContractError("fingertips.tip_offsets_m needs one [x, y, z] per fingertips.body_names entry")
        if not all(math.isfinite(v) for offset in tips.tip_offsets_m for v in offset):
            raise ContractError(f"fingertips.tip_offsets_m must be finite [m], got {tips.tip_offsets_m}")
        if any(t.name == "fingertip_pos" and t.size != 3 * len(tips.body_names) for t in self.observation):
            raise ContractError(
                f"fingertip_pos has {self.term('fingertip_pos').size} values for "
                f"{len(tips.body_names)} fingertips (3 each)"
            )
        vectors = {
            "frame.up_axis": (self.frame.up_axis, 3),
            "frame.mount_quat_xyzw": (self.frame.mount_quat_xyzw, 4),
            "task.cube_home_m": (self.task.cube_home_m, 3),
        }
        for name, (vector, size) in vectors.items():
            if len(vector) != size or not all(math.isfinite(v) for v in vector):
                raise ContractError(f"{name} must be {size} finite numbers, got {vector}")
        for name in ("frame.up_axis", "frame.mount_quat_xyzw"):
            if abs(math.sqrt(sum(v * v for v in vectors[name][0])) - 1.0) > 1e-6:
                raise ContractError(f"{name} must have unit length, got {vectors[name][0]}")
        task = self.task
        for name in ("cube_edge_m", "drop_distance_m", "train_goal_timeout_s"):
            if not (math.isfinite(getattr(task, name)) and getattr(task, name) > 0):
                raise ContractError(f"task.{name} must be a positive number, got {getattr(task, name)}")
        if task.max_consecutive_successes < 1:
            raise ContractError(f"task.max_consecutive_successes must be >= 1, got {task.max_consecutive_successes}")
        if not math.isfinite(self.episode_start.last_action_value):
            raise ContractError(f"episode_start.last_action_value must be finite, got {self.episode_start}")

    def _validate_action(self) -> None:
        act = self.action
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
                    f"action of {motor}: limits {limit} must be [lower, upper] and scale {scale} "
                    "finite [rad]; re-export"
                )
        for motor, (lower, upper) in zip(act.motor_names, act.limits):
            if not lower <= upper:
                raise ContractError(f"action.limits of {motor}: lower {lower} > upper {upper} [rad]")
        if act.mode == "relative" and any(offset != 0.0 for offset in act.offsets):
            raise ContractError("action.offsets must be 0 in relative mode (the measured motor position is the offset)")
        if act.law != action_law.ACTION_LAW:
            raise ContractError(f"action.law {act.law!r} is not this runtime's {action_law.ACTION_LAW!r}")
        if not 0.0 < act.smoothing_alpha <= 1.0:
            raise ContractError(
                f"action.smoothing_alpha (EMA weight of the new action) must be in (0, 1], got {act.smoothing_alpha}"
            )
        for key in ("clip", "env_clip"):
            value = getattr(act, key)
            if value is not None and not value > 0:
                raise ContractError(f"action.{key} must be positive or null, got {value}")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolicyContract:
        """Build and validate a contract read from JSON. Every field must be present with the right type (no
        silent defaults: a missing hand base, smoothing or period would move the hand wrongly)."""
        if not isinstance(data, dict):
            raise ContractError(f"malformed policy contract: a JSON object is needed, got {type(data).__name__}")
        data = dict(data)
        check_action_law_version(data.get("schema_version"))
        if data.get("schema_version") != SCHEMA_VERSION:  # a contract of another version: say that first
            return cls(**{f.name: data.get(f.name) for f in dataclasses.fields(cls)}).validate()
        try:
            contract = _build(cls, data, "contract")
        except (KeyError, TypeError, ValueError) as error:
            if isinstance(error, ContractError):
                raise
            raise ContractError(f"malformed policy contract: {error}; re-export the policy") from error
        return contract.validate()

    @classmethod
    def from_json(cls, text: str) -> PolicyContract:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:  # onnx hands over bytes when not valid UTF-8
            raise ContractError(f"policy contract is not valid JSON: {error}") from error
        return cls.from_dict(data)


def check_action_law_version(schema_version: Any) -> None:
    """Raise :class:`ContractError` for a contract exported under the old action law (schema 1)."""
    if schema_version in OLD_ACTION_LAW_SCHEMAS:
        raise ContractError(
            f"this policy was exported with contract schema_version {schema_version}, under the old action law "
            "(targets accumulated on the previous target, smoothing 0.3 on the previous value); this runtime applies "
            f"the paper's law (schema {SCHEMA_VERSION}: targets relative to the measured joint positions, EMA 0.3 on "
            "the new action). Re-export the policy with this dactyl-lab (scripts/export.py --checkpoint <run>) and "
            "retrain it first if it was trained before the change: the law is part of what the policy learned"
        )


def _nested_types() -> dict[str, Any]:
    return {
        cls.__name__: cls
        for cls in (
            ObservationNoise,
            ObservationTerm,
            RnnSpec,
            ActionLayout,
            FrameSpec,
            FingertipSpec,
            TaskSpec,
            EpisodeStart,
            OpenAIModelMap,
        )
    }


def _build(cls, data: Any, where: str):
    """``cls(**data)`` with every field checked (:func:`_check_fields`) and nested dataclasses built too."""
    _check_fields(cls, data, where)
    nested, values = _nested_types(), {}
    for f in dataclasses.fields(cls):
        value, annotation = data[f.name], f.type
        optional = annotation.endswith(" | None")
        base = annotation[: -len(" | None")] if optional else annotation
        if base in nested and not (optional and value is None):
            value = _build(nested[base], value, f"{where}.{f.name}")
        elif base.startswith("list[") and base[5:-1] in nested:
            if not isinstance(value, list):
                raise ContractError(f"malformed policy contract: {where}.{f.name} must be a list; re-export")
            value = [_build(nested[base[5:-1]], v, f"{where}.{f.name}[{i}]") for i, v in enumerate(value)]
        values[f.name] = value
    return cls(**values)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _is_list_of(check):
    return lambda value: isinstance(value, list) and all(check(v) for v in value)


_TYPE_CHECKS = {
    "str": lambda v: isinstance(v, str),
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "float": _is_number,
    "bool": lambda v: isinstance(v, bool),
    "list[str]": _is_list_of(lambda v: isinstance(v, str)),
    "list[float]": _is_list_of(_is_number),
    "list[list[float]]": _is_list_of(_is_list_of(_is_number)),
    "dict[str, str]": lambda v: isinstance(v, dict) and all(isinstance(x, str) for x in (*v.keys(), *v.values())),
}
"""Checks of the JSON value of a dataclass field by its annotation (``X | None`` also accepts null); fields
of other annotations (nested dataclasses, lists of them) are checked where they are built."""


def _check_fields(cls, data: Any, where: str) -> None:
    """Every field of dataclass ``cls`` present in ``data`` with a value of its type; no unknown fields."""
    if not isinstance(data, dict):
        raise ContractError(
            f"malformed policy contract: {where!r} must be a JSON object, got {type(data).__name__}; re-export"
        )
    fields = {f.name: f.type for f in dataclasses.fields(cls)}
    missing = [name for name in fields if name not in data]
    unknown = [name for name in data if name not in fields]
    if missing or unknown:
        raise ContractError(
            f"malformed policy contract: {where}: missing fields {missing or 'none'}, unknown fields "
            f"{unknown or 'none'}; the contract must "
            "carry every field (no defaults are assumed): re-export the policy with this dactyl-lab version"
        )
    for name, annotation in fields.items():
        value = data[name]
        optional = annotation.endswith(" | None")
        check = _TYPE_CHECKS.get(annotation[: -len(" | None")] if optional else annotation)
        if check is None or (optional and value is None):
            continue
        if not check(value):
            raise ContractError(
                f"malformed policy contract: {where}.{name} must be {annotation}, got {json.dumps(value)[:60]}; "
                "the contract is corrupt: re-export"
            )


# ---------------------------------------------------------------------------------------------------
# The Dactyl layout
# ---------------------------------------------------------------------------------------------------
def dactyl_frame() -> FrameSpec:
    """The observation frame of the Dactyl task (module docstring)."""
    return FrameSpec(
        "task env frame: world axes of the rewritten hand MJCF (z up, palm facing +z), origin = MJCF world origin "
        "at hand_base_pos_m; rh_hand_mount is rotated within it by mount_quat_xyzw",
        [0.0, 0.0, 1.0],
        "rh_hand_mount",
        list(MOUNT_QUAT_XYZW),
    )


def dactyl_fingertips() -> FingertipSpec:
    return FingertipSpec(
        list(hand.FINGERTIP_BODY_NAMES), [list(o) for o in hand.FINGERTIP_OFFSETS_M], list(hand.FINGERTIP_SITE_NAMES)
    )


def dactyl_task() -> TaskSpec:
    return TaskSpec(
        DACTYL_CUBE_EDGE_M,
        list(DACTYL_CUBE_HOME_M),
        DACTYL_DROP_DISTANCE_M,
        DACTYL_TRAIN_GOAL_TIMEOUT_S,
        DACTYL_MAX_CONSECUTIVE_SUCCESSES,
    )


def dactyl_episode_start() -> EpisodeStart:
    return EpisodeStart(
        0.0,
        "the hand's measured motor positions clipped to action.limits (tendon motors rh_*J0: J1 + J2); every "
        "target is relative to the positions measured at that step",
        "the smoothed action a_smooth starts at 0 (the first target is the measured position plus "
        "scale * smoothing_alpha * a)",
        "zeros (h and c), rnn only",
    )


def dactyl_openai_map() -> OpenAIModelMap:
    """Shadow joint names -> gymnasium-robotics' ``robot0:`` names and the joints it turns the other way."""
    names = {shadow: f"robot0:{openai}" for openai, shadow in hand.OPENAI_TO_SHADOW_JOINT.items()}
    return OpenAIModelMap(names, sorted(names[shadow] for shadow in hand.AXIS_FLIPPED_VS_OPENAI))


def dactyl_observation_terms(num_actions: int = len(hand.MOTOR_NAMES)) -> list[ObservationTerm]:
    """The policy observation of the Dactyl task, with the paper's observation noise."""
    return [
        ObservationTerm(
            "fingertip_pos",
            3 * len(hand.FINGERTIP_BODY_NAMES),
            "m",
            "fingertip tip points (body origin + R * FINGERTIP_OFFSETS_M), order FINGERTIP_BODY_NAMES, xyz each, "
            "hand-base/env frame",
            ObservationNoise(0.001, 0.002, POSITION_NOISE_UNITS),
        ),
        ObservationTerm(
            "object_pos",
            3,
            "m",
            "cube centre, hand-base/env frame",
            ObservationNoise(0.005, 0.001, POSITION_NOISE_UNITS),
        ),
        ObservationTerm(
            "object_quat",
            4,
            "xyzw",
            "cube orientation, hand-base/env frame, w >= 0",
            ObservationNoise(0.1, 0.1, ROTATION_NOISE_UNITS),
            quat_unique=True,
        ),
        ObservationTerm(
            "goal_relative_quat",
            4,
            "xyzw",
            "quat_mul(object_quat, conj(goal_quat)), w >= 0; noisy through object_quat",
            quat_unique=True,
        ),
        ObservationTerm("last_action", num_actions, "1", "previous policy action as the env saw it, motor order"),
    ]


def make_action_layout(
    mode: str = "relative",
    scale_rad: float | dict[str, float] | None = None,
    smoothing_alpha: float = action_law.PAPER_SMOOTHING_NEW_WEIGHT,
    clip: float | None = 1.0,
    env_clip: float | None = None,
    motor_names: tuple[str, ...] = hand.MOTOR_NAMES,
) -> ActionLayout:
    """Action layout over ``motor_names`` with the hand's motor limits (defaults = the task's action term).

    relative: ``scale_rad`` [rad per unit action] (default: half of each motor's range, the task's action term;
    :func:`dactyl_lab.action_law.motor_scales_rad`); absolute: scale and offsets map [-1, 1] onto each motor's
    range unless ``scale_rad`` is given.
    """
    limits = [list(hand.MOTOR_LIMITS_RAD[m]) for m in motor_names]
    # both modes default to half of each motor's range: relative = the task's law, absolute = [-1, 1] onto the range
    per_motor = action_law.motor_scales_rad(scale_rad, {m: hand.MOTOR_LIMITS_RAD[m] for m in motor_names})
    scale = [per_motor[m] for m in motor_names]
    offsets = [0.0] * len(motor_names) if mode == "relative" else [(hi + lo) / 2.0 for lo, hi in limits]
    return ActionLayout(list(motor_names), mode, scale, offsets, limits, smoothing_alpha, clip, env_clip)


def make_dactyl_contract(
    task_id: str,
    backend: str = "rsl_rl",
    recurrent: bool = False,
    hidden_size: int = 512,
    num_layers: int = 1,
    action: ActionLayout | None = None,
    control_period_s: float = DEFAULT_CONTROL_PERIOD_S,
    hand_base_pos_m: tuple[float, float, float] = DACTYL_HAND_BASE_POS_M,
    observation: list[ObservationTerm] | None = None,
    **kwargs: Any,
) -> PolicyContract:
    """The contract of a Dactyl policy (observation: :func:`dactyl_observation_terms` unless given, 20 motors)."""
    action = action or make_action_layout()
    contract = PolicyContract(
        task_id=task_id,
        backend=backend,
        observation=observation or dactyl_observation_terms(len(action.motor_names)),
        action=action,
        recurrent=recurrent,
        rnn=RnnSpec(num_layers=num_layers, hidden_size=hidden_size) if recurrent else None,
        control_period_s=control_period_s,
        hand_base_pos_m=list(hand_base_pos_m),
        **kwargs,
    )
    return contract.validate()


# ---------------------------------------------------------------------------------------------------
# ONNX metadata
# ---------------------------------------------------------------------------------------------------
def read_contract(onnx_path: str | Path) -> PolicyContract:
    """The contract embedded in an ONNX file (``onnx`` package if installed, else onnxruntime)."""
    path = Path(onnx_path)
    if not path.is_file():
        raise PolicyFileError(f"policy file {path} does not exist; pass the policy.onnx that scripts/export.py wrote")
    try:
        metadata = _onnx_metadata(path)
    except Exception as error:  # noqa: BLE001 - protobuf / onnxruntime raise many types for a corrupt file
        detail = " ".join(str(error).split())[:160]
        raise PolicyFileError(
            f"{path} is not a readable ONNX model ({type(error).__name__}: {detail}); pass the policy.onnx that "
            "scripts/export.py wrote (a truncated or damaged copy? copy it again)"
        ) from None
    if METADATA_KEY not in metadata:
        raise ContractError(
            f"{path} carries no '{METADATA_KEY}' metadata: export the policy with dactyl-lab's exporter, or embed "
            f"a contract with dactyl_lab.contract.embed_contract (keys present: {sorted(metadata) or 'none'})"
        )
    return PolicyContract.from_json(metadata[METADATA_KEY])


def _onnx_metadata(path: Path) -> dict[str, str]:
    try:
        import onnx
    except ImportError:
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return dict(session.get_modelmeta().custom_metadata_map)
    model = onnx.load(str(path), load_external_data=False)
    if not model.graph.node and not model.graph.input:
        raise ValueError("the file parses as an empty model (no graph): not an ONNX export")
    return {prop.key: prop.value for prop in model.metadata_props}


def embed_contract(model: Any, contract: PolicyContract) -> Any:
    """Write ``contract`` into an ``onnx.ModelProto``'s metadata_props (replacing an older one); returns it."""
    contract.validate()
    for prop in list(model.metadata_props):
        if prop.key == METADATA_KEY:
            model.metadata_props.remove(prop)
    prop = model.metadata_props.add()
    prop.key, prop.value = METADATA_KEY, contract.to_json()
    return model


def write_contract(onnx_path: str | Path, contract: PolicyContract) -> None:
    """Embed ``contract`` into an ONNX file in place (needs the ``onnx`` package)."""
    import onnx

    model = onnx.load(str(onnx_path))
    onnx.save(embed_contract(model, contract), str(onnx_path))


# ---------------------------------------------------------------------------------------------------
# Contract vs hand
# ---------------------------------------------------------------------------------------------------
def check_against_hand(
    contract: PolicyContract, motor_names: tuple[str, ...] | list[str], control_period_s: float, tol_s: float = 1e-6
) -> None:
    """Raise :class:`ContractMismatchError` unless the policy's motors and period fit this hand and runtime.

    Args:
        motor_names: the motors the hand can drive (any order: the runtime maps by name).
        control_period_s: the period the runtime will run at [s].
    """
    wanted = list(contract.action.motor_names)
    have = list(motor_names)
    fix = "re-export the policy for this hand (dactyl_lab.hand.MOTOR_NAMES), or run it on the hand it was trained for"
    if len(wanted) != len(have):
        missing = [m for m in wanted if m not in have]
        extra = [m for m in have if m not in wanted]
        raise ContractMismatchError(
            f"motor count differs: the policy drives {len(wanted)} motors, the hand has {len(have)} "
            f"(policy-only: {missing or 'none'}; hand-only: {extra or 'none'}); {fix}"
        )
    missing = [m for m in wanted if m not in have]
    if missing:
        extra = [m for m in have if m not in wanted]
        raise ContractMismatchError(
            f"motor names differ: the policy drives {missing} which the hand does not have "
            f"(the hand has {extra} instead); {fix}"
        )
    if not math.isclose(contract.control_period_s, control_period_s, rel_tol=0.0, abs_tol=tol_s):
        raise ContractMismatchError(
            f"control period differs: the policy was trained at {contract.control_period_s:g} s per step but the "
            f"runtime is set to {control_period_s:g} s; pass --control-period {contract.control_period_s:g} "
            "(or re-export a policy trained at the period you need)"
        )
