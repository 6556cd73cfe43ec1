"""Dactyl Shadow-hand cube reorientation, registered as ``Dactyl-Reorient-Cube-Shadow``."""

import gymnasium as gym

TASK_ID = "Dactyl-Reorient-Cube-Shadow"

gym.register(
    id=TASK_ID,
    entry_point="isaaclab.envs:ManagerBasedRLEnv",
    disable_env_checker=True,
    kwargs={
        "env_cfg_entry_point": f"{__name__}.presets_cfg:DactylReorientEnvPresetCfg",
        "rsl_rl_cfg_entry_point": "dactyl_lab.agents.rsl_rl_cfg:DactylFFPPORunnerCfg",
        "rsl_rl_lstm_cfg_entry_point": "dactyl_lab.agents.rsl_rl_cfg:DactylLSTMPPORunnerCfg",
        "rl_games_cfg_entry_point": "dactyl_lab.agents:rl_games_ff.yaml",
        "rl_games_lstm_cfg_entry_point": "dactyl_lab.agents:rl_games_lstm.yaml",
        "default_agent": "rsl_rl",
    },
)
