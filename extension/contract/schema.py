"""The policy contract's data model: the dataclasses the exporter fills and writes as JSON, and the errors.

Every class is a plain dataclass (``dataclasses.replace`` and ``dataclasses.fields`` work). The JSON form is
``dataclasses.asdict``; :meth:`PolicyContract.from_json` / :meth:`PolicyContract.from_dict` read it back and
validate it (:mod:`dactyl_lab.contract.validation`: the JSON's shape and types with msgspec, every field required,
then the contract's own consistency). The Dactyl values of the fields are :mod:`dactyl_lab.contract.dactyl`'s.

Units: positions [m], angles and joint targets [rad], periods [s]. Quaternions are (x, y, z, w).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any

from dactyl_lab import __version__
from dactyl_lab.spec import action_law, hand, task as task_constants

SCHEMA_VERSION = 3
"""Version of the contract JSON layout this package writes and reads. 3: the action law of
:mod:`dactyl_lab.spec.action_law` (targets relative to the measured motor positions; bias-corrected EMA on the
action with 0.3 the weight of the PREVIOUS value per 80 ms, as OpenAI's robogym; every target within the hand's
rated speed x the control period of the last one, ``action.max_target_speed_rad_s``) and the integrator's facts
(``physics``, ``openai_model`` actuators and tendon coupling, ``task.eval_goal_timeout_s``, the cube's faces, the
quaternion product). 2: EMA with 0.3 the weight of the new action, no rate limit. 1: targets accumulated on the
previous target."""

OLD_ACTION_LAW_SCHEMAS = (1, 2)
"""Schema versions whose policies were exported (and trained) under an earlier action law."""

BACKENDS = ("rsl_rl", "rl_games")
ACTION_MODES = ("relative", "absolute")

DEFAULT_CONTROL_PERIOD_S = task_constants.CONTROL_PERIOD_S
"""Dactyl's policy step [s] (10 MuJoCo steps of 8 ms)."""

DEFAULT_SUCCESS_THRESHOLD_RAD = task_constants.SUCCESS_THRESHOLD_RAD
"""Orientation error below which a goal counts as reached [rad] (Dactyl paper)."""

JOINT_ORDER_NOTE = (
    "Actions are in the order of action.motor_names (dactyl_lab.spec.hand.MOTOR_NAMES: 16 joint motors, then the "
    "4 tendon motors rh_FFJ0..rh_LFJ0 that drive J0 = J1 + J2, action.tendon_joints). Map every motor and joint BY "
    "NAME: Isaac Lab on PhysX orders joints breadth-first, Newton depth-first, and the Shadow driver's /joint_states "
    "in its own order. Quaternions are (x, y, z, w); MuJoCo stores (w, x, y, z)."
)


class ContractError(ValueError):
    """The contract is missing, malformed, or inconsistent with itself."""


class ContractMismatchError(ContractError):
    """The contract does not fit the hand (motors, count) or the runtime (control period)."""


class PolicyFileError(ContractError):
    """The policy file is not a usable ONNX model (missing, truncated, corrupt, or not ONNX at all)."""


def _dactyl_default(name: str):
    """Default factory of a field whose default is the Dactyl value ``dactyl_lab.contract.dactyl.<name>()``
    (imported when called: that module builds on these classes)."""

    def build():
        from dactyl_lab.contract import dactyl

        return getattr(dactyl, name)()

    return build


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
    """The frame of every position and orientation the policy sees (:mod:`dactyl_lab.contract.dactyl`)."""

    description: str
    up_axis: list[float]
    """Gravity points along minus this axis (the palm faces it)."""
    mount_body: str
    mount_pos_m: list[float]
    """Position of ``mount_body`` (the hand base) in this frame [m]: the contract's ``hand_base_pos_m``."""
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
    eval_goal_timeout_s: float
    """The goal timeout of evaluation and of the real hand [s] (paper sec. 6.2; the runtime's default)."""
    cube_faces: dict[str, str]
    """Cube face (outward normal along the cube body's axis, ``"+x"`` ...) -> where it points at the identity
    orientation. ``object_quat`` is the orientation of this body frame: a tracker must report it for these faces."""


