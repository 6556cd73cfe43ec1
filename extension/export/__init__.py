"""Export trained Dactyl policies to ONNX for the real-hand runtime, and check them in the MuJoCo stand-in.

* :mod:`.exporter` - ``export_policy(checkpoint, ...)``: an RSL-RL or rl-games checkpoint (feed-forward or
  LSTM) -> ``policy.onnx`` with the observation normalizer folded in, the Gaussian mean as the action,
  LSTM state as explicit ``h_in, c_in -> h_out, c_out``, a dynamic batch axis and the
  :class:`dactyl_lab.contract.PolicyContract` in its ``metadata_props`` (``scripts/export.py``);
* :mod:`.checkpoints` - finding and loading checkpoints, telling backend and variant apart;
* :mod:`.task` - what the contract takes from the env cfg and the agent cfg;
* :mod:`.rsl_rl_policy`, :mod:`.rl_games_policy` - the policy of each library, rebuilt without an env;
* :mod:`.onnx_io` - the TorchScript ONNX export, metadata and ``onnx.checker``;
* :mod:`.sim2sim` - the consecutive-successes protocol of the Dactyl paper on the MuJoCo stand-in
  (``scripts/sim2sim.py``; needs no torch).

Importing this package is cheap: torch, Isaac Lab and the RL libraries load only when a function needs them.
"""

from __future__ import annotations


class ExportError(RuntimeError):
    """The export cannot proceed; the message names the problem and the fix."""
