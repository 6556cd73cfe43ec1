"""Checkpoints of a training run: write them so a kill cannot corrupt them, and find the one to continue from.

The one resolver for training (``--resume`` / ``--checkpoint``), evaluation and export.

Layout (Isaac Lab's): RSL-RL writes ``logs/rsl_rl/<experiment>/<run>/model_<iteration>.pt``, rl-games
``logs/rl_games/<name>/<run>/nn/*.pth``. Besides the periodic checkpoints, every iteration (rl-games: epoch)
rewrites one rolling checkpoint, :data:`LAST_NAMES` (same content), so a SIGKILL loses less than one iteration.
A resumed run keeps writing (checkpoints and TensorBoard events) into the run folder it resumed from.

**Atomic**: :func:`atomic_save` writes a temporary file in the checkpoint's folder (``.<name>.tmp-<pid>``),
flushes and fsyncs it, then ``os.replace`` s it onto the final name and fsyncs the folder: a checkpoint file is
either the previous complete one or the new complete one, never a truncated mix. Temporary files are never
candidates.

**Newest that loads**: candidates are ordered by the iterations they have completed (periodic files: from the
name; the rolling file: from its content), newest first; the first that ``torch.load`` s and holds what the
backend needs wins. Every skipped newer file is reported with the reason (truncated, not a checkpoint, ...).
"""

from __future__ import annotations

import glob
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dactyl_lab.contract import BACKENDS  # noqa: F401  (one home: the torch-free contract)

PATTERNS = {"rsl_rl": "model_*.pt", "rl_games": "nn/*.pth"}
LAST_NAMES = {"rsl_rl": "model_last.pt", "rl_games": "nn/last.pth"}
"""The rolling checkpoint of a run folder, rewritten after every iteration / epoch."""
REQUIRED_KEYS = {"rsl_rl": ("actor_state_dict", "critic_state_dict", "iter"), "rl_games": ("model", "epoch")}
TMP_MARK = ".tmp-"

HELP = (
    "pass a checkpoint file (RSL-RL: logs/rsl_rl/<experiment>/<run>/model_<iteration>.pt or model_last.pt; "
    "rl-games: logs/rl_games/<experiment>/<run>/nn/<name>.pth) or a run folder (its newest checkpoint that loads; "
    "an experiment folder: its newest run); train one with scripts/train.py"
)


class CheckpointError(FileNotFoundError):
    """No usable checkpoint where one was asked for (the message names the problem and the fix)."""


class NoCheckpointFiles(CheckpointError):
    """No checkpoint file at all (not: files that do not load)."""


@dataclass
class Resolved:
    """The checkpoint chosen, what it has completed, and the newer files passed over (path, reason)."""

    path: Path
    backend: str
    iterations: int
    """Completed training iterations (the next iteration to run has this index)."""
    state: dict[str, Any] = field(repr=False)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def report(self) -> list[str]:
        """One line per skipped file, then the chosen one (what the scripts print)."""
        lines = [f"[WARN] skipped checkpoint {path}: {reason}" for path, reason in self.skipped]
        return lines + [f"[INFO] checkpoint {self.path}: {self.iterations} completed iterations"]


# ---------------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------------
def atomic_save(state: Any, path: str | Path) -> Path:
    """``torch.save(state, path)`` so that ``path`` is never seen half written (temporary file, fsync, rename)."""
    import torch

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getbuffer()
    tmp = path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")
    try:
        with open(tmp, "wb") as file:
            write_bytes(file, data, path)
            file.flush()
            os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)
    remove_torn_files(path)
    return path


def write_bytes(file, data, path: Path) -> None:
    """Write a checkpoint's bytes into its open temporary file (``path``: the final name)."""
    file.write(data)