@dataclass
class EpisodeStart:
    """The state an episode starts from (what the runtime must reproduce at every episode start)."""

    last_action_value: float
    """Every element of the ``last_action`` observation at an episode's first step."""
    motor_targets: str
    smoothed_targets: str
    recurrent_state: str
    object_start: str
    """How training placed the cube and the hand at an episode start (paper App. C.1)."""
    settle_random_action_steps: int
    """Control steps of uniformly random actions (through the action law) that settled each start state."""


@dataclass
class OpenAIModelMap:
    """How the joints map onto OpenAI's model (gymnasium-robotics ``robot0:`` names): same angle, or negated."""

    joint_names: dict[str, str]
    """Shadow joint name -> the OpenAI model's joint name."""
    flipped_joints: list[str]
    """OpenAI model joints (its own names) that turn the other way: angle_openai = -angle_shadow."""
    motor_actuators: dict[str, str]
    """Motor (``action.motor_names``) -> the OpenAI model's position actuator that drives it. A tendon motor
    ``rh_XFJ0`` (target of J1 + J2) maps onto ``robot0:A_XFJ1``, which drives Shadow's J2 alone while the tendon
    ``robot0:T_XFJ1c`` couples J1 = ``tendon_coupling_j1_per_j2`` x J2: command J2 = target / (1 + coupling) and
    read the motor position as J1 + J2."""
    tendon_coupling_j1_per_j2: float
    """The OpenAI model's J1 / J2 ratio along its coupling tendon (0.00805 / 0.00705)."""
    tendon_coupling_slack_rad: float
    """How far that model lets J1 leave the ratio [rad] (its coupling tendon's length range +-0.001 m / 0.00705 m),
    so J1 + J2 reaches the target only within this slack (plus the servo's error)."""
    mount_pos_m: list[float]
    """Where the OpenAI model's ``robot0:hand mount`` sits in its world [m] (same axes as our env frame): an
    OpenAI-model position p maps to p - mount_pos_m + hand_base_pos_m in the observation frame."""


@dataclass
class PhysicsSpec:
    """The simulated hand the policy was trained on: what a second simulator must reproduce (and what the real
    hand's controllers provide)."""

    physics_dt_s: float
    """One physics step [s] (the paper's 8 ms); ``control_period_s`` / ``physics_dt_s`` steps per action."""
    hand_gravity_compensation: float
    """Fraction of each hand link's weight cancelled (MuJoCo ``gravcomp``; 1 = the links carry no weight, as the
    real hand's position controllers hold its pose); the cube is not compensated."""
    motor_stiffness_n_m_per_rad: list[float]
    """Position-servo gain per motor (``action.motor_names`` order), torque = kp (target - position), no D term."""
    motor_effort_limit_n_m: list[float]
    """Servo torque limit per motor [N m]."""
    joint_damping_n_m_s_per_rad: dict[str, float]
    """Passive damping of every joint (24, by Shadow name)."""
    note: str


