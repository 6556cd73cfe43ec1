"""Generate the offline assets (rewritten MJCF -> USD) into a cache keyed by a hash of their inputs.

Isaac Lab's own Shadow hand, cube and marker USDs live on a cloud host that our users' clusters and
our CI often cannot reach. Everything here comes from installed packages: the hand MJCF and meshes
from gymnasium-robotics, converted with mujoco-usd-converter. The first use builds the assets (a few
seconds: docs/performance.md, Asset build); later uses find them in the cache. ``dactyl-lab assets build --force``
rebuilds them.

Cache folder: ``$DACTYL_LAB_CACHE`` or ``~/.cache/dactyl_lab``, one sub-folder per input hash.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from dactyl_lab.assets import shadow_mjcf


@dataclass(frozen=True)
class HandAsset:
    """Paths of one generated hand asset."""

    folder: Path
    mjcf_path: Path
    usd_path: Path
    fingerprint: str
    build_seconds: float | None = None
    """Time the build took [s], or None when the asset came from the cache."""


def cache_root() -> Path:
    """Root of the asset cache."""
    return Path(os.environ.get("DACTYL_LAB_CACHE", Path.home() / ".cache" / "dactyl_lab"))


def hand_asset(force: bool = False, verbose: bool = True) -> HandAsset:
    """The Shadow hand USD, built on first use and cached by the hash of its inputs.

    Args:
        force: rebuild even when a cached asset with the same hash exists.
        verbose: print what is being built (the first build takes seconds; users should see why).
    """
    fingerprint = shadow_mjcf.source_fingerprint()
    folder = cache_root() / f"shadow_hand-{fingerprint}"
    mjcf_path = folder / "shadow_hand.xml"
    manifest = folder / "manifest.json"
    if not force and manifest.is_file():
        usd_path = folder / json.loads(manifest.read_text())["usd"]
        if usd_path.is_file():
            return HandAsset(folder, mjcf_path, usd_path, fingerprint)

    start = time.perf_counter()
    if verbose:
        print(f"[dactyl-lab] building the Shadow hand asset into {folder} ...", flush=True)
    staging = folder.with_name(folder.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    shadow_mjcf.write_hand_mjcf(staging / "shadow_hand.xml")
    usd_path = _convert_to_usd(staging / "shadow_hand.xml", staging / "usd")
    (staging / "manifest.json").write_text(
        json.dumps({"fingerprint": fingerprint, "usd": str(usd_path.relative_to(staging))}, indent=2)
    )
    # move into place only once complete: an interrupted build never leaves a half asset behind
    shutil.rmtree(folder, ignore_errors=True)
    staging.rename(folder)
    seconds = time.perf_counter() - start
    if verbose:
        print(f"[dactyl-lab] Shadow hand asset built in {seconds:.1f} s", flush=True)
    return HandAsset(folder, mjcf_path, folder / usd_path.relative_to(staging), fingerprint, seconds)


def _convert_to_usd(mjcf_path: Path, out_dir: Path) -> Path:
    """MJCF -> USD with mujoco-usd-converter; returns the top-level USD file."""
    try:
        import mujoco_usd_converter
    except ImportError as error:  # pragma: no cover - depends on the install
        raise ImportError(
            "building the hand USD needs mujoco-usd-converter: pip install 'dactyl-lab[train]'"
        ) from error
    asset = mujoco_usd_converter.Converter().convert(str(mjcf_path), str(out_dir))
    return Path(asset.path)
