"""``scripts/export.py``: export a trained Dactyl policy to ONNX for the real-hand runtime.

Exit codes: 0 written (and self-checked), 2 the checkpoint or its configs do not fit (nothing written or the
written file failed its check; the message says why and what to do).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from dactyl_lab.argtypes import renamed
from dactyl_lab.errors import USAGE_EXIT_CODE, UsageError
from dactyl_lab.export.onnx_io import DEFAULT_OPSET
from dactyl_lab.export.task import DEFAULT_TASK
from dactyl_lab.training.cli_args import VARIANTS

DESCRIPTION = """\
Export a policy trained with scripts/train.py (RSL-RL or rl-games, feed-forward or LSTM) to one ONNX file for
the real-hand runtime (dactyl-lab-runtime) and the MuJoCo sim2sim check (scripts/sim2sim.py).

The graph: obs (batch, 46) -> observation normalizer with the training statistics (RSL-RL EmpiricalNormalization,
rl-games running_mean_std) -> network -> deterministic action = the Gaussian mean (batch, 20). LSTM policies take
and return their state explicitly: (obs, h_in, c_in) -> (actions, h_out, c_out), states of shape
(layers, batch, hidden), zeros at the start of an episode. The batch axis is dynamic. TorchScript exporter
(torch.onnx.export dynamo=False), checked with onnx.checker, then compared with the library on observations drawn
around the training statistics (difference / max(1, |output|) must stay below --check_tolerance).

The file's metadata_props carry the runtime contract (dactyl_lab.contract, JSON): task id, backend, observation
terms, motor names and limits, action scale and smoothing (the task's action term), the wrappers' clips
(rl-games: clip_observations 5.0 as obs_clip, clip_actions 1.0 as action.env_clip; the graph itself outputs the
unclipped mean), LSTM state names, control period (sim.dt x decimation), success threshold, the hand-base offset
and the package version; plus the export provenance (dactyl_lab.export: checkpoint and its sha256, configs).
"""

EPILOG = """\
examples:
  python scripts/export.py --checkpoint logs/rsl_rl/dactyl_reorient_ff/2026-11-25_15-18-25/model_0.pt
  python scripts/export.py --checkpoint logs/rl_games/dactyl_reorient_lstm/2026-11-25_15-21-24 -o lstm.onnx
  python scripts/sim2sim.py --policy lstm.onnx --num_trials 10     # then try it in the MuJoCo stand-in

configs: by default the run's own params/env.yaml and params/agent.yaml (what it was trained with); without
them (or with --registry_cfg) the registered task config (with --preset) and the backend/variant's agent config.

flag names: Isaac Lab's style (underscores), as in train.py and evaluate.py; the old dashed spellings
(--registry-cfg, --check-tolerance, --print-contract) still work in this release and print a line naming the new flag.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="export.py", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--checkpoint",
        required=True,
        type=Path,
        help="checkpoint file (RSL-RL model_<iteration>.pt, rl-games nn/<name>.pth) or a run folder "
        "logs/<backend>/<experiment>/<timestamp> (its newest checkpoint)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="ONNX file to write (default: <run folder>/exported/policy.onnx)",
    )
    parser.add_argument(
        "--backend",
        choices=("rsl_rl", "rl_games"),
        default=None,
        help="RL library of the checkpoint (default: detected from the file; if given, must match)",
    )
    parser.add_argument(
        "--variant",
        choices=VARIANTS,
        default=None,
        help=f"{', '.join(VARIANTS)} (default: detected from the weights; if given, must match). "
        "Also picks the registered agent config when the run has no params/agent.yaml",
    )
    parser.add_argument(
        "--task",
        default=DEFAULT_TASK,
        help="registered task id the policy was trained on; its id goes into the contract and its "
        "config is used when the run has no params/env.yaml (default: %(default)s)",
    )
    parser.add_argument(
        "--preset",
        action="append",
        default=[],
        metavar="NAME",
        help="task preset (e.g. hz20, randomized) for the registered config; repeatable; ignored when "
        "the run's params/env.yaml is used",
    )
    renamed(
        parser,
        parser.add_argument(
            "--registry_cfg",
            action="store_true",
            help="ignore the run's params/*.yaml and use the registered task and agent configs",
        ),
        "--registry-cfg",
    )
    parser.add_argument("--opset", type=int, default=DEFAULT_OPSET, help="ONNX opset version (default: %(default)s)")
    renamed(
        parser,
        parser.add_argument(
            "--check_tolerance",
            type=float,
            default=1e-5,
            metavar="TOL",
            help="largest allowed |ONNX Runtime - PyTorch| / max(1, |output|) of the post-export check "
            "(default: %(default)s); a negative value skips the check",
        ),
        "--check-tolerance",
    )
    renamed(
        parser,
        parser.add_argument("--print_contract", action="store_true", help="print the embedded contract JSON"),
        "--print-contract",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return export(args)
    except UsageError:
        return USAGE_EXIT_CODE  # its line is printed


def export(args) -> int:
    """Export, self-check and describe the policy; an ExportError becomes a UsageError (exit code 2)."""
    from dactyl_lab.export import ExportError
    from dactyl_lab.export.exporter import export_policy

    tolerance = None if args.check_tolerance < 0 else args.check_tolerance
    try:
        result = export_policy(
            args.checkpoint,
            args.output,
            args.backend,
            args.variant,
            args.task,
            tuple(args.preset),
            use_run_params=not args.registry_cfg,
            opset=args.opset,
            check_tolerance=tolerance,
        )
    except ExportError as error:
        raise UsageError(str(error)) from None
    policy, contract = result.policy, result.contract
    for note in policy.notes:
        print(f"note: {note}")
    print(f"checkpoint: {policy.checkpoint.path} ({policy.backend}, {policy.checkpoint.variant})")
    print(f"env cfg: {policy.settings.source}\nagent cfg: {policy.agent_source}")
    rnn = (
        f", LSTM {contract.rnn.num_layers}x{contract.rnn.hidden_size} (h_in, c_in -> h_out, c_out)"
        if contract.rnn
        else ""
    )
    head = " (discrete head: centre of the argmax of 11 bins)" if policy.discrete else ""
    print(
        f"wrote {result.path}: obs {contract.observation_size} -> actions {contract.action_size}{head}{rnn}, "
        f"opset {args.opset}"
    )
    print(
        f"contract: period {contract.control_period_s} s, scale {contract.action.scale[0]} rad, smoothing "
        f"{contract.action.smoothing_previous_weight} on the previous value, obs_clip {contract.obs_clip}, "
        f"env_clip {contract.action.env_clip}, "
        f"success {contract.success_threshold_rad} rad"
    )
    if result.self_check_max_abs_diff is not None:
        print(
            f"self-check: max |onnxruntime - {policy.backend}| = {result.self_check_max_abs_diff:.3g} "
            "(observations around the training statistics)"
        )
    if args.print_contract:
        print(json.dumps(contract.to_dict(), indent=2))
    return 0
