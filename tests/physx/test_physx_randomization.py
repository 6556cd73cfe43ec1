"""``presets=physx,randomized`` and ``physx,adr`` build, step and randomize on OvPhysX (CPU): each physics term's
values, read back from the PhysX simulation, differ per env and lie in their range (the paper's fixed one, or the
ADR bounds); the terms PhysX cannot represent (per-env gravity, the object size) are dropped with one warning line
each, and Newton's solver-overflow counter is not there. Each preset runs in a process of its own
(tests/physx/randomization_checks.py; OvPhysX holds per-process state), both at once."""

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.scripts import script_env

pytestmark = pytest.mark.sim

CHECKS = Path(__file__).with_name("randomization_checks.py")
PRESETS = ("randomized", "adr")
RANGED_TERMS = (
    "object_mass",
    "hand_mass",
    "object_friction",
    "hand_friction",
    "actuator_gains",
    "joint_damping",
    "tendon_gains",
)
"""Terms whose values (ratios to their defaults) are checked against their range."""


@pytest.fixture(scope="module")
def runs():
    """``{preset: (result, stderr)}``: both presets measured in parallel subprocesses."""
    procs = {
        p: subprocess.Popen(
            [sys.executable, str(CHECKS), p],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=script_env(),
        )
        for p in PRESETS
    }
    out = {}
    for preset, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stdout[-3000:] + stderr[-3000:]
        out[preset] = (json.loads(stdout.strip().splitlines()[-1]), stderr)
    return out


@pytest.mark.parametrize("preset", PRESETS)
def test_it_builds_and_steps_on_ovphysx_without_the_newton_only_terms(runs, preset):
    result, stderr = runs[preset]
    assert result["physics"] == "OvPhysxCfg" and result["obs_finite"]
    assert {"physics", "physics_cohort", *RANGED_TERMS, "joint_limits"} <= set(result["terms"])
    assert not {"gravity", "object_size", "solver_overflow"} & set(result["terms"])
    warnings = [line for line in stderr.splitlines() if line.startswith("warning: presets=physx")]
    assert len(warnings) == 2 and all("'On PhysX'" in line for line in warnings), warnings
    assert any("gravity dropped" in w for w in warnings) and any("object_size dropped" in w for w in warnings)
    if preset == "adr":  # their ADR parameters go too: nothing would read them
        assert all("ADR parameter" in w for w in warnings)


@pytest.mark.parametrize("preset", PRESETS)
@pytest.mark.parametrize("term", RANGED_TERMS)
def test_values_read_back_from_physx_differ_per_env_and_lie_in_range(runs, preset, term):
    result, _ = runs[preset]
    values, _ = result[term]
    low, high = result["ranges"][term]
    flat = [v for env in values for v in env]
    assert all(low - 1e-4 <= v <= high + 1e-4 for v in flat), (term, low, high, flat)
    per_env = {tuple(round(v, 5) for v in env) for env in values}
    assert len(per_env) > 1, (term, values)  # drawn per env, not one value for all
    assert any(not math.isclose(v, 1.0, abs_tol=1e-3) for v in flat)  # randomized, not the defaults


@pytest.mark.parametrize("preset", PRESETS)
def test_physx_holds_what_isaac_lab_wrote(runs, preset):
    result, _ = runs[preset]
    for key in ("hand_mass_physx_matches", "stiffness_physx_matches", "damping_physx_matches", "limits_physx_match"):
        assert result[key], key
    assert result["object_friction_dynamic_follows"] and result["hand_friction_dynamic_follows"]


@pytest.mark.parametrize("preset", PRESETS)
def test_joint_limits_get_offsets_per_env(runs, preset):
    offsets = [v for env in runs[preset][0]["joint_limit_offsets_rad"] for v in env]
    assert any(abs(v) > 1e-3 for v in offsets)
    assert max(abs(v) for v in offsets) < 1.0  # N(0, 0.15^2) rad (ADR: std <= 0.1), narrow pairs re-centred
