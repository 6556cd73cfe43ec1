"""rl-games (1.6.5) pieces of dactyl-lab training: checkpoint loading on a chosen device.

rl-games' ``torch_ext.load_checkpoint`` calls ``torch.load`` without ``map_location``, so a checkpoint saved on
``cuda:1`` cannot be loaded on a CPU-only machine or on a machine with one GPU. :func:`load_checkpoint` loads
onto the device we name and applies the library's own key fix (``_orig_mod.`` of a compiled model).
"""

from __future__ import annotations

from pathlib import Path

COMPILED_PREFIX = "_orig_mod."


def load_checkpoint(path: str | Path, map_location: str) -> dict:
    """An rl-games checkpoint (``*.pth``) with every tensor on ``map_location`` (e.g. ``"cpu"``, ``"cuda:0"``)."""
    import torch

    state = torch.load(path, map_location=map_location, weights_only=False)
    if "model" in state:  # as rl-games' torch_ext.load_checkpoint: a compiled model's keys fit the plain model
        state["model"] = {key.removeprefix(COMPILED_PREFIX): value for key, value in state["model"].items()}
    return state


def restore_player(player, path: str | Path, map_location: str) -> None:
    """``player.restore(path)`` with the checkpoint loaded onto ``map_location`` (the model and its normalizer)."""
    player.set_weights(load_checkpoint(path, map_location))
