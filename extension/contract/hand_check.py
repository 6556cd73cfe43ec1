"""Does an exported policy fit the hand it is about to drive: the motors (by name) and the control period."""

from __future__ import annotations

import math

from dactyl_lab.contract.schema import ContractMismatchError, PolicyContract


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
    fix = (
        "re-export the policy for this hand (dactyl_lab.spec.hand.MOTOR_NAMES), or run it on the hand it was "
        "trained for"
    )
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
            f"runtime is set to {control_period_s:g} s; pass --control_period_s {contract.control_period_s:g} "
            "(or re-export a policy trained at the period you need)"
        )
