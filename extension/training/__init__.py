"""Training support around Isaac Lab 3's unified entrypoints (used by scripts/train.py and scripts/evaluate.py).

* :mod:`.cli_args` - the scripts' shared command-line arguments and checks (task, backend, variant, device)
* :mod:`.entrypoint_hooks` - the one module that rebinds names in Isaac Lab's RL entrypoints (runner factory,
  rl-games Runner, playback length, env wrapper: no public hook for them in isaaclab_rl 3.0.0)
* :mod:`.distributed` - rank, device and process-group backend under ``torchrun`` (NCCL on CUDA, gloo on the CPU)
* :mod:`.checkpoints` - atomic checkpoint writes and the one resolver (newest checkpoint that loads) for training,
  evaluation and export; stop-on-signal helpers
* :mod:`.rl_games_checkpointing` - rl-games agents with atomic + rolling checkpoints, ADR state, save on SIGTERM
* :mod:`.rsl_rl_runner` - RSL-RL's ``OnPolicyRunner`` with a CPU (gloo) multi-process path, exact resume,
  a checkpoint on SIGTERM / Ctrl-C, the true iteration maximum of consecutive successes and ADR logging
* :mod:`.evaluation` - the paper's evaluation protocol (trials, statistics, report, histogram)
"""
