"""``dactyl-lab-runtime``: run an exported Dactyl policy on a Shadow hand (real, stand-in, or replayed).

The options live by concern: :mod:`.cli_options` (policy, run length, log, episodes, safety), :mod:`.cli_backends`
(one group per hand backend), :mod:`.cli_drills` (fault drills); :mod:`.session` builds and runs the loop (the
Python API sim2sim uses too).

Exit codes: 0 finished, 1 error or replay mismatch, 2 contract/configuration mismatch (nothing moved),
130 stopped by the operator (Ctrl-C / SIGTERM; the hand went to the safe pose first).
"""

from __future__ import annotations

import argparse
import json
import sys

from dactyl_lab.contract import ContractError, ContractMismatchError
from dactyl_lab.errors import USAGE_EXIT_CODE, UsageError
from dactyl_lab.runtime import session
from dactyl_lab.runtime.cli_backends import add_replay_args, add_ros_args, add_standin_args
from dactyl_lab.runtime.cli_drills import add_fault_drill_args
from dactyl_lab.runtime.cli_options import add_episode_args, add_log_args, add_run_args, add_safety_args
from dactyl_lab.runtime.stats import format_latency_table

EPILOG = """\
examples:
  # stand-in hand in plain MuJoCo, as fast as possible, 500 steps, log to run.jsonl
  dactyl-lab-runtime --policy policy.onnx --hand mujoco --realtime off --steps 500 --log run.jsonl
  # the real hand (ROS 1 Shadow driver running; object pose on /dactyl/object_pose)
  dactyl-lab-runtime --policy policy.onnx --hand ros --pose_topic /phasespace/cube_pose --num_trials 1
  # replay a log through the same policy and check that the actions are reproduced
  dactyl-lab-runtime --policy policy.onnx --hand replay --replay_log run.jsonl --no_log

flag names: Isaac Lab's style, words joined by underscores and units last (--goal_timeout_s), as in
scripts/train.py, evaluate.py and sim2sim.py; the old dashed spellings (--goal-timeout, --episodes, ...) still
work in this release and print a line naming the new flag.

log format: JSON-lines (header, one record per control step, summary); see dactyl_lab.runtime.log.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dactyl-lab-runtime",
        description="Run an exported Dactyl policy (ONNX + embedded dactyl_lab.contract) on a Shadow hand at a fixed "
        "control rate, with a safety layer (limits, rate limit, stale-pose/NaN watchdog, safe stop on Ctrl-C), "
        "latency statistics and a replayable step log. Needs only numpy, onnxruntime and mujoco.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,  # --max_step_rad is not --max_steps: a prefix is never taken for a flag
    )
    add_run_args(parser)
    add_log_args(parser)
    add_episode_args(parser)
    add_safety_args(parser)
    add_standin_args(parser)
    add_fault_drill_args(parser)
    add_ros_args(parser)
    add_replay_args(parser)
    return parser


def main(argv: list[str] | None = None, on_loop=None) -> int:
    """``on_loop(loop)``, when given, sees the ControlLoop before it runs."""
    options = build_parser().parse_args(argv)
    try:
        prepared = session.prepare(options)
    except ContractMismatchError as error:
        return _refuse(f"contract mismatch, nothing was moved: {error}")
    except ContractError as error:
        return _refuse(f"error, nothing was moved: {error}")
    except UsageError:
        return USAGE_EXIT_CODE  # its line is printed
    except (RuntimeError, OSError, ValueError) as error:
        print(f"error, nothing was moved: {_one_line(error)}", file=sys.stderr)
        return 1
    if on_loop is not None:
        on_loop(prepared.loop)
    try:
        result = prepared.run()
    except RuntimeError as error:
        print(f"error (the hand was stopped): {error}", file=sys.stderr)
        return 1
    summary = result.summary
    print_summary(summary, result.log_path)
    if options.summary_json:
        options.summary_json.write_text(json.dumps(summary.to_dict(), indent=2))
    if options.hand == "replay":
        return _report_replay(options, result)
    if summary.stop_reason.startswith("fault_stop"):
        print(f"safe stop after a fault: {summary.stop_reason}", file=sys.stderr)
        return 1
    return 130 if summary.stop_reason == "operator_stop" else 0


def _one_line(error: BaseException | str) -> str:
    return " ".join(str(error).split())


def _refuse(message: str) -> int:
    """Print one line on stderr; exit code 2 (bad input, nothing moved)."""
    print(_one_line(message), file=sys.stderr)
    return USAGE_EXIT_CODE


def print_summary(summary, log_path) -> None:
    """The run's summary on stdout: stop reason, steps, successes per trial, safety events, latency table."""
    print(
        f"stop: {summary.stop_reason}; steps {summary.steps} (policy {summary.policy_steps}, "
        f"held {summary.held_steps}); deadline misses {summary.deadline_misses}"
    )
    print(f"consecutive successes per episode: {summary.episodes} (current episode: {summary.current_consecutive})")
    print(f"safety events: {summary.event_counts or 'none'}")
    print(format_latency_table(summary.latency, summary.control_period_s))
    if log_path:
        print(f"log: {log_path}")


def _report_replay(options, result: session.RunResult) -> int:
    from dactyl_lab.runtime.backends.replay import compare_actions

    comparison = compare_actions(result.hand.log, result.loop.records)
    print(f"replay: {json.dumps(comparison)}")
    ok = not comparison["held_mismatch_steps"] and comparison["max_abs_diff"] <= options.replay_tolerance
    ok = ok and comparison["replayed_steps"] == comparison["recorded_steps"]
    print("replay reproduces the recorded actions" if ok else "REPLAY MISMATCH: the policy does not reproduce the log")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
