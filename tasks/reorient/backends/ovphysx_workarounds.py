"""Workarounds for Isaac Lab 3.0.0's OvPhysX backend (``isaaclab_ov``), each applied only where needed.

Upstream bugs, as reproducible descriptions (docs/parity.md, "PhysX (OvPhysX, CPU)", has the same list):

1. **Pinned host memory without CUDA.** ``isaaclab_ov``'s articulation, rigid object and sensors allocate their host
   staging buffers with ``pinned=True`` unconditionally; Warp's CPU pinned allocator calls ``cudaMallocHost``, which
   fails on a machine without a CUDA driver: ``RuntimeError: Failed to allocate 16 bytes on device 'cpu'`` when the
   first articulation initializes (``articulation_data.py`` already guards its own with ``device != "cpu"``).
   Reproduce: ``wp.zeros(4, device="cpu", pinned=True)`` on a CPU-only machine. Workaround
   (:func:`allow_pinned_host_memory`): when CUDA is unavailable and a pinned allocation fails, Warp's CPU device gets
   its default (pageable) allocator as its pinned allocator; without CUDA there is no transfer to pin memory for.
2. **Fixed-tendon order.** ``Articulation._process_tendons`` names fixed tendons by a breadth-first walk of the
   articulation's joint prims, while the tendon buffers follow PhysX's own order (the root joints' prim paths in
   depth-first order). On our hand the little finger's tendon root sits one level deeper (under ``rh_lfmetacarpal``),
   so the names come out FF, MF, RF, LF against the buffers' FF, LF, MF, RF, and a command for ``rh_MFJ0`` moves the
   little finger. Reproduce: any articulation whose fixed-tendon roots sit at different depths; command one tendon by
   name and watch which joints move. Workaround (:func:`sort_fixed_tendons_by_root_path`): after the articulation
   reads its tendons, their names are re-sorted by their root joint's prim path.
3. **Worker threads.** ``OvPhysxBackend`` creates PhysX with ``num_threads=8`` whatever the machine: on our 2-core CI
   that oversubscribes the CPU. :func:`use_worker_threads` makes it use :func:`worker_threads` (the CPUs this process
   may run on, or an explicit count).

Each is checked against :data:`CHECKED_AGAINST`: another installed version warns once, naming what to re-check
(``tests/physx`` fails when a workaround is no longer needed or no longer enough).
"""

from __future__ import annotations

import functools
import importlib.metadata
import os
import warnings

CHECKED_AGAINST: dict[str, str] = {"isaaclab": "3.0.0", "ovphysx": "0.6.4.72118723", "warp-lang": "1.17.0"}
"""Package versions the workarounds were written and tested against."""

THREADS_ENV = "DACTYL_LAB_PHYSX_THREADS"
"""Environment variable with the number of PhysX worker threads (default: the CPUs this process may use)."""

_PATCHED_MARK = "_dactyl_lab_workaround"


def version_mismatches() -> dict[str, tuple[str, str | None]]:
    """``{package: (checked, installed)}`` for every package of :data:`CHECKED_AGAINST` at another version."""
    out = {}
    for package, checked in CHECKED_AGAINST.items():
        try:
            installed = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            installed = None
        if installed != checked:
            out[package] = (checked, installed)
    return out


@functools.cache
def warn_on_other_versions() -> None:
    """Warn once when the installed versions differ from :data:`CHECKED_AGAINST`."""
    mismatches = version_mismatches()
    if mismatches:
        found = ", ".join(f"{p} {inst} (checked: {chk})" for p, (chk, inst) in mismatches.items())
        warnings.warn(
            f"dactyl_lab's OvPhysX workarounds were checked against other versions: {found}. Run tests/physx and "
            f"update tasks/reorient/backends/ovphysx_workarounds.CHECKED_AGAINST (drop a workaround no longer needed).",
            stacklevel=2,
        )


def apply(num_threads: int | None = None) -> list[str]:
    """Apply every workaround this machine and these versions need (idempotent); returns the names applied now or
    before. ``num_threads``: PhysX worker threads (None: :func:`worker_threads`)."""
    warn_on_other_versions()
    applied = []
    if allow_pinned_host_memory():
        applied.append("pinned_host_memory")
    if sort_fixed_tendons_by_root_path():
        applied.append("fixed_tendon_order")
    if use_worker_threads(num_threads):
        applied.append("worker_threads")
    return applied


# --- 1. pinned host memory -------------------------------------------------------------------------------------


def pinned_host_memory_fails() -> bool:
    """True when Warp cannot allocate pinned host memory here (no CUDA driver)."""
    import warp as wp

    if wp.is_cuda_available():
        return False
    cpu = wp.get_device("cpu")
    if cpu.pinned_allocator is cpu.default_allocator:
        return False  # already worked around
    try:
        wp.empty(1, dtype=wp.int32, device="cpu", pinned=True)
    except RuntimeError:
        return True
    return False


def allow_pinned_host_memory() -> bool:
    """Without CUDA, let ``pinned=True`` host arrays use Warp's default CPU allocator. True when in force."""
    import warp as wp

    cpu = wp.get_device("cpu")
    if pinned_host_memory_fails():
        cpu.pinned_allocator = cpu.default_allocator
    return not wp.is_cuda_available() and cpu.pinned_allocator is cpu.default_allocator


