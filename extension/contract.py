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

"Hand-base/env frame": axes of the hand mount (``rh_hand_mount``, MJCF world of the rewritten hand),
origin shifted so that the mount sits at ``PolicyContract.hand_base_pos_m`` (the task's env frame puts the
mount at (0, 0, 0.5) m). Hardware reports positions in the mount frame; the runtime adds the shift.
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dactyl_lab import __version__, hand, task_constants

METADATA_KEY = "dactyl_lab.contract"
"""Key of the contract JSON in the ONNX model's ``metadata_props``."""

SCHEMA_VERSION = 1
"""Version of the contract JSON layout this module writes and reads."""

BACKENDS = ("rsl_rl", "rl_games")
ACTION_MODES = ("relative", "absolute")

DEFAULT_CONTROL_PERIOD_S = task_constants.CONTROL_PERIOD_S
"""Dactyl's policy step [s] (10 MuJoCo steps of 8 ms)."""

DACTYL_HAND_BASE_POS_M = task_constants.HAND_BASE_POS_M
"""Where the Dactyl task places the hand mount in its env frame [m] (``dactyl_lab.task_constants``)."""

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


@dataclass
class ObservationNoise:
    """Observation noise the policy was trained with, in the units of its term (std of a Gaussian).

    ``correlated_std`` is drawn once per episode, ``uncorrelated_std`` at every step (Dactyl paper)."""

    correlated_std: float = 0.0
    uncorrelated_std: float = 0.0


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
class ActionLayout:
    """How a policy action becomes 20 motor targets [rad].

    With ``a = clip(action, -clip, clip)`` (the action term's clamp; none if ``clip`` is null):

    * relative: ``target_t = clip(target_{t-1} + scale * a, limits)`` (``offsets`` unused, must be 0);
    * absolute: ``target_t = clip(offset + scale * a, limits)``;
    * smoothing: ``sent_t = alpha * sent_{t-1} + (1 - alpha) * target_t`` (alpha = weight of the previous
      command, 0 = off; the task's ``RelativeMotorTargetActionCfg.smoothing``, paper 0.3).

    Episode start: ``target = sent = the hand's motor positions clipped to limits`` (tendons: J1 + J2).
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
    smoothing_alpha: float = 0.0
    clip: float | None = 1.0
    env_clip: float | None = None


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
        self._validate_action()
        for name in ("control_period_s", "success_threshold_rad"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise ContractError(f"{name} must be a positive number, got {value}")
        if len(self.hand_base_pos_m) != 3 or not all(math.isfinite(v) for v in self.hand_base_pos_m):
            raise ContractError(f"hand_base_pos_m must be 3 finite numbers [m], got {self.hand_base_pos_m}")
        if self.obs_clip is not None and not self.obs_clip > 0:
            raise ContractError(f"obs_clip must be positive or null, got {self.obs_clip}")
        return self

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
        for motor, (lower, upper) in zip(act.motor_names, act.limits):
            if not lower <= upper:
                raise ContractError(f"action.limits of {motor}: lower {lower} > upper {upper} [rad]")
        if act.mode == "relative" and any(offset != 0.0 for offset in act.offsets):
            raise ContractError("action.offsets must be 0 in relative mode (the previous target is the offset)")
        if not 0.0 <= act.smoothing_alpha < 1.0:
            raise ContractError(f"action.smoothing_alpha must be in [0, 1), got {act.smoothing_alpha}")
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
        data = dict(data)
        try:
            data["observation"] = [
                ObservationTerm(**{**t, "noise": ObservationNoise(**t.get("noise", {}))}) for t in data["observation"]
            ]
            data["action"] = ActionLayout(**data["action"])
            data["rnn"] = RnnSpec(**data["rnn"]) if data.get("rnn") is not None else None
            contract = cls(**data)
        except (KeyError, TypeError) as error:
            raise ContractError(f"malformed policy contract: {error}") from error
        return contract.validate()

    @classmethod
    def from_json(cls, text: str) -> PolicyContract:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ContractError(f"policy contract is not valid JSON: {error}") from error
        return cls.from_dict(data)


# ---------------------------------------------------------------------------------------------------
# The Dactyl layout
# ---------------------------------------------------------------------------------------------------
def dactyl_observation_terms(num_actions: int = len(hand.MOTOR_NAMES)) -> list[ObservationTerm]:
    """The policy observation of the Dactyl task, with the paper's observation noise."""
    return [
        ObservationTerm(
            "fingertip_pos", 3 * len(hand.FINGERTIP_BODY_NAMES), "m",
            "fingertip tip points (body origin + R * FINGERTIP_OFFSETS_M), order FINGERTIP_BODY_NAMES, xyz each, "
            "hand-base/env frame",
            ObservationNoise(0.001, 0.002),
        ),
        ObservationTerm("object_pos", 3, "m", "cube centre, hand-base/env frame", ObservationNoise(0.005, 0.001)),
        ObservationTerm(
            "object_quat", 4, "xyzw", "cube orientation, hand-base/env frame, w >= 0", ObservationNoise(0.1, 0.1),
            quat_unique=True,
        ),
        ObservationTerm(
            "goal_relative_quat", 4, "xyzw",
            "quat_mul(object_quat, conj(goal_quat)), w >= 0; noisy through object_quat",
            quat_unique=True,
        ),
        ObservationTerm("last_action", num_actions, "1", "previous policy action as the env saw it, motor order"),
    ]  # fmt: skip


def make_action_layout(
    mode: str = "relative",
    scale_rad: float | dict[str, float] | None = None,
    smoothing_alpha: float = 0.3,
    clip: float | None = 1.0,
    env_clip: float | None = None,
    motor_names: tuple[str, ...] = hand.MOTOR_NAMES,
) -> ActionLayout:
    """Action layout over ``motor_names`` with the hand's motor limits (defaults = the task's action term).

    relative: ``scale_rad`` [rad per unit action] (default 0.1); absolute: scale and offsets map [-1, 1]
    onto each motor's range unless ``scale_rad`` is given.
    """
    limits = [list(hand.MOTOR_LIMITS_RAD[m]) for m in motor_names]
    if mode == "absolute" and scale_rad is None:
        scale = [(hi - lo) / 2.0 for lo, hi in limits]
        offsets = [(hi + lo) / 2.0 for lo, hi in limits]
    else:
        default = 0.1 if scale_rad is None else scale_rad
        scale = [float(default[m]) if isinstance(default, dict) else float(default) for m in motor_names]
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
    **kwargs: Any,
) -> PolicyContract:
    """The contract of a Dactyl policy (observation :func:`dactyl_observation_terms`, 20 motors)."""
    action = action or make_action_layout()
    contract = PolicyContract(
        task_id=task_id,
        backend=backend,
        observation=dactyl_observation_terms(len(action.motor_names)),
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
        raise FileNotFoundError(f"policy file {path} does not exist")
    try:
        import onnx
    except ImportError:
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        metadata = dict(session.get_modelmeta().custom_metadata_map)
    else:
        model = onnx.load(str(path), load_external_data=False)
        metadata = {prop.key: prop.value for prop in model.metadata_props}
    if METADATA_KEY not in metadata:
        raise ContractError(
            f"{path} carries no '{METADATA_KEY}' metadata: export the policy with dactyl-lab's exporter, or embed "
            f"a contract with dactyl_lab.contract.embed_contract (keys present: {sorted(metadata) or 'none'})"
        )
    return PolicyContract.from_json(metadata[METADATA_KEY])


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
