"""Checkpoint -> ``policy.onnx`` with the normalizer folded in and the runtime contract embedded.

>>> from dactyl_lab.export.exporter import export_policy
>>> result = export_policy("logs/rsl_rl/dactyl_reorient_lstm/2026-11-25_15-18-58")   # doctest: +SKIP
>>> result.path, result.contract.rnn                                                 # doctest: +SKIP

What the ONNX graph computes (both backends, FF and LSTM)::

    obs (batch, 46) -> normalize (training statistics) -> network -> Gaussian mean (batch, 20)
    discrete head (--variant *_discrete): network -> logits (batch, 20, 11) -> centre of the argmax bin (batch, 20)
    LSTM: (obs, h_in, c_in) -> (actions, h_out, c_out), states (layers, batch, hidden), zeros at episode start

The wrappers' clips are not in the graph but in the contract (``obs_clip``: rl-games 5.0; ``action.env_clip``:
rl-games 1.0), which the runtime applies as training did.
"""

from __future__ import annotations

import hashlib
import time
import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dactyl_lab.spec import hand
from dactyl_lab.contract import (
    ObservationNoise,
    ObservationTerm,
    PolicyContract,
    TaskSpec,
    dactyl_observation_terms,
    dactyl_task,
    make_action_layout,
    make_dactyl_contract,
)
from dactyl_lab.export import ExportError
from dactyl_lab.export import rl_games_policy as rlg
from dactyl_lab.export import rsl_rl_policy as rsl
from dactyl_lab.export.checkpoints import Checkpoint, load_checkpoint
from dactyl_lab.export.onnx_io import DEFAULT_OPSET, export_module
from dactyl_lab.export.task import (
    DEFAULT_TASK,
    TaskSettings,
    registered_agent_cfg,
    registered_env_cfg,
    run_params,
    task_settings,
)
from dactyl_lab.training.cli_args import is_discrete, is_recurrent


