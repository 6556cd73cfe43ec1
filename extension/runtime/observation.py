"""Build the policy's observation vector from the contract's term list (by term name, never by offset).

Each known term has a provider that turns the step's inputs into a vector plus a label per element;
adding a term to the contract that the runtime cannot provide is an error at start-up, not mid-run.
Positions from the hand and tracker (hand-mount frame [m]) are shifted by the contract's
``hand_base_pos_m`` into the env frame the policy was trained in; quaternion terms flagged ``quat_unique``
get w >= 0; the whole vector is clipped to ``obs_clip`` if the RL wrapper did that in training.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dactyl_lab.spec import hand
from dactyl_lab.contract import ContractMismatchError, PolicyContract
from dactyl_lab.runtime.interfaces import ObjectPose
from dactyl_lab.runtime.quat import quat_conj, quat_mul


class NonFiniteInputError(ValueError):
    """An input of the observation is NaN or infinite.

    ``input_name`` names it, e.g. ``fingertip_pos[rh_ffdistal].z`` or ``goal_quat.w``."""

    def __init__(self, input_name: str, value: float):
        self.input_name = input_name
        super().__init__(f"non-finite observation input {input_name} = {value}")


@dataclass
class StepInputs:
    """Everything one observation is built from."""

    fingertip_pos_m: dict[str, np.ndarray]
    pose: ObjectPose
    goal_quat_xyzw: np.ndarray
    last_action: np.ndarray
    motor_names: tuple[str, ...]
    hand_base_pos_m: np.ndarray


_XYZ, _XYZW = ("x", "y", "z"), ("x", "y", "z", "w")


def _fingertips(inputs: StepInputs):
    tips = [np.asarray(inputs.fingertip_pos_m[b], dtype=np.float64) for b in hand.FINGERTIP_BODY_NAMES]
    values = np.concatenate([tip + inputs.hand_base_pos_m for tip in tips])
    return values, [f"fingertip_pos[{b}].{a}" for b in hand.FINGERTIP_BODY_NAMES for a in _XYZ]


def _object_pos(inputs: StepInputs):
    return np.asarray(inputs.pose.pos_m, dtype=np.float64) + inputs.hand_base_pos_m, [f"object_pos.{a}" for a in _XYZ]


def _object_quat(inputs: StepInputs):
    return np.asarray(inputs.pose.quat_xyzw, dtype=np.float64), [f"object_quat.{a}" for a in _XYZW]


def _goal_relative_quat(inputs: StepInputs):
    _check("goal_quat", inputs.goal_quat_xyzw, [f"goal_quat.{a}" for a in _XYZW])
    value = quat_mul(inputs.pose.quat_xyzw, quat_conj(inputs.goal_quat_xyzw))
    return value, [f"goal_relative_quat.{a}" for a in _XYZW]


def _last_action(inputs: StepInputs):
    return np.asarray(inputs.last_action, dtype=np.float64), [f"last_action[{m}]" for m in inputs.motor_names]


TERM_PROVIDERS: dict[str, tuple[Callable[[PolicyContract], int], Callable]] = {
    "fingertip_pos": (lambda c: 3 * len(hand.FINGERTIP_BODY_NAMES), _fingertips),
    "object_pos": (lambda c: 3, _object_pos),
    "object_quat": (lambda c: 4, _object_quat),
    "goal_relative_quat": (lambda c: 4, _goal_relative_quat),
    "last_action": (lambda c: c.action_size, _last_action),
}
"""Term name -> (expected size given the contract, provider(inputs) -> (values, labels))."""


def _check(name: str, values: np.ndarray, labels: list[str]) -> None:
    bad = np.flatnonzero(~np.isfinite(values))
    if bad.size:
        raise NonFiniteInputError(labels[bad[0]] if bad[0] < len(labels) else name, float(values[bad[0]]))


class ObservationBuilder:
    """Assembles the observation in the contract's term order."""

    def __init__(self, contract: PolicyContract):
        self.contract = contract
        self.terms = []
        for term in contract.observation:
            if term.name not in TERM_PROVIDERS:
                raise ContractMismatchError(
                    f"the policy observes term {term.name!r} which this runtime cannot provide "
                    f"(known: {', '.join(TERM_PROVIDERS)}); update dactyl-lab on the robot computer"
                )
            size_of, provider = TERM_PROVIDERS[term.name]
            if term.size != size_of(contract):
                raise ContractMismatchError(
                    f"observation term {term.name!r} has size {term.size} in the contract, the runtime builds "
                    f"{size_of(contract)}"
                )
            self.terms.append((term.name, provider, term.quat_unique))
        self.labels: list[str] = []

    @property
    def size(self) -> int:
        return self.contract.observation_size

    def build(self, inputs: StepInputs) -> np.ndarray:
        """The observation (size,) float64; raises :class:`NonFiniteInputError` naming a bad input."""
        parts, labels = [], []
        for name, provider, quat_unique in self.terms:
            values, term_labels = provider(inputs)
            _check(name, values, term_labels)
            if quat_unique and values[3] < 0.0:
                values = -values
            parts.append(values)
            labels.extend(term_labels)
        self.labels = labels
        obs = np.concatenate(parts)
        if self.contract.obs_clip is not None:
            obs = np.clip(obs, -self.contract.obs_clip, self.contract.obs_clip)
        return obs
