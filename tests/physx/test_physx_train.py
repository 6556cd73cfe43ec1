"""``presets=physx`` trains through scripts/train.py on the CPU (OvPhysX) with RSL-RL and rl-games; the RSL-RL run is
exported with scripts/export.py and the exported policy runs in the MuJoCo stand-in through the runtime
(``dactyl-lab-runtime``). train.py's ``--help`` and its unknown-preset line name the physics presets."""

import json
import subprocess
import sys

import pytest

from tests.helpers.scripts import SCRIPTS, run_script, script_env, train

PHYSICS_PRESETS = ("newton_mjwarp", "physx", "ovphysx", "isaacsim_physx")


@pytest.mark.sim
@pytest.mark.slow
@pytest.mark.parametrize(
    "backend, pattern",
    [
        ("rsl_rl", "logs/rsl_rl/dactyl_reorient_ff/*/model_1.pt"),
        ("rl_games", "logs/rl_games/dactyl_reorient_ff/*/nn/*.pth"),
    ],
)
def test_physx_trains_two_iterations(tmp_path, backend, pattern):
    out = train(tmp_path, "--backend", backend, "presets=physx", num_envs=4, iterations=2)
    assert "OvPhysX" in out.stdout + out.stderr or "ovphysx" in (out.stdout + out.stderr).lower()
    assert sorted(tmp_path.glob(pattern)), out.stdout[-2000:]
    if backend == "rsl_rl":
        exported_policy_runs_in_the_stand_in(tmp_path)


def exported_policy_runs_in_the_stand_in(work) -> None:
    """scripts/export.py on the PhysX-trained run, then the runtime on the MuJoCo stand-in for one 0.8 s trial."""
    run = sorted(p for p in work.glob("logs/rsl_rl/dactyl_reorient_ff/*") if p.is_dir())[-1]
    policy = work / "policy.onnx"
    export = run_script(work, "export.py", "--checkpoint", str(run), "-o", str(policy), timeout=600)
    assert "self-check" in export.stdout and policy.is_file(), export.stdout[-2000:]
    summary = work / "summary.json"
    args = ["--policy", str(policy), "--hand", "mujoco", "--realtime", "off", "--seed", "3", "--num_trials", "1"]
    args += ["--goal_timeout_s", "0.8", "--no_log", "--summary_json", str(summary)]
    out = subprocess.run(
        [sys.executable, "-m", "dactyl_lab.runtime.cli", *args],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
        env=script_env(),
    )
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    result = json.loads(summary.read_text())
    assert result["steps"] == 10 and result["stop_reason"] == "episodes"  # 0.8 s at 80 ms, the trial ran out
    assert result["deadline_misses"] == 0


def test_train_help_names_the_physics_presets():
    out = subprocess.run(
        [sys.executable, str(SCRIPTS / "train.py"), "--help"], capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert all(name in out.stdout for name in PHYSICS_PRESETS), out.stdout[-2000:]
    assert "presets=physx,randomized" in out.stdout


def test_an_unknown_preset_is_refused_with_one_line_naming_the_physics_presets(tmp_path, monkeypatch, capsys):
    """scripts/train.py's main, in this process: refused before anything runs (before, Isaac Lab's ValueError came
    out as a traceback from inside the training entrypoint, exit 1)."""
    import importlib.util

    from dactyl_lab.errors import USAGE_EXIT_CODE

    spec = importlib.util.spec_from_file_location("train_script", SCRIPTS / "train.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as error:
        script.main(["--device", "cpu", "--num_envs", "2", "--max_iterations", "1", "presets=physx,phsyx_gpu"])
    assert error.value.code == USAGE_EXIT_CODE
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1 and "phsyx_gpu" in errors[0], errors
    assert all(name in errors[0] for name in (*PHYSICS_PRESETS, "randomized", "adr", "hz20", "curriculum"))
    assert not (tmp_path / "logs").exists()  # refused before anything ran
