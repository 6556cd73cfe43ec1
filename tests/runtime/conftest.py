"""Fixtures of the runtime tests: real ONNX files (FF via the onnx helper API, LSTM via torch.onnx.export)
with embedded contracts, and a fresh MuJoCo stand-in hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import runtime_policies as rp


@pytest.fixture(scope="session")
def policy_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("policies")


@pytest.fixture(scope="session")
def ff_policy(policy_dir):
    """(path, contract, weights) of the feed-forward test policy."""
    contract = rp.ff_contract()
    path = policy_dir / "ff.onnx"
    weights = rp.write_ff_policy(path, contract)
    return path, contract, weights


@pytest.fixture(scope="session")
def lstm_policy(policy_dir):
    """(path, contract, torch module) of the LSTM test policy."""
    contract = rp.lstm_contract()
    path = policy_dir / "lstm.onnx"
    module = rp.write_lstm_policy(path, contract)
    return path, contract, module


@pytest.fixture
def standin():
    from dactyl_lab.runtime.backends.mujoco_standin import MujocoStandInHand

    return MujocoStandInHand(seed=0)
