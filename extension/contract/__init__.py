"""The policy contract: everything the real-hand runtime must know about an exported ONNX policy.

The exporter writes a :class:`PolicyContract` as JSON into the ONNX file's ``metadata_props`` under the
key :data:`METADATA_KEY`; the runtime reads it back (:func:`read_contract`) and refuses to move the hand
when the contract does not match the hand it drives (:func:`check_against_hand`).

Torch- and Isaac Lab-free (the robot computer has onnxruntime, not necessarily the ``onnx`` package):

* :mod:`~dactyl_lab.contract.schema`: the dataclasses, the schema version and the errors;
* :mod:`~dactyl_lab.contract.validation`: the JSON's shape and types (msgspec) and the contract's consistency;
* :mod:`~dactyl_lab.contract.dactyl`: the Dactyl values (observation layout, frame, action layout, task rules);
* :mod:`~dactyl_lab.contract.onnx_io`: reading and writing the ONNX metadata;
* :mod:`~dactyl_lab.contract.hand_check`: the motors and control period against the hand's.
"""

from dactyl_lab.contract.dactyl import (
    DACTYL_CUBE_EDGE_M,
    DACTYL_CUBE_HOME_M,
    DACTYL_DROP_DISTANCE_M,
    DACTYL_HAND_BASE_POS_M,
    DACTYL_MAX_CONSECUTIVE_SUCCESSES,
    DACTYL_TRAIN_GOAL_TIMEOUT_S,
    MOUNT_QUAT_XYZW,
    POSITION_NOISE_UNITS,
    ROTATION_NOISE_UNITS,
    dactyl_episode_start,
    dactyl_fingertips,
    dactyl_frame,
    dactyl_observation_terms,
    dactyl_openai_map,
    dactyl_physics,
    dactyl_task,
    make_action_layout,
    make_dactyl_contract,
)
from dactyl_lab.contract.hand_check import check_against_hand
from dactyl_lab.contract.onnx_io import METADATA_KEY, embed_contract, read_contract, write_contract
from dactyl_lab.contract.schema import (
    ACTION_MODES,
    BACKENDS,
    DEFAULT_CONTROL_PERIOD_S,
    DEFAULT_SUCCESS_THRESHOLD_RAD,
    JOINT_ORDER_NOTE,
    OLD_ACTION_LAW_SCHEMAS,
    SCHEMA_VERSION,
    ActionLayout,
    ContractError,
    ContractMismatchError,
    EpisodeStart,
    FingertipSpec,
    FrameSpec,
    ObservationNoise,
    ObservationTerm,
    OpenAIModelMap,
    PhysicsSpec,
    PolicyContract,
    PolicyFileError,
    RnnSpec,
    TaskSpec,
)
from dactyl_lab.contract.validation import check_action_law_version, check_schema_version