@dataclass
class ActionLayout:
    """How a policy action becomes 20 motor targets [rad] (:mod:`dactyl_lab.spec.action_law`, the task's action term).

    With ``a = clip(action, -clip, clip)`` (the action term's clamp; none if ``clip`` is null) and ``p`` =
    ``smoothing_previous_weight`` (the EMA weight of the PREVIOUS value per control step of ``control_period_s``:
    robogym's ``alpha ** (period / 80 ms)``, the task's 0.3 per 80 ms; 0 = off):

    * smoothing: ``ema_t = p ema_{t-1} + (1 - p) a``, ``retained_t = p retained_{t-1}``,
      ``a_smooth_t = ema_t / (1 - retained_t)``; ``ema = 0``, ``retained = 1`` at episode start (so
      ``a_smooth_1 = a_1``);
    * relative: ``target_t = clip(motor_position_t + scale * a_smooth_t, limits)``, the motor position measured
      when the action is issued (tendon motors: the sum of ``tendon_joints``); ``offsets`` unused, must be 0;
    * absolute: ``target_t = clip(offset + scale * a_smooth_t, limits)``;
    * rate limit (both modes), before the limits: ``target_t`` within ``max_target_speed_rad_s * control_period_s``
      of ``target_{t-1}`` (the target sent the step before; at episode start the measured pose clipped to limits).

    ``env_clip``: the RL wrapper's ``clip_actions`` (rl_games 1.0, rsl_rl none): the env, and so the
    ``last_action`` observation, saw ``clip(action, -env_clip, env_clip)`` (``last_action_source``).
    """

    motor_names: list[str]
    mode: str
    scale: list[float]
    """Per motor [rad per unit action]."""
    offsets: list[float]
    """Per motor [rad] (absolute mode)."""
    limits: list[list[float]]
    """Per motor [lower, upper] target range [rad]."""
    max_target_speed_rad_s: list[float]
    """Per motor: the law's rate limit [rad/s] (the hand's rated speeds); x ``control_period_s`` per step."""
    smoothing_previous_weight: float = 0.0
    """EMA weight of the previous value per control step (0 = no smoothing)."""
    clip: float | None = 1.0
    env_clip: float | None = None
    law: str = action_law.ACTION_LAW
    """The action law (:data:`dactyl_lab.spec.action_law.ACTION_LAW`), for readers of the JSON."""
    tendon_joints: dict[str, list[str]] = field(
        default_factory=lambda: {m: list(j) for m, j in hand.TENDON_JOINTS.items()}
    )
    """Tendon motor -> the two joints whose angle sum it drives (J2, J1)."""
    last_action_source: str = (
        "the policy's raw output as the env received it: clip(action, -env_clip, env_clip) when env_clip is set, "
        "else unclipped (a Gaussian mean can leave [-1, 1]); neither the law's clip nor its smoothing"
    )


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
    """Position of the hand mount (``frame.mount_body``) in the observation (env) frame [m]: every observed position
    is env-frame, NOT relative to the hand base (they differ by this vector); the mount's rotation is
    ``frame.mount_quat_xyzw``."""
    obs_clip: float | None = None
    """The RL wrapper's ``clip_observations`` (rl_games 5.0): the policy saw ``clip(obs, -obs_clip, obs_clip)``."""
    quat_convention: str = hand.QUAT_CONVENTION_ISAACLAB
    quat_product: str = (
        "Hamilton product (Isaac Lab's quat_mul): (q1 * q2) rotates by q2 first, then q1; object_quat rotates cube "
        "body coordinates into the observation frame (v_env = q v_body q*)"
    )
    joint_order_note: str = JOINT_ORDER_NOTE
    frame: FrameSpec = field(default_factory=_dactyl_default("dactyl_frame"))
    fingertips: FingertipSpec = field(default_factory=_dactyl_default("dactyl_fingertips"))
    task: TaskSpec = field(default_factory=_dactyl_default("dactyl_task"))
    episode_start: EpisodeStart = field(default_factory=_dactyl_default("dactyl_episode_start"))
    openai_model: OpenAIModelMap = field(default_factory=_dactyl_default("dactyl_openai_map"))
    physics: PhysicsSpec = field(default_factory=_dactyl_default("dactyl_physics"))
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
        from dactyl_lab.contract import validation

        validation.validate(self)
        return self

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PolicyContract:
        """Build and validate a contract read from JSON. Every field must be present with its JSON type (no
        silent defaults: a missing hand base, smoothing or period would move the hand wrongly)."""
        from dactyl_lab.contract import validation

        if not isinstance(data, dict):
            raise ContractError(f"malformed policy contract: a JSON object is needed, got {type(data).__name__}")
        validation.check_schema_version(data.get("schema_version"))  # a contract of another version: say that first
        return validation.decode(cls, data).validate()

    @classmethod
    def from_json(cls, text: str | bytes) -> PolicyContract:
        try:
            data = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as error:  # onnx hands over bytes when not valid UTF-8
            raise ContractError(f"policy contract is not valid JSON: {error}") from error
        return cls.from_dict(data)
