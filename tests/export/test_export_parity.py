"""Exported ONNX vs the library's own PyTorch inference, for RSL-RL and rl-games, feed-forward and LSTM.

Each variant (ff, lstm, and both with the paper's discrete 11-bin head, whose ONNX action is the centre of the
argmax bin) is trained for one iteration (scripts/train.py, 8 envs) and exported with scripts/export.py. The
reference is the library itself (RSL-RL ``runner.get_inference_policy()``, rl-games ``PpoPlayerContinuous``),
normalizer included, on real observations of the task's env and on random ones; LSTMs over 100-step sequences
carrying state. Max abs difference of the actions < 1e-5 everywhere; of the LSTM state < 1e-5 relative to its size
on real observations (scaled by max(1, |state|): the cell state of the paper's dense 1024 -> LSTM 512 reaches
|c| ~ 60 on N(0, 1) observations after 100 steps), < 1e-4 on N(0, 1) observations (RANDOM_STATE_TOL).
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from dactyl_lab import __version__
from dactyl_lab.spec import hand
from dactyl_lab.contract import PolicyContract, check_against_hand, read_contract
from dactyl_lab.export.onnx_io import read_provenance

from tests.export.export_common import NUM_ENVS, TRAJECTORY_STEPS

pytestmark = [pytest.mark.sim, pytest.mark.slow]

TOL = 1e-5
RANDOM_STATE_TOL = 1e-4
"""LSTM state on N(0, 1) observations, relative to its size: after one training iteration the RSL-RL normalizer's
smallest std is ~0.004, so N(0, 1) inputs reach |x| ~ 280 after normalization; through the paper's dense 1024 ->
LSTM 512 over 100 steps float32 alone gives up to 1.2e-5 (measured: rsl_rl lstm, lstm_discrete). Actions stay < TOL."""
OBS, ACT = 46, 20


def _session(exp):
    return ort.InferenceSession(str(exp.onnx_path), providers=["CPUExecutionProvider"])


def _onnx_step(session, obs: np.ndarray, state=None):
    feeds = {"obs": obs.astype(np.float32)}
    if state is not None:
        feeds.update(h_in=state[0], c_in=state[1])
    out = session.run(None, feeds)
    return out[0], (tuple(out[1:]) if state is not None else None)


class LibraryRunner:
    """Steps the library's own inference path on a batch, carrying its recurrent state as the library does."""

    def __init__(self, library, batch: int):
        self.lib = library
        self.batch = batch
        if library.backend == "rsl_rl":
            library.model.reset()  # zero hidden state (None -> zeros in nn.LSTM)
        else:
            player = library.model
            player.get_batch_size(torch.zeros(batch, OBS), batch)
            player.init_rnn()  # zeros (layers, batch, hidden); no-op for the feed-forward player

    def step(self, obs: torch.Tensor):
        """(mean action, wrapper-clipped action or None, state (h, c) or None) as numpy; for the discrete head the
        centre of the argmax bin (twice)."""
        if self.lib.backend == "rsl_rl":
            from tensordict import TensorDict

            policy = self.lib.model
            with torch.no_grad():
                mean = policy(TensorDict({"policy": obs}, batch_size=[obs.shape[0]]))
            state = policy.get_hidden_state() if policy.is_recurrent else None
            return mean.numpy(), None, _np_state(state)
        player = self.lib.model
        if self.lib.binned_env is not None:  # discrete head: the player's argmax bins, as the training env maps them
            action = self.lib.binned_env.to_actions(player.get_action(obs, is_deterministic=True)).numpy()
            return action, action, _np_state(player.states)
        states = player.states
        with torch.no_grad():  # the forward get_action runs, for the unclipped mean mu
            res = player.model({"is_train": False, "prev_actions": None, "obs": obs, "rnn_states": states})
        player.states = states
        action = player.get_action(obs, is_deterministic=True)  # the player's own step: clamp(mu, -1, 1)
        return res["mus"].numpy(), action.numpy(), _np_state(player.states)


def _np_state(state):
    if state is None:
        return None
    return tuple(s.detach().numpy() for s in state)


