"""Loading the task's configs imports nothing that must come after Kit starts (Isaac Lab's own rule, as in
isaaclab_tasks/test/core/test_env_cfg_no_forbidden_imports.py), and the hand asset is not built on import."""

import json
import subprocess
import sys
import textwrap

from dactyl_lab.spec.task import TASK_ID

FORBIDDEN = ("pxr", "omni", "carb", "isaacsim", "scipy")
ENTRY_POINTS = ("env_cfg_entry_point", "rsl_rl_cfg_entry_point", "rl_games_cfg_entry_point")


def load_in_subprocess(tmp_path) -> dict:
    script = textwrap.dedent(f"""\
        import builtins, json, sys, traceback

        FORBIDDEN = {list(FORBIDDEN)!r}
        violations = {{}}
        original = builtins.__import__

        def hook(name, *args, **kwargs):
            top = name.split('.')[0]
            if top in FORBIDDEN and top not in violations:
                violations[top] = ''.join(traceback.format_stack(limit=25))
            return original(name, *args, **kwargs)

        import isaaclab_tasks  # noqa: F401  (Isaac Lab's own registry: not ours to check)
        builtins.__import__ = hook
        try:
            import dactyl_lab.tasks  # noqa: F401  (registers the task)
            from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry
            for entry in {list(ENTRY_POINTS)!r}:
                load_cfg_from_registry({TASK_ID!r}, entry)
        finally:
            builtins.__import__ = original
        already = sorted(m for m in sys.modules if m.split('.')[0] in FORBIDDEN)
        print("__RESULTS__" + json.dumps({{"violations": violations, "in_sys_modules": already}}))
    """)
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=600,
        env={
            "OMP_NUM_THREADS": "1",
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "DACTYL_LAB_CACHE": str(tmp_path / "empty_cache"),
        },
    )
    lines = [line for line in out.stdout.splitlines() if line.startswith("__RESULTS__")]
    assert lines, out.stdout[-3000:] + out.stderr[-3000:]
    return json.loads(lines[0][len("__RESULTS__") :])


def test_loading_the_task_configs_imports_no_kit_module_nor_scipy_and_builds_no_asset(tmp_path):
    result = load_in_subprocess(tmp_path)
    assert not result["violations"], "\n".join(f"=== {m} ===\n{s}" for m, s in result["violations"].items())
    assert not result["in_sys_modules"], result["in_sys_modules"]
    assert not (tmp_path / "empty_cache").exists()  # the USD is built when the scene is created, not on import
