"""Checkpoints saved on another device (a GPU this machine does not have) load onto the device we ask for.

rl-games' own loader (torch_ext.load_checkpoint) calls torch.load without map_location: a checkpoint written on
cuda:7 cannot be restored on a CPU-only machine. The checkpoint of a real 1-epoch rl-games run is rewritten so
that every tensor's storage is tagged ``cuda:7``; scripts/export.py, scripts/evaluate.py and scripts/play.py still
work on the CPU (play.py for RSL-RL checkpoints too).
"""

import subprocess
import sys

import pytest
import torch

from tests.helpers.scripts import evaluate, run_script, train

pytestmark = [pytest.mark.sim, pytest.mark.slow]
PLAY_ARGS = ("--device", "cpu", "--num_envs", "2", "--steps", "3")

TAG_SCRIPT = """
import sys, torch
state = torch.load(sys.argv[1], map_location="cpu", weights_only=False)
# the first tagger asked names every storage's location: the file then reads as saved on that device
torch.serialization.register_package(0, lambda storage: sys.argv[2], lambda storage, location: None)
torch.save(state, sys.argv[1])
"""


def tag_storages(path, location: str) -> None:
    """Rewrite a torch checkpoint so that its tensors' storages are recorded as saved on ``location``."""
    subprocess.run([sys.executable, "-c", TAG_SCRIPT, str(path), location], check=True, timeout=120)


def storage_locations(path) -> set[str]:
    """The device tags recorded in a checkpoint file (read through torch.load's own map_location callback)."""
    seen = set()

    def keep_on_cpu(storage, location):
        seen.add(location)
        return storage

    torch.load(path, map_location=keep_on_cpu, weights_only=False)
    return seen


@pytest.fixture(scope="module")
def gpu_checkpoint(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("rl_games_gpu_ckpt")
    train(cwd, "--backend", "rl_games", "--seed", "4", num_envs=8, iterations=1)
    checkpoint = next(cwd.glob("logs/rl_games/dactyl_reorient_ff/*/nn/*.pth"))
    tag_storages(checkpoint, "cuda:7")
    assert storage_locations(checkpoint) == {"cuda:7"}
    if not torch.cuda.is_available():  # what rl-games' own loader does with it here
        with pytest.raises(RuntimeError, match="CUDA"):
            torch.load(checkpoint, weights_only=False)
    return cwd, checkpoint


def test_rl_games_checkpoint_of_another_device_exports_on_the_cpu(gpu_checkpoint, tmp_path):
    from dactyl_lab.export.cli import main

    cwd, checkpoint = gpu_checkpoint
    assert main(["--checkpoint", str(checkpoint), "-o", str(tmp_path / "policy.onnx")]) == 0
    assert (tmp_path / "policy.onnx").stat().st_size > 0


def test_rl_games_checkpoint_of_another_device_evaluates_on_the_cpu(gpu_checkpoint, tmp_path):
    cwd, checkpoint = gpu_checkpoint
    _, evaluation = evaluate(cwd, checkpoint, tmp_path, "--backend", "rl_games", "--max_successes", "1")
    assert evaluation["summary"]["num_trials"] == 2


def test_rl_games_checkpoint_of_another_device_plays_on_the_cpu(gpu_checkpoint):
    """Isaac Lab's play entrypoint restores through rl-games' loader (no map_location): our players load onto the
    play device."""
    cwd, checkpoint = gpu_checkpoint
    out = run_script(cwd, "play.py", "--backend", "rl_games", "--checkpoint", str(checkpoint), *PLAY_ARGS)
    assert "Loading model checkpoint" in out.stdout


@pytest.fixture(scope="module")
def rsl_rl_gpu_checkpoint(tmp_path_factory):
    cwd = tmp_path_factory.mktemp("rsl_rl_gpu_ckpt")
    train(cwd, "--seed", "4", num_envs=8, iterations=1)
    checkpoint = next(cwd.glob("logs/rsl_rl/dactyl_reorient_ff/*/model_0.pt"))
    tag_storages(checkpoint, "cuda:7")
    assert storage_locations(checkpoint) == {"cuda:7"}
    return cwd, checkpoint


def test_rsl_rl_checkpoint_of_another_device_plays_on_the_cpu(rsl_rl_gpu_checkpoint):
    """Isaac Lab's play entrypoint calls rsl_rl's ``runner.load(path)`` without map_location: our runner loads onto
    its own device."""
    cwd, checkpoint = rsl_rl_gpu_checkpoint
    run_script(cwd, "play.py", "--checkpoint", str(checkpoint), *PLAY_ARGS)
    assert (checkpoint.parent / "exported" / "policy.onnx").is_file()  # Isaac Lab's play exported the loaded policy