@dataclass
class LoadedPolicy:
    """A checkpoint's policy rebuilt with its library, plus everything the contract needs."""

    checkpoint: Checkpoint
    settings: TaskSettings
    agent_cfg: dict[str, Any]
    agent_source: str
    obs_dim: int
    num_actions: int
    model: Any
    """RSL-RL: the actor model (eval); rl-games: the ``PpoPlayerContinuous`` player."""
    contract: PolicyContract
    num_layers: int = 0
    hidden_size: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def backend(self) -> str:
        return self.checkpoint.backend

    @property
    def recurrent(self) -> bool:
        return is_recurrent(self.checkpoint.variant)

    @property
    def discrete(self) -> bool:
        """The paper's discrete head: the action is the centre of the most probable of 11 bins per motor."""
        return is_discrete(self.checkpoint.variant)

    def zero_state(self, batch: int):
        """Zero (h, c) of shape (layers, batch, hidden) (episode start), or None for a feed-forward policy."""
        import torch

        if not self.recurrent:
            return None
        return tuple(torch.zeros(self.num_layers, batch, self.hidden_size) for _ in range(2))

    def obs_statistics(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std) of the observations the normalizer saw in training; (0, 1) without a normalizer."""
        zeros, ones = np.zeros(self.obs_dim), np.ones(self.obs_dim)
        if self.backend == "rsl_rl":
            from rsl_rl.modules import EmpiricalNormalization

            norm = getattr(self.model, "obs_normalizer", None)
            if not isinstance(norm, EmpiricalNormalization):  # torch.nn.Identity without obs normalization
                return zeros, ones
            return norm.mean.detach().double().numpy().reshape(-1), norm.std.detach().double().numpy().reshape(-1)
        model = self.model.model
        if not model.normalize_input:
            return zeros, ones
        rms = model.running_mean_std
        return rms.running_mean.detach().double().numpy(), np.sqrt(rms.running_var.detach().double().numpy())

    def reference(self, obs, state=None):
        """The library's own inference: ``(actions, new_state)`` for a (batch, obs_dim) float32 tensor.

        RSL-RL: the actor's ``forward`` (normalizer, network, deterministic output) with its RNN's hidden state
        set to ``state``; rl-games: ``player.model``'s forward (normalizer, network), the action is ``mu``.
        ``state`` None means zeros (episode start). Actions are the Gaussian mean, before any wrapper clip (discrete
        head: the argmax bin centre).
        """
        import torch

        with torch.no_grad():
            if self.backend == "rsl_rl":
                actor = self.model
                if self.recurrent:
                    actor.reset(hidden_state=None if state is None else tuple(s.clone() for s in state))
                actions = actor(rsl.actor_obs(actor, obs))
                new_state = tuple(s.clone() for s in actor.get_hidden_state()) if self.recurrent else None
                return actions, new_state
            state = self.zero_state(obs.shape[0]) if (self.recurrent and state is None) else state
            return rlg.reference_actions(self.model, obs, list(state) if state is not None else None)


@dataclass
class ExportResult:
    path: Path
    policy: LoadedPolicy
    self_check_max_abs_diff: float | None = None

    @property
    def contract(self) -> PolicyContract:
        return self.policy.contract


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _check_layout(settings: TaskSettings, obs_dim: int, num_actions: int, ckpt: Checkpoint, env_cfg: dict | None):
    expected_terms = [t.name for t in dactyl_observation_terms()]
    if settings.policy_terms != expected_terms:
        raise ExportError(
            f"the task's policy observation group ({settings.source}) has the terms {settings.policy_terms}, but the "
            f"runtime contract builds {expected_terms}: the runtime could not feed this policy. Export a policy of "
            "the Dactyl reorientation task (--task Dactyl-Reorient-Cube-Shadow)"
        )
    expected_obs = sum(t.size for t in dactyl_observation_terms())
    if obs_dim != expected_obs:
        raise ExportError(
            f"observation size mismatch: the checkpoint {ckpt.path} takes {obs_dim} observations but the task's policy "
            f"group ({', '.join(f'{t.name} {t.size}' for t in dactyl_observation_terms())}) has {expected_obs}. It was "
            f"trained on another task or observation layout; export a checkpoint trained on {settings.task_id} with "
            "scripts/train.py (or pass the --task it was trained on)"
        )
    if num_actions != len(hand.MOTOR_NAMES):
        raise ExportError(
            f"action size mismatch: the checkpoint {ckpt.path} outputs {num_actions} actions but the hand has "
            f"{len(hand.MOTOR_NAMES)} motors (dactyl_lab.spec.hand.MOTOR_NAMES); "
            f"export a checkpoint of {settings.task_id}"
        )
    if env_cfg is not None:
        actions = env_cfg.get("actions") or {}
        term = next((t for t in actions.values() if isinstance(t, dict) and "scale_rad" in t), {})
        if "Relative" not in str(term.get("class_type", "Relative")):
            raise ExportError(f"the action term {term.get('class_type')} is not the relative motor-target term")
        pos = (((env_cfg.get("scene") or {}).get("robot") or {}).get("init_state") or {}).get("pos")
        from dactyl_lab.assets.scene import HAND_BASE_POS_M

        if pos is not None and not np.allclose(pos, HAND_BASE_POS_M):
            raise ExportError(
                f"the env cfg puts the hand at {list(pos)} m but dactyl_lab.assets.scene.HAND_BASE_POS_M is "
                f"{list(HAND_BASE_POS_M)}: the runtime's position shift would be wrong; export with the task's scene"
            )


def load_policy(
    checkpoint: str | Path,
    backend: str | None = None,
    variant: str | None = None,
    task: str = DEFAULT_TASK,
    presets: tuple[str, ...] = (),
    use_run_params: bool = True,
) -> LoadedPolicy:
    """Load a checkpoint (file or run folder), its configs and its policy; build the contract."""
    from dactyl_lab.assets.scene import HAND_BASE_POS_M

    ckpt = load_checkpoint(checkpoint, backend, variant)
    env_cfg, agent_cfg = run_params(ckpt.run_dir) if use_run_params else (None, None)
    notes = []
    if env_cfg is not None:
        if presets:
            notes.append(f"--preset {list(presets)} ignored: the run's params/env.yaml is the env it trained in")
        settings = task_settings(env_cfg, task, str(ckpt.run_dir / "params" / "env.yaml"), ckpt.state.get("adr_state"))
    else:
        env_cfg = registered_env_cfg(task, tuple(presets))
        source = f"registry {task} presets={list(presets)}"
        settings = task_settings(env_cfg, task, source, ckpt.state.get("adr_state"))
    if agent_cfg is not None:
        agent_source = str(ckpt.run_dir / "params" / "agent.yaml")
    else:
        agent_cfg = registered_agent_cfg(task, ckpt.backend, ckpt.variant)
        agent_source = f"registry {task} {ckpt.backend} {ckpt.variant}"

    if ckpt.backend == "rsl_rl":
        obs_dim, num_actions = rsl.checkpoint_dims(ckpt.policy_state)
        _check_layout(settings, obs_dim, num_actions, ckpt, env_cfg)
        model = rsl.build_actor(agent_cfg, ckpt.policy_state, obs_dim, num_actions, agent_source)
        clip = agent_cfg.get("clip_actions")
        env_clip, obs_clip = (None if clip is None else float(clip)), None
        num_layers = hidden = 0
        if is_recurrent(ckpt.variant):
            num_layers, hidden = model.rnn.rnn.num_layers, model.rnn.rnn.hidden_size
    else:
        params = rlg.params_of(agent_cfg, agent_source)
        obs_dim, num_actions = rlg.checkpoint_dims(ckpt.policy_state, params)
        _check_layout(settings, obs_dim, num_actions, ckpt, env_cfg)
        model = rlg.build_player(params, ckpt.path, obs_dim, num_actions, agent_source)
        obs_clip, env_clip = rlg.wrapper_clips(params)
        num_layers = hidden = 0
        if is_recurrent(ckpt.variant):
            lstm = model.model.a2c_network.rnn.rnn
            num_layers, hidden = lstm.num_layers, lstm.hidden_size

    action = make_action_layout(
        "relative",
        scale_rad=settings.action_scale_rad,
        smoothing_previous_weight=settings.action_smoothing_previous_weight,
        max_target_speed_rad_s=settings.action_max_target_speed_rad_s,
        clip=1.0,
        env_clip=env_clip,
    )
    contract = make_dactyl_contract(
        settings.task_id,
        observation=trained_observation_terms(settings),
        task=trained_task(settings),
        backend=ckpt.backend,
        recurrent=is_recurrent(ckpt.variant),
        hidden_size=hidden or 512,
        num_layers=num_layers or 1,
        action=action,
        control_period_s=settings.control_period_s,
        hand_base_pos_m=tuple(float(v) for v in HAND_BASE_POS_M),
        success_threshold_rad=settings.success_threshold_rad,
        obs_clip=obs_clip,
    )
    return LoadedPolicy(
        ckpt, settings, agent_cfg, agent_source, obs_dim, num_actions, model, contract, num_layers, hidden, notes
    )


def trained_observation_terms(settings: TaskSettings) -> list[ObservationTerm]:
    """The contract's observation terms with the noise the run trained with (none for a noise-free preset)."""
    terms = dactyl_observation_terms(len(hand.MOTOR_NAMES))
    for term in terms:
        if term.name in settings.observation_noise:
            correlated, uncorrelated = settings.observation_noise[term.name]
            term.noise = ObservationNoise(correlated, uncorrelated, term.noise.units)
    return terms