def _library_obs(library, obs: torch.Tensor) -> torch.Tensor:
    """What the library sees: rl-games' wrapper clips every observation to +-clip_observations."""
    return obs if library.clip_obs is None else obs.clamp(-library.clip_obs, library.clip_obs)


def _scaled_diff(a: np.ndarray, b: np.ndarray) -> float:
    """``max |a - b| / max(1, max |b|)``, as the exporter's self-check: absolute below 1, relative above."""
    return float(np.abs(a - b).max() / max(1.0, float(np.abs(b).max())))


def _compare(exp, library, sequence: torch.Tensor) -> dict[str, float]:
    """Run ONNX and the library over ``sequence`` (steps, batch, 46), carrying LSTM state; max abs differences."""
    session = _session(exp)
    steps, batch, _ = sequence.shape
    runner = LibraryRunner(library, batch)
    state = None
    if exp.recurrent:
        h_shape = session.get_inputs()[1].shape
        state = tuple(np.zeros((h_shape[0], batch, h_shape[2]), np.float32) for _ in range(2))
    worst = {"action": 0.0, "clipped_action": 0.0, "state": 0.0, "action_mismatch_fraction": 0.0}
    mismatched = 0
    for t in range(steps):
        obs = _library_obs(library, sequence[t])
        onnx_action, state = _onnx_step(session, obs.numpy(), state)
        mean, clipped, lib_state = runner.step(obs)
        assert onnx_action.shape == (batch, ACT)
        worst["action"] = max(worst["action"], float(np.abs(onnx_action - mean).max()))
        mismatched += int((np.abs(onnx_action - mean) > TOL).sum())
        if clipped is not None:
            worst["clipped_action"] = max(
                worst["clipped_action"], float(np.abs(np.clip(onnx_action, -1, 1) - clipped).max())
            )
        if exp.recurrent:  # relative to the state's size: the LSTM cell state is unbounded (float32 precision)
            worst["state"] = max(worst["state"], *(_scaled_diff(a, b) for a, b in zip(state, lib_state)))
    worst["action_mismatch_fraction"] = mismatched / (steps * batch * ACT)
    return worst


def _assert_parity(exp, worst: dict[str, float], state_tol: float = TOL) -> None:
    """Continuous heads: every action within TOL. Discrete heads output the argmax bin: where two bins' logits tie
    within float32 rounding (an untrained, 1-iteration policy has nearly flat logits) ONNX Runtime and torch may
    pick different bins, so at most 0.1 % of the action elements may differ; the LSTM state must still agree."""
    assert worst["state"] < state_tol, worst
    if "discrete" in exp.variant:
        assert worst["action_mismatch_fraction"] <= 1e-3, worst
    else:
        assert worst["action"] < TOL and worst["clipped_action"] < TOL, worst


def test_onnx_checker_signature_and_opset(exported):
    model = onnx.load(str(exported.onnx_path))
    onnx.checker.check_model(model, full_check=True)
    assert {o.domain: o.version for o in model.opset_import}[""] == 17
    ins = {i.name: [d.dim_param or d.dim_value for d in i.type.tensor_type.shape.dim] for i in model.graph.input}
    outs = {o.name: [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim] for o in model.graph.output}
    assert ins["obs"] == ["batch", OBS] and outs["actions"] == ["batch", ACT]
    if exported.recurrent:
        hidden = 512  # the paper's LSTM, both libraries
        assert list(ins) == ["obs", "h_in", "c_in"] and list(outs) == ["actions", "h_out", "c_out"]
        for name in ("h_in", "c_in"):
            assert ins[name] == [1, "batch", hidden]
        for name in ("h_out", "c_out"):
            assert outs[name][1:] == ["batch", hidden]
    else:
        assert list(ins) == ["obs"] and list(outs) == ["actions"]
    assert "self-check: max |onnxruntime" in exported.export_stdout


