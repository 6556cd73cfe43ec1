"""The one usage-error type of every dactyl-lab command (torch-free): train, play, evaluate, export, sim2sim and
``dactyl-lab-runtime`` refuse a bad request with it."""

from __future__ import annotations

import sys

USAGE_EXIT_CODE = 2
"""Exit code of a refused request (bad flags, a missing file, a policy that does not fit), as argparse's own."""


class UsageError(SystemExit):
    """A request a command refuses before doing anything: exit code 2 with one line that names the fix.

    Creating it prints ``error: <message>`` on stderr (one line), so raised out of a script's ``main`` it ends the
    script with that line and exit code 2; a command that catches it returns :data:`USAGE_EXIT_CODE` without
    printing again. It is a ``SystemExit``: ``except Exception`` does not swallow it.
    """

    def __init__(self, message: str):
        self.message = " ".join(str(message).split())
        print(f"error: {self.message}", file=sys.stderr, flush=True)
        super().__init__(USAGE_EXIT_CODE)

    def __str__(self) -> str:
        return self.message
