"""A test file that shares one env across its tests (``module_env``) runs on one xdist worker, in file order: split
over workers, a test that depends on what an earlier one did to the shared env passes or fails by the split."""

from pathlib import Path

from tests.conftest import XDIST_GROUPS

TESTS = Path(__file__).resolve().parents[1]


def test_every_module_env_file_has_an_xdist_group():
    users = sorted(
        p.relative_to(TESTS).as_posix()
        for p in TESTS.rglob("test_*.py")
        if "module_env(" in p.read_text(encoding="utf-8") and p.name != Path(__file__).name
    )
    assert users, "no test file uses module_env: this check has nothing to check"
    ungrouped = [rel for rel in users if not any(rel.startswith(prefix) for prefix in XDIST_GROUPS)]
    assert not ungrouped, f"add these files to tests/conftest.py XDIST_GROUPS: {ungrouped}"
