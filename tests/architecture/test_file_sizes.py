"""No source file of the repository is longer than :data:`MAX_LINES` lines: a newcomer reads a module in one
sitting, and a file that grows past it is split by what its parts do (e.g. bench/parity.py and its report,
bench/parity_report.py)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.scripts import REPO

MAX_LINES = 450
SOURCE_DIRS = ("extension", "tasks", "agents", "assets", "scripts", "bench", "tests", "docs")
"""The folders whose .py files are checked (virtual environments and caches are not the repository's source)."""


def python_files(root: Path = REPO) -> list[Path]:
    files = [path for folder in SOURCE_DIRS for path in sorted((root / folder).rglob("*.py"))]
    return [path for path in files if not any(part.startswith(".") for part in path.relative_to(root).parts)]


def too_long(root: Path = REPO, max_lines: int = MAX_LINES) -> dict[str, int]:
    """{path relative to ``root``: line count} of every checked file longer than ``max_lines``."""
    counts = {
        str(path.relative_to(root)): len(path.read_text(encoding="utf-8").splitlines()) for path in python_files(root)
    }
    return {path: n for path, n in counts.items() if n > max_lines}


def test_the_check_sees_the_source_folders():
    files = {str(path.relative_to(REPO)) for path in python_files()}
    assert len(files) > 100
    assert {"bench/parity.py", "extension/spec/hand.py", "tests/architecture/test_file_sizes.py"} <= files


def test_the_check_names_each_long_file_and_its_length(tmp_path):
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "long.py").write_text("x = 1\n" * 12)
    (tmp_path / "bench" / "short.py").write_text("x = 1\n" * 10)
    (tmp_path / "tests" / ".venv").mkdir(parents=True)
    (tmp_path / "tests" / ".venv" / "vendored.py").write_text("x = 1\n" * 50)
    assert too_long(tmp_path, max_lines=10) == {"bench/long.py": 12}


def test_no_source_file_is_longer_than_450_lines():
    long_files = too_long()
    assert not long_files, f"split these files (at most {MAX_LINES} lines each): " + ", ".join(
        f"{path} ({n} lines)" for path, n in sorted(long_files.items())
    )
