"""The package's layers import in one direction (docs/architecture.md): spec -> contract -> runtime, and
spec -> assets -> tasks -> training -> export. Read statically from every module's import statements (absolute and
relative, module level and inside functions), so a lazy import that breaks the direction counts too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers.scripts import REPO

PACKAGE_DIRS = {"extension": "dactyl_lab", "tasks": "dactyl_lab.tasks", "agents": "dactyl_lab.agents"}
PACKAGE_DIRS["assets"] = "dactyl_lab.assets"

OURS_ALLOWED = {
    "spec": set(),
    "argtypes": set(),
    "errors": set(),
    "contract": {"spec"},
    "assets": {"spec"},
    "runtime": {"spec", "contract", "argtypes", "errors", "assets"},
    "render": {"spec", "contract", "argtypes", "errors", "assets", "runtime"},
    "tasks": {"spec", "assets", "errors"},  # errors: a config the task refuses exits 2 with one line (UsageError)
    "agents": {"spec", "tasks"},
    "training": {"spec", "contract", "argtypes", "errors", "assets", "tasks", "agents"},
    "export": {"spec", "contract", "argtypes", "errors", "assets", "tasks", "agents", "training", "runtime", "render"},
    "cli": {"spec", "assets", "tasks", "training", "errors", "argtypes"},
}
"""Which of our layers each layer may import (a layer: the first name under dactyl_lab)."""

HEAVY = ("torch", "isaaclab", "isaaclab_rl", "isaaclab_tasks", "isaaclab_newton", "newton", "warp", "rsl_rl")
HEAVY += ("rl_games",)
TORCH_FREE = ("spec", "argtypes", "errors", "contract", "runtime")
"""Layers that run on the robot computer (no torch, no Isaac Lab, no RL library)."""


def module_name(path: Path, root: Path = REPO) -> tuple[str, bool]:
    for folder, package in PACKAGE_DIRS.items():
        try:
            parts = list(path.relative_to(root / folder).with_suffix("").parts)
        except ValueError:
            continue
        is_package = parts[-1] == "__init__"
        return ".".join([package, *parts[: -1 if is_package else None]]), is_package
    raise ValueError(path)


def layer(module: str) -> str:
    """The first name under ``dactyl_lab`` ("root": the package itself, e.g. its ``__version__``)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and not parts[1].startswith("__") else "root"


def imports(path: Path, root: Path = REPO) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``."""
    module, is_package = module_name(path, root)
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = node.module
            if node.level:
                base = module.split(".") if is_package else module.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                source = ".".join(base + ([node.module] if node.module else []))
            if source == "dactyl_lab":  # from dactyl_lab import hand: the layer is the name imported
                found += [(node.lineno, f"dactyl_lab.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, source))
    return found


def sources() -> list[Path]:
    return sorted(p for folder in PACKAGE_DIRS for p in (REPO / folder).rglob("*.py") if "__pycache__" not in p.parts)


def violations(paths: list[Path], root: Path = REPO) -> list[str]:
    found = []
    for path in paths:
        own = layer(module_name(path, root)[0])
        allowed = OURS_ALLOWED.get(own)
        for line, target in imports(path, root):
            where = f"{path.relative_to(root)}:{line}"
            if target.startswith("dactyl_lab"):
                other = layer(target)
                if other not in (own, "root") and allowed is not None and other not in allowed:
                    found.append(f"{where}: {own} imports {target} ({own} may import: {sorted(allowed) or 'nothing'})")
            elif own in TORCH_FREE and target.split(".")[0] in HEAVY:
                found.append(f"{where}: {own} runs on the robot computer but imports {target}")
    return found


def test_every_layer_is_known():
    unknown = {layer(module_name(p)[0]) for p in sources()} - set(OURS_ALLOWED) - {"root"}
    assert not unknown, f"add these layers to OURS_ALLOWED and docs/architecture.md: {sorted(unknown)}"


def test_imports_point_one_way():
    found = violations(sources())
    assert not found, "imports against the layer direction (docs/architecture.md):\n" + "\n".join(found)


@pytest.mark.parametrize("layer_name", ["runtime", "contract", "spec"])
def test_the_check_sees_a_violation(tmp_path, layer_name):
    """The check is live: a module of a torch-free layer that lazily imports torch and the training layer is
    reported twice."""
    probe = tmp_path / "extension" / layer_name / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("def f():\n    import torch\n    from ..training import checkpoints\n")
    found = violations([probe], root=tmp_path)
    assert len(found) == 2 and all(f"extension/{layer_name}/probe.py" in v for v in found), found