def test_contract_round_trips_and_fits_the_hand(exported):
    contract = read_contract(exported.onnx_path)
    assert PolicyContract.from_json(contract.to_json()) == contract
    check_against_hand(contract, hand.MOTOR_NAMES, contract.control_period_s)
    check_against_hand(contract, tuple(reversed(hand.MOTOR_NAMES)), 0.08)  # by name, any order
    rl_games = exported.backend == "rl_games"
    assert contract.task_id == "Dactyl-Reorient-Cube-Shadow" and contract.backend == exported.backend
    assert contract.observation_size == OBS and contract.action.motor_names == list(hand.MOTOR_NAMES)
    assert [t.name for t in contract.observation] == [
        "fingertip_pos",
        "object_pos",
        "object_quat",
        "goal_relative_quat",
        "last_action",
    ]
    assert contract.control_period_s == pytest.approx(0.008 * 10)
    half_range = [(hi - lo) / 2 for lo, hi in (hand.MOTOR_LIMITS_RAD[m] for m in hand.MOTOR_NAMES)]
    assert contract.action.mode == "relative" and contract.action.scale == pytest.approx(half_range)
    assert contract.action.smoothing_previous_weight == pytest.approx(0.3) and contract.action.clip == 1.0
    assert contract.action.max_target_speed_rad_s == [hand.MOTOR_MAX_SPEED_RAD_S[m] for m in hand.MOTOR_NAMES]
    assert contract.action.env_clip == (1.0 if rl_games else None)
    assert contract.obs_clip == (5.0 if rl_games else None)
    assert contract.success_threshold_rad == pytest.approx(0.4)
    assert contract.hand_base_pos_m == [0.0, 0.0, 0.5]
    assert contract.package_version == __version__
    assert contract.recurrent == exported.recurrent
    if exported.recurrent:
        assert contract.rnn.state_inputs == ["h_in", "c_in"] and contract.rnn.state_outputs == ["h_out", "c_out"]
        assert (contract.rnn.num_layers, contract.rnn.hidden_size) == (1, 512)


def test_parity_on_real_observations(exported, library_policy, trajectory):
    """FF: every observation of the trajectory as one batch; LSTM: the 100-step trajectory carrying state."""
    library = library_policy(exported)
    sequence = trajectory if exported.recurrent else trajectory.reshape(1, -1, OBS)
    assert sequence.shape[-1] == OBS and trajectory.shape[:2] == (TRAJECTORY_STEPS, NUM_ENVS)
    assert torch.isfinite(trajectory).all() and trajectory.std(dim=(0, 1)).max() > 0
    worst = _compare(exported, library, sequence)
    print(f"{exported.backend}-{exported.variant} real obs: {worst}")
    _assert_parity(exported, worst)


def test_parity_on_random_observations(exported, library_policy):
    """Random N(0, 1) observations: FF a batch of 512; LSTM 100 steps of a batch of 8 carrying state."""
    generator = torch.Generator().manual_seed(1)
    shape = (TRAJECTORY_STEPS, 8, OBS) if exported.recurrent else (1, 512, OBS)
    worst = _compare(exported, library_policy(exported), torch.randn(shape, generator=generator))
    print(f"{exported.backend}-{exported.variant} random obs: {worst}")
    _assert_parity(exported, worst, state_tol=RANDOM_STATE_TOL)


def test_actions_are_bin_centres_for_the_binned_head_only(exported, trajectory):
    """The discrete head's ONNX output is always one of the 11 bin centres; the Gaussian's is not."""
    from dactyl_lab.agents.discrete import bin_centres

    session = _session(exported)
    batch = trajectory.reshape(-1, OBS)[:64].numpy()
    state = None
    if exported.recurrent:
        shape = session.get_inputs()[1].shape
        state = tuple(np.zeros((shape[0], batch.shape[0], shape[2]), np.float32) for _ in range(2))
    actions, _ = _onnx_step(session, batch, state)
    on_centres = np.isin(actions, bin_centres().numpy())
    assert on_centres.all() if exported.discrete else not on_centres.any()
    head = read_provenance(exported.onnx_path)["policy_head"]
    assert head.startswith("discrete: 11 bins") if exported.discrete else head.startswith("gaussian")


