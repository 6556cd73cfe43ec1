"""Bad input to dactyl-lab-runtime: one clear line on stderr, exit code 2, no hand command, no log file.

Covers corrupt / truncated / non-ONNX policy files, ONNX signatures that disagree with the contract, contracts
with missing or wrong-typed fields, nonsensical CLI values, replay logs cut mid-line or from another policy,
and a seeded fuzz of a valid contract and a valid ONNX file."""

from __future__ import annotations

import copy
import json
import random
import subprocess
import sys

import numpy as np
import pytest

from dactyl_lab.contract import METADATA_KEY, ContractError, PolicyContract
from dactyl_lab.runtime import cli
from dactyl_lab.runtime.backends import mujoco_standin

FUZZ_RUNS = 24  # per fuzzed input kind; seeded


@pytest.fixture
def commands(monkeypatch):
    """Every command the stand-in hand receives (the real hand class, its methods wrapped to count calls)."""
    sent = []
    for name in ("send_targets", "safe_stop"):
        original = getattr(mujoco_standin.MujocoStandInHand, name)

        def spy(self, *args, _original=original, _name=name, **kwargs):
            sent.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(mujoco_standin.MujocoStandInHand, name, spy)
    return sent


def run(args, capsys, tmp_path, monkeypatch) -> tuple[int, str]:
    monkeypatch.chdir(tmp_path)
    try:
        code = cli.main(args)
    except SystemExit as exit_:  # argparse refuses bad values itself
        code = exit_.code
    return code, capsys.readouterr().err


