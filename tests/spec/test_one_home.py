"""``dactyl_lab.spec`` is the one home of the task's numbers: torch-free, and no copy of them elsewhere.

The "one home" check reads the values of :data:`WATCHED` from the spec and scans the package's Python sources
(``extension/`` except ``spec/``, ``tasks/``, ``agents/``, ``assets/``) with :mod:`ast` for numeric literals equal
to one of them, in code only (docstrings are strings, comments are not in the tree). A hit fails with
``file:line`` and the spec constant to import instead.

Which values are watched: the spec's distinctive numbers (timing, success, drop, scene, solver capacities, the
paper's randomization ranges and noise stds, the safety defaults). A value that is also an everyday number (0.1,
0.2, 0.3, 0.5, 1.5, 3.0, 25, ...) is watched only in the folders that would repeat it (the runtime, the contract and
the randomization configs), not in, say, a plot's layout. Not watched at all: 0, 1 and 1.0, small counts (10, 20,
50, 64, 100: iterations, successes, steps), 8.0 (the goal timeout, and a common float), 0.06 (a cube-home
coordinate), 0.01 (the start height) and 1e-6 (the solver tolerance, also everyone's epsilon). An int literal never
matches a float of the spec (an index 3 is no damping scale 3.0). Drawing code (:data:`DRAWING`) is not scanned.
"""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

import dactyl_lab.spec as spec_package
from dactyl_lab.spec import action_law, noise, ppo, randomization, safety, task

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ("extension", "tasks", "agents", "assets")
SPEC_DIR = ROOT / "extension" / "spec"
DRAWING = ("extension/render/", "extension/training/report.py")
"""Drawing code (colours, camera, figure layout): full of 0.25s and 0.4s that are no task numbers; not scanned."""

EVERYWHERE = None
RANDOMIZATION_AND_RUNTIME = ("extension/runtime/", "extension/contract/", "tasks/randomization/", "tasks/reorient/")

WATCHED: tuple[tuple[object, str, tuple[str, ...] | None], ...] = (
    (task, "PHYSICS_DT_S", EVERYWHERE),
    (task, "SUCCESS_THRESHOLD_RAD", EVERYWHERE),
    (task, "DROP_DISTANCE_M", EVERYWHERE),
    (task, "EVAL_GOAL_TIMEOUT_S", EVERYWHERE),
    (task, "HAND_BASE_POS_M", RANDOMIZATION_AND_RUNTIME),
    (task, "CUBE_EDGE_M", RANDOMIZATION_AND_RUNTIME),
    (action_law, "PAPER_CONTROL_PERIOD_S", EVERYWHERE),
    (action_law, "PAPER_SMOOTHING_PREVIOUS_WEIGHT", RANDOMIZATION_AND_RUNTIME),
    (noise, "FINGERTIP_POS_STD_M", RANDOMIZATION_AND_RUNTIME),
    (noise, "OBJECT_POS_STD_M", RANDOMIZATION_AND_RUNTIME),
    (noise, "OBJECT_ROT_STD_RAD", RANDOMIZATION_AND_RUNTIME),
    (noise, "FINGERTIP_MARKER_MISPLACEMENT_STD_M", EVERYWHERE),
    (noise, "MARKER_DROPOUT_RATE_PER_S", RANDOMIZATION_AND_RUNTIME),
    (noise, "MARKER_OCCLUSION_DISTANCE_M", RANDOMIZATION_AND_RUNTIME),
    (noise, "ACTION_UNCORRELATED_FRAC", RANDOMIZATION_AND_RUNTIME),
    (noise, "ACTION_CORRELATED_FRAC", EVERYWHERE),
    (randomization, "OBJECT_SCALE_RANGE", EVERYWHERE),
    (randomization, "MASS_SCALE_RANGE", RANDOMIZATION_AND_RUNTIME),
    (randomization, "FRICTION_SCALE_RANGE", EVERYWHERE),
    (randomization, "JOINT_DAMPING_SCALE_RANGE", RANDOMIZATION_AND_RUNTIME),
    (randomization, "ACTUATOR_GAIN_SCALE_RANGE", RANDOMIZATION_AND_RUNTIME),
    (randomization, "JOINT_LIMIT_OFFSET_STD_RAD", EVERYWHERE),
    (randomization, "GRAVITY_OFFSET_STD_MPS2", EVERYWHERE),
    (randomization, "ACTION_DELAY_PROBABILITY", RANDOMIZATION_AND_RUNTIME),
    (randomization, "BACKLASH_STD", RANDOMIZATION_AND_RUNTIME),
    (randomization, "OBJECT_FORCE_PROBABILITY_RANGE", RANDOMIZATION_AND_RUNTIME),
    (randomization, "OBJECT_FORCE_DECAY", EVERYWHERE),
    (randomization, "TIMING_RATE_RANGE_PER_S", EVERYWHERE),
    (safety, "RAMP_STEP_RAD", RANDOMIZATION_AND_RUNTIME),
    (safety, "POSE_STALE_S", EVERYWHERE),
    (safety, "JOINTS_STALE_S", RANDOMIZATION_AND_RUNTIME),
    (safety, "SAFE_MOVE_STEPS", RANDOMIZATION_AND_RUNTIME),
    (ppo, "GAMMA", EVERYWHERE),
    (ppo, "GAE_LAMBDA", ("agents/",)),
    (ppo, "ADAM_LEARNING_RATE", ("agents/",)),
)
"""(spec module, constant, folders to scan (None: the whole package)). Tuples are watched element by element."""

