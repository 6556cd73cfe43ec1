"""dactyl-lab: OpenAI's Dactyl in-hand cube reorientation as an Isaac Lab 3 task extension.

Importing this package is cheap and pulls neither torch nor Isaac Lab: the real-hand runtime
(:mod:`dactyl_lab.runtime`) runs on a robot computer that has neither.

Layout: ``dactyl_lab.assets`` (the hand, cube and scene), ``dactyl_lab.tasks`` (the task and its
randomizations), ``dactyl_lab.agents`` (RSL-RL and rl-games configs), ``dactyl_lab.runtime``
(the real-hand runtime), ``dactyl_lab.spec`` (the torch-free facts every part reads: the hand, the task
constants, the action law, the solver settings, the paper's randomization and noise values, the safety defaults).
"""

__version__ = "0.1.0"
