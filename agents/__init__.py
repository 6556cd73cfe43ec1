"""Agent configs: RSL-RL (rsl_rl_cfg.py) and rl-games (rl_games_*.yaml, rl_games_discrete.py); feed-forward and LSTM
(the paper's dense 1024 ReLU -> LSTM 512), each with a Gaussian or the paper's discrete 11-bin head.

Entry-point keys registered with the task (pick one with ``--agent`` or scripts/train.py ``--variant``, see
``dactyl_lab.training.cli_args.VARIANTS``): ``rsl_rl_cfg_entry_point`` (ff), ``rsl_rl_lstm_cfg_entry_point``,
``rsl_rl_ff_discrete_cfg_entry_point``, ``rsl_rl_lstm_discrete_cfg_entry_point``, and the same four with ``rl_games``.

Modules: ``discrete.py`` (bin centres, RSL-RL categorical distribution), ``rsl_rl_models.py`` (dense -> LSTM model),
``rsl_rl_ppo.py`` (PPO that reports the update's KL),
``rl_games_discrete.py`` (discrete rl-games configs, the bin-index -> action env wrapper).
"""
