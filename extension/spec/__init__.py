"""The torch-free spec of dactyl-lab: every fact and number the task, the contract, the exporter, the runtime, the
stand-in hands and the docs share, each defined once.

Pure Python on purpose (no torch, no numpy, no Isaac Lab, nothing of ours outside this package): the real-hand
runtime on the robot computer imports it as the Isaac Lab task does, so training and deployment cannot drift.
``tests/spec/test_one_home.py`` fails when one of these numbers is written as a literal elsewhere in the package.

* :mod:`.hand`: the Shadow hand's names, limits, drive parameters and conventions;
* :mod:`.task`: the task's constants (timing, scene, success, drop, timeouts);
* :mod:`.action_law`: the action law (relative targets, EMA on the action);
* :mod:`.solver`: the MuJoCo(-Warp) solver settings shared with the stand-in hand, and the start-state procedure;
* :mod:`.randomization`: the paper's physics randomization and unmodeled effects (Table 1, App. C.2);
* :mod:`.noise`: the paper's observation and action noise (Tables 7 and 8);
* :mod:`.safety`: the real-hand runtime's safety defaults;
* :mod:`.ppo`: the paper's PPO settings (arXiv 1808.00177).
"""
