"""Fixtures of the training tests (the helpers that run scripts/ are in tests/helpers/scripts.py)."""

from pathlib import Path

import pytest

from tests.helpers.scripts import train


@pytest.fixture(scope="session")
def ff_run(tmp_path_factory) -> Path:
    """A working directory holding a 2-iteration RSL-RL feed-forward run (shared by the tests that need one)."""
    cwd = tmp_path_factory.mktemp("ff_run")
    train(cwd, "--seed", "2", num_envs=8, iterations=2)
    return cwd