def trained_task(settings: TaskSettings) -> TaskSpec:
    """The contract's episode rules as the run trained them (cube geometry: the task's scene)."""
    return dataclasses.replace(
        dactyl_task(),
        drop_distance_m=settings.drop_distance_m,
        train_goal_timeout_s=settings.train_goal_timeout_s,
        max_consecutive_successes=settings.max_consecutive_successes,
    )


def default_output(checkpoint: Checkpoint) -> Path:
    """``<run>/exported/policy.onnx`` (where Isaac Lab's play script puts its exports)."""
    return checkpoint.run_dir / "exported" / "policy.onnx"


def self_check(policy: LoadedPolicy, path: str | Path, samples: int = 32, seed: int = 0) -> float:
    """Largest scaled difference ``|ONNX Runtime - library| / max(1, |library|)`` (actions and LSTM states).

    Observations are drawn around the training statistics (``mean + std * N(0, 1)`` of the normalizer; N(0, 1)
    without one), a batch of ``samples``; an LSTM runs 5 steps carrying its state. Scaling by the output's size
    keeps a large but correct action of a long-trained policy from failing the float32 check."""
    import onnxruntime as ort
    import torch

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(seed)
    mean, std = policy.obs_statistics()
    if policy.contract.obs_clip is not None:
        mean = np.clip(mean, -policy.contract.obs_clip, policy.contract.obs_clip)
    state, feeds_state = policy.zero_state(samples), {}
    if state is not None:
        feeds_state = {"h_in": state[0].numpy(), "c_in": state[1].numpy()}

    def scaled(a, b) -> float:
        return float(np.abs(a - b).max() / max(1.0, float(np.abs(b).max())))

    worst = 0.0
    for _ in range(5 if policy.recurrent else 1):
        obs = (mean + std * rng.normal(0.0, 1.0, (samples, policy.obs_dim))).astype(np.float32)
        outs = session.run(None, {"obs": obs, **feeds_state})
        ref, state = policy.reference(torch.from_numpy(obs), state)
        worst = max(worst, scaled(outs[0], ref.numpy()))
        if policy.recurrent:
            worst = max(worst, *(scaled(o, s.numpy()) for o, s in zip(outs[1:], state)))
            feeds_state = {"h_in": outs[1], "c_in": outs[2]}
    return worst


