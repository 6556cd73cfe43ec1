"""Small test policies with an embedded contract: a feed-forward MLP built with the onnx helper API (no torch)
and an LSTM exported from torch with the TorchScript exporter (torch only in the dev venv, never in the runtime)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dactyl_lab.contract import PolicyContract, embed_contract, make_action_layout, make_dactyl_contract


def ff_contract(**kwargs) -> PolicyContract:
    return make_dactyl_contract("Dactyl-Reorient-Cube-Shadow-v0", backend="rsl_rl", **kwargs)


def lstm_contract(hidden_size: int = 32, **kwargs) -> PolicyContract:
    task = "Dactyl-Reorient-Cube-Shadow-LSTM-v0"
    return make_dactyl_contract(task, recurrent=True, hidden_size=hidden_size, **kwargs)


def ff_weights(obs_dim: int, act_dim: int, hidden: int = 64, seed: int = 0, gain: float = 1.0):
    rng = np.random.default_rng(seed)
    w1 = (rng.standard_normal((obs_dim, hidden)) / np.sqrt(obs_dim)).astype(np.float32)
    b1 = (0.1 * rng.standard_normal(hidden)).astype(np.float32)
    w2 = (gain * rng.standard_normal((hidden, act_dim)) / np.sqrt(hidden)).astype(np.float32)
    b2 = (0.1 * rng.standard_normal(act_dim)).astype(np.float32)
    return w1, b1, w2, b2


def ff_reference(obs: np.ndarray, weights) -> np.ndarray:
    """numpy forward pass of :func:`write_ff_policy`'s network: tanh(relu(obs W1 + b1) W2 + b2)."""
    w1, b1, w2, b2 = weights
    hidden = np.maximum(obs.astype(np.float32) @ w1 + b1, 0.0)
    return np.tanh(hidden @ w2 + b2)


def write_ff_policy(
    path: Path,
    contract: PolicyContract,
    seed: int = 0,
    gain: float = 1.0,
    tanh: bool = True,
    obs_dim: int | None = None,
):
    """MLP obs -> 64 ReLU -> actions (tanh) with a dynamic batch axis; returns the weights."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    obs_dim = obs_dim or contract.observation_size
    act_dim = contract.action_size
    weights = ff_weights(obs_dim, act_dim, seed=seed, gain=gain)
    inits = [numpy_helper.from_array(w, name) for w, name in zip(weights, ("w1", "b1", "w2", "b2"))]
    nodes = [
        helper.make_node("Gemm", ["obs", "w1", "b1"], ["h1"]),
        helper.make_node("Relu", ["h1"], ["r1"]),
        helper.make_node("Gemm", ["r1", "w2", "b2"], ["pre" if tanh else "actions"]),
    ]
    if tanh:
        nodes.append(helper.make_node("Tanh", ["pre"], ["actions"]))
    graph = helper.make_graph(
        nodes,
        "dactyl_ff_test",
        [helper.make_tensor_value_info("obs", TensorProto.FLOAT, ["batch", obs_dim])],
        [helper.make_tensor_value_info("actions", TensorProto.FLOAT, ["batch", act_dim])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(embed_contract(model, contract), str(path))
    return weights


def make_lstm_module(obs_dim: int, act_dim: int, hidden: int, seed: int = 0):
    """torch module: dense 64 ReLU -> LSTM(hidden) -> linear -> tanh; forward(obs, h, c) -> (actions, h, c)."""
    import torch

    class Policy(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dense = torch.nn.Sequential(torch.nn.Linear(obs_dim, 64), torch.nn.ReLU())
            self.lstm = torch.nn.LSTM(64, hidden, num_layers=1)
            self.head = torch.nn.Linear(hidden, act_dim)

        def forward(self, obs, h_in, c_in):
            x = self.dense(obs).unsqueeze(0)  # (seq=1, batch, 64)
            y, (h_out, c_out) = self.lstm(x, (h_in, c_in))
            return torch.tanh(self.head(y.squeeze(0))), h_out, c_out

    torch.manual_seed(seed)
    return Policy().eval()


def write_lstm_policy(path: Path, contract: PolicyContract, seed: int = 0):
    """Export :func:`make_lstm_module` with names obs, h_in, c_in -> actions, h_out, c_out; returns the module."""
    import warnings

    import onnx
    import torch

    hidden = contract.rnn.hidden_size
    module = make_lstm_module(contract.observation_size, contract.action_size, hidden, seed)
    args = (torch.zeros(1, contract.observation_size), torch.zeros(1, 1, hidden), torch.zeros(1, 1, hidden))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # legacy-exporter deprecation and LSTM batch-size notes
        torch.onnx.export(
            module,
            args,
            str(path),
            dynamo=False,
            opset_version=17,
            input_names=["obs", "h_in", "c_in"],
            output_names=["actions", "h_out", "c_out"],
            dynamic_axes={
                "obs": {0: "batch"},
                "h_in": {1: "batch"},
                "c_in": {1: "batch"},
                "actions": {0: "batch"},
                "h_out": {1: "batch"},
                "c_out": {1: "batch"},
            },
        )
    model = onnx.load(str(path))
    onnx.save(embed_contract(model, contract), str(path))
    return module


def relative_layout(**kwargs):
    return make_action_layout("relative", **kwargs)
