#!/usr/bin/env python3
"""The machine a GPU proof ran on, and whether its NVIDIA driver can run this torch (bench/gpu_proof.sh).

Writes OUT/system.json (torch, its CUDA, cuDNN, Warp, Newton, MuJoCo-Warp, Isaac Lab versions, the GPUs torch sees,
the driver) and OUT/nvidia-smi.txt (``nvidia-smi``'s own report). With ``--require_cuda`` it exits 1 with what to
do when the driver is missing, older than this torch's CUDA needs, or CUDA is otherwise unusable.

  python bench/gpu_system.py --out OUT_DIR [--require_cuda]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import platform
import shutil
import subprocess
import sys
from pathlib import Path

MIN_DRIVER_FOR_CUDA = {13: 580, 12: 525, 11: 450}
"""Oldest Linux NVIDIA driver (major version) per CUDA major version (NVIDIA's minor-version compatibility table:
CUDA 13.x needs >= 580, 12.x >= 525, 11.x >= 450)."""

PACKAGES = ("torch", "warp-lang", "newton", "mujoco-warp", "mujoco", "isaaclab", "rsl-rl-lib", "rl-games")


def nvidia_smi(*args: str) -> str | None:
    """``nvidia-smi args`` output, or None when there is no nvidia-smi or it fails (no driver loaded)."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, *args], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def driver_version() -> str | None:
    out = nvidia_smi("--query-gpu=driver_version", "--format=csv,noheader")
    lines = [line.strip() for line in (out or "").splitlines() if line.strip()]
    return lines[0] if lines else None


def driver_problem(driver: str | None, torch_version: str, torch_cuda: str | None) -> str | None:
    """Why this driver cannot run this torch's CUDA, naming the fix; None when it can (or torch has no CUDA)."""
    if torch_cuda is None:
        return f"torch {torch_version} was built without CUDA: install a CUDA build (scripts/setup.sh) or use --dry-run"
    cuda_major = int(torch_cuda.split(".")[0])
    need = MIN_DRIVER_FOR_CUDA.get(cuda_major, max(MIN_DRIVER_FOR_CUDA.values()))
    if driver is None:
        return (
            f"no NVIDIA driver found (nvidia-smi missing or failing): torch {torch_version} is built for CUDA "
            f"{torch_cuda} and needs driver >= {need}; install it (e.g. nvidia-driver-{need}), or run --dry-run "
            "on the CPU"
        )
    try:
        major = int(driver.split(".")[0])
    except ValueError:
        return f"unreadable NVIDIA driver version {driver!r} from nvidia-smi"
    if major < need:
        return (
            f"NVIDIA driver {driver} is too old for torch {torch_version} (CUDA {torch_cuda}): it needs driver "
            f">= {need}; upgrade the driver, or install a torch built for an older CUDA"
        )
    return None


def versions() -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True, help="folder for system.json and nvidia-smi.txt")
    parser.add_argument("--require_cuda", action="store_true", help="exit 1 unless CUDA works with this driver")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    smi = nvidia_smi()
    (out / "nvidia-smi.txt").write_text(smi if smi is not None else "nvidia-smi: not found or failed\n")
    driver = driver_version()

    import torch

    problem = driver_problem(driver, torch.__version__, torch.version.cuda)
    available = torch.cuda.is_available()
    record = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions(),
        "torch_cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version() if torch.backends.cudnn.is_available() else None,
        "driver": driver,
        "driver_problem": problem,
        "cuda_available": available,
        "gpus": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if available else [],
    }
    (out / "system.json").write_text(json.dumps(record, indent=2) + "\n")
    print(
        f"torch {torch.__version__} (CUDA {torch.version.cuda}), driver {driver or 'none'}, "
        f"GPUs: {', '.join(record['gpus']) or 'none'}"
    )
    if not args.require_cuda:
        return 0
    if problem is None and not available:
        problem = (
            f"torch {torch.__version__} sees no CUDA device although driver {driver} is loaded: check "
            "CUDA_VISIBLE_DEVICES and `nvidia-smi`, or run --dry-run on the CPU"
        )
    if problem is not None:
        print(f"error: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
