"""The shared command-line arguments and checks of scripts/train.py, scripts/play.py and scripts/evaluate.py (as
Isaac Lab's ``cli_args_rsl_rl.py`` for its scripts): the scripts validate the request with these, then hand it to
Isaac Lab 3's unified RL entrypoints (``isaaclab_rl.entrypoints``) with our tasks registered.

Isaac Lab's stock agent configs hard-code ``cuda:0``; here the agent always runs on the device of the
environment (``--device``, default: ``cuda:0`` when CUDA is available, else ``cpu``).
"""

from __future__ import annotations

import argparse
import re

from dactyl_lab.contract import BACKENDS  # noqa: F401  (one home: the torch-free contract)
from dactyl_lab.errors import UsageError  # noqa: F401  (one home: every command's usage error, exit code 2)
from dactyl_lab.spec.task import TASK_ID

VARIANTS = ("ff", "lstm", "ff_discrete", "lstm_discrete")
"""Policy variants (``--variant``): network ``ff`` (MLP) or ``lstm`` (the paper's dense 1024 ReLU -> LSTM 512), with a
Gaussian head, or with ``_discrete``: the paper's head, 20 independent categoricals over 11 bin centres in [-1, 1]."""
VARIANT_HELP = (
    "policy: ff (MLP), lstm (dense 1024 ReLU -> LSTM 512, the paper's), ff_discrete or lstm_discrete (the same "
    "networks with the paper's discrete head: 11 bins per motor)"
)

PRESETS_HELP = (
    "Presets (presets=a,b; Isaac Lab's preset selection, composable): hz20 (20 Hz control), randomized (Dactyl's "
    "domain randomization), adr (driven by ADR), curriculum (goal-angle curriculum); physics: newton_mjwarp (the "
    "default: Newton, MuJoCo-Warp), physx (OvPhysX kit-less, Isaac Sim PhysX under Kit), ovphysx, isaacsim_physx. "
    "E.g. presets=physx,randomized (docs/randomization.md, 'On PhysX')."
)
"""The presets paragraph of the scripts' ``--help`` (tests/physx checks it names every physics preset)."""


def default_device() -> str:
    import torch

    return "cuda:0" if torch.cuda.is_available() else "cpu"


def agent_entry_point(backend: str, variant: str) -> str:
    """Registry key of the agent config: ``rsl_rl_cfg_entry_point``, ``rl_games_lstm_cfg_entry_point`` ..."""
    return f"{backend}_cfg_entry_point" if variant == "ff" else f"{backend}_{variant}_cfg_entry_point"


def is_recurrent(variant: str) -> bool:
    """Whether the variant's policy carries an LSTM state (``lstm``, ``lstm_discrete``)."""
    return variant.split("_")[0] == "lstm"


def is_discrete(variant: str) -> bool:
    """Whether the variant's policy has the paper's discrete (11-bin) head."""
    return variant.endswith("_discrete")


def check_task(task: str) -> None:
    """Fail with the list of our task ids when ``task`` is not registered."""
    import gymnasium as gym

    import dactyl_lab.tasks as tasks

    if task in gym.registry:
        return
    known = ", ".join(tasks.TASK_IDS)
    raise UsageError(f"unknown task {task!r}. dactyl-lab registers: {known} (Isaac Lab's own ids work too).")


def requested_presets(passthrough: list[str]) -> list[str]:
    """The preset names of the ``presets=a,b`` arguments in ``passthrough`` (Hydra overrides for Isaac Lab)."""
    names = []
    for arg in passthrough:
        if arg.startswith("presets="):
            names += [name.strip() for name in arg.removeprefix("presets=").split(",") if name.strip()]
    return names


def task_presets(task: str, agent_entry: str | None = None) -> set[str]:
    """Every preset name the task's env config (and agent config) declares, ``default`` excluded."""
    from isaaclab_tasks.utils.hydra import collect_presets
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    cfgs = [load_cfg_from_registry(task, "env_cfg_entry_point")]
    if agent_entry is not None:
        cfgs.append(load_cfg_from_registry(task, agent_entry))
    names = {name for cfg in cfgs for fields in collect_presets(cfg).values() for name in fields}
    return names - {"default"}


def check_presets(task: str, passthrough: list[str], agent_entry: str | None = None) -> None:
    """One line and exit 2 when a ``presets=`` name is not declared by the task; the line lists the task's presets
    (physics presets included). Isaac Lab's deprecated aliases (``newton``) are left to Isaac Lab."""
    requested = requested_presets(passthrough)
    if not requested:
        return
    from isaaclab_tasks.utils.hydra import PresetTarget

    known = task_presets(task, agent_entry)
    unknown = [n for n in requested if n not in known and n not in PresetTarget.all_legacy_aliases()]
    if unknown:
        raise UsageError(
            f"unknown preset(s) {', '.join(unknown)} for {task}; its presets: {', '.join(sorted(known))} "
            f"(combine them: presets=physx,randomized)"
        )


