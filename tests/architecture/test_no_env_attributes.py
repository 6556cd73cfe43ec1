"""The task's terms keep their state in themselves, reachable through Isaac Lab's managers: no module of the task
package assigns an attribute of an env object (``env.x = ...``, ``env.unwrapped.x = ...``, ``setattr(env, ...)``).
Read statically from every module of tasks/ (issue 20 item 3: the randomization state used to be ``env._dactyl_*``)."""

from __future__ import annotations

import ast

from tests.helpers.scripts import REPO

ENV_NAMES = {"env", "_env", "unwrapped"}
"""A name or attribute under one of these names is an env object (``env``, ``self._env``, ``x.unwrapped``)."""


def _is_env(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in ENV_NAMES
    return isinstance(node, ast.Attribute) and node.attr in ENV_NAMES


def env_attribute_assignments(source: str) -> list[int]:
    """Line numbers of the assignments to an env object's attributes in ``source``."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        lines += [t.lineno for t in targets if isinstance(t, ast.Attribute) and _is_env(t.value)]
        is_setattr = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr"
        if is_setattr and node.args and _is_env(node.args[0]):
            lines.append(node.lineno)
    return lines


def test_the_scan_finds_an_env_attribute():
    assert env_attribute_assignments("env._dactyl_randomization = state\nsetattr(self._env, 'x', 1)") == [1, 2]
    assert env_attribute_assignments("env.extras['log'] = {}\nself.env_ids = ids\nenv.scene[n].x = 1") == []


def test_no_task_module_attaches_state_to_the_env():
    found = {
        str(path.relative_to(REPO)): lines
        for path in sorted((REPO / "tasks").rglob("*.py"))
        if (lines := env_attribute_assignments(path.read_text()))
    }
    assert not found, f"keep the state in the term that uses it (reach it through the env's managers): {found}"