NOT_WATCHED = {0.0, 1.0}
"""Elements of watched tuples that are everyone's numbers (a range's 0 or 1, a position's 0)."""

ALLOWED: dict[tuple[str, float], str] = {
    ("tasks/reorient/physics_presets_cfg.py", 0.2): "PhysX bounce threshold [m/s], Isaac Lab's stock Shadow setting",
    ("tasks/randomization/presets.py", 0.002): "ADR step sizes and hard limits (presets=adr), not the paper's values",
    ("tasks/randomization/presets.py", 0.008): "ADR hard limit of the fingertip noise (4x the paper's 2 mm)",
    ("tasks/randomization/presets.py", 0.4): "ADR hard limits of the orientation noise",
    ("tasks/randomization/presets.py", 0.01): "ADR step sizes",
    ("tasks/randomization/presets.py", 0.05): "ADR step size of the damping scale",
    ("tasks/randomization/presets.py", 0.005): "ADR step size of the action noise",
    ("tasks/randomization/presets.py", 0.2): "ADR hard limits (mass scale, action noise)",
    ("tasks/randomization/presets.py", 0.3): "ADR hard limits (friction, joint-limit std)",
    ("tasks/randomization/presets.py", 3.0): "ADR hard limit of the mass scale",
    ("tasks/randomization/presets.py", 0.5): "ADR hard limit of the gain scale (log 0.5)",
    ("tasks/randomization/presets.py", 0.1): "ADR hard limit of the damping scale (log 0.1)",
    ("assets/scene.py", 0.25): "a colour of the ground",
    ("assets/shadow_mjcf.py", 0.15): "gymnasium-robotics' mount height, from which the cube home is derived",
    ("tasks/reorient/mdp/commands.py", 0.05): "where the goal marker is drawn [m]",
    ("tasks/reorient/mdp/commands.py", 0.12): "where the goal marker is drawn [m]",
    ("tasks/reorient/mdp/randomization_terms.py", 0.05): "the narrowest joint range a randomized limit leaves [rad]",
    ("tasks/reorient/mdp/curriculum.py", 0.15): "the goal curriculum's step [rad]",
    ("tasks/reorient/mdp/curriculum.py", 0.2): "the goal curriculum's lower success fraction",
    ("tasks/reorient/mdp/curriculum.py", 0.5): "the goal curriculum's thresholds",
    ("tasks/reorient/env_cfg.py", 0.1): "the critic's joint-velocity observation scale",
    ("tasks/reorient/env_cfg.py", 0.2): "the critic's object-velocity observation scale",
    ("tasks/reorient/env_cfg.py", 0.75): "a viewer/scene setting and the start-state bank's refreshed share",
    ("tasks/reorient/mdp/start_states.py", 0.1): "the start-state bank's joint-position noise",
    ("tasks/reorient/mdp/start_states.py", 0.005): "where a start round places the cube around home [m]",
    ("tasks/reorient/mdp/start_states.py", 0.75): "the start-state bank's refreshed share, not a gain scale",
    ("tasks/randomization/adr.py", 0.5): "ADR's own arithmetic (a half)",
    ("tasks/randomization/observation_noise.py", 0.5): "rounding to whole control steps",
    ("tasks/reorient/mdp/randomization_terms.py", 0.5): "arithmetic (a half)",
    ("extension/runtime/quat.py", 0.5): "quaternion arithmetic (a half)",
    ("extension/runtime/backends/ros_shadow.py", 0.3): "the soft stop's max_force_factor",
    ("extension/runtime/backends/ros_shadow.py", 0.2): "a ROS timing constant, not the step limit",
    ("extension/runtime/backends/ros_standin_node.py", 0.1): "the node's re-anchoring threshold [s]",
    ("extension/runtime/cli_backends.py", 0.3): "the soft stop's max_force_factor default",
}
"""(file, value) -> why a literal with a watched value there is not a copy of the spec's number."""


