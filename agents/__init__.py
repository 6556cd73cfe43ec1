"""Agent configs: RSL-RL (rsl_rl_cfg.py) and rl-games (rl_games_*.yaml), feed-forward and LSTM.

Entry-point keys registered with the task (pick one with ``--agent`` or scripts/train.py ``--variant``):
``rsl_rl_cfg_entry_point`` (FF), ``rsl_rl_lstm_cfg_entry_point``, ``rl_games_cfg_entry_point`` (FF),
``rl_games_lstm_cfg_entry_point``.
"""
