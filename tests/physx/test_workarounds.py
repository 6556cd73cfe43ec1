"""The OvPhysX workarounds (tasks/reorient/backends/ovphysx_workarounds.py): each still needed here, each enough,
each checked against the installed versions. No simulation is built (tests/physx/test_physx_hand.py does)."""

import os
import subprocess
import sys

import pytest

from dactyl_lab.tasks.reorient.backends import ovphysx_workarounds as workarounds

PINNED_PROBE = """
import warp as wp
from dactyl_lab.tasks.reorient.backends import ovphysx_workarounds as w
try:
    wp.zeros(4, dtype=wp.int32, device="cpu", pinned=True)
    print("before: ok")
except RuntimeError:
    print("before: fails")
print("applied:", w.allow_pinned_host_memory())
print("after:", wp.zeros(4, dtype=wp.int32, device="cpu", pinned=True).numpy().tolist())
"""


def test_installed_versions_are_the_checked_ones():
    """An upgrade of Isaac Lab, ovphysx or Warp fails here: re-run tests/physx, drop what is fixed, update the pins."""
    assert workarounds.version_mismatches() == {}


def test_pinned_host_memory_fails_without_cuda_and_works_with_the_workaround():
    import warp as wp

    if wp.is_cuda_available():
        pytest.skip("a CUDA driver pins host memory itself: the workaround is not applied there")
    out = subprocess.run([sys.executable, "-c", PINNED_PROBE], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "before: fails" in out.stdout  # the upstream bug, still here (else drop the workaround)
    assert "applied: True" in out.stdout and "after: [0, 0, 0, 0]" in out.stdout


def test_our_hand_needs_the_tendon_order_and_gets_the_buffers_order():
    """isaaclab_ov names tendons breadth-first (LF's root is one level deeper): FF, MF, RF, LF; PhysX's buffers
    follow the root joints' prim paths: FF, LF, MF, RF (tests/physx/test_physx_hand.py moves each finger by name)."""
    from pxr import Usd, UsdPhysics

    from isaaclab.sim.utils.queries import get_all_matching_child_prims

    from dactyl_lab.assets.physx_hand import physx_hand_asset

    stage = Usd.Stage.Open(str(physx_hand_asset(verbose=False).usd_path))
    root = next(p for p in stage.Traverse() if p.HasAPI(UsdPhysics.ArticulationRootAPI)).GetPath().pathString
    upstream = []  # isaaclab_ov's walk (Articulation._process_tendons)
    for prim in get_all_matching_child_prims(root, predicate=lambda p: p.IsA(UsdPhysics.Joint), stage=stage):
        schemas = workarounds.applied_schema_names(prim)
        upstream += [s.split(":", 1)[1] for s in schemas if s.startswith("PhysxTendonAxisRootAPI:")]
    assert upstream == ["rh_FFJ0", "rh_MFJ0", "rh_RFJ0", "rh_LFJ0"]
    paths = workarounds.fixed_tendon_root_paths(stage, root)
    assert workarounds.tendon_names_in_root_path_order(upstream, paths) == ["rh_FFJ0", "rh_LFJ0", "rh_MFJ0", "rh_RFJ0"]
    assert workarounds.tendon_names_in_root_path_order(["x", *upstream[1:]], paths) == ["x", *upstream[1:]]


def test_worker_threads_follow_the_cpus_this_process_may_use(monkeypatch):
    monkeypatch.delenv(workarounds.THREADS_ENV, raising=False)
    assert workarounds.worker_threads() == len(os.sched_getaffinity(0))
    assert workarounds.worker_threads(3) == 3
    monkeypatch.setenv(workarounds.THREADS_ENV, "5")
    assert workarounds.worker_threads() == 5
    assert workarounds.worker_threads(2) == 2  # the config option wins over the variable
    monkeypatch.setenv(workarounds.THREADS_ENV, "many")
    with pytest.raises(ValueError, match="whole number"):
        workarounds.worker_threads()
    with pytest.raises(ValueError, match="at least 1"):
        workarounds.worker_threads(0)
