"""ONNX Runtime policy wrapper: outputs match the reference networks, the LSTM state is carried and reset."""

from __future__ import annotations

import numpy as np
import pytest

from dactyl_lab.contract import ContractMismatchError
from dactyl_lab.runtime.policy import OnnxPolicy

from tests.helpers import runtime_policies as rp


def test_ff_policy_matches_numpy_reference(ff_policy):
    path, contract, weights = ff_policy
    policy = OnnxPolicy(path)
    assert not policy.recurrent
    rng = np.random.default_rng(3)
    for _ in range(5):
        obs = rng.standard_normal(contract.observation_size)
        action = policy(obs)
        assert action.shape == (20,)
        np.testing.assert_allclose(action, rp.ff_reference(obs[None], weights)[0], atol=1e-5)


def test_lstm_policy_carries_state_like_torch_and_resets_to_zeros(lstm_policy):
    import torch

    path, contract, module = lstm_policy
    policy = OnnxPolicy(path)
    assert policy.recurrent and set(policy.state) == {"h_in", "c_in"}
    assert policy.state["h_in"].shape == (1, 1, contract.rnn.hidden_size) and not policy.state["h_in"].any()
    rng = np.random.default_rng(4)
    obs_seq = rng.standard_normal((6, contract.observation_size)).astype(np.float32)
    h = torch.zeros(1, 1, contract.rnn.hidden_size)
    c = torch.zeros(1, 1, contract.rnn.hidden_size)
    outputs = []
    with torch.no_grad():
        for obs in obs_seq:
            expected, h, c = module(torch.from_numpy(obs)[None], h, c)
            got = policy(obs)
            np.testing.assert_allclose(got, expected.numpy()[0], atol=1e-5)
            outputs.append(got)
    # the state matters: the same observation gives a different action later in the sequence
    assert np.abs(policy(obs_seq[0]) - outputs[0]).max() > 1e-4
    policy.reset()
    assert not policy.state["h_in"].any() and not policy.state["c_in"].any()
    np.testing.assert_allclose(policy(obs_seq[0]), outputs[0], atol=1e-6)


def test_network_with_the_wrong_observation_size_is_refused(tmp_path):
    contract = rp.ff_contract()
    path = tmp_path / "wrong.onnx"
    rp.write_ff_policy(path, contract, obs_dim=contract.observation_size + 4)
    with pytest.raises(ContractMismatchError, match="takes 50 observations but the contract's terms add up to 46"):
        OnnxPolicy(path)


def test_ff_network_with_a_recurrent_contract_is_refused(tmp_path):
    contract = rp.ff_contract()
    path = tmp_path / "ff.onnx"
    rp.write_ff_policy(path, contract)
    with pytest.raises(ContractMismatchError, match="h_in"):
        OnnxPolicy(path, contract=rp.lstm_contract())
