"""Fixtures of the export tests: one real 1-iteration training run per backend/variant (scripts/train.py, 8 envs,
CPU), exported with scripts/export.py; one real env for observations; the libraries' own inference paths.

Training is the slow part (~30-110 s per variant on this CPU): ``trained_run`` caches per session, so every
backend/variant is trained once however many test modules use it.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.export.export_common import NUM_ENVS, TRAJECTORY_STEPS, VARIANTS, Exported, Library
from tests.helpers.scripts import SCRIPTS, train


def _run(cmd: list[str], cwd: Path, timeout: float) -> subprocess.CompletedProcess:
    out = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, f"{cmd} failed ({out.returncode}):\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory):
    """``trained_run(backend, variant) -> run folder`` of a 1-iteration training (cached for the session)."""
    cache: dict[tuple[str, str], Path] = {}

    def get(backend: str, variant: str) -> Path:
        if (backend, variant) not in cache:
            work = tmp_path_factory.mktemp(f"train_{backend}_{variant}")
            train(
                work, "--backend", backend, "--variant", variant, "--seed", "3", num_envs=8, iterations=1, timeout=1500
            )
            runs = sorted(p for p in work.glob(f"logs/{backend}/*/*") if p.is_dir())
            assert runs, f"no run folder under {work}/logs/{backend}"
            cache[(backend, variant)] = runs[-1]
        return cache[(backend, variant)]

    return get


@pytest.fixture(scope="session")
def export_run(trained_run, tmp_path_factory):
    """``export_run(backend, variant) -> Exported``: the trained run exported with scripts/export.py (cached)."""
    cache: dict[tuple[str, str], Exported] = {}

    def get(backend: str, variant: str) -> Exported:
        if (backend, variant) not in cache:
            run = trained_run(backend, variant)
            path = tmp_path_factory.mktemp(f"export_{backend}_{variant}") / "policy.onnx"
            out = _run(
                [sys.executable, str(SCRIPTS / "export.py"), "--checkpoint", str(run), "-o", str(path)], run, 600
            )
            cache[(backend, variant)] = Exported(backend, variant, run, path, out.stdout)
        return cache[(backend, variant)]

    return get


@pytest.fixture(scope="session", params=VARIANTS, ids=[f"{b}-{v}" for b, v in VARIANTS])
def exported(request, export_run) -> Exported:
    return export_run(*request.param)


@pytest.fixture(scope="module")
def sim_env():
    """A real env of the task (Newton, CPU, NUM_ENVS envs) for one test module.

    Module scope, not session: Isaac Lab allows one simulation per process, and other test folders build
    their own envs after this one is closed."""
    from tests.helpers.envs import close_env, make_env

    env = make_env(num_envs=NUM_ENVS, seed=0)
    yield env
    close_env(env)


@pytest.fixture(scope="module")
def trajectory(sim_env):
    """Real policy observations (TRAJECTORY_STEPS, NUM_ENVS, 46) of the env driven by smooth random actions."""
    import torch

    generator = torch.Generator().manual_seed(0)
    obs, _ = sim_env.reset(seed=0)
    steps, action = [], torch.zeros(NUM_ENVS, 20)
    for _ in range(TRAJECTORY_STEPS):
        steps.append(obs["policy"].detach().cpu().clone().float())
        action = 0.7 * action + 0.3 * (2 * torch.rand(NUM_ENVS, 20, generator=generator) - 1)
        obs, *_ = sim_env.step(action.to(sim_env.unwrapped.device))
    return torch.stack(steps)


@pytest.fixture(scope="module")
def library_policy(sim_env):
    """``library_policy(exported)``: the library's own inference path for the trained checkpoint (cached).

    RSL-RL: ``OnPolicyRunner`` on the real env (RslRlVecEnvWrapper) with the run's agent.yaml, ``runner.load``,
    ``runner.get_inference_policy()``. rl-games: ``PpoPlayerContinuous`` with the spaces of Isaac Lab's
    ``RlGamesVecEnvWrapper`` on the real env (discrete head: ``PpoPlayerDiscrete`` with the spaces of the training
    wrapper ``BinnedActionVecEnv``), ``player.restore``. Neither uses dactyl_lab.export.
    """
    cache = {}

    def get(exp: Exported):
        key = (exp.backend, exp.variant)
        if key not in cache:
            cache[key] = _build_library_policy(exp, sim_env)
        return cache[key]

    return get


def _load_yaml(path: Path) -> dict:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("tag:yaml.org,2002:python/tuple", lambda loader, node: loader.construct_sequence(node))
    return yaml.load(path.read_text(), Loader=Loader)  # noqa: S506


def _only_checkpoint(exp: Exported) -> Path:
    from dactyl_lab.training.checkpoints import LAST_NAMES

    pattern = "model_*.pt" if exp.backend == "rsl_rl" else "nn/*.pth"
    rolling = LAST_NAMES[exp.backend]  # the rolling copy of the newest iteration, written beside the periodic ones
    found = sorted(p for p in exp.run_dir.glob(pattern) if not str(p).endswith(rolling))
    assert len(found) == 1, f"expected one checkpoint in {exp.run_dir}, found {found}"
    return found[0]


def _build_library_policy(exp: Exported, env) -> Library:
    import copy

    agent = _load_yaml(exp.run_dir / "params" / "agent.yaml")
    if exp.backend == "rsl_rl":
        from isaaclab_rl.rsl_rl import RslRlVecEnvWrapper
        from rsl_rl.runners import OnPolicyRunner

        agent["device"] = "cpu"
        wrapped = RslRlVecEnvWrapper(env, clip_actions=agent.get("clip_actions"))
        runner = OnPolicyRunner(wrapped, copy.deepcopy(agent), log_dir=None, device="cpu")
        runner.load(str(_only_checkpoint(exp)))
        return Library("rsl_rl", runner.get_inference_policy(device="cpu"), None)
    from isaaclab_rl.rl_games import RlGamesVecEnvWrapper
    from rl_games.algos_torch.players import PpoPlayerContinuous, PpoPlayerDiscrete

    from dactyl_lab.agents.rl_games_discrete import BinnedActionVecEnv

    wrapped = RlGamesVecEnvWrapper.from_agent_cfg(env, agent)
    if exp.discrete:  # what the discrete configs train on: Tuple(Discrete(11) x 20) actions
        wrapped = BinnedActionVecEnv(wrapped)
    params = copy.deepcopy(agent["params"])
    params["config"].update(device="cpu", device_name="cpu")
    params["config"]["env_info"] = {**wrapped.get_env_info(), "agents": 1, "value_size": 1}
    player = (PpoPlayerDiscrete if exp.discrete else PpoPlayerContinuous)(params)
    player.restore(str(_only_checkpoint(exp)))
    return Library("rl_games", player, float(params["env"]["clip_observations"]), wrapped if exp.discrete else None)
