"""ONNX export of a policy module (TorchScript exporter), metadata, and ``onnx.checker``."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from dactyl_lab.contract import METADATA_KEY, PolicyContract, embed_contract

DEFAULT_OPSET = 17
"""ONNX opset of exported policies (onnxruntime >= 1.18 on the robot computer runs it)."""

SOURCE_METADATA_KEY = "dactyl_lab.export"
"""Metadata key of the export provenance (checkpoint, its sha256, backend, variant, configs used)."""

INPUT_NAME, OUTPUT_NAME = "obs", "actions"
STATE_INPUTS, STATE_OUTPUTS = ("h_in", "c_in"), ("h_out", "c_out")


def export_module(
    module: Any,
    dummy_inputs: tuple,
    path: str | Path,
    recurrent: bool,
    contract: PolicyContract,
    provenance: dict[str, Any],
    opset: int = DEFAULT_OPSET,
) -> Any:
    """Export ``module`` to ``path`` and embed ``contract``; returns the checked ``onnx.ModelProto``.

    Inputs ``obs`` (batch, obs_dim) [, ``h_in``, ``c_in`` (layers, batch, hidden)]; outputs ``actions``
    (batch, num_actions) [, ``h_out``, ``c_out``]; the batch axis is dynamic (named ``batch``).
    """
    import onnx
    import torch

    inputs = [INPUT_NAME, *(STATE_INPUTS if recurrent else ())]
    outputs = [OUTPUT_NAME, *(STATE_OUTPUTS if recurrent else ())]
    dynamic_axes = {INPUT_NAME: {0: "batch"}, OUTPUT_NAME: {0: "batch"}}
    if recurrent:
        dynamic_axes.update({name: {1: "batch"} for name in (*STATE_INPUTS, *STATE_OUTPUTS)})
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # TorchScript-exporter deprecation, LSTM batch-size notes
        torch.onnx.export(
            module,
            dummy_inputs,
            str(path),
            export_params=True,
            opset_version=opset,
            do_constant_folding=True,
            input_names=inputs,
            output_names=outputs,
            dynamic_axes=dynamic_axes,
            dynamo=False,
        )
    model = onnx.load(str(path))
    embed_contract(model, contract)
    _set_metadata(model, SOURCE_METADATA_KEY, json.dumps(provenance, sort_keys=True))
    model.producer_name, model.producer_version = "dactyl-lab", contract.package_version
    model.doc_string = (
        f"Dactyl policy {contract.task_id} ({contract.backend}, {'LSTM' if recurrent else 'feed-forward'}): "
        f"obs (batch, {contract.observation_size}) -> deterministic action "
        f"({provenance.get('policy_head', 'gaussian: output = mean')}) (batch, "
        f"{contract.action_size})"
        + (
            ", LSTM state h_in, c_in -> h_out, c_out of shape (layers, batch, hidden), zeros at episode start"
            if recurrent
            else ""
        )
        + f". Contract JSON in metadata_props['{METADATA_KEY}'], provenance in '{SOURCE_METADATA_KEY}'."
    )
    onnx.checker.check_model(model, full_check=True)
    onnx.save(model, str(path))
    return model


def _set_metadata(model: Any, key: str, value: str) -> None:
    for prop in list(model.metadata_props):
        if prop.key == key:
            model.metadata_props.remove(prop)
    prop = model.metadata_props.add()
    prop.key, prop.value = key, value


def read_provenance(path: str | Path) -> dict[str, Any]:
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    meta = {p.key: p.value for p in model.metadata_props}
    return json.loads(meta[SOURCE_METADATA_KEY]) if SOURCE_METADATA_KEY in meta else {}