def _values(module, name: str) -> list[int | float]:
    value = getattr(module, name)
    items = value if isinstance(value, tuple) else (value,)
    return [v for v in items if float(v) not in NOT_WATCHED]


def _same_number(literal: int | float, target: int | float) -> bool:
    """A float of the spec matches float literals only (an index 3 is no damping scale 3.0); an int matches both."""
    if isinstance(literal, int) and isinstance(target, float):
        return False
    return math.isclose(literal, target, rel_tol=1e-12)


def _numeric_literals(tree: ast.AST):
    """(line, value) of every int/float literal in code; ``-x`` counts as the negative literal."""
    negated = {
        id(n.operand)
        for n in ast.walk(tree)
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub) and isinstance(n.operand, ast.Constant)
    }
    for n in ast.walk(tree):
        if isinstance(n, ast.Constant) and type(n.value) in (int, float):
            yield n.lineno, (-n.value if id(n) in negated else n.value)


def _sources():
    for folder in SCANNED:
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if SPEC_DIR not in path.parents and not rel.startswith(DRAWING):
                yield rel, path


def _copies(watched=WATCHED, allowed=ALLOWED) -> list[str]:
    targets = [
        (v, f"dactyl_lab.spec.{module.__name__.rsplit('.', 1)[1]}.{name}", scope)
        for module, name, scope in watched
        for v in _values(module, name)
    ]
    found = []
    for rel, path in _sources():
        for line, value in sorted(set(_numeric_literals(ast.parse(path.read_text(), filename=rel)))):
            constants = sorted(
                {
                    constant
                    for target, constant, scope in targets
                    if (scope is None or rel.startswith(scope))
                    and _same_number(value, target)
                    and (rel, target) not in allowed
                }
            )
            if constants:
                found.append(f"{rel}:{line}: literal {value!r}; import {' or '.join(constants)} instead")
    return found


def test_every_watched_constant_has_a_watched_value():
    for module, name, _ in WATCHED:
        assert _values(module, name), f"{module.__name__}.{name} has no watched value; drop it from WATCHED"


def test_no_number_of_the_spec_is_written_as_a_literal_elsewhere_in_the_package():
    copies = _copies()
    assert not copies, "numbers of dactyl_lab.spec copied as literals (import them from the spec):\n" + "\n".join(
        copies
    )


def test_the_check_finds_a_copy(tmp_path, monkeypatch):
    """The scan is not vacuous: a literal 0.005 / 0.001 in a scanned file is reported with the constant to use."""
    fake = tmp_path / "extension" / "runtime"
    fake.mkdir(parents=True)
    (fake / "copy.py").write_text('"""0.005 in a docstring is fine."""\nPOS_NOISE_M = (0.005, 0.001)  # 0.25\n')
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    monkeypatch.setattr(sys.modules[__name__], "SPEC_DIR", tmp_path / "extension" / "spec")
    copies = _copies()
    assert any(c.startswith("extension/runtime/copy.py:2: literal 0.005; import") for c in copies), copies
    assert any("dactyl_lab.spec.noise.OBJECT_POS_STD_M" in c for c in copies), copies
    assert not any("0.25" in c for c in copies), "a comment is not code"
    assert all(":1:" not in c for c in copies), "a docstring is not code"


def test_the_spec_imports_nothing_but_itself_and_the_standard_library():
    code = (
        "import sys\n"
        "before = set(sys.modules)\n"
        "import dactyl_lab.spec, dactyl_lab.spec.hand, dactyl_lab.spec.task, dactyl_lab.spec.action_law\n"
        "import dactyl_lab.spec.solver, dactyl_lab.spec.randomization, dactyl_lab.spec.noise, dactyl_lab.spec.safety\n"
        "new = sorted(set(sys.modules) - before)\n"
        "print('\\n'.join(new))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    third_party = [m for m in out if m.split(".")[0] in ("torch", "numpy", "isaaclab", "warp", "msgspec", "mujoco")]
    ours = [m for m in out if m.startswith("dactyl_lab.") and not m.startswith("dactyl_lab.spec")]
    assert not third_party and not ours, f"dactyl_lab.spec must stay pure Python; it imported {third_party + ours}"
    stdlib = set(sys.stdlib_module_names)
    foreign = [m for m in out if m.split(".")[0] not in stdlib | {"dactyl_lab"}]
    assert not foreign, f"dactyl_lab.spec imports {foreign}: only the standard library and dactyl_lab.spec itself"


def test_the_spec_package_lists_its_modules():
    modules = {p.stem for p in SPEC_DIR.glob("*.py")} - {"__init__"}
    assert {"hand", "task", "action_law", "solver", "randomization", "noise", "safety", "ppo"} <= modules
    for name in modules:
        assert f":mod:`.{name}`" in spec_package.__doc__, f"dactyl_lab.spec's docstring does not describe .{name}"
