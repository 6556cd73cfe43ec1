"""The one module that rebinds names inside Isaac Lab's RL entrypoints (checked against isaaclab_rl 3.0.0, the
``isaaclab_rl.entrypoints`` package of Isaac Lab 3.0.0).

Isaac Lab 3's unified train / play entrypoints take no runner class, no env wrapper and no playback length, and
offer no other public hook for them, so the four things below replace a name of theirs in memory. Each is done
before the entrypoint runs (``run_train_cli`` / ``run_play_cli`` import their backend modules when called), each
at most once per process, and each keeps Isaac Lab's own function for everything else:

* :func:`route_rsl_rl_on_policy_runner` (the swap Isaac Lab forces):
  ``backends.{train,play}_rsl_rl.create_rsl_rl_runner`` builds only the class names ``OnPolicyRunner`` /
  ``DistillationRunner`` (``isaaclab_rl.rsl_rl.utils``) and takes no runner class, so our runner (a public subclass
  of RSL-RL's ``OnPolicyRunner``) cannot be named in the agent config;
* :func:`on_rl_games_runner`: ``backends.{train,play}_rl_games.Runner``: rl-games keeps its algorithm and player
  builders per ``Runner`` instance (``runner.algo_factory``, ``runner.player_factory``) and Isaac Lab creates that
  instance inside the backend's ``run``;
* :func:`limit_playback_steps`: ``common.video_playback_steps``, the only bound of ``common.run_playback``: Isaac
  Lab plays until Ctrl-C unless its own (Kit) video recorders are configured, which kit-less Newton has not;
* :func:`wrap_created_envs`: ``common.create_isaaclab_env``, which the play backends import by name when they are
  loaded: the only place to wrap the env they create (our video recorder).
"""

from __future__ import annotations

from typing import Any, Callable

CHECKED_AGAINST = "isaaclab_rl 3.0.0 (isaaclab_rl.entrypoints: common, backends.{train,play}_{rsl_rl,rl_games})"
MARK = "dactyl_lab"
"""Attribute set on what we installed, so a second install in the same process is a no-op (the env wrapper: holds
Isaac Lab's factory, so a second install replaces the wrapper instead of stacking one)."""


def _backend(name: str):
    """``isaaclab_rl.entrypoints.backends.<name>`` (``train_rsl_rl``, ``play_rsl_rl``, ``train_rl_games``, ...)."""
    import importlib

    return importlib.import_module(f"isaaclab_rl.entrypoints.backends.{name}")


def route_rsl_rl_on_policy_runner(build: Callable[[Any, Any, str | None], Any], entrypoint: str = "train") -> None:
    """Isaac Lab's RSL-RL ``entrypoint`` (``train`` or ``play``) builds ``OnPolicyRunner`` configs with
    ``build(env, agent_cfg, log_dir)``; other runner class names still go to Isaac Lab's factory."""
    backend = _backend(f"{entrypoint}_rsl_rl")
    original = backend.create_rsl_rl_runner
    if getattr(original, MARK, False):
        return

    def create_rsl_rl_runner(env, agent_cfg, log_dir: str | None = None):
        if agent_cfg.class_name != "OnPolicyRunner":
            return original(env, agent_cfg, log_dir=log_dir)
        return build(env, agent_cfg, log_dir)

    setattr(create_rsl_rl_runner, MARK, True)
    backend.create_rsl_rl_runner = create_rsl_rl_runner


def on_rl_games_runner(register: Callable[[Any], None], entrypoint: str = "train") -> None:
    """Isaac Lab's rl-games ``entrypoint`` (``train`` or ``play``) calls ``register(runner)`` on every rl-games
    ``Runner`` it creates (after rl-games' own ``__init__``, so ``register`` may replace its algorithm and player
    builders)."""
    backend = _backend(f"{entrypoint}_rl_games")
    base = backend.Runner
    if getattr(base, MARK, False):
        return

    class Runner(base):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            register(self)

    setattr(Runner, MARK, True)
    backend.Runner = Runner


def limit_playback_steps(steps: int) -> None:
    """Isaac Lab's play entrypoint stops after ``steps`` policy steps (instead of at Ctrl-C). A second call in the
    same process sets the new bound (it does not stack)."""
    from isaaclab_rl.entrypoints import common

    def video_playback_steps(*_args) -> int:
        return steps

    setattr(video_playback_steps, MARK, True)
    common.video_playback_steps = video_playback_steps


def wrap_created_envs(wrap: Callable[[Any], Any]) -> None:
    """The env Isaac Lab's play entrypoint creates is ``wrap(env)``. Call before ``run_play_cli``. The play backends
    import the factory by name when they are loaded, so the name is replaced in ``common`` and in every play backend
    already loaded (e.g. by :func:`route_rsl_rl_on_policy_runner`). A second call in the same process replaces the
    wrapper (Isaac Lab's factory is wrapped once, never a wrapper of a wrapper)."""
    import sys

    from isaaclab_rl.entrypoints import common

    create = getattr(common.create_isaaclab_env, MARK, None) or common.create_isaaclab_env

    def create_isaaclab_env(*args, **kwargs):
        return wrap(create(*args, **kwargs))

    setattr(create_isaaclab_env, MARK, create)  # Isaac Lab's own factory
    common.create_isaaclab_env = create_isaaclab_env
    prefix = "isaaclab_rl.entrypoints.backends.play_"
    for name, module in list(sys.modules.items()):
        if name.startswith(prefix) and hasattr(module, "create_isaaclab_env"):
            module.create_isaaclab_env = create_isaaclab_env
