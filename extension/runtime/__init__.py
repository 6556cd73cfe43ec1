"""The real-hand runtime: run an exported Dactyl policy on a Shadow hand.

Needs only numpy, onnxruntime and mujoco (+ gymnasium-robotics for the stand-in's MJCF); never torch or
Isaac Lab. Modules (each small):

* :mod:`.policy` - ONNX Runtime session, batch 1, carrying the LSTM state;
* :mod:`.interfaces` - ``HandInterface`` and ``PoseSource``;
* :mod:`.observation` - the observation from the contract's term list;
* :mod:`.actions` - actions -> 20 motor targets as in training;
* :mod:`.safety` - limits, rate limit, watchdog, safe stop;
* :mod:`.loop` - the fixed-rate loop, latency statistics, success counting (:mod:`.goals`, :mod:`.stats`);
* :mod:`.log` - the JSON-lines step log;
* :mod:`.backends` - ``mujoco`` stand-in, ``ros`` Shadow driver, ``replay``;
* :mod:`.session` - the Python API: options -> policy, backend and loop -> the run's summary (sim2sim uses it);
* :mod:`.cli` - the ``dactyl-lab-runtime`` command, its options by concern in :mod:`.cli_options` (policy, run,
  log, episodes, safety), :mod:`.cli_backends` (one group per hand backend) and :mod:`.cli_drills` (fault drills).
"""
