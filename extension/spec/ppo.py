"""The paper's PPO settings (arXiv 1808.00177; ``shared/reference/dactyl-facts.md``), torch-free.

Read by the RSL-RL configs (``dactyl_lab.agents.rsl_rl_cfg``); the rl-games yamls (``agents/rl_games_*.yaml``) hold
the same numbers and ``tests/agents/test_ppo_settings.py`` checks them against this module. Where an agent config
departs from the paper, its header says which setting and why.
"""

from __future__ import annotations

GAMMA = 0.998
"""Discount factor."""

GAE_LAMBDA = 0.95
"""Generalized advantage estimation lambda."""

CLIP_RATIO = 0.2
"""PPO clipping parameter epsilon."""

ENTROPY_COEF = 0.01
"""Entropy regularization coefficient."""

ADAM_LEARNING_RATE = 3.0e-4
"""Adam's learning rate (the paper: fixed; ours: the start of an adaptive schedule, see the agent configs)."""
