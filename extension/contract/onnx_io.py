"""The contract in an ONNX file: JSON in the model's ``metadata_props`` under :data:`METADATA_KEY`.

Reading needs the ``onnx`` package or, on the robot computer, only onnxruntime; writing needs ``onnx``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dactyl_lab.contract.schema import ContractError, PolicyContract, PolicyFileError

METADATA_KEY = "dactyl_lab.contract"
"""Key of the contract JSON in the ONNX model's ``metadata_props``."""


def read_contract(onnx_path: str | Path) -> PolicyContract:
    """The contract embedded in an ONNX file (``onnx`` package if installed, else onnxruntime)."""
    path = Path(onnx_path)
    if not path.is_file():
        raise PolicyFileError(f"policy file {path} does not exist; pass the policy.onnx that scripts/export.py wrote")
    try:
        metadata = _onnx_metadata(path)
    except Exception as error:  # noqa: BLE001 - protobuf / onnxruntime raise many types for a corrupt file
        detail = " ".join(str(error).split())[:160]
        raise PolicyFileError(
            f"{path} is not a readable ONNX model ({type(error).__name__}: {detail}); pass the policy.onnx that "
            "scripts/export.py wrote (a truncated or damaged copy? copy it again)"
        ) from None
    if METADATA_KEY not in metadata:
        raise ContractError(
            f"{path} carries no '{METADATA_KEY}' metadata: export the policy with dactyl-lab's exporter, or embed "
            f"a contract with dactyl_lab.contract.embed_contract (keys present: {sorted(metadata) or 'none'})"
        )
    return PolicyContract.from_json(metadata[METADATA_KEY])


def _onnx_metadata(path: Path) -> dict[str, str]:
    try:
        import onnx
    except ImportError:
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return dict(session.get_modelmeta().custom_metadata_map)
    model = onnx.load(str(path), load_external_data=False)
    if not model.graph.node and not model.graph.input:
        raise ValueError("the file parses as an empty model (no graph): not an ONNX export")
    return {prop.key: prop.value for prop in model.metadata_props}


def embed_contract(model: Any, contract: PolicyContract) -> Any:
    """Write ``contract`` into an ``onnx.ModelProto``'s metadata_props (replacing an older one); returns it.

    Raises :class:`ContractError` for a contract that :func:`read_contract` would refuse (checked on its JSON)."""
    text = contract.to_json()
    PolicyContract.from_json(text)
    for prop in list(model.metadata_props):
        if prop.key == METADATA_KEY:
            model.metadata_props.remove(prop)
    prop = model.metadata_props.add()
    prop.key, prop.value = METADATA_KEY, text
    return model


def write_contract(onnx_path: str | Path, contract: PolicyContract) -> None:
    """Embed ``contract`` into an ONNX file in place (needs the ``onnx`` package)."""
    import onnx

    model = onnx.load(str(onnx_path))
    onnx.save(embed_contract(model, contract), str(onnx_path))