def export_policy(
    checkpoint: str | Path,
    output: str | Path | None = None,
    backend: str | None = None,
    variant: str | None = None,
    task: str = DEFAULT_TASK,
    presets: tuple[str, ...] = (),
    use_run_params: bool = True,
    opset: int = DEFAULT_OPSET,
    check_tolerance: float | None = 1e-5,
) -> ExportResult:
    """Export a checkpoint (file or run folder) to ONNX; returns the path, the loaded policy and the self-check.

    ``check_tolerance``: after writing, compare ONNX Runtime with the library (:func:`self_check`) and raise
    :class:`ExportError` above this difference (None: skip)."""
    import torch

    from dactyl_lab.agents.discrete import NUM_BINS

    policy = load_policy(checkpoint, backend, variant, task, presets, use_run_params)
    if policy.backend == "rsl_rl":
        module, dummy, _, _ = rsl.onnx_module(policy.model)
    else:
        module, dummy, _, _ = rlg.onnx_module(policy.model, policy.obs_dim)
    ckpt = policy.checkpoint
    provenance = {
        "checkpoint": str(ckpt.path.resolve()),
        "checkpoint_sha256": _sha256(ckpt.path),
        "backend": ckpt.backend,
        "variant": ckpt.variant,
        "iteration": ckpt.state.get("iter", ckpt.state.get("epoch")),
        "env_cfg": policy.settings.source,
        "agent_cfg": policy.agent_source,
        "opset": opset,
        "exporter": f"torch.onnx.export(dynamo=False) torch {torch.__version__}",
        "normalizer": "rsl_rl EmpiricalNormalization" if ckpt.backend == "rsl_rl" else "rl_games running_mean_std",
        "policy_head": (
            f"discrete: {NUM_BINS} bins per action, output = centre of the argmax bin"
            if policy.discrete
            else "gaussian: output = mean"
        ),
        "exported_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    path = Path(output) if output is not None else default_output(ckpt)
    export_module(module, dummy, path, policy.recurrent, policy.contract, provenance, opset)
    result = ExportResult(path, policy)
    if check_tolerance is not None:
        result.self_check_max_abs_diff = self_check(policy, path)
        if not result.self_check_max_abs_diff <= check_tolerance:
            raise ExportError(
                f"{path}: ONNX Runtime differs from the {ckpt.backend} policy by {result.self_check_max_abs_diff:.3g} "
                f"(scaled by max(1, |output|); > {check_tolerance:g}) on observations around the training statistics; "
                "the export is wrong: please report it (--check_tolerance -1 skips the check)"
            )
    return result
