"""``dactyl-lab``: asset and task utilities.

dactyl-lab assets build [--force]   generate (or rebuild) the offline Shadow hand USD and its PhysX layer
dactyl-lab assets path              print where the cached asset lives
dactyl-lab tasks                    list the task ids this package registers
dactyl-lab report RUN [--output D]  RUN/report.png + report.html from the run's TensorBoard events
"""

from __future__ import annotations

import argparse
import sys


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dactyl-lab", description="dactyl-lab asset and task utilities.")
    commands = parser.add_subparsers(dest="command", required=True)
    assets = commands.add_parser("assets", help="the offline Shadow hand asset (MJCF from gymnasium-robotics -> USD)")
    asset_commands = assets.add_subparsers(dest="asset_command", required=True)
    build = asset_commands.add_parser("build", help="generate the hand USD into the cache (skipped when cached)")
    build.add_argument(
        "--force", action="store_true", help="rebuild even when an asset with the same input hash exists"
    )
    asset_commands.add_parser("path", help="print the cached USD path (builds it first when missing)")
    commands.add_parser("tasks", help="list the Isaac Lab task ids this package registers")
    report = commands.add_parser(
        "report",
        help="plot a training run's curves (RSL-RL or rl-games, also while it runs) into report.png/.html",
        description="Write RUN/report.png and RUN/report.html from the run's TensorBoard event files: reward terms, "
        "return, episode duration, how episodes end (drop rate), goals per episode = consecutive successes (mean, "
        "max), learning rate, KL, policy entropy and, with ADR, every bound and the ADR entropy; the page adds the "
        "run's settings (params/*.yaml) and the last value of every tag.",
    )
    report.add_argument("run", help="run folder (logs/<library>/<experiment>/<run>) or a checkpoint in it")
    report.add_argument("--output", default=None, help="folder for report.png and report.html (default: RUN)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    if args.command == "assets":
        from dactyl_lab.assets.build import hand_asset

        asset = hand_asset(force=getattr(args, "force", False), verbose=args.asset_command == "build")
        print(asset.usd_path)
        if asset.build_seconds is not None:
            print(f"built in {asset.build_seconds:.2f} s (input hash {asset.fingerprint})")
        if args.asset_command == "build":  # the PhysX layer over it (presets=physx)
            from dactyl_lab.assets.physx_hand import physx_hand_asset

            physx = physx_hand_asset(force=args.force)
            print(physx.usd_path)
        return 0
    if args.command == "report":
        from dactyl_lab.training.report import ReportError, write_report

        try:
            png, page = write_report(args.run, args.output)
        except ReportError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        print(f"report: {png}\npage: {page}")
        return 0
    if args.command == "tasks":
        from dactyl_lab.tasks import TASK_IDS

        print("\n".join(TASK_IDS))
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