def remove_torn_files(path: Path) -> list[Path]:
    """Delete the temporary files of ``path`` left by writers that were killed mid-save (their pid is gone);
    returns them. A live writer's temporary file (another process saving now) is kept."""
    removed = []
    for tmp in path.parent.glob(f".{glob.escape(path.name)}{TMP_MARK}*"):
        pid = tmp.name.rsplit(TMP_MARK, 1)[-1]
        if not pid.isdigit() or int(pid) == os.getpid() or _alive(int(pid)):
            continue
        tmp.unlink(missing_ok=True)
        removed.append(tmp)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # e.g. a platform without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


# ---------------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------------
def log_root(backend: str, experiment: str) -> Path:
    """Where Isaac Lab's entrypoints put the runs of an experiment (relative to the working directory)."""
    return Path("logs", backend, experiment).absolute()


def detect_backend(path: Path) -> str | None:
    """The backend whose layout ``path`` (a checkpoint file or a run folder) has, or None."""
    path = Path(path)
    if path.is_file():
        return "rl_games" if path.suffix == ".pth" else "rsl_rl" if path.suffix == ".pt" else None
    if any(_candidates(path, "rsl_rl")):
        return "rsl_rl"
    if any(_candidates(path, "rl_games")) or any(_loose_pth(path)):
        return "rl_games"
    return None


def run_dir(checkpoint: Path, backend: str | None = None) -> Path:
    """The run folder a checkpoint belongs to (holds ``params/``)."""
    checkpoint = Path(checkpoint).absolute()
    return checkpoint.parent.parent if checkpoint.parent.name == "nn" else checkpoint.parent


def read_checkpoint(path: str | Path, backend: str | None = None) -> dict[str, Any]:
    """Load a checkpoint on the CPU; :class:`CheckpointError` saying why it is unusable (truncated, not a dict,
    keys of the other backend ...)."""
    import torch

    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:  # noqa: BLE001 - any unreadable file gets the same treatment
        size = path.stat().st_size if path.exists() else 0
        raise CheckpointError(
            f"not a readable PyTorch checkpoint ({type(error).__name__}: {str(error)[:120]}; {size} bytes, "
            "truncated by a kill during a non-atomic save?)"
        ) from error
    if not isinstance(state, dict):
        raise CheckpointError(f"holds a {type(state).__name__}, not a training checkpoint dict")
    wanted = [backend] if backend else list(BACKENDS)
    for name in wanted:
        if all(key in state for key in REQUIRED_KEYS[name]):
            return state
    need = " or ".join(f"{name}: {', '.join(REQUIRED_KEYS[name])}" for name in wanted)
    raise CheckpointError(f"lacks the keys of a training checkpoint ({need}); has {sorted(state)[:8]}")


def state_backend(state: dict[str, Any]) -> str:
    """The backend that wrote a checkpoint dict."""
    return "rsl_rl" if "actor_state_dict" in state else "rl_games"


def iterations_of(state: dict[str, Any], backend: str) -> int:
    """Completed iterations of a loaded checkpoint (RSL-RL stores the index of its last iteration; rl-games
    counts epochs from 1)."""
    return int(state["iter"]) + 1 if backend == "rsl_rl" else int(state["epoch"])


def _name_iterations(path: Path, backend: str) -> int | None:
    """Completed iterations read from a periodic checkpoint's name (None: read the content)."""
    pattern = r"^model_(\d+)\.pt$" if backend == "rsl_rl" else r"_ep_(\d+)_"
    match = re.search(pattern, path.name)
    if match is None:
        return None
    return int(match.group(1)) + (1 if backend == "rsl_rl" else 0)


def _candidates(run: Path, backend: str) -> list[Path]:
    return [p for p in Path(run).glob(PATTERNS[backend]) if p.is_file() and TMP_MARK not in p.name]


def _loose_pth(run: Path) -> list[Path]:
    return [p for p in Path(run).glob("*.pth") if p.is_file() and TMP_MARK not in p.name]