def test_binned_env_sends_bin_centres_to_the_real_env(sim_env):
    """rl-games' discrete configs train through BinnedActionVecEnv around Isaac Lab's RlGamesVecEnvWrapper: bin k of
    every motor reaches the env's action manager as the centre (2k - 10) / 10."""
    from isaaclab_rl.rl_games import RlGamesVecEnvWrapper

    from dactyl_lab.agents.rl_games_discrete import BinnedActionVecEnv

    env = BinnedActionVecEnv(RlGamesVecEnvWrapper(sim_env, "cpu", 5.0, 1.0))
    space = env.get_env_info()["action_space"]
    assert type(space).__name__ == "Tuple" and [s.n for s in space] == [11] * ACT
    bins = torch.randint(0, 11, (NUM_ENVS, ACT), generator=torch.Generator().manual_seed(2))
    env.step(bins)
    expected = (2.0 * bins.float() - 10.0) / 10.0
    assert torch.allclose(sim_env.unwrapped.action_manager.action.cpu(), expected, atol=1e-7)


def test_dynamic_batch_matches_single_rows(exported, trajectory):
    session = _session(exported)
    obs = trajectory[0].numpy()
    state = None
    if exported.recurrent:
        shape = session.get_inputs()[1].shape
        state = tuple(np.zeros((shape[0], NUM_ENVS, shape[2]), np.float32) for _ in range(2))
    batched, _ = _onnx_step(session, obs, state)
    for row in range(NUM_ENVS):
        single_state = None if state is None else tuple(s[:, row : row + 1] for s in state)
        single, _ = _onnx_step(session, obs[row : row + 1], single_state)
        assert np.abs(single[0] - batched[row]).max() < TOL


def test_runs_in_the_runtime_policy_wrapper(exported, library_policy, trajectory):
    """dactyl_lab.runtime's OnnxPolicy (batch 1, carries the LSTM state) reproduces the library on env 0."""
    from dactyl_lab.runtime.policy import OnnxPolicy

    policy = OnnxPolicy(exported.onnx_path)
    assert policy.recurrent == exported.recurrent
    library = library_policy(exported)
    runner = LibraryRunner(library, 1)
    first = None
    worst = 0.0
    for t in range(TRAJECTORY_STEPS):
        obs = _library_obs(library, trajectory[t, :1])
        action = policy(obs.numpy()[0])
        first = action if first is None else first
        mean, _, _ = runner.step(obs)
        assert action.shape == (ACT,) and action.dtype == np.float64
        worst = max(worst, float(np.abs(action - mean[0]).max()))
    assert worst < TOL, worst
    policy.reset()
    assert np.abs(policy(_library_obs(library, trajectory[0, :1]).numpy()[0]) - first).max() == 0.0


def test_runs_in_the_runtime_loop_on_the_standin(exported):
    """The exported file passes the runtime's contract checks and closes the loop on the MuJoCo stand-in, with the
    runtime's default settings, and the safety layer alters none of its commands: the policy trained under the
    law's rate limit and limits, which the runtime applies before the safety layer checks them (0 clamped steps)."""
    from dactyl_lab.runtime.backends.mujoco_standin import MujocoStandInHand, SimulatedTracker
    from dactyl_lab.runtime.loop import ControlLoop, LoopConfig
    from dactyl_lab.runtime.policy import OnnxPolicy

    policy = OnnxPolicy(exported.onnx_path)
    standin = MujocoStandInHand(seed=0)
    loop = ControlLoop(
        policy.contract,
        policy,
        standin,
        SimulatedTracker(standin, seed=1),
        config=LoopConfig(realtime=False, max_steps=40),
        keep_records=True,
    )
    summary = loop.run()
    assert summary.steps == 40 and summary.policy_steps >= 30 and summary.stop_reason == "max_steps"
    actions = np.array([r["action"] for r in loop.records if r["action"] is not None])
    assert actions.shape[1] == ACT and np.all(np.isfinite(actions))
    clamps = {kind: summary.event_counts.get(kind, 0) for kind in ("clamp_step", "clamp_limits")}
    assert clamps == {"clamp_step": 0, "clamp_limits": 0}, summary.event_counts