def check_backend(backend: str, variant: str) -> None:
    if backend not in BACKENDS:
        raise UsageError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if variant not in VARIANTS:
        raise UsageError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")


def check_playable(backend: str, variant: str) -> None:
    """Isaac Lab's rl-games play loop steps its own env wrapper with the player's output, which for a discrete
    policy is bin indices, not actions: refuse it and name the paths that map bins to actions."""
    if backend == "rl_games" and is_discrete(variant):
        raise UsageError(
            f"--backend rl_games --variant {variant}: Isaac Lab's rl-games play loop would send the policy's bin "
            "indices to the env as actions. Evaluate it with scripts/evaluate.py (maps bins to actions), or export it "
            "(scripts/export.py) and run scripts/sim2sim.py; RSL-RL discrete policies play as usual"
        )


def agent_device_overrides(backend: str, device: str) -> list[str]:
    """Hydra overrides that put the agent on the environment's device."""
    if backend == "rsl_rl":
        return [f"agent.device={device}"]
    return [f"agent.params.config.device={device}", f"agent.params.config.device_name={device}"]


RL_GAMES_HORIZON = 16
"""``horizon_length`` of our rl-games yamls (steps per env per iteration)."""


HYDRA_NUM_ENVS = re.compile(r"^\+{0,2}env\.scene\.num_envs=(\d+)$")
"""A Hydra override of the env count among the passthrough args (``env.scene.num_envs=N``, also ``+``/``++``)."""


def resolved_num_envs(num_envs: int | None, passthrough: list[str]) -> int | None:
    """The env count the run will have: ``--num_envs`` (Isaac Lab applies it after Hydra, so it wins), else the last
    Hydra ``env.scene.num_envs=N`` override, else None (the task's default)."""
    if num_envs is not None:
        return num_envs
    hydra = [int(m.group(1)) for arg in passthrough if (m := HYDRA_NUM_ENVS.match(arg))]
    return hydra[-1] if hydra else None


def rl_games_minibatch_overrides(
    num_envs: int | None, num_minibatches: int = 4, passthrough: list[str] | None = None
) -> list[str]:
    """rl-games needs ``num_envs * horizon`` divisible by the minibatch size: derive it from the resolved num_envs
    (:func:`resolved_num_envs`: ``--num_envs`` or a Hydra ``env.scene.num_envs=N`` in ``passthrough``). A minibatch
    size the user set through Hydra (``agent.params.config.minibatch_size=...``) is theirs: that key is not added."""
    passthrough = passthrough or []
    num_envs = resolved_num_envs(num_envs, passthrough)
    if num_envs is None:
        return []
    size = max(1, num_envs * RL_GAMES_HORIZON // num_minibatches)
    keys = ("agent.params.config.minibatch_size", "agent.params.config.central_value_config.minibatch_size")
    user_set = {arg.lstrip("+").split("=", 1)[0] for arg in passthrough}
    return [f"{key}={size}" for key in keys if key not in user_set]


def add_common_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", default=TASK_ID, help="registered task id (default: %(default)s)")
    parser.add_argument("--backend", default="rsl_rl", help="RL library: rsl_rl or rl_games (default: %(default)s)")
    parser.add_argument("--variant", default="ff", help=VARIANT_HELP + " (default: %(default)s)")
    parser.add_argument(
        "--num_envs", type=int, default=None, help="number of parallel environments (default: the task's)"
    )
    parser.add_argument("--seed", type=int, default=None, help="environment and agent seed")
    parser.add_argument(
        "--device", default=None, help="simulation and agent device, e.g. cpu or cuda:0 (default: cuda:0 if available)"
    )


def agent_defaults(task: str, backend: str, variant: str) -> tuple[str, int, int]:
    """(experiment name, training iterations, seed) of the task's agent config for a backend and variant."""
    from isaaclab_tasks.utils.parse_cfg import load_cfg_from_registry

    cfg = load_cfg_from_registry(task, agent_entry_point(backend, variant))
    if backend == "rsl_rl":
        return cfg.experiment_name, cfg.max_iterations, cfg.seed
    return cfg["params"]["config"]["name"], cfg["params"]["config"]["max_epochs"], cfg["params"]["seed"]
