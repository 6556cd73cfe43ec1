"""Audit of our code's torch calls (a ``TorchFunctionMode``; nothing is patched): host synchronizations and tensors
created without an explicit device, counted only where the *calling* Python frame is in the dactyl_lab package.

Host syncs: ``.item()``, ``.tolist()``, ``.cpu()`` / ``.numpy()`` (counted on the CPU too: on CUDA each is a
copy to the host), ``bool`` / ``float`` / ``int`` / ``index`` of a tensor, ``nonzero`` / ``argwhere`` /
``masked_select`` / one-argument ``where`` / ``unique`` / ``bincount`` / ``repeat_interleave`` (their output
size depends on the data), indexing with a boolean mask (read or write) and ``torch.tensor`` / ``torch.as_tensor`` /
``Tensor.new_tensor`` of non-tensor data (Python numbers, lists, numpy arrays: kind ``host_copy``; with
``device=cuda`` each is a blocking host-to-device copy: build such constants once, outside the step path). Not
seen: ``.to(env.device)`` (a no-op on the env's device, a host copy only if the device is wrong, which the
device-less creation check catches at the source).
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field

import torch
from torch.overrides import TorchFunctionMode

PACKAGE = "dactyl_lab"
T = torch.Tensor

SYNC_METHODS = {
    T.item: "item",
    T.tolist: "tolist",
    T.cpu: "cpu",
    T.numpy: "numpy",
    T.__bool__: "bool",
    T.__float__: "float",
    T.__int__: "int",
    T.__index__: "index",
    T.nonzero: "nonzero",
    torch.nonzero: "nonzero",
    torch.argwhere: "argwhere",
    T.masked_select: "masked_select",
    torch.masked_select: "masked_select",
    torch.unique: "unique",
    T.unique: "unique",
    torch.bincount: "bincount",
    T.bincount: "bincount",
    torch.repeat_interleave: "repeat_interleave",
    T.repeat_interleave: "repeat_interleave",
}
FACTORIES = {
    torch.zeros,
    torch.ones,
    torch.empty,
    torch.full,
    torch.tensor,
    torch.arange,
    torch.rand,
    torch.randn,
    torch.randint,
    torch.randperm,
    torch.linspace,
    torch.eye,
    torch.as_tensor,
}
"""Factory functions that make a tensor on the default device (the CPU) unless given ``device=``
(``*_like`` functions take their input's device)."""
INDEXING = {T.__getitem__: "mask_getitem", T.__setitem__: "mask_setitem"}
HOST_DATA_FACTORIES = {torch.tensor: 0, torch.as_tensor: 0, T.new_tensor: 1}
"""Factories that copy their data argument (at this position) into a new tensor: from the host unless it is a tensor."""


def _caller() -> str | None:
    """``module:line`` of the first frame outside torch and this file, if it is in our package."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_globals.get("__name__", "")
        if not (name.startswith("torch") or name == __name__):
            return f"{name}:{frame.f_lineno}" if name.split(".")[0] == PACKAGE else None
        frame = frame.f_back
    return None


def _has_bool_mask(index) -> bool:
    items = index if isinstance(index, tuple) else (index,)
    return any(isinstance(i, torch.Tensor) and i.dtype == torch.bool for i in items)


@dataclass
class StepPathAudit(TorchFunctionMode):
    syncs: Counter = field(default_factory=Counter)
    """(kind, module:line) -> calls."""
    no_device: Counter = field(default_factory=Counter)
    """(factory, module:line) -> calls without ``device=``."""

    def __post_init__(self):
        super().__init__()

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        kind = SYNC_METHODS.get(func)
        if kind is None and func in INDEXING and len(args) > 1 and _has_bool_mask(args[1]):
            kind = INDEXING[func]
        if kind is None and func is torch.where and len(args) + len(kwargs) == 1:
            kind = "where(cond)"
        if kind is None and func in HOST_DATA_FACTORIES and _host_data(args, kwargs, HOST_DATA_FACTORIES[func]):
            kind = "host_copy"
        if kind is not None:
            where = _caller()
            if where:
                self.syncs[(kind, where)] += 1
        if func in FACTORIES and kwargs.get("device") is None:
            if func not in (torch.tensor, torch.as_tensor) or not _data_on_device(args):
                where = _caller()
                if where:
                    self.no_device[(func.__name__, where)] += 1
        return func(*args, **kwargs)


def _host_data(args, kwargs, position: int) -> bool:
    """The factory's data argument is not a tensor (it lives on the host and is copied to the device)."""
    data = args[position] if len(args) > position else kwargs.get("data")
    return not isinstance(data, torch.Tensor)


def _data_on_device(args) -> bool:
    """``torch.tensor(t)`` / ``as_tensor(t)`` of a tensor keep its device: not a device-less creation."""
    return bool(args) and isinstance(args[0], torch.Tensor)
