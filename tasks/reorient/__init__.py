"""Dactyl Shadow-hand cube reorientation, registered as ``Dactyl-Reorient-Cube-Shadow``."""

import gymnasium as gym

from dactyl_lab.spec.task import TASK_ID

gym.register(
    id=TASK_ID,
    entry_point=f"{__name__}.env:DactylReorientEnv",  # ManagerBasedRLEnv that hands out no diverged world
    disable_env_checker=True,
    kwargs={
        "env_cfg_entry_point": f"{__name__}.presets_cfg:DactylReorientEnvPresetCfg",
        "rsl_rl_cfg_entry_point": "dactyl_lab.agents.rsl_rl_cfg:DactylFFPPORunnerCfg",
        "rsl_rl_lstm_cfg_entry_point": "dactyl_lab.agents.rsl_rl_cfg:DactylLSTMPPORunnerCfg",
        "rl_games_cfg_entry_point": "dactyl_lab.agents:rl_games_ff.yaml",
        "rl_games_lstm_cfg_entry_point": "dactyl_lab.agents:rl_games_lstm.yaml",
        # the paper's discrete head (20 x 11-bin categorical), scripts/train.py --variant ff_discrete / lstm_discrete
        "rsl_rl_ff_discrete_cfg_entry_point": "dactyl_lab.agents.rsl_rl_cfg:DactylFFDiscretePPORunnerCfg",
        "rsl_rl_lstm_discrete_cfg_entry_point": "dactyl_lab.agents.rsl_rl_cfg:DactylLSTMDiscretePPORunnerCfg",
        "rl_games_ff_discrete_cfg_entry_point": "dactyl_lab.agents.rl_games_discrete:ff_discrete_cfg",
        "rl_games_lstm_discrete_cfg_entry_point": "dactyl_lab.agents.rl_games_discrete:lstm_discrete_cfg",
        "default_agent": "rsl_rl",
    },
)
