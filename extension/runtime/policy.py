"""ONNX Runtime session of an exported policy, batch 1, carrying the LSTM state (h, c) between steps."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnxruntime as ort

from dactyl_lab.contract import ContractMismatchError, PolicyContract, PolicyFileError, read_contract


class OnnxPolicy:
    """``policy(obs) -> action``; the recurrent state starts at zeros and is zeroed by :meth:`reset`."""

    def __init__(self, path: str | Path, contract: PolicyContract | None = None, threads: int = 1):
        """
        Args:
            path: the exported ``.onnx`` file.
            contract: its contract (read from the file's metadata if not given).
            threads: ONNX Runtime intra-op threads (1 is fastest for a batch of one and leaves cores free).
        """
        self.path = Path(path)
        self.contract = contract or read_contract(self.path)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        try:
            self.session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        except Exception as error:  # noqa: BLE001 - onnxruntime raises its own types for invalid graphs
            raise PolicyFileError(
                f"{self.path}: ONNX Runtime cannot load the model ({_one_line(error)}); "
                "re-export it with scripts/export.py"
            ) from None
        self._check_signature()
        self.reset()
        self._self_check()

    def _self_check(self) -> None:
        """One inference on a zero observation (before any hand exists): the graph runs, shapes fit the contract,
        the action is finite. Leaves the recurrent state at zeros."""
        try:
            for _ in range(2):  # twice: the recurrent state fed back must fit too
                action = self(np.zeros(self.contract.observation_size))
        except Exception as error:  # noqa: BLE001 - onnxruntime raises its own types at run time
            raise PolicyFileError(
                f"{self.path}: the network fails on a zero observation ({_one_line(error)}); "
                "re-export it with scripts/export.py"
            ) from None
        finally:
            self.reset()
        if action.shape != (self.contract.action_size,) or not np.all(np.isfinite(action)):
            raise ContractMismatchError(
                f"{self.path}: for a zero observation the network returns {action.size} values "
                f"({'finite' if np.all(np.isfinite(action)) else 'not finite'}), the contract needs "
                f"{self.contract.action_size} finite actions; re-export it with scripts/export.py"
            )

    def _check_signature(self) -> None:
        c = self.contract
        inputs = {i.name: i for i in self.session.get_inputs()}
        outputs = {o.name: o for o in self.session.get_outputs()}
        state_in = c.rnn.state_inputs if c.rnn else []
        state_out = c.rnn.state_outputs if c.rnn else []
        want_in, want_out = [c.input_name, *state_in], [c.output_name, *state_out]
        if set(inputs) != set(want_in) or not set(want_out) <= set(outputs):
            raise ContractMismatchError(
                f"{self.path}: ONNX inputs {sorted(inputs)} / outputs {sorted(outputs)} do not match the contract "
                f"(inputs {want_in}, outputs {want_out}); the file and its contract disagree: re-export"
            )
        obs_dim = (inputs[c.input_name].shape or [None])[-1]
        if isinstance(obs_dim, int) and obs_dim != c.observation_size:
            raise ContractMismatchError(
                f"{self.path}: the network takes {obs_dim} observations but the contract's terms add up to "
                f"{c.observation_size}; re-export"
            )
        act_dim = (outputs[c.output_name].shape or [None])[-1]
        if isinstance(act_dim, int) and act_dim != c.action_size:
            raise ContractMismatchError(
                f"{self.path}: the network outputs {act_dim} actions but the contract names {c.action_size} motors"
            )
        self._state_in, self._state_out = list(state_in), list(state_out)
        self._outputs = [c.output_name, *state_out]

    @property
    def recurrent(self) -> bool:
        return bool(self._state_in)

    def reset(self) -> None:
        """Zero the recurrent state (episode start)."""
        rnn = self.contract.rnn
        shape = (rnn.num_layers, 1, rnn.hidden_size) if rnn else None
        self.state = {name: np.zeros(shape, dtype=np.float32) for name in self._state_in}

    def __call__(self, obs: np.ndarray) -> np.ndarray:
        """One step: ``obs`` (obs_dim,) -> action (num_motors,) float64; advances the recurrent state."""
        feeds = {self.contract.input_name: np.asarray(obs, dtype=np.float32).reshape(1, -1), **self.state}
        result = self.session.run(self._outputs, feeds)
        for name_in, value in zip(self._state_in, result[1:]):
            self.state[name_in] = value
        return result[0].reshape(-1).astype(np.float64)


def _one_line(error: BaseException) -> str:
    return f"{type(error).__name__}: {' '.join(str(error).split())[:160]}"