def newest_in_run(run: str | Path, backend: str | None = None) -> Resolved:
    """The newest checkpoint of a run folder that loads; :class:`CheckpointError` when none does."""
    run = Path(run).absolute()
    backend = backend or detect_backend(run)
    files = (_candidates(run, backend) or (_loose_pth(run) if backend == "rl_games" else [])) if backend else []
    if not files:
        raise CheckpointError(f"run folder {run} holds no checkpoint ({', '.join(PATTERNS.values())}); {HELP}")
    loaded: dict[Path, dict | CheckpointError] = {}
    order = []
    for file in files:
        done = _name_iterations(file, backend)
        if done is None:  # the rolling / best checkpoint: its content says how far it got
            try:
                loaded[file] = read_checkpoint(file, backend)
                done = iterations_of(loaded[file], backend)
            except CheckpointError as error:  # unknown: maybe the newest, so reported as skipped
                loaded[file], done = error, float("inf")
        order.append((done, file.stat().st_mtime_ns, file))
    skipped: list[tuple[Path, str]] = []
    for done, _, file in sorted(order, key=lambda item: item[:2], reverse=True):
        state = loaded.get(file)
        if state is None:
            try:
                state = read_checkpoint(file, backend)
            except CheckpointError as error:
                state = error
        if isinstance(state, CheckpointError):
            skipped.append((file, str(state)))
            continue
        return Resolved(file, backend, iterations_of(state, backend), state, skipped)
    reasons = "; ".join(f"{p.name}: {why}" for p, why in skipped)
    raise CheckpointError(f"no checkpoint in {run} loads ({reasons}); {HELP}")


def newest_in_experiment(root: str | Path, backend: str | None = None) -> Resolved:
    """The newest loadable checkpoint over the runs of an experiment folder (runs ordered by their newest file)."""
    root = Path(root).absolute()
    runs = []
    for run in (p for p in root.iterdir() if p.is_dir()) if root.is_dir() else ():
        name = backend or detect_backend(run)
        files = (_candidates(run, name) or _loose_pth(run)) if name else []
        if files:
            runs.append((max(f.stat().st_mtime_ns for f in files), run.name, run))
    if not runs:
        raise NoCheckpointFiles(f"no checkpoint in any run under {root}; {HELP}")
    errors = []
    for _, _, run in sorted(runs, reverse=True):
        try:
            return newest_in_run(run, backend)
        except CheckpointError as error:
            errors.append(str(error))
    raise CheckpointError(f"no checkpoint that loads in any run under {root} ({'; '.join(errors)}); {HELP}")


def resolve_checkpoint(path: str | Path, backend: str | None = None) -> Resolved:
    """A checkpoint file (must load), or the newest loadable checkpoint of a run or experiment folder."""
    path = Path(path).absolute()
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist; {HELP}")
    if path.is_file():
        try:
            state = read_checkpoint(path, backend)
        except CheckpointError as error:
            raise CheckpointError(f"{path}: {error}; {HELP}") from None
        found = backend or state_backend(state)
        return Resolved(path, found, iterations_of(state, found), state)
    if detect_backend(path) is not None:
        return newest_in_run(path, backend)
    return newest_in_experiment(path, backend)


# -- the small API scripts/train.py and scripts/evaluate.py use ------------------------------------------
def resolve(path: str | Path, backend: str) -> Path:
    """The checkpoint file ``path`` names (a file, or the newest loadable checkpoint of a folder); prints the
    skipped files. :class:`CheckpointError` (a FileNotFoundError) when there is none."""
    found = resolve_checkpoint(path, backend)
    print("\n".join(found.report()))
    return found.path


def latest_in_experiment(root: Path, backend: str) -> Path | None:
    """The newest loadable checkpoint over every run of an experiment, or None when there is no checkpoint file;
    prints the skipped files. :class:`CheckpointError` (with every file's reason) when files exist but none loads."""
    try:
        found = newest_in_experiment(root, backend)
    except NoCheckpointFiles:
        return None
    print("\n".join(found.report()))
    return found.path


def completed_iterations(checkpoint: Path, backend: str) -> int:
    """How many training iterations the checkpoint has completed (the next one to run has this index)."""
    return iterations_of(read_checkpoint(checkpoint, backend), backend)