# --- 2. fixed-tendon order -------------------------------------------------------------------------------------


def fixed_tendon_root_paths(stage, articulation_root_path: str) -> dict[str, str]:
    """``{tendon instance name: prim path of its root joint}`` for the fixed tendons under the articulation."""
    from pxr import Usd

    out = {}
    for prim in Usd.PrimRange(stage.GetPrimAtPath(articulation_root_path)):
        for schema in applied_schema_names(prim):
            if schema.startswith("PhysxTendonAxisRootAPI:"):
                out[schema.removeprefix("PhysxTendonAxisRootAPI:")] = prim.GetPath().pathString
    return out


def applied_schema_names(prim) -> list[str]:
    """Every API schema applied to ``prim``, registered or not (PhysX's are codeless outside Kit)."""
    schemas = list(prim.GetAppliedSchemas())
    listop = prim.GetMetadata("apiSchemas")
    if listop is not None:
        for field in ("prependedItems", "appendedItems", "explicitItems"):
            schemas.extend(str(item) for item in (getattr(listop, field, None) or ()))
    return list(dict.fromkeys(schemas))


def tendon_names_in_root_path_order(names: list[str], root_paths: dict[str, str]) -> list[str]:
    """``names`` sorted by their root joint's prim path (PhysX's tendon order); unchanged when a name is unknown."""
    if set(names) != set(root_paths) or len(names) != len(root_paths):
        return list(names)
    return sorted(names, key=lambda name: root_paths[name])


def _reorder_tendon_names(articulation) -> None:
    from pxr import Sdf, Usd

    from isaaclab_ov.physics.ovphysx_manager import OvPhysxManager

    names = list(articulation.fixed_tendon_names)
    usda = OvPhysxManager._stage_usda
    root = getattr(articulation, "_articulation_root_path", None)
    if len(names) < 2 or usda is None or root is None:
        return
    layer = Sdf.Layer.CreateAnonymous("dactyl_lab_tendons.usda")
    if not layer.ImportFromString(usda):
        return
    ordered = tendon_names_in_root_path_order(names, fixed_tendon_root_paths(Usd.Stage.Open(layer), root))
    if ordered != names:
        articulation._fixed_tendon_names = ordered  # the workaround: the list the tendon finders read


def sort_fixed_tendons_by_root_path() -> bool:
    """Wrap ``isaaclab_ov``'s ``Articulation._process_tendons`` so fixed-tendon names follow the buffers' order."""
    from isaaclab_ov.assets.articulation.articulation import Articulation

    original = Articulation._process_tendons
    if getattr(original, _PATCHED_MARK, False):
        return True

    @functools.wraps(original)
    def process_tendons(self) -> None:
        original(self)
        _reorder_tendon_names(self)

    setattr(process_tendons, _PATCHED_MARK, True)
    Articulation._process_tendons = process_tendons
    return True


# --- 3. worker threads -----------------------------------------------------------------------------------------


def worker_threads(requested: int | None = None) -> int:
    """PhysX worker threads: ``requested``, else $DACTYL_LAB_PHYSX_THREADS, else the CPUs this process may use."""
    if requested is None and os.environ.get(THREADS_ENV):
        try:
            requested = int(os.environ[THREADS_ENV])
        except ValueError:
            raise ValueError(f"${THREADS_ENV}={os.environ[THREADS_ENV]!r}: give a whole number of threads") from None
    if requested is None:
        affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else range(os.cpu_count() or 1)
        return max(1, len(affinity))
    if requested < 1:
        raise ValueError(f"PhysX worker threads: {requested}; give at least 1 (${THREADS_ENV} or env.physx_threads)")
    return int(requested)


def use_worker_threads(num_threads: int | None = None) -> bool:
    """Make ``OvPhysxBackend`` create PhysX with :func:`worker_threads` threads instead of its fixed 8."""
    from isaaclab_ov.physics import ovphysx_manager

    threads = worker_threads(num_threads)
    current = ovphysx_manager.OvPhysxBackend.__init__
    original = getattr(current, "__wrapped__", current)

    @functools.wraps(original)
    def init(self, cfg) -> None:
        import ovphysx

        config_cls = ovphysx.PhysXConfig
        ovphysx.PhysXConfig = functools.partial(_config_with_threads, config_cls, threads)
        try:
            original(self, cfg)
        finally:
            ovphysx.PhysXConfig = config_cls

    setattr(init, _PATCHED_MARK, threads)
    ovphysx_manager.OvPhysxBackend.__init__ = init
    return True


def _config_with_threads(config_cls, threads: int, **kwargs):
    kwargs["num_threads"] = threads
    return config_cls(**kwargs)


def configured_worker_threads() -> int | None:
    """The thread count the patched ``OvPhysxBackend`` uses (None: not patched)."""
    from isaaclab_ov.physics import ovphysx_manager

    return getattr(ovphysx_manager.OvPhysxBackend.__init__, _PATCHED_MARK, None)