def assert_refused(code: int, err: str, tmp_path, commands, *words: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2, err
    assert lines and "Traceback" not in err, err
    assert all(word in err for word in words), err
    assert not commands, commands  # nothing moved
    assert not list(tmp_path.glob("*.jsonl")), "a refused run wrote a log"


def stand_in(policy, *extra: str) -> list[str]:
    return ["--policy", str(policy), "--hand", "mujoco", "--realtime", "off", "--steps", "3", *extra]


def with_metadata(src, dst, text: str):
    import onnx

    model = onnx.load(str(src))
    for prop in model.metadata_props:
        if prop.key == METADATA_KEY:
            prop.value = text
    onnx.save(model, str(dst))
    return dst


@pytest.mark.parametrize("damage", ["truncated", "random_bytes", "text", "empty"])
def test_unreadable_policy_files_are_refused(damage, ff_policy, tmp_path, capsys, monkeypatch, commands):
    data = ff_policy[0].read_bytes()
    content = {
        "truncated": data[: len(data) // 3],
        "random_bytes": np.random.default_rng(0).bytes(4000),
        "text": b"this is not an onnx file\n",
        "empty": b"",
    }[damage]
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(content)
    code, err = run(stand_in(bad), capsys, tmp_path, monkeypatch)
    assert_refused(code, err, tmp_path, commands, "nothing was moved", str(bad))


def test_onnx_signature_that_disagrees_with_its_contract_is_refused(ff_policy, tmp_path, capsys, monkeypatch, commands):
    good = json.loads(ff_policy[1].to_json())
    for change, word in (
        ({"input_name": "observations"}, "do not match the contract"),
        ({"output_name": "mu"}, "do not match the contract"),
    ):
        bad = with_metadata(ff_policy[0], tmp_path / "sig.onnx", json.dumps({**good, **change}))
        code, err = run(stand_in(bad), capsys, tmp_path, monkeypatch)
        assert_refused(code, err, tmp_path, commands, word)
    # 19 motors named but the network outputs 20
    action = {key: value[:19] if isinstance(value, list) else value for key, value in good["action"].items()}
    bad = with_metadata(ff_policy[0], tmp_path / "sig.onnx", json.dumps({**good, "action": action}))
    code, err = run(stand_in(bad), capsys, tmp_path, monkeypatch)
    assert_refused(code, err, tmp_path, commands, "nothing was moved")


@pytest.mark.parametrize(
    "field",
    [
        "hand_base_pos_m",
        "control_period_s",
        "action.smoothing_previous_weight",
        "action.max_target_speed_rad_s",
        "action.clip",
    ],
)
def test_contract_without_a_needed_field_is_refused(field, ff_policy, tmp_path, capsys, monkeypatch, commands):
    data = json.loads(ff_policy[1].to_json())
    parent = data["action"] if field.startswith("action.") else data
    del parent[field.split(".")[-1]]
    place = " - at `contract.action`" if field.startswith("action.") else ";"
    with pytest.raises(ContractError, match=f"missing required field `{field.split('.')[-1]}`{place}"):
        PolicyContract.from_dict(data)  # no silent default
    bad = with_metadata(ff_policy[0], tmp_path / "missing.onnx", json.dumps(data))
    code, err = run(stand_in(bad), capsys, tmp_path, monkeypatch)
    assert_refused(code, err, tmp_path, commands, field.split(".")[-1], "re-export")


def test_contract_with_a_non_finite_tip_offset_is_refused(ff_policy):
    data = json.loads(ff_policy[1].to_json())
    data["fingertips"]["tip_offsets_m"][2][1] = float("nan")
    with pytest.raises(ContractError, match="tip_offsets_m must be finite"):
        PolicyContract.from_dict(data)


@pytest.mark.parametrize(
    "path, value",
    [
        (("control_period_s",), "0.08"),
        (("hand_base_pos_m",), [0, 0, "x"]),
        (("observation", 0, "size"), 15.5),
        (("action", "scale"), 0.1),
        (("action", "limits"), [[0, 1]] * 19 + [[0, "1"]]),
        (("recurrent",), 0),
        (("observation",), {"fingertip_pos": 15}),
    ],
)
def test_contract_with_a_wrong_typed_field_is_refused(path, value, ff_policy, tmp_path, capsys, monkeypatch, commands):
    data = json.loads(ff_policy[1].to_json())
    node = data
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ContractError, match="malformed policy contract"):
        PolicyContract.from_dict(data)
    bad = with_metadata(ff_policy[0], tmp_path / "typed.onnx", json.dumps(data))
    code, err = run(stand_in(bad), capsys, tmp_path, monkeypatch)
    assert_refused(code, err, tmp_path, commands, "malformed policy contract")


@pytest.mark.parametrize(
    "flag, value",
    [
        ("--steps", "0"),
        ("--steps", "-3"),
        ("--control_period_s", "0"),
        ("--control_period_s", "-0.08"),
        ("--goal_timeout_s", "0"),
        ("--goal_timeout_s", "-1"),
        ("--pose_stale_s", "0"),
        ("--joints_stale_s", "-1"),
        ("--num_trials", "0"),
        ("--physics_dt_s", "0"),
        ("--max_step_rad", "nan"),
        ("--threads", "0"),
        ("--safe_move_steps", "0"),
        ("--fall_distance_m", "-0.1"),
        ("--max_force_factor", "1.5"),
        ("--tracker_latency_steps", "-1"),
        ("--inject_stale_pose", "-1:3"),
    ],
)
def test_nonsensical_cli_values_are_refused(flag, value, ff_policy, tmp_path, capsys, monkeypatch, commands):
    code, err = run(stand_in(ff_policy[0], flag, value), capsys, tmp_path, monkeypatch)
    assert_refused(code, err, tmp_path, commands, flag)


@pytest.fixture(scope="module")
def recorded_log(ff_policy, tmp_path_factory):
    log = tmp_path_factory.mktemp("replay") / "run.jsonl"
    assert cli.main(stand_in(ff_policy[0], "--log", str(log))) == 0
    return log


def test_replay_log_cut_mid_line_is_refused(recorded_log, ff_policy, tmp_path, capsys, monkeypatch, commands):
    lines = recorded_log.read_text().splitlines(keepends=True)
    cut = tmp_path / "cut.jsonl.txt"
    cut.write_text("".join(lines[:3]) + lines[3][: len(lines[3]) // 2])
    args = ["--policy", str(ff_policy[0]), "--hand", "replay", "--replay_log", str(cut), "--no_log"]
    code, err = run(args, capsys, tmp_path, monkeypatch)
    assert_refused(code, err, tmp_path, commands, "cut in the middle of line 4", "head -n 3")


def test_replay_log_of_another_policy_is_refused(recorded_log, lstm_policy, tmp_path, capsys, monkeypatch, commands):
    args = ["--policy", str(lstm_policy[0]), "--hand", "replay", "--replay_log", str(recorded_log), "--no_log"]
    code, err = run(args, capsys, tmp_path, monkeypatch)
    assert_refused(code, err, tmp_path, commands, "recorded with another policy")


# -- fuzz ------------------------------------------------------------------------------------------------------
def mutate_contract(data: dict, rng: random.Random) -> str:
    """Drop a field, give one a value of another type, or flip bytes of the JSON text."""
    data = copy.deepcopy(data)
    paths = []

    def walk(node, path):
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            paths.append((*path, key))
            walk(value, (*path, key))

    walk(data, ())
    kind = rng.choice(["drop", "retype", "flip"])
    if kind == "flip":
        text = bytearray(json.dumps(data).encode())
        for _ in range(rng.randint(1, 4)):
            text[rng.randrange(len(text))] = rng.randrange(32, 127)
        return text.decode("ascii", errors="replace")
    path = rng.choice(paths)
    node = data
    for key in path[:-1]:
        node = node[key]
    if kind == "drop":
        del node[path[-1]]
    else:
        node[path[-1]] = rng.choice([None, "text", -1, 0, 1e9, True, [], {}, [1, 2, 3], float("nan")])
    return json.dumps(data)


def flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def assert_works_or_refused(code, err, tmp_path, commands) -> str:
    if code == 0:
        return "works"
    assert_refused(code, err, tmp_path, commands)
    assert len([line for line in err.splitlines() if line.strip()]) == 1, err  # one readable line
    return "refused"


def test_fuzzed_contracts_either_work_or_are_refused_cleanly(ff_policy, tmp_path, capsys, monkeypatch, commands):
    rng, good = random.Random(1234), json.loads(ff_policy[1].to_json())
    outcomes = []
    for index in range(FUZZ_RUNS):
        bad = with_metadata(ff_policy[0], tmp_path / f"fuzz_{index}.onnx", mutate_contract(good, rng))
        code, err = run(stand_in(bad, "--no_log"), capsys, tmp_path, monkeypatch)
        outcomes.append(assert_works_or_refused(code, err, tmp_path, commands))
        commands.clear()
    assert "refused" in outcomes  # the fuzz did break things


def test_fuzzed_onnx_files_either_work_or_are_refused_cleanly(lstm_policy, tmp_path, capsys, monkeypatch, commands):
    rng, data = random.Random(99), lstm_policy[0].read_bytes()
    outcomes = []
    for index in range(FUZZ_RUNS):
        bad = tmp_path / f"fuzz_{index}.onnx"
        bad.write_bytes(flip_bytes(data, rng))
        code, err = run(stand_in(bad, "--no_log"), capsys, tmp_path, monkeypatch)
        outcomes.append(assert_works_or_refused(code, err, tmp_path, commands))
        commands.clear()
    assert "refused" in outcomes  # the fuzz did break things (and every run ended in one of the two ways)


def test_runtime_start_prints_no_gymnasium_robotics_warning(ff_policy, tmp_path):
    out = subprocess.run(
        [sys.executable, "-W", "default", "-m", "dactyl_lab.runtime.cli", *stand_in(ff_policy[0], "--no_log")],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert "gymnasium_robotics" not in out.stderr and "AdroitHand" not in out.stderr, out.stderr[-2000:]
