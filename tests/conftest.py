"""Markers by file for scripts/test.sh's parallel run (pytest-xdist) and its real-time run."""

from pathlib import Path

import pytest

TESTS = Path(__file__).parent

REALTIME_FILES = {
    # real-time loops whose deadlines a second test process on the same 2 cores would break: scripts/test.sh runs
    # them after the parallel run, one at a time
    "runtime/test_ros_end_to_end.py",
    "runtime/test_ros_faults.py",
    "runtime/test_ros_standin_node.py",
    "runtime/test_runtime_replay.py",
    "runtime/test_runtime_cli.py",
}

XDIST_GROUPS = {
    # files sharing a session fixture that trains (tests/export/conftest.py `trained_run`, tests/training/conftest.py
    # `ff_run`): one worker runs the group, so each run is trained once (pytest-xdist --dist loadgroup)
    "export/": "trained_run",
    "training/test_train_smoke.py": "ff_run",
    "training/test_evaluate.py": "ff_run",
    "training/test_report_and_videos.py": "ff_run",
    # files sharing one module-scoped env (tests.helpers.envs.module_env): one worker runs each file in its order,
    # as a serial run does, and builds its env once
    "task/test_task_env.py": "task_env",
    "task/test_randomization_env.py": "randomization_env",
    "task/test_adr_env.py": "adr_env",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        rel = Path(item.fspath).resolve().relative_to(TESTS.resolve()).as_posix()
        if rel in REALTIME_FILES:
            item.add_marker(pytest.mark.realtime)
        group = next((g for prefix, g in XDIST_GROUPS.items() if rel.startswith(prefix)), None)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
